// Off-chip links and the host (docs/run.md, "Chips and the host"). Each chip
// has an outbound link (to other chips and the host) and an inbound one (from
// the host), each a FIFO server of offchip.links x bandwidth_gbps with
// latency_ns. The host streams every inference's input in, row by row, to the
// tiles that wait for it (paced by their input buffers), and collects the
// network's outputs; an inference is done when the host has all of them.
#include <algorithm>
#include <cmath>

#include "engine_internal.h"

using namespace sc_core;

namespace imc_run {

void Engine::link_push(int chip, bool inbound, const PktHdr &h, uint64_t bytes, uint64_t order)
{
    Link &L = (inbound ? in_links_ : out_links_)[(size_t)chip];
    const sc_time now = sc_time_stamp();
    auto it = L.q.end();
    while (it != L.q.begin() && std::prev(it)->at == now && std::prev(it)->order > order)
        --it;
    L.q.insert(it, LinkItem{now, order, h, bytes});
    L.ev.notify(SC_ZERO_TIME);
}

void Engine::link_thread(int chip, bool inbound)
{
    Link &L = (inbound ? in_links_ : out_links_)[(size_t)chip];
    const arch_offchip_t &oc = a->chip.offchip;
    const double bytes_per_ns = oc.bandwidth_gbps * std::max(1, oc.links);
    const sc_time ps(1, SC_PS), latency(oc.latency_ns * 1000.0, SC_PS);
    const uint64_t fb = (uint64_t)a->chip.noc.flit_bits;
    for (;;) {
        while (L.q.empty())
            wait(L.ev);
        // Let the current instant finish: an item with a smaller order may
        // still come. Service starts at the item's own time all the same.
        if (L.q.back().at >= sc_time_stamp()) {
            wait(ps);
            continue;
        }
        while (!L.q.empty() && L.q.front().at < sc_time_stamp()) {
            LinkItem item = L.q.front();
            L.q.pop_front();
            const PktHdr &h = item.h;
            sc_time start = std::max(item.at, L.free_at);
            sc_time dur((double)item.bytes / bytes_per_ns * 1000.0, SC_PS);
            L.free_at = start + dur;
            L.busy_ps += dur.value();
            L.bytes += item.bytes;
            if (inbound)
                host_bytes_in_ += item.bytes;
            else if (h.kind == PKT_HOST)
                host_bytes_out_ += item.bytes;
            else
                offchip_bytes_ += item.bytes;
            sc_time at = L.free_at + latency;
            if (!inbound && h.kind == PKT_HOST) {
                if (at > sc_time_stamp())
                    wait(at - sc_time_stamp());
                if (h.counts)
                    host_arrive(h);
                continue;
            }
            const uint64_t flits = std::max<uint64_t>(1, (item.bytes * 8 + fb - 1) / fb);
            deliver_from_gateway(inbound ? chip : chip_of(a, h.final_tile), h, flits, at);
        }
    }
}

// Who waits for the network input (the final WAIT of every stream on it, per
// layer and tile), and how many output values an inference has.
void Engine::setup_host()
{
    std::map<std::pair<int, int>, uint64_t> need;
    for (auto &sp : streams_) {
        const Stream &s = *sp;
        for (uint32_t k = 0; k < s.ts->n_recs; k++) {
            const trace_rec_t &r = s.ts->recs[k];
            if (r.op == TR_WAIT && r.a == TRACE_NETWORK_INPUT) {
                uint64_t &n = need[{s.layer, (int)s.ts->tile}];
                n = std::max<uint64_t>(n, r.b);
            } else if (r.op == TR_SEND && r.a == TRACE_HOST) {
                out_per_inf_ += r.b;
            }
        }
    }
    for (auto &kv : need)
        host_dests_.push_back({kv.first.first, kv.first.second, kv.second});
    host_got_.assign((size_t)inferences_, 0);
    inf_done_ps_.assign((size_t)inferences_, UINT64_MAX);
    if (!out_per_inf_)
        fail("the network has no output layer (nothing is sent to the host)");
}

// The host's input: every inference's input rows in order, each row once over
// the inbound link of every chip that needs it, then to the tiles that wait
// for it (one message per consumer layer and share), each tile getting its
// share of the row (values it waits for per inference / rows, rounded so the
// rows add up exactly).
void Engine::host_input()
{
    const model_t *md = m->model;
    const int64_t H = std::max(1, md->in_h);
    int bits = 1;
    for (const HostDest &d : host_dests_)
        bits = std::max<int>(bits, layers[d.layer].act_bits);
    const uint64_t row_bytes =
        ((uint64_t)std::max(1, md->in_w) * (uint64_t)std::max(1, md->in_c) * (uint64_t)bits + 7) / 8;
    uint64_t order = 1ull << 40;
    for (int inf = 0; inf < inferences_ && ok_; inf++) {
        max_started_ = std::max(max_started_, inf);
        for (int64_t y = 0; y < H && ok_; y++) {
            std::vector<uint64_t> v(host_dests_.size());
            for (size_t i = 0; i < host_dests_.size(); i++) {
                uint64_t T = host_dests_[i].total;
                v[i] = (uint64_t)((y + 1) * (int64_t)T / H - y * (int64_t)T / H);
            }
            for (;;) { // back-pressure, as for any producer
                InPort *full = nullptr;
                for (size_t i = 0; i < host_dests_.size() && !full; i++) {
                    InPort *p = node(host_dests_[i].tile)->find_port(host_dests_[i].layer, -1);
                    if (v[i] && must_hold(*p, inf, v[i]))
                        full = p;
                }
                if (!full)
                    break;
                full->host_waiters.push_back(&host_ev_);
                wait(host_ev_);
            }
            // per chip, per (layer, values): one message to its tiles
            std::map<std::tuple<int, int, uint64_t>, std::vector<int>> msgs;
            for (size_t i = 0; i < host_dests_.size(); i++) {
                if (!v[i])
                    continue;
                const HostDest &d = host_dests_[i];
                reserve(*node(d.tile)->find_port(d.layer, -1), v[i]);
                if (a->chip.offchip.host_io == HOST_IO_PRELOADED) { // in the buffer already
                    arrive(d.tile, PktHdr{d.tile, PKT_DATA, d.layer, -1, inf, 1, -1, 0, v[i]});
                    continue;
                }
                msgs[{chip_of(a, d.tile), d.layer, v[i]}].push_back(d.tile);
            }
            int sent_chip = -1;
            for (auto &kv : msgs) {
                int chip = std::get<0>(kv.first);
                PktHdr h{kv.second[0], PKT_DATA, std::get<1>(kv.first), -1, inf, 1, -1, 0,
                         std::get<2>(kv.first)};
                if (kv.second.size() > 1) {
                    auto it = group_id_.find(kv.second);
                    if (it == group_id_.end()) {
                        it = group_id_.emplace(kv.second, (int)groups_.size()).first;
                        groups_.push_back(kv.second);
                    }
                    h.group = it->second;
                }
                // the row crosses each chip's link once
                link_push(chip, true, h, chip != sent_chip ? row_bytes : 0, order++);
                sent_chip = chip;
            }
        }
    }
}

void Engine::host_arrive(const PktHdr &h)
{
    if (h.inference < 0 || (size_t)h.inference >= host_got_.size()) {
        fail("an output of inference " + std::to_string(h.inference) + " reached the host");
        return;
    }
    uint64_t &got = host_got_[(size_t)h.inference];
    got += h.values;
    if (got == out_per_inf_)
        inference_done(h.inference);
}

// With --batch 1 the run adds inferences behind the first until two
// consecutive completion intervals agree within 1 % (at most kAdaptiveMax in
// all), then lets the inferences already started finish.
void Engine::inference_done(int inf)
{
    inf_done_ps_[(size_t)inf] = sc_time_stamp().value();
    if (cfg.batch != 1 || converged_ || inf < 2)
        return;
    const double d1 = (double)(inf_done_ps_[(size_t)inf] - inf_done_ps_[(size_t)inf - 1]);
    const double d0 = (double)(inf_done_ps_[(size_t)inf - 1] - inf_done_ps_[(size_t)inf - 2]);
    if (std::fabs(d1 - d0) <= 0.01 * d1 || inf + 1 >= inferences_) {
        converged_ = std::fabs(d1 - d0) <= 0.01 * d1 ? 1 : -1;
        period_ps_ = d1;
        int started = max_started_;
        for (auto &s : streams_)
            started = std::max(started, s->inference(s->lane[0].k));
        inferences_ = std::min(inferences_, started + 1);
        for (auto &s : streams_) // lanes waiting at the old end re-check it
            for (Lane &l : s->lane)
                if (!l.in_op)
                    wake(&l);
    }
}

} // namespace imc_run
