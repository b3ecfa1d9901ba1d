/* The starvation and deadlock monitor (docs/noc.md): one threshold, the
 * watchdog. A flit that has waited at the front of its VC for that long is
 * reported (starvation, found by a scan every watchdog/8 cycles; the run goes
 * on); nothing moving anywhere for that long stops the network (deadlock).
 * Both reports list VCs as router, port, VC, front packet, age and what the
 * front flit waits for. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noc_internal.h"

#define REPORT_LINES 64 /* VCs listed per report */

static const char *port_name(int p, char *buf, size_t n)
{
    static const char *const dirs[NOC_NET_PORTS] = {"east", "west", "north", "south"};
    if (p < NOC_NET_PORTS)
        return dirs[p];
    snprintf(buf, n, "local%d", p - NOC_NET_PORTS);
    return buf;
}

/* A growing string. */
typedef struct text {
    char *s;
    size_t len, cap;
} text_t;

static void tprintf(text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tprintf(text_t *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = t->cap - t->len;
        int k = vsnprintf(t->s ? t->s + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (k < 0)
            return;
        if ((size_t)k < room) {
            t->len += (size_t)k;
            return;
        }
        t->cap = t->cap ? 2 * t->cap + (size_t)k : 1024 + (size_t)k;
        t->s = realloc(t->s, t->cap);
        if (!t->s)
            abort();
    }
}

/* The cycle since which the front flit of iv waits (it is at the front and
 * visible), or UINT64_MAX when it is not waiting yet. */
static uint64_t wait_since(const noc_ivc_t *iv, uint64_t t)
{
    if (!iv->count || iv->front_ready > t)
        return UINT64_MAX;
    return iv->front_ready;
}

/* One line on input VC i (router r, port, vc) at cycle t. */
static void vc_line(const noc_t *n, text_t *out, size_t i, uint64_t t)
{
    const noc_ivc_t *iv = &n->ivc[i];
    int r = (int)(i / ((size_t)n->P * n->V)), port = (int)(i / (size_t)n->V % (size_t)n->P),
        vc = (int)(i % (size_t)n->V);
    const noc_flit_t *f = &n->flits[iv->fbase + iv->head];
    uint32_t pid = f->pf & NOC_F_PKT;
    const noc_pkt_t *p = &n->pkt[pid];
    char b1[16], b2[16];
    int x, y;
    noc_router_xy(n, r, &x, &y);
    tprintf(out, "  router %d (%d,%d) in %s vc %d: %d flits, front %s of packet %d->%d (#%u)", r,
            x, y, port_name(port, b1, sizeof b1), vc, iv->count,
            (f->pf & NOC_F_HEAD) ? "head" : ((f->pf & NOC_F_TAIL) ? "tail" : "body"), p->src,
            p->dst, pid);
    uint64_t since = wait_since(iv, t);
    if (since != UINT64_MAX)
        tprintf(out, ", waiting %llu cycles", (unsigned long long)(t - since));
    if (iv->state == VC_ACTIVE && iv->out_port < NOC_NET_PORTS) {
        const noc_ivc_t *dn = &n->ivc[iv->out_ivc];
        if (credits(n, dn, t) > 0)
            tprintf(out, ", waits for the switch to %s vc %d\n",
                    port_name(iv->out_port, b2, sizeof b2), iv->out_vc);
        else
            tprintf(out, ", waits for credit on %s vc %d (downstream buffer %d/%d)\n",
                    port_name(iv->out_port, b2, sizeof b2), iv->out_vc, dn->count, n->B);
    } else if (iv->state == VC_ACTIVE) {
        tprintf(out, ", waits for the switch to %s\n", port_name(iv->out_port, b2, sizeof b2));
    } else if (iv->state == VC_VA) {
        tprintf(out, ", waits for an output VC (class %d..%d)\n", iv->vc_lo, iv->vc_hi - 1);
    } else {
        tprintf(out, "\n");
    }
}

typedef struct aged {
    uint64_t age;
    size_t ivc;
} aged_t;

static int older_first(const void *a, const void *b)
{
    const aged_t *x = a, *y = b;
    if (x->age != y->age)
        return x->age < y->age ? 1 : -1;
    return x->ivc < y->ivc ? -1 : x->ivc > y->ivc;
}

/* Every VC holding flits at cycle t, the longest wait first. */
static void list_vcs(const noc_t *n, text_t *out, uint64_t t)
{
    size_t nivc = (size_t)n->R * n->P * n->V, k = 0;
    aged_t *v = malloc((nivc ? nivc : 1) * sizeof *v);
    if (!v)
        abort();
    for (size_t i = 0; i < nivc; i++)
        if (n->ivc[i].count) {
            uint64_t since = wait_since(&n->ivc[i], t);
            v[k++] = (aged_t){since == UINT64_MAX ? 0 : t - since, i};
        }
    qsort(v, k, sizeof *v, older_first);
    for (size_t j = 0; j < k && j < REPORT_LINES; j++)
        vc_line(n, out, v[j].ivc, t);
    if (k > REPORT_LINES)
        tprintf(out, "  ... and %zu more VCs holding flits\n", k - REPORT_LINES);
    free(v);
}

static void set_report(noc_t *n, text_t *t)
{
    free(n->report);
    n->report = t->s ? t->s : calloc(1, 1);
}

void noc_watchdog_stop(noc_t *n, uint64_t t)
{
    text_t out = {0};
    tprintf(&out,
            "noc: watchdog: no flit moved for %llu cycles (cycle %llu, %llu flits in routers); "
            "blocked VCs:\n",
            (unsigned long long)(t - n->last_progress), (unsigned long long)t,
            (unsigned long long)n->in_network);
    list_vcs(n, &out, t);
    set_report(n, &out);
}

const char *noc_blocked_report(noc_t *n)
{
    text_t out = {0};
    uint64_t t = n->now;
    tprintf(&out, "noc: cycle %llu, %llu flits in routers (the last moved %llu cycles ago), %llu in "
                  "source queues; ",
            (unsigned long long)t, (unsigned long long)n->in_network,
            (unsigned long long)(t - n->last_progress), (unsigned long long)n->queued_flits);
    if (!n->in_network)
        tprintf(&out, "no VC holds a flit\n");
    else
        tprintf(&out, "VCs holding flits, longest wait first:\n");
    list_vcs(n, &out, t);
    set_report(n, &out);
    return n->report;
}

void noc_monitor_scan(noc_t *n, uint64_t t)
{
    uint64_t w = n->cfg.watchdog_cycles;
    n->mon_next = t - t % n->mon_period + n->mon_period;
    text_t out = {n->starve, n->starve_len, n->starve_cap};
    for (int r = 0; r < n->R; r++) {
        if (!n->rt[r].flits)
            continue;
        size_t i0 = (size_t)r * n->P * n->V;
        for (size_t i = i0; i < i0 + (size_t)n->P * n->V; i++) {
            const noc_ivc_t *iv = &n->ivc[i];
            uint64_t since = wait_since(iv, t);
            if (since == UINT64_MAX || t - since < w)
                continue;
            uint32_t pid = n->flits[iv->fbase + iv->head].pf & NOC_F_PKT;
            if (n->mon_seen[i] == pid + 1)
                continue; /* this wait is already reported */
            n->mon_seen[i] = pid + 1;
            if (n->starved++ < REPORT_LINES) {
                if (!out.len)
                    tprintf(&out, "noc: starvation: flits waiting %llu cycles or more while "
                                  "the network moves:\n",
                            (unsigned long long)w);
                tprintf(&out, "  cycle %llu:", (unsigned long long)t);
                vc_line(n, &out, i, t);
            }
        }
    }
    n->starve = out.s;
    n->starve_len = out.len;
    n->starve_cap = out.cap;
}

uint64_t noc_starved(const noc_t *n) { return n->starved; }

const char *noc_starvation_report(const noc_t *n) { return n->starve ? n->starve : ""; }

/* ---------------------------------------------------------------- fairness */

typedef struct noc_probe {
    uint32_t *sa_wait, *va_wait;   /* [ivc] cycles in a row asking, ungranted */
    uint8_t *asks;                 /* [ivc] this step: 1 switch, 2 VA */
    uint64_t *mark;                /* [ivc] progress marker before the step */
    noc_fairness_t f;
} noc_probe_t;

void noc_fairness_probe(noc_t *n, int on)
{
    if (n->probe) {
        free(n->probe->sa_wait);
        free(n->probe->va_wait);
        free(n->probe->asks);
        free(n->probe->mark);
        free(n->probe);
        n->probe = NULL;
    }
    if (!on)
        return;
    size_t nivc = (size_t)n->R * n->P * n->V;
    noc_probe_t *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    p->sa_wait = calloc(nivc, sizeof *p->sa_wait);
    p->va_wait = calloc(nivc, sizeof *p->va_wait);
    p->asks = calloc(nivc, 1);
    p->mark = calloc(nivc, sizeof *p->mark);
    if (!p->sa_wait || !p->va_wait || !p->asks || !p->mark)
        abort();
    n->probe = p;
}

void noc_fairness(const noc_t *n, noc_fairness_t *f)
{
    if (n->probe)
        *f = n->probe->f;
    else
        memset(f, 0, sizeof *f);
}

/* Some VC of iv's class free on one of its candidate ports (or a local
 * candidate: never contended). */
static int va_could(const noc_t *n, int r, const noc_ivc_t *iv)
{
    if (iv->cand & ~0xfu)
        return 1;
    uint64_t cls = noc_vc_class(iv->vc_lo, iv->vc_hi);
    for (uint32_t cm = iv->cand & 0xfu; cm; cm &= cm - 1)
        if (cls & ~n->rt[r].oown[__builtin_ctz(cm)])
            return 1;
    return 0;
}

/* Branches of a replicating VC: copies sent so far, and how many have a
 * VC; whether one waiting for VA could get one now. */
static uint64_t mc_marks(const noc_t *n, int r, const noc_ivc_t *iv, int *va_could_go)
{
    const noc_mcvc_t *m = &n->mcv[iv->mcv];
    uint64_t sent = 0, go = 0;
    int flits = n->pkt[m->pid].flits;
    *va_could_go = 0;
    for (int i = 0; i < m->nbr; i++) {
        const noc_branch_t *b = &m->br[i];
        sent += (uint64_t)b->sent;
        go += b->state != NOC_BR_VA;
        if (b->state != NOC_BR_VA)
            continue;
        if (b->port >= NOC_NET_PORTS) {
            *va_could_go = 1;
            continue;
        }
        if (noc_whole_vcs(n, r, b->port, b->lo, b->hi, flits, n->now))
            *va_could_go = 1;
    }
    return sent << 8 | go;
}

void noc_probe_before(noc_t *n, int r, uint64_t t)
{
    noc_probe_t *p = n->probe;
    const noc_router_t *rt = &n->rt[r];
    size_t i0 = (size_t)r * n->P * n->V;
    for (int port = 0; port < n->P; port++)
        for (int vc = 0; vc < n->V; vc++) {
            size_t i = i0 + (size_t)port * n->V + (size_t)vc;
            const noc_ivc_t *iv = &n->ivc[i];
            uint64_t live = rt->in[port].nonempty & (1ull << vc);
            p->asks[i] = 0;
            if (!iv->count || !live)
                continue;
            if (iv->state == VC_MC) {
                int va;
                p->mark[i] = mc_marks(n, r, iv, &va);
                p->asks[i] = (uint8_t)((noc_mc_outputs(n, iv, t) ? 1 : 0) | (va ? 2 : 0));
            } else if (iv->state == VC_ACTIVE) {
                p->mark[i] = iv->pop_t;
                if (iv->front_ready <= t &&
                    (iv->out_port >= NOC_NET_PORTS || credits(n, &n->ivc[iv->out_ivc], t) > 0))
                    p->asks[i] = 1;
            } else if (iv->state == VC_VA && iv->stage_ready <= t) {
                p->mark[i] = VC_VA;
                if (va_could(n, r, iv))
                    p->asks[i] = 2;
            }
        }
}

/* A VC's wait counts the steps it asked without a grant, since its last
 * grant (steps it did not ask do not count, nor reset it). */
static void waited(uint32_t *w, int asked, int got, uint64_t *max, int *wr, int *wp, int *wv,
                   int r, int port, int vc)
{
    if (got) {
        *w = 0;
        return;
    }
    if (!asked)
        return;
    if (++*w > *max) {
        *max = *w;
        *wr = r;
        *wp = port;
        *wv = vc;
    }
}

void noc_probe_after(noc_t *n, int r, uint64_t t)
{
    noc_probe_t *p = n->probe;
    size_t i0 = (size_t)r * n->P * n->V;
    for (int port = 0; port < n->P; port++)
        for (int vc = 0; vc < n->V; vc++) {
            size_t i = i0 + (size_t)port * n->V + (size_t)vc;
            const noc_ivc_t *iv = &n->ivc[i];
            int sa_got, va_got;
            if (p->asks[i] && iv->state == VC_MC && iv->mcv >= 0) {
                int dummy;
                uint64_t now = mc_marks(n, r, iv, &dummy);
                sa_got = now >> 8 != p->mark[i] >> 8;
                va_got = (now & 0xff) != (p->mark[i] & 0xff);
            } else {
                /* a switch grant reads a flit at t; a VA grant makes it active
                 * (a replicating VC that finished counts as served) */
                sa_got = iv->pop_t == t || p->mark[i] != iv->pop_t;
                va_got = iv->state != VC_VA;
            }
            waited(&p->sa_wait[i], p->asks[i] & 1, sa_got, &p->f.sa_max_wait_cycles,
                   &p->f.sa_router, &p->f.sa_port, &p->f.sa_vc, r, port, vc);
            waited(&p->va_wait[i], p->asks[i] & 2, va_got, &p->f.va_max_wait_cycles,
                   &p->f.va_router, &p->f.va_port, &p->f.va_vc, r, port, vc);
        }
}
