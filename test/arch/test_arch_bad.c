/* Malformed architecture files (test/arch/bad/NAME.yaml): each one's exact first error
 * line and exit status from `imcsim arch check`, listed in bad/expected.tsv
 * as "file<TAB>status<TAB>line after the path". The same first line must come
 * from arch_load() in-process, and every file in bad/ must be listed. */
#include <check.h>

#include "check_run.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch_load.h"

#define MAX_CASES 128

typedef struct {
    char file[128];
    int status;
    char line[1024];
} bad_case_t;

static bad_case_t cases[MAX_CASES];
static int ncases;

static void read_expected(void)
{
    const char *src = getenv("IMC_SRC");
    ck_assert_msg(src != NULL, "IMC_SRC is not set");
    ck_assert_int_eq(chdir(src), 0);
    FILE *f = fopen("test/arch/bad/expected.tsv", "r");
    ck_assert_ptr_nonnull(f);
    char buf[1400];
    ncases = 0;
    while (fgets(buf, sizeof buf, f) && ncases < MAX_CASES) {
        buf[strcspn(buf, "\n")] = '\0';
        char *t1 = strchr(buf, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        ck_assert_msg(t1 && t2, "malformed expected.tsv line: %s", buf);
        *t1 = *t2 = '\0';
        bad_case_t *c = &cases[ncases++];
        snprintf(c->file, sizeof c->file, "%.100s", buf);
        c->status = atoi(t1 + 1);
        snprintf(c->line, sizeof c->line, "test/arch/bad/%.100s%.800s", buf, t2 + 1);
    }
    fclose(f);
}

/* Run a shell command; its first stderr line and exit status (-1: killed). */
static int run(const char *cmd, char *first, size_t n)
{
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    first[0] = '\0';
    char buf[2048];
    int got = 0;
    while (fgets(buf, sizeof buf, p))
        if (!got++) {
            buf[strcspn(buf, "\n")] = '\0';
            snprintf(first, n, "%.1000s", buf);
        }
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(enough_cases_and_all_listed)
{
    read_expected();
    ck_assert_int_ge(ncases, 25);
    DIR *d = opendir("test/arch/bad");
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        files++;
        int listed = 0;
        for (int i = 0; i < ncases; i++)
            listed |= !strcmp(cases[i].file, e->d_name);
        ck_assert_msg(listed, "%s is not in expected.tsv", e->d_name);
    }
    closedir(d);
    ck_assert_int_eq(files, ncases);
}
END_TEST

START_TEST(cli_first_line_and_status)
{
    read_expected();
    const char *bin = getenv("IMC_BIN");
    ck_assert_msg(bin != NULL, "IMC_BIN is not set");
    char cmd[2048], first[1024];
    for (int i = 0; i < ncases; i++) {
        snprintf(cmd, sizeof cmd, "'%.900s/imcsim' arch check 'test/arch/bad/%.120s' 2>&1 "
                 ">/dev/null", bin, cases[i].file);
        int st = run(cmd, first, sizeof first);
        ck_assert_msg(st == cases[i].status, "%s: exit %d, expected %d", cases[i].file, st,
                      cases[i].status);
        ck_assert_str_eq(first, cases[i].line);
    }
}
END_TEST

START_TEST(loader_first_line)
{
    read_expected();
    char path[256];
    for (int i = 0; i < ncases; i++) {
        arch_t a;
        imc_diag_t d;
        diag_init(&d);
        snprintf(path, sizeof path, "test/arch/bad/%.120s", cases[i].file);
        ck_assert_int_eq(arch_load(path, NULL, 0, &a, &d), -1);
        ck_assert_ptr_nonnull(d.text);
        size_t n = strcspn(d.text, "\n");
        ck_assert_msg(strlen(cases[i].line) == n && !strncmp(d.text, cases[i].line, n),
                      "%s: got '%.*s'", cases[i].file, (int)n, d.text);
        diag_free(&d);
    }
}
END_TEST

/* Command-line misuse: exit 2 and a precise first line. */
START_TEST(cli_set_and_usage_errors)
{
    static const struct {
        const char *args;
        int status;
        const char *line;
    } t[] = {
        {"check isaac --set adc.bitz=6", 2,
         "--set adc.bitz=6: error: unknown key 'adc.bitz' (did you mean 'adc.bits'?)"},
        {"check isaac --set adc.bits=x", 2,
         "--set adc.bits=x: error: 'adc.bits' is 'x' (expected an integer in [1, 16])"},
        {"check isaac --set nonsense", 2,
         "--set nonsense: error: malformed override (expected key=value, e.g. adc.bits=6)"},
        {"check isac", 2,
         "isac: error: unknown preset or unreadable file (did you mean the preset 'isaac'?)"},
        {"check isaac --set adc.bits=6", 0,
         "--set adc.bits=6: warning: adc.bits = 6 is below the lossless resolution of 8 bits "
         "(largest column sum with column_flip max((2^1-1)*floor((2^2-1)*128/2), unit "
         "column) = 192, ceil(log2(192+1)) = 8): large column sums are clipped"},
        {"show", 2, "imcsim arch show: error: missing NAME|FILE (see 'imcsim arch show --help')"},
        {"show isaac --bogus", 2,
         "imcsim arch show: error: unknown option '--bogus' (see 'imcsim arch show --help')"},
        {"frobnicate", 2, "imcsim arch: error: unknown subcommand 'frobnicate'"},
        {"show --help", 0, ""},
        {"check --help", 0, ""},
        {"dump --help", 0, ""},
        {"params --help", 0, ""},
        {"presets --help", 0, ""},
        {"--help", 0, ""},
    };
    const char *bin = getenv("IMC_BIN");
    ck_assert_ptr_nonnull(bin);
    char cmd[1024], first[1024];
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        snprintf(cmd, sizeof cmd, "'%s/imcsim' arch %s 2>&1 >/dev/null", bin, t[i].args);
        int st = run(cmd, first, sizeof first);
        ck_assert_msg(st == t[i].status, "arch %s: exit %d", t[i].args, st);
        ck_assert_str_eq(first, t[i].line);
    }
}
END_TEST

