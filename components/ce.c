#include "ce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S ce_stats_t
const desc_t ce_stat_desc[] = {
    STAT_U(S, mvms, "1", "MVM ops executed"),
    STAT_U(S, reads, "1", "bit-serial input cycles executed"),
    STAT_U(S, busy_cycles, "cycles", "front end (crossbars + ADCs) busy"),
    STAT_U(S, clipped, "1", "ADC-saturated conversions in functional MVMs"),
    STAT_U(S, sense_decisions, "1", "sense-amplifier decisions in functional MVMs (binary layers)"),
    STAT_F(S, dynamic_energy_pj, "pJ", "dynamic energy of all components of the CE"),
    STAT_F(S, reg_energy_pj, "pJ", "input/output register dynamic energy (part of dynamic)"),
    STAT_F(S, reg_leakage_pj, "pJ", "input/output register leakage x simulated time"),
    STAT_F(S, extra_energy_pj, "pJ", "CE extras (always on): (power + leakage) x simulated time"),
};
#undef S
const int ce_stat_count = sizeof ce_stat_desc / sizeof ce_stat_desc[0];

int ce_init(ce_t *ce, const arch_t *a)
{
    memset(ce, 0, sizeof *ce);
    ce->a = a;
    ce->n_xbars = a->ce.crossbars > 0 ? a->ce.crossbars : 1;
    ce->xb = calloc((size_t)ce->n_xbars, sizeof *ce->xb);
    if (!ce->xb)
        return -1;
    for (int i = 0; i < ce->n_xbars; i++)
        if (xbar_init(&ce->xb[i], a))
            return -1;
    dac_init(&ce->dac, a);
    sh_init(&ce->sh, a);
    adc_init(&ce->adc, a);
    sa_init(&ce->sa, a, &a->ce.sa);
    ce->extra_read_slots = a->crossbar.extra_read_cycles > 0 ? (uint64_t)a->crossbar.extra_read_cycles : 0;
    ni_model_init(&ce->ni, a);
    ce_set_seed(ce, 1, 0);
    return 0;
}

/* Functional scratch, grown on demand: timing-only CEs never allocate it. */
int ce_scratch(ce_t *ce, int n_in)
{
    const arch_t *a = ce->a;
    int phys = a->crossbar.cols + a->crossbar.unit_cols;
    if (n_in > ce->slice_cap) {
        uint32_t *s = realloc(ce->slice, sizeof *s * (size_t)n_in);
        if (!s)
            return -1;
        ce->slice = s;
        ce->slice_cap = n_in;
    }
    if (!ce->usum) {
        ce->sums = calloc((size_t)phys + 1, sizeof *ce->sums);
        ce->usum = calloc((size_t)ce->n_xbars, sizeof *ce->usum);
        ce->part = calloc((size_t)a->crossbar.cols + 1, sizeof *ce->part);
        /* one packing per crossbar: blocks of the same rows share the first's */
        ce->packed = calloc(32 * (size_t)((a->crossbar.rows + 63) / 64) * ce->n_xbars,
                            sizeof *ce->packed);
        ce->packed_q = calloc((size_t)ce->n_xbars, sizeof *ce->packed_q);
        if (!ce->sums || !ce->usum || !ce->part || !ce->packed || !ce->packed_q)
            return -1;
    }
    if (!ce->currents) {
        ce->currents = calloc((size_t)phys, sizeof *ce->currents);
        if (!ce->currents)
            return -1;
    }
    if (ce->ni.any && !ce->scratch) {
        ce->volts = calloc((size_t)a->crossbar.rows, sizeof *ce->volts);
        ce->scratch = calloc(ni_scratch_doubles(a->crossbar.rows, phys), sizeof *ce->scratch);
        if (!ce->volts || !ce->scratch)
            return -1;
    }
    return 0;
}

void ce_free(ce_t *ce)
{
    for (int i = 0; ce->xb && i < ce->n_xbars; i++)
        xbar_free(&ce->xb[i]);
    free(ce->xb);
    free(ce->slice);
    free(ce->sums);
    free(ce->usum);
    free(ce->part);
    free(ce->packed);
    free(ce->packed_q);
    free(ce->volts);
    free(ce->currents);
    free(ce->scratch);
    free(ce->map.blocks);
    free(ce->map.pack_src);
    free(ce->map.transparent);
    ce->xb = NULL;
    ce->slice = NULL;
    ce->sums = NULL;
    ce->usum = ce->part = NULL;
    ce->packed = NULL;
    ce->packed_q = NULL;
    ce->volts = ce->currents = ce->scratch = NULL;
    ce->map.blocks = NULL;
    ce->map.pack_src = NULL;
    ce->map.transparent = NULL;
}

