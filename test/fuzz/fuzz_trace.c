/* libFuzzer target: the trace reader on arbitrary bytes. Any input must give
 * either a layer or a diagnostic (never a crash, leak or huge allocation);
 * an accepted layer must re-encode to the same bytes. The reader runs twice:
 * with the checksum (the real path) and without it, so mutations reach the
 * checks behind the CRC. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace_io.h"

static void one(const uint8_t *data, size_t size, int skip)
{
    trace_read_opts_t o = {0, 0, 0, 0, skip};
    trace_layer_t l;
    imc_diag_t d;
    diag_init(&d);
    if (trace_read_mem("fuzz.imct", data, size, &o, &l, &d) == 0) {
        uint8_t *b;
        size_t n;
        if (trace_encode(&l, &b, &n) || n != size)
            abort();
        /* identical except the CRC when it was skipped */
        if (memcmp(b, data, 116) || memcmp(b + 120, data + 120, n - 120) ||
            (!skip && memcmp(b + 116, data + 116, 4)))
            abort();
        free(b);
        trace_layer_free(&l);
    } else if (!d.text || !strstr(d.text, "error: ")) {
        abort(); /* a failure always explains itself */
    }
    diag_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one(data, size, 0);
    one(data, size, 1);
    return 0;
}
