/* noc core: zero-load latency against the analytic value, conservation for
 * every topology/routing pair, dateline deadlock freedom, the watchdog,
 * determinism and the command line's bad-input handling. */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "arch_load.h"
#include "noc.h"
#include "noc_traffic.h"

typedef struct got {
    uint64_t tag, cycle;
    int dst, n;
    uint64_t flits;
} got_t;

static int on_eject(void *ctx, uint64_t tag, int dst, uint64_t cycle)
{
    got_t *g = ctx;
    g->tag = tag;
    g->dst = dst;
    g->cycle = cycle;
    g->n++;
    return 0;
}

/* A network of config c, or the test fails with the configuration error. */
static noc_t *create(const noc_config_t *c, imc_diag_t *d)
{
    diag_init(d);
    noc_t *n = noc_create(c, d);
    ck_assert_msg(n, "%s", d->text ? d->text : "");
    return n;
}

/* Independent derivation: minimal hops on the router grid, then the head
 * crosses the injection channel, (H+1) routers of RC+VA+SA+ST, H links and
 * the ejection channel; the tail follows P-1 cycles later. */
static uint64_t analytic(const noc_config_t *c, int src, int dst, int flits)
{
    int a = src / c->concentration, b = dst / c->concentration;
    int dx = abs(a % c->kx - b % c->kx), dy = abs(a / c->kx - b / c->kx);
    if (c->topology == TOPO_TORUS) {
        dx = dx < c->kx - dx ? dx : c->kx - dx;
        dy = dy < c->ky - dy ? dy : c->ky - dy;
    }
    int tr = (c->lookahead ? 0 : c->routing_delay) + c->vc_alloc_delay + c->sw_alloc_delay +
             c->st_delay;
    int tl = c->link_latency;
    return (uint64_t)((dx + dy + 1) * (tr + tl) + tl + flits - 1);
}

/* One packet alone in the network for every source, so nothing contends. */
static void check_zero_load(const noc_config_t *c, int flits)
{
    imc_diag_t d;
    diag_init(&d);
    noc_t *n = noc_create(c, &d);
    ck_assert_msg(n, "%s", d.text ? d.text : "");
    noc_rng_t g;
    noc_rng_seed(&g, 7);
    for (int t = 0; t < NOC_TRAFFIC_COUNT_; t++) {
        if (noc_traffic_check((noc_traffic_t)t, n, &d))
            continue;
        for (int s = 0; s < noc_endpoints(n); s++) {
            int dst = noc_traffic_dest((noc_traffic_t)t, n, s, &g, 0.5, -1);
            got_t got = {0};
            uint64_t t0 = noc_now(n) + 3;
            ck_assert_int_eq(noc_inject(n, t0, s, dst, flits, 1000 + (uint64_t)s), 0);
            while (noc_next_event(n) != UINT64_MAX)
                ck_assert_int_eq(noc_advance(n, noc_next_event(n) + 1, on_eject, &got), 0);
            ck_assert_int_eq(got.n, 1);
            ck_assert_int_eq(got.dst, dst);
            ck_assert_uint_eq(got.tag, 1000 + (uint64_t)s);
            uint64_t want = analytic(c, s, dst, flits);
            ck_assert_msg(got.cycle - t0 == want, "%s %d->%d: latency %llu, analytic %llu",
                          noc_traffic_names[t], s, dst, (unsigned long long)(got.cycle - t0),
                          (unsigned long long)want);
            ck_assert_uint_eq(noc_zero_load_latency(n, s, dst, flits), want);
        }
    }
    noc_stats_t st;
    noc_stats(n, &st);
    ck_assert_uint_eq(st.flits_injected, st.flits_ejected);
    noc_destroy(n);
    diag_free(&d);
}

START_TEST(zero_load_mesh8_every_pattern)
{
    noc_config_t c;
    noc_config_default(&c);
    c.vcs = 8;
    c.vc_buf_flits = 8;
    check_zero_load(&c, 20);
    check_zero_load(&c, 1);
}
END_TEST