int ce_input_slices(int input_bits, int dac_bits, int signed_inputs, int *shift,
                    int *width, int *negate)
{
    int d = dac_bits > 0 ? dac_bits : 1;
    int low = signed_inputs ? input_bits - 1 : input_bits;
    int n = 0;
    for (int b = 0; b < low; b += d, n++) {
        if (shift) shift[n] = b;
        if (width) width[n] = low - b < d ? low - b : d;
        if (negate) negate[n] = 0;
    }
    if (signed_inputs) { /* the sign bit, weight -2^(ib-1), in its own cycle */
        if (shift) shift[n] = input_bits - 1;
        if (width) width[n] = 1;
        if (negate) negate[n] = 1;
        n++;
    }
    return n;
}

/* ---------------------------------------------------------------- timing */

static uint64_t round_up(uint64_t x, uint64_t q)
{
    return q ? (x + q - 1) / q * q : x;
}

/* Row drives per read: crossbars with fewer DACs than rows share them (PUMA:
 * 16 per crossbar = one per logical row of an 8-crossbar MVMU). */
static uint64_t dac_drives_per_read(const ce_t *ce, const ce_req_t *r)
{
    uint64_t d = r->rows_total > 0 ? (uint64_t)r->rows_total : (uint64_t)r->xbars * (uint64_t)r->rows;
    int per = ce->a->dac.per_crossbar, rows = ce->a->crossbar.rows;
    if (per > 0 && per < rows)
        d = (d * (uint64_t)per + (uint64_t)rows - 1) / (uint64_t)rows;
    return d;
}

/* Exposed tail after the last read is sampled: last ADC batch, the read
 * slots the arch adds for pipeline fill, S+A, output-register write; each
 * step ends on a stage boundary in a synchronous pipeline (ISAAC). */
static void ce_tail(const ce_t *ce, ce_timing_t *t, uint64_t frontend)
{
    uint64_t slots = (t->reads + ce->extra_read_slots) * t->period;
    if (ce->extra_read_slots && slots > frontend)
        frontend = slots;
    t->issue_cycles = round_up(slots, ce->stage_cycles);
    t->frontend_cycles = round_up(frontend, ce->stage_cycles);
    uint64_t sa_end = round_up(t->frontend_cycles + t->sa_cycles, ce->stage_cycles);
    t->total_cycles = round_up(sa_end + 1, ce->stage_cycles);
}

static uint64_t conv_per_adc(const ce_t *ce, const ce_req_t *r)
{
    int A = ce->a->ce.adcs > 0 ? ce->a->ce.adcs : 1;
    int X = ce->n_xbars;
    uint64_t percol = (uint64_t)r->cols + ce->a->crossbar.unit_cols;
    if (A >= X) {
        uint64_t per_xb = (uint64_t)(A / X);
        return (percol + per_xb - 1) / per_xb;
    }
    uint64_t share = (uint64_t)((X + A - 1) / A);
    uint64_t n = share < (uint64_t)r->xbars ? share : (uint64_t)r->xbars;
    return n * percol;
}

/* Per-read quantities shared by the closed form and the stepping. */
static void ce_read_params(const ce_t *ce, const ce_req_t *r, ce_timing_t *t)
{
    const arch_t *a = ce->a;
    memset(t, 0, sizeof *t);
    t->reads = (uint64_t)ce_input_slices(r->input_bits, a->dac.bits, r->signed_inputs,
                                         NULL, NULL, NULL);
    double read_ns = a->crossbar.read_latency_ns;
    t->read_cycles = comp_ns_to_cycles(a, read_ns);
    if (!t->read_cycles)
        t->read_cycles = 1;
    t->conv_per_adc = conv_per_adc(ce, r);
    double b_ns = (double)t->conv_per_adc * a->adc.latency_ns;
    /* A batch overrunning the read by <1% is absorbed in the S+H window: ISAAC
     * sizes its 1.28 GS/s ADC for 128 columns per 100 ns read, and the unit
     * column's 129th conversion (100.8 ns) does not lengthen its 16-cycle MVM. */
    if (b_ns > read_ns && b_ns <= read_ns * 1.01)
        b_ns = read_ns;
    t->adc_cycles = comp_ns_to_cycles(a, b_ns);
    if (!t->adc_cycles)
        t->adc_cycles = 1;
    t->period = t->read_cycles > t->adc_cycles ? t->read_cycles : t->adc_cycles;
    t->sa_cycles = comp_cycles_ceil(a->ce.sa.latency_cycles);
    if (!t->sa_cycles)
        t->sa_cycles = 1;
    uint64_t cols = r->cols_total > 0 ? (uint64_t)r->cols_total : (uint64_t)r->xbars * (uint64_t)r->cols;
    t->conversions = t->reads * (cols + (uint64_t)r->xbars * (uint64_t)a->crossbar.unit_cols);
}

