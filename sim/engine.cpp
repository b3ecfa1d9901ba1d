// The run engine (engine.h, docs/run.md): elaboration, and the routing of
// every message between tiles, chips and the host.
//
// Structure: Engine (top sc_module) owns one noc_sc per chip and one TileNode
// per tile that has work. A TileNode owns an imc::Tile (which elaborates CEs,
// crossbars, DACs, ADCs, S+A) and the input ports of its streams; its streams
// (stream.cpp) issue tile ops as non-blocking TLM transactions and messages
// as TLM transactions on the NoC. Data for another chip or the host goes to
// one of the chip's gateway endpoints and over its off-chip links
// (offchip.cpp; a chip has chip.offchip.gateways of them, arch/placement.c).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <set>
#include <tuple>

#include "engine_internal.h"

using namespace sc_core;

namespace imc_run {

int chip_of(const arch_t *a, int gtile) { return gtile / a->chip.tiles; }

// ---------------------------------------------------------------- TileNode

TileNode::TileNode(sc_module_name n, Engine *e, const arch_t *a, int g)
    : sc_module(n), tile("tile", a, e->waker_.get()), ops("ops"), net_out("net_out"), net_in("net_in"),
      gtile(g), chip(chip_of(a, g)), endpoint(arch_tile_endpoint(a, g % a->chip.tiles)), eng_(e)
{
    ops.bind(tile.tgt);
    ops.register_nb_transport_bw(this, &TileNode::ops_bw);
    net_in.register_b_transport(this, &TileNode::net_b_transport);
}

tlm::tlm_sync_enum TileNode::ops_bw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph, sc_time &)
{
    imc::ImcOpExt *e = nullptr;
    gp.get_extension(e);
    if ((ph != tlm::BEGIN_RESP && ph != tlm::END_REQ) || !e || !e->owner) {
        eng_->fail("a tile answered an op with an unexpected phase");
        return tlm::TLM_COMPLETED;
    }
    if (ph == tlm::END_REQ) {
        eng_->op_granted(static_cast<OpSlot *>(e->owner));
        return tlm::TLM_ACCEPTED;
    }
    eng_->op_done(static_cast<OpSlot *>(e->owner));
    return tlm::TLM_COMPLETED;
}

