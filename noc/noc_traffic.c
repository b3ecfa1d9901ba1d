#include "noc_traffic.h"

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
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
    s->packet_flits = 0; /* the network's */
    s->warmup = 10000;
    s->measure = 100000;
    s->drain_max = 0; /* NOC_SYNTH_DRAIN_WINDOWS windows */
    s->seed = 1;
    s->hotspot_frac = 0.1;
    s->hotspot = -1;
}

void noc_config_mesh(noc_config_t *c, int k)
{
    noc_config_default(c);
    c->topology = TOPO_MESH;
    c->kx = c->ky = k;
    c->concentration = 1;
    c->packet_flits = 20;
    c->clock_ghz = 1.0;
}

void noc_config_booksim_mesh88(noc_config_t *c)
{
    noc_config_mesh(c, 8);
    c->vcs = 8;
    c->vc_buf_flits = 8;
    c->lookahead = 1;
    c->routing_delay = 0;
    c->vc_alloc_delay = 1;
    c->sw_alloc_delay = 1;
    c->st_delay = 0;
    c->link_latency = 2;
    c->credit_delay = 2;
    c->credit_latency = 2;
    c->vc_alloc = ALLOC_ISLIP;
    c->sw_alloc = ALLOC_ISLIP;
    c->alloc_iters = 1;
    c->input_speedup = 2;
    c->output_speedup = 1;
    c->wait_for_tail_credit = 1;
}

const char *const noc_sat_test_names[NOC_SAT_COUNT_] = {
    "none", "watchdog", "undelivered", "source_queue_growth", "latency_trend"};

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
    double qsum[4];  /* latency sums and counts by quarter of the window */
    uint64_t qn[4];
    uint64_t *lat;   /* every delivered window packet's latency */
    size_t nlat, caplat;
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
    int q = (int)((created - x->w0) * 4 / (x->w1 - x->w0));
    x->qsum[q] += (double)lat;
    x->qn[q]++;
    if (x->nlat == x->caplat) {
        x->caplat = x->caplat ? 2 * x->caplat : 4096;
        x->lat = realloc(x->lat, x->caplat * sizeof *x->lat);
        if (!x->lat)
            abort();
    }
    x->lat[x->nlat++] = lat;
    if (lat > x->r->max_packet_latency_cycles)
        x->r->max_packet_latency_cycles = lat;
    x->r->packets_delivered++;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest latency with at least p% of the packets at or
 * below it. */
static uint64_t percentile(const uint64_t *v, size_t n, int p)
{
    size_t k = ((size_t)p * n + 99) / 100;
    return v[k ? k - 1 : 0];
}

/* The source-queue test samples every source's queue at NOC_SAT_SAMPLES + 1
 * evenly spaced cycles of the window and fits a line through each: its
 * slope times the window is that source's growth. */
#define NOC_SAT_SAMPLES 16

static void queues(const noc_t *n, double *sxy, double *sy, int k)
{
    for (int e = 0; e < noc_endpoints(n); e++) {
        double q = (double)noc_source_queued_flits(n, e);
        sxy[e] += k * q;
        sy[e] += q;
    }
}

