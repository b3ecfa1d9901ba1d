/* libFuzzer target: the shared YAML tree loader (ytree), which the arch and
 * model loaders parse every file with. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ytree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ytree_t t;
    imc_diag_t d;
    diag_init(&d);
    if (ytree_load_string(&t, "fuzz.yaml", (const char *)data, size, &d) == 0) {
        ynode_t *root = ytree_root(&t);
        if (root && ynode_is_map(root))
            for (size_t i = 0; i < ynode_map_size(root); i++) {
                ynode_t *k = ynode_map_key(&t, root, i), *v = ynode_map_val(&t, root, i);
                int64_t x;
                if (k && v && ynode_is_scalar(v))
                    (void)yget_int64(&t, &d, v, ynode_scalar(k) ? ynode_scalar(k) : "?", &x);
            }
    } else if (!d.text || !strstr(d.text, "error: ")) {
        abort();
    }
    ytree_free(&t);
    diag_free(&d);
    return 0;
}
