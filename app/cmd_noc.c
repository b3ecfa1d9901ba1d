/* imcsim noc: the network alone under synthetic traffic. Every network
 * option is an alias of --set on the architecture's parameter table
 * (chip.noc.* and the router grid: one set of names, bounds and defaults,
 * shared with `imcsim run`); the traffic and output options are noc-only. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_load.h"
#include "cli.h"
#include "json.h"
#include "noc.h"
#include "noc_traffic.h"
#include "opts.h"
#include "params.h"
#include "strutil.h"

/* A network flag: sets `key` (and `key2`, for --k) to its value, or to
 * `fixed` when it takes none. */
typedef struct alias {
    const char *flag, *arg, *key, *key2, *fixed;
} alias_t;

static const alias_t aliases[] = {
    {"--topology", "T", "chip.noc.topology", NULL, NULL},
    {"--k", "K", "chip.grid_x", "chip.grid_y", NULL},
    {"--kx", "X", "chip.grid_x", NULL, NULL},
    {"--ky", "Y", "chip.grid_y", NULL, NULL},
    {"--concentration", "C", "chip.noc.concentration", NULL, NULL},
    {"--routing", "R", "chip.noc.routing", NULL, NULL},
    {"--vcs", "N", "chip.noc.vcs", NULL, NULL},
    {"--vc-buf", "FLITS", "chip.noc.vc_buf_flits", NULL, NULL},
    {"--packet-size", "FLITS", "chip.noc.packet_flits", NULL, NULL},
    {"--flit-bits", "B", "chip.noc.flit_bits", NULL, NULL},
    {"--routing-delay", "C", "chip.noc.routing_delay", NULL, NULL},
    {"--lookahead", NULL, "chip.noc.lookahead", NULL, "true"},
    {"--va-delay", "C", "chip.noc.vc_alloc_delay", NULL, NULL},
    {"--sa-delay", "C", "chip.noc.sw_alloc_delay", NULL, NULL},
    {"--st-delay", "C", "chip.noc.st_delay", NULL, NULL},
    {"--link-latency", "C", "chip.noc.link_latency", NULL, NULL},
    {"--credit-delay", "C", "chip.noc.credit_delay", NULL, NULL},
    {"--credit-latency", "C", "chip.noc.credit_latency", NULL, NULL},
    {"--vc-allocator", "A", "chip.noc.vc_allocator", NULL, NULL},
    {"--sw-allocator", "A", "chip.noc.sw_allocator", NULL, NULL},
    {"--islip", NULL, "chip.noc.sw_allocator", NULL, "islip"},
    {"--alloc-iters", "N", "chip.noc.alloc_iters", NULL, NULL},
    {"--input-speedup", "S", "chip.noc.input_speedup", NULL, NULL},
    {"--output-speedup", "S", "chip.noc.output_speedup", NULL, NULL},
    {"--wait-for-tail-credit", NULL, "chip.noc.wait_for_tail_credit", NULL, "true"},
    {"--no-dateline", NULL, "chip.noc.dateline", NULL, "false"},
    {"--watchdog", "CYCLES", "chip.noc.watchdog_cycles", NULL, NULL},
};
#define NALIASES (sizeof aliases / sizeof aliases[0])

/* Is key a parameter of the network (the grid or chip.noc.*)? */
static int network_key(const char *key)
{
    return !strncmp(key, "chip.noc.", 9) || !strcmp(key, "chip.grid_x") ||
           !strcmp(key, "chip.grid_y");
}

