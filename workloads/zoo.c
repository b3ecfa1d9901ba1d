/* The model zoo: YAML texts embedded at build time (workloads/embed.cmake). */
#include <string.h>

#include "model.h"

extern const int imc_zoo_count;
extern const char *const imc_zoo_names[];
extern const char *const imc_zoo_texts[];
extern const size_t imc_zoo_lens[];

const char *const *model_zoo_names(int *n)
{
    if (n)
        *n = imc_zoo_count;
    return imc_zoo_names;
}

const char *model_zoo_text(const char *name, size_t *len)
{
    for (int i = 0; i < imc_zoo_count; i++)
        if (strcmp(imc_zoo_names[i], name) == 0) {
            if (len)
                *len = imc_zoo_lens[i];
            return imc_zoo_texts[i];
        }
    return NULL;
}
