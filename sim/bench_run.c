/* scripts/bench run: wall time and peak memory of whole-network runs
 * (issue 6's benchmark set), each `imcsim run` in its own process measured
 * with wait4(). Prints figures; asserts nothing. */
#define _DEFAULT_SOURCE /* wait4 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const cases[][6] = {
    {"puma", "mlp_l4", NULL},
    {"isaac", "resnet18", NULL},
    {"isaac", "resnet50", NULL},
    {"isaac", "vgg16", "--set", "chip.chips=5", NULL},
};

int main(int argc, char **argv)
{
    char exe[4096];
    /* build/bench/bench_run -> build/sim/imcsim */
    snprintf(exe, sizeof exe, "%s", argv[0]);
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(exe, sizeof exe, ".");
    strncat(exe, "/../sim/imcsim", sizeof exe - strlen(exe) - 1);
    printf("%-8s %-10s %-22s %10s %12s %14s\n", "arch", "model", "options", "wall_s", "peak_rss_MiB",
           "latency_s");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *const *c = cases[i];
        if (argc > 1 && strcmp(argv[1], c[1]) != 0)
            continue;
        char json[] = "/tmp/imcsim-bench-XXXXXX";
        int fd = mkstemp(json);
        if (fd < 0)
            return 1;
        close(fd);
        const char *args[16] = {exe, "run", "--arch", c[0], "--model", c[1], "--quiet", "--json", json};
        int n = 9;
        char opts[64] = "";
        for (int k = 2; c[k]; k++) {
            args[n++] = c[k];
            strncat(opts, c[k], sizeof opts - strlen(opts) - 1);
            strncat(opts, " ", sizeof opts - strlen(opts) - 1);
        }
        args[n] = NULL;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pid_t pid = fork();
        if (pid == 0) {
            setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
            execv(exe, (char *const *)args);
            _exit(127);
        }
        int st = 0;
        struct rusage ru;
        wait4(pid, &st, 0, &ru);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double wall = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        double lat = -1;
        FILE *f = fopen(json, "r");
        if (f) {
            char line[512];
            while (fgets(line, sizeof line, f))
                if (sscanf(line, " \"latency_s\": %lf", &lat) == 1)
                    break;
            fclose(f);
        }
        unlink(json);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            printf("%-8s %-10s %-22s failed (status %d)\n", c[0], c[1], opts, st);
            continue;
        }
        printf("%-8s %-10s %-22s %10.2f %12.1f %14.6g\n", c[0], c[1], opts, wall,
               (double)ru.ru_maxrss / 1024.0, lat);
        fflush(stdout);
    }
    return 0;
}