START_TEST(zero_load_other_pipelines_and_topologies)
{
    noc_config_t c;
    noc_config_default(&c);
    c.routing_delay = 2;
    c.st_delay = 2;
    c.link_latency = 3;
    c.credit_delay = 2;
    check_zero_load(&c, 5);
    c.lookahead = 1;
    check_zero_load(&c, 5);
    c.islip = 1;
    check_zero_load(&c, 5);
    noc_config_default(&c);
    c.topology = TOPO_TORUS;
    check_zero_load(&c, 4);
    noc_config_default(&c);
    c.topology = TOPO_CMESH;
    c.kx = c.ky = 4;
    c.concentration = 4;
    c.routing = ROUTE_ODD_EVEN;
    check_zero_load(&c, 4);
    c.routing = ROUTE_WEST_FIRST;
    check_zero_load(&c, 4);
}
END_TEST

typedef struct log {
    uint64_t cycle[64];
    int n;
} log_t;
static int log_eject(void *ctx, uint64_t tag, int dst, uint64_t cycle)
{
    (void)dst;
    log_t *l = ctx;
    l->cycle[tag] = cycle;
    l->n++;
    return 0;
}

/* The network of the contended bursts: 4x4 mesh, 3-flit VC buffers. */
static noc_t *burst_noc(imc_diag_t *d)
{
    noc_config_t c;
    noc_config_default(&c);
    c.kx = c.ky = 4;
    c.vc_buf_flits = 3;
    diag_init(d);
    return noc_create(&c, d);
}

/* A contended burst starting at t0; ejection cycles relative to t0. */
static void burst(uint64_t t0, log_t *l)
{
    imc_diag_t d;
    noc_t *n = burst_noc(&d);
    memset(l, 0, sizeof *l);
    for (int s = 0; s < 16; s++)
        for (int k = 0; k < 3; k++)
            ck_assert_int_eq(noc_inject(n, t0 + (uint64_t)(s + 7 * k), s, 15 - s, 9,
                                        (uint64_t)(s * 3 + k)), 0);
    ck_assert_uint_eq(noc_next_event(n), t0);
    while (noc_next_event(n) != UINT64_MAX)
        ck_assert_int_eq(noc_advance(n, noc_next_event(n) + 1, log_eject, l), 0);
    for (int i = 0; i < 48; i++)
        l->cycle[i] -= t0;
    noc_destroy(n);
    diag_free(&d);
}

START_TEST(cycles_past_32_bits)
{
    /* flits and credits store cycles mod 2^32: a contended burst across the
     * wrap behaves exactly as the same burst at cycle 1000 */
    log_t a, b;
    burst(1000, &a);
    burst((1ull << 32) - 60, &b);
    ck_assert_int_eq(a.n, 48);
    ck_assert_int_eq(b.n, 48);
    int later = 0;
    for (int i = 0; i < 48; i++) {
        ck_assert_uint_eq(a.cycle[i], b.cycle[i]);
        later += b.cycle[i] > 60;
    }
    ck_assert_int_gt(later, 0); /* some crossed the wrap */
}
END_TEST

typedef struct seq {
    noc_t *noc;
    uint64_t tag[256], cycle[256];
    int flits[256]; /* of the packet whose tail arrived */
    int n;
} seq_t;
static int seq_eject(void *ctx, uint64_t tag, int dst, uint64_t cycle)
{
    (void)dst;
    seq_t *q = ctx;
    ck_assert_int_lt(q->n, 256);
    q->tag[q->n] = tag;
    q->flits[q->n] = noc_eject_flits(q->noc);
    q->cycle[q->n++] = cycle;
    return 0;
}

/* The contended burst again, each 9-flit send the packets 4, 4, 1 queued one
 * by one (SPLIT_PACKETS), one message of 4-flit packets (SPLIT_MESSAGE) or
 * the same handed over packet by packet (SPLIT_STREAM). */