void TileNode::net_b_transport(tlm::tlm_generic_payload &gp, sc_time &)
{
    eng_->gateway_arrive(chip, gp);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

// ---------------------------------------------------------------- Engine

Engine::Engine(sc_module_name n, const arch_t *a_, const mapping_t *m_,
               const trace_layer_t *layers_, const imc_run_config &cfg_, imc_diag_t *d)
    : sc_module(n), a(a_), m(m_), layers(layers_), cfg(cfg_), clk_(a_), d_(d)
{
    const int nl = m->model->n_layers;
    lacc.resize((size_t)nl);
    // when the batch is smaller, up to 4 windows of completion intervals to
    // find the steady-state period in (docs/run.md, "Results"), and a window
    // more behind them, so the last judged inferences still have followers
    // in flight (the last ones of a run finish faster, alone in the network);
    // room for the largest window the jitter may ask for, cut at the decision
    window_ = cfg.period_window;
    window_max_ = std::min(kPeriodWindowMax, kPeriodWindowGrowth * cfg.period_window);
    judged_ = std::max(cfg.batch, 4 * window_);
    inferences_ = std::max(cfg.batch, 4 * window_max_) + window_max_;
    judged_max_ = inferences_ - window_max_;
    chips_ = std::max(1, m->chips_used);
    const int total_tiles = a->chip.tiles * a->chip.chips;
    node_of_.assign((size_t)total_tiles, nullptr);
    const size_t endpoints = (size_t)a->chip.grid_x * (size_t)a->chip.grid_y *
                             (size_t)arch_noc_local_ports(a);
    tile_at_.assign(endpoints, 0);
    for (int t = 0; t < a->chip.tiles; t++) {
        tile_ep_.push_back(arch_tile_endpoint(a, t));
        tile_at_[(size_t)tile_ep_.back()] = t;
    }
    gateways_ = arch_gateways(a);
    gateway_at_.assign(endpoints, -1);
    for (int g = 0; g < gateways_; g++) {
        gateway_ep_.push_back(arch_gateway_endpoint(a, g));
        gateway_at_[(size_t)gateway_ep_.back()] = g;
    }

    // Tiles with work, in increasing order (deterministic elaboration).
    std::vector<char> used((size_t)total_tiles, 0);
    for (int l = 0; l < nl; l++)
        for (uint32_t s = 0; s < layers[l].n_streams; s++) {
            uint32_t t = layers[l].streams[s].tile;
            if ((int)t >= total_tiles) {
                fail("trace stream on tile " + std::to_string(t) + " beyond the system's " +
                     std::to_string(total_tiles) + " tiles");
                return;
            }
            used[t] = 1;
            chips_ = std::max(chips_, chip_of(a, (int)t) + 1);
        }
    if (!traces_agree())
        return;
    // The NoC's busiest port moves one flit a cycle: no steady period is
    // shorter than its flits per inference take (the estimate's link loads
    // of these traces, on this arch's placement; traces it cannot load are
    // refused with their file below, setup_host).
    {
        mapping_t on_a = *m;
        on_a.arch = a;
        estimate_t e{};
        imc_diag_t quiet;
        diag_init(&quiet);
        if (estimate_noc_busiest(&on_a, layers, &e, &quiet) == 0 && e.noc_bounded)
            noc_floor_ps_ = (double)e.noc_port_flits * 1000.0 / a->chip.noc.clock_ghz;
        diag_free(&quiet);
    }

    noc_config_t nc;
    if (noc_config_from_arch(&nc, a, d)) {
        fail("cannot configure the NoC from the architecture");
        return;
    }
    sc_time noc_period(1000.0 / a->chip.noc.clock_ghz, SC_PS);
    for (int c = 0; c < chips_; c++) {
        std::vector<int> eps;
        for (int t = 0; t < a->chip.tiles; t++)
            if (used[(size_t)(c * a->chip.tiles + t)])
                eps.push_back(ep_of(t)); // its sockets
        std::string nn = "noc" + std::to_string(c);
        nocs_.emplace_back(new noc_sc(nn.c_str(), nc, noc_period, eps));
        nocs_.back()->on_deliver = [this, c](int, tlm::tlm_generic_payload &gp) {
            gateway_arrive(c, gp);
        };
    }
    waker_.reset(new imc::TileWaker("tile_waker"));
    imc::elab_heap_begin((size_t)std::count(used.begin(), used.end(), 1) * (256 << 10));
    for (int t = 0; t < total_tiles; t++) {
        if (!used[(size_t)t])
            continue;
        std::string nn = "tile" + std::to_string(t);
        nodes_.emplace_back(new TileNode(nn.c_str(), this, a, t));
        TileNode *tn = nodes_.back().get();
        node_of_[(size_t)t] = tn;
        noc_sc &noc = *nocs_[(size_t)tn->chip];
        tn->net_out.bind(noc.in(tn->endpoint));
        noc.out(tn->endpoint).bind(tn->net_in);
    }
    int id = 0;
    for (int l = 0; l < nl && ok_; l++) {
        bool lstm = m->model->layers[l].kind == LAYER_LSTM, counted = false;
        for (uint32_t s = 0; s < layers[l].n_streams && ok_; s++) {
            streams_.emplace_back(new Stream);
            Stream *st = streams_.back().get();
            st->ts = &layers[l].streams[s];
            st->layer = l;
            st->id = id++;
            st->node = node_of_[st->ts->tile];
            st->node->add_stream(st);
            setup_stream(st);
            recs_total_ += st->ts->n_recs;
            if (lstm) {
                const trace_rec_t *r = st->ts->recs, *e = r + st->ts->n_recs;
                bool writes = std::any_of(r, e, [](const trace_rec_t &x) { return x.op == TR_WRITE; });
                st->counts_macs = writes && !counted;
                counted |= writes;
            }
        }
    }
    build_ports();
    setup_host();
    out_links_ = std::vector<Link>(link_of(chips_, 0));
    in_links_ = std::vector<Link>(link_of(chips_, 0));
    for (int c = 0; c < chips_; c++)
        for (int g = 0; g < gateways_; g++) {
            const std::string at = std::to_string(c) + (gateways_ > 1 ? "_" + std::to_string(g) : "");
            sc_spawn(sc_bind(&Engine::link_thread, this, c, g, false), ("out_link" + at).c_str());
            sc_spawn(sc_bind(&Engine::link_thread, this, c, g, true), ("in_link" + at).c_str());
        }
    sc_spawn(sc_bind(&Engine::host_input, this), "host");
    SC_HAS_PROCESS(Engine);
    SC_METHOD(runnable);
    sensitive << run_ev_;
    dont_initialize();
    SC_METHOD(front_moved);
    sensitive << front_ev_;
    dont_initialize();
    for (auto &s : streams_)
        wake(&s->lane[0]);
    if (cfg.timeline_path)
        sc_spawn(sc_bind(&Engine::sampler, this), "sampler");
    imc::elab_heap_end();
    clock_gettime(CLOCK_MONOTONIC, &t0_);
    last_ = t0_;
}

Engine::~Engine() = default;

// What a hand-edited trace could contradict, in one pass over the records:
// a weight layer's MVMs drive every crossbar of a replica once per position
// (the MACs reported are the mapping's; mvm_ops beside them would disagree);
// a WAIT on a layer asks for no more values than its producer sends the tile,
// an ACCUM for no more partial-sum messages than its replica sends it (one
// asking for more would end in a deadlock far from the edit).
bool Engine::traces_agree()
{
    // values: (tile, consumer, producer); partial sums: (tile, layer, replica + 1)
    using Counts = std::map<std::tuple<uint32_t, int, int>, uint64_t>;
    Counts sent, asked, psums, accums;
    for (int l = 0; l < m->model->n_layers; l++) {
        uint64_t xbar_acts = 0;
        for (uint32_t s = 0; s < layers[l].n_streams; s++) {
            const trace_stream_t &ts = layers[l].streams[s];
            for (uint32_t k = 0; k < ts.n_recs; k++) {
                const trace_rec_t &r = ts.recs[k];
                if (r.op == TR_MVM) {
                    xbar_acts += r.b;
                } else if (r.op == TR_SEND && r.a != TRACE_HOST) {
                    sent[{r.a, (int)r.c, l}] += r.b;
                } else if (r.op == TR_WAIT && r.a != TRACE_NETWORK_INPUT) {
                    uint64_t &w = asked[{ts.tile, l, (int)r.a}];
                    w = std::max<uint64_t>(w, r.b);
                } else if (r.op == TR_PSUM_SEND) {
                    psums[{r.a, l, (int)r.c}] += 1;
                } else if (r.op == TR_ACCUM) {
                    uint64_t &w = accums[{ts.tile, l, (int)r.c}];
                    w = std::max<uint64_t>(w, r.a);
                }
            }
        }
        const layer_map_t &lm = m->layers[l];
        const uint64_t want = (uint64_t)lm.positions * (uint64_t)lm.xbars_per_replica;
        if (lm.crossbars > 0 && xbar_acts != want) {
            fail_layer(l, "layer " + std::string(m->model->layers[l].name) + ": its traces drive " +
                 std::to_string(xbar_acts) + " crossbars per inference, its mapping " +
                 std::to_string(want) + " (" + std::to_string(lm.positions) + " positions x " +
                 std::to_string(lm.xbars_per_replica) + " crossbars a replica)");
            return false;
        }
    }
    // the first counter asked beyond what is sent: its key, the two counts
    auto beyond = [](const Counts &want, const Counts &have, uint64_t *got) {
        for (const auto &kv : want) {
            auto it = have.find(kv.first);
            *got = it == have.end() ? 0 : it->second;
            if (kv.second > *got)
                return &kv;
        }
        return static_cast<const Counts::value_type *>(nullptr);
    };
    uint64_t got;
    if (auto *p = beyond(accums, psums, &got)) {
        const auto &[tile, l, c] = p->first;
        fail_layer(l, "layer " + std::string(m->model->layers[l].name) + " on tile " +
             std::to_string(tile) + " adds " + std::to_string(p->second) + " partial-sum messages of replica " +
             std::to_string(c - 1) + ", which sends it " + std::to_string(got) + " per inference");
        return false;
    }
    if (auto *p = beyond(asked, sent, &got)) {
        const auto &[tile, c, j] = p->first;
        fail_layer(c, "layer " + std::string(m->model->layers[c].name) + " on tile " +
             std::to_string(tile) + " waits for " + std::to_string(p->second) + " values of layer " +
             m->model->layers[j].name + ", which sends it " + std::to_string(got) + " per inference");
        return false;
    }
    return true;
}

void Engine::fail(const std::string &msg) { fail_layer(-1, msg); }

void Engine::fail_layer(int layer, const std::string &msg)
{
    if (!ok_)
        return; // stopped already (a second sc_stop() draws the kernel's warning)
    std::string file;
    if (cfg.trace_dir && layer >= 0) {
        char name[TRACE_NAME_BYTES + 16];
        trace_file_name(name, sizeof name, (uint32_t)layer, m->model->layers[layer].name);
        file = std::string(cfg.trace_dir) + "/" + name;
    }
    diag_error(d_, file.empty() ? nullptr : file.c_str(), 0, 0, "%s", msg.c_str());
    ok_ = 0;
    // the error above says why; not the kernel's "Simulation stopped by user" on stdout
    sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING);
    sc_stop();
}

