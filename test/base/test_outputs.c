/* The ground floor's output helpers: atomic files, a checked stdout, CSV
 * quoting, SHA-256, exact integers in JSON, checked arithmetic, the name
 * map. */
#include <check.h>

#include "check_run.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checked.h"
#include "csv.h"
#include "json.h"
#include "outfile.h"
#include "sha256.h"
#include "strmap.h"

static char dir[] = "/tmp/imc-outputs.XXXXXX";

static void setup(void) { ck_assert_ptr_nonnull(mkdtemp(dir)); }

static void teardown(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

static const char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int entries(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* Until commit, the destination keeps its old content and the new one is
 * in a temporary file beside it; abort leaves only the old file. */
START_TEST(outfile_replaces_atomically)
{
    char path[256];
    snprintf(path, sizeof path, "%s/out.json", dir);
    FILE *f = fopen(path, "w");
    fputs("old\n", f);
    fclose(f);
    outfile_t o;
    ck_assert_int_eq(outfile_open(&o, path), 0);
    ck_assert_ptr_nonnull(o.tmp);
    fputs("new\n", o.f);
    fflush(o.f);
    ck_assert_str_eq(slurp(path), "old\n");
    ck_assert_str_eq(slurp(o.tmp), "new\n");
    ck_assert_int_eq(entries(), 2);
    ck_assert_int_eq(outfile_commit(&o), 0);
    ck_assert_str_eq(slurp(path), "new\n");
    ck_assert_int_eq(entries(), 1);

    ck_assert_int_eq(outfile_open(&o, path), 0);
    fputs("half", o.f);
    outfile_abort(&o);
    ck_assert_str_eq(slurp(path), "new\n");
    ck_assert_int_eq(entries(), 1);
}
END_TEST

/* A device is written in place (renaming over /dev/null would replace it);
 * a file in a missing directory is an error with errno. */
START_TEST(outfile_devices_and_errors)
{
    outfile_t o;
    ck_assert_int_eq(outfile_open(&o, "/dev/null"), 0);
    ck_assert_ptr_null(o.tmp);
    fputs("x", o.f);
    ck_assert_int_eq(outfile_commit(&o), 0);
    struct stat st;
    ck_assert_int_eq(stat("/dev/null", &st), 0);
    ck_assert(S_ISCHR(st.st_mode));

    ck_assert_int_eq(outfile_open(&o, "/dev/full"), 0);
    fputs("x", o.f);
    ck_assert_int_eq(outfile_commit(&o), -1);
    ck_assert_int_eq(errno, ENOSPC);

    char path[256];
    snprintf(path, sizeof path, "%s/no/such/dir.json", dir);
    ck_assert_int_eq(outfile_open(&o, path), -1);
    ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* stdout to /dev/full: the failure shows when stdout is closed. */
START_TEST(stdout_write_error_shows)
{
    pid_t p = fork();
    if (p == 0) {
        if (!freopen("/dev/full", "w", stdout))
            _exit(3);
        printf("hello\n");
        _exit(outfile_close_stdout() == ENOSPC ? 0 : 1);
    }
    int st;
    waitpid(p, &st, 0);
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

/* A write that fails mid-output (more than a buffer to /dev/full), then a
 * call that sets errno: the tracked stdout still names the first failure
 * (ENOSPC); untracked, the reason is unknown (-1). Exit codes: 0 as
 * expected, 1 wrong reason, 3 setup. */
static int full_stdout_reason(int tracked)
{
    int fd = open("/dev/full", O_WRONLY);
    if (fd < 0 || dup2(fd, 1) < 0 || (tracked && outfile_track_stdout()))
        return 3;
    close(fd);
    for (int i = 0; i < 4 * BUFSIZ / 8; i++)
        printf("0123456\n");
    if (!ferror(stdout))
        return 3;
    FILE *none = fopen("/no/such/file", "r"); /* errno = ENOENT */
    if (none)
        return 3;
    return outfile_close_stdout() == (tracked ? ENOSPC : -1) ? 0 : 1;
}

START_TEST(stdout_first_error_kept)
{
    for (int tracked = 0; tracked < 2; tracked++) {
        pid_t p = fork();
        if (p == 0)
            _exit(full_stdout_reason(tracked));
        int st;
        waitpid(p, &st, 0);
        ck_assert(WIFEXITED(st));
        ck_assert_msg(WEXITSTATUS(st) == 0, "tracked %d: status %d", tracked, WEXITSTATUS(st));
    }
}
END_TEST

START_TEST(csv_quotes_rfc4180)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *fields[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", "", " sp "};
    for (int i = 0; i < 7; i++) {
        if (i)
            fputc(',', f);
        csv_put(f, fields[i]);
    }
    fclose(f);
    ck_assert_str_eq(buf, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",, sp ");
    free(buf);
}
END_TEST

/* FIPS 180-4 examples (and what sha256sum prints for them). */
START_TEST(sha256_known_digests)
{
    char hex[65];
    sha256_t s;
    sha256_init(&s);
    sha256_hex(&s, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_init(&s);
    sha256_update(&s, "abc", 3);
    sha256_hex(&s, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_init(&s);
    for (const char *p = two; *p; p++) /* byte by byte: the buffering */
        sha256_update(&s, p, 1);
    sha256_hex(&s, hex);
    ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    sha256_init(&s);
    sha256_update(&s, a, 1000000);
    sha256_hex(&s, hex);
    ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
    char path[256];
    snprintf(path, sizeof path, "%s/abc", dir);
    FILE *f = fopen(path, "w");
    fputs("abc", f);
    fclose(f);
    uint64_t n = 0;
    ck_assert_int_eq(sha256_file(path, hex, &n), 0);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_uint_eq(n, 3);
}
END_TEST

static const char *num(double v)
{
    static char buf[64];
    json_format_double(buf, sizeof buf, v);
    return buf;
}

/* Integers print with every digit; fractions with 12 significant ones. */
START_TEST(json_integers_exact)
{
    ck_assert_str_eq(num(4503599627370496.0), "4503599627370496"); /* 2^52 */
    ck_assert_str_eq(num(9007199254740991.0), "9007199254740991"); /* 2^53 - 1 */
    ck_assert_str_eq(num(-123456789012345.0), "-123456789012345");
    ck_assert_str_eq(num(1e15), "1000000000000000");
    ck_assert_str_eq(num(9007199254740992.0), "9007199254740992"); /* 2^53 */
    ck_assert_str_eq(num(1152921504606846976.0), "1.152921504606847e+18"); /* 2^60 */
    ck_assert_double_eq(strtod(num(1152921504606846976.0), NULL), 1152921504606846976.0);
    ck_assert_str_eq(num(0.1), "0.1");
    ck_assert_str_eq(num(1.0 / 3), "0.333333333333");
    ck_assert_str_eq(num(-0.0), "0");
    ck_assert_str_eq(num(1e300 * 1e300), "null");
}
END_TEST

START_TEST(checked_arithmetic)
{
    int64_t r;
    ck_assert_int_eq(ck_mul_i64(INT64_C(1) << 31, INT64_C(1) << 31, &r), 0);
    ck_assert_int_eq(r, INT64_C(1) << 62);
    ck_assert_int_ne(ck_mul_i64(INT64_C(1) << 32, INT64_C(1) << 31, &r), 0);
    ck_assert_int_ne(ck_add_i64(INT64_MAX, 1, &r), 0);
    uint64_t u;
    ck_assert_int_ne(ck_add_u64(UINT64_MAX, 1, &u), 0);
    ck_assert_int_eq(ck_mul_u64(UINT64_C(1) << 32, UINT64_C(1) << 31, &u), 0);
    const int64_t f[] = {1 << 20, 1 << 20, 1 << 20};
    ck_assert_int_eq(ck_prod_i64(f, 3, &r), 0);
    ck_assert_int_eq(r, INT64_C(1) << 60);
    const int64_t g[] = {1 << 20, 1 << 20, 1 << 20, 1 << 3};
    ck_assert_int_ne(ck_prod_i64(g, 4, &r), 0);
}
END_TEST

START_TEST(strmap_finds_names)
{
    strmap_t m;
    ck_assert_int_eq(strmap_init(&m, 2), 0);
    static char names[5000][16];
    for (int i = 0; i < 5000; i++) { /* grows past its initial room */
        snprintf(names[i], sizeof names[i], "layer%d", i);
        ck_assert_int_eq(strmap_put(&m, names[i], i), -1);
    }
    ck_assert_int_eq(strmap_put(&m, "layer17", 99), 17); /* already there */
    for (int i = 0; i < 5000; i++)
        ck_assert_int_eq(strmap_get(&m, names[i]), i);
    ck_assert_int_eq(strmap_get(&m, "layer5000"), -1);
    ck_assert_int_eq(strmap_get(&m, ""), -1);
    strmap_free(&m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("outputs");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, outfile_replaces_atomically);
    tcase_add_test(tc, outfile_devices_and_errors);
    tcase_add_test(tc, stdout_write_error_shows);
    tcase_add_test(tc, stdout_first_error_kept);
    tcase_add_test(tc, csv_quotes_rfc4180);
    tcase_add_test(tc, sha256_known_digests);
    tcase_add_test(tc, json_integers_exact);
    tcase_add_test(tc, checked_arithmetic);
    tcase_add_test(tc, strmap_finds_names);
    suite_add_tcase(s, tc);
    return check_run(s);
}