enum { SPLIT_PACKETS, SPLIT_MESSAGE, SPLIT_STREAM };
static void split_burst(int mode, seq_t *q)
{
    imc_diag_t d;
    noc_t *n = burst_noc(&d);
    memset(q, 0, sizeof *q);
    q->noc = n;
    for (int s = 0; s < 16; s++)
        for (int k = 0; k < 3; k++) {
            uint64_t t = (uint64_t)(s + 2 * k), tag = (uint64_t)(s * 3 + k);
            if (mode == SPLIT_MESSAGE)
                ck_assert_int_eq(noc_inject_message(n, t, s, 15 - s, 9, 4, tag), 0);
            else if (mode == SPLIT_STREAM)
                ck_assert_int_eq(noc_inject_stream(n, t, s, 15 - s, 9, 4, tag), 0);
            else
                for (int f = 9; f > 0; f -= 4)
                    ck_assert_int_eq(noc_inject(n, t, s, 15 - s, f < 4 ? f : 4, tag), 0);
        }
    while (noc_next_event(n) != UINT64_MAX)
        ck_assert_int_eq(noc_advance(n, noc_next_event(n) + 1, seq_eject, q), 0);
    noc_stats_t st;
    noc_stats(n, &st);
    ck_assert_uint_eq(st.packets_ejected, 16 * 3 * 3);
    ck_assert_uint_eq(st.flits_ejected, 16 * 3 * 9);
    noc_destroy(n);
    diag_free(&d);
}

START_TEST(message_is_its_packets_in_a_row)
{
    /* The same ejection cycles, and the message is handed over once, at its
     * last packet's tail (the packets one by one each call back; a stream
     * hands over every packet with its size, as the packets one by one). */
    seq_t a, b, st;
    split_burst(SPLIT_MESSAGE, &a);
    split_burst(SPLIT_PACKETS, &b);
    split_burst(SPLIT_STREAM, &st);
    ck_assert_int_eq(st.n, b.n);
    for (int i = 0; i < b.n; i++) {
        ck_assert_uint_eq(st.tag[i], b.tag[i]);
        ck_assert_uint_eq(st.cycle[i], b.cycle[i]);
        ck_assert_int_eq(st.flits[i], b.flits[i]);
        ck_assert(b.flits[i] == 4 || b.flits[i] == 1);
    }
    ck_assert_int_eq(a.n, 16 * 3);
    ck_assert_int_eq(b.n, 16 * 3 * 3);
    uint64_t last[48] = {0};
    for (int i = 0; i < b.n; i++)
        if (b.cycle[i] > last[b.tag[i]])
            last[b.tag[i]] = b.cycle[i];
    for (int i = 0; i < a.n; i++)
        ck_assert_uint_eq(a.cycle[i], last[a.tag[i]]);
    /* bad packet sizes are refused */
    noc_config_t c;
    noc_config_default(&c);
    imc_diag_t d;
    diag_init(&d);
    noc_t *n = noc_create(&c, &d);
    ck_assert_int_eq(noc_inject_message(n, 0, 0, 1, 9, 0, 0), -1);
    ck_assert_int_eq(noc_inject_message(n, 0, 0, 1, 0, 4, 0), -1);
    ck_assert_int_eq(noc_inject_stream(n, 0, 0, 1, 9, 0, 0), -1);
    noc_destroy(n);
    diag_free(&d);
}
END_TEST

/* A wrapper that sleeps until noc_delivery_bound() (lowered by each new
 * message's noc_message_bound()) is never late: random messages, packets and
 * streams on a contended mesh and torus, every hand-over at or after the
 * bound, with few wake-ups more than there are hand-over cycles. */
typedef struct bound_log {
    uint64_t wake, last;
    int n, late, cycles; /* cycles: distinct hand-over cycles */
} bound_log_t;

static int bound_eject(void *ctx, uint64_t tag, int dst, uint64_t cycle)
{
    bound_log_t *l = ctx;
    (void)tag;
    (void)dst;
    l->n++;
    l->cycles += l->n == 1 || cycle != l->last;
    l->last = cycle;
    if (cycle < l->wake)
        l->late++;
    return 0;
}

