/* Destination sets of multicast packets (noc_pkt_t.ds), interned: equal sets
 * share one record, counted by reference, and a set remembers how it splits
 * into branches at each router it reached (noc_dset_split): every position
 * of a layer sends to the same sets along the same trees, so noc_mc_enter
 * groups a set's destinations once per router instead of at every packet.
 *
 * A set no packet holds stays cached, with its splits, for the next message
 * to the same tiles; once there are more such idle sets than held ones (and
 * more than noc_t.dset_idle_max, 1,024; test_noc sweeps at every chance),
 * the idle ones go. A split holds a reference to each of its branches'
 * sets, so those outlive it; but for its own set (one branch has all of
 * it), which a reference would keep from ever going idle. */
#include <stdlib.h>
#include <string.h>

#include "noc_internal.h"

static uint32_t set_hash(const int32_t *d, int k)
{
    uint32_t h = 2166136261u ^ (uint32_t)k; /* FNV-1a over the words, then mixed */
    for (int i = 0; i < k; i++)
        h = (h ^ (uint32_t)d[i]) * 16777619u;
    h ^= h >> 16;
    h *= 0x7feb352du;
    return h ^ (h >> 15);
}

static void hash_insert(noc_t *n, int id)
{
    uint32_t i = n->dset[id].hash & n->dhmask;
    while (n->dhash[i] >= 0)
        i = (i + 1) & n->dhmask;
    n->dhash[i] = id;
}

/* The table, rebuilt with room for twice the cached sets (at least 64). */
static void hash_rebuild(noc_t *n)
{
    uint32_t size = 64;
    while (size < 2u * (uint32_t)n->dsets_cached + 2u)
        size *= 2;
    free(n->dhash);
    n->dhash = malloc(size * sizeof *n->dhash);
    if (!n->dhash)
        abort();
    memset(n->dhash, 0xff, size * sizeof *n->dhash);
    n->dhmask = size - 1;
    for (int id = 0; id < n->ndset_cap; id++)
        if (n->dset[id].cached)
            hash_insert(n, id);
}

int noc_dset_ref(noc_t *n, int id)
{
    if (!n->dset[id].refs++)
        n->dsets_idle--;
    return id;
}

/* One reference less; 1 when that left the set idle. */
static int unref(noc_t *n, int id)
{
    if (--n->dset[id].refs)
        return 0;
    n->dsets_idle++;
    return 1;
}

int noc_dset_get(noc_t *n, const int32_t *d, int k)
{
    uint32_t h = set_hash(d, k);
    if (n->dhash)
        for (uint32_t i = h & n->dhmask; n->dhash[i] >= 0; i = (i + 1) & n->dhmask) {
            const noc_dset_t *s = &n->dset[n->dhash[i]];
            if (s->hash == h && s->n == k && !memcmp(s->d, d, (size_t)k * sizeof *d))
                return noc_dset_ref(n, n->dhash[i]);
        }
    int id = noc_dset_alloc(n);
    if (id < 0)
        abort(); /* 2^30 sets: more than the packets the network can hold */
    noc_dset_t *s = &n->dset[id];
    if (s->cap < k) { /* a freed set keeps its array for the next one */
        free(s->d);
        s->d = malloc((size_t)k * sizeof *s->d);
        if (!s->d)
            abort();
        s->cap = k;
    }
    memcpy(s->d, d, (size_t)k * sizeof *d);
    s->n = k;
    s->hash = h;
    s->refs = 1;
    s->split = -1;
    s->cached = 1;
    n->dsets_cached++;
    if (!n->dhash || 2u * (uint32_t)n->dsets_cached > n->dhmask)
        hash_rebuild(n);
    else
        hash_insert(n, id);
    return id;
}

/* The idle sets go, with their splits (which let go of their branches'
 * sets: those that become idle go at a later sweep). */