// ---------------------------------------------------------------- messages

// One message on chip's NoC from endpoint src to the endpoints dst: one
// transaction (the NoC replicates it with chip.noc.multicast, else sends a
// copy per destination).
static void noc_message(noc_sc &noc, tlm_utils::simple_initiator_socket<TileNode> *out, int src,
                        const std::vector<int> &dst, const PktHdr &h0, uint64_t flits,
                        int packet_flits, uint64_t order, bool each_packet, const sc_time &delay,
                        tlm::tlm_generic_payload &gp)
{
    const bool group = dst.size() > 1 && !each_packet;
    for (size_t i = 0; i < (group ? 1 : dst.size()); i++) {
        PktHdr h = h0;
        noc_packet_ext ext;
        if (group)
            ext.dsts = dst;
        else
            ext.dst = dst[i];
        ext.flits = (int)flits;
        ext.packet_flits = packet_flits;
        ext.order = order;
        ext.each_packet = each_packet;
        gp.set_command(tlm::TLM_WRITE_COMMAND);
        gp.set_data_ptr(reinterpret_cast<unsigned char *>(&h));
        gp.set_data_length(sizeof h);
        gp.set_streaming_width(sizeof h);
        gp.set_extension(&ext);
        sc_time d = delay;
        if (out)
            (*out)->b_transport(gp, d);
        else
            noc.send(src, gp, d);
        gp.clear_extension(&ext);
        gp.set_data_ptr(nullptr);
    }
}

