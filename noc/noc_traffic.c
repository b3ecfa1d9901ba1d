#include "noc_traffic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void noc_rng_seed(noc_rng_t *g, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        g->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t noc_rng_next(noc_rng_t *g)
{
    uint64_t *s = g->s;
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

uint32_t noc_rng_below(noc_rng_t *g, uint32_t n)
{
    /* Lemire's multiply-shift; the tiny bias (< n / 2^32) is irrelevant here */
    return (uint32_t)(((noc_rng_next(g) >> 32) * (uint64_t)n) >> 32);
}

const char *const noc_traffic_names[NOC_TRAFFIC_COUNT_] = {
    "uniform", "transpose", "bitcomp", "bitrev", "shuffle", "tornado", "neighbor", "hotspot"};

int noc_traffic_from_name(const char *name)
{
    for (int i = 0; i < NOC_TRAFFIC_COUNT_; i++)
        if (!strcmp(name, noc_traffic_names[i]))
            return i;
    return -1;
}

static int log2_exact(int v)
{
    int b = 0;
    while ((1 << b) < v)
        b++;
    return (1 << b) == v ? b : -1;
}

int noc_traffic_check(noc_traffic_t t, const noc_t *n, imc_diag_t *d)
{
    const noc_config_t *c = noc_config(n);
    int e = noc_endpoints(n);
    switch (t) {
    case NOC_TRAFFIC_BITCOMP:
    case NOC_TRAFFIC_BITREV:
    case NOC_TRAFFIC_SHUFFLE:
        if (log2_exact(e) < 0) {
            diag_error(d, "noc", 0, 0,
                       "traffic %s needs a power-of-two number of endpoints (have %d)",
                       noc_traffic_names[t], e);
            return -1;
        }
        return 0;
    case NOC_TRAFFIC_TRANSPOSE:
        if (c->kx != c->ky) {
            diag_error(d, "noc", 0, 0, "traffic transpose needs a square grid (have %dx%d)",
                       c->kx, c->ky);
            return -1;
        }
        return 0;
    default:
        return (int)t >= 0 && t < NOC_TRAFFIC_COUNT_ ? 0 : -1;
    }
}

int noc_traffic_dest(noc_traffic_t t, const noc_t *n, int src, noc_rng_t *g,
                     double hotspot_frac, int hotspot)
{
    const noc_config_t *c = noc_config(n);
    int e = noc_endpoints(n), cc = c->concentration, kx = c->kx, ky = c->ky;
    int r = src / cc, l = src % cc, x = r % kx, y = r / kx;
    int bits = log2_exact(e);
    switch (t) {
    case NOC_TRAFFIC_TRANSPOSE:
        return (x * kx + y) * cc + l;
    case NOC_TRAFFIC_BITCOMP:
        return ~src & (e - 1);
    case NOC_TRAFFIC_BITREV: {
        int d = 0;
        for (int i = 0; i < bits; i++)
            if (src & (1 << i))
                d |= 1 << (bits - 1 - i);
        return d;
    }
    case NOC_TRAFFIC_SHUFFLE:
        return bits ? ((src << 1) | (src >> (bits - 1))) & (e - 1) : 0;
    case NOC_TRAFFIC_TORNADO:
        return (((y + (ky - 1) / 2) % ky) * kx + (x + (kx - 1) / 2) % kx) * cc + l;
    case NOC_TRAFFIC_NEIGHBOR:
        return (((y + 1) % ky) * kx + (x + 1) % kx) * cc + l;
    case NOC_TRAFFIC_HOTSPOT: {
        if (hotspot < 0)
            hotspot = ((ky / 2) * kx + kx / 2) * cc;
        /* 2^-53 resolution for the fraction */
        double u = (double)(noc_rng_next(g) >> 11) * 0x1.0p-53;
        if (u < hotspot_frac)
            return hotspot;
        return (int)noc_rng_below(g, (uint32_t)e);
    }
    default:
        return (int)noc_rng_below(g, (uint32_t)e);
    }
}

void noc_synth_default(noc_synth_t *s)
{
    memset(s, 0, sizeof *s);
    s->traffic = NOC_TRAFFIC_UNIFORM;
    s->rate = 0.1;
    s->packet_flits = 20;
    s->warmup = 10000;
    s->measure = 100000;
    s->drain_max = 0; /* 0 = the measurement length */
    s->seed = 1;
    s->hotspot_frac = 0.1;
    s->hotspot = -1;
}

void noc_synth_result_free(noc_synth_result_t *r)
{
    free(r->port_flits);
    r->port_flits = NULL;
}

static void snapshot_ports(noc_t *n, noc_synth_result_t *r)
{
    int R = noc_routers(n), P = 4 + noc_config(n)->concentration;
    if (!r->port_flits)
        r->port_flits = calloc((size_t)R * (size_t)P, sizeof *r->port_flits);
    if (!r->port_flits)
        abort();
    for (int i = 0; i < R; i++)
        for (int p = 0; p < P; p++) {
            int64_t f = noc_port_flits(n, i, p);
            r->port_flits[i * P + p] = f < 0 ? 0 : (uint64_t)f;
        }
}

typedef struct run_ctx {
    noc_t *n;
    uint64_t w0, w1; /* measurement window [w0, w1) */
    noc_synth_result_t *r;
    double sum_lat, sum_net, sum_hops;
} run_ctx_t;

/* tag = creation cycle * 2 + measured */
static int on_eject(void *vctx, uint64_t tag, int dst, uint64_t cycle)
{
    (void)dst;
    run_ctx_t *x = vctx;
    if (!(tag & 1))
        return 0;
    uint64_t created = tag >> 1, inj;
    int hops;
    noc_eject_info(x->n, &inj, &hops);
    uint64_t lat = cycle - created;
    x->sum_lat += (double)lat;
    x->sum_net += (double)(cycle - inj);
    x->sum_hops += hops;
    if (lat > x->r->max_packet_latency_cycles)
        x->r->max_packet_latency_cycles = lat;
    x->r->packets_delivered++;
    return 0;
}

int noc_synth_run(noc_t *n, const noc_synth_t *s, noc_synth_result_t *r)
{
    memset(r, 0, sizeof *r);
    noc_rng_t g;
    noc_rng_seed(&g, s->seed);
    int e = noc_endpoints(n);
    double p = s->rate / s->packet_flits;
    /* Bernoulli trial: next() < threshold with probability p (p >= 1: always) */
    uint64_t thr = p >= 1.0 ? UINT64_MAX : (uint64_t)(p * 0x1.0p64);
    uint64_t drain_max = s->drain_max ? s->drain_max : (s->measure > 1000 ? s->measure : 1000);
    run_ctx_t x = {n, s->warmup, s->warmup + s->measure, r, 0, 0, 0};
    uint64_t t0 = noc_now(n), end = x.w1 + drain_max;
    uint64_t q0 = 0, offered = 0;
    noc_stats_t st;
    int tty = s->progress && isatty(2);
    uint64_t t;
    for (t = t0; t < end; t++) {
        if (t == x.w0) {
            noc_stats_reset(n);
            noc_stats(n, &st);
            q0 = st.queued_flits + st.flits_in_network;
        }
        if (t == x.w1) {
            noc_stats(n, &r->stats);
            snapshot_ports(n, r);
            r->queue_growth_flits = (int64_t)(r->stats.queued_flits + r->stats.flits_in_network) -
                                    (int64_t)q0;
        }
        if (t >= x.w1 && r->packets_delivered == r->packets_measured)
            break;
        int meas = t >= x.w0 && t < x.w1;
        if (thr) {
            for (int src = 0; src < e; src++) {
                if (noc_rng_next(&g) >= thr && thr != UINT64_MAX)
                    continue;
                int dst = noc_traffic_dest(s->traffic, n, src, &g, s->hotspot_frac, s->hotspot);
                noc_inject(n, t, src, dst, s->packet_flits, (t << 1) | (uint64_t)meas);
                if (meas) {
                    r->packets_measured++;
                    offered += (uint64_t)s->packet_flits;
                }
            }
        }
        if (noc_advance(n, t + 1, on_eject, &x)) {
            r->watchdog = 1;
            t++;
            break;
        }
        if (tty && (t & 0xffff) == 0)
            fprintf(stderr, "\rnoc: cycle %llu of at most %llu", (unsigned long long)t,
                    (unsigned long long)end);
    }
    if (tty)
        fprintf(stderr, "\r%60s\r", "");
    if (t < x.w1 || r->watchdog) { /* stopped early: the window is what ran */
        noc_stats(n, &r->stats);
        snapshot_ports(n, r);
        r->queue_growth_flits = 0;
    }
    r->sim_cycles = t - t0;
    r->drained = !r->watchdog && r->packets_delivered == r->packets_measured;
    double nodes_cycles = (double)e * (double)(s->measure ? s->measure : 1);
    r->offered_flits_per_node_cycle = (double)offered / nodes_cycles;
    r->accepted_flits_per_node_cycle = (double)r->stats.flits_ejected / nodes_cycles;
    r->flits_injected = r->stats.flits_injected;
    r->flits_ejected = r->stats.flits_ejected;
    if (r->packets_delivered) {
        r->avg_packet_latency_cycles = x.sum_lat / (double)r->packets_delivered;
        r->avg_network_latency_cycles = x.sum_net / (double)r->packets_delivered;
        r->avg_hops = x.sum_hops / (double)r->packets_delivered;
    }
    /* Saturated: the window's packets could not all be delivered in time, or
     * the backlog grew through the window by more than sampling noise. */
    double slack = 0.02 * (double)offered + 2.0 * e * s->packet_flits;
    r->saturated = r->watchdog || !r->drained || (double)r->queue_growth_flits > slack;
    return r->watchdog ? 1 : 0;
}
