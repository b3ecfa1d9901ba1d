/* Writing the effective configuration and the schema, both by walking the
 * parameter table, so they can never disagree with the parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_load.h"
#include "params.h"
#include "strutil.h"

static const char *enum_name(const char *key, int v)
{
    const char *n = v >= 0 ? arch_param_enum_name(arch_param_find(key), v) : NULL;
    return n ? n : "?";
}

const char *arch_device_name(arch_device_type_t t) { return enum_name("device.type", (int)t); }
const char *arch_adc_model_name(int m) { return enum_name("adc.model", m); }
const char *arch_topology_name(arch_topology_t t) { return enum_name("chip.noc.topology", (int)t); }
const char *arch_routing_name(arch_routing_t r) { return enum_name("chip.noc.routing", (int)r); }
const char *arch_signed_scheme_name(arch_signed_scheme_t s)
{
    return enum_name("crossbar.signed_scheme", (int)s);
}
const char *arch_buffer_type_name(arch_buffer_type_t b)
{
    return enum_name("tile.buffer.type", (int)b);
}

/* Number of leading key segments shared by a and b. */
static int common_segments(const char *a, const char *b)
{
    int n = 0;
    for (;;) {
        size_t la = strcspn(a, "."), lb = strcspn(b, ".");
        if (la != lb || strncmp(a, b, la) || !a[la] || !b[lb])
            return n;
        n++;
        a += la + 1;
        b += lb + 1;
    }
}

static void put_string(FILE *f, const char *s)
{
    /* Names are short; quote always so YAML never reinterprets them. */
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void put_num(FILE *f, double v)
{
    char buf[40];
    fputs(fmt_exact(buf, sizeof buf, v), f);
}

static void dump_extras(FILE *f, const arch_t *a, const arch_param_t *p, int indent)
{
    int n = *(const int *)((const char *)a + p->d.offset);
    const arch_extra_t *ex = (const arch_extra_t *)((const char *)a + p->offset2);
    if (!n) {
        fprintf(f, " []\n");
        return;
    }
    fputc('\n', f);
    for (int i = 0; i < n; i++) {
        fprintf(f, "%*s- {name: ", indent, "");
        put_string(f, ex[i].name);
        fprintf(f, ", count: %d, power_mw: ", ex[i].count);
        put_num(f, ex[i].cost.power_mw);
        fprintf(f, ", leakage_mw: ");
        put_num(f, ex[i].cost.leakage_mw);
        fprintf(f, ", area_mm2: ");
        put_num(f, ex[i].cost.area_mm2);
        fprintf(f, "}\n");
    }
}

void arch_dump_yaml(const arch_t *a, FILE *f)
{
    size_t np;
    const arch_param_t *t = arch_params(&np);
    fprintf(f, "# effective configuration of '%s'", a->name);
    if (a->base[0])
        fprintf(f, " (base: %s)", a->base);
    fprintf(f, "\n");
    const char *prev = "";
    for (size_t i = 0; i < np; i++) {
        const char *k = t[i].d.name;
        int common = common_segments(prev, k);
        /* Open the map levels this key does not share with the previous. */
        const char *s = k;
        int level = 0;
        for (;;) {
            size_t len = strcspn(s, ".");
            if (!s[len]) {
                fprintf(f, "%*s%s:", 2 * level, "", s);
                break;
            }
            if (level >= common)
                fprintf(f, "%*s%.*s:\n", 2 * level, "", (int)len, s);
            s += len + 1;
            level++;
        }
        if (t[i].d.type == DESC_LIST) {
            dump_extras(f, a, &t[i], 2 * level);
        } else if (t[i].d.type == DESC_STR) {
            fputc(' ', f);
            put_string(f, (const char *)a + t[i].d.offset);
            fputc('\n', f);
        } else {
            char buf[64];
            arch_param_get_text(a, &t[i], buf, sizeof buf);
            fprintf(f, " %s\n", buf);
        }
        prev = k;
    }
}

void arch_print_params(FILE *f, int markdown)
{
    size_t np;
    const arch_param_t *t = arch_params(&np);
    if (markdown) {
        fprintf(f, "| key | type and bounds | unit | default | description |\n");
        fprintf(f, "|---|---|---|---|---|\n");
    } else {
        fprintf(f, "%-40s %-34s %-8s %-8s %s\n", "KEY", "TYPE [BOUNDS]", "UNIT", "DEFAULT",
                "DESCRIPTION");
    }
    for (size_t i = 0; i < np; i++) {
        char ty[256];
        arch_param_describe_type(&t[i], ty, sizeof ty);
        const char *unit = *t[i].d.unit ? t[i].d.unit : "-";
        if (markdown)
            fprintf(f, "| `%s` | %s | %s | `%s` | %s |\n", t[i].d.name, ty, unit, t[i].def,
                    t[i].d.desc);
        else
            fprintf(f, "%-40s %-34s %-8s %-8s %s\n", t[i].d.name, ty, unit, t[i].def, t[i].d.desc);
    }
}
