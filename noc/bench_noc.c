/* scripts/bench noc: host speed of the network under synthetic traffic.
 * Two routers: "iq" = 8x8 and 16x16 meshes, XY, 8 VCs x 8 flits, the default
 * router otherwise (greedy VA, separable input-first SA, 1-cycle stages);
 * "booksim" = the 8x8 mesh configured like BookSim's mesh88_lat router
 * (docs/noc.md: iSLIP VA and SA, input speedup 2, wait_for_tail_credit,
 * lookahead, VA 1 + SA 1 + ST 0 + link 2 cycles, credits 2 + 2 cycles).
 * Uniform traffic, 20-flit packets, 10,000 warm-up + 100,000 measured cycles
 * (+ drain). Router-cycles = simulated cycles x routers. Process CPU time (the
 * machine is shared, so wall time would measure the neighbours); best of
 * --reps runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "noc.h"
#include "noc_traffic.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The benchmark's mesh: k x k, one endpoint per router, 8 VCs x 8 flits. */
static void mesh(noc_config_t *c, int k)
{
    noc_config_mesh(c, k);
    c->vcs = 8;
    c->vc_buf_flits = 8;
}

/* docs/noc.md "BookSim 2's iq_router in imcsim" (always 8x8) */
static void booksim(noc_config_t *c, int k)
{
    (void)k;
    noc_config_booksim_mesh88(c);
}

int main(int argc, char **argv)
{
    int reps = 3, only_k = 0;
    double rate = 0.1;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
            rate = atof(argv[++i]);
        else if (!strcmp(argv[i], "--k") && i + 1 < argc)
            only_k = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--router") && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr, "usage: bench_noc [--reps N] [--rate R] [--k 8|16] "
                            "[--router iq|booksim]\n");
            return 2;
        }
    }
    if (reps < 1)
        reps = 1;
    printf("%-8s %-6s %8s %10s %12s %14s %16s %14s\n", "router", "mesh", "rate", "latency",
           "sim_cycles", "cpu (s)", "cycles/s", "router-cyc/s");
    static const struct {
        const char *name;
        int k;
        void (*cfg)(noc_config_t *, int);
    } runs[] = {{"iq", 8, mesh}, {"iq", 16, mesh}, {"booksim", 8, booksim}};
    for (size_t ri = 0; ri < sizeof runs / sizeof runs[0]; ri++) {
        if ((only_k && only_k != runs[ri].k) || (only && strcmp(only, runs[ri].name)))
            continue;
        double best = 1e300;
        noc_synth_result_t r;
        memset(&r, 0, sizeof r);
        for (int rep = 0; rep < reps; rep++) {
            noc_config_t c;
            runs[ri].cfg(&c, runs[ri].k);
            imc_diag_t d;
            diag_init(&d);
            noc_t *n = noc_create(&c, &d);
            if (!n) {
                fprintf(stderr, "%s", d.text ? d.text : "bench_noc: bad configuration\n");
                return 1;
            }
            noc_synth_t s;
            noc_synth_default(&s);
            s.rate = rate;
            s.packet_flits = 20;
            s.warmup = 10000;
            s.measure = 100000;
            double t0 = now_s();
            noc_synth_run(n, &s, &r);
            double dt = now_s() - t0;
            best = dt < best ? dt : best;
            noc_synth_result_free(&r);
            noc_destroy(n);
            diag_free(&d);
        }
        int k = runs[ri].k;
        double cps = (double)r.sim_cycles / best;
        printf("%-8s %2dx%-3d %8.3f %10.2f %12llu %14.3f %16.0f %14.3e\n", runs[ri].name, k, k,
               rate, r.avg_packet_latency_cycles, (unsigned long long)r.sim_cycles, best, cps,
               cps * k * k);
    }
    printf("(latency in cycles; router-cycles/s = simulated cycles/s x routers; best of %d)\n",
           reps);
    return 0;
}
