/* Activation functions: what a layer fuses after its output, what the tile's
 * activation unit computes, and the ACT record's arg in a trace. One enum,
 * one name table (act.c), for the model loader, the tile core, the trace
 * reader and every report. */
#ifndef IMC_ACT_H
#define IMC_ACT_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { ACT_NONE, ACT_RELU, ACT_SIGMOID, ACT_TANH, ACT_KIND_COUNT_ } act_kind_t;

/* "none", "relu", "sigmoid", "tanh"; NULL out of range. */
const char *act_kind_name(int a);
/* The names, index = act_kind_t (ACT_KIND_COUNT_ of them). */
const char *const *act_kind_names(void);

#ifdef __cplusplus
}
#endif
#endif
