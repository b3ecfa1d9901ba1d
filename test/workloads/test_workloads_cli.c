/* imcsim models / imcsim compile end to end: exit status, files, messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "check_run.h"

static char tmpdir[64];

/* Runs `imcsim ARGS`, stdout and stderr into files; returns the exit status. */
static int run(const char *args)
{
    const char *bin = getenv("IMC_BIN");
    ck_assert_ptr_nonnull(bin);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd %s && '%s/imcsim' %s > out.txt 2> err.txt", tmpdir, bin,
             args);
    int st = system(cmd);
    ck_assert_int_ne(st, -1);
    return WEXITSTATUS(st);
}

static char *slurp(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 22);
    size_t n = fread(buf, 1, (1 << 22) - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/imc_wlcli_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
}

START_TEST(test_models_list)
{
    ck_assert_int_eq(run("models"), 0);
    char *out = slurp("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "model     input (HxWxC)     layers  weight layers"));
    ck_assert_ptr_nonnull(strstr(out, "resnet18  224x224x3             31             21"
                                      "     11678912      1814073344     1.814"));
    free(out);
    ck_assert_int_eq(run("models --json"), 0);
    out = slurp("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "\"macs\": 15470264320"));
    free(out);
    ck_assert_int_eq(run("models --help"), 0);
    ck_assert_int_eq(run("models --bogus"), 2);
    ck_assert_int_eq(run("models resnet19"), 2);
}
END_TEST

START_TEST(test_models_file_error)
{
    char path[128];
    snprintf(path, sizeof path, "%s/bad.yaml", tmpdir);
    FILE *f = fopen(path, "w");
    fputs("input: {features: 16}\nlayers:\n  - {type: lineer, out_features: 4}\n", f);
    fclose(f);
    ck_assert_int_eq(run("models ./bad.yaml"), 2);
    char *err = slurp("err.txt", NULL);
    ck_assert_str_eq(err, "./bad.yaml:3:12: error: unknown layer type 'lineer' (did you "
                          "mean 'linear'?)\n");
    free(err);
    ck_assert_int_eq(run("compile --arch isaac --model ./bad.yaml"), 2);
}
END_TEST

START_TEST(test_compile_outputs)
{
    ck_assert_int_eq(run("compile --arch isaac --model vgg8 -o a"), 0);
    char *out = slurp("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "model vgg8 on isaac (replicate: balanced)"));
    free(out);
    size_t l1, l2;
    char *j1 = slurp("a/mapping.json", &l1);
    ck_assert_ptr_nonnull(j1);
    ck_assert_ptr_nonnull(strstr(j1, "\"crossbars_used\": 16056"));
    ck_assert_int_eq(run("compile --arch isaac --model vgg8 -o b"), 0);
    char *j2 = slurp("b/mapping.json", &l2);
    ck_assert_int_eq(l1, l2);
    ck_assert_int_eq(memcmp(j1, j2, l1), 0);
    free(j2);
    ck_assert_int_eq(run("compile --arch isaac --model vgg8 --json"), 0);
    j2 = slurp("out.txt", &l2);
    ck_assert_int_eq(l1, l2);
    ck_assert_int_eq(memcmp(j1, j2, l1), 0);
    free(j1);
    free(j2);
    ck_assert_int_eq(run("compile --arch isaac --model vgg8 --replicate none --json"), 0);
    j1 = slurp("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(j1, "\"crossbars_used\": 6344"));
    free(j1);
}
END_TEST

START_TEST(test_compile_errors)
{
    ck_assert_int_eq(run("compile --arch isaac --model vgg16"), 2);
    char *err = slurp("err.txt", NULL);
    ck_assert_ptr_nonnull(strstr(err, "error: model 'vgg16' does not fit architecture "
                                      "'isaac': it needs 67576 crossbars"));
    free(err);
    ck_assert_int_eq(run("compile --arch isaac --model vgg8 --replicate most"), 2);
    ck_assert_int_eq(run("compile --model vgg8"), 2);
    ck_assert_int_eq(run("compile --arch isaac --model vgg9"), 2);
    ck_assert_int_eq(run("compile --help"), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("workloads_cli");
    TCase *tc = tcase_create("cli");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_models_list);
    tcase_add_test(tc, test_models_file_error);
    tcase_add_test(tc, test_compile_outputs);
    tcase_add_test(tc, test_compile_errors);
    suite_add_tcase(s, tc);
    return check_run(s);
}