/* The input register is read and the output register written for the whole
 * op, in proportion to the crossbars used (PUMA: one register per MVMU). */
static double ce_reg_energy(const ce_t *ce, const ce_req_t *r, const ce_timing_t *t)
{
    const arch_ce_t *c = &ce->a->ce;
    return (c->input_reg.cost.power_mw + c->output_reg.cost.power_mw) * r->xbars / ce->n_xbars *
           (double)t->total_cycles * comp_cycle_ns(ce->a);
}

static void ce_energy(const ce_t *ce, const ce_req_t *r, ce_timing_t *t)
{
    const arch_t *a = ce->a;
    double cyc = comp_cycle_ns(a);
    double e = 0;
    uint64_t reads = t->reads * (uint64_t)r->xbars;
    if (a->device.read_energy_pj > 0)
        e += (double)t->reads * (r->rows_total > 0 ? r->rows_total : r->xbars * r->rows) *
             (r->cols_total > 0 ? (double)r->cols_total / r->xbars : r->cols) * a->device.read_energy_pj;
    else
        e += (double)reads * a->crossbar.cost.power_mw * t->period * cyc;
    e += (double)(t->reads * dac_drives_per_read(ce, r)) * a->dac.cost.power_mw * t->period * cyc;
    e += (double)t->conversions * a->ce.sh.cost.power_mw * t->period * cyc;
    e += (double)t->conversions * adc_energy_per_conversion_pj(a);
    e += (double)t->conversions * a->ce.sa.cost.power_mw * cyc;
    e += ce_reg_energy(ce, r, t);
    t->energy_pj = e;
}

void ce_mvm_timing(const ce_t *ce, const ce_req_t *r, ce_timing_t *t)
{
    ce_read_params(ce, r, t);
    /* Read k starts at k*period and is sampled R later; its ADC batch follows
     * and overlaps read k+1 (S+H), so only the last batch is exposed. */
    t->xbar_cycles = (t->reads - 1) * t->period + t->read_cycles;
    ce_tail(ce, t, t->xbar_cycles + t->adc_cycles);
    ce_energy(ce, r, t);
}

void ce_mvm_timing_stepwise(const ce_t *ce, const ce_req_t *r, ce_timing_t *t)
{
    ce_read_params(ce, r, t);
    uint64_t start = 0, adc_free = 0, sampled = 0;
    for (uint64_t k = 0; k < t->reads; k++) {
        /* a read is sampled once it has settled and the S+H is free (the
         * previous batch converted); the array is free again after sampling */
        sampled = start + t->read_cycles;
        if (sampled < adc_free)
            sampled = adc_free;
        adc_free = sampled + t->adc_cycles;
        start = sampled;
    }
    t->xbar_cycles = sampled;
    ce_tail(ce, t, adc_free);
    ce_energy(ce, r, t);
}

/* The memo of ce_mvm_run for requests like r: their timing, and what it
 * derives from it. */
static void ce_memo(ce_t *ce, const ce_req_t *r)
{
    const ce_timing_t *t = &ce->memo_t;
    ce_mvm_timing(ce, r, &ce->memo_t);
    ce->memo_drives = t->reads * dac_drives_per_read(ce, r);
    int A = ce->a->ce.adcs > 0 ? ce->a->ce.adcs : 1;
    uint64_t adcs_used = t->conv_per_adc ? (t->conversions / t->reads + t->conv_per_adc - 1) / t->conv_per_adc : 0;
    if (adcs_used > (uint64_t)A)
        adcs_used = (uint64_t)A;
    ce->memo_adc_busy = adcs_used * t->reads * t->adc_cycles;
    ce->memo_reg_pj = ce_reg_energy(ce, r, t);
    ce->memo_req = *r;
    ce->memo_ok = 1;
}

