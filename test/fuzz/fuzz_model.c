/* libFuzzer target: the model loader on arbitrary YAML, then, for models
 * small enough to stay fast, the compiler on the isaac preset (loaded once,
 * through the real arch loader) and the trace generator, whose output must satisfy the trace invariants
 * (test/traces/invariants.h). The zoo is left empty: model_load_string does
 * not use it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch_load.h"
#include "compile.h"
#include "invariants.h"
#include "model.h"
#include "tracegen.h"

const int imc_zoo_count = 0;
const char *const imc_zoo_names[] = {NULL};
const char *const imc_zoo_texts[] = {NULL};
const size_t imc_zoo_lens[] = {0};

#define MAX_MACS 2000000

static arch_t isaac;
static int have_isaac;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    imc_diag_t d;
    diag_init(&d);
    have_isaac = arch_load("isaac", NULL, 0, &isaac, &d) == 0;
    diag_free(&d);
    if (!have_isaac)
        abort(); /* the shipped preset must load */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    model_t m;
    imc_diag_t d;
    diag_init(&d);
    if (model_load_string("fuzz.yaml", (const char *)data, size, &m, &d)) {
        if (!d.text || !strstr(d.text, "error: "))
            abort(); /* a failure always explains itself */
        diag_free(&d);
        return 0;
    }
    mapping_t mp;
    if (model_macs(&m) <= MAX_MACS && have_isaac &&
        compile_model(&isaac, &m, REPLICATE_BALANCED, &mp, &d) == 0) {
        trace_layer_t *l;
        if (tracegen_build(&mp, &l, &d) == 0) {
            char msg[512];
            if (check_invariants(&mp, l, msg, sizeof msg) ||
                check_executable(&mp, l, msg, sizeof msg)) {
                fprintf(stderr, "invariant violated: %s\n", msg);
                abort();
            }
            trace_layers_free(l, m.n_layers);
        }
        mapping_free(&mp);
    }
    model_free(&m);
    diag_free(&d);
    return 0;
}