static void check_delivery_bound(arch_topology_t topo)
{
    noc_config_t c;
    noc_config_default(&c);
    c.topology = topo;
    c.kx = c.ky = 4;
    c.vc_buf_flits = 3;
    imc_diag_t d;
    noc_t *n = create(&c, &d);
    noc_rng_t g;
    noc_rng_seed(&g, 11);
    bound_log_t l = {0, 0, 0, 0, 0};
    uint64_t busy = 0, wakes = 0, sent = 0;
    for (uint64_t t = 0; t < 6000 || noc_next_event(n) != UINT64_MAX; t++) {
        for (int s = 0; t < 6000 && s < 16; s++) {
            if (noc_rng_next(&g) % 40)
                continue;
            int dst = (int)(noc_rng_next(&g) % 16), flits = 1 + (int)(noc_rng_next(&g) % 40);
            int each = noc_rng_next(&g) % 5 == 0;
            int rc = (each ? noc_inject_stream : noc_inject_message)(n, t, s, dst, flits, 4, sent++);
            ck_assert_int_eq(rc, 0);
            uint64_t b = noc_message_bound(n, t, s, dst, flits, 4, each);
            ck_assert_uint_ge(b, t + 1);
            if (b < l.wake)
                l.wake = b;
        }
        if (noc_next_event(n) == t)
            busy++;
        int woke = t >= l.wake;
        ck_assert_int_eq(noc_advance(n, t + 1, bound_eject, &l), 0);
        if (woke) { /* cycle t handed over: asleep until the bound */
            wakes++;
            uint64_t b = noc_delivery_bound(n);
            ck_assert_uint_ge(b, t + 1);
            l.wake = b;
        }
    }
    ck_assert_int_eq(l.late, 0);
    ck_assert_int_gt(l.n, 1000);
    /* a wake-up per hand-over cycle would be ideal; one per busy cycle is
     * what stepping every cycle costs */
    ck_assert_msg(wakes * 10 <= (uint64_t)l.cycles * 15 && wakes < busy,
                  "%llu wake-ups for %d hand-over cycles, %llu busy cycles",
                  (unsigned long long)wakes, l.cycles, (unsigned long long)busy);
    noc_destroy(n);
    diag_free(&d);
}

START_TEST(delivery_bound_is_never_late)
{
    check_delivery_bound(TOPO_MESH);
    check_delivery_bound(TOPO_TORUS);
}
END_TEST

START_TEST(zero_load_rate_to_zero_matches_mean_analytic)
{
    /* uniform, 8x8 mesh: mean hops 2(k^2-1)/(3k) = 5.25 with self traffic,
     * T0 = (5.25+1)*5 + 1 + 19 = 51.25 cycles. */
    noc_config_t c;
    noc_config_default(&c);
    c.vcs = 8;
    noc_synth_t s;
    noc_synth_default(&s);
    s.rate = 0.0005;
    s.warmup = 1000;
    s.measure = 200000;
    imc_diag_t d;
    diag_init(&d);
    noc_t *n = noc_create(&c, &d);
    noc_synth_result_t r;
    ck_assert_int_eq(noc_synth_run(n, &s, &r), 0);
    noc_synth_result_free(&r);
    double want = (r.avg_hops + 1) * 5 + 1 + 19;
    ck_assert_msg(r.avg_packet_latency_cycles >= want - 1e-9 &&
                      r.avg_packet_latency_cycles < want + 0.5,
                  "latency %g, analytic %g", r.avg_packet_latency_cycles, want);
    ck_assert_msg(r.avg_hops > 5.0 && r.avg_hops < 5.5, "hops %g", r.avg_hops);
    ck_assert(!r.saturated);
    noc_destroy(n);
    diag_free(&d);
}
END_TEST

typedef struct count {
    uint64_t packets;
} count_t;
static int count_eject(void *ctx, uint64_t tag, int dst, uint64_t cycle)
{
    (void)tag;
    (void)dst;
    (void)cycle;
    ((count_t *)ctx)->packets++;
    return 0;
}

/* Heavy random traffic (beyond saturation), then no more injection: every
 * flit injected must come out. */