void ce_mvm_run(ce_t *ce, const ce_req_t *r, uint64_t start, ce_timing_t *t)
{
    if (!ce->memo_ok || memcmp(&ce->memo_req, r, sizeof *r))
        ce_memo(ce, r);
    *t = ce->memo_t;
    xbar_account(ce->xb, r->xbars < ce->n_xbars ? r->xbars : ce->n_xbars, t->reads, r->rows,
                 r->cols, t->period);
    dac_account(&ce->dac, ce->memo_drives, t->period);
    sh_account(&ce->sh, t->conversions, t->period);
    adc_account(&ce->adc, t->conversions, ce->memo_adc_busy);
    sa_account(&ce->sa, t->conversions, t->reads * t->sa_cycles);
    ce->st.mvms++;
    ce->st.reads += t->reads;
    ce->st.busy_cycles += t->frontend_cycles;
    ce->st.dynamic_energy_pj += t->energy_pj;
    ce->st.reg_energy_pj += ce->memo_reg_pj;
    /* ISAAC and PUMA pipelines: the next MVM's reads start while this
     * one's last ADC batch, S+A and output-register write finish */
    uint64_t free_at = start + t->issue_cycles;
    if (free_at > ce->busy_until)
        ce->busy_until = free_at;
}

/* ------------------------------------------------------------ functional */

static int64_t enc_group(const ce_map_t *m, int64_t w, int g)
{
    switch (m->scheme) {
    case SIGNED_OFFSET:
        return w + ((int64_t)1 << (m->weight_bits - 1));
    case SIGNED_DIFFERENTIAL:
        return g == 0 ? (w > 0 ? w : 0) : (w < 0 ? -w : 0);
    default:
        return w;
    }
}

void ce_set_seed(ce_t *ce, uint64_t seed, uint64_t stream)
{
    ce->seed = seed;
    ce->stream = stream;
    ni_rng_seed(&ce->rng, seed, stream, 0, 2);
}

void ce_set_read_stream(ce_t *ce, uint64_t id)
{
    ni_rng_seed(&ce->rng, ce->seed, ce->stream, id + 1, 2);
}

/* The compiler's grid: row blocks of R rows (full ones first) times column
 * blocks of outs_per_xbar outputs, column-major as the trace generator. */
static int grid_blocks(ce_map_t *m, int R)
{
    m->row_blocks = (m->n_in + R - 1) / R;
    m->col_blocks = (m->n_out + m->outs_per_xbar - 1) / m->outs_per_xbar;
    m->n_blocks = m->row_blocks * m->col_blocks;
    m->blocks = malloc(sizeof *m->blocks * (size_t)m->n_blocks);
    if (!m->blocks)
        return -1;
    for (int cb = 0; cb < m->col_blocks; cb++)
        for (int rb = 0; rb < m->row_blocks; rb++) {
            ce_block_t *k = &m->blocks[cb * m->row_blocks + rb];
            k->r0 = rb * R;
            k->nr = m->n_in - k->r0 < R ? m->n_in - k->r0 : R;
            k->o0 = cb * m->outs_per_xbar;
            k->no = m->n_out - k->o0 < m->outs_per_xbar ? m->n_out - k->o0 : m->outs_per_xbar;
        }
    return 0;
}

int ce_program(ce_t *ce, const int64_t *W, int n_in, int n_out, int wb, char *err, int errn)
{
    ce_prog_t p = {.weight_bits = wb, .scheme = ce->a->crossbar.signed_scheme};
    return ce_program_ex(ce, W, n_in, n_out, &p, err, errn);
}

