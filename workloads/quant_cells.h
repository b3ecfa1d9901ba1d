/* How a quantization scheme sits on crossbar cells (docs/functional.md): the
 * rule the compiler's cost model and the functional path share. */
#ifndef IMC_QUANT_CELLS_H
#define IMC_QUANT_CELLS_H

#include "quant.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bits of the integer a crossbar stores per weight, for `code_bits`-bit
 * weights of the scheme: the code bits for uniform and codebook (levels on
 * the code-bit grid); 1 for binary; 2 for ternary; for power of two the
 * two's-complement width of the largest magnitude base^(E-1), E =
 * 2^(b-1)-1: log2(base) (E-1) + 2. */
int quant_storage_bits(const layer_quant_t *q, int code_bits);
/* Crossbar rows per input: 2 for binary (XNOR: the input and its complement
 * drive a row pair), else 1. */
int quant_rows_per_input(const layer_quant_t *q);

#ifdef __cplusplus
}
#endif
#endif