int32_t Engine::dest_list(std::vector<Dest> d)
{
    std::sort(d.begin(), d.end());
    auto it = dests_id_.find(d);
    if (it != dests_id_.end())
        return it->second;
    dests_.push_back(d);
    return dests_id_.emplace(std::move(d), (int32_t)dests_.size() - 1).first->second;
}

void Engine::send(TileNode *from, PktHdr h, uint64_t bits, uint64_t order)
{
    const uint64_t fb = (uint64_t)a->chip.noc.flit_bits;
    const uint64_t flits = flits_of(bits);
    if (flits > (uint64_t)INT32_MAX) {
        fail("a message of " + std::to_string(flits) + " flits is too large for the NoC");
        return;
    }
    if (h.kind == PKT_HOST && a->chip.offchip.host_io == HOST_IO_PRELOADED) {
        host_arrive(h); // the output stays in the tile's buffer
        return;
    }
    const int pf = std::max(1, a->chip.noc.packet_flits);
    std::vector<int> &tiles = send_tiles_; // distinct destination tiles (-1: the host)
    tiles.clear();
    if (h.group >= 0) {
        for (const Dest &d : dests_[(size_t)h.group])
            if (tiles.empty() || tiles.back() != d.tile)
                tiles.push_back(d.tile);
    } else {
        tiles.push_back(h.final_tile);
    }
    std::vector<int> &same = send_same_;   // endpoints on from's chip
    same.clear();
    std::map<int, std::vector<int>> other; // tiles on other chips (or the host, -1)
    PktHdr here = h; // the copy for from's chip: its final tile one of them
    for (int t : tiles) {
        if (t == from->gtile) {
            arrive(from->gtile, h); // stays in the tile: no network
        } else if (t >= 0 && chip_of(a, t) == from->chip) {
            if (same.empty()) // (a group's first tile may be on another chip, and a
                here.final_tile = t; // delivery for one there leaves through a gateway)
            same.push_back(ep_of(t));
        } else {
            other[t < 0 ? -1 : chip_of(a, t)].push_back(t);
        }
    }
    if (!same.empty())
        noc_message(*nocs_[(size_t)from->chip], &from->net_out, from->endpoint, same, here,
                    flits, pf, order, false, SC_ZERO_TIME, from->pkt_gp);
    for (auto &kv : other) {
        PktHdr g = h;
        g.final_tile = kv.second[0]; // routes it to its chip; the list names the tiles
        const int gw = arch_flow_gateway(a, from->gtile, g.final_tile);
        if (from->endpoint == gateway_ep_[(size_t)gw]) { // the tile at the gateway
            link_push(from->chip, gw, false, g, (flits * fb + 7) / 8, order);
            continue;
        }
        // The gateway takes a message for another chip packet by packet:
        // the off-chip link streams them as they come.
        noc_message(*nocs_[(size_t)from->chip], &from->net_out, from->endpoint,
                    {gateway_ep_[(size_t)gw]}, g, flits, pf, order, true, SC_ZERO_TIME,
                    from->pkt_gp);
    }
}