int noc_synth_run(noc_t *n, const noc_synth_t *s, noc_synth_result_t *r)
{
    memset(r, 0, sizeof *r);
    noc_rng_t g;
    noc_rng_seed(&g, s->seed);
    int e = noc_endpoints(n);
    int pf = s->packet_flits > 0 ? s->packet_flits : noc_config(n)->packet_flits;
    double p = s->rate / pf;
    /* Bernoulli trial: next() < threshold with probability p (p >= 1: always) */
    uint64_t thr = p >= 1.0 ? UINT64_MAX : (uint64_t)(p * 0x1.0p64);
    uint64_t measure = s->measure ? s->measure : 1;
    uint64_t drain_max = s->drain_max ? s->drain_max : NOC_SYNTH_DRAIN_WINDOWS * measure;
    run_ctx_t x = {.n = n, .w0 = s->warmup, .w1 = s->warmup + measure, .r = r};
    uint64_t t0 = noc_now(n), end = x.w1 + drain_max;
    uint64_t q0 = 0, offered = 0;
    double *sxy = calloc((size_t)e, sizeof *sxy), *sy = calloc((size_t)e, sizeof *sy);
    if (!sxy || !sy)
        abort();
    int sample = 0; /* the next queue sample, at w0 + sample * measure / NOC_SAT_SAMPLES */
    noc_stats_t st;
    int tty = s->progress && isatty(2);
    uint64_t t;
    for (t = t0; t < end; t++) {
        if (t == x.w0) {
            noc_stats_reset(n);
            noc_stats(n, &st);
            q0 = st.queued_flits + st.flits_in_network;
        }
        if (sample <= NOC_SAT_SAMPLES && t == x.w0 + (uint64_t)sample * measure / NOC_SAT_SAMPLES)
            queues(n, sxy, sy, sample++);
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
                noc_inject(n, t, src, dst, pf, (t << 1) | (uint64_t)meas);
                if (meas) {
                    r->packets_measured++;
                    offered += (uint64_t)pf;
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
    r->starved = noc_starved(n);
    double nodes_cycles = (double)e * (double)measure;
    r->offered_flits_per_node_cycle = (double)offered / nodes_cycles;
    r->accepted_flits_per_node_cycle = (double)r->stats.flits_ejected / nodes_cycles;
    r->flits_injected = r->stats.flits_injected;
    r->flits_ejected = r->stats.flits_ejected;
    if (r->packets_delivered) {
        r->avg_packet_latency_cycles = x.sum_lat / (double)r->packets_delivered;
        r->avg_network_latency_cycles = x.sum_net / (double)r->packets_delivered;
        r->avg_hops = x.sum_hops / (double)r->packets_delivered;
        qsort(x.lat, x.nlat, sizeof *x.lat, cmp_u64);
        r->p50_packet_latency_cycles = percentile(x.lat, x.nlat, 50);
        r->p95_packet_latency_cycles = percentile(x.lat, x.nlat, 95);
        r->p99_packet_latency_cycles = percentile(x.lat, x.nlat, 99);
    }
    free(x.lat);
    /* Saturated (docs/noc.md): the first test that fires. */
    r->source_growth_limit_flits = (double)NOC_SAT_QUEUE_PACKETS * pf;
    if (NOC_SAT_QUEUE_FRAC * (double)offered / e > r->source_growth_limit_flits)
        r->source_growth_limit_flits = NOC_SAT_QUEUE_FRAC * (double)offered / e;
    if (sample == NOC_SAT_SAMPLES + 1) { /* the whole window ran */
        /* least squares over k = 0..S: slope = (sum k q - mean k sum q) / sum (k - mean k)^2 */
        double S = NOC_SAT_SAMPLES, km = S / 2, kvar = S * (S + 1) * (S + 2) / 12;
        for (int i = 0; i < e; i++) {
            double gr = (sxy[i] - km * sy[i]) / kvar * S;
            if (i == 0 || gr > (double)r->max_source_growth_flits)
                r->max_source_growth_flits = (int64_t)llround(gr);
        }
    }
    free(sxy);
    free(sy);
    if (x.qn[0])
        r->first_quarter_latency_cycles = x.qsum[0] / (double)x.qn[0];
    if (x.qn[3])
        r->last_quarter_latency_cycles = x.qsum[3] / (double)x.qn[3];
    if (r->watchdog)
        r->saturation_test = NOC_SAT_WATCHDOG;
    else if (!r->drained)
        r->saturation_test = NOC_SAT_UNDELIVERED;
    else if ((double)r->max_source_growth_flits > r->source_growth_limit_flits)
        r->saturation_test = NOC_SAT_SOURCE_QUEUE;
    else if (x.qn[0] && x.qn[3] &&
             r->last_quarter_latency_cycles >
                 NOC_SAT_LATENCY_RATIO * r->first_quarter_latency_cycles)
        r->saturation_test = NOC_SAT_LATENCY_TREND;
    r->saturated = r->saturation_test != NOC_SAT_NONE;
    return r->watchdog || !r->drained ? 1 : 0;
}
