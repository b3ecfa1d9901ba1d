/* Descriptor tables (desc.h). */
#include "desc.h"

#include <math.h>
#include <string.h>

const desc_t *desc_find(const void *table, size_t stride, size_t n, const char *name)
{
    const char *row = table;
    for (size_t i = 0; i < n; i++, row += stride)
        if (!strcmp(((const desc_t *)row)->name, name))
            return (const desc_t *)row;
    return NULL;
}

double desc_num(const void *obj, const desc_t *d)
{
    const char *p = (const char *)obj + d->offset;
    switch (d->type) {
    case DESC_U64:
        return (double)*(const uint64_t *)p;
    case DESC_F64:
        return *(const double *)p;
    case DESC_INT:
    case DESC_BOOL:
    case DESC_ENUM:
        return *(const int *)p;
    case DESC_STR:
    case DESC_LIST:
        break;
    }
    return NAN;
}

void desc_write_json(json_w_t *w, const void *obj, const desc_t *t, int n)
{
    for (int i = 0; i < n; i++) {
        if (t[i].type == DESC_U64)
            jw_uint(w, t[i].name, *(const uint64_t *)((const char *)obj + t[i].offset));
        else
            jw_num(w, t[i].name, desc_num(obj, &t[i]));
    }
}

void desc_add(void *a, const void *b, const desc_t *t, int n)
{
    for (int i = 0; i < n; i++) {
        char *pa = (char *)a + t[i].offset;
        const char *pb = (const char *)b + t[i].offset;
        if (t[i].type == DESC_U64)
            *(uint64_t *)pa += *(const uint64_t *)pb;
        else
            *(double *)pa += *(const double *)pb;
    }
}

double desc_get(const void *obj, const desc_t *t, int n, const char *name)
{
    const desc_t *d = desc_find(t, sizeof *t, (size_t)n, name);
    return d ? desc_num(obj, d) : NAN;
}