// A delivery at one of chip's endpoints: a message for a tile there, or one
// leaving through a gateway for another chip or the host.
void Engine::gateway_arrive(int chip, tlm::tlm_generic_payload &gp)
{
    PktHdr h;
    noc_packet_ext *ext = nullptr;
    gp.get_extension(ext);
    if (gp.get_data_length() != sizeof h || !ext) {
        fail("malformed packet on the NoC");
        return;
    }
    std::memcpy(&h, gp.get_data_ptr(), sizeof h);
    uint64_t flits = (uint64_t)ext->flits;
    if (!ext->last_packet) { // the values ride on the last packet
        h.counts = 0;
        h.values = 0;
    }
    if (h.final_tile < 0 || chip_of(a, h.final_tile) != chip) { // leaving the chip
        const int gw = ext->dst >= 0 && (size_t)ext->dst < gateway_at_.size() ? gateway_at_[(size_t)ext->dst] : -1;
        if (gw < 0) {
            fail("a message for another chip reached endpoint " + std::to_string(ext->dst) +
                 ", which is no gateway");
            return;
        }
        const uint64_t fb = (uint64_t)a->chip.noc.flit_bits;
        link_push(chip, gw, false, h, (flits * fb + 7) / 8, UINT64_MAX); // the NoC delivers in a fixed order
        return;
    }
    if (h.counts)
        arrive(chip * a->chip.tiles + tile_at_[(size_t)ext->dst], h);
}

void Engine::arrive(int tile, const PktHdr &h)
{
    TileNode *tn = node(tile);
    if (!tn) {
        fail("a message for tile " + std::to_string(tile) + ", which runs no stream");
        return;
    }
    if (h.kind == PKT_DATA) {
        const Dest one{tile, h.consumer, h.values};
        const Dest *d = &one, *end = &one + 1;
        if (h.group >= 0) {
            const std::vector<Dest> &v = dests_[(size_t)h.group];
            d = &v[0];
            end = d + v.size();
        }
        for (; d < end; d++) {
            if (d->tile != tile)
                continue;
            InPort *p = tn->find_port(d->consumer, h.producer);
            if (!p) {
                fail("values of layer " + std::to_string(h.producer) + " for layer " +
                     std::to_string(d->consumer) + " at tile " + std::to_string(tile) +
                     ", which does not wait for them");
                return;
            }
            p->recv_of(h.inference) += d->values;
            if (!p->arrived_waiters.empty()) {
                std::vector<Lane *> w;
                w.swap(p->arrived_waiters);
                for (Lane *l : w)
                    wake(l);
            }
        }
    } else if (h.kind == PKT_PSUM) {
        tn->psums(h.consumer, h.producer, h.inference)++;
        std::vector<Lane *> &pw = tn->psum_waiters(h.consumer, h.producer);
        if (!pw.empty()) {
            std::vector<Lane *> w;
            w.swap(pw);
            for (Lane *l : w)
                wake(l);
        }
    }
}

