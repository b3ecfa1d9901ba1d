/* scripts/bench run [MODEL] [--reps N] [--scale]: wall time, CPU time and peak
 * memory of whole-network runs at --batch 4 (issues 6 and 17), each `imcsim run` in
 * its own process measured with wait4(); with --reps, the best and the median
 * of N runs (a shared machine's neighbours make single runs vary by tens of
 * percent). A run simulates until its period converges (at least 16
 * inferences), so the figure to compare is the host time per simulated
 * inference: the least CPU time / `inferences_simulated` of the run's JSON.
 * --scale runs the large-system case instead (issue 16: resnet18 on 64 isaac
 * chips with --replicate max, 10,522 tiles; a target of 2 GiB and 10 min).
 * --vs IMCSIM pairs each run with one of another build (a baseline): the two
 * take turns (this one, the baseline, this one, ...), so the ratio of each
 * pair's CPU times holds while the machine's speed drifts; it prints their
 * median, least and largest, and whether the two JSON outputs are the same
 * bytes (a change meant to leave the results alone must keep them).
 * Prints figures; asserts nothing. */
#define _DEFAULT_SOURCE /* wait4 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const cases[][8] = {
    {"puma", "mlp_l4", NULL},
    {"isaac", "resnet18", NULL},
    {"isaac", "resnet50", NULL},
    {"isaac", "vgg16", "--set", "chip.chips=5", NULL},
};
static const char *const scale_case[8] = {"isaac",  "resnet18", "--set", "chip.chips=64",
                                          "--replicate", "max", NULL};

typedef struct one_run {
    double wall, cpu, rss_mib, latency, period, inferences;
    int ok;
} one_run_t;

/* The number of a top-level JSON key (`  "key": value`), -1 if missing. */
static double json_number(FILE *f, const char *key)
{
    char line[512], pat[96];
    double v = -1;
    snprintf(pat, sizeof pat, " \"%s\": %%lf", key);
    rewind(f);
    while (fgets(line, sizeof line, f))
        if (sscanf(line, pat, &v) == 1)
            break;
    return v;
}

