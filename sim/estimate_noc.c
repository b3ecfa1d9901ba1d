/* The estimate's NoC bound (estimate.h): one inference's messages, as the
 * traces send them and the engine sizes them (sim/engine.cpp send(), the
 * host's input rows in sim/offchip.cpp), routed on each chip's network
 * along dimension-order routes (noc_load.c). The busiest router port moves
 * one flit per NoC cycle, so its flits bound the period from below. */
#include <stdio.h>
#include <stdlib.h>

#include "estimate.h"
#include "input_rows.h"
#include "noc.h"
#include "trace_io.h"

typedef struct net {
    const arch_t *a;
    const input_dest_t *in; /* the input's consumers (input_rows.h) */
    size_t n_in;
    noc_load_t **chip; /* one per chip */
    int chips;
    uint64_t fb;       /* flit bits */
    int *ep;           /* scratch: destination endpoints */
    int *dst;          /* scratch: destination tiles */
} net_t;

static uint64_t flits_of(const net_t *n, uint64_t bits)
{
    uint64_t f = (bits + n->fb - 1) / n->fb;
    return f ? f : 1;
}

/* A message from global tile src to the global tiles dst[0..k): the tiles on
 * src's chip directly; to each other chip one message through the gateway of
 * its flow (arch_flow_gateway() of src and its first tile there) on src's
 * chip and on theirs (sim/engine.cpp send()). */
static void message(net_t *n, int src, const int *dst, int k, uint64_t flits)
{
    const int T = n->a->chip.tiles, sc = src / T;
    int m = 0, far = 0;
    for (int i = 0; i < k; i++) {
        if (dst[i] == src)
            continue; /* stays in the tile */
        if (dst[i] / T == sc)
            n->ep[m++] = arch_tile_endpoint(n->a, dst[i] % T);
        else
            far = 1;
    }
    const int from = arch_tile_endpoint(n->a, src % T);
    if (m)
        noc_load_add(n->chip[sc], from, n->ep, m, flits);
    if (!far)
        return;
    for (int c = 0; c < n->chips; c++) {
        if (c == sc)
            continue;
        m = 0;
        int first = -1; /* its smallest tile there, as the engine's sorted list */
        for (int i = 0; i < k; i++)
            if (dst[i] / T == c) {
                if (first < 0 || dst[i] < first)
                    first = dst[i];
                n->ep[m++] = arch_tile_endpoint(n->a, dst[i] % T);
            }
        if (!m)
            continue;
        const int gw = arch_gateway_endpoint(n->a, arch_flow_gateway(n->a, src, first));
        noc_load_add(n->chip[sc], from, &gw, 1, flits);
        noc_load_add(n->chip[c], gw, n->ep, m, flits);
    }
}

/* The host's input, row by row, as the engine sends it (sim/offchip.cpp,
 * sim/engine.cpp): per chip and row y, from the chip's gateway y mod
 * gateways to the tiles
 * that take it; the segments of a row that several tiles take as one
 * multicast each (input_rows.h), or the whole row when one tile on the
 * chip takes it. */
typedef struct row_load {
    net_t *n;
    int chip, gw; /* gw: the gateway's endpoint */
    int bits;
    const input_dest_t *dests;
} row_load_t;

static void row_message(void *ctx, const input_part_t *parts, int k, uint64_t values)
{
    row_load_t *rl = ctx;
    const int T = rl->n->a->chip.tiles;
    int e = 0;
    for (int i = 0; i < k; i++) {
        int ep = arch_tile_endpoint(rl->n->a, (int)(rl->dests[parts[i].dest].tile % (uint32_t)T));
        int seen = 0;
        for (int j = 0; j < e; j++)
            seen |= rl->n->ep[j] == ep;
        if (!seen)
            rl->n->ep[e++] = ep;
    }
    noc_load_add(rl->n->chip[rl->chip], rl->gw, rl->n->ep, e,
                 flits_of(rl->n, values * (uint64_t)rl->bits));
}