// From chip's gateway gw to the message's tiles on that chip, at time `at`,
// for `link` (2 x link_of() + 1 if inbound).
void Engine::deliver_from_gateway(int chip, int gw, const PktHdr &h, uint64_t flits,
                                  const sc_time &at, int link)
{
    const int gw_ep = gateway_ep_[(size_t)gw];
    std::vector<int> eps;
    if (h.group < 0)
        eps.push_back(ep_of(h.final_tile));
    else
        for (const Dest &d : dests_[(size_t)h.group]) {
            const int e = ep_of(d.tile);
            if (chip_of(a, d.tile) == chip && (eps.empty() || eps.back() != e))
                eps.push_back(e);
        }
    const sc_time now = sc_time_stamp();
    std::vector<int> noc_eps;
    for (int e : eps) {
        if (e != gw_ep) {
            noc_eps.push_back(e);
            continue;
        }
        if (at > now) // the tile at the gateway itself
            wait(at - now);
        if (h.counts)
            arrive(chip * a->chip.tiles + tile_at_[(size_t)gw_ep], h);
    }
    if (noc_eps.empty())
        return;
    const sc_time t = sc_time_stamp();
    const sc_time delay = at > t ? at - t : SC_ZERO_TIME;
    const int pf = std::max(1, a->chip.noc.packet_flits);
    tlm::tlm_generic_payload &gp = (h.group >= 0 ? in_links_ : out_links_)[link_of(chip, gw)].gp;
    // Messages of one cycle at the gateway go in link order (each link's in
    // its FIFO order): with one key for all links, SystemC's order of the
    // link threads decided which went first.
    const uint64_t order = (1ull << 32) + (uint64_t)link;
    if (send_input_row(chip, gw, h, pf, order, delay, gp))
        return;
    noc_message(*nocs_[(size_t)chip], nullptr, gw_ep, noc_eps, h, flits, pf, order, false, delay, gp);
}

// A row of the network input from chip's gateway gw to its takers on chip but
// the gateway's own tile (which had it already): cut into the segments of
// columns the tiles take, each one multicast to its takers
// (sim/input_rows.h). False for other messages.
bool Engine::send_input_row(int chip, int gw, const PktHdr &h, int pf, uint64_t order,
                            const sc_time &delay, tlm::tlm_generic_payload &gp)
{
    if (h.kind != PKT_DATA || h.producer != -1 || h.group < 0)
        return false;
    std::vector<int> idx;
    std::vector<uint64_t> v;
    for (const Dest &d : dests_[(size_t)h.group]) {
        if (chip_of(a, d.tile) != chip ||
            ep_of(d.tile) == gateway_ep_[(size_t)gw])
            continue;
        idx.push_back(host_dest_of_.at({d.consumer, d.tile}));
        v.push_back(d.values);
    }
    struct Ctx {
        Engine *e;
        int chip, gw_ep;
        const PktHdr &h;
        int pf;
        uint64_t order;
        const sc_time &delay;
        tlm::tlm_generic_payload &gp;
    } ctx{this, chip, gateway_ep_[(size_t)gw], h, pf, order, delay, gp};
    auto emit = [](void *p, const input_part_t *parts, int n, uint64_t values) {
        Ctx &c = *static_cast<Ctx *>(p);
        Engine &e = *c.e;
        std::vector<Dest> list;
        std::vector<int> to;
        for (int i = 0; i < n; i++) {
            const input_dest_t &d = e.host_dests_[(size_t)parts[i].dest];
            list.push_back(Dest{(int32_t)d.tile, d.layer, parts[i].values});
            const int ep = e.ep_of((int)d.tile);
            if (std::find(to.begin(), to.end(), ep) == to.end())
                to.push_back(ep);
        }
        PktHdr g = c.h;
        g.final_tile = list[0].tile;
        g.consumer = list[0].consumer;
        g.values = list[0].values;
        g.group = e.dest_list(list);
        noc_message(*e.nocs_[(size_t)c.chip], nullptr, c.gw_ep, to, g,
                    e.flits_of(values * (uint64_t)e.host_bits_), c.pf, c.order, false, c.delay,
                    c.gp);
    };
    if (input_row_messages(host_dests_.data(), idx.data(), v.data(), (int)idx.size(), emit, &ctx))
        fail("out of memory");
    return true;
}