static void check_conservation_alloc(arch_topology_t topo, arch_routing_t rt, int conc,
                                     double rate, int islip)
{
    noc_config_t c;
    noc_config_default(&c);
    c.islip = islip;
    c.topology = topo;
    c.routing = rt;
    c.kx = c.ky = conc > 1 ? 4 : 6;
    c.concentration = conc;
    c.vcs = 4;
    c.vc_buf_flits = 4;
    c.watchdog_cycles = 20000;
    imc_diag_t d;
    noc_t *n = create(&c, &d);
    noc_rng_t g;
    noc_rng_seed(&g, 11);
    count_t cnt = {0};
    uint64_t sent = 0, flits = 0;
    for (uint64_t t = 0; t < 4000; t++) {
        for (int s = 0; s < noc_endpoints(n); s++)
            if ((double)(noc_rng_next(&g) >> 11) * 0x1.0p-53 < rate / 6) {
                int f = 1 + (int)noc_rng_below(&g, 11);
                int dst = (int)noc_rng_below(&g, (uint32_t)noc_endpoints(n));
                ck_assert_int_eq(noc_inject(n, t, s, dst, f, sent), 0);
                sent++;
                flits += (uint64_t)f;
            }
        ck_assert_msg(noc_advance(n, t + 1, count_eject, &cnt) == 0, "%s",
                      noc_watchdog_report(n));
    }
    while (noc_next_event(n) != UINT64_MAX)
        ck_assert_msg(noc_advance(n, noc_now(n) + 1000, count_eject, &cnt) == 0, "%s",
                      noc_watchdog_report(n));
    noc_stats_t st;
    noc_stats(n, &st);
    ck_assert_uint_eq(cnt.packets, sent);
    ck_assert_uint_eq(st.packets_injected, sent);
    ck_assert_uint_eq(st.packets_ejected, sent);
    ck_assert_uint_eq(st.flits_injected, flits);
    ck_assert_uint_eq(st.flits_ejected, flits);
    ck_assert_uint_eq(st.flits_in_network, 0);
    ck_assert_uint_eq(st.queued_flits, 0);
    ck_assert_uint_eq(st.buffer_writes, st.buffer_reads);
    noc_destroy(n);
    diag_free(&d);
}

static void check_conservation(arch_topology_t topo, arch_routing_t rt, int conc, double rate)
{
    check_conservation_alloc(topo, rt, conc, rate, 0);
}

START_TEST(conservation_every_topology_routing)
{
    arch_routing_t all[] = {ROUTE_XY, ROUTE_YX, ROUTE_WEST_FIRST, ROUTE_ODD_EVEN};
    for (int i = 0; i < 4; i++) {
        check_conservation(TOPO_MESH, all[i], 1, 0.3);
        check_conservation(TOPO_MESH, all[i], 1, 0.9);
        check_conservation(TOPO_CMESH, all[i], 4, 0.9);
    }
    check_conservation(TOPO_TORUS, ROUTE_XY, 1, 0.9);
    check_conservation(TOPO_TORUS, ROUTE_YX, 1, 0.9);
    check_conservation(TOPO_TORUS, ROUTE_XY, 2, 0.9);
    /* and with the iSLIP switch allocator */
    check_conservation_alloc(TOPO_MESH, ROUTE_XY, 1, 0.9, 1);
    check_conservation_alloc(TOPO_CMESH, ROUTE_ODD_EVEN, 4, 0.9, 1);
    check_conservation_alloc(TOPO_TORUS, ROUTE_YX, 1, 0.9, 1);
}
END_TEST

static noc_t *torus(int dateline, imc_diag_t *d)
{
    noc_config_t c;
    noc_config_default(&c);
    c.topology = TOPO_TORUS;
    c.kx = c.ky = 8;
    c.vcs = 2;
    c.vc_buf_flits = 4;
    c.dateline = dateline;
    c.watchdog_cycles = 2000;
    return noc_create(&c, d);
}

START_TEST(torus_dateline_no_deadlock_at_2x_saturation)
{
    /* This torus (2 VCs x 4 flits, 8-flit packets) saturates at 0.20
     * flits/node/cycle under uniform traffic (accepted 0.199 at offered 0.2,
     * 0.198 at 0.3), so rate 0.4 is 2x saturation; 200k cycles with a
     * 2000-cycle watchdog. */
    imc_diag_t d;
    diag_init(&d);
    noc_t *n = torus(1, &d);
    noc_synth_t s;
    noc_synth_default(&s);
    s.traffic = NOC_TRAFFIC_UNIFORM;
    s.rate = 0.4;
    s.packet_flits = 8;
    s.warmup = 0;
    s.measure = 200000;
    s.drain_max = 1;
    noc_synth_result_t r;
    ck_assert_msg(noc_synth_run(n, &s, &r) == 0, "%s", noc_watchdog_report(n));
    ck_assert(r.saturated);
    ck_assert_msg(r.accepted_flits_per_node_cycle > 0.18, "%g", r.accepted_flits_per_node_cycle);
    ck_assert_uint_ge(r.sim_cycles, 200000);
    noc_synth_result_free(&r);
    noc_destroy(n);
    diag_free(&d);
}
END_TEST

