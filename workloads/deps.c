/* The dependency geometry between layers (deps.h). */
#include "deps.h"

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

int64_t deps_positions(const layer_t *L)
{
    return L->kind == LAYER_LSTM ? max64(1, L->lstm_steps) : max64(1, (int64_t)L->out_h * L->out_w);
}

int deps_last_only(const model_t *m, int j, int c)
{
    return j >= 0 && j != c && m->layers[j].kind == LAYER_LSTM && m->layers[c].kind != LAYER_LSTM;
}

int64_t deps_output_values(const model_t *m, int c)
{
    for (int j = 0; j < m->n_layers; j++)
        for (int k = 0; k < m->layers[j].n_inputs; k++)
            if (j != c && m->layers[j].inputs[k] == c)
                return 0;
    const layer_t *L = &m->layers[c];
    return (int64_t)L->out_h * L->out_w * L->out_c;
}

int64_t deps_positions_in(const model_t *m, int j, int c)
{
    if (j < 0)
        return max64(1, (int64_t)m->in_h * m->in_w);
    if (deps_last_only(m, j, c))
        return 1;
    return deps_positions(&m->layers[j]) - (j == c);
}

deps_window_t deps_window(const model_t *m, int c, int j, int64_t p)
{
    const layer_t *L = &m->layers[c];
    int64_t pj = deps_positions_in(m, j, c), pc = deps_positions(L);
    deps_window_t w = {DEPS_ALL, 0, 0, 0, pj - 1, pj};
    switch (L->kind) {
    case LAYER_CONV:
    case LAYER_MAXPOOL:
    case LAYER_AVGPOOL:
        if (pj == (int64_t)L->in_h * L->in_w && L->out_w > 0) {
            int64_t oy = p / L->out_w, ox = p % L->out_w, s = max64(1, L->stride);
            deps_window_t r = {DEPS_RECT, max64(0, oy * s - L->pad),
                               min64(L->in_h - 1, oy * s - L->pad + max64(1, L->ky) - 1),
                               max64(0, ox * s - L->pad),
                               min64(L->in_w - 1, ox * s - L->pad + max64(1, L->kx) - 1), L->in_w};
            if (r.y1 >= r.y0 && r.x1 >= r.x0)
                return r;
        }
        break;
    case LAYER_ADD:
    case LAYER_CONCAT:
    case LAYER_ACT:
        if (pj == pc)
            return (deps_window_t){DEPS_RECT, 0, 0, p, p, pj};
        break;
    case LAYER_LSTM:
        /* step p needs its own steps < p, or step p of the LSTM below */
        if (j == c)
            return p > 0 ? (deps_window_t){DEPS_RECT, 0, 0, 0, p - 1, pj}
                         : (deps_window_t){DEPS_NONE, 0, 0, 0, 0, pj};
        if (j >= 0 && m->layers[j].kind == LAYER_LSTM && pj == pc)
            return (deps_window_t){DEPS_RECT, 0, 0, 0, p, pj};
        break;
    default:
        break;
    }
    return w;
}

int64_t deps_need(const model_t *m, int c, int j, int64_t p)
{
    deps_window_t w = deps_window(m, c, j, p);
    if (w.kind == DEPS_NONE)
        return 0;
    return w.y1 * w.w + w.x1 + 1;
}