/* One run of exe on case c, its JSON written to `json` (the caller's file). */
static one_run_t run_case(const char *exe, const char *const *c, const char *json)
{
    one_run_t r = {0, 0, 0, -1, -1, -1, 0};
    const char *args[16] = {exe,     "run",   "--arch", c[0], "--model", c[1],
                            "--batch", "4", "--quiet", "--json", json};
    int n = 11;
    for (int k = 2; c[k]; k++)
        args[n++] = c[k];
    args[n] = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) { /* its progress and warnings would bury the figures */
        if (!freopen("/dev/null", "w", stderr))
            _exit(127);
        setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
        execv(exe, (char *const *)args);
        _exit(127);
    }
    int st = 0;
    struct rusage ru;
    wait4(pid, &st, 0, &ru);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r.wall = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    r.cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
            (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
    r.rss_mib = (double)ru.ru_maxrss / 1024.0;
    FILE *f = fopen(json, "r");
    if (f) {
        r.latency = json_number(f, "latency_s");
        r.period = json_number(f, "period_s");
        r.inferences = json_number(f, "inferences_simulated");
        fclose(f);
    }
    r.ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    return r;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* 1 when the two files hold the same bytes. */
static int same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int x = getc(fa), y = getc(fb);
        same = x == y;
        if (x == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

int main(int argc, char **argv)
{
    char exe[4096];
    /* build/bench/bench_run -> build/bin/imcsim */
    snprintf(exe, sizeof exe, "%s", argv[0]);
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(exe, sizeof exe, ".");
    strncat(exe, "/../bin/imcsim", sizeof exe - strlen(exe) - 1);
    const char *only = NULL, *base = NULL;
    int reps = 1, scale = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || v < 1 || v > 100) {
                fprintf(stderr, "bench run: error: --reps '%s' (expected 1 to 100)\n", argv[i]);
                return 2;
            }
            reps = (int)v;
        } else if (!strcmp(argv[i], "--scale")) {
            scale = 1;
        } else if (!strcmp(argv[i], "--vs") && i + 1 < argc) {
            base = argv[++i];
            if (access(base, X_OK)) {
                fprintf(stderr, "bench run: error: --vs '%s' is not an executable\n", base);
                return 2;
            }
        } else if (argv[i][0] != '-')
            only = argv[i];
        else {
            fprintf(stderr, "usage: scripts/bench run [MODEL] [--reps N] [--scale] [--vs IMCSIM]\n");
            return 2;
        }
    }
    int known = !only;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        known |= only && !strcmp(only, cases[i][1]);
    if (!known) {
        fprintf(stderr, "bench run: error: no case for model '%s' (expected mlp_l4, resnet18, "
                        "resnet50 or vgg16)\n", only);
        return 2;
    }
    if (scale && only) {
        fprintf(stderr, "bench run: error: --scale runs its own case (no MODEL)\n");
        return 2;
    }
    printf("%-6s %-9s %-20s %8s %10s %8s %11s %9s %12s %12s %13s\n", "arch", "model", "options",
           "wall_s", "wall_med_s", "cpu_s", "inferences", "cpu_s/inf", "peak_rss_MiB",
           "latency_s", "throughput/s");
    const size_t n_cases = scale ? 1 : sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n_cases; i++) {
        const char *const *c = scale ? scale_case : cases[i];
        if (only && strcmp(only, c[1]) != 0)
            continue;
        char opts[64] = "";
        for (int k = 2; c[k]; k++) {
            strncat(opts, c[k], sizeof opts - strlen(opts) - 1);
            strncat(opts, " ", sizeof opts - strlen(opts) - 1);
        }
        char json[] = "/tmp/imcsim-bench-XXXXXX", bjson[] = "/tmp/imcsim-bench-XXXXXX";
        int fd = mkstemp(json), bfd = mkstemp(bjson);
        if (fd < 0 || bfd < 0) {
            perror("bench run: mkstemp");
            return 1;
        }
        close(fd);
        close(bfd);
        double wall[100], ratio[100], cpu = 1e300, bcpu = 1e300, rss = 0, lat = -1, period = -1,
               inf = -1, binf = -1;
        int ok = 1, same = 1;
        for (int k = 0; k < reps && ok; k++) {
            one_run_t r = run_case(exe, c, json);
            ok = r.ok;
            if (base) {
                one_run_t b = run_case(base, c, bjson);
                ok &= b.ok;
                ratio[k] = r.cpu / b.cpu;
                bcpu = b.cpu < bcpu ? b.cpu : bcpu;
                binf = b.inferences;
                same &= same_file(json, bjson);
            }
            wall[k] = r.wall;
            cpu = r.cpu < cpu ? r.cpu : cpu;
            rss = r.rss_mib > rss ? r.rss_mib : rss;
            lat = r.latency;
            period = r.period;
            inf = r.inferences;
        }
        unlink(json);
        unlink(bjson);
        if (!ok) {
            printf("%-6s %-9s %-20s failed\n", c[0], c[1], opts);
            continue;
        }
        qsort(wall, (size_t)reps, sizeof wall[0], by_double);
        /* wall_s: the best run; wall_med_s: the median; cpu_s: the least CPU time;
         * throughput: simulated inferences per simulated second (1 / period_s) */
        printf("%-6s %-9s %-20s %8.2f %10.2f %8.2f %11.0f %9.3f %12.1f %12.6g %13.6g\n", c[0],
               c[1], opts, wall[0], wall[reps / 2], cpu, inf, inf > 0 ? cpu / inf : -1, rss, lat,
               period > 0 ? 1 / period : -1);
        if (base) {
            qsort(ratio, (size_t)reps, sizeof ratio[0], by_double);
            printf("  vs %s: cpu_s/inf %.3f; this/that CPU per pair: median %.3f (%.3f to %.3f, "
                   "%d pairs); outputs %s\n",
                   base, binf > 0 ? bcpu / binf : -1, ratio[reps / 2], ratio[0], ratio[reps - 1],
                   reps, same ? "the same bytes" : "DIFFER");
        }
        fflush(stdout);
    }
    return 0;
}