int ce_program_ex(ce_t *ce, const int64_t *W, int n_in, int n_out, const ce_prog_t *p,
                  char *err, int errn)
{
    const arch_t *a = ce->a;
    int wb = p->weight_bits;
    int bc = a->device.bits_per_cell, R = a->crossbar.rows, C = a->crossbar.cols;
    ce_map_t *m = &ce->map;
    free(m->blocks);
    free(m->pack_src);
    free(m->transparent);
    memset(m, 0, sizeof *m);
    ce->programmed = 0;
    m->n_in = n_in;
    m->n_out = n_out;
    m->weight_bits = wb;
    m->scheme = p->scheme;
    m->slices = (wb + bc - 1) / bc;
    m->groups = m->scheme == SIGNED_DIFFERENTIAL ? 2 : 1;
    m->cols_per_out = m->slices * m->groups;
    m->outs_per_xbar = C / m->cols_per_out;
    if (wb < 1 || wb > 32 || bc < 1 || bc > 8 || m->outs_per_xbar < 1 || n_in < 1 || n_out < 1) {
        snprintf(err, errn, "weights of %d bits do not fit a %d-column crossbar of %d-bit cells",
                 wb, C, bc);
        return -1;
    }
    if (p->n_blocks > 0) {
        m->n_blocks = p->n_blocks;
        m->blocks = malloc(sizeof *m->blocks * (size_t)p->n_blocks);
        if (!m->blocks) {
            snprintf(err, errn, "out of memory");
            return -1;
        }
        memcpy(m->blocks, p->blocks, sizeof *m->blocks * (size_t)p->n_blocks);
        for (int i = 0; i < m->n_blocks; i++) {
            const ce_block_t *k = &m->blocks[i];
            if (k->r0 < 0 || k->nr < 1 || k->nr > R || k->r0 + k->nr > n_in || k->o0 < 0 ||
                k->no < 1 || k->no > m->outs_per_xbar || k->o0 + k->no > n_out) {
                snprintf(err, errn, "block %d (rows %d+%d, outputs %d+%d) does not fit a "
                         "%dx%d matrix on %d-row crossbars of %d outputs", i, k->r0, k->nr,
                         k->o0, k->no, n_in, n_out, R, m->outs_per_xbar);
                return -1;
            }
        }
    } else if (grid_blocks(m, R)) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    m->pack_src = malloc(sizeof *m->pack_src * (size_t)(m->n_blocks ? m->n_blocks : 1));
    m->transparent = calloc((size_t)(m->n_blocks ? m->n_blocks : 1), 1);
    if (!m->pack_src || !m->transparent) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    for (int i = 0; i < m->n_blocks; i++) {
        m->pack_src[i] = i;
        for (int j = 0; j < i; j++)
            if (m->blocks[j].r0 == m->blocks[i].r0 && m->blocks[j].nr == m->blocks[i].nr) {
                m->pack_src[i] = j;
                break;
            }
    }
    m->rlo = n_in;
    m->rhi = 0;
    for (int i = 0; i < m->n_blocks; i++) {
        m->rlo = m->blocks[i].r0 < m->rlo ? m->blocks[i].r0 : m->rlo;
        m->rhi = m->blocks[i].r0 + m->blocks[i].nr > m->rhi ? m->blocks[i].r0 + m->blocks[i].nr
                                                             : m->rhi;
    }
    if (m->n_blocks > ce->n_xbars) {
        snprintf(err, errn, "%dx%d matrix needs %d crossbars (expected at most %d)", n_in,
                 n_out, m->n_blocks, ce->n_xbars);
        return -1;
    }
    /* none: unsigned; offset: two's complement; differential: a wb-bit
     * magnitude in either column group */
    int64_t lo = 0, hi = ((int64_t)1 << wb) - 1;
    if (m->scheme == SIGNED_OFFSET) {
        lo = -((int64_t)1 << (wb - 1));
        hi = ((int64_t)1 << (wb - 1)) - 1;
    } else if (m->scheme == SIGNED_DIFFERENTIAL) {
        lo = -hi;
    }
    for (int i = 0; i < m->n_blocks; i++) {
        const ce_block_t *k = &m->blocks[i];
        for (int r = k->r0; r < k->r0 + k->nr; r++)
            for (int o = k->o0; o < k->o0 + k->no; o++) {
                int64_t w = W[(size_t)r * n_out + o];
                if (w < lo || w > hi) {
                    snprintf(err, errn, "weight %lld at (%d,%d) out of range (expected "
                             "%lld..%lld)", (long long)w, r, o, (long long)lo, (long long)hi);
                    return -1;
                }
            }
    }
    int cmax = (1 << bc) - 1;
    uint8_t *vals = malloc((size_t)R * C), *flip = malloc((size_t)C);
    if (!vals || !flip) {
        free(vals);
        free(flip);
        snprintf(err, errn, "out of memory");
        return -1;
    }
    int rc = 0;
    ni_rng_t prng;
    for (int i = 0; i < m->n_blocks && !rc; i++) {
        xbar_t *x = &ce->xb[i];
        const ce_block_t *k = &m->blocks[i];
        if (xbar_clear(x)) {
            rc = -1;
            break;
        }
        int nr = k->nr, nc = k->no * m->cols_per_out;
        for (int r = 0; r < nr; r++)
            for (int o = 0; o < k->no; o++)
                for (int g = 0; g < m->groups; g++) {
                    int64_t v = enc_group(m, W[(size_t)(k->r0 + r) * n_out + k->o0 + o], g);
                    for (int s = 0; s < m->slices; s++)
                        vals[(size_t)r * nc + (o * m->groups + g) * m->slices + s] =
                            (uint8_t)((v >> (s * bc)) & cmax);
                }
        for (int c = 0; c < nc; c++) {
            int64_t sum = 0;
            for (int r = 0; r < nr; r++)
                sum += vals[(size_t)r * nc + c];
            flip[c] = a->crossbar.column_flip && 2 * sum > (int64_t)nr * cmax;
            if (flip[c])
                for (int r = 0; r < nr; r++)
                    vals[(size_t)r * nc + c] = (uint8_t)(cmax - vals[(size_t)r * nc + c]);
        }
        xbar_program(x, vals, nr, 0, nc, flip);
        /* The ADC is transparent for this crossbar when no read can reach its
         * full scale (the largest column, and the unit column, at the top DAC
         * level): the ideal path then skips the saturation it cannot hit. */
        int64_t colmax = a->crossbar.unit_cols > 0 ? nr : 0, dmax = (1 << a->dac.bits) - 1;
        for (int c = 0; c < nc; c++) {
            int64_t sum = 0;
            for (int r = 0; r < nr; r++)
                sum += vals[(size_t)r * nc + c];
            colmax = sum > colmax ? sum : colmax;
        }
        m->transparent[i] = ce->adc.lsb == 1 && colmax * dmax <= ce->adc.full_scale;
        if (ce->ni.any) {
            /* each crossbar's devices are drawn from their own stream */
            ni_rng_seed(&prng, ce->seed, ce->stream, (uint64_t)i, 1);
            rc = xbar_condition(x, &ce->ni, &prng);
        }
    }
    free(vals);
    free(flip);
    if (rc) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    ce->programmed = 1;
    return 0;
}

