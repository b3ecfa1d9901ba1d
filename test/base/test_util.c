/* Shared utilities: YAML positions and rejections, JSON determinism. */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "json.h"
#include "strutil.h"
#include "ytree.h"

static const char *load_err(const char *text)
{
    static char buf[1024];
    ytree_t t;
    imc_diag_t d;
    diag_init(&d);
    int rc = ytree_load_string(&t, "in.yaml", text, strlen(text), &d);
    snprintf(buf, sizeof buf, "%s", rc ? (d.text ? d.text : "?") : "");
    ytree_free(&t);
    diag_free(&d);
    return buf;
}

START_TEST(duplicate_key_is_error)
{
    ck_assert_str_eq(load_err("a: 1\nb:\n  c: 2\n  c: 3\n"),
                     "in.yaml:4:3: error: duplicate key 'c' (first defined at line 3)\n");
}
END_TEST

START_TEST(merge_key_is_error)
{
    ck_assert_str_eq(load_err("x: &a {p: 1}\ny:\n  <<: *a\n"),
                     "in.yaml:3:3: error: merge keys ('<<') are not supported "
                     "(expected explicit keys, or 'base:' for presets)\n");
}
END_TEST

START_TEST(syntax_error_has_position)
{
    const char *e = load_err("a: [1, 2\nb: 3\n");
    ck_assert_msg(strncmp(e, "in.yaml:", 8) == 0 && strstr(e, "error: YAML syntax:"), "%s", e);
}
END_TEST

START_TEST(empty_and_multi_document)
{
    ck_assert_str_eq(load_err(""), "in.yaml: error: empty document (expected a mapping)\n");
    ck_assert_str_eq(load_err("a: 1\n---\nb: 2\n"),
                     "in.yaml:3:1: error: a second YAML document (expected exactly one)\n");
}
END_TEST

START_TEST(deep_nesting_and_alias_bombs)
{
    /* 100k '[' would overflow libyaml's recursive loader */
    size_t n = 100000;
    char *deep = malloc(n + 1);
    memset(deep, '[', n);
    deep[n] = '\0';
    ck_assert_str_eq(load_err(deep), "in.yaml:1:65: error: nesting deeper than 64 levels\n");
    free(deep);
    /* each level doubles the previous: 2^30 nodes from a few lines */
    char bomb[4096] = "a0: &a0 [x, x]\n";
    for (int i = 1; i <= 30; i++) {
        char line[64];
        snprintf(line, sizeof line, "a%d: &a%d [*a%d, *a%d]\n", i, i, i - 1, i - 1);
        strcat(bomb, line);
    }
    const char *e = load_err(bomb);
    ck_assert_msg(strstr(e, "once aliases are expanded") != NULL, "%s", e);
    ck_assert_msg(!strchr(e, '\n') || !strchr(e, '\n')[1], "one message, not many: %s", e);
    /* found by fuzz_yaml: a map whose values alias the map itself; each
       path ending at the depth limit added a message (242 MB, 3 s) */
    ck_assert_str_eq(load_err(" &x \nr:  *x\nb:  *x\nc:  *x\nd:  *x\n"),
                     "in.yaml:1:2: error: an alias refers to a node that contains it "
                     "(expected a tree, not a cycle)\n");
}
END_TEST

START_TEST(strict_scalars)
{
    int64_t i;
    double x;
    int b;
    ck_assert_int_eq(parse_int64("12", &i), 0);
    ck_assert_int_eq(i, 12);
    ck_assert_int_ne(parse_int64("12x", &i), 0);
    ck_assert_int_ne(parse_int64("1.5", &i), 0);
    ck_assert_int_ne(parse_int64("99999999999999999999", &i), 0);
    ck_assert_int_ne(parse_int64(" 12", &i), 0); /* the whole text: no leading blank */
    ck_assert_int_ne(parse_double(" 1e-3", &x), 0);
    ck_assert_int_eq(parse_double("1e-3", &x), 0);
    ck_assert_int_ne(parse_double("nan", &x), 0);
    ck_assert_int_ne(parse_double("inf", &x), 0);
    ck_assert_int_eq(parse_bool("Yes", &b), 0);
    ck_assert_int_eq(b, 1);
    ck_assert_int_ne(parse_bool("maybe", &b), 0);
}
END_TEST

START_TEST(closest_name)
{
    const char *names[] = {"bits", "model", "cols_per_adc"};
    ck_assert_str_eq(str_closest("bitz", names, 3), "bits");
    ck_assert_ptr_null(str_closest("frobnicate", names, 3));
}
END_TEST

START_TEST(json_is_deterministic)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    json_w_t w;
    jw_init(&w, f);
    jw_obj_begin(&w, NULL);
    jw_num(&w, "a", 0.1);
    jw_num(&w, "nan", 0.0 / 0.0);
    jw_arr_begin(&w, "xs");
    jw_int(&w, NULL, -3);
    jw_str(&w, NULL, "q\"\n");
    jw_arr_end(&w);
    jw_obj_begin(&w, "empty");
    jw_obj_end(&w);
    jw_obj_end(&w);
    jw_finish(&w);
    fclose(f);
    ck_assert_str_eq(buf, "{\n  \"a\": 0.1,\n  \"nan\": null,\n  \"xs\": [\n    -3,\n"
                          "    \"q\\\"\\n\"\n  ],\n  \"empty\": {}\n}\n");
    free(buf);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, duplicate_key_is_error);
    tcase_add_test(tc, merge_key_is_error);
    tcase_add_test(tc, syntax_error_has_position);
    tcase_add_test(tc, empty_and_multi_document);
    tcase_add_test(tc, strict_scalars);
    tcase_add_test(tc, deep_nesting_and_alias_bombs);
    tcase_add_test(tc, closest_name);
    tcase_add_test(tc, json_is_deterministic);
    suite_add_tcase(s, tc);
    return check_run(s);
}
