#include "quant_math.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void qm_weights_free(qm_weights_t *q)
{
    free(q->q);
    free(q->scale);
    free(q->zero);
    memset(q, 0, sizeof *q);
}

int qm_pow2_storage_bits(int bits, int base)
{
    int E = (1 << (bits - 1)) - 1, lg = base == 4 ? 2 : 1;
    /* largest magnitude base^(E-1): lg*(E-1)+1 magnitude bits, plus the sign */
    return lg * (E - 1) + 2;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

void qm_kmeans_1d(const float *x, size_t n, int k, double *c)
{
    float *s = malloc(sizeof *s * (n ? n : 1));
    if (!s || !n) {
        for (int j = 0; j < k; j++)
            c[j] = 0;
        free(s);
        return;
    }
    memcpy(s, x, sizeof *s * n);
    qsort(s, n, sizeof *s, cmp_float);
    for (int j = 0; j < k; j++) /* quantile starts: deterministic, spread */
        c[j] = s[(size_t)(((double)j + 0.5) / k * (double)n)];
    double *sum = calloc((size_t)k, sizeof *sum);
    size_t *cnt = calloc((size_t)k, sizeof *cnt);
    for (int it = 0; it < 50 && sum && cnt; it++) {
        memset(sum, 0, sizeof *sum * k);
        memset(cnt, 0, sizeof *cnt * k);
        /* sorted data and sorted centres: one sweep assigns every value */
        int j = 0;
        for (size_t i = 0; i < n; i++) {
            while (j + 1 < k && fabs(s[i] - c[j + 1]) < fabs(s[i] - c[j]))
                j++;
            sum[j] += s[i];
            cnt[j]++;
        }
        int moved = 0;
        for (j = 0; j < k; j++)
            if (cnt[j]) {
                double m = sum[j] / (double)cnt[j];
                moved |= m != c[j];
                c[j] = m;
            }
        for (j = 1; j < k; j++) /* keep them ascending (empty clusters stay put) */
            if (c[j] < c[j - 1]) {
                double t = c[j];
                c[j] = c[j - 1];
                c[j - 1] = t;
            }
        if (!moved)
            break;
    }
    free(sum);
    free(cnt);
    free(s);
}

/* Range of channel o (or of the whole tensor when per_channel is off). */
static void range_of(const float *w, int n_out, int n_in, int per_channel, int o, double *lo,
                     double *hi, double *amax, double *amean)
{
    size_t a = per_channel ? (size_t)o * n_in : 0, b = per_channel ? a + n_in : (size_t)n_out * n_in;
    *lo = 0;
    *hi = 0;
    *amax = 0;
    double s = 0;
    for (size_t i = a; i < b; i++) {
        double v = w[i];
        *lo = v < *lo ? v : *lo;
        *hi = v > *hi ? v : *hi;
        *amax = fabs(v) > *amax ? fabs(v) : *amax;
        s += fabs(v);
    }
    *amean = b > a ? s / (double)(b - a) : 0;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

int qm_quantize(const float *w, int n_out, int n_in, const qm_spec_t *sp, qm_weights_t *o,
                char *why, size_t nw)
{
    memset(o, 0, sizeof *o);
    int b = sp->bits;
    size_t N = (size_t)n_out * n_in;
    int min_bits = sp->scheme == QM_BINARY ? 1 : 2;
    if (b < min_bits || b > 32 || (sp->scheme == QM_POW2 && b > 6)) {
        snprintf(why, nw, "%d weight bits (expected %d..%d for this scheme)", b, min_bits,
                 sp->scheme == QM_POW2 ? 6 : 32);
        return -1;
    }
    if (sp->n_scale && sp->n_scale != 1 && sp->n_scale != n_out) {
        snprintf(why, nw, "%d weight scales for %d output channels (expected 1 or %d)",
                 sp->n_scale, n_out, n_out);
        return -1;
    }
    o->n_out = n_out;
    o->n_in = n_in;
    o->q = malloc(sizeof *o->q * (N ? N : 1));
    o->scale = malloc(sizeof *o->scale * (size_t)n_out);
    o->zero = calloc((size_t)n_out, sizeof *o->zero);
    double *lv = NULL;
    if (!o->q || !o->scale || !o->zero) {
        snprintf(why, nw, "out of memory");
        qm_weights_free(o);
        return -1;
    }
    int per = sp->per_channel || sp->n_scale == n_out;
    int64_t qmax = ((int64_t)1 << (b - 1)) - 1;
    o->storage_bits = b;
    /* codebook: the levels (given or k-means) on the symmetric b-bit grid */
    int nl = sp->n_levels > 0 ? sp->n_levels : 1 << (b < 20 ? b : 20);
    int64_t *lq = NULL;
    double cb_scale = 0;
    if (sp->scheme == QM_CODEBOOK) {
        lv = malloc(sizeof *lv * (size_t)nl);
        lq = malloc(sizeof *lq * (size_t)nl);
        if (!lv || !lq) {
            free(lv);
            free(lq);
            snprintf(why, nw, "out of memory");
            qm_weights_free(o);
            return -1;
        }
        if (sp->levels)
            memcpy(lv, sp->levels, sizeof *lv * (size_t)nl);
        else
            qm_kmeans_1d(w, N, nl, lv);
        double m = 0;
        for (int j = 0; j < nl; j++)
            m = fabs(lv[j]) > m ? fabs(lv[j]) : m;
        cb_scale = m > 0 ? m / (double)qmax : 1;
        for (int j = 0; j < nl; j++)
            lq[j] = clamp64(llround(lv[j] / cb_scale), -qmax - 1, qmax);
    }
    double tlo, thi, tamax, tamean, tsum = 0; /* per tensor: computed once */
    size_t tcnt = 0;
    range_of(w, n_out, n_in, 0, 0, &tlo, &thi, &tamax, &tamean);
    if (sp->scheme == QM_TERNARY && !per)
        for (size_t i = 0; i < N; i++)
            if (fabs(w[i]) > 0.7 * tamean) {
                tsum += fabs(w[i]);
                tcnt++;
            }
    for (int ch = 0; ch < n_out; ch++) {
        double lo = tlo, hi = thi, amax = tamax, amean = tamean, s = 0;
        int64_t z = 0;
        if (per)
            range_of(w, n_out, n_in, 1, ch, &lo, &hi, &amax, &amean);
        if (sp->n_scale) {
            s = sp->scale[sp->n_scale == 1 ? 0 : ch];
            z = sp->zero ? sp->zero[sp->n_scale == 1 ? 0 : ch] : 0;
        }
        const float *wr = w + (size_t)ch * n_in;
        int64_t *qr = o->q + (size_t)ch * n_in;
        switch (sp->scheme) {
        case QM_UNIFORM:
            if (sp->symmetric) {
                if (!sp->n_scale)
                    s = amax / (double)qmax;
                if (s <= 0)
                    s = 1;
                for (int i = 0; i < n_in; i++)
                    qr[i] = clamp64(llround(wr[i] / s) + z, -qmax - 1, qmax);
            } else {
                int64_t top = ((int64_t)1 << b) - 1;
                if (!sp->n_scale) {
                    s = (hi - lo) / (double)top;
                    if (s <= 0)
                        s = 1;
                    z = clamp64(llround(-lo / s), 0, top);
                }
                for (int i = 0; i < n_in; i++)
                    qr[i] = clamp64(llround(wr[i] / s) + z, 0, top);
                o->is_unsigned = 1;
            }
            break;
        case QM_POW2: {
            int base = sp->log_base == 4 ? 4 : 2, E = (1 << (b - 1)) - 1;
            double top = pow(base, E - 1);
            if (!sp->n_scale)
                s = amax > 0 ? amax / top : 1;
            for (int i = 0; i < n_in; i++) {
                double m = fabs(wr[i]) / s, best = 0;
                /* nearest of 0, base^0 .. base^(E-1) */
                for (double p = 1; p <= top; p *= base)
                    if (fabs(m - p) < fabs(m - best))
                        best = p;
                qr[i] = (wr[i] < 0 ? -1 : 1) * (int64_t)best;
            }
            o->storage_bits = qm_pow2_storage_bits(b, base);
            break;
        }
        case QM_CODEBOOK:
            s = cb_scale;
            for (int i = 0; i < n_in; i++) {
                int j = 0;
                for (int k = 1; k < nl; k++)
                    if (fabs(wr[i] - lv[k]) < fabs(wr[i] - lv[j]))
                        j = k;
                qr[i] = lq[j];
            }
            break;
        case QM_TERNARY: {
            double thr = 0.7 * amean, sum = tsum;
            size_t cnt = tcnt;
            if (per) {
                sum = 0;
                cnt = 0;
                for (int i = 0; i < n_in; i++)
                    if (fabs(wr[i]) > thr) {
                        sum += fabs(wr[i]);
                        cnt++;
                    }
            }
            if (!sp->n_scale)
                s = cnt ? sum / (double)cnt : 1;
            for (int i = 0; i < n_in; i++)
                qr[i] = fabs(wr[i]) > thr ? (wr[i] < 0 ? -1 : 1) : 0;
            o->storage_bits = 2;
            break;
        }
        case QM_BINARY:
            if (!sp->n_scale)
                s = amean > 0 ? amean : 1;
            for (int i = 0; i < n_in; i++)
                qr[i] = wr[i] < 0 ? -1 : 1;
            o->storage_bits = 1;
            break;
        }
        o->scale[ch] = s;
        o->zero[ch] = z;
    }
    free(lv);
    free(lq);
    return 0;
}