ce_req_t ce_program_req(const ce_t *ce, int input_bits, int signed_inputs)
{
    const ce_map_t *m = &ce->map;
    ce_req_t r;
    memset(&r, 0, sizeof r);
    r.xbars = m->n_blocks;
    for (int i = 0; i < m->n_blocks; i++) {
        int c = m->blocks[i].no * m->cols_per_out;
        r.rows = m->blocks[i].nr > r.rows ? m->blocks[i].nr : r.rows;
        r.cols = c > r.cols ? c : r.cols;
        r.rows_total += m->blocks[i].nr;
        r.cols_total += c;
    }
    /* a single shape needs no sums (the timing memo keys on the request) */
    if (r.rows_total == r.xbars * r.rows)
        r.rows_total = 0;
    if (r.cols_total == r.xbars * r.cols)
        r.cols_total = 0;
    r.input_bits = input_bits;
    r.signed_inputs = signed_inputs;
    return r;
}

/* One read of block k: the digitised value of each of its outputs' columns
 * merged over slices (and groups), bias removed, into p[0..no). */
static void read_block(ce_t *ce, int bi, int64_t *p, uint64_t *clipped)
{
    const arch_t *a = ce->a;
    const ce_map_t *m = &ce->map;
    const ce_block_t *k = &m->blocks[bi];
    const xbar_t *xb = &ce->xb[bi];
    int bc = a->device.bits_per_cell, cmax = (1 << bc) - 1;
    int nc = k->no * m->cols_per_out, unit = a->crossbar.unit_cols > 0;
    int64_t bias = m->scheme == SIGNED_OFFSET ? ((int64_t)1 << (m->weight_bits - 1)) : 0;
    int64_t u;
    int64_t *codes = ce->sums;
    if (ce->ni.any) {
        /* analog: all columns at once (IR drop couples them), then the ADC */
        double *v = ce->volts, *cur = ce->currents;
        for (int r = 0; r < xb->rows; r++)
            v[r] = r < k->nr ? (double)ce->slice[k->r0 + r] : 0.0;
        xbar_read_analog(xb, &ce->ni, v, k->nr, cur, ce->scratch, &ce->rng);
        for (int c = 0; c < nc; c++)
            codes[c] = adc_convert(&ce->adc, &ce->ni, cur[c], &ce->rng, clipped);
        if (unit)
            u = adc_convert(&ce->adc, &ce->ni, cur[xb->cols], &ce->rng, clipped);
        else
            u = ce->usum[bi];
    } else {
        int src = m->pack_src[bi], Q = ce->packed_q[src];
        const uint64_t *pk = ce->packed + (size_t)src * 32 * xb->words;
        if (Q == 0) { /* no row driven: every sum, code and value is 0 */
            memset(p, 0, sizeof *p * k->no);
            return;
        }
        xbar_read_packed(xb, pk, Q, k->nr, 0, nc, codes);
        u = ce->usum[bi];
        if (!m->transparent[bi]) { /* else no sum can reach full scale: codes = sums */
            for (int c = 0; c < nc; c++)
                codes[c] = adc_quantize(&ce->adc, codes[c], clipped);
            if (unit) {
                int64_t us;
                xbar_read_packed(xb, pk, Q, k->nr, xb->cols, 1, &us);
                u = adc_quantize(&ce->adc, us, clipped);
            }
        }
    }
    for (int o = 0; o < k->no; o++) {
        int64_t acc = 0;
        for (int g = 0; g < m->groups; g++) {
            int64_t pg = 0;
            for (int s = m->slices - 1; s >= 0; s--) {
                int c = (o * m->groups + g) * m->slices + s;
                int64_t v = codes[c];
                if (xb->flip[c])
                    v = (int64_t)cmax * u - v;
                /* a multiply, not pg << bc: a lossy ADC can read a flipped
                 * column above cmax * u, and a negative value must not shift */
                pg = pg * ((int64_t)1 << bc) + v;
            }
            acc += g ? -pg : pg;
        }
        p[o] = acc - bias * u;
    }
}