/* Set one table parameter; `shown` is how the user wrote it. */
static int set_param(arch_t *a, const char *key, const char *val, const char *shown)
{
    const arch_param_t *p = arch_param_find(key);
    char why[320];
    if (!p || !network_key(key) || p->d.type == DESC_LIST) {
        size_t np;
        const arch_param_t *t = arch_params(&np);
        const char *keys[256];
        size_t nk = 0;
        for (size_t i = 0; i < np && nk < 256; i++)
            if (network_key(t[i].d.name))
                keys[nk++] = t[i].d.name;
        const char *near = str_closest(key, keys, nk);
        fprintf(stderr,
                "imcsim noc: error: %s: %s '%s' (expected chip.noc.*, chip.grid_x or "
                "chip.grid_y%s%s%s)\n",
                shown, p ? "not a network parameter" : "unknown key", key,
                near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        return -1;
    }
    if (arch_param_set_text(a, p, val, why, sizeof why)) {
        const char *near = NULL, *names[64];
        if (p->d.type == DESC_ENUM) {
            size_t k = 0;
            while (k < 64 && (names[k] = arch_param_enum_name(p, (int)k)))
                k++;
            near = str_closest(val, names, k);
        }
        fprintf(stderr, "imcsim noc: error: %s '%s' (%s%s%s%s)\n", shown, val, why,
                near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        return -1;
    }
    return 0;
}

static const char *param_name(const char *key, int v)
{
    return arch_param_enum_name(arch_param_find(key), v);
}

static const char *const port_names[] = {"east", "west", "north", "south"};

/* Average latencies exist only when a packet was delivered. */
static void print_latency(const char *label, int any, double v)
{
    if (any)
        printf("%-36s %14.3f\n", label, v);
    else
        printf("%-36s %14s\n", label, "none delivered");
}

static void print_text(const noc_t *n, const noc_synth_t *s, const noc_synth_result_t *r,
                       int links)
{
    const noc_config_t *c = noc_config(n);
    int any = r->packets_delivered > 0;
    printf("network: %s %dx%d, %d endpoints (%d per router), %s routing, %d VCs x %d flits\n",
           param_name("chip.noc.topology", c->topology), c->kx, c->ky, noc_endpoints(n),
           c->concentration, param_name("chip.noc.routing", c->routing), c->vcs,
           c->vc_buf_flits);
    printf("router: VC allocator %s, switch allocator %s, speedup %d in / %d out%s\n",
           param_name("chip.noc.vc_allocator", c->vc_alloc),
           param_name("chip.noc.sw_allocator", c->sw_alloc), c->input_speedup,
           c->output_speedup, c->wait_for_tail_credit ? ", VCs wait for the tail credit" : "");
    printf("traffic: %s, rate %g flits/node/cycle, %d-flit packets, seed %llu\n",
           noc_traffic_names[s->traffic], s->rate, c->packet_flits,
           (unsigned long long)s->seed);
    print_latency("avg_packet_latency (cycles)", any, r->avg_packet_latency_cycles);
    print_latency("avg_network_latency (cycles)", any, r->avg_network_latency_cycles);
    if (any) {
        printf("%-36s %14llu\n", "max_packet_latency (cycles)",
               (unsigned long long)r->max_packet_latency_cycles);
        printf("%-36s %4llu / %4llu / %4llu\n", "packet latency p50/p95/p99 (cycles)",
               (unsigned long long)r->p50_packet_latency_cycles,
               (unsigned long long)r->p95_packet_latency_cycles,
               (unsigned long long)r->p99_packet_latency_cycles);
    }
    print_latency("avg_hops (hops)", any, r->avg_hops);
    printf("%-36s %14.4f\n", "offered (flits/node/cycle)", r->offered_flits_per_node_cycle);
    printf("%-36s %14.4f\n", "accepted (flits/node/cycle)", r->accepted_flits_per_node_cycle);
    printf("%-36s %14llu\n", "flits_injected (flits)", (unsigned long long)r->flits_injected);
    printf("%-36s %14llu\n", "flits_ejected (flits)", (unsigned long long)r->flits_ejected);
    printf("%-36s %14llu / %llu\n", "packets delivered / measured",
           (unsigned long long)r->packets_delivered, (unsigned long long)r->packets_measured);
    printf("%-36s %14lld\n", "source queue growth (flits)", (long long)r->queue_growth_flits);
    printf("%-36s %14llu\n", "sim_cycles (cycles)", (unsigned long long)r->sim_cycles);
    printf("%-36s %14s\n", "saturated", r->saturated ? "yes" : "no");
    if (r->saturated)
        printf("%-36s %14s\n", "saturation test", noc_sat_test_names[r->saturation_test]);
    if (r->starved)
        printf("%-36s %14llu\n", "starved flits (>= watchdog)", (unsigned long long)r->starved);
    double cyc = (double)(r->stats.cycles ? r->stats.cycles : 1);
    double umax = 0, usum = 0;
    int nl = 0;
    for (int rt = 0; rt < noc_routers(n); rt++)
        for (int p = 0; p < 4; p++) {
            if (noc_port_flits(n, rt, p) < 0)
                continue;
            double u = (double)r->port_flits[rt * (4 + c->concentration) + p] / cyc;
            umax = u > umax ? u : umax;
            usum += u;
            nl++;
        }
    printf("%-36s %14.4f\n", "mean link utilization (flits/cycle)", nl ? usum / nl : 0.0);
    printf("%-36s %14.4f\n", "max link utilization (flits/cycle)", umax);
    double fl = (double)(r->stats.flits_ejected ? r->stats.flits_ejected : 1);
    printf("%-36s %14.3f\n", "dynamic energy (pJ/flit)", r->stats.dynamic_energy_pj / fl);
    printf("%-36s %14.3f\n", "dynamic energy (nJ)", r->stats.dynamic_energy_pj * 1e-3);
    printf("%-36s %14.3f\n", "leakage energy (nJ)", r->stats.leakage_energy_pj * 1e-3);
    printf("%-36s %14.4f\n", "router area (mm2)", r->stats.router_area_mm2);
    if (links) {
        printf("\n%-8s %-6s %-8s %12s\n", "router", "port", "to", "util (flits/cycle)");
        for (int rt = 0; rt < noc_routers(n); rt++)
            for (int p = 0; p < 4; p++) {
                if (noc_port_flits(n, rt, p) >= 0)
                    printf("%-8d %-6s %-8d %12.4f\n", rt, port_names[p], noc_neighbor(n, rt, p),
                           (double)r->port_flits[rt * (4 + c->concentration) + p] / cyc);
            }
    }
}

/* A latency in JSON: null when nothing was delivered. */
static void jw_latency(json_w_t *w, const char *key, int any, double v)
{
    if (any)
        jw_num(w, key, v);
    else
        jw_null(w, key);
}

static void print_json(const noc_t *n, const noc_synth_t *s, const noc_synth_result_t *r)
{
    const noc_config_t *c = noc_config(n);
    int any = r->packets_delivered > 0;
    json_w_t w;
    jw_init(&w, stdout);
    jw_obj_begin(&w, NULL);
    jw_obj_begin(&w, "network");
    jw_str(&w, "topology", param_name("chip.noc.topology", c->topology));
    jw_int(&w, "kx", c->kx);
    jw_int(&w, "ky", c->ky);
    jw_int(&w, "concentration", c->concentration);
    jw_int(&w, "endpoints", noc_endpoints(n));
    jw_str(&w, "routing", param_name("chip.noc.routing", c->routing));
    jw_int(&w, "vcs", c->vcs);
    jw_int(&w, "vc_buf_flits", c->vc_buf_flits);
    jw_int(&w, "flit_bits", c->flit_bits);
    jw_int(&w, "router_delay_cycles",
           (c->lookahead ? 0 : c->routing_delay) + c->vc_alloc_delay + c->sw_alloc_delay +
               c->st_delay);
    jw_int(&w, "link_latency_cycles", c->link_latency);
    jw_int(&w, "credit_delay_cycles", c->credit_delay);
    jw_int(&w, "credit_latency_cycles", c->credit_latency);
    jw_str(&w, "vc_allocator", param_name("chip.noc.vc_allocator", c->vc_alloc));
    jw_str(&w, "switch_allocator", param_name("chip.noc.sw_allocator", c->sw_alloc));
    jw_int(&w, "alloc_iters", c->alloc_iters);
    jw_int(&w, "input_speedup", c->input_speedup);
    jw_int(&w, "output_speedup", c->output_speedup);
    jw_bool(&w, "wait_for_tail_credit", c->wait_for_tail_credit);
    jw_bool(&w, "dateline", c->topology == TOPO_TORUS && c->dateline);
    jw_uint(&w, "watchdog_cycles", c->watchdog_cycles);
    jw_obj_end(&w);
    jw_obj_begin(&w, "traffic");
    jw_str(&w, "pattern", noc_traffic_names[s->traffic]);
    jw_num(&w, "rate_flits_per_node_cycle", s->rate);
    jw_int(&w, "packet_flits", c->packet_flits);
    jw_uint(&w, "warmup_cycles", s->warmup);
    jw_uint(&w, "measure_cycles", s->measure);
    jw_uint(&w, "seed", s->seed);
    jw_obj_end(&w);
    jw_latency(&w, "avg_packet_latency_cycles", any, r->avg_packet_latency_cycles);
    jw_latency(&w, "avg_network_latency_cycles", any, r->avg_network_latency_cycles);
    jw_latency(&w, "max_packet_latency_cycles", any, (double)r->max_packet_latency_cycles);
    jw_latency(&w, "p50_packet_latency_cycles", any, (double)r->p50_packet_latency_cycles);
    jw_latency(&w, "p95_packet_latency_cycles", any, (double)r->p95_packet_latency_cycles);
    jw_latency(&w, "p99_packet_latency_cycles", any, (double)r->p99_packet_latency_cycles);
    jw_latency(&w, "avg_hops", any, r->avg_hops);
    jw_num(&w, "offered_flits_per_node_cycle", r->offered_flits_per_node_cycle);
    jw_num(&w, "accepted_flits_per_node_cycle", r->accepted_flits_per_node_cycle);
    jw_uint(&w, "flits_injected", r->flits_injected);
    jw_uint(&w, "flits_ejected", r->flits_ejected);
    jw_uint(&w, "packets_measured", r->packets_measured);
    jw_uint(&w, "packets_delivered", r->packets_delivered);
    jw_int(&w, "queue_growth_flits", r->queue_growth_flits);
    jw_uint(&w, "sim_cycles", r->sim_cycles);
    jw_bool(&w, "saturated", r->saturated);
    jw_obj_begin(&w, "saturation");
    if (r->saturated)
        jw_str(&w, "test", noc_sat_test_names[r->saturation_test]);
    else
        jw_null(&w, "test");
    jw_uint(&w, "undelivered_packets", r->packets_measured - r->packets_delivered);
    jw_int(&w, "max_source_growth_flits", r->max_source_growth_flits);
    jw_num(&w, "source_growth_limit_flits", r->source_growth_limit_flits);
    jw_latency(&w, "first_quarter_latency_cycles", any, r->first_quarter_latency_cycles);
    jw_latency(&w, "last_quarter_latency_cycles", any, r->last_quarter_latency_cycles);
    jw_num(&w, "latency_ratio_limit", NOC_SAT_LATENCY_RATIO);
    jw_obj_end(&w);
    jw_bool(&w, "watchdog", r->watchdog);
    jw_uint(&w, "starved_flits", r->starved);
    jw_obj_begin(&w, "window");
    desc_write_json(&w, &r->stats, noc_stat_table, noc_stat_count);
    double fl = (double)(r->stats.flits_ejected ? r->stats.flits_ejected : 1);
    jw_num(&w, "dynamic_energy_pj_per_flit", r->stats.dynamic_energy_pj / fl);
    jw_obj_end(&w);
    double cyc = (double)(r->stats.cycles ? r->stats.cycles : 1);
    jw_arr_begin(&w, "routers");
    for (int rt = 0; rt < noc_routers(n); rt++) {
        uint64_t f = 0;
        for (int p = 0; p < 4 + c->concentration; p++)
            f += r->port_flits[rt * (4 + c->concentration) + p];
        jw_obj_begin(&w, NULL);
        jw_int(&w, "router", rt);
        jw_uint(&w, "flits", f);
        jw_num(&w, "utilization_flits_per_cycle", (double)f / cyc);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_arr_begin(&w, "links");
    for (int rt = 0; rt < noc_routers(n); rt++)
        for (int p = 0; p < 4; p++) {
            if (noc_port_flits(n, rt, p) < 0)
                continue;
            int64_t f = (int64_t)r->port_flits[rt * (4 + c->concentration) + p];
            jw_obj_begin(&w, NULL);
            jw_int(&w, "from", rt);
            jw_int(&w, "to", noc_neighbor(n, rt, p));
            jw_str(&w, "port", port_names[p]);
            jw_int(&w, "flits", f);
            jw_num(&w, "utilization_flits_per_cycle", (double)f / cyc);
            jw_obj_end(&w);
        }
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_finish(&w);
}

/* Print diag lines ("noc: error: ...") with the command in front. */
static void print_diag(const imc_diag_t *d)
{
    for (const char *t = d->text ? d->text : ""; *t;) {
        const char *nl = strchr(t, '\n');
        int len = nl ? (int)(nl - t) : (int)strlen(t);
        fprintf(stderr, "imcsim %.*s\n", len, t);
        t += len + (nl ? 1 : 0);
    }
}

static const char *traffic_name(int i)
{
    return i >= 0 && i < NOC_TRAFFIC_COUNT_ ? noc_traffic_names[i] : NULL;
}

int imc_cmd_noc(int argc, char **argv)
{
    static const opts_cmd_t cmd = {
        "noc", "noc [options]",
        "Runs the network-on-chip alone under synthetic traffic: warm-up, measurement\n"
        "window, then drain of the window's packets. Rates are flits per endpoint per\n"
        "cycle. The network is the architecture's (default: the default architecture,\n"
        "see 'imcsim arch params'): --set takes any chip.noc.* key, chip.grid_x or\n"
        "chip.grid_y, and each network option below is an alias of --set on the key\n"
        "it names (docs/noc.md). The aliases apply first (in the order listed), then\n"
        "--set in command-line order.\n",
        "exit status: 0 ok; 1 deadlock (watchdog) or window packets undelivered at the\n"
        "end (report on stderr); 2 bad usage\n",
        0, 0, NULL};
    noc_synth_t s;
    noc_synth_default(&s);
    int json = 0, links = 0, traffic = NOC_TRAFFIC_UNIFORM;
    int64_t warmup = (int64_t)s.warmup, measure = (int64_t)s.measure, drain = 0,
            seed = (int64_t)s.seed;
    const char *arch_spec = NULL;
    opt_list_t sets = {0}, vals[NALIASES];
    int flags[NALIASES];
    char help[NALIASES][160];
    memset(vals, 0, sizeof vals);
    memset(flags, 0, sizeof flags);
    opt_t opts[NALIASES + 16];
    int k = 0;
    opts[k++] = (opt_t)OPT_STRING(0, "arch", &arch_spec, "FILE|PRESET",
                                  "start from this architecture's network");
    opts[k++] = (opt_t)OPT_SET(&sets);
    for (size_t i = 0; i < NALIASES; i++) { /* the aliases, described from the table */
        const alias_t *al = &aliases[i];
        const arch_param_t *p = arch_param_find(al->key);
        if (al->fixed)
            snprintf(help[i], sizeof help[i], "= --set %s=%s", al->key, al->fixed);
        else
            snprintf(help[i], sizeof help[i], "= --set %s%s%s (default %s)", al->key,
                     al->key2 ? ", " : "", al->key2 ? al->key2 : "", p->def);
        opts[k++] = al->fixed ? (opt_t)OPT_FLAG(0, al->flag + 2, &flags[i], help[i])
                              : (opt_t)OPT_LIST(0, al->flag + 2, &vals[i], al->arg, help[i]);
    }
    opts[k++] = (opt_t)OPT_ENUM(0, "traffic", &traffic, "T", traffic_name,
                                "uniform transpose bitcomp bitrev shuffle tornado neighbor\n"
                                "hotspot (default uniform)");
    opts[k++] = (opt_t)OPT_DOUBLE(0, "hotspot-frac", &s.hotspot_frac, "F", 0, 1,
                                  "hotspot: fraction of packets to the hotspot (default 0.1)");
    opts[k++] = (opt_t)OPT_DOUBLE(0, "rate", &s.rate, "R", 0, 1,
                                  "offered load, flits/endpoint/cycle (default 0.1)");
    opts[k++] = (opt_t)OPT_INT(0, "warmup", &warmup, "CYCLES", 0, 1000000000000LL,
                               "warm-up cycles (default 10000)");
    opts[k++] = (opt_t)OPT_INT(0, "measure", &measure, "CYCLES", 1, 1000000000000LL,
                               "measurement window (default 100000)");
    opts[k++] = (opt_t)OPT_INT(0, "drain", &drain, "CYCLES", 1, 1000000000000LL,
                               "drain limit after the window (default 10 windows)");
    opts[k++] = (opt_t)OPT_INT(0, "seed", &seed, "S", 0, INT64_MAX, "PRNG seed (default 1)");
    opts[k++] = (opt_t)OPT_FLAG(0, "json", &json,
                                "JSON on stdout (every link's utilization included)");
    opts[k++] = (opt_t)OPT_FLAG(0, "links", &links, "text: print every link's utilization");
    opts[k++] = (opt_t)OPT_END;
    int rc = opts_parse(&cmd, opts, argc, argv, NULL, NULL);
    arch_t a;
    arch_params_defaults(&a);
    if (rc == OPTS_GO && arch_spec) {
        imc_diag_t d;
        diag_init(&d);
        if (arch_load(arch_spec, NULL, 0, &a, &d)) {
            fputs(d.text ? d.text : "imcsim noc: error: cannot load the architecture\n", stderr);
            rc = 2;
        } else if (d.text && d.len) {
            fputs(d.text, stderr); /* warnings */
        }
        diag_free(&d);
    }
    for (size_t i = 0; i < NALIASES && rc == OPTS_GO; i++) {
        const alias_t *al = &aliases[i];
        if (flags[i] && set_param(&a, al->key, al->fixed, al->flag))
            rc = 2;
        for (int j = 0; j < vals[i].n && rc == OPTS_GO; j++)
            if (set_param(&a, al->key, vals[i].v[j], al->flag) ||
                (al->key2 && set_param(&a, al->key2, vals[i].v[j], al->flag)))
                rc = 2;
    }
    for (int j = 0; j < sets.n && rc == OPTS_GO; j++) {
        const char *v = sets.v[j], *e = strchr(v, '=');
        char key[128], shown[200];
        if (!e || e == v || (size_t)(e - v) >= sizeof key) {
            rc = opts_usage_error(&cmd, "--set '%s' (expected KEY=VALUE, e.g. chip.noc.vcs=4)", v);
            break;
        }
        memcpy(key, v, (size_t)(e - v));
        key[e - v] = 0;
        snprintf(shown, sizeof shown, "--set %.150s", v);
        if (set_param(&a, key, e + 1, shown))
            rc = 2;
    }
    opt_list_free(&sets);
    for (size_t i = 0; i < NALIASES; i++)
        opt_list_free(&vals[i]);
    if (rc != OPTS_GO)
        return rc;
    s.traffic = (noc_traffic_t)traffic;
    s.warmup = (uint64_t)warmup;
    s.measure = (uint64_t)measure;
    s.drain_max = (uint64_t)drain;
    s.seed = (uint64_t)seed;
    /* (an architecture file says this at load; the flags did not go through it) */
    if (a.chip.noc.topology == TOPO_MESH && a.chip.noc.concentration > 1)
        fprintf(stderr, "imcsim noc: warning: topology mesh with concentration %d is the "
                        "concentrated mesh (cmesh); --concentration 1 for one endpoint per "
                        "router\n",
                a.chip.noc.concentration);
    else if (a.chip.noc.topology == TOPO_CMESH && a.chip.noc.concentration == 1)
        fprintf(stderr, "imcsim noc: warning: topology cmesh with concentration 1 is a mesh\n");
    noc_config_t c;
    imc_diag_t d;
    diag_init(&d);
    int bad = noc_config_from_arch(&c, &a, &d);
    noc_t *n = bad ? NULL : noc_create(&c, &d);
    if (!n || noc_traffic_check(s.traffic, n, &d)) {
        print_diag(&d);
        diag_free(&d);
        noc_destroy(n);
        return 2;
    }
    print_diag(&d); /* warnings */
    diag_free(&d);
    s.progress = 1;
    noc_synth_result_t r;
    rc = noc_synth_run(n, &s, &r);
    if (json)
        print_json(n, &s, &r);
    else
        print_text(n, &s, &r, links);
    if (r.starved)
        fputs(noc_starvation_report(n), stderr);
    if (r.watchdog) {
        fputs(noc_watchdog_report(n), stderr);
    } else if (rc) {
        fprintf(stderr,
                "noc: %llu of %llu window packets undelivered after a drain of %llu cycles "
                "(blocked if nothing moves below; else saturated: lower --rate or raise "
                "--drain)\n",
                (unsigned long long)(r.packets_measured - r.packets_delivered),
                (unsigned long long)r.packets_measured,
                (unsigned long long)(r.sim_cycles - s.warmup - s.measure));
        fputs(noc_blocked_report(n), stderr);
    }
    noc_synth_result_free(&r);
    noc_destroy(n);
    return rc ? 1 : 0;
}
