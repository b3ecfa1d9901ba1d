/* The model options shared by the commands that load a model (model_flags.h). */
#include "model_flags.h"

#include <stdio.h>
#include <string.h>

#include "ytree.h"

int model_flag(const char *cmd, int argc, char **argv, int *i, model_opts_t *o)
{
    const char *opt = argv[*i];
    int bits = !strcmp(opt, "--weight-bits") || !strcmp(opt, "--act-bits");
    if (!bits && strcmp(opt, "--input-shape") && strcmp(opt, "--quant"))
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "imcsim %s: error: '%s' needs a value (see --help)\n", cmd, opt);
        return -1;
    }
    const char *v = argv[++*i];
    if (bits) {
        int64_t b;
        if (parse_int64(v, &b) || b < 1 || b > 32) {
            fprintf(stderr, "imcsim %s: error: %s '%s' (expected an integer 1..32)\n", cmd, opt,
                    v);
            return -1;
        }
        *(opt[2] == 'w' ? &o->weight_bits : &o->act_bits) = (int)b;
    } else if (opt[2] == 'i') {
        o->input_shape = v;
    } else {
        o->quant_file = v;
    }
    return 1;
}
