/* imcsim noc: the network alone under synthetic traffic. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "noc.h"
#include "noc_traffic.h"
#include "strutil.h"
#include "arch_load.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: imcsim noc [options]\n"
            "Runs the network-on-chip alone under synthetic traffic: warm-up, measurement\n"
            "window, then drain of the window's packets. Rates are flits per endpoint per cycle.\n"
            "\n"
            "network (defaults: 8x8 mesh, XY, 2 VCs x 8 flits, 1-cycle stages):\n"
            "  --arch FILE|PRESET    take topology, grid and router from an architecture\n"
            "  --topology T          mesh | torus | cmesh\n"
            "  --k K                 routers per dimension (K x K)\n"
            "  --kx X --ky Y         rectangular grid\n"
            "  --concentration C     endpoints per router (cmesh default 4, else 1)\n"
            "  --routing R           xy | yx | westfirst | oddeven (adaptive: mesh only)\n"
            "  --vcs N               virtual channels per port\n"
            "  --vc-buf FLITS        flits per VC buffer\n"
            "  --routing-delay C --va-delay C --sa-delay C --st-delay C   pipeline, cycles\n"
            "  --link-latency C --credit-delay C                          cycles\n"
            "  --lookahead           lookahead routing (no RC stage)\n"
            "  --islip               iSLIP switch allocator (default: input-first round robin)\n"
            "  --flit-bits B         flit width, bits\n"
            "  --no-dateline         torus without dateline VCs (deadlock-prone)\n"
            "  --watchdog CYCLES     stop when no flit moves this long (0 = off; default 100000)\n"
            "traffic:\n"
            "  --traffic T           uniform transpose bitcomp bitrev shuffle tornado neighbor hotspot\n"
            "  --hotspot-frac F      hotspot: fraction of packets to the hotspot (default 0.1)\n"
            "  --rate R              offered load, flits/endpoint/cycle (default 0.1)\n"
            "  --packet-size FLITS   flits per packet (default 20)\n"
            "  --warmup CYCLES --measure CYCLES   (defaults 10000, 100000)\n"
            "  --drain CYCLES        drain limit after the window (default: = measure)\n"
            "  --seed S              PRNG seed (default 1)\n"
            "output:\n"
            "  --json                JSON on stdout (every link's utilization included)\n"
            "  --links               text: print every link's utilization\n"
            "exit status: 0 ok, 1 watchdog stop, 2 bad usage\n");
}

static int bad_usage(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "imcsim noc: error: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n(see 'imcsim noc --help')\n");
    return 2;
}

static int parse_ll(const char *flag, const char *v, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi) {
        fprintf(stderr, "imcsim noc: error: %s '%s' (expected an integer in %lld..%lld)\n",
                flag, v, lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

static int parse_d(const char *flag, const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (!*v || *end || errno || !isfinite(x) || x < lo || x > hi) {
        fprintf(stderr, "imcsim noc: error: %s '%s' (expected a number in %g..%g)\n", flag, v,
                lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

static int pick(const char *flag, const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(v, names[i]))
            return i;
    const char *near = str_closest(v, names, (size_t)n);
    fprintf(stderr, "imcsim noc: error: %s '%s' unknown (expected ", flag, v);
    for (int i = 0; i < n; i++)
        fprintf(stderr, "%s%s", i ? (i == n - 1 ? " or " : ", ") : "", names[i]);
    fprintf(stderr, ")%s%s%s\n", near ? "; did you mean '" : "", near ? near : "",
            near ? "'?" : "");
    return -1;
}

static const char *const topo_names[] = {"mesh", "torus", "cmesh"};
static const char *const route_names[] = {"xy", "yx", "westfirst", "oddeven"};
static const char *const port_names[] = {"east", "west", "north", "south"};

static void print_text(const noc_t *n, const noc_synth_t *s, const noc_synth_result_t *r,
                       int links)
{
    const noc_config_t *c = noc_config(n);
    printf("network: %s %dx%d, %d endpoints (%d per router), %s routing, %d VCs x %d flits\n",
           topo_names[c->topology], c->kx, c->ky, noc_endpoints(n), c->concentration,
           route_names[c->routing], c->vcs, c->vc_buf_flits);
    printf("traffic: %s, rate %g flits/node/cycle, %d-flit packets, seed %llu\n",
           noc_traffic_names[s->traffic], s->rate, s->packet_flits,
           (unsigned long long)s->seed);
    printf("%-36s %14.3f\n", "avg_packet_latency (cycles)", r->avg_packet_latency_cycles);
    printf("%-36s %14.3f\n", "avg_network_latency (cycles)", r->avg_network_latency_cycles);
    printf("%-36s %14llu\n", "max_packet_latency (cycles)",
           (unsigned long long)r->max_packet_latency_cycles);
    printf("%-36s %14.3f\n", "avg_hops (hops)", r->avg_hops);
    printf("%-36s %14.4f\n", "offered (flits/node/cycle)", r->offered_flits_per_node_cycle);
    printf("%-36s %14.4f\n", "accepted (flits/node/cycle)", r->accepted_flits_per_node_cycle);
    printf("%-36s %14llu\n", "flits_injected (flits)", (unsigned long long)r->flits_injected);
    printf("%-36s %14llu\n", "flits_ejected (flits)", (unsigned long long)r->flits_ejected);
    printf("%-36s %14llu / %llu\n", "packets delivered / measured",
           (unsigned long long)r->packets_delivered, (unsigned long long)r->packets_measured);
    printf("%-36s %14lld\n", "source queue growth (flits)", (long long)r->queue_growth_flits);
    printf("%-36s %14llu\n", "sim_cycles (cycles)", (unsigned long long)r->sim_cycles);
    printf("%-36s %14s\n", "saturated", r->saturated ? "yes" : "no");
    double cyc = (double)(r->stats.cycles ? r->stats.cycles : 1);
    double umax = 0, usum = 0;
    int nl = 0;
    for (int rt = 0; rt < noc_routers(n); rt++)
        for (int p = 0; p < 4; p++) {
            int64_t f = noc_port_flits(n, rt, p);
            if (f < 0)
                continue;
            f = (int64_t)r->port_flits[rt * (4 + c->concentration) + p];
            double u = (double)f / cyc;
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

static void print_json(const noc_t *n, const noc_synth_t *s, const noc_synth_result_t *r)
{
    const noc_config_t *c = noc_config(n);
    json_w_t w;
    jw_init(&w, stdout);
    jw_obj_begin(&w, NULL);
    jw_obj_begin(&w, "network");
    jw_str(&w, "topology", topo_names[c->topology]);
    jw_int(&w, "kx", c->kx);
    jw_int(&w, "ky", c->ky);
    jw_int(&w, "concentration", c->concentration);
    jw_int(&w, "endpoints", noc_endpoints(n));
    jw_str(&w, "routing", route_names[c->routing]);
    jw_int(&w, "vcs", c->vcs);
    jw_int(&w, "vc_buf_flits", c->vc_buf_flits);
    jw_int(&w, "flit_bits", c->flit_bits);
    jw_int(&w, "router_delay_cycles",
           (c->lookahead ? 0 : c->routing_delay) + c->vc_alloc_delay + c->sw_alloc_delay +
               c->st_delay);
    jw_int(&w, "link_latency_cycles", c->link_latency);
    jw_int(&w, "credit_delay_cycles", c->credit_delay);
    jw_str(&w, "switch_allocator", c->islip ? "islip" : "input_first_rr");
    jw_bool(&w, "dateline", c->topology == TOPO_TORUS && c->dateline);
    jw_obj_end(&w);
    jw_obj_begin(&w, "traffic");
    jw_str(&w, "pattern", noc_traffic_names[s->traffic]);
    jw_num(&w, "rate_flits_per_node_cycle", s->rate);
    jw_int(&w, "packet_flits", s->packet_flits);
    jw_uint(&w, "warmup_cycles", s->warmup);
    jw_uint(&w, "measure_cycles", s->measure);
    jw_uint(&w, "seed", s->seed);
    jw_obj_end(&w);
    jw_num(&w, "avg_packet_latency_cycles", r->avg_packet_latency_cycles);
    jw_num(&w, "avg_network_latency_cycles", r->avg_network_latency_cycles);
    jw_uint(&w, "max_packet_latency_cycles", r->max_packet_latency_cycles);
    jw_num(&w, "avg_hops", r->avg_hops);
    jw_num(&w, "offered_flits_per_node_cycle", r->offered_flits_per_node_cycle);
    jw_num(&w, "accepted_flits_per_node_cycle", r->accepted_flits_per_node_cycle);
    jw_uint(&w, "flits_injected", r->flits_injected);
    jw_uint(&w, "flits_ejected", r->flits_ejected);
    jw_uint(&w, "packets_measured", r->packets_measured);
    jw_uint(&w, "packets_delivered", r->packets_delivered);
    jw_int(&w, "queue_growth_flits", r->queue_growth_flits);
    jw_uint(&w, "sim_cycles", r->sim_cycles);
    jw_bool(&w, "saturated", r->saturated);
    jw_bool(&w, "watchdog", r->watchdog);
    jw_obj_begin(&w, "window");
    for (int i = 0; i < noc_stat_count; i++) {
        const noc_stat_desc_t *sd = &noc_stat_table[i];
        const char *base = (const char *)&r->stats + sd->offset;
        char key[96];
        /* names already carrying their unit stay as they are */
        char lname[64], lunit[16];
        size_t i2;
        for (i2 = 0; sd->name[i2] && i2 < sizeof lname - 1; i2++)
            lname[i2] = (char)tolower((unsigned char)sd->name[i2]);
        lname[i2] = 0;
        for (i2 = 0; sd->unit[i2] && i2 < sizeof lunit - 1; i2++)
            lunit[i2] = (char)tolower((unsigned char)sd->unit[i2]);
        lunit[i2] = 0;
        if (strstr(lname, lunit))
            snprintf(key, sizeof key, "%s", sd->name);
        else
            snprintf(key, sizeof key, "%s_%s", sd->name, lunit);
        if (sd->is_double)
            jw_num(&w, key, *(const double *)(const void *)base);
        else
            jw_uint(&w, key, *(const uint64_t *)(const void *)base);
    }
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

