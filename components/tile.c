#include "tile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const tile_op_names[TILE_OP_KINDS_] = {"read", "write", "mvm", "accum",
                                                   "act", "pool", "add"};

#define S tile_stats_t
const desc_t tile_stat_desc[] = {
    {"ops_read", "1", "buffer reads", offsetof(S, ops[TILE_OP_READ]), DESC_U64},
    {"ops_write", "1", "buffer writes", offsetof(S, ops[TILE_OP_WRITE]), DESC_U64},
    {"ops_mvm", "1", "MVM ops", offsetof(S, ops[TILE_OP_MVM]), DESC_U64},
    {"ops_accum", "1", "partial-sum accumulations", offsetof(S, ops[TILE_OP_ACCUM]), DESC_U64},
    {"ops_act", "1", "activation passes", offsetof(S, ops[TILE_OP_ACT]), DESC_U64},
    {"ops_pool", "1", "pooling passes", offsetof(S, ops[TILE_OP_POOL]), DESC_U64},
    {"ops_add", "1", "residual adds", offsetof(S, ops[TILE_OP_ADD]), DESC_U64},
    STAT_U(S, bytes_read, "B", "bytes read from the buffer"),
    STAT_U(S, bytes_written, "B", "bytes written to the buffer"),
    STAT_U(S, stall_cycles, "cycles", "waiting for a resource (grant - arrival), summed"),
    STAT_U(S, bus_busy_cycles, "cycles", "buffer bus busy"),
    STAT_U(S, bank_busy_cycles, "cycles", "buffer banks busy, summed over banks"),
    STAT_U(S, act_busy_cycles, "cycles", "activation units busy"),
    STAT_U(S, pool_busy_cycles, "cycles", "pooling units busy"),
    STAT_U(S, sa_busy_cycles, "cycles", "tile S+A units busy"),
    STAT_U(S, vfu_busy_cycles, "cycles", "CE vector units busy, summed over CEs"),
    STAT_U(S, last_end, "cycles", "completion cycle of the latest op"),
    STAT_F(S, buffer_energy_pj, "pJ", "buffer access energy: power x access time"),
    STAT_F(S, bus_energy_pj, "pJ", "buffer bus energy: power x transfer time"),
    STAT_F(S, act_energy_pj, "pJ", "activation energy"),
    STAT_F(S, pool_energy_pj, "pJ", "pooling energy"),
    STAT_F(S, sa_energy_pj, "pJ", "tile S+A energy"),
    STAT_F(S, vfu_energy_pj, "pJ", "CE vector unit energy"),
    STAT_F(S, outreg_energy_pj, "pJ", "output register energy (writes)"),
    STAT_F(S, buffer_leakage_pj, "pJ", "buffer leakage x simulated time"),
    STAT_F(S, bus_leakage_pj, "pJ", "bus leakage x simulated time"),
    STAT_F(S, outreg_leakage_pj, "pJ", "output register leakage x simulated time"),
    STAT_F(S, act_leakage_pj, "pJ", "activation units leakage x simulated time"),
    STAT_F(S, pool_leakage_pj, "pJ", "pooling units leakage x simulated time"),
    STAT_F(S, sa_leakage_pj, "pJ", "tile S+A leakage x simulated time"),
    STAT_F(S, vfu_leakage_pj, "pJ", "CE vector units leakage x simulated time"),
    STAT_F(S, extra_energy_pj, "pJ", "tile extras (always on): (power + leakage) x simulated time"),
};
#undef S
const int tile_stat_count = sizeof tile_stat_desc / sizeof tile_stat_desc[0];

static int default_mvm(void *ctx, tile_t *t, const tile_op_t *op, uint64_t start,
                       tile_result_t *res)
{
    (void)ctx;
    return tile_exec_mvm(t, op, start, res);
}