int64_t ce_mvm(ce_t *ce, const int64_t *x, int ib, int sgn, int64_t *y, uint64_t start,
               ce_timing_t *t, char *err, int errn)
{
    const arch_t *a = ce->a;
    const ce_map_t *m = &ce->map;
    if (!ce->programmed) {
        snprintf(err, errn, "MVM on a CE with no weights programmed");
        return -1;
    }
    if (ib < 1 || ib > 32) {
        snprintf(err, errn, "input bits %d (expected 1..32)", ib);
        return -1;
    }
    int64_t lo = sgn ? -((int64_t)1 << (ib - 1)) : 0;
    int64_t hi = sgn ? ((int64_t)1 << (ib - 1)) - 1 : ((int64_t)1 << ib) - 1;
    for (int i = m->rlo; i < m->rhi; i++) /* the inputs this CE's crossbars read */
        if (x[i] < lo || x[i] > hi) {
            snprintf(err, errn, "input %lld at %d out of range (expected %lld..%lld)",
                     (long long)x[i], i, (long long)lo, (long long)hi);
            return -1;
        }
    if (ce_scratch(ce, m->n_in)) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    int shift[64], width[64], neg[64];
    int T = ce_input_slices(ib, a->dac.bits, sgn, shift, width, neg);
    uint64_t clipped = 0;
    int64_t *p = ce->part;
    memset(y, 0, sizeof *y * m->n_out);
    for (int k = 0; k < T; k++) {
        uint32_t mask = (uint32_t)((1u << width[k]) - 1);
        for (int i = m->rlo; i < m->rhi; i++)
            ce->slice[i] = (uint32_t)(((uint64_t)x[i] >> shift[k]) & mask);
        for (int bi = 0; bi < m->n_blocks; bi++) {
            const ce_block_t *b = &m->blocks[bi];
            if (m->pack_src[bi] == bi) { /* the input planes of these rows, once */
                int64_t us = 0;
                for (int r = 0; r < b->nr; r++)
                    us += ce->slice[b->r0 + r];
                ce->usum[bi] = us;
                if (!ce->ni.any)
                    ce->packed_q[bi] = xbar_pack(ce->slice + b->r0, b->nr,
                                                 ce->packed + (size_t)bi * 32 * ce->xb[0].words);
            } else {
                ce->usum[bi] = ce->usum[m->pack_src[bi]];
            }
            read_block(ce, bi, p, &clipped);
            for (int o = 0; o < b->no; o++) {
                int64_t contrib = p[o] * ((int64_t)1 << shift[k]);
                y[b->o0 + o] += neg[k] ? -contrib : contrib;
            }
        }
    }
    ce_req_t r = ce_program_req(ce, ib, sgn);
    ce_timing_t tt;
    ce_mvm_run(ce, &r, start, t ? t : &tt);
    ce->adc.st.clipped += clipped;
    ce->st.clipped += clipped;
    return (int64_t)clipped;
}

