/* libFuzzer target: the architecture loader (YAML, 'base:' chains through
 * the embedded presets, the parameter table, the cross-parameter checks)
 * on arbitrary bytes. A failure must explain itself; an accepted
 * architecture must survive the static roll-up, and its dump (`imcsim arch
 * dump`) must load back to the same configuration and name. The input
 * reaches the loader through a memfd, as a file would. */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch_load.h"
#include "rollup.h"

/* Loads text as a file; 0 ok, -1 failed (a message in d), -2 no memfd. */
static int load(const void *text, size_t n, arch_t *a, imc_diag_t *d)
{
    int fd = memfd_create("arch.yaml", MFD_CLOEXEC);
    if (fd < 0)
        return -2;
    int rc = -2;
    if (write(fd, text, n) == (ssize_t)n) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        rc = arch_load(path, NULL, 0, a, d);
    }
    close(fd);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static arch_t a, b; /* large: not on the stack */
    imc_diag_t d;
    diag_init(&d);
    int rc = load(data, size, &a, &d);
    if (rc == -2)
        abort();
    if (rc) {
        if (!d.text || !strstr(d.text, "error: "))
            abort(); /* a failure always explains itself */
        diag_free(&d);
        return 0;
    }
    arch_rollup_t r;
    arch_rollup(&a, &r);
    char *dump = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&dump, &n);
    arch_dump_yaml(&a, f);
    fclose(f);
    diag_clear(&d);
    if (load(dump, n, &b, &d)) {
        fprintf(stderr, "the dump does not load back:\n%s\n--- dump:\n%s", d.text ? d.text : "",
                dump);
        abort();
    }
    if (b.hash != a.hash || strcmp(a.name, b.name)) {
        fprintf(stderr, "the dump loads back as another architecture ('%s' vs '%s')\n%s",
                a.name, b.name, dump);
        abort();
    }
    free(dump);
    diag_free(&d);
    return 0;
}
