/* The cell cost of each quantization scheme (quant_cells.h). */
#include "quant_cells.h"

int quant_storage_bits(const layer_quant_t *q, int code_bits)
{
    switch (q->scheme) {
    case QUANT_BINARY:
        return 1;
    case QUANT_TERNARY:
        return 2;
    case QUANT_POW2: {
        int E = (1 << (code_bits - 1)) - 1, lg = q->log_base == 4 ? 2 : 1;
        return lg * (E - 1) + 2;
    }
    default:
        return code_bits;
    }
}

int quant_rows_per_input(const layer_quant_t *q)
{
    return q->scheme == QUANT_BINARY ? 2 : 1;
}