int tile_init(tile_t *t, const arch_t *a)
{
    memset(t, 0, sizeof *t);
    t->a = a;
    t->n_ces = a->tile.ces > 0 ? a->tile.ces : 1;
    t->ces = calloc((size_t)t->n_ces, sizeof *t->ces);
    t->n_banks = a->tile.buffer.banks > 0 ? a->tile.buffer.banks : 1;
    t->bank_free = calloc((size_t)t->n_banks, sizeof *t->bank_free);
    t->vfu_free = calloc((size_t)t->n_ces, sizeof *t->vfu_free);
    if (!t->ces || !t->bank_free || !t->vfu_free)
        return -1;
    for (int i = 0; i < t->n_ces; i++)
        if (ce_init(&t->ces[i], a))
            return -1;
    t->bank_bytes = (uint64_t)(a->tile.buffer.size_kb > 0 ? a->tile.buffer.size_kb : 1) * 1024 /
                    (uint64_t)t->n_banks;
    if (!t->bank_bytes)
        t->bank_bytes = 1;
    t->mvm_fn = default_mvm;
    return 0;
}

void tile_free(tile_t *t)
{
    for (int i = 0; t->ces && i < t->n_ces; i++)
        ce_free(&t->ces[i]);
    free(t->ces);
    free(t->bank_free);
    free(t->vfu_free);
    free(t->q);
    memset(t, 0, sizeof *t);
}

void tile_set_stage_ns(tile_t *t, double ns)
{
    t->stage_cycles = comp_ns_to_cycles(t->a, ns);
    for (int i = 0; i < t->n_ces; i++) {
        t->ces[i].stage_cycles = t->stage_cycles;
        t->ces[i].memo_ok = 0;
    }
}

static uint64_t stage_up(const tile_t *t, uint64_t x)
{
    uint64_t q = t->stage_cycles;
    return q ? (x + q - 1) / q * q : x;
}

static int op_valid(const tile_t *t, const tile_op_t *op, char *err, int errn);
static void waits_for(const tile_t *t, tile_pending_t *p);
static uint64_t ready_at(const tile_t *t, const tile_pending_t *p);

int tile_request(tile_t *t, const tile_op_t *op, uint64_t arrival)
{
    if (t->nq == t->capq) {
        int nc = t->capq ? 2 * t->capq : 16;
        tile_pending_t *q = realloc(t->q, (size_t)nc * sizeof *q);
        if (!q)
            return -1;
        t->q = q;
        t->capq = nc;
    }
    /* keep the queue sorted by (requester, tag, seq): the grant order */
    int i = t->nq;
    while (i > 0 && (t->q[i - 1].op.requester > op->requester ||
                     (t->q[i - 1].op.requester == op->requester && t->q[i - 1].op.tag > op->tag))) {
        t->q[i] = t->q[i - 1];
        i--;
    }
    t->q[i].op = *op;
    t->q[i].arrival = arrival;
    t->q[i].seq = t->seq++;
    waits_for(t, &t->q[i]);
    t->last_ready = ready_at(t, &t->q[i]);
    t->nq++;
    return 0;
}

static uint64_t buf_latency(const tile_t *t)
{
    return comp_cycles_ceil(t->a->tile.buffer.access_latency_cycles);
}

static uint64_t beats(const tile_t *t, uint64_t bytes)
{
    uint64_t w = t->a->tile.buffer.bus_width_bits > 0 ? (uint64_t)t->a->tile.buffer.bus_width_bits : 8;
    return (bytes * 8 + w - 1) / w;
}

/* The unit kind the arch gives a function op. */
static arch_unit_kind_t unit_kind(const tile_t *t, tile_op_kind_t k)
{
    const arch_tile_t *tl = &t->a->tile;
    switch (k) {
    case TILE_OP_ACCUM: return tl->accum_unit;
    case TILE_OP_ACT: return tl->act_unit;
    case TILE_OP_POOL: return tl->pool_unit;
    default: return tl->add_unit;
    }
}

/* The units a function op runs on, and when they are free next. */
static const arch_unit_t *unit_of(const tile_t *t, const tile_op_t *op, uint64_t **free_at)
{
    arch_unit_kind_t k = unit_kind(t, op->kind);
    /* a CE's own vector unit, else the tile's units of that kind */
    *free_at = k == UNIT_VFU ? &t->vfu_free[op->ce] : (uint64_t *)&t->unit_free[k];
    return arch_unit_of(t->a, k);
}