int64_t ce_mvm_sense(ce_t *ce, const int64_t *x, const double *ref, int8_t *out,
                     ce_timing_t *t, char *err, int errn)
{
    const arch_t *a = ce->a;
    const ce_map_t *m = &ce->map;
    if (!ce->programmed || m->slices != 1) {
        snprintf(err, errn, "sensing needs a programmed CE with one cell per weight (expected "
                 "1-bit weights, got %d slices)", m->slices);
        return -1;
    }
    for (int i = m->rlo; i < m->rhi; i++)
        if (x[i] < 0 || x[i] > 1) {
            snprintf(err, errn, "input %lld at %d out of range (expected 0..1)", (long long)x[i], i);
            return -1;
        }
    if (ce_scratch(ce, m->n_in)) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    int cmax = (1 << a->device.bits_per_cell) - 1;
    for (int i = m->rlo; i < m->rhi; i++)
        ce->slice[i] = (uint32_t)x[i];
    int64_t decisions = 0;
    for (int bi = 0; bi < m->n_blocks; bi++) {
        const ce_block_t *k = &m->blocks[bi];
        const xbar_t *xb = &ce->xb[bi];
        int nc = k->no * m->cols_per_out;
        double u = 0, *val = ce->currents;
        for (int r = 0; r < k->nr; r++)
            u += ce->slice[k->r0 + r];
        if (ce->ni.any) {
            for (int r = 0; r < xb->rows; r++)
                ce->volts[r] = r < k->nr ? (double)ce->slice[k->r0 + r] : 0.0;
            xbar_read_analog(xb, &ce->ni, ce->volts, k->nr, val, ce->scratch, &ce->rng);
        } else {
            int Q = xbar_pack(ce->slice + k->r0, k->nr, ce->packed);
            xbar_read_packed(xb, ce->packed, Q, k->nr, 0, nc, ce->sums);
            for (int c = 0; c < nc; c++)
                val[c] = (double)ce->sums[c];
        }
        for (int o = 0; o < k->no; o++) {
            /* the positive group's column; a flipped one is compared mirrored */
            int c = o * m->groups * m->slices;
            double v = val[c];
            if (ce->ni.adc_error) { /* the sense amplifier's offset, gain and noise */
                v = (1.0 + ce->ni.adc_gain) * v + ce->ni.adc_offset;
                if (ce->ni.adc_noise > 0)
                    v += ce->ni.adc_noise * ni_rng_normal(&ce->rng);
            }
            if (xb->flip[c])
                v = cmax * u - v;
            out[k->o0 + o] = v >= ref[k->o0 + o] ? 1 : -1;
            decisions++;
        }
    }
    ce_req_t r = ce_program_req(ce, 1, 0);
    ce_timing_t tt;
    ce_mvm_run(ce, &r, 0, t ? t : &tt);
    ce->st.sense_decisions += (uint64_t)decisions;
    return decisions;
}

void ce_leak(ce_t *ce, uint64_t cycles)
{
    for (int i = 0; i < ce->n_xbars; i++)
        xbar_leak(&ce->xb[i], cycles);
    dac_leak(&ce->dac, cycles);
    sh_leak(&ce->sh, cycles);
    adc_leak(&ce->adc, cycles);
    sa_leak(&ce->sa, cycles);
    const arch_ce_t *c = &ce->a->ce;
    /* extras (e.g. PUMA's instruction memory) are counted as always on */
    double ns = cycles * comp_cycle_ns(ce->a);
    ce->st.reg_leakage_pj += (c->input_reg.cost.leakage_mw + c->output_reg.cost.leakage_mw) * ns;
    for (int i = 0; i < c->n_extras; i++)
        ce->st.extra_energy_pj +=
            (c->extras[i].cost.power_mw + c->extras[i].cost.leakage_mw) * c->extras[i].count * ns;
}

double ce_energy_pj(const ce_t *ce)
{
    double e = ce->st.dynamic_energy_pj + ce->st.reg_leakage_pj + ce->st.extra_energy_pj;
    for (int i = 0; i < ce->n_xbars; i++)
        e += ce->xb[i].st.leakage_energy_pj + ce->xb[i].st.write_energy_pj;
    e += ce->dac.st.leakage_energy_pj + ce->sh.st.leakage_energy_pj +
         ce->adc.st.leakage_energy_pj + ce->sa.st.leakage_energy_pj;
    return e;
}

void ce_stats_json(const ce_t *ce, json_w_t *w)
{
    desc_write_json(w, &ce->st, ce_stat_desc, ce_stat_count);
    jw_num(w, "energy_pj", ce_energy_pj(ce));
    jw_arr_begin(w, "crossbars");
    for (int i = 0; i < ce->n_xbars; i++) {
        jw_obj_begin(w, NULL);
        desc_write_json(w, &ce->xb[i].st, xbar_stat_desc, xbar_stat_count);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_begin(w, "dac");
    desc_write_json(w, &ce->dac.st, dac_stat_desc, dac_stat_count);
    jw_obj_end(w);
    jw_obj_begin(w, "sh");
    desc_write_json(w, &ce->sh.st, sh_stat_desc, sh_stat_count);
    jw_obj_end(w);
    jw_obj_begin(w, "adc");
    desc_write_json(w, &ce->adc.st, adc_stat_desc, adc_stat_count);
    jw_obj_end(w);
    jw_obj_begin(w, "sa");
    desc_write_json(w, &ce->sa.st, sa_stat_desc, sa_stat_count);
    jw_obj_end(w);
}