START_TEST(watchdog_reports_deadlock_without_dateline)
{
    imc_diag_t d;
    diag_init(&d);
    noc_t *n = torus(0, &d);
    noc_synth_t s;
    noc_synth_default(&s);
    s.traffic = NOC_TRAFFIC_TORNADO;
    s.rate = 0.6;
    s.packet_flits = 8;
    s.warmup = 0;
    s.measure = 200000;
    noc_synth_result_t r;
    ck_assert_int_eq(noc_synth_run(n, &s, &r), 1);
    ck_assert(r.watchdog && r.saturated);
    ck_assert_uint_lt(r.sim_cycles, 200000);
    const char *rep = noc_watchdog_report(n);
    ck_assert_msg(strstr(rep, "noc: watchdog: no flit moved for 2000 cycles") == rep, "%s", rep);
    ck_assert_msg(strstr(rep, "waits for credit"), "%s", rep);
    noc_synth_result_free(&r);
    noc_destroy(n);
    diag_free(&d);
}
END_TEST

static void run_once(uint64_t seed, noc_synth_result_t *r)
{
    noc_config_t c;
    noc_config_default(&c);
    c.routing = ROUTE_ODD_EVEN;
    imc_diag_t d;
    diag_init(&d);
    noc_t *n = noc_create(&c, &d);
    noc_synth_t s;
    noc_synth_default(&s);
    s.rate = 0.3;
    s.warmup = 1000;
    s.measure = 5000;
    s.seed = seed;
    noc_synth_run(n, &s, r);
    noc_synth_result_free(r);
    noc_destroy(n);
    diag_free(&d);
}

START_TEST(same_seed_same_results)
{
    noc_synth_result_t a, b, c;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    memset(&c, 0, sizeof c);
    run_once(42, &a);
    run_once(42, &b);
    run_once(43, &c);
    ck_assert(memcmp(&a, &b, sizeof a) == 0);
    ck_assert(a.avg_packet_latency_cycles != c.avg_packet_latency_cycles);
}
END_TEST

