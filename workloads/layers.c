/* The layer kinds' names (model.h): one table for every report. */
#include "model.h"

static const char *const kind_names[LAYER_KIND_COUNT_] = {
    [LAYER_CONV] = "conv2d",       [LAYER_LINEAR] = "linear",   [LAYER_MAXPOOL] = "maxpool",
    [LAYER_AVGPOOL] = "avgpool",   [LAYER_GLOBALPOOL] = "global_pool", [LAYER_ADD] = "add",
    [LAYER_CONCAT] = "concat",     [LAYER_FLATTEN] = "flatten", [LAYER_ACT] = "activation",
    [LAYER_LSTM] = "lstm"};

const char *layer_kind_name(int k) { return k >= 0 && k < LAYER_KIND_COUNT_ ? kind_names[k] : NULL; }

const char *layer_label(const layer_t *L)
{
    if (L->kind == LAYER_GLOBALPOOL)
        return L->pool_avg ? "global_avgpool" : "global_maxpool";
    if (L->kind == LAYER_ACT)
        return act_kind_name(L->act);
    return layer_kind_name(L->kind);
}