static uint64_t unit_values(const tile_op_t *op)
{
    return op->kind == TILE_OP_POOL ? op->n * (uint64_t)(op->window > 0 ? op->window : 1) : op->n;
}

static int op_valid(const tile_t *t, const tile_op_t *op, char *err, int errn)
{
    if ((unsigned)op->kind >= TILE_OP_KINDS_) {
        snprintf(err, errn, "unknown op kind %d", (int)op->kind);
        return 0;
    }
    if (op->kind == TILE_OP_MVM) {
        const arch_t *a = t->a;
        if (op->ce < 0 || op->ce >= t->n_ces) {
            snprintf(err, errn, "MVM on CE %d (expected 0..%d)", op->ce, t->n_ces - 1);
            return 0;
        }
        if (op->xbars < 1 || op->xbars > t->ces[op->ce].n_xbars || op->rows < 1 ||
            op->rows > a->crossbar.rows || op->cols < 1 || op->cols > a->crossbar.cols ||
            op->input_bits < 1 || op->input_bits > 32) {
            snprintf(err, errn,
                     "MVM %d crossbars %dx%d, %d-bit inputs (expected 1..%d crossbars, "
                     "1..%d rows, 1..%d cols, 1..32 bits)",
                     op->xbars, op->rows, op->cols, op->input_bits, t->ces[op->ce].n_xbars,
                     a->crossbar.rows, a->crossbar.cols);
            return 0;
        }
    }
    if (op->kind == TILE_OP_ACT && (op->subkind < ACT_RELU || op->subkind > ACT_TANH)) {
        snprintf(err, errn, "activation kind %d (expected relu, sigmoid or tanh)", op->subkind);
        return 0;
    }
    if (op->kind >= TILE_OP_ACCUM && unit_kind(t, op->kind) == UNIT_VFU &&
        (op->ce < 0 || op->ce >= t->n_ces)) {
        snprintf(err, errn, "%s on the vector unit of CE %d (expected 0..%d)",
                 tile_op_names[op->kind], op->ce, t->n_ces - 1);
        return 0;
    }
    if (op->kind == TILE_OP_POOL && (op->subkind < 0 || op->subkind > TILE_POOL_AVG)) {
        snprintf(err, errn, "pool kind %d (expected max or avg)", op->subkind);
        return 0;
    }
    return 1;
}

/* What a pending op waits for (ready_at): its bank and the bus, its CE, or
 * its function unit; nothing when it is invalid. The arbiter asks for every
 * queued op at every grant phase: found once here, not with a division each
 * time (neither the op nor the tile's make-up changes). */
static void waits_for(const tile_t *t, tile_pending_t *p)
{
    const tile_op_t *op = &p->op;
    char err[8];
    p->on_bus = 0;
    p->bus_lat = 0;
    p->free_at = NULL;
    if (!op_valid(t, op, err, sizeof err))
        return;
    switch (op->kind) {
    case TILE_OP_READ:
    case TILE_OP_WRITE:
        p->free_at = &t->bank_free[(op->addr / t->bank_bytes) % (uint64_t)t->n_banks];
        p->on_bus = 1;
        p->bus_lat = buf_latency(t);
        return;
    case TILE_OP_MVM:
        p->free_at = &t->ces[op->ce].busy_until;
        return;
    default: {
        uint64_t *f;
        unit_of(t, op, &f);
        p->free_at = f;
        return;
    }
    }
}

/* Earliest cycle >= arrival at which the op's resources are free (given the
 * current reservations): its bank, CE or unit, and for a buffer op the bus
 * free by the time its access latency is over. */
static uint64_t ready_at(const tile_t *t, const tile_pending_t *p)
{
    uint64_t r = p->arrival;
    if (!p->free_at) /* invalid: answered at its arrival */
        return r;
    if (*p->free_at > r)
        r = *p->free_at;
    if (p->on_bus) {
        uint64_t L = p->bus_lat, bus = t->bus_free > L ? t->bus_free - L : 0;
        if (bus > r)
            r = bus;
    }
    return r;
}

uint64_t tile_next_event(const tile_t *t)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < t->nq; i++) {
        uint64_t r = ready_at(t, &t->q[i]);
        if (r < best)
            best = r;
    }
    return best;
}

