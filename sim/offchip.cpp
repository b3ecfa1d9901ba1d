// Off-chip links and the host (docs/run.md, "Chips and the host"). Each of a
// chip's gateways (chip.offchip.gateways, arch/placement.c) has an outbound
// link (to other chips and the host) and an inbound one (from the host), each
// a FIFO server of its share of the links (offchip.links / gateways x
// bandwidth_gbps) with latency_ns. A message for another chip leaves and
// enters by the gateway of its flow (arch_flow_gateway(): the chips' gateways
// of one index are joined by a switch). The host streams every
// inference's input in, row by row (row y by gateway y mod gateways: the
// input spreads over the links), to the tiles that wait for it (paced by
// their input buffers), and collects the network's outputs (by the gateway of
// the sender's flow to the host); an inference is done when the host has all.
#include <algorithm>
#include <cstdlib>
#include <cmath>

#include "deps.h"
#include "engine_internal.h"

using namespace sc_core;

namespace imc_run {

void Engine::link_push(int chip, int gw, bool inbound, const PktHdr &h, uint64_t bytes,
                       uint64_t order)
{
    Link &L = (inbound ? in_links_ : out_links_)[link_of(chip, gw)];
    const sc_time now = sc_time_stamp();
    auto it = L.q.end();
    while (it != L.q.begin() && std::prev(it)->at == now && std::prev(it)->order > order)
        --it;
    L.q.insert(it, LinkItem{now, order, h, bytes});
    L.ev.notify(SC_ZERO_TIME);
}

void Engine::link_thread(int chip, int gw, bool inbound)
{
    Link &L = (inbound ? in_links_ : out_links_)[link_of(chip, gw)];
    const arch_offchip_t &oc = a->chip.offchip;
    const double bytes_per_ns = oc.bandwidth_gbps * std::max(1, oc.links) / gateways_;
    const sc_time ps(1, SC_PS), latency(oc.latency_ns * 1000.0, SC_PS);
    const int link = 2 * (int)link_of(chip, gw) + (inbound ? 1 : 0); // its order at a gateway
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
            // a check: the links' order of one instant must not count
            if (cfg.perturb_order && perturb_hash((uint64_t)link, L.bytes) % 3 == 0)
                wait(SC_ZERO_TIME);
            deliver_from_gateway(inbound ? chip : chip_of(a, h.final_tile), gw, h,
                                 flits_of(item.bytes * 8), at, link);
        }
    }
}

// Who waits for the network input (sim/input_rows.h), and how many output
// values an inference has.
void Engine::setup_host()
{
    for (auto &sp : streams_) {
        const Stream &s = *sp;
        for (uint32_t k = 0; k < s.ts->n_recs; k++)
            if (s.ts->recs[k].op == TR_SEND && s.ts->recs[k].a == TRACE_HOST)
                out_per_inf_ += s.ts->recs[k].b;
    }
    input_dest_t *d = nullptr;
    size_t n = 0;
    char err[256];
    int bad = -1;
    if (input_dests(m->model, layers, &d, &n, err, sizeof err, &bad)) {
        fail_layer(bad, err);
        return;
    }
    host_dests_.assign(d, d + n);
    free(d);
    for (size_t i = 0; i < host_dests_.size(); i++) {
        const input_dest_t &h = host_dests_[i];
        host_dest_of_[{h.layer, (int)h.tile}] = (int)i;
        host_bits_ = std::max<int>(host_bits_, layers[h.layer].act_bits);
    }
    host_got_.assign((size_t)inferences_, 0);
    inf_done_ps_.assign((size_t)inferences_, UINT64_MAX);
    if (!out_per_inf_)
        fail("the network has no output layer (nothing is sent to the host)");
    uint64_t want = 0; // the output layers' values (hand-edited traces may differ)
    for (int c = 0; c < m->model->n_layers; c++)
        want += (uint64_t)deps_output_values(m->model, c);
    if (out_per_inf_ && out_per_inf_ != want)
        fail("the traces send the host " + std::to_string(out_per_inf_) +
             " values per inference, the network's output layers have " + std::to_string(want));
}

