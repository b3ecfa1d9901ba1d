/* Runs a Check suite (fork mode, each test in its own process; normal
 * output) and returns the test program's exit status: 0 when every test
 * passed. The end of every test program's main. */
#ifndef IMC_CHECK_RUN_H
#define IMC_CHECK_RUN_H

#include <check.h>

static inline int check_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

/* A suite of one case holding these tests (START_TEST(a) defines `a` as a
 * const TTest *): int main(void) { const TTest *t[] = {a, b};
 * return check_run(check_suite("name", t, 2)); } */
static inline Suite *check_suite(const char *name, const TTest *const *tests, int n)
{
    Suite *s = suite_create(name);
    TCase *tc = tcase_create(name);
    for (int i = 0; i < n; i++)
        tcase_add_test(tc, tests[i]);
    suite_add_tcase(s, tc);
    return s;
}

#endif
