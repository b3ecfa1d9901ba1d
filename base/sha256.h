/* SHA-256 (FIPS 180-4), for the checksums of a run's manifest: the same
 * digest `sha256sum` prints, so a reader needs no imcsim to check a file. */
#ifndef IMC_SHA256_H
#define IMC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sha256 {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char buf[64];
    size_t used;
} sha256_t;

void sha256_init(sha256_t *s);
void sha256_update(sha256_t *s, const void *data, size_t n);
/* The digest as 64 lowercase hex digits and a NUL. */
void sha256_hex(sha256_t *s, char hex[65]);

/* Digest and size of a whole file: 0, or -1 with errno. */
int sha256_file(const char *path, char hex[65], uint64_t *bytes);

#ifdef __cplusplus
}
#endif
#endif