// The host's input: every inference's input rows in order, each row once over
// the inbound link of every chip that needs it, then to the tiles that wait
// for it (one message per consumer layer and share), each tile getting its
// share of the row (values it waits for per inference / rows, rounded so the
// rows add up exactly). The input is double-buffered: inference k's input
// starts once the tiles have released all of inference k-2's, so the host
// never floods the network with inputs far ahead of the pipeline (which
// delayed the first inferences' own traffic and made the period jitter).
void Engine::host_input()
{
    const model_t *md = m->model;
    const int64_t H = std::max(1, md->in_h);
    const int bits = host_bits_;
    const uint64_t row_bytes =
        ((uint64_t)std::max(1, md->in_w) * (uint64_t)std::max(1, md->in_c) * (uint64_t)bits + 7) / 8;
    uint64_t order = 1ull << 40;
    for (int inf = 0; inf < inferences_ && ok_; inf++) {
        while (inf >= kHostInputsAhead && ok_) {
            InPort *held = nullptr; // a port still holding inference inf-2's input
            for (size_t i = 0; i < host_dests_.size() && !held; i++) {
                InPort *p = node(host_dests_[i].tile)->find_port(host_dests_[i].layer, -1);
                if (p->released_of(inf - kHostInputsAhead) < host_dests_[i].total)
                    held = p;
            }
            if (!held)
                break;
            held->host_waiters.push_back(&host_ev_);
            wait(host_ev_);
        }
        if (inf >= inferences_) // the period converged meanwhile: no more inferences
            break;
        host_started_.set(inf, sc_time_stamp().value());
        for (int64_t y = 0; y < H && ok_; y++) {
            std::vector<uint64_t> v(host_dests_.size());
            for (size_t i = 0; i < host_dests_.size(); i++)
                v[i] = input_row_values(md, &host_dests_[i], y);
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
            // per chip: one message for its tiles and layers
            std::map<int, std::vector<Dest>> msgs;
            for (size_t i = 0; i < host_dests_.size(); i++) {
                if (!v[i])
                    continue;
                const int tile = (int)host_dests_[i].tile, layer = host_dests_[i].layer;
                reserve(*node(tile)->find_port(layer, -1), v[i]);
                if (a->chip.offchip.host_io == HOST_IO_PRELOADED) { // in the buffer already
                    arrive(tile, PktHdr{tile, PKT_DATA, layer, -1, inf, 1, -1, 0, v[i]});
                    continue;
                }
                msgs[chip_of(a, tile)].push_back(Dest{tile, layer, v[i]});
            }
            for (auto &kv : msgs) { // the row crosses each chip's link once
                const Dest &d0 = kv.second[0];
                PktHdr h{d0.tile, PKT_DATA, d0.consumer, -1, inf, 1, -1, 0, d0.values};
                if (kv.second.size() > 1)
                    h.group = dest_list(kv.second);
                link_push(kv.first, (int)(y % gateways_), true, h, row_bytes, order++);
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

// The run adds inferences behind the batch until the mean completion
// interval of the last W agrees with that of the W before within 2 % (judged
// on the first max(batch, 4 W) inferences), then lets the inferences already
// started finish; the period is the last window's mean. Single intervals
// jitter where links and buffers are contended, and a batch's first
// intervals are shorter than the steady state (its first inferences waited
// for the pipeline to fill). Where the jitter could move a window's mean by
// more than kPeriodJitterMax, two windows may agree by chance (or none agree
// among the judged ones): W doubles (up to kPeriodWindowGrowth x
// --period-window) and judging goes on. W more inferences run behind the
// judged ones: the run's last inferences, with nothing behind them, finish
// faster than the steady state (a window of them read as a period below what
// the busiest link allows). A window faster than the busiest resource allows
// (floor_cycles_, less kPeriodFloorSlack) is the fill's slack being used up:
// judging goes on, up to judged_max_.
void Engine::inference_done(int inf)
{
    inf_done_ps_[(size_t)inf] = sc_time_stamp().value();
    completed_++;
    // every inference this completion closes is judged in turn, so outputs
    // of one instant give the same decision in any order
    while (!converged_ && done_upto_ < judged_ &&
           inf_done_ps_[(size_t)done_upto_] != UINT64_MAX)
        judge_period(done_upto_++); // inferences [0, done_upto_) are done
}

// Completions t_i of the two windows [k - 2w, k] deviate from the straight
// line through their first and last by at most D: a window's mean moves by
// (e_k - e_(k-w)) / w where e is a completion's jitter, so by about 2 D / w
// with D for the jitter's size (an estimate, not a bound: a slow drift of
// the rate is not jitter; docs/run.md, "Jitter").
double Engine::completion_jitter_ps(int k, int w) const
{
    return 2 * line_deviation_ps(k - 2 * w, k) / w;
}

// How far the completions a..b lie at most from the straight line through
// the first and last of them.
double Engine::line_deviation_ps(int a, int b) const
{
    const double t0 = (double)inf_done_ps_[(size_t)a];
    const double slope = ((double)inf_done_ps_[(size_t)b] - t0) / (b - a);
    double dev = 0;
    for (int i = a + 1; i < b; i++)
        dev = std::max(dev, std::fabs((double)inf_done_ps_[(size_t)i] - t0 - (i - a) * slope));
    return dev;
}

// The means of the W windows of w intervals ending at completions k-w+1..k:
// how far apart they lie. A pattern that repeats every p inferences, p
// dividing w, gives windows of one mean whatever their phase (the host's
// double buffer behind a long off-chip latency: inferences in pairs).
double Engine::shifted_spread_ps(int k, int w) const
{
    double lo = 0, hi = 0;
    for (int j = 0; j < w; j++) {
        const double m =
            ((double)inf_done_ps_[(size_t)(k - j)] - (double)inf_done_ps_[(size_t)(k - j - w)]) / w;
        lo = j ? std::min(lo, m) : m;
        hi = j ? std::max(hi, m) : m;
    }
    return hi - lo;
}

void Engine::judge_period(int k)
{
    const int W = window_;
    if (k < 2 * W)
        return;
    auto ps = [&](int i) { return (double)inf_done_ps_[(size_t)i]; };
    const double last = (ps(k) - ps(k - W)) / W, before = (ps(k - W) - ps(k - 2 * W)) / W;
    const bool agree = std::fabs(last - before) <= 0.02 * last;
    const double jitter = completion_jitter_ps(k, W);
    const bool steady = jitter <= kPeriodJitterMax * last;
    // faster than the busiest resource allows: the fill's slack, used up
    // over the next inferences (isaac alexnet on 2 chips: 45 of them at
    // 193.7 us, then 195.2 us, conv2's 122 MVMs of 1.6 us)
    const bool fast = below_floor(last);
    // the windows agreed by chance, maybe, or none agreed among the judged
    // ones: while the jitter is large, average more
    if (!steady && 2 * W <= window_max_ && (agree || k + 1 >= judged_)) {
        window_ = 2 * W;
        judged_ = std::max(judged_, 4 * window_);
        return;
    }
    bool ok = agree && steady && !fast;
    if (!ok && k + 1 < judged_)
        return;
    // Giving up on steady windows that disagree: one odd interval in the
    // earlier window can do that (puma vgg8 with 256-row crossbars: intervals
    // of 34.5 and 40.5 us in turn, then one 35.7 where 40 was due, read as
    // 36.29 against 37.98 us). Once, W more completions are judged, so the
    // windows slide past it; a rate that drifts still disagrees after them.
    if (!ok && steady && !agree && !fast && !slid_ && k + 1 + W <= judged_max_) {
        slid_ = true;
        judged_ = k + 1 + W;
        return;
    }
    // Giving up with the largest window: the completions may still repeat a
    // pattern the straight line reads as jitter, which no window's phase
    // moves (isaac lenet5 with 20 us of off-chip latency: intervals of 1.6
    // and 20.69 us in turn). The window means of every phase agreeing is
    // steady too; the jitter is then their range.
    double jitter_ps = jitter;
    if (!ok && agree && !steady && !fast && 2 * W > window_max_) {
        jitter_ps = shifted_spread_ps(k, W);
        ok = jitter_ps <= kPeriodJitterMax * last;
        if (!ok)
            jitter_ps = jitter;
    }
    if (fast && judged_ < judged_max_) { // judge the next completion too
        judged_ = k + 2;
        return;
    }
    converged_ = ok ? 1 : -1;
    period_ps_ = last;
    period_jitter_ps_ = jitter_ps;
    period_end_ = k;
    period_from_ = k - W;
    const uint64_t now = sc_time_stamp().value();
    int started = host_started_.get(now);
    for (auto &s : streams_)
        started = std::max(started, s->front_inf.get(now));
    inferences_ = std::min(inferences_, std::max(started + 1, cfg.batch));
    for (auto &s : streams_) // lanes waiting at the old end re-check it
        for (Lane &l : s->lane)
            if (!l.in_op)
                wake(&l);
}

// A batch larger than the inferences the period converged on: the period is
// the mean interval from the converged window's start to the batch's W-th
// last completion, so a larger --batch averages more of the steady state
// (the last window alone reads a slow drift of the rate as it was then).
// The batch's last W inferences, with nothing behind them, finish faster
// than the steady state: they are left out, and the batch runs as it is
// (its total_s is that of the batch alone). A mean below the floor is no
// steady state (a producer that ran ahead, by as many inferences as its
// consumer's buffer holds, left its consumer alone on a shared bus): the
// converged window stands then.
void Engine::extend_period()
{
    const int last = cfg.batch - 1 - window_;
    if (converged_ <= 0 || last <= period_end_)
        return;
    const int n = last - period_from_;
    const double mean =
        ((double)inf_done_ps_[(size_t)last] - (double)inf_done_ps_[(size_t)period_from_]) / n;
    if (below_floor(mean))
        return;
    period_ps_ = mean;
    period_jitter_ps_ = 2 * line_deviation_ps(period_from_, last) / n;
    period_end_ = last;
}

} // namespace imc_run