int tile_exec_mvm(tile_t *t, const tile_op_t *op, uint64_t start, tile_result_t *res)
{
    ce_t *ce = &t->ces[op->ce];
    ce_timing_t tm;
    if (op->in && op->out) {
        int64_t c = ce_mvm(ce, op->in, op->input_bits, op->signed_inputs, op->out, start, &tm,
                           res->err, sizeof res->err);
        if (c < 0)
            return -1;
        res->clipped = c;
    } else {
        ce_req_t r = {op->xbars, op->rows, op->cols, op->input_bits, op->signed_inputs,
                      op->rows_total, op->cols_total};
        ce_mvm_run(ce, &r, start, &tm);
    }
    res->end = start + tm.total_cycles;
    res->occupancy = tm.issue_cycles;
    res->energy_pj = tm.energy_pj;
    return 0;
}

static int64_t fx_apply(int kind, int64_t x, int fb)
{
    if (kind == ACT_RELU)
        return x > 0 ? x : 0;
    double s = ldexp(1.0, fb), v = (double)x / s;
    double f = kind == ACT_SIGMOID ? 1.0 / (1.0 + exp(-v)) : tanh(v);
    return (int64_t)llround(f * s);
}

static void unit_functional(const tile_op_t *op)
{
    if (!op->in || !op->out)
        return;
    for (uint64_t i = 0; i < op->n; i++) {
        switch (op->kind) {
        case TILE_OP_ACCUM: op->out[i] += op->in[i]; break;
        case TILE_OP_ADD: op->out[i] = op->in[i] + (op->in2 ? op->in2[i] : 0); break;
        case TILE_OP_ACT: op->out[i] = fx_apply(op->subkind, op->in[i], op->frac_bits); break;
        case TILE_OP_POOL: {
            int w = op->window > 0 ? op->window : 1;
            const int64_t *v = op->in + i * (uint64_t)w;
            int64_t acc = v[0];
            for (int j = 1; j < w; j++)
                acc = op->subkind == TILE_POOL_MAX ? (v[j] > acc ? v[j] : acc) : acc + v[j];
            op->out[i] = op->subkind == TILE_POOL_MAX ? acc : acc / w;
            break;
        }
        default: break;
        }
    }
}

