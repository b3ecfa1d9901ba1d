// Results of a run (docs/stats.md): times from the host's completion times,
// counts and dynamic energy from the components (identical for every
// inference, so the batch's are the per-inference ones times the batch), and
// static power by scope: powered tiles (tiles without work are power-gated
// unless chip.gate_unused_tiles is false), the routers of the chips used, and
// the off-chip links (always, or only while they carry data).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine_internal.h"
#include "model.h"
#include "rollup.h"

using namespace sc_core;

namespace imc_run {

void Engine::collect(run_result_t *r)
{
    const double cycle_s = 1e-9 / a->tech.clock_ghz;
    const int K = inferences_;                      // inferences simulated
    const double per_inf = 1.0 / K;                 // their work is identical
    const double scale = (double)cfg.batch / K;     // totals for the batch
    auto ps_cycles = [&](uint64_t ps) { return (uint64_t)std::llround((double)ps * 1e-12 / cycle_s); };

    r->batch = cfg.batch;
    r->inferences = K;
    r->chips = chips_;
    r->clock_ghz = a->tech.clock_ghz;
    r->latency_s = (double)inf_done_ps_[0] * 1e-12;
    r->latency_cycles = ps_cycles(inf_done_ps_[0]);
    extend_period();
    r->steady = converged_;
    r->period_s = period_ps_ * 1e-12;
    r->period_window = window_;
    r->period_intervals = period_end_ - period_from_;
    r->period_jitter_s = period_jitter_ps_ * 1e-12;
    r->period_floor_s = (double)floor_cycles_ * clk_.ps * 1e-12;
    r->completions_s = (double *)malloc((size_t)K * sizeof *r->completions_s);
    for (int i = 0; i < K; i++)
        r->completions_s[i] = (double)inf_done_ps_[(size_t)i] * 1e-12;
    // the shortest and longest of the intervals period_s is the mean of
    const int from = std::max(1, period_from_ + 1);
    for (int i = from; i <= period_end_; i++) {
        double iv = r->completions_s[i] - r->completions_s[i - 1];
        r->period_min_s = i == from ? iv : std::min(r->period_min_s, iv);
        r->period_max_s = i == from ? iv : std::max(r->period_max_s, iv);
    }
    r->total_s = (double)inf_done_ps_[(size_t)cfg.batch - 1] * 1e-12; // the batch's last output
    r->total_cycles = (uint64_t)std::llround(r->total_s / cycle_s);
    r->throughput_inferences_per_s = r->period_s > 0 ? 1.0 / r->period_s : 0;
    const double period_cycles = r->period_s / cycle_s;

    // Tiles: dynamic energy, busy cycles and counts from their components.
    const int total_tiles = a->chip.tiles * chips_;
    r->n_tiles = total_tiles;
    r->tiles = (run_tile_t *)calloc((size_t)total_tiles, sizeof *r->tiles);
    const int kx = nocs_.empty() ? 1 : noc_config(nocs_[0]->core())->kx; // routers per row
    const int conc = std::max(1, a->chip.noc.concentration), lports = arch_noc_local_ports(a);
    double tile_static_mw[COMP_CLASS_COUNT_];
    tile_static_mw_by_class(a, tile_static_mw);
    double tile_static_w = 0;
    for (double w : tile_static_mw)
        tile_static_w += w * 1e-3;
    uint64_t busy[COMP_CLASS_COUNT_] = {0}, inst_one[COMP_CLASS_COUNT_] = {0};
    {
        tile_t idle;
        tile_init(&idle, a);
        uint64_t b[COMP_CLASS_COUNT_] = {0};
        tile_busy_by_class(&idle, b, inst_one); // instances of one tile
        tile_free(&idle);
    }
    const int powered = a->chip.gate_unused_tiles ? (int)nodes_.size() : total_tiles;
    r->tiles_powered = powered;
    r->band_rows = a->chip.band_rows;
    for (int t = 0; t < total_tiles; t++) {
        run_tile_t &rt = r->tiles[t];
        rt.id = t;
        rt.chip = t / a->chip.tiles;
        const int e = arch_tile_endpoint(a, t % a->chip.tiles);
        int router = e / lports;
        rt.x = (router % kx) * conc + e % lports;
        rt.y = router / kx;
        rt.powered = node_of_[(size_t)t] || !a->chip.gate_unused_tiles;
        rt.energy_j = rt.powered ? tile_static_w * r->total_s : 0;
    }
    double dyn_pj[COMP_CLASS_COUNT_] = {0};
    for (auto &tn : nodes_) {
        tile_t *tc = tn->tile.core();
        double d[COMP_CLASS_COUNT_] = {0}, leak[COMP_CLASS_COUNT_] = {0};
        tile_energy_by_class(tc, d, leak); // leakage: from static power below
        double tile_dyn = 0;
        for (int c = 0; c < COMP_CLASS_COUNT_; c++) {
            dyn_pj[c] += d[c];
            tile_dyn += d[c];
        }
        uint64_t b[COMP_CLASS_COUNT_] = {0}, in[COMP_CLASS_COUNT_] = {0};
        tile_busy_by_class(tc, b, in);
        for (int c = 0; c < COMP_CLASS_COUNT_; c++)
            busy[c] += b[c];
        run_tile_t &rt = r->tiles[tn->gtile];
        rt.energy_j += tile_dyn * 1e-12 * scale;
        // a tile that bounds the pipeline alone is busy every cycle: 1 (the
        // measured period's rounding would make it 1 + 1e-16), as the classes
        rt.utilization = in[COMP_CROSSBAR] && period_cycles > 0
                             ? std::min(1.0, (double)b[COMP_CROSSBAR] * per_inf /
                                                 ((double)in[COMP_CROSSBAR] * period_cycles))
                             : 0;
        tile_counts_t cnt;
        tile_counts(tc, &cnt);
        r->crossbar_reads += cnt.crossbar_reads;
        r->adc_conversions += cnt.adc_conversions;
        r->adc_clipped += cnt.adc_clipped;
    }
    for (int c = 0; c < COMP_CLASS_COUNT_; c++) {
        r->utilization_measured[c] = inst_one[c] > 0;
        r->utilization_by_class[c] =
            inst_one[c] && period_cycles > 0
                ? std::min(1.0, (double)busy[c] * per_inf / ((double)inst_one[c] * total_tiles * period_cycles))
                : 0;
    }

    // NoC: routers and links.
    const double noc_cycle_s = 1e-9 / a->chip.noc.clock_ghz;
    const double noc_period_cycles = r->period_s / noc_cycle_s;
    // routers: flits through their crossbars per port and cycle; links:
    // flits per link and cycle (work per inference over the period)
    double router_busy = 0, routers = 0, link_flits = 0, links = 0;
    uint64_t busiest = 0; // flits through the busiest port (link, ejection or injection)
    for (auto &n : nocs_) {
        n->catch_up();
        noc_t *core = n->core();
        noc_stats_t s;
        noc_stats(core, &s);
        const noc_config_t *nc = noc_config(core);
        double link_pj = (double)s.link_flits * nc->flit_bits * nc->link_pj_per_bit;
        dyn_pj[COMP_LINK] += link_pj;
        dyn_pj[COMP_ROUTER] += s.dynamic_energy_pj - link_pj;
        r->static_w_by_class[COMP_ROUTER] += nc->router_leakage_mw * 1e-3 * noc_routers(core);
        r->flits += s.flits_ejected;
        // a router's ports: its links and tiles' (the energy model's radix), and
        // a gateway's own port where it has one
        const int ports = 4 + std::max(1, nc->concentration), radix = 4 + conc;
        for (int q = 0; q < noc_routers(core); q++) {
            router_busy += (double)noc_router_flits(core, q) / radix; // crossbar flits per port
            routers += 1;
            for (int p = 0; p < ports; p++) {
                int64_t f = noc_port_flits(core, q, p);
                if (f < 0)
                    continue;
                busiest = std::max(busiest, (uint64_t)f); // a port moves 1 flit a cycle
                if (p < 4) {
                    link_flits += (double)f;
                    links += 1;
                }
            }
        }
        for (int e = 0; e < noc_endpoints(core); e++) // a source sends 1 flit a cycle
            busiest = std::max(busiest, noc_source_flits(core, e));
    }
    r->noc_busiest_port_flits = (double)busiest * per_inf;
    r->noc_bound_period_s = r->noc_busiest_port_flits * noc_cycle_s;
    r->utilization_measured[COMP_ROUTER] = routers > 0;
    r->utilization_measured[COMP_LINK] = links > 0;
    if (noc_period_cycles > 0) {
        r->utilization_by_class[COMP_ROUTER] =
            routers ? std::min(1.0, router_busy * per_inf / (routers * noc_period_cycles)) : 0;
        r->utilization_by_class[COMP_LINK] =
            links ? std::min(1.0, link_flits * per_inf / (links * noc_period_cycles)) : 0;
    }

    // Off-chip: energy per bit, and the links' static power in its scope.
    const arch_offchip_t &oc = a->chip.offchip;
    dyn_pj[COMP_OFFCHIP] += (double)offchip_bytes_ * 8 * oc.energy_pj_per_bit;
    dyn_pj[COMP_HOST_IO] += (double)(host_bytes_in_ + host_bytes_out_) * 8 * oc.energy_pj_per_bit;
    double link_busy_s = 0; // a gateway's links are busy while either direction is
    for (size_t i = 0; i < out_links_.size(); i++)
        link_busy_s += (double)std::max(out_links_[i].busy_ps, in_links_[i].busy_ps) * 1e-12 / gateways_;
    double offchip_transfer_j = 0;
    if (oc.power_scope == OFFCHIP_ALWAYS)
        r->static_w_by_class[COMP_OFFCHIP_STATIC] = oc.power_w * chips_;
    else
        offchip_transfer_j = oc.power_w * link_busy_s; // all K inferences
    r->offchip_bytes = (uint64_t)std::llround((double)offchip_bytes_ * scale);
    r->host_bytes = (uint64_t)std::llround((double)(host_bytes_in_ + host_bytes_out_) * scale);
    r->utilization_measured[COMP_OFFCHIP] = chips_ > 1;
    if (chips_ > 1 && r->period_s > 0) {
        double cap = oc.bandwidth_gbps * 1e9 * std::max(1, oc.links) * chips_ * r->period_s;
        r->utilization_by_class[COMP_OFFCHIP] =
            cap > 0 ? std::min(1.0, (double)offchip_bytes_ * per_inf / cap) : 0;
    }

    // Static power of the powered tiles.
    for (int c = 0; c < COMP_CLASS_COUNT_; c++)
        r->static_w_by_class[c] += tile_static_mw[c] * 1e-3 * powered;

    for (int c = 0; c < COMP_CLASS_COUNT_; c++) {
        r->dynamic_j_by_class[c] = dyn_pj[c] * 1e-12 * scale;
        r->inference_dynamic_j_by_class[c] = dyn_pj[c] * 1e-12 * per_inf;
        r->static_j_by_class[c] = r->static_w_by_class[c] * r->total_s;
        r->inference_static_j_by_class[c] = r->static_w_by_class[c] * r->period_s;
    }
    r->static_j_by_class[COMP_OFFCHIP_STATIC] += offchip_transfer_j * scale;
    r->inference_static_j_by_class[COMP_OFFCHIP_STATIC] += offchip_transfer_j * per_inf;

    // Layers.
    const int nl = m->model->n_layers;
    r->n_layers = nl;
    r->layers = (run_layer_t *)calloc((size_t)nl, sizeof *r->layers);
    std::vector<uint64_t> lbusy((size_t)nl, 0);
    for (auto &s : streams_)
        for (uint64_t o : s->occupancy)
            lbusy[(size_t)s->layer] = std::max(lbusy[(size_t)s->layer], o); // one inference's
    int bound = 0;
    for (int l = 0; l < nl; l++) {
        const layer_t &L = m->model->layers[l];
        run_layer_t &rl = r->layers[l];
        std::snprintf(rl.name, sizeof rl.name, "%s", L.name);
        std::snprintf(rl.type, sizeof rl.type, "%s", layer_label(&L));
        rl.replication = m->layers[l].replication;
        rl.crossbars = m->layers[l].crossbars;
        rl.start_cycle = lacc[(size_t)l].start == UINT64_MAX ? 0 : lacc[(size_t)l].start;
        rl.end_cycle = lacc[(size_t)l].end;
        rl.busy_cycles = lbusy[(size_t)l];
        rl.mvms = (uint64_t)std::llround((double)lacc[(size_t)l].mvms * scale);
        rl.macs = (int64_t)std::llround((double)lacc[(size_t)l].macs * scale);
        rl.energy_j = lacc[(size_t)l].energy_pj * 1e-12 * scale;
        r->macs += (uint64_t)rl.macs;
        r->mvm_ops += rl.mvms;
        if (lbusy[(size_t)l] > lbusy[(size_t)bound])
            bound = l;
    }
    if (nl)
        r->layers[bound].bound = 1;
    r->crossbar_reads = (uint64_t)std::llround((double)r->crossbar_reads * scale);
    r->adc_conversions = (uint64_t)std::llround((double)r->adc_conversions * scale);
    r->adc_clipped = (uint64_t)std::llround((double)r->adc_clipped * scale);
    r->flits = (uint64_t)std::llround((double)r->flits * scale);

    arch_rollup_t ru;
    arch_rollup(a, &ru);
    r->area_mm2 = ru.chip.area_mm2 * chips_;
    /* The peak at the network's precision: the highest of its weight layers'
     * (a layer narrower than precision.* packs more weights per row and
     * takes fewer input slices), so no run's ops/s exceeds it. */
    double peak = 0;
    for (int l = 0; l < nl; l++)
        if (m->layers[l].crossbars > 0)
            peak = std::max(peak, arch_peak_ops_per_s_at(a, m->layers[l].weights_per_row,
                                                         m->layers[l].act_bits));
    const double k = peak > 0 && ru.peak_ops_per_s > 0 ? peak / ru.peak_ops_per_s : 1.0;
    r->peak_ops_per_s = ru.peak_ops_per_s * k * chips_;
    r->peak_ops_per_s_per_w = ru.peak_ops_per_s_per_w * k;
    r->peak_ops_per_s_per_mm2 = ru.peak_ops_per_s_per_mm2 * k;
    const arch_level_cost_t *lv[3] = {&ru.ce, &ru.tile, &ru.chip};
    for (int i = 0; i < 3; i++)
        r->level_peak[i] = {lv[i]->peak_ops_per_s * k, lv[i]->peak_ops_per_s_per_w * k,
                            lv[i]->peak_ops_per_s_per_mm2 * k};
    r->crossbars_used = m->crossbars_used;
    if (printed_progress_)
        std::fprintf(stderr, "imcsim run: done, simulated %.6g s\n", sc_time_stamp().to_seconds());
}

} // namespace imc_run
