/* The option parser (app/opts.h) in-process: every kind of option, the one
 * --set rule, positional arguments, and the exact wording of each refusal. */
#define _DEFAULT_SOURCE /* mkstemp */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opts.h"

#include <check.h>

#include "check_run.h"

static const opts_cmd_t cmd = {"t", "t [options] FILE", "A test command.\n", NULL, 1, 2, "FILE"};

static const char *color_name(int i)
{
    static const char *const n[] = {"red", "green", "blue"};
    return i >= 0 && i < 3 ? n[i] : NULL;
}

typedef struct vals {
    int flag, color;
    const char *out;
    int64_t n;
    double rate;
    opt_list_t sets;
    const char *pos[2];
    int npos;
} vals_t;

static char err[1024];

/* Parses the words of `line` (at most 300); stderr goes to err. */
static int parse(vals_t *v, const char *line)
{
    static char buf[8192];
    char *argv[302];
    int argc = 0;
    snprintf(buf, sizeof buf, "t %s", line);
    for (char *w = strtok(buf, " "); w && argc < 301; w = strtok(NULL, " "))
        argv[argc++] = w;
    argv[argc] = NULL;
    memset(v, 0, sizeof *v);
    v->n = 7;
    const opt_t opts[] = {
        OPT_FLAG('q', "quiet", &v->flag, "no output"),
        OPT_STRING('o', "output", &v->out, "FILE", "where"),
        OPT_INT(0, "count", &v->n, "N", 1, 100, "how many"),
        OPT_DOUBLE(0, "rate", &v->rate, "R", 0, 1, "how often"),
        OPT_ENUM(0, "color", &v->color, "C", color_name, "which"),
        OPT_SET(&v->sets),
        OPT_END,
    };
    char path[] = "/tmp/imc_opts_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    int rc = opts_parse(&cmd, opts, argc, argv, v->pos, &v->npos);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ssize_t n = pread(fd, err, sizeof err - 1, 0);
    err[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return rc;
}

START_TEST(every_kind)
{
    vals_t v;
    ck_assert_int_eq(parse(&v, "-q --output=a.json --count 42 --rate=0.25 --color blue f1"), OPTS_GO);
    ck_assert_int_eq(v.flag, 1);
    ck_assert_str_eq(v.out, "a.json");
    ck_assert_int_eq(v.n, 42);
    ck_assert_double_eq(v.rate, 0.25);
    ck_assert_int_eq(v.color, 2);
    ck_assert_int_eq(v.npos, 1);
    ck_assert_str_eq(v.pos[0], "f1");
    ck_assert_str_eq(err, "");
    ck_assert_int_eq(parse(&v, "f1 -oa f2 --cou 3"), OPTS_GO); /* any order, prefixes */
    ck_assert_str_eq(v.out, "a");
    ck_assert_int_eq(v.n, 3);
    ck_assert_int_eq(v.npos, 2);
    ck_assert_int_eq(parse(&v, "-- -q"), OPTS_GO); /* after --, a word is positional */
    ck_assert_int_eq(v.flag, 0);
    ck_assert_str_eq(v.pos[0], "-q");
    ck_assert_int_eq(parse(&v, "f"), OPTS_GO);
    ck_assert_int_eq(v.n, 7); /* untouched when not given */
    opt_list_free(&v.sets);
}
END_TEST

START_TEST(set_is_one_option)
{
    vals_t v;
    ck_assert_int_eq(parse(&v, "--set a=1 --set=b=2 -s c=3 -sd=4 f"), OPTS_GO);
    ck_assert_int_eq(v.sets.n, 4);
    const char *want[] = {"a=1", "b=2", "c=3", "d=4"};
    for (int i = 0; i < 4; i++)
        ck_assert_str_eq(v.sets.v[i], want[i]);
    opt_list_free(&v.sets);
    char line[4096] = "f";
    for (int i = 0; i < 140; i++)
        snprintf(line + strlen(line), sizeof line - strlen(line), " -s k%d=%d", i, i);
    ck_assert_int_eq(parse(&v, line), OPTS_GO);
    ck_assert_int_eq(v.sets.n, 140); /* no cap (there was one of 64) */
    ck_assert_str_eq(v.sets.v[139], "k139=139");
    opt_list_free(&v.sets);
}
END_TEST

/* A command line and the one line it must draw on stderr. */
static const char *const refused_lines[][2] = {
    {"f --count x", "imcsim t: error: --count 'x' (expected an integer in 1..100)\n"},
    {"f --count 101", "imcsim t: error: --count '101' (expected an integer in 1..100)\n"},
    {"f --rate nan", "imcsim t: error: --rate 'nan' (expected a number in 0..1)\n"},
    {"f --rate 1.5", "imcsim t: error: --rate '1.5' (expected a number in 0..1)\n"},
    {"f --color pink", "imcsim t: error: --color 'pink' (expected red, green or blue)\n"},
    {"f --count", "imcsim t: error: '--count' needs a value (see 'imcsim t --help')\n"},
    {"f -o", "imcsim t: error: '-o' needs a value (see 'imcsim t --help')\n"},
    {"f --frob", "imcsim t: error: unknown option '--frob' (see 'imcsim t --help')\n"},
    {"f --quiet=1", "imcsim t: error: '--quiet' takes no value (see 'imcsim t --help')\n"},
    {"f --co 1", "imcsim t: error: ambiguous option '--co' (could be --count, --color) "
                 "(see 'imcsim t --help')\n"},
    {"f g h", "imcsim t: error: unexpected argument 'h' (see 'imcsim t --help')\n"},
    {"-q", "imcsim t: error: missing FILE (see 'imcsim t --help')\n"},
};

START_TEST(refusals)
{
    for (size_t i = 0; i < sizeof refused_lines / sizeof refused_lines[0]; i++) {
        vals_t v;
        ck_assert_msg(parse(&v, refused_lines[i][0]) == 2, "%s", refused_lines[i][0]);
        ck_assert_str_eq(err, refused_lines[i][1]);
        opt_list_free(&v.sets);
    }
}
END_TEST

START_TEST(help_lists_every_option)
{
    vals_t v;
    char path[] = "/tmp/imc_opts_help_XXXXXX";
    int fd = mkstemp(path);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    int rc = parse(&v, "--help");
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    char out[2048];
    ssize_t n = pread(fd, out, sizeof out - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: imcsim t [options] FILE\n\nA test command.\n"));
    const char *names[] = {"-q, --quiet", "-o, --output FILE", "--count N", "--rate R",
                           "--color C", "-s, --set KEY=VALUE", "-h, --help"};
    for (int i = 0; i < 7; i++)
        ck_assert_msg(strstr(out, names[i]), "%s missing from:\n%s", names[i], out);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {every_kind, set_is_one_option, refusals, help_lists_every_option};
    return check_run(check_suite("opts", tests, 4));
}
