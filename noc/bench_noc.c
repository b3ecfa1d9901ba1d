/* scripts/bench noc: host speed of the network under synthetic traffic.
 * 8x8 and 16x16 mesh, XY, uniform, 20-flit packets, 8 VCs x 8 flits, rate 0.1
 * flits/node/cycle, 10,000 warm-up + 100,000 measured cycles (+ drain).
 * Router-cycles = simulated cycles x routers. Process CPU time (the machine
 * is shared, so wall time would measure the neighbours); best of --reps runs. */
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

int main(int argc, char **argv)
{
    int reps = 3, only_k = 0;
    double rate = 0.1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
            rate = atof(argv[++i]);
        else if (!strcmp(argv[i], "--k") && i + 1 < argc)
            only_k = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_noc [--reps N] [--rate R] [--k 8|16]\n");
            return 2;
        }
    }
    if (reps < 1)
        reps = 1;
    printf("%-6s %8s %10s %12s %14s %16s %14s\n", "mesh", "rate", "latency", "sim_cycles",
           "cpu (s)", "cycles/s", "router-cyc/s");
    static const int ks[] = {8, 16};
    for (int ki = 0; ki < 2; ki++) {
        if (only_k && only_k != ks[ki])
            continue;
        double best = 1e300;
        noc_synth_result_t r;
        memset(&r, 0, sizeof r);
        for (int rep = 0; rep < reps; rep++) {
            noc_config_t c;
            noc_config_default(&c);
            c.kx = c.ky = ks[ki];
            c.vcs = 8;
            c.vc_buf_flits = 8;
            imc_diag_t d;
            diag_init(&d);
            noc_t *n = noc_create(&c, &d);
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
        double cps = (double)r.sim_cycles / best;
        printf("%2dx%-3d %8.3f %10.2f %12llu %14.3f %16.0f %14.3e\n", ks[ki], ks[ki], rate,
               r.avg_packet_latency_cycles, (unsigned long long)r.sim_cycles, best, cps,
               cps * ks[ki] * ks[ki]);
    }
    printf("(latency in cycles; router-cycles/s = simulated cycles/s x routers; best of %d)\n",
           reps);
    return 0;
}
