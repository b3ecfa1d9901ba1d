/* Cross-parameter consistency, ADC cost resolution and derived values. Each
 * problem is reported at the position of the most recently assigned of the
 * parameters involved: the line (or --set) the user just changed. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adc_model.h"
#include "device_model.h"
#include "arch_internal.h"
#include "arch_load.h"

static const arch_loc_t *blame(arch_ctx_t *c, const char *const *keys)
{
    const arch_loc_t *best = NULL;
    for (int i = 0; keys[i]; i++) {
        const arch_param_t *p = arch_param_find(keys[i]);
        if (!p)
            abort(); /* a typo in a check below */
        const arch_loc_t *l = &c->loc[arch_param_index(p)];
        if (l->file && (!best || l->seq > best->seq))
            best = l;
    }
    return best;
}

static void report(arch_ctx_t *c, int warn, const char *const *keys, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(arch_ctx_t *c, int warn, const char *const *keys, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const arch_loc_t *l = blame(c, keys);
    const char *file = l ? l->file : c->a->source;
    int line = l ? l->line : 0, col = l ? l->col : 0;
    if (warn)
        diag_warning(c->d, file, line, col, "%s", msg);
    else
        diag_error(c->d, file, line, col, "%s", msg);
}

#define KEYS(...) ((const char *const[]){__VA_ARGS__, NULL})

static int ceil_log2_u64(uint64_t v)
{
    int b = 0;
    while (b < 64 && ((uint64_t)1 << b) < v)
        b++;
    return b;
}

int arch_offchip_used(const arch_t *a)
{
    /* chips talk to each other over the links, and the network's input and
       output cross them unless they are preloaded (chip.offchip.host_io) */
    return a->chip.chips > 1 || a->chip.offchip.host_io == HOST_IO_LINKS;
}

/* The largest column sum of one read: every row at the top DAC level over
 * cells at the top level, or with ISAAC's flipping at most half of them --
 * but never less than the unit column's (cells of 1 on every row), which the
 * same ADC converts. */
static uint64_t max_column_sum(const arch_t *a, int flip)
{
    uint64_t dmax = ((uint64_t)1 << a->dac.bits) - 1, rows = (uint64_t)a->crossbar.rows;
    uint64_t cells = (((uint64_t)1 << a->device.bits_per_cell) - 1) * rows;
    uint64_t data = dmax * (flip ? cells / 2 : cells);
    uint64_t unit = a->crossbar.unit_cols > 0 ? dmax * rows : 0;
    return data > unit ? data : unit;
}

int arch_input_cycles(const arch_t *a, int act_bits)
{
    const int ipc = a->precision.input_bits_per_cycle > 0 ? a->precision.input_bits_per_cycle : 1;
    const int sign = a->precision.signed_inputs ? 1 : 0;
    return (act_bits - sign + ipc - 1) / ipc + sign;
}

int arch_lossless_bits(const arch_t *a)
{
    /* a b-bit ADC holds 0 .. 2^b - 1 */
    return ceil_log2_u64(max_column_sum(a, a->crossbar.column_flip) + 1);
}

/* Whether a device.* value was given after the device type was chosen: in
 * the same file as device.type (or any --set when the type came from one),
 * or later in the chain. Otherwise the type's value replaces it, so a file
 * that switches 'base: isaac' to another device gets that device's values. */
static int given_for_type(const arch_loc_t *v, const arch_loc_t *type)
{
    if (!v->file)
        return 0;
    if (!type->file || v->seq > type->seq || v->file == type->file)
        return 1;
    return !strncmp(v->file, "--set ", 6) && !strncmp(type->file, "--set ", 6);
}

/* Fill every device.* value the configuration does not give from the device
 * type's parameter set; such values are blamed on the device.type line. */
static void device_resolve(arch_ctx_t *c)
{
    arch_t *a = c->a;
    const device_model_t *dm = device_model_get(a->device.type);
    const arch_loc_t *tl = &c->loc[arch_param_index(arch_param_find("device.type"))];
    int n;
    const device_field_t *f = device_fields(&n);
    for (int i = 0; i < n; i++) {
        const arch_param_t *p = arch_param_find(f[i].key);
        if (!p)
            abort(); /* a typo in device_model.c */
        arch_loc_t *l = &c->loc[arch_param_index(p)];
        if (given_for_type(l, tl))
            continue;
        const char *src = (const char *)&dm->v + f[i].offset;
        if (f[i].is_int)
            *(int *)((char *)a + p->d.offset) = *(const int *)src;
        else
            *(double *)((char *)a + p->d.offset) = *(const double *)src;
        *l = *tl;
    }
}

/* ---- Settings that cannot matter in this configuration ----
 * One row per rule: the setting, when it is moot, and why. A rule fires only
 * for a value the user gave (file or --set; a preset counts) that differs
 * from the default, and warns at its position. */
typedef struct moot_rule {
    const char *key;
    const char *cause;  /* the setting that makes it moot: blamed if more recent */
    int (*moot)(const arch_t *a, const char *key);
    /* The warning's tail after "KEY = VALUE changes nothing: ". */
    void (*why)(const arch_t *a, const char *key, char *buf, size_t n);
} moot_rule_t;

static int adc_ignores(const arch_t *a, const char *key) { return !adc_model_reads(a->adc.model, key); }

static void adc_ignores_why(const arch_t *a, const char *key, char *buf, size_t n)
{
    size_t used = (size_t)snprintf(buf, n, "adc.model = %s does not read it (expected a model "
                                   "that does:", arch_adc_model_name(a->adc.model));
    for (int m = 0; adc_model_get(m) && used < n; m++)
        if (adc_model_reads(m, key))
            used += (size_t)snprintf(buf + used, n - used, " %s", adc_model_name(m));
    if (used < n)
        snprintf(buf + used, n - used, ")");
}

/* mesh and cmesh are one network; the concentration alone says how many
 * tiles share a router. The label contradicting it changes nothing. */
static int topology_label_moot(const arch_t *a, const char *key)
{
    (void)key;
    const arch_noc_t *n = &a->chip.noc;
    return (n->topology == TOPO_MESH && n->concentration > 1) ||
           (n->topology == TOPO_CMESH && n->concentration == 1);
}

static void topology_label_why(const arch_t *a, const char *key, char *buf, size_t n)
{
    (void)key;
    snprintf(buf, n, "mesh and cmesh are the same network, whose tiles per router "
             "chip.noc.concentration = %d sets (expected chip.noc.topology = %s, or another "
             "chip.noc.concentration)", a->chip.noc.concentration,
             a->chip.noc.concentration > 1 ? "cmesh" : "mesh");
}

static const moot_rule_t moot_rules[] = {
    {"adc.walden_fom_fj", "adc.model", adc_ignores, adc_ignores_why},
    {"adc.enob", "adc.model", adc_ignores, adc_ignores_why},
    {"chip.noc.topology", "chip.noc.concentration", topology_label_moot, topology_label_why},
};

/* The parameter holds a value other than its default. */
static int not_default(const arch_t *a, const arch_param_t *p)
{
    char v[256];
    arch_param_get_text(a, p, v, sizeof v);
    if (p->d.type == DESC_INT || p->d.type == DESC_F64)
        return desc_num(a, &p->d) != strtod(p->def, NULL);
    return strcmp(v, p->def) != 0;
}

static void warn_moot(arch_ctx_t *c)
{
    for (size_t i = 0; i < sizeof moot_rules / sizeof moot_rules[0]; i++) {
        const moot_rule_t *r = &moot_rules[i];
        const arch_param_t *p = arch_param_find(r->key);
        if (!p)
            abort(); /* a typo in the table (tested) */
        if (!c->loc[arch_param_index(p)].file || !not_default(c->a, p) ||
            !r->moot(c->a, r->key))
            continue;
        char v[256], why[512];
        arch_param_get_text(c->a, p, v, sizeof v);
        r->why(c->a, r->key, why, sizeof why);
        report(c, 1, KEYS(r->key, r->cause), "%s = %s changes nothing: %s", r->key, v, why);
    }
}

int arch_check(arch_ctx_t *c)
{
    arch_t *a = c->a;
    int e0 = c->d->errors;
    const arch_precision_t *pr = &a->precision;

    device_resolve(c);
    const device_model_t *dm = device_model_get(a->device.type);
    if (a->device.bits_per_cell > dm->max_bits_per_cell)
        report(c, 1, KEYS("device.bits_per_cell", "device.type"),
               "device.bits_per_cell = %d exceeds the %d bit%s a %s cell holds reliably "
               "(expected at most %d for device.type = %s)", a->device.bits_per_cell,
               dm->max_bits_per_cell, dm->max_bits_per_cell == 1 ? "" : "s", dm->name,
               dm->max_bits_per_cell, dm->name);
    if (a->device.stuck_on_rate + a->device.stuck_off_rate > 1)
        report(c, 0, KEYS("device.stuck_on_rate", "device.stuck_off_rate"),
               "device.stuck_on_rate + device.stuck_off_rate = %g + %g exceeds 1 (expected "
               "fractions of the cells that sum to at most 1)",
               a->device.stuck_on_rate, a->device.stuck_off_rate);

    if (pr->weight_bits % a->device.bits_per_cell)
        report(c, 0, KEYS("precision.weight_bits", "device.bits_per_cell"),
               "precision.weight_bits = %d is not a multiple of device.bits_per_cell = %d "
               "(expected whole cells per weight slice)",
               pr->weight_bits, a->device.bits_per_cell);
    if (a->dac.bits != pr->input_bits_per_cycle)
        report(c, 0, KEYS("dac.bits", "precision.input_bits_per_cycle"),
               "dac.bits = %d differs from precision.input_bits_per_cycle = %d (expected "
               "equal: the DAC applies the input bits of one cycle)",
               a->dac.bits, pr->input_bits_per_cycle);
    if (pr->act_bits % pr->input_bits_per_cycle)
        report(c, 0, KEYS("precision.act_bits", "precision.input_bits_per_cycle"),
               "precision.act_bits = %d is not a multiple of precision.input_bits_per_cycle "
               "= %d (expected whole input slices)",
               pr->act_bits, pr->input_bits_per_cycle);

    int64_t routers = (int64_t)a->chip.grid_x * a->chip.grid_y;
    int64_t cap = routers * a->chip.noc.concentration;
    if (cap < a->chip.tiles || cap - a->chip.tiles >= a->chip.noc.concentration)
        report(c, 0, KEYS("chip.tiles", "chip.grid_x", "chip.grid_y", "chip.noc.concentration"),
               "chip.tiles = %d does not match the router grid (expected chip.grid_x * "
               "chip.grid_y * chip.noc.concentration = %d*%d*%d = %lld, or fewer by less "
               "than one router's concentration)",
               a->chip.tiles, a->chip.grid_x, a->chip.grid_y, a->chip.noc.concentration,
               (long long)cap);

    const arch_noc_t *nc = &a->chip.noc;
    if (nc->sw_alloc_delay + nc->st_delay + nc->link_latency < 1)
        report(c, 0, KEYS("chip.noc.sw_alloc_delay", "chip.noc.st_delay", "chip.noc.link_latency"),
               "chip.noc.sw_alloc_delay + st_delay + link_latency = 0 (expected at least 1 "
               "cycle: a flit cannot reach the next router in the cycle it is granted)");

    const int gw = arch_gateways(a);
    if (routers > 0 && gw > arch_edge_routers(a))
        report(c, 0, KEYS("chip.offchip.gateways", "chip.grid_x", "chip.grid_y"),
               "chip.offchip.gateways = %d, but the %dx%d router grid has %d routers on its "
               "edge (expected at most one gateway per edge router)",
               gw, a->chip.grid_x, a->chip.grid_y, arch_edge_routers(a));
    else if (a->chip.offchip.gateway_port == GATEWAY_PORT_SHARED && gw > a->chip.tiles)
        report(c, 0, KEYS("chip.offchip.gateways", "chip.tiles"),
               "chip.offchip.gateways = %d exceeds chip.tiles = %d (expected at most one "
               "gateway per tile's endpoint)", gw, a->chip.tiles);
    /* the NoC's local ports per router: the tiles' and the gateway's own */
    if (a->chip.offchip.gateway_port == GATEWAY_PORT_OWN && a->chip.noc.concentration >= 16)
        report(c, 0, KEYS("chip.offchip.gateway_port", "chip.noc.concentration"),
               "chip.offchip.gateway_port = own needs a local port beyond chip.noc.concentration "
               "= %d, and a router has at most 16 (expected a concentration of at most 15)",
               a->chip.noc.concentration);
    if (a->chip.offchip.links > 0 && a->chip.offchip.links % gw)
        report(c, 0, KEYS("chip.offchip.gateways", "chip.offchip.links"),
               "chip.offchip.links = %d cannot be split evenly over chip.offchip.gateways = %d "
               "(expected a divisor of the links)", a->chip.offchip.links, gw);

    if (a->chip.placement == PLACEMENT_SEARCH && a->chip.noc.routing == ROUTE_ODD_EVEN)
        report(c, 0, KEYS("chip.placement", "chip.noc.routing"),
               "chip.placement = search with chip.noc.routing = odd_even (expected routing xy, "
               "yx or west_first: the search compares the link loads of fixed routes, and "
               "odd_even's adaptive routes have none)");
    if (a->chip.noc.multicast && a->chip.noc.routing == ROUTE_ODD_EVEN)
        report(c, 0, KEYS("chip.noc.multicast", "chip.noc.routing"),
               "chip.noc.multicast = true with chip.noc.routing = odd_even (expected routing "
               "xy, yx or west_first: multicast trees follow dimension order, which odd_even "
               "forbids at even columns)");

    int cols = a->crossbar.cols, cpa = a->adc.cols_per_adc;
    if (cols % cpa && cpa % cols)
        report(c, 0, KEYS("adc.cols_per_adc", "crossbar.cols"),
               "adc.cols_per_adc = %d does not divide crossbar.cols = %d (expected a divisor "
               "of the columns, or a multiple of them for an ADC shared by crossbars)",
               cpa, cols);
    else if ((int64_t)a->ce.adcs * cpa != (int64_t)a->ce.crossbars * cols)
        report(c, 0, KEYS("ce.adcs", "adc.cols_per_adc", "ce.crossbars", "crossbar.cols"),
               "ce.adcs * adc.cols_per_adc = %d*%d = %lld columns, but the CE has ce.crossbars "
               "* crossbar.cols = %d*%d = %lld (expected every column digitised by exactly "
               "one ADC)",
               a->ce.adcs, cpa, (long long)a->ce.adcs * cpa, a->ce.crossbars, cols,
               (long long)a->ce.crossbars * cols);

    /* every tile function runs on a unit that exists: a missing unit is an
     * error, never a silent stand-in */
    static const char *const func_key[] = {"tile.accum_unit", "tile.act_unit",
                                           "tile.pool_unit", "tile.add_unit"};
    static const char *const unit_key[UNIT_KIND_COUNT_] = {
        "tile.sa.count", "tile.activation.count", "tile.pool.count", "ce.vfu.count"};
    static const char *const unit_name[UNIT_KIND_COUNT_] = {"sa", "activation", "pool", "vfu"};
    const arch_unit_kind_t on[] = {a->tile.accum_unit, a->tile.act_unit, a->tile.pool_unit,
                                   a->tile.add_unit};
    for (int f = 0; f < 4; f++)
        if (arch_unit_of(a, on[f])->count <= 0)
            report(c, 0, KEYS(func_key[f], unit_key[on[f]]),
                   "%s = %s but %s = %d (expected a positive count, or %s on a unit the "
                   "architecture has)", func_key[f], unit_name[on[f]], unit_key[on[f]],
                   arch_unit_of(a, on[f])->count, func_key[f]);
    if (a->ce.crossbars % a->ce.mvmu_crossbars)
        report(c, 0, KEYS("ce.mvmu_crossbars", "ce.crossbars"),
               "ce.mvmu_crossbars = %d does not divide ce.crossbars = %d (expected whole "
               "MVMUs in a CE)", a->ce.mvmu_crossbars, a->ce.crossbars);
    if (a->crossbar.signed_scheme == SIGNED_OFFSET && a->crossbar.unit_cols < 1)
        report(c, 0, KEYS("crossbar.signed_scheme", "crossbar.unit_cols"),
               "crossbar.signed_scheme = offset needs crossbar.unit_cols >= 1 (expected a "
               "unit column to remove the weight bias)");
    if (a->dac.per_crossbar > a->crossbar.rows)
        report(c, 0, KEYS("dac.per_crossbar", "crossbar.rows"),
               "dac.per_crossbar = %d exceeds crossbar.rows = %d (expected at most one DAC "
               "per row)", a->dac.per_crossbar, a->crossbar.rows);

    /* Off-chip links carry what crosses chips and, unless it is preloaded,
       the network's input and output: a link the run uses must exist and
       move data (links = 0 ran as if it were 1; a bandwidth of 0 never
       finished). */
    if (arch_offchip_used(a)) {
        char why[96];
        if (a->chip.chips > 1)
            snprintf(why, sizeof why, "the %d chips of the system exchange data over",
                     a->chip.chips);
        else
            snprintf(why, sizeof why, "the network's input and output cross");
        const char *cause = a->chip.chips > 1 ? "chip.chips" : "chip.offchip.host_io";
        const char *instead = a->chip.chips > 1 ? "chip.chips = 1"
                                                : "chip.offchip.host_io = preloaded";
        if (a->chip.offchip.links < 1)
            report(c, 0, KEYS("chip.offchip.links", cause),
                   "chip.offchip.links = 0, but %s them (expected at least one link, or %s)",
                   why, instead);
        if (!(a->chip.offchip.bandwidth_gbps > 0))
            report(c, 0, KEYS("chip.offchip.bandwidth_gbps", cause),
                   "chip.offchip.bandwidth_gbps = 0, but %s the off-chip links (expected a "
                   "bandwidth > 0, or %s)", why, instead);
    }

    int slices = pr->weight_bits / a->device.bits_per_cell;
    if (a->crossbar.signed_scheme == SIGNED_DIFFERENTIAL)
        slices *= 2;
    if (slices > 0 && cols / slices < 1)
        report(c, 0, KEYS("crossbar.cols", "precision.weight_bits", "device.bits_per_cell"),
               "crossbar.cols = %d cannot hold one weight of %d cell slices (expected at "
               "least %d columns)", cols, slices, slices);
    if (c->d->errors != e0)
        return -1;

    /* ADC cost from the selected model. */
    adc_model_in_t in = {
        .bits = a->adc.bits, .sample_rate_gsps = a->adc.sample_rate_gsps,
        .vdd_v = a->tech.vdd_v, .rows = a->crossbar.rows,
        .walden_fom_fj = a->adc.walden_fom_fj, .enob = a->adc.enob};
    adc_model_out_t mo;
    char why[256] = "";
    if (adc_model_eval(a->adc.model, &in, &mo, why, sizeof why)) {
        report(c, 0, KEYS("adc.model", "adc.bits", "adc.walden_fom_fj"),
               "adc.model = %s cannot cost this ADC: %s", arch_adc_model_name(a->adc.model),
               why);
        return -1;
    }
    warn_moot(c);
    a->adc.energy_pj = mo.energy_pj;
    a->adc.latency_ns = mo.latency_ns;
    a->adc.cost.power_mw = mo.power_mw;
    a->adc.cost.area_mm2 = mo.area_mm2;

    /* Derived values. */
    arch_derived_t *dv = &a->derived;
    dv->slices_per_weight = slices;
    dv->weights_per_crossbar_row = cols / slices;
    /* The input slices a CE applies (components/ce.c ce_input_slices(), tested
     * equal): signed inputs give the sign bit a slice of its own. */
    dv->input_cycles = arch_input_cycles(a, pr->act_bits);
    dv->lossless_adc_bits = arch_lossless_bits(a);
    dv->routers = (int)routers;
    dv->crossbars_per_chip = (int64_t)a->chip.tiles * a->tile.ces * a->ce.crossbars;
    /* One input slice: the analog read, or the ADC working through its
     * columns, whichever is slower (ISAAC: 128 x 0.78 ns = 100 ns read). */
    dv->adc_busy_ns = cpa * a->adc.latency_ns;
    dv->slice_ns = fmax(a->crossbar.read_latency_ns, dv->adc_busy_ns);
    dv->mvm_latency_ns = (dv->input_cycles + a->crossbar.extra_read_cycles) * dv->slice_ns;
    dv->adc_conversions_per_mvm = (double)dv->input_cycles * (cols + a->crossbar.unit_cols);

    uint64_t top = max_column_sum(a, a->crossbar.column_flip);
    if (a->adc.lsb == 0) { /* full range: the smallest power-of-two step that spans it */
        a->adc.lsb = 1;
        while ((((uint64_t)1 << a->adc.bits) - 1) * (uint64_t)a->adc.lsb < top)
            a->adc.lsb *= 2;
    }
    if (a->adc.lsb > 1 && a->adc.bits < dv->lossless_adc_bits) {
        report(c, 1, KEYS("adc.bits", "adc.lsb"),
               "adc.bits = %d with adc.lsb = %d: column sums are rounded to multiples of %d "
               "(lossless needs %d bits with adc.lsb = 1)", a->adc.bits, a->adc.lsb,
               a->adc.lsb, dv->lossless_adc_bits);
    } else if (a->adc.lsb > 1) {
        report(c, 1, KEYS("adc.lsb"),
               "adc.lsb = %d: column sums are rounded to multiples of %d (expected 1 for a "
               "lossless %d-bit ADC)", a->adc.lsb, a->adc.lsb, a->adc.bits);
    } else if (a->adc.bits < dv->lossless_adc_bits) {
        unsigned long long mx = (unsigned long long)top;
        if (a->crossbar.column_flip)
            report(c, 1, KEYS("adc.bits"),
                   "adc.bits = %d is below the lossless resolution of %d bits (largest "
                   "column sum with column_flip max((2^%d-1)*floor((2^%d-1)*%d/2), unit "
                   "column) = %llu, ceil(log2(%llu+1)) = %d): large column sums are clipped",
                   a->adc.bits, dv->lossless_adc_bits, a->dac.bits, a->device.bits_per_cell,
                   a->crossbar.rows, mx, mx, dv->lossless_adc_bits);
        else
            report(c, 1, KEYS("adc.bits"),
                   "adc.bits = %d is below the lossless resolution of %d bits (largest "
                   "column sum (2^%d-1)*(2^%d-1)*%d = %llu, ceil(log2(%llu+1)) = %d): large "
                   "column sums are clipped",
                   a->adc.bits, dv->lossless_adc_bits, a->dac.bits, a->device.bits_per_cell,
                   a->crossbar.rows, mx, mx, dv->lossless_adc_bits);
    }
    return 0;
}

uint64_t arch_config_hash(const arch_t *a)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return 0;
    arch_dump_yaml(a, f);
    fclose(f);
    /* The hardware, not its label: skip the comment and the name lines. */
    uint64_t h = 1469598103934665603ull;
    int skip = 0, at_line_start = 1;
    for (size_t i = 0; i < len; i++) {
        if (at_line_start)
            skip = buf[i] == '#' || !strncmp(buf + i, "name:", 5);
        at_line_start = buf[i] == '\n';
        if (skip)
            continue;
        h ^= (unsigned char)buf[i];
        h *= 1099511628211ull;
    }
    free(buf);
    return h;
}