int imc_cmd_noc(int argc, char **argv)
{
    noc_config_t c;
    noc_synth_t s;
    noc_config_default(&c);
    noc_synth_default(&s);
    int json = 0, links = 0, conc_set = 0, arch_packet = 0, packet_set = 0;
    long long v;
    double dv;
    const char *arch_spec = NULL;
    /* first pass: --arch sets the base, explicit flags then override it */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--arch") && i + 1 < argc)
            arch_spec = argv[i + 1];
    if (arch_spec) {
        arch_t a;
        imc_diag_t d;
        diag_init(&d);
        if (arch_load(arch_spec, NULL, 0, &a, &d) || noc_config_from_arch(&c, &a, &d)) {
            fputs(d.text ? d.text : "imcsim noc: error: cannot load the architecture\n", stderr);
            diag_free(&d);
            return 2;
        }
        if (d.text && d.len)
            fputs(d.text, stderr); /* warnings */
        diag_free(&d);
        conc_set = 1;
        arch_packet = a.chip.noc.packet_flits;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--json")) {
            json = 1;
            continue;
        }
        if (!strcmp(a, "--links")) {
            links = 1;
            continue;
        }
        if (!strcmp(a, "--lookahead")) {
            c.lookahead = 1;
            continue;
        }
        if (!strcmp(a, "--islip")) {
            c.islip = 1;
            continue;
        }
        if (!strcmp(a, "--no-dateline")) {
            c.dateline = 0;
            continue;
        }
        if (strncmp(a, "--", 2))
            return bad_usage("unexpected argument '%s'%s", a, "");
        if (i + 1 >= argc)
            return bad_usage("%s needs a value%s", a, "");
        const char *val = argv[++i];
        int rc = 0;
        if (!strcmp(a, "--arch"))
            ;
        else if (!strcmp(a, "--topology")) {
            int t = pick(a, val, topo_names, 3);
            if (t < 0)
                return 2;
            c.topology = (arch_topology_t)t;
        } else if (!strcmp(a, "--routing")) {
            int t = pick(a, val, route_names, 4);
            if (t < 0)
                return 2;
            c.routing = (arch_routing_t)t;
        } else if (!strcmp(a, "--traffic")) {
            int t = pick(a, val, noc_traffic_names, NOC_TRAFFIC_COUNT_);
            if (t < 0)
                return 2;
            s.traffic = (noc_traffic_t)t;
        } else if (!strcmp(a, "--k")) {
            if (!(rc = parse_ll(a, val, 1, NOC_MAX_K, &v)))
                c.kx = c.ky = (int)v;
        } else if (!strcmp(a, "--kx")) {
            if (!(rc = parse_ll(a, val, 1, NOC_MAX_K, &v)))
                c.kx = (int)v;
        } else if (!strcmp(a, "--ky")) {
            if (!(rc = parse_ll(a, val, 1, NOC_MAX_K, &v)))
                c.ky = (int)v;
        } else if (!strcmp(a, "--concentration")) {
            if (!(rc = parse_ll(a, val, 1, NOC_MAX_CONCENTRATION, &v)))
                c.concentration = (int)v, conc_set = 1;
        } else if (!strcmp(a, "--vcs")) {
            if (!(rc = parse_ll(a, val, 1, NOC_MAX_VCS, &v)))
                c.vcs = (int)v;
        } else if (!strcmp(a, "--vc-buf")) {
            if (!(rc = parse_ll(a, val, 1, 4096, &v)))
                c.vc_buf_flits = (int)v;
        } else if (!strcmp(a, "--routing-delay")) {
            if (!(rc = parse_ll(a, val, 0, 64, &v)))
                c.routing_delay = (int)v;
        } else if (!strcmp(a, "--va-delay")) {
            if (!(rc = parse_ll(a, val, 0, 64, &v)))
                c.vc_alloc_delay = (int)v;
        } else if (!strcmp(a, "--sa-delay")) {
            if (!(rc = parse_ll(a, val, 0, 64, &v)))
                c.sw_alloc_delay = (int)v;
        } else if (!strcmp(a, "--st-delay")) {
            if (!(rc = parse_ll(a, val, 0, 64, &v)))
                c.st_delay = (int)v;
        } else if (!strcmp(a, "--link-latency")) {
            if (!(rc = parse_ll(a, val, 0, 64, &v)))
                c.link_latency = (int)v;
        } else if (!strcmp(a, "--credit-delay")) {
            if (!(rc = parse_ll(a, val, 1, 64, &v)))
                c.credit_delay = (int)v;
        } else if (!strcmp(a, "--flit-bits")) {
            if (!(rc = parse_ll(a, val, 1, 4096, &v)))
                c.flit_bits = (int)v;
        } else if (!strcmp(a, "--watchdog")) {
            if (!(rc = parse_ll(a, val, 0, 1000000000000LL, &v)))
                c.watchdog_cycles = (uint64_t)v;
        } else if (!strcmp(a, "--packet-size")) {
            if (!(rc = parse_ll(a, val, 1, 1 << 20, &v)))
                s.packet_flits = (int)v, packet_set = 1;
        } else if (!strcmp(a, "--warmup")) {
            if (!(rc = parse_ll(a, val, 0, 1000000000000LL, &v)))
                s.warmup = (uint64_t)v;
        } else if (!strcmp(a, "--measure")) {
            if (!(rc = parse_ll(a, val, 1, 1000000000000LL, &v)))
                s.measure = (uint64_t)v;
        } else if (!strcmp(a, "--drain")) {
            if (!(rc = parse_ll(a, val, 1, 1000000000000LL, &v)))
                s.drain_max = (uint64_t)v;
        } else if (!strcmp(a, "--seed")) {
            if (!(rc = parse_ll(a, val, 0, 0x7fffffffffffffffLL, &v)))
                s.seed = (uint64_t)v;
        } else if (!strcmp(a, "--rate")) {
            if (!(rc = parse_d(a, val, 0, 1, &dv)))
                s.rate = dv;
        } else if (!strcmp(a, "--hotspot-frac")) {
            if (!(rc = parse_d(a, val, 0, 1, &dv)))
                s.hotspot_frac = dv;
        } else {
            static const char *const flags[] = {
                "--arch", "--topology", "--k", "--kx", "--ky", "--concentration", "--routing",
                "--vcs", "--vc-buf", "--routing-delay", "--va-delay", "--sa-delay", "--st-delay",
                "--link-latency", "--credit-delay", "--lookahead", "--islip", "--flit-bits", "--no-dateline",
                "--watchdog", "--traffic", "--hotspot-frac", "--rate", "--packet-size",
                "--warmup", "--measure", "--drain", "--seed", "--json", "--links", "--help"};
            const char *near = str_closest(a, flags, sizeof flags / sizeof flags[0]);
            fprintf(stderr, "imcsim noc: error: unknown option '%s'%s%s%s\n", a,
                    near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
            return 2;
        }
        if (rc)
            return 2;
    }
    if (c.topology == TOPO_CMESH && !conc_set)
        c.concentration = 4;
    if (arch_packet > 0 && !packet_set)
        s.packet_flits = arch_packet; /* the chip's packets unless told otherwise */
    imc_diag_t d;
    diag_init(&d);
    noc_t *n = noc_create(&c, &d);
    if (!n || noc_traffic_check(s.traffic, n, &d)) {
        /* diag lines read "noc: error: ..."; name the command in front */
        for (const char *t = d.text ? d.text : ""; *t;) {
            const char *nl = strchr(t, '\n');
            int len = nl ? (int)(nl - t) : (int)strlen(t);
            fprintf(stderr, "imcsim %.*s\n", len, t);
            t += len + (nl ? 1 : 0);
        }
        diag_free(&d);
        noc_destroy(n);
        return 2;
    }
    diag_free(&d);
    s.progress = 1;
    noc_synth_result_t r;
    int rc = noc_synth_run(n, &s, &r);
    if (json)
        print_json(n, &s, &r);
    else
        print_text(n, &s, &r, links);
    if (rc)
        fputs(noc_watchdog_report(n), stderr);
    noc_synth_result_free(&r);
    noc_destroy(n);
    return rc ? 1 : 0;
}