/* show/dump/params produce their documented outputs and dump loads back. */
START_TEST(cli_outputs)
{
    const char *bin = getenv("IMC_BIN");
    ck_assert_ptr_nonnull(bin);
    char cmd[1024], first[1024];
    snprintf(cmd, sizeof cmd, "'%s/imcsim' arch show isaac --json | grep -c "
             "'\"ops_per_s_per_mm2\"\\|\"power_w_by_class\"\\|\"area_mm2_by_class\"\\|\"levels\"'",
             bin);
    ck_assert_int_eq(run(cmd, first, sizeof first), 0);
    ck_assert_str_eq(first, "4");
    snprintf(cmd, sizeof cmd, "( '%s/imcsim' arch dump puma 2>/dev/null | '%s/imcsim' arch "
             "show /dev/stdin --json; '%s/imcsim' arch show puma --json ) 2>/dev/null | grep "
             "'\"hash\"' | sort -u | wc -l", bin, bin, bin);
    ck_assert_int_eq(run(cmd, first, sizeof first), 0);
    ck_assert_str_eq(first, "1"); /* the dump has the same configuration hash */
    /* docs/arch-format.md ends with the current schema. */
    char tmp[] = "/tmp/imc_arch_paramsXXXXXX";
    int fd = mkstemp(tmp);
    ck_assert_int_ge(fd, 0);
    close(fd);
    snprintf(cmd, sizeof cmd, "'%.900s/imcsim' arch params --markdown > %s && tail -n $(wc -l < "
             "%s) docs/arch-format.md | cmp -s - %s && echo same", bin, tmp, tmp, tmp);
    int st = run(cmd, first, sizeof first);
    remove(tmp);
    ck_assert_int_eq(st, 0);
    ck_assert_str_eq(first, "same");
    snprintf(cmd, sizeof cmd, "'%s/imcsim' arch params | grep -c '^adc\\.'", bin);
    ck_assert_int_eq(run(cmd, first, sizeof first), 0);
    ck_assert_str_eq(first, "11");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("arch_bad");
    TCase *tc = tcase_create("bad");
    tcase_set_timeout(tc, 120); /* ~70 runs of imcsim; more under ASan */
    tcase_add_test(tc, enough_cases_and_all_listed);
    tcase_add_test(tc, cli_first_line_and_status);
    tcase_add_test(tc, loader_first_line);
    tcase_add_test(tc, cli_set_and_usage_errors);
    tcase_add_test(tc, cli_outputs);
    suite_add_tcase(s, tc);
    return check_run(s);
}