static int cli(const char *args, char *err, size_t errn)
{
    const char *bin = getenv("IMC_BIN");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/imcsim noc %s 2>&1 >/dev/null", bin ? bin : "build/bin", args);
    FILE *p = popen(cmd, "r");
    ck_assert(p);
    size_t k = fread(err, 1, errn - 1, p);
    err[k] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(bad_flags_exit_2_with_message)
{
    static const struct {
        const char *args, *msg;
    } cases[] = {
        {"--topology ring", "imcsim noc: error: --topology 'ring' unknown (expected mesh, torus or cmesh)"},
        {"--routing xz", "did you mean 'xy'?"},
        {"--rate 1.5", "imcsim noc: error: --rate '1.5' (expected a number in 0..1)"},
        {"--k 0", "imcsim noc: error: --k '0' (expected an integer in 1..256)"},
        {"--vcs two", "imcsim noc: error: --vcs 'two' (expected an integer in 1..64)"},
        {"--topology torus --routing westfirst",
         "imcsim noc: error: routing westfirst is defined on meshes only"},
        {"--topology torus --vcs 1", "needs vcs >= 2"},
        {"--k 3 --traffic bitcomp", "needs a power-of-two number of endpoints (have 9)"},
        {"--kx 4 --ky 2 --traffic transpose", "needs a square grid (have 4x2)"},
        {"--measur 10", "unknown option '--measur' (did you mean '--measure'?)"},
        {"--seed", "--seed needs a value"},
        {"stray", "unexpected argument 'stray'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[2048];
        int rc = cli(cases[i].args, err, sizeof err);
        ck_assert_msg(rc == 2, "'%s': exit %d", cases[i].args, rc);
        ck_assert_msg(strstr(err, cases[i].msg), "'%s': got '%s'", cases[i].args, err);
    }
}
END_TEST

START_TEST(cli_json_runs)
{
    char out[256];
    int rc = cli("--k 4 --rate 0.05 --warmup 100 --measure 1000 --json", out, sizeof out);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(cli("--help", out, sizeof out), 0);
    ck_assert_int_eq(cli("--arch isaac --rate 0.05 --warmup 100 --measure 1000", out, sizeof out),
                     0);
    ck_assert_int_eq(cli("--arch nosuch", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "nosuch: error: unknown preset"), "%s", out);
}
END_TEST

static char *cli_stdout(const char *args)
{
    const char *bin = getenv("IMC_BIN");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/imcsim noc %s 2>/dev/null", bin ? bin : "build/bin", args);
    FILE *p = popen(cmd, "r");
    ck_assert(p);
    size_t cap = 1 << 20, len = 0, k;
    char *buf = malloc(cap);
    while ((k = fread(buf + len, 1, cap - 1 - len, p)) > 0)
        len += k;
    buf[len] = 0;
    ck_assert_int_eq(pclose(p), 0);
    return buf;
}

START_TEST(cli_output_byte_identical_for_a_seed)
{
    const char *args = "--k 4 --routing oddeven --traffic hotspot --rate 0.3 --warmup 200 "
                       "--measure 3000 --seed 9 --json";
    char *a = cli_stdout(args), *b = cli_stdout(args);
    ck_assert(strlen(a) > 1000);
    ck_assert_str_eq(a, b);
    ck_assert_msg(strstr(a, "\"avg_packet_latency_cycles\": "), "%s", a);
    free(a);
    free(b);
}
END_TEST

START_TEST(config_from_isaac_preset)
{
    /* REFERENCE.md §2: 168 tiles on a 7x6 concentrated mesh, 4 tiles per
     * router, 32-bit flits, router 42 mW / 0.151 mm2 (8 ports) */
    arch_t a;
    imc_diag_t d;
    diag_init(&d);
    ck_assert_msg(arch_load("isaac", NULL, 0, &a, &d) == 0, "%s", d.text ? d.text : "");
    noc_config_t c;
    ck_assert_int_eq(noc_config_from_arch(&c, &a, &d), 0);
    ck_assert_int_eq(c.topology, TOPO_CMESH);
    ck_assert_int_eq(c.kx, 7);
    ck_assert_int_eq(c.ky, 6);
    ck_assert_int_eq(c.concentration, 4);
    ck_assert_int_eq(c.flit_bits, 32);
    ck_assert_double_eq_tol(c.router_area_mm2, 0.151, 1e-12);
    /* full-activity power spread over flits: 42 mW / 1.2 GHz / 8 ports */
    double e = c.buf_write_pj + c.buf_read_pj + c.xbar_pj + c.alloc_pj;
    ck_assert_double_eq_tol(e, 42.0 / 1.2 / 8.0, 1e-12);
    noc_t *n = noc_create(&c, &d);
    ck_assert_int_eq(noc_endpoints(n), 168);
    ck_assert_int_eq(noc_hops(n, 0, 167), 6 + 5); /* router 0 to router 41 */
    noc_destroy(n);
    diag_free(&d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("noc");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, zero_load_mesh8_every_pattern);
    tcase_add_test(tc, zero_load_other_pipelines_and_topologies);
    tcase_add_test(tc, zero_load_rate_to_zero_matches_mean_analytic);
    tcase_add_test(tc, cycles_past_32_bits);
    tcase_add_test(tc, message_is_its_packets_in_a_row);
    tcase_add_test(tc, delivery_bound_is_never_late);
    tcase_add_test(tc, conservation_every_topology_routing);
    tcase_add_test(tc, torus_dateline_no_deadlock_at_2x_saturation);
    tcase_add_test(tc, watchdog_reports_deadlock_without_dateline);
    tcase_add_test(tc, same_seed_same_results);
    tcase_add_test(tc, bad_flags_exit_2_with_message);
    tcase_add_test(tc, cli_json_runs);
    tcase_add_test(tc, config_from_isaac_preset);
    tcase_add_test(tc, cli_output_byte_identical_for_a_seed);
    suite_add_tcase(s, tc);
    return check_run(s);
}