uint64_t Engine::flits_of(uint64_t bits) const
{
    const uint64_t fb = (uint64_t)a->chip.noc.flit_bits;
    return std::max<uint64_t>(1, (bits + fb - 1) / fb);
}

// ---------------------------------------------------------------- status

bool Engine::all_done() const
{
    for (auto &s : streams_)
        if (!s->done)
            return false;
    for (int i = 0; i < inferences_; i++)
        if ((size_t)i >= inf_done_ps_.size() || inf_done_ps_[(size_t)i] == UINT64_MAX)
            return false;
    return true;
}

int Engine::noc_stopped() const
{
    for (size_t c = 0; c < nocs_.size(); c++)
        if (nocs_[c]->watchdog_stopped())
            return (int)c;
    return -1;
}

void Engine::report_blocked(imc_diag_t *d) const
{
    // the oldest inferences first, one lane per layer and reason: the ones
    // the others wait behind (a layer's replicas are often all alike)
    struct Blocked {
        int inference, layer;
        const Stream *s;
        const Lane *l;
    };
    std::vector<Blocked> all;
    for (auto &s : streams_)
        if (!s->done)
            for (const Lane &l : s->lane)
                if (!l.done)
                    all.push_back({s->inference(l.k), s->layer, s.get(), &l});
    std::stable_sort(all.begin(), all.end(), [](const Blocked &x, const Blocked &y) {
        return x.inference != y.inference ? x.inference < y.inference : x.layer < y.layer;
    });
    std::set<std::pair<int, std::string>> seen;
    int shown = 0;
    for (const Blocked &b : all) {
        if (shown == 8 || !seen.insert({b.layer, b.l->blocked}).second)
            continue;
        shown++;
        diag_note(d, nullptr, 0, 0,
                  "layer '%s' on tile %u, %s lane blocked at record %u (%s), inference %d",
                  m->model->layers[b.layer].name, b.s->ts->tile, b.l->back ? "back" : "front",
                  b.l->pc, b.l->blocked, b.inference);
    }
    if (all.size() > (size_t)shown)
        diag_note(d, nullptr, 0, 0, "... and %zu more blocked lanes", all.size() - (size_t)shown);
    for (size_t i = 0; i < host_got_.size(); i++)
        if (host_got_[i] < out_per_inf_) {
            diag_note(d, nullptr, 0, 0, "the host has %llu of the %llu output values of inference %zu",
                      (unsigned long long)host_got_[i], (unsigned long long)out_per_inf_, i);
            break;
        }
    for (size_t c = 0; c < nocs_.size(); c++)
        if (!nocs_[c]->failure().empty())
            diag_note(d, nullptr, 0, 0, "chip %zu: %s", c, nocs_[c]->failure().c_str());
}

void Engine::progress_tick(uint64_t records)
{
    recs_done_ += records;
    if (!cfg.progress)
        return;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double since0 = (double)(t.tv_sec - t0_.tv_sec) + 1e-9 * (double)(t.tv_nsec - t0_.tv_nsec);
    double sincel = (double)(t.tv_sec - last_.tv_sec) + 1e-9 * (double)(t.tv_nsec - last_.tv_nsec);
    if (since0 < 2.0 || sincel < 1.0)
        return;
    last_ = t;
    printed_progress_ = true;
    std::fprintf(stderr,
                 "imcsim run: %llu trace records, %d of at most %d inference(s) done, simulated "
                 "%.6g s, host %.1f s\n",
                 (unsigned long long)recs_done_, completed_, inferences_, sc_time_stamp().to_seconds(),
                 since0);
}

