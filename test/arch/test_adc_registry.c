/* Adding an ADC model = one file + one registry line: the arch library built
 * with test/arch/adc_test_flat.c registered by adc_test_registry.h takes
 * `adc.model: test_flat` from YAML and --set, documents it in `arch params`,
 * and the arch's ADC costs are the model's. */
#define _DEFAULT_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adc_model.h"
#include "arch_load.h"

#include <check.h>

#include "check_run.h"

static arch_t A;

static void check_flat_costs(const arch_t *a)
{
    ck_assert_str_eq(arch_adc_model_name(a->adc.model), "test_flat");
    ck_assert_double_eq(a->adc.energy_pj, 2.5);
    ck_assert_double_eq(a->adc.latency_ns, 0.5);
    ck_assert_double_eq(a->adc.cost.area_mm2, 0.002);
    /* power converting back to back: 2.5 pJ every 0.5 ns = 5 mW (the
     * conversion time, not ISAAC's 1.28 GS/s, sets the rate) */
    ck_assert_double_eq_tol(a->adc.cost.power_mw, 2.5 / 0.5, 1e-12);
}

START_TEST(set_selects_the_test_model)
{
    imc_diag_t d;
    diag_init(&d);
    const char *sets[] = {"adc.model=test_flat"};
    ck_assert_msg(!arch_load("isaac", sets, 1, &A, &d), "%s", d.text ? d.text : "");
    check_flat_costs(&A);
    diag_free(&d);
}
END_TEST

START_TEST(yaml_selects_the_test_model)
{
    imc_diag_t d;
    diag_init(&d);
    const char *file = "test/arch/adc_test_flat.yaml"; /* tests run in the source tree */
    ck_assert_msg(!arch_load(file, NULL, 0, &A, &d), "%s", d.text ? d.text : "");
    check_flat_costs(&A);
    diag_free(&d);
    /* the model's own limits are reported like any model's */
    const char *sets[] = {"adc.bits=13"};
    diag_init(&d);
    ck_assert_int_eq(arch_load(file, sets, 1, &A, &d), -1);
    ck_assert_ptr_nonnull(strstr(d.text, "adc.model = test_flat cannot cost this ADC: the "
                                         "test_flat model stops at 12 bits (got 13)"));
    diag_free(&d);
}
END_TEST

START_TEST(params_documents_the_test_model)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    arch_print_params(f, 0);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "one of {isaac, zigzag, neurosim_sar, mnsim, walden, test_flat}"));
    free(buf);
    imc_diag_t d;
    diag_init(&d);
    const char *sets[] = {"adc.model=flat"};
    ck_assert_int_eq(arch_load("isaac", sets, 1, &A, &d), -1);
    ck_assert_ptr_nonnull(strstr(d.text, "(expected one of {isaac, zigzag, neurosim_sar, mnsim, "
                                         "walden, test_flat})"));
    diag_free(&d);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {set_selects_the_test_model, yaml_selects_the_test_model,
                            params_documents_the_test_model};
    return check_run(check_suite("adc_registry", tests, 3));
}
