/* The activation functions' names (act.h). */
#include "act.h"

#include <stddef.h>

static const char *const names[ACT_KIND_COUNT_] = {
    [ACT_NONE] = "none", [ACT_RELU] = "relu", [ACT_SIGMOID] = "sigmoid", [ACT_TANH] = "tanh"};

const char *act_kind_name(int a) { return a >= 0 && a < ACT_KIND_COUNT_ ? names[a] : NULL; }

const char *const *act_kind_names(void) { return names; }