static void grant(tile_t *t, const tile_pending_t *p, uint64_t now, tile_result_t *res)
{
    const tile_op_t *op = &p->op;
    const arch_t *a = t->a;
    double cyc = comp_cycle_ns(a);
    /* all but the error text, which its first byte clears: 160 of the
     * result's 256 bytes, cleared for every op */
    memset(res, 0, offsetof(tile_result_t, err));
    res->err[0] = '\0';
    res->tag = op->tag;
    res->seq = p->seq;
    res->requester = op->requester;
    res->kind = op->kind;
    res->arrival = p->arrival;
    res->grant = now;
    res->end = now;
    res->shared = 0;
    if (!p->free_at) { /* waits_for() found it invalid: say why */
        op_valid(t, op, res->err, sizeof res->err);
        res->status = -1;
        return;
    }
    t->st.ops[op->kind]++;
    t->st.stall_cycles += now - p->arrival;
    switch (op->kind) {
    case TILE_OP_READ:
    case TILE_OP_WRITE: {
        uint64_t L = buf_latency(t), nb = beats(t, op->bytes);
        uint64_t bank = (op->addr / t->bank_bytes) % (uint64_t)t->n_banks;
        res->end = now + stage_up(t, L + nb);
        res->occupancy = res->end - now;
        res->resource = TILE_RES_BUFFER;
        res->shared = nb; /* the next op's bus beats start nb later at least (ready_at) */
        t->bank_free[bank] = res->end;
        t->bus_free = res->end;
        t->st.bank_busy_cycles += L + nb;
        t->st.bus_busy_cycles += nb;
        double eb = a->tile.buffer.cost.power_mw * (L + nb) * cyc;
        double ebus = a->tile.bus.power_mw * nb * cyc;
        t->st.buffer_energy_pj += eb;
        t->st.bus_energy_pj += ebus;
        res->energy_pj = eb + ebus;
        if (op->kind == TILE_OP_READ) {
            t->st.bytes_read += op->bytes;
        } else {
            t->st.bytes_written += op->bytes;
            double eo = a->tile.output_reg.cost.power_mw * nb * cyc;
            t->st.outreg_energy_pj += eo;
            res->energy_pj += eo;
        }
        break;
    }
    case TILE_OP_MVM:
        res->resource = TILE_RES_CROSSBARS;
        if (t->mvm_fn(t->mvm_ctx, t, op, now, res))
            res->status = -1;
        break;
    default: {
        uint64_t *free_at;
        const arch_unit_t *u = unit_of(t, op, &free_at);
        uint64_t lanes = u->lanes > 0 ? (uint64_t)u->lanes : 1;
        uint64_t v = unit_values(op), cnt = u->count > 0 ? (uint64_t)u->count : 1;
        uint64_t occ = (v + cnt * lanes - 1) / (cnt * lanes), L = comp_cycles_ceil(u->latency_cycles);
        if (!L)
            L = 1;
        if (!occ)
            occ = 1;
        /* pipelined: one value per unit per cycle, first result after L */
        res->end = now + stage_up(t, L + occ - 1);
        *free_at = now + stage_up(t, occ);
        res->occupancy = stage_up(t, occ);
        res->resource = TILE_RES_UNITS + (int)unit_kind(t, op->kind);
        res->shared = unit_kind(t, op->kind) == UNIT_VFU ? 0 : res->occupancy; /* a CE's own */
        /* energy: each lane in use draws its power (per lane) for the op */
        uint64_t used = v < cnt * lanes ? v : cnt * lanes;
        double e = u->cost.power_mw * (double)used * (double)(L + occ - 1) * cyc;
        res->energy_pj = e;
        uint64_t *busy[UNIT_KIND_COUNT_] = {&t->st.sa_busy_cycles, &t->st.act_busy_cycles,
                                            &t->st.pool_busy_cycles, &t->st.vfu_busy_cycles};
        double *energy[UNIT_KIND_COUNT_] = {&t->st.sa_energy_pj, &t->st.act_energy_pj,
                                            &t->st.pool_energy_pj, &t->st.vfu_energy_pj};
        *busy[unit_kind(t, op->kind)] += occ;
        *energy[unit_kind(t, op->kind)] += e;
        unit_functional(op);
        break;
    }
    }
    if (res->end > t->st.last_end)
        t->st.last_end = res->end;
}

int tile_arbitrate(tile_t *t, uint64_t now, tile_result_t *res, int max)
{
    int n = 0, w = 0;
    for (int i = 0; i < t->nq; i++) {
        tile_pending_t *p = &t->q[i];
        if (n < max && p->arrival <= now && ready_at(t, p) <= now) {
            grant(t, p, now, &res[n++]);
            continue;
        }
        if (w != i) /* the pending ops close up */
            t->q[w] = *p;
        w++;
    }
    t->nq = w;
    return n;
}

void tile_leak_until(tile_t *t, uint64_t now)
{
    if (now <= t->leaked_until)
        return;
    uint64_t c = now - t->leaked_until;
    t->leaked_until = now;
    const arch_tile_t *tl = &t->a->tile;
    double ns = c * comp_cycle_ns(t->a);
    t->st.buffer_leakage_pj += tl->buffer.cost.leakage_mw * ns;
    t->st.bus_leakage_pj += tl->bus.leakage_mw * ns;
    t->st.outreg_leakage_pj += tl->output_reg.cost.leakage_mw * ns;
    t->st.act_leakage_pj += tl->activation.cost.leakage_mw * tl->activation.count * ns;
    t->st.pool_leakage_pj += tl->pool.cost.leakage_mw * tl->pool.count * ns;
    t->st.sa_leakage_pj += tl->sa.cost.leakage_mw * tl->sa.count * ns;
    t->st.vfu_leakage_pj += t->a->ce.vfu.cost.leakage_mw * t->a->ce.vfu.count *
                            (t->a->ce.vfu.lanes > 0 ? t->a->ce.vfu.lanes : 1) * t->n_ces * ns;
    for (int i = 0; i < tl->n_extras; i++)
        t->st.extra_energy_pj +=
            (tl->extras[i].cost.power_mw + tl->extras[i].cost.leakage_mw) * tl->extras[i].count * ns;
    for (int i = 0; i < t->n_ces; i++)
        ce_leak(&t->ces[i], c);
}