static void sweep(noc_t *n)
{
    for (int id = 0; id < n->ndset_cap; id++) {
        noc_dset_t *s = &n->dset[id];
        if (!s->cached || s->refs)
            continue;
        for (int i = s->split, next; i >= 0; i = next) {
            noc_split_t *sp = &n->split[i];
            for (int b = 0; b < sp->nbr; b++)
                if (sp->br[b].ds >= 0 && sp->br[b].ds != id)
                    unref(n, sp->br[b].ds);
            next = sp->next;
            sp->next = n->free_split;
            n->free_split = i;
        }
        s->split = -1;
        s->cached = 0;
        n->dsets_cached--;
        n->dsets_idle--;
        s->next = n->free_dset;
        n->free_dset = id;
    }
    hash_rebuild(n);
}

void noc_dset_put(noc_t *n, int id)
{
    if (unref(n, id) && n->dsets_idle > n->dset_idle_max && 2 * n->dsets_idle > n->dsets_cached)
        sweep(n);
}

/* Router-to-router hops from router r to endpoint e (from the table of
 * router pairs when the network has one). */
static int hops_from(const noc_t *n, int r, int e)
{
    if (n->rhops)
        return n->rhops[(size_t)r * (size_t)n->R + (size_t)(e / n->C)];
    int x, y;
    noc_router_xy(n, r, &x, &y);
    return n->topo->dist(n->cfg.kx, x, n->epx[e]) + n->topo->dist(n->cfg.ky, y, n->epy[e]);
}

/* The output port of router r on the tree toward endpoint e (noc_tree_port,
 * from the table noc_create() fills when there is one). */
static int tree_port(const noc_t *n, int r, int e)
{
    if (n->mtree)
        return n->mtree[(size_t)r * (size_t)n->E + (size_t)e];
    return noc_tree_port(n, r, e);
}

/* Set id's destinations grouped by output port of router r: a branch per
 * port, in port order, each group in the set's order. */
static int split_new(noc_t *n, int id, int r)
{
    int k = n->dset[id].n, cnt[4 + NOC_MAX_CONCENTRATION] = {0}, at[4 + NOC_MAX_CONCENTRATION];
    const int32_t *d = n->dset[id].d; /* its own array: stays put while the pool grows */
    int32_t *tmp = noc_mc_scratch(n, k), *port_of = tmp + k;
    uint32_t used = 0;
    for (int i = 0; i < k; i++) {
        cnt[port_of[i] = tree_port(n, r, d[i])]++;
        used |= 1u << port_of[i];
    }
    int sum = 0;
    for (uint32_t um = used; um; um &= um - 1) {
        int o = __builtin_ctz(um);
        at[o] = sum;
        sum += cnt[o];
    }
    for (int i = 0; i < k; i++)
        tmp[at[port_of[i]]++] = d[i];
    int si = noc_split_alloc(n);
    if (si < 0)
        abort();
    n->split[si].r = r;
    n->split[si].used = used;
    n->split[si].nbr = 0;
    for (uint32_t um = used; um; um &= um - 1) {
        int o = __builtin_ctz(um), g = cnt[o];
        const int32_t *grp = tmp + at[o] - g;
        /* a tree step is a minimal one: every destination of a network
         * branch is one hop nearer from the next router; a local branch's
         * are here (0) */
        int hn = 0;
        if (o < NOC_NET_PORTS) {
            int nb = n->rt[r].nbr[o];
            hn = INT32_MAX;
            for (int i = 0; i < g; i++) {
                int h = hops_from(n, nb, grp[i]);
                hn = h < hn ? h : hn;
            }
        }
        /* the whole set on one branch: itself, not held (see above) */
        int ds = g == k ? id : g > 1 ? noc_dset_get(n, grp, g) : -1; /* may move the pools */
        noc_split_t *sp = &n->split[si];
        noc_split_br_t *b = &sp->br[sp->nbr++];
        b->port = (int8_t)o;
        b->ds = ds;
        b->dst = grp[0];
        b->hops_next = hn;
    }
    n->split[si].next = n->dset[id].split;
    n->dset[id].split = si;
    return si;
}

int noc_dset_split(noc_t *n, int id, int r)
{
    for (int i = n->dset[id].split; i >= 0; i = n->split[i].next)
        if (n->split[i].r == r)
            return i;
    return split_new(n, id, r);
}

void noc_dset_free_all(noc_t *n)
{
    for (int i = 0; i < n->ndset_cap; i++)
        free(n->dset[i].d);
    free(n->dset);
    free(n->split);
    free(n->dhash);
}