// The NoC counters every 1000 NoC cycles, read at the cycle edge itself
// (noc_sc::at_cycle; every chip's NoC has the same clock): a sample a
// fraction of a ps before the edge (a step rounded once and added up) read
// the cycle before or, where the NoC had simulated ahead, the edge, as the
// order of the instant's processes had it.
void Engine::sampler()
{
    std::vector<uint64_t> last(nocs_.size(), 0);
    for (uint64_t k = 1000; !all_done() && ok_; k += 1000) {
        wait(nocs_.front()->at_cycle(k) - sc_time_stamp());
        for (size_t c = 0; c < nocs_.size(); c++) {
            noc_stats_t s;
            nocs_[c]->catch_up();
            noc_stats(nocs_[c]->core(), &s);
            timeline_counter(tl, (int)c, "noc_link_flits_per_1000_cycles", now_cycle(),
                             (double)(s.link_flits - last[c]));
            timeline_counter(tl, (int)c, "noc_flits_in_network", now_cycle(),
                             (double)s.flits_in_network);
            last[c] = s.link_flits;
        }
    }
}

} // namespace imc_run

int imc_simulate(const arch_t *a, const mapping_t *m, const trace_layer_t *layers,
                 const imc_run_config &cfg, run_result_t *out, imc_diag_t *d)
{
    std::memset(out, 0, sizeof *out);
    if (cfg.batch < 1) {
        diag_error(d, nullptr, 0, 0, "batch must be at least 1");
        return 2;
    }
    if (cfg.period_window < 2 || cfg.period_window > kPeriodWindowMax) {
        diag_error(d, nullptr, 0, 0, "period window %d is outside 2..%d", cfg.period_window,
                   kPeriodWindowMax);
        return 2;
    }
    timeline_t *tl = nullptr;
    if (cfg.timeline_path) {
        tl = timeline_open(cfg.timeline_path, a->tech.clock_ghz);
        if (!tl) {
            diag_error(d, cfg.timeline_path, 0, 0, "cannot write the timeline: %s", std::strerror(errno));
            return 2;
        }
    }
    auto *e = new imc_run::Engine("accelerator", a, m, layers, cfg, d);
    e->tl = tl;
    if (!e->ok()) {
        timeline_close(tl);
        return 2;
    }
    sc_start();
    int rc = 0;
    const int stopped_chip = e->ok() && !e->all_done() ? e->noc_stopped() : -1;
    if (!e->ok()) {
        rc = 2;
    } else if (stopped_chip >= 0) {
        // the NoC's deadlock watchdog stopped a network: it says why (a
        // watchdog shorter than a wait the network can have fires too)
        diag_error(d, nullptr, 0, 0,
                   "the NoC watchdog stopped chip %d's network at %.6g s: no flit moved for "
                   "chip.noc.watchdog_cycles = %d cycles (a deadlock, or a watchdog shorter "
                   "than the network's waits); its blocked VCs are listed last",
                   stopped_chip, sc_time_stamp().to_seconds(), a->chip.noc.watchdog_cycles);
        e->report_blocked(d);
        rc = 1;
    } else if (!e->all_done()) {
        diag_error(d, nullptr, 0, 0,
                   "the simulation stopped with streams still blocked (deadlock) at %.6g s",
                   sc_time_stamp().to_seconds());
        e->report_blocked(d);
        rc = 1;
    } else {
        e->collect(out);
        std::snprintf(out->arch, sizeof out->arch, "%s", a->name);
        std::snprintf(out->model, sizeof out->model, "%s", m->model->name);
    }
    if (timeline_close(tl) && rc == 0) {
        diag_error(d, cfg.timeline_path, 0, 0, "writing the timeline failed");
        rc = 1;
    }
    // The module tree stays alive until exit: SystemC objects must not be
    // destroyed after simulation in this kernel version.
    return rc;
}