double tile_energy_pj(const tile_t *t)
{
    const tile_stats_t *s = &t->st;
    double e = s->buffer_energy_pj + s->bus_energy_pj + s->act_energy_pj + s->pool_energy_pj +
               s->sa_energy_pj + s->outreg_energy_pj + s->buffer_leakage_pj + s->bus_leakage_pj +
               s->outreg_leakage_pj + s->act_leakage_pj + s->pool_leakage_pj + s->sa_leakage_pj +
               s->vfu_energy_pj + s->vfu_leakage_pj +
               s->extra_energy_pj;
    for (int i = 0; i < t->n_ces; i++)
        e += ce_energy_pj(&t->ces[i]);
    return e;
}

void tile_stats_json(const tile_t *t, json_w_t *w)
{
    desc_write_json(w, &t->st, tile_stat_desc, tile_stat_count);
    jw_num(w, "energy_pj", tile_energy_pj(t));
    jw_arr_begin(w, "ces");
    for (int i = 0; i < t->n_ces; i++) {
        jw_obj_begin(w, NULL);
        ce_stats_json(&t->ces[i], w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

void tile_energy_by_class(const tile_t *t, double dyn[COMP_CLASS_COUNT_],
                          double leak[COMP_CLASS_COUNT_])
{
    const tile_stats_t *s = &t->st;
    for (int i = 0; i < t->n_ces; i++) {
        const ce_t *ce = &t->ces[i];
        for (int k = 0; k < ce->n_xbars; k++) {
            dyn[COMP_CROSSBAR] += ce->xb[k].st.read_energy_pj + ce->xb[k].st.write_energy_pj;
            leak[COMP_CROSSBAR] += ce->xb[k].st.leakage_energy_pj;
        }
        dyn[COMP_DAC] += ce->dac.st.energy_pj;
        leak[COMP_DAC] += ce->dac.st.leakage_energy_pj;
        dyn[COMP_SH] += ce->sh.st.energy_pj;
        leak[COMP_SH] += ce->sh.st.leakage_energy_pj;
        dyn[COMP_ADC] += ce->adc.st.energy_pj;
        leak[COMP_ADC] += ce->adc.st.leakage_energy_pj;
        dyn[COMP_SA] += ce->sa.st.energy_pj;
        leak[COMP_SA] += ce->sa.st.leakage_energy_pj;
        leak[COMP_REGISTER] += ce->st.reg_leakage_pj;
        dyn[COMP_REGISTER] += ce->st.reg_energy_pj;
        dyn[COMP_EXTRA] += ce->st.extra_energy_pj;
    }
    dyn[COMP_SA] += s->sa_energy_pj;
    leak[COMP_SA] += s->sa_leakage_pj;
    dyn[COMP_REGISTER] += s->outreg_energy_pj;
    leak[COMP_REGISTER] += s->outreg_leakage_pj;
    dyn[COMP_BUFFER] += s->buffer_energy_pj;
    leak[COMP_BUFFER] += s->buffer_leakage_pj;
    dyn[COMP_BUS] += s->bus_energy_pj;
    leak[COMP_BUS] += s->bus_leakage_pj;
    dyn[COMP_ACTIVATION] += s->act_energy_pj;
    leak[COMP_ACTIVATION] += s->act_leakage_pj;
    dyn[COMP_POOL] += s->pool_energy_pj;
    leak[COMP_POOL] += s->pool_leakage_pj;
    dyn[COMP_EXTRA] += s->extra_energy_pj;
    dyn[COMP_VFU] += s->vfu_energy_pj;
    leak[COMP_VFU] += s->vfu_leakage_pj;
}

void tile_busy_by_class(const tile_t *t, uint64_t busy[COMP_CLASS_COUNT_],
                        uint64_t inst[COMP_CLASS_COUNT_])
{
    const arch_t *a = t->a;
    for (int i = 0; i < t->n_ces; i++) {
        const ce_t *ce = &t->ces[i];
        for (int k = 0; k < ce->n_xbars; k++)
            busy[COMP_CROSSBAR] += ce->xb[k].st.busy_cycles;
        inst[COMP_CROSSBAR] += (uint64_t)ce->n_xbars;
        busy[COMP_DAC] += ce->dac.st.busy_cycles;
        inst[COMP_DAC] += (uint64_t)ce->dac.count;
        busy[COMP_ADC] += ce->adc.st.busy_cycles;
        inst[COMP_ADC] += (uint64_t)ce->adc.count;
        busy[COMP_SA] += ce->sa.st.busy_cycles;
        inst[COMP_SA] += (uint64_t)(a->ce.sa.count > 0 ? a->ce.sa.count : 1);
    }
    busy[COMP_BUFFER] += t->st.bank_busy_cycles;
    inst[COMP_BUFFER] += (uint64_t)t->n_banks;
    busy[COMP_BUS] += t->st.bus_busy_cycles;
    inst[COMP_BUS] += 1;
    busy[COMP_ACTIVATION] += t->st.act_busy_cycles;
    inst[COMP_ACTIVATION] += 1;
    busy[COMP_POOL] += t->st.pool_busy_cycles;
    inst[COMP_POOL] += 1;
    busy[COMP_SA] += t->st.sa_busy_cycles;
    inst[COMP_SA] += 1;
    busy[COMP_VFU] += t->st.vfu_busy_cycles;
    inst[COMP_VFU] += (uint64_t)t->n_ces * (uint64_t)(a->ce.vfu.count > 0 ? a->ce.vfu.count : 0);
}

void tile_counts(const tile_t *t, tile_counts_t *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < t->n_ces; i++) {
        const ce_t *ce = &t->ces[i];
        c->mvm_ops += ce->st.mvms;
        for (int k = 0; k < ce->n_xbars; k++)
            c->crossbar_reads += ce->xb[k].st.reads;
        c->adc_conversions += ce->adc.st.conversions;
        c->adc_clipped += ce->adc.st.clipped;
        c->dac_drives += ce->dac.st.drives;
    }
}

void tile_static_mw_by_class(const arch_t *a, double mw[COMP_CLASS_COUNT_])
{
    const arch_ce_t *c = &a->ce;
    const arch_tile_t *tl = &a->tile;
    const double ces = tl->ces;
    for (int k = 0; k < COMP_CLASS_COUNT_; k++)
        mw[k] = 0;
    mw[COMP_CROSSBAR] = ces * c->crossbars * a->crossbar.cost.leakage_mw;
    mw[COMP_DAC] = ces * c->crossbars * a->dac.per_crossbar * a->dac.cost.leakage_mw;
    mw[COMP_SH] = ces * c->crossbars * c->sh.count * c->sh.cost.leakage_mw;
    mw[COMP_ADC] = ces * c->adcs * a->adc.cost.leakage_mw;
    mw[COMP_SA] = ces * c->sa.count * c->sa.cost.leakage_mw + tl->sa.count * tl->sa.cost.leakage_mw;
    mw[COMP_VFU] = ces * c->vfu.count * (c->vfu.lanes > 0 ? c->vfu.lanes : 1) * c->vfu.cost.leakage_mw;
    mw[COMP_REGISTER] = ces * (c->input_reg.cost.leakage_mw + c->output_reg.cost.leakage_mw) +
                        tl->output_reg.cost.leakage_mw;
    mw[COMP_BUFFER] = tl->buffer.cost.leakage_mw;
    mw[COMP_BUS] = tl->bus.leakage_mw;
    mw[COMP_ACTIVATION] = tl->activation.count * tl->activation.cost.leakage_mw;
    mw[COMP_POOL] = tl->pool.count * tl->pool.cost.leakage_mw;
    for (int i = 0; i < c->n_extras; i++)
        mw[COMP_EXTRA] += ces * c->extras[i].count *
                          (c->extras[i].cost.power_mw + c->extras[i].cost.leakage_mw);
    for (int i = 0; i < tl->n_extras; i++)
        mw[COMP_EXTRA] += tl->extras[i].count *
                          (tl->extras[i].cost.power_mw + tl->extras[i].cost.leakage_mw);
}
