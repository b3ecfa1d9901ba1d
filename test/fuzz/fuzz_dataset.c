/* libFuzzer target: the dataset reader of functional runs (sim/dataset.h) on
 * arbitrary bytes. A failure explains itself; what loads is exactly the
 * header's size, its values finite and its labels in range. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dataset_t ds;
    imc_diag_t d;
    diag_init(&d);
    if (dataset_parse("fuzz.imcdata", data, size, &ds, &d)) {
        if (!d.text || !strstr(d.text, "error: "))
            abort(); /* a failure always explains itself */
        diag_free(&d);
        return 0;
    }
    size_t per = dataset_sample_size(&ds);
    if (size != DATASET_HEADER_BYTES + 4 * per * (size_t)ds.n + 4 * (size_t)ds.n)
        abort();
    for (size_t i = 0; i < per * (size_t)ds.n; i++)
        if (!isfinite(ds.x[i]))
            abort();
    for (int i = 0; i < ds.n; i++)
        if (ds.y[i] < 0 || ds.y[i] >= ds.classes)
            abort();
    dataset_free(&ds);
    diag_free(&d);
    return 0;
}