static int host_input(net_t *n, const mapping_t *m, const trace_layer_t *layers)
{
    const model_t *md = m->model;
    const arch_t *a = n->a;
    const int T = a->chip.tiles;
    const input_dest_t *d = n->in;
    const size_t nd = n->n_in;
    int *idx = malloc((nd + 1) * sizeof *idx), rc = 0;
    uint64_t *v = malloc((nd + 1) * sizeof *v);
    row_load_t rl = {n, 0, 0, 1, d};
    for (size_t i = 0; i < nd; i++)
        rl.bits = layers[d[i].layer].act_bits > rl.bits ? layers[d[i].layer].act_bits : rl.bits;
    const uint64_t row_bits = (uint64_t)(md->in_w > 0 ? md->in_w : 1) *
                              (uint64_t)(md->in_c > 0 ? md->in_c : 1) * (uint64_t)rl.bits;
    for (int c = 0; idx && v && c < n->chips && !rc; c++) {
        rl.chip = c;
        for (int64_t y = 0; y < (md->in_h > 0 ? md->in_h : 1) && !rc; y++) {
            const int gw = arch_gateway_endpoint(a, (int)(y % arch_gateways(a)));
            int k = 0, on_chip = 0;
            rl.gw = gw;
            for (size_t i = 0; i < nd; i++) {
                const uint64_t r = input_row_values(md, &d[i], y);
                if ((int)(d[i].tile / (uint32_t)T) != c || !r)
                    continue;
                on_chip++;
                if (arch_tile_endpoint(a, (int)(d[i].tile % (uint32_t)T)) == gw)
                    continue; /* the gateway's own tile */
                idx[k] = (int)i;
                v[k++] = r;
            }
            if (k && on_chip == 1) { /* one taker: the row as the link brings it */
                const int ep = arch_tile_endpoint(a, (int)(d[idx[0]].tile % (uint32_t)T));
                noc_load_add(n->chip[c], gw, &ep, 1, flits_of(n, (row_bits + 7) / 8 * 8));
            } else if (k) {
                rc = input_row_messages(d, idx, v, k, row_message, &rl);
            }
        }
    }
    if (!idx || !v)
        rc = -1;
    free(idx);
    free(v);
    return rc;
}

/* Layer l's messages (all of one inference). */
static void add_layer(net_t *n, const trace_layer_t *TL)
{
    int *dst = n->dst;
    const arch_t *a = n->a;
    const int T = a->chip.tiles;
    for (uint32_t s = 0; s < TL->n_streams; s++) {
        const trace_stream_t *ts = &TL->streams[s];
        const int src = (int)ts->tile;
        for (uint32_t r = 0; r < ts->n_recs; r++) {
            const trace_rec_t *q = &ts->recs[r];
            if (q->op == TR_PSUM_SEND) {
                int t = (int)q->a;
                message(n, src, &t, 1, flits_of(n, (uint64_t)q->b * 8));
            } else if (q->op == TR_SEND && q->a == TRACE_HOST) {
                /* to the host: over the NoC to the gateway, unless it stays put */
                const int gw = arch_gateway_endpoint(a, arch_flow_gateway(a, src, -1));
                if (a->chip.offchip.host_io != HOST_IO_PRELOADED)
                    noc_load_add(n->chip[src / T], arch_tile_endpoint(a, src % T), &gw, 1,
                                 flits_of(n, (uint64_t)q->b * (uint64_t)TL->act_bits));
            } else if (q->op == TR_SEND) {
                /* one message: this record and the ones marked as its other destinations */
                int k = 0;
                uint64_t most = 0;
                for (;;) {
                    dst[k++] = (int)ts->recs[r].a;
                    if (ts->recs[r].b > most)
                        most = ts->recs[r].b;
                    if (!(ts->recs[r].arg & TRACE_SEND_MORE) || r + 1 >= ts->n_recs)
                        break;
                    r++;
                }
                message(n, src, dst, k, flits_of(n, most * (uint64_t)TL->act_bits));
            }
        }
    }
}

static int net_open(net_t *n, const noc_config_t *cfg, imc_diag_t *d)
{
    for (int c = 0; c < n->chips; c++)
        if (!(n->chip[c] = noc_load_new(cfg, d)))
            return -1;
    return 0;
}

static void net_close(net_t *n)
{
    for (int c = 0; c < n->chips; c++) {
        noc_load_free(n->chip[c]);
        n->chip[c] = NULL;
    }
}

/* Layer `only` (-1: the host's input; -2: everything) into fresh loads. */
static int load(net_t *n, const noc_config_t *cfg, const mapping_t *m, const trace_layer_t *layers,
                int only, imc_diag_t *d)
{
    net_close(n);
    if (net_open(n, cfg, d))
        return -1;
    for (int l = 0; l < m->model->n_layers; l++)
        if (only == -2 || only == l)
            add_layer(n, &layers[l]);
    if ((only == -2 || only == -1) && n->a->chip.offchip.host_io != HOST_IO_PRELOADED)
        if (host_input(n, m, layers))
            return -1;
    return 0;
}

