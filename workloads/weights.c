/* Weights of a model for the functional path (weights.h). */
#include "weights.h"

#include <stdlib.h>

#include "model_internal.h"

struct model_weights {
    int unused;
};

void model_weights_free(struct model_weights *w)
{
    free(w);
}

int model_has_weights(const model_t *m)
{
    return m->store && m->store->weights;
}

int model_layer_weights(const model_t *m, int i, layer_weights_t *out, imc_diag_t *d)
{
    (void)i;
    out->n_out = out->n_in = 0;
    out->w = out->bias = NULL;
    diag_error(d, NULL, 0, 0, "model '%s' has no weights", m->name);
    return -1;
}

void layer_weights_free(layer_weights_t *w)
{
    free(w->w);
    free(w->bias);
    w->w = w->bias = NULL;
}
