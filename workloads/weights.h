/* The weights of a model, for the functional path (the timing path never
 * reads them). A model carries weights when it was loaded from an ONNX file
 * or from a YAML model whose top-level `weights:` names one
 * (docs/model-format.md, "Weights"). Loading only records where each tensor
 * lies; the values are read, dequantized, folded and laid out here, on
 * request. */
#ifndef IMC_WEIGHTS_H
#define IMC_WEIGHTS_H

#include "diag.h"
#include "mapping.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct layer_weights {
    int n_out;        /* output channels (conv out_c, linear out features; LSTM 4*hidden) */
    int n_in;         /* unrolled inputs per output: conv ky*kx*(in_c/groups), linear in;
                         LSTM input + hidden */
    float *w;         /* n_out x n_in, row-major; the input index runs in imcsim's
                         activation order: HWC (for conv: (ky*KX + kx)*Cin_g + c); a linear
                         layer after a flatten of an ONNX NCHW tensor is permuted to HWC;
                         LSTM rows are the gates i, f, g, o (hidden rows each), columns
                         the input then the previous hidden state */
    float *bias;      /* n_out, or NULL (LSTM: the input and recurrent biases summed) */
} layer_weights_t;

/* Float weights of weight layer i with any BatchNormalization folded in
   (quantized tensors dequantized: (q - zero_point) * scale).
   0 ok; -1 with a message in d (no weights in the model: "model 'x' has no weights"). */
int model_layer_weights(const model_t *m, int i, layer_weights_t *out, imc_diag_t *d);
void layer_weights_free(layer_weights_t *w);
/* Whether the model carries weights at all. */
int model_has_weights(const model_t *m);

#ifdef __cplusplus
}
#endif
#endif