/* The busiest port, and with top_sender whose flits are most of it (a load per
 * layer more: the placement search and the run's floor ask only the port). */
static int noc_loads(const mapping_t *m, const trace_layer_t *layers, estimate_t *e, int top_sender,
                     imc_diag_t *d)
{
    const arch_t *a = m->arch;
    noc_config_t cfg;
    if (noc_config_from_arch(&cfg, a, d))
        return -1;
    e->noc_port_flits = 0;
    e->noc_router = e->noc_port = e->noc_top_layer = -1;
    e->noc_bounded = noc_load_routes_fixed(&cfg);
    if (!e->noc_bounded)
        return 0;
    input_dest_t *in = NULL;
    size_t n_in = 0;
    char err[256];
    if (input_dests(m->model, layers, &in, &n_in, err, sizeof err, NULL)) {
        if (d)
            diag_error(d, NULL, 0, 0, "%s", err);
        return -1;
    }
    net_t n = {a, in, n_in, NULL, m->chips_used > 0 ? m->chips_used : 1,
               (uint64_t)a->chip.noc.flit_bits, NULL, NULL};
    const size_t all = (size_t)a->chip.tiles * (size_t)n.chips;
    n.chip = calloc((size_t)n.chips, sizeof *n.chip);
    n.ep = malloc(all * sizeof *n.ep);
    n.dst = malloc(all * sizeof *n.dst);
    int rc = n.chip && n.ep && n.dst ? load(&n, &cfg, m, layers, -2, d) : -1;
    for (int c = 0; !rc && c < n.chips; c++) {
        int router, port;
        uint64_t f = noc_load_busiest(n.chip[c], &router, &port);
        if (f > e->noc_port_flits) {
            e->noc_port_flits = f;
            e->noc_chip = c;
            e->noc_router = router;
            e->noc_port = port;
        }
    }
    /* whose flits they are: the largest single share (-1: the host's input) */
    uint64_t top = 0;
    for (int l = -1; !rc && top_sender && e->noc_router >= 0 && l < m->model->n_layers; l++) {
        if (load(&n, &cfg, m, layers, l, d)) {
            rc = -1;
            break;
        }
        uint64_t f = noc_load_port(n.chip[e->noc_chip], e->noc_router, e->noc_port);
        if (f > top) {
            top = f;
            e->noc_top_layer = l;
        }
    }
    e->noc_top_flits = top;
    e->noc_bound_s = (double)e->noc_port_flits / (a->chip.noc.clock_ghz * 1e9);
    if (n.chip)
        net_close(&n);
    free(n.chip);
    free(n.ep);
    free(n.dst);
    free(in);
    if (rc && d && !d->errors)
        diag_error(d, NULL, 0, 0, "out of memory");
    return rc;
}

int estimate_noc(const mapping_t *m, const trace_layer_t *layers, estimate_t *e, imc_diag_t *d)
{
    return noc_loads(m, layers, e, 1, d);
}

int estimate_noc_busiest(const mapping_t *m, const trace_layer_t *layers, estimate_t *e,
                         imc_diag_t *d)
{
    return noc_loads(m, layers, e, 0, d);
}

void estimate_noc_port_name(const estimate_t *e, const arch_t *a, char *buf, size_t n)
{
    static const char *const net[] = {"east", "west", "north", "south"};
    const int kx = a->chip.grid_x > 0 ? a->chip.grid_x : 1;
    if (e->noc_router < 0) {
        snprintf(buf, n, "no port");
        return;
    }
    int x = e->noc_router % kx, y = e->noc_router / kx;
    const int C = arch_noc_local_ports(a);
    if (e->noc_port < 4) {
        snprintf(buf, n, "chip %d router (%d, %d) %s port", e->noc_chip, x, y, net[e->noc_port]);
        return;
    }
    const int eject = e->noc_port < 4 + C;
    const int ep = e->noc_router * C + e->noc_port - 4 - (eject ? 0 : C);
    const int g = arch_endpoint_gateway(a, ep);
    char gw[32] = "";
    if (g >= 0 && arch_gateways(a) > 1)
        snprintf(gw, sizeof gw, " (gateway %d)", g);
    else if (g >= 0)
        snprintf(gw, sizeof gw, " (the gateway)");
    snprintf(buf, n, "chip %d router (%d, %d) %s endpoint %d%s", e->noc_chip, x, y,
             eject ? "ejection to" : "injection from", ep, gw);
}
