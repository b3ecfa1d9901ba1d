#include "timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static const char *const op_names[] = {"READ", "WRITE", "MVM", "ACCUM", "ACT", "POOL", "ADD"};

struct timeline {
    FILE *f;
    double us_per_cycle;
    uint64_t events, dropped;
    unsigned char *named; /* tracks that got a name: bit per (tile, ce+1) */
    size_t named_bytes;
};

timeline_t *timeline_open(const char *path, double clock_ghz)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
    if (!f)
        return NULL;
    timeline_t *t = calloc(1, sizeof *t);
    if (!t) {
        fclose(f);
        return NULL;
    }
    t->f = f;
    t->us_per_cycle = clock_ghz > 0 ? 1e-3 / clock_ghz : 0;
    fputs("{\"displayTimeUnit\": \"ns\", \"traceEvents\": [\n", f);
    return t;
}

static int emit_begin(timeline_t *t)
{
    if (t->events >= TIMELINE_MAX_EVENTS) {
        t->dropped++;
        return 0;
    }
    if (t->events++)
        fputs(",\n", t->f);
    return 1;
}

static void name_track(timeline_t *t, int chip, int tile, int ce)
{
    size_t bit = (size_t)tile * 257 + (size_t)(ce + 1);
    if (bit / 8 >= t->named_bytes) {
        size_t nb = (bit / 8 + 1) * 2;
        unsigned char *p = realloc(t->named, nb);
        if (!p)
            return;
        for (size_t i = t->named_bytes; i < nb; i++)
            p[i] = 0;
        t->named = p;
        t->named_bytes = nb;
    }
    if (t->named[bit / 8] & (1u << (bit % 8)))
        return;
    t->named[bit / 8] |= (unsigned char)(1u << (bit % 8));
    if (!emit_begin(t))
        return;
    char name[64];
    if (ce < 0)
        snprintf(name, sizeof name, "tile %d", tile);
    else
        snprintf(name, sizeof name, "tile %d ce %d", tile, ce);
    fprintf(t->f, "{\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": %d, \"tid\": %d, \"args\": {\"name\": ",
            chip, tile * 1000 + ce + 1);
    json_put_string(t->f, name);
    fputs("}}", t->f);
}

void timeline_op(timeline_t *t, int chip, int tile, int ce, const char *layer, int kind,
                 int inference, uint64_t start, uint64_t end)
{
    if (!t)
        return;
    name_track(t, chip, tile, ce);
    if (!emit_begin(t))
        return;
    char ts[32], dur[32];
    json_format_double(ts, sizeof ts, (double)start * t->us_per_cycle);
    json_format_double(dur, sizeof dur, (double)(end - start) * t->us_per_cycle);
    fprintf(t->f, "{\"ph\": \"X\", \"pid\": %d, \"tid\": %d, \"ts\": %s, \"dur\": %s, \"name\": \"%s\", \"cat\": ",
            chip, tile * 1000 + ce + 1, ts, dur,
            kind >= 0 && kind < (int)(sizeof op_names / sizeof *op_names) ? op_names[kind] : "op");
    json_put_string(t->f, layer);
    fprintf(t->f, ", \"args\": {\"inference\": %d}}", inference);
}

void timeline_counter(timeline_t *t, int chip, const char *name, uint64_t cycle, double value)
{
    if (!t || !emit_begin(t))
        return;
    char ts[32], v[32];
    json_format_double(ts, sizeof ts, (double)cycle * t->us_per_cycle);
    json_format_double(v, sizeof v, value);
    fprintf(t->f, "{\"ph\": \"C\", \"pid\": %d, \"ts\": %s, \"name\": ", chip, ts);
    json_put_string(t->f, name);
    fprintf(t->f, ", \"args\": {\"value\": %s}}", v);
}

int timeline_close(timeline_t *t)
{
    if (!t)
        return 0;
    fprintf(t->f, "\n], \"otherData\": {\"events_dropped\": \"%llu\"}}\n", (unsigned long long)t->dropped);
    int rc = ferror(t->f) ? -1 : 0;
    if (t->f == stdout ? fflush(t->f) : fclose(t->f))
        rc = -1;
    free(t->named);
    free(t);
    return rc;
}
