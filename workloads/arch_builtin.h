/* Built-in compiler geometry for "isaac" and "puma" (see arch_builtin.c). */
#ifndef IMC_ARCH_BUILTIN_H
#define IMC_ARCH_BUILTIN_H

#include "arch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 0 and *a filled for "isaac" or "puma"; -1 otherwise. */
int workloads_builtin_arch(const char *name, arch_t *a);

#ifdef __cplusplus
}
#endif
#endif
