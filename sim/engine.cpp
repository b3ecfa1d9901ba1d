// The run engine (see engine.h and docs/run.md).
//
// Structure: Engine (top sc_module) owns one noc_sc per chip and one TileNode
// per tile that has work. A TileNode owns an imc::Tile (which elaborates CEs,
// crossbars, DACs, ADCs, S+A) and runs the tile's trace streams as SC_THREADs
// that call the Tile over TLM (ops) and the NoC over TLM (packets). Data
// between chips goes to the chip's gateway endpoint, over the off-chip link
// (bandwidth + latency, FIFO) and into the destination chip's NoC.
#include "engine.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "imc_sc.h"
#include "model.h"
#include "noc_sc.h"
#include "rollup.h"
#include "timeline.h"

using namespace sc_core;

namespace {

enum : int32_t { PKT_DATA = 0, PKT_PSUM = 1 };

// What a packet carries, as its payload bytes (the NoC copies data, not our
// extensions). Sizes on the wire are the flits we ask for, not these bytes.
struct PktHdr {
    int32_t final_tile, kind, consumer, producer, inference;
    int32_t counts; // 1 on a message's last packet, the one whose arrival counts
    uint64_t values;
};

// Values of one producer layer for one consumer layer on one tile: counts
// per inference, and the credits that give back-pressure to the producer.
struct InPort {
    std::vector<uint64_t> recv, released;
    uint64_t reserved = 0; // sent by the producer, not yet released
    uint64_t cap = 0;      // buffer values reserved for this port
    uint64_t window = 0;   // values a consumer position may still need
    sc_event arrived, credit;
    int arrived_waiters = 0, credit_waiters = 0; // see notify_waiters()
    uint64_t sent_now = 0, sent_at = UINT64_MAX;   // values reserved at time sent_at
    const struct Stream *consumer = nullptr;
};

// Waits counted so that a change nobody waits for costs no event: a process
// that starts waiting later has already seen the change.
static void wait_counted(sc_event &ev, int &waiters)
{
    waiters++;
    wait(ev);
    waiters--;
}
static void notify_waiters(sc_event &ev, int waiters)
{
    if (waiters)
        ev.notify(SC_ZERO_TIME);
}

struct Stream {
    const trace_stream_t *ts = nullptr;
    int layer = 0, id = 0;
    uint32_t pc = 0;
    int inf = 0;
    bool done = false;
    const char *blocked = "start";
    std::vector<InPort *> ports;
    std::vector<uint64_t> inf_end; // tile cycle each inference finished
    uint64_t busy = 0;             // tile cycles with an op of this stream in flight
    uint64_t writes = 0;
    tlm::tlm_generic_payload gp;   // reused: a payload allocates on construction
    imc::ImcOpExt ext;
    std::vector<tile_op_t> group;       // one position's MVMs, issued together
    std::vector<tile_result_t> more_res; // results of group[1..]
    bool in_op = false;            // inside a tile op (not waiting on anyone)
    uint64_t addr = 0;             // next tile-buffer address (TileNode::add_stream)
    // When the current op and inference began (SystemC time values), and the
    // inference before: must_hold() judges a consumer as it was at the start
    // of the current time.
    uint64_t op_start = 0, inf_at = 0;
    int prev_inf = 0;
};

struct LayerAcc {
    uint64_t start = UINT64_MAX, end = 0, mvms = 0;
    double energy_pj = 0;
    uint64_t macs = 0;
};

class Engine;

class TileNode : public sc_module {
  public:
    imc::Tile tile;
    tlm_utils::simple_initiator_socket<TileNode> ops;
    tlm_utils::simple_initiator_socket<TileNode> net_out;
    tlm_utils::simple_target_socket<TileNode> net_in;

    TileNode(sc_module_name n, Engine *e, const arch_t *a, int gtile);
    InPort &port(int consumer, int producer);
    // Each stream walks the buffer from its own bank on (bank = address /
    // bank size): a cursor shared by the tile's streams made the bank an op
    // hits depend on the order SystemC ran them.
    void add_stream(Stream *s)
    {
        const tile_t *t = tile.core();
        s->addr = (uint64_t)streams_.size() % (uint64_t)t->n_banks * t->bank_bytes;
        streams_.push_back(s);
    }
    void spawn();
    std::map<std::pair<int, int>, std::unique_ptr<InPort>> ports_;
    // Partial-sum messages per (layer, replica group of the trace's c field).
    std::map<std::pair<int, int>, std::vector<uint64_t>> psum_recv_;
    std::map<std::pair<int, int>, std::unique_ptr<sc_event>> psum_ev_;
    int gtile, chip, endpoint;
    tlm::tlm_generic_payload pkt_gp; // reused for every packet sent (the NoC copies it)

  private:
    void run_stream(Stream *s);
    tile_result_t exec(Stream *s, tile_op_t op) { return exec(s, &op, 1); }
    tile_result_t exec(Stream *s, tile_op_t *todo, int n);
    void net_b_transport(tlm::tlm_generic_payload &gp, sc_time &d);
    Engine *eng_;
    std::vector<Stream *> streams_;
};

class Engine : public sc_module {
  public:
    Engine(sc_module_name n, const arch_t *a, const mapping_t *m, const trace_layer_t *layers,
           const imc_run_config &cfg, imc_diag_t *d);
    ~Engine() override;
    int ok() const { return ok_; }
    void collect(run_result_t *r);
    bool all_done() const;
    void report_blocked(imc_diag_t *d) const;

    // Called by the nodes.
    // order: the sending stream's id (same-cycle messages of a tile enter
    // its NoC queue by it, not by SystemC's process order)
    // bits: the payload, carried as whole flits (at least one)
    void send(TileNode *from, int dst_tile, const PktHdr &h, uint64_t bits, uint64_t order);
    void arrive(const PktHdr &h, uint64_t flits);
    void gateway_arrive(int chip, tlm::tlm_generic_payload &gp);
    void fail(const std::string &msg);
    uint64_t now_cycle() const { return clk_.ceil_cycle(sc_time_stamp()); }
    void progress_tick(uint64_t records);
    void stream_finished_inference(Stream *s, int inf);
    TileNode *node(int gtile) { return gtile >= 0 && gtile < (int)node_of_.size() ? node_of_[gtile] : nullptr; }

    const arch_t *a;
    const mapping_t *m;
    const trace_layer_t *layers;
    imc_run_config cfg;
    imc::Clock clk_;
    std::vector<LayerAcc> lacc;
    timeline_t *tl = nullptr;
    uint64_t offchip_bytes = 0;
    int active_streams = 0;

  private:
    struct LinkItem {
        sc_time at;     // when it reached the link
        uint64_t order; // among items of one instant (stream id, or after them)
        PktHdr h;
        uint64_t flits;
    };
    struct Link {
        sc_time free_at = SC_ZERO_TIME;
        std::deque<LinkItem> q; // by (at, order)
        sc_event ev;
        tlm::tlm_generic_payload gp; // reused: a payload allocates when built
    };
    void link_push(int chip, const PktHdr &h, uint64_t flits, uint64_t order);
    void link_thread(int chip);
    void sampler();
    int tiles_per_chip() const { return a->chip.tiles; }
    void build_ports();

    imc_diag_t *d_;
    int ok_ = 1;
    int chips_;
    std::vector<std::unique_ptr<noc_sc>> nocs_;
    std::vector<std::unique_ptr<TileNode>> nodes_;
    std::vector<TileNode *> node_of_;
    std::vector<std::unique_ptr<Stream>> streams_;
    std::vector<Link> links_;
    uint64_t recs_total_ = 0, recs_done_ = 0;
    struct timespec t0_{}, last_{};
    bool printed_progress_ = false;
    friend class TileNode;
};

int chip_of(const arch_t *a, int gtile) { return gtile / a->chip.tiles; }

// ---------------------------------------------------------------- TileNode

TileNode::TileNode(sc_module_name n, Engine *e, const arch_t *a, int g)
    : sc_module(n), tile("tile", a), ops("ops"), net_out("net_out"), net_in("net_in"),
      gtile(g), chip(chip_of(a, g)), endpoint(g % a->chip.tiles), eng_(e)
{
    ops.bind(tile.tgt);
    net_in.register_b_transport(this, &TileNode::net_b_transport);
}

InPort &TileNode::port(int consumer, int producer)
{
    auto &p = ports_[{consumer, producer}];
    if (!p) {
        p.reset(new InPort);
        p->recv.assign(eng_->cfg.batch, 0);
        p->released.assign(eng_->cfg.batch, 0);
    }
    return *p;
}

void TileNode::spawn()
{
    sc_spawn_options o;
    o.set_stack_size(128 * 1024);
    for (Stream *s : streams_) {
        std::string name = "s" + std::to_string(s->id);
        sc_spawn(sc_bind(&TileNode::run_stream, this, s), name.c_str(), &o);
    }
}

// Runs todo[0..n) as one transaction (a group runs in parallel on its CEs)
// and charges every op to the stream's layer; returns the first op's result.
tile_result_t TileNode::exec(Stream *s, tile_op_t *todo, int n)
{
    for (int i = 0; i < n; i++)
        todo[i].requester = (uint32_t)s->id;
    if ((int)s->more_res.size() < n - 1)
        s->more_res.resize(size_t(n - 1));
    tlm::tlm_generic_payload &gp = s->gp;
    imc::ImcOpExt &ext = s->ext;
    ext.op = todo[0];
    ext.n_more = n - 1;
    ext.more_ops = todo + 1;
    ext.more_res = s->more_res.data();
    gp.set_command(tlm::TLM_IGNORE_COMMAND);
    gp.set_extension(&ext);
    sc_time dly = SC_ZERO_TIME;
    s->in_op = true;
    s->op_start = sc_time_stamp().value();
    ops->b_transport(gp, dly);
    s->in_op = false;
    for (InPort *p : s->ports) // producers held back while we computed may go on
        notify_waiters(p->credit, p->credit_waiters);
    gp.clear_extension(&ext);
    LayerAcc &la = eng_->lacc[s->layer];
    uint64_t first = UINT64_MAX, last = 0;
    for (int i = 0; i < n; i++) {
        const tile_result_t &r = i ? s->more_res[size_t(i - 1)] : ext.res;
        if (r.status)
            eng_->fail("tile " + std::to_string(gtile) + ", layer " +
                       eng_->m->model->layers[s->layer].name + ": " + r.err);
        first = std::min(first, r.grant);
        last = std::max(last, r.end);
        la.energy_pj += r.energy_pj;
        if (s->inf == 0) {
            la.start = std::min(la.start, r.grant);
            la.end = std::max(la.end, r.end);
        }
        if (eng_->tl && s->inf == 0)
            timeline_op(eng_->tl, chip, gtile, todo[i].kind == TILE_OP_MVM ? todo[i].ce : -1,
                        eng_->m->model->layers[s->layer].name, todo[i].kind, r.grant, r.end);
    }
    s->busy += last - first;
    return ext.res;
}

static uint64_t release_to(InPort &p, int inf, uint64_t upto)
{
    if (upto <= p.released[inf])
        return 0;
    uint64_t n = upto - p.released[inf];
    p.released[inf] = upto;
    p.reserved -= std::min(p.reserved, n);
    notify_waiters(p.credit, p.credit_waiters);
    return n;
}

// Back-pressure: a SEND waits while the consumer's input is full, but only
// while the consumer is busy with an op, or the values belong to a later
// inference than the one it works on. A consumer that waits (for these or
// other values) always gets data, so credits can never close a cycle.
// The decision must not depend on the order in which SystemC runs the
// processes of one instant: the consumer is judged as it was when the
// instant began (an op or inference it starts now does not count), and
// values other producers reserve in this instant do not count either; the
// consumer's releases do, and wake the waiting producers.
static bool must_hold(const InPort &p, int inf, uint64_t values)
{
    const uint64_t now = sc_time_stamp().value();
    uint64_t reserved = p.reserved;
    if (p.sent_at == now)
        reserved -= std::min(reserved, p.sent_now);
    if (reserved == 0 || reserved + values <= p.cap || !p.consumer)
        return false;
    const Stream &c = *p.consumer;
    bool busy = c.in_op && c.op_start < now;
    int c_inf = c.inf_at < now ? c.inf : c.prev_inf;
    return busy || inf > c_inf;
}

// Half the (stream, inference, record) triples, pseudo-randomly by seed.
static bool perturb(uint64_t seed, int stream, int inf, uint32_t rec)
{
    uint64_t x = seed ^ ((uint64_t)stream << 40) ^ ((uint64_t)inf << 32) ^ rec;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x & 1;
}

void TileNode::run_stream(Stream *s)
{
    const trace_stream_t *ts = s->ts;
    const layer_t &L = eng_->m->model->layers[s->layer];
    const trace_layer_t &TL = eng_->layers[s->layer];
    const int ce0 = gtile * eng_->a->tile.ces;
    const int64_t positions = eng_->m->layers[s->layer].positions;
    const uint64_t macs_per_write = positions > 0 ? (uint64_t)(L.macs / positions) : 0;
    for (int inf = 0; inf < eng_->cfg.batch; inf++) {
        s->prev_inf = s->inf;
        s->inf = inf;
        s->inf_at = sc_time_stamp().value();
        uint32_t ticked = 0; // records reported to the progress meter
        for (uint32_t k = 0; k < ts->n_recs; k++) {
            const trace_rec_t &r = ts->recs[k];
            s->pc = k;
            if (eng_->cfg.perturb_order && perturb(eng_->cfg.perturb_order, s->id, inf, k))
                wait(SC_ZERO_TIME); // same instant, later delta (see imc_run_config)
            if (k >= ticked + 1024) {
                eng_->progress_tick(k - ticked);
                ticked = k;
            }
            tile_op_t op{};
            switch (r.op) {
            case TR_WAIT: {
                if (r.a == TRACE_NETWORK_INPUT)
                    break; // the network input is in the buffer (docs/run.md)
                InPort &p = port(s->layer, (int)r.a);
                s->blocked = "WAIT (inputs)";
                while (p.recv[inf] < r.b)
                    wait_counted(p.arrived, p.arrived_waiters);
                release_to(p, inf, r.b > p.window ? r.b - p.window : 0);
                break;
            }
            case TR_READ:
            case TR_WRITE:
                op.kind = r.op == TR_READ ? TILE_OP_READ : TILE_OP_WRITE;
                op.bytes = r.a;
                op.addr = s->addr;
                s->addr += r.a;
                s->blocked = "buffer";
                exec(s, op);
                if (r.op == TR_WRITE) {
                    s->writes++;
                    eng_->lacc[s->layer].macs += macs_per_write;
                }
                break;
            case TR_MVM: {
                // Consecutive MVMs of a stream are one position on several
                // CEs: they run in parallel, as the hardware does.
                uint32_t e = k;
                while (e + 1 < ts->n_recs && ts->recs[e + 1].op == TR_MVM)
                    e++;
                s->group.clear();
                for (uint32_t j = k; j <= e; j++) {
                    const trace_rec_t &q = ts->recs[j];
                    tile_op_t mv{};
                    mv.kind = TILE_OP_MVM;
                    mv.ce = (int)q.a - ce0;
                    mv.xbars = (int)std::max<uint32_t>(q.b, 1);
                    int rows = (int)(q.c & 0xFFFF), cols = (int)(q.c >> 16);
                    mv.rows = (rows + mv.xbars - 1) / mv.xbars; // timing: the fullest crossbar
                    mv.cols = (cols + mv.xbars - 1) / mv.xbars;
                    mv.rows_total = rows; // counts and energy: every crossbar's share
                    mv.cols_total = cols;
                    mv.tag = j; // a fixed order among the group's MVMs
                    mv.input_bits = q.arg ? q.arg : TL.act_bits;
                    mv.signed_inputs = eng_->a->precision.signed_inputs;
                    s->group.push_back(mv);
                }
                eng_->lacc[s->layer].mvms += s->group.size();
                s->blocked = "MVM";
                exec(s, s->group.data(), (int)s->group.size());
                k = e;
                break;
            }
            case TR_PSUM_SEND: {
                PktHdr h{(int32_t)r.a, PKT_PSUM, s->layer, (int32_t)r.c, inf, 1, 1};
                eng_->send(this, (int)r.a, h, (uint64_t)r.b * 8, (uint64_t)s->id);
                break;
            }
            case TR_ACCUM: {
                auto &cnt = psum_recv_[{s->layer, (int)r.c}];
                if (cnt.empty())
                    cnt.assign(eng_->cfg.batch, 0);
                auto &ev = psum_ev_[{s->layer, (int)r.c}];
                if (!ev)
                    ev.reset(new sc_event);
                s->blocked = "ACCUM (partial sums)";
                while (cnt[inf] < r.a)
                    wait(*ev);
                if (r.b) {
                    op.kind = TILE_OP_ACCUM;
                    op.n = r.b;
                    exec(s, op);
                }
                break;
            }
            case TR_ACT:
                op.kind = TILE_OP_ACT;
                op.subkind = r.arg;
                op.n = r.a;
                s->blocked = "ACT";
                exec(s, op);
                break;
            case TR_POOL:
                op.kind = TILE_OP_POOL;
                op.subkind = r.arg;
                op.n = r.a;
                op.window = (int)r.b;
                s->blocked = "POOL";
                exec(s, op);
                break;
            case TR_ADD:
                op.kind = TILE_OP_ADD;
                op.n = r.a;
                s->blocked = "ADD";
                exec(s, op);
                break;
            case TR_SEND: {
                TileNode *dst = eng_->node((int)r.a);
                if (!dst) {
                    eng_->fail("SEND to tile " + std::to_string(r.a) + " which runs no stream");
                    break;
                }
                InPort &p = dst->port((int)r.c, s->layer);
                s->blocked = "SEND (consumer buffer full)";
                while (must_hold(p, inf, r.b))
                    wait_counted(p.credit, p.credit_waiters);
                const uint64_t now = sc_time_stamp().value();
                if (p.sent_at != now) {
                    p.sent_at = now;
                    p.sent_now = 0;
                }
                p.sent_now += r.b;
                p.reserved += r.b;
                PktHdr h{(int32_t)r.a, PKT_DATA, (int32_t)r.c, s->layer, inf, 1, r.b};
                eng_->send(this, (int)r.a, h, (uint64_t)r.b * TL.act_bits, (uint64_t)s->id);
                break;
            }
            default:
                eng_->fail("unknown trace op " + std::to_string(r.op));
            }
        }
        eng_->progress_tick(ts->n_recs - ticked);
        for (InPort *p : s->ports)
            release_to(*p, inf, p->recv[inf]);
        eng_->stream_finished_inference(s, inf);
    }
    s->done = true;
    s->blocked = "done";
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
    lacc.resize(nl);
    chips_ = std::max(1, m->chips_used);
    int total_tiles = a->chip.tiles * a->chip.chips;
    node_of_.assign(total_tiles, nullptr);

    // Tiles with work, in increasing order (deterministic elaboration).
    std::vector<char> used(total_tiles, 0);
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

    noc_config_t nc;
    if (noc_config_from_arch(&nc, a, d)) {
        fail("cannot configure the NoC from the architecture");
        return;
    }
    sc_time noc_period(1000.0 / a->chip.noc.clock_ghz, SC_PS);
    for (int c = 0; c < chips_; c++) {
        std::vector<int> eps;
        for (int t = 0; t < a->chip.tiles; t++)
            if (used[c * a->chip.tiles + t])
                eps.push_back(t);
        std::string nn = "noc" + std::to_string(c);
        nocs_.emplace_back(new noc_sc(nn.c_str(), nc, noc_period, eps));
        nocs_.back()->on_deliver = [this, c](int, tlm::tlm_generic_payload &gp) {
            gateway_arrive(c, gp);
        };
    }
    imc::elab_heap_begin((size_t)std::count(used.begin(), used.end(), 1) * (256 << 10));
    for (int t = 0; t < total_tiles; t++) {
        if (!used[t])
            continue;
        std::string nn = "tile" + std::to_string(t);
        nodes_.emplace_back(new TileNode(nn.c_str(), this, a, t));
        TileNode *tn = nodes_.back().get();
        node_of_[t] = tn;
        noc_sc &noc = *nocs_[tn->chip];
        tn->net_out.bind(noc.in(tn->endpoint));
        noc.out(tn->endpoint).bind(tn->net_in);
    }
    links_ = std::vector<Link>(chips_);
    for (int c = 0; c < chips_; c++)
        sc_spawn(sc_bind(&Engine::link_thread, this, c), ("link" + std::to_string(c)).c_str());

    int id = 0;
    for (int l = 0; l < nl; l++)
        for (uint32_t s = 0; s < layers[l].n_streams; s++) {
            streams_.emplace_back(new Stream);
            Stream *st = streams_.back().get();
            st->ts = &layers[l].streams[s];
            st->layer = l;
            st->id = id++;
            st->inf_end.assign(cfg.batch, 0);
            node_of_[st->ts->tile]->add_stream(st);
            recs_total_ += st->ts->n_recs;
        }
    recs_total_ *= (uint64_t)cfg.batch;
    active_streams = (int)streams_.size();
    build_ports();
    for (auto &tn : nodes_)
        tn->spawn();
    if (cfg.timeline_path)
        sc_spawn(sc_bind(&Engine::sampler, this), "sampler");
    imc::elab_heap_end();
    clock_gettime(CLOCK_MONOTONIC, &t0_);
    last_ = t0_;
}

Engine::~Engine() = default;

// Capacity and window of every input port, from the consumer's WAITs and
// the tile buffer. A port holds at least what one consumer position needs
// plus one producer message, so back-pressure never deadlocks a single
// path; ports of layers that join paths (add, concat) hold a whole
// inference's worth (the skip path must wait for the long one).
void Engine::build_ports()
{
    uint64_t buf_bytes = (uint64_t)a->tile.buffer.size_kb * 1024;
    std::map<int, int> ports_on_tile;
    struct Need { uint64_t total = 0, maxstep = 0; };
    std::map<std::tuple<int, int, int>, Need> need; // tile, consumer, producer
    for (auto &sp : streams_) {
        Stream *s = sp.get();
        std::map<int, uint64_t> last;
        for (uint32_t k = 0; k < s->ts->n_recs; k++) {
            const trace_rec_t &r = s->ts->recs[k];
            if (r.op != TR_WAIT || r.a == TRACE_NETWORK_INPUT)
                continue;
            Need &n = need[{(int)s->ts->tile, s->layer, (int)r.a}];
            uint64_t before = last[(int)r.a];
            n.total = std::max<uint64_t>(n.total, r.b);
            n.maxstep = std::max<uint64_t>(n.maxstep, r.b - std::min<uint64_t>(before, r.b));
            last[(int)r.a] = r.b;
        }
        for (auto &kv : last) {
            InPort &p = node_of_[s->ts->tile]->port(s->layer, kv.first);
            p.consumer = s;
            if (std::find(s->ports.begin(), s->ports.end(), &p) == s->ports.end())
                s->ports.push_back(&p);
        }
    }
    for (auto &kv : need)
        ports_on_tile[std::get<0>(kv.first)]++;
    for (auto &kv : need) {
        int tile = std::get<0>(kv.first), cons = std::get<1>(kv.first), prod = std::get<2>(kv.first);
        InPort &p = node_of_[tile]->port(cons, prod);
        const layer_t &C = m->model->layers[cons];
        const layer_t &P = m->model->layers[prod];
        int64_t prod_total = (int64_t)m->layers[prod].positions * P.out_c;
        double share = prod_total > 0 ? (double)kv.second.total / (double)prod_total : 1.0;
        uint64_t window = (uint64_t)std::ceil((double)m->layers[cons].window_values * share);
        window = std::min(window, kv.second.total);
        uint64_t bytes_per_value = (uint64_t)std::max(1, (P.act_bits + 7) / 8);
        uint64_t share_cap = buf_bytes / bytes_per_value / (uint64_t)ports_on_tile[tile];
        uint64_t cap = std::max(share_cap, window + 2 * kv.second.maxstep + (uint64_t)P.out_c);
        if (C.kind == LAYER_ADD || C.kind == LAYER_CONCAT)
            cap = std::max(cap, kv.second.total);
        p.window = window;
        p.cap = cap;
    }
}

void Engine::fail(const std::string &msg)
{
    if (ok_)
        diag_error(d_, nullptr, 0, 0, "%s", msg.c_str());
    ok_ = 0;
    sc_stop();
}

void Engine::send(TileNode *from, int dst_tile, const PktHdr &h, uint64_t bits, uint64_t order)
{
    const uint64_t fb = (uint64_t)a->chip.noc.flit_bits;
    const uint64_t flits = std::max<uint64_t>(1, (bits + fb - 1) / fb);
    if (dst_tile == from->gtile) { // stays in the tile: no network
        arrive(h, flits);
        return;
    }
    const int pf = std::max(1, a->chip.noc.packet_flits);
    int dst_chip = chip_of(a, dst_tile);
    int dst_ep = dst_chip == from->chip ? dst_tile % a->chip.tiles : 0; // 0: the gateway
    if (dst_chip != from->chip && from->endpoint == 0) { // the tile at the gateway
        link_push(from->chip, h, flits, order);
        return;
    }
    // One message, split by the network into packets of at most
    // packet_flits. The gateway takes a message for another chip packet by
    // packet: the off-chip link streams them as they come.
    if (flits > (uint64_t)INT32_MAX) {
        fail("a message of " + std::to_string(flits) + " flits is too large for the NoC");
        return;
    }
    PktHdr ph = h;
    tlm::tlm_generic_payload &gp = from->pkt_gp;
    noc_packet_ext ext;
    ext.dst = dst_ep;
    ext.flits = (int)flits;
    ext.packet_flits = pf;
    ext.order = order;
    ext.each_packet = dst_chip != from->chip;
    gp.set_command(tlm::TLM_WRITE_COMMAND);
    gp.set_data_ptr(reinterpret_cast<unsigned char *>(&ph));
    gp.set_data_length(sizeof ph);
    gp.set_streaming_width(sizeof ph);
    gp.set_extension(&ext);
    sc_time dly = SC_ZERO_TIME;
    from->net_out->b_transport(gp, dly);
    gp.clear_extension(&ext);
    if (gp.get_response_status() != tlm::TLM_OK_RESPONSE)
        fail("NoC refused a packet from tile " + std::to_string(from->gtile));
}

void Engine::gateway_arrive(int chip, tlm::tlm_generic_payload &gp)
{
    PktHdr h;
    if (gp.get_data_length() != sizeof h) {
        fail("malformed packet on the NoC");
        return;
    }
    std::memcpy(&h, gp.get_data_ptr(), sizeof h);
    noc_packet_ext *ext = nullptr;
    gp.get_extension(ext);
    uint64_t flits = ext ? (uint64_t)ext->flits : 1;
    if (ext && !ext->last_packet) { // the values ride on the last packet
        h.counts = 0;
        h.values = 0;
    }
    if (chip_of(a, h.final_tile) != chip) { // at this chip's gateway: leave the chip
        link_push(chip, h, flits, UINT64_MAX); // the NoC delivers in a fixed order
        return;
    }
    if (!h.counts)
        return; // a leading packet of a split message
    arrive(h, flits);
}

void Engine::arrive(const PktHdr &h, uint64_t)
{
    TileNode *tn = node(h.final_tile);
    if (!tn) {
        fail("packet for tile " + std::to_string(h.final_tile) + " which runs no stream");
        return;
    }
    if (h.kind == PKT_DATA) {
        InPort &p = tn->port(h.consumer, h.producer);
        p.recv[h.inference] += h.values;
        notify_waiters(p.arrived, p.arrived_waiters);
    } else if (h.kind == PKT_PSUM) {
        auto &cnt = tn->psum_recv_[{h.consumer, h.producer}];
        if (cnt.empty())
            cnt.assign(cfg.batch, 0);
        cnt[h.inference]++;
        auto &ev = tn->psum_ev_[{h.consumer, h.producer}];
        if (!ev)
            ev.reset(new sc_event);
        ev->notify(SC_ZERO_TIME);
    }
}

// The off-chip link of one chip: a FIFO server of links x bandwidth, then
// the destination chip's NoC from its gateway endpoint (0) to the tile.
// Items of one instant are kept in `order`, whatever the order their
// senders ran in (equal orders: in arrival order).
void Engine::link_push(int chip, const PktHdr &h, uint64_t flits, uint64_t order)
{
    Link &L = links_[chip];
    const sc_time now = sc_time_stamp();
    auto it = L.q.end();
    while (it != L.q.begin() && std::prev(it)->at == now && std::prev(it)->order > order)
        --it;
    L.q.insert(it, LinkItem{now, order, h, flits});
    L.ev.notify(SC_ZERO_TIME);
}

void Engine::link_thread(int chip)
{
    Link &L = links_[chip];
    const double bytes_per_ns =
        std::max(1e-9, a->chip.offchip.bandwidth_gbps * std::max(1, a->chip.offchip.links));
    const sc_time ps(1, SC_PS), latency(a->chip.offchip.latency_ns * 1000.0, SC_PS);
    for (;;) {
        while (L.q.empty())
            wait(L.ev);
        // Let the current instant finish: an item with a smaller order may
        // still come. Service starts at the item's own time all the same.
        if (L.q.back().at >= sc_time_stamp()) {
            wait(ps);
            continue;
        }
        // A FIFO server: every queued item's times follow from free_at, so
        // they are all sent on now, each with its arrival as the delay.
        while (!L.q.empty() && L.q.front().at < sc_time_stamp()) {
            LinkItem item = L.q.front();
            L.q.pop_front();
            PktHdr &h = item.h;
            uint64_t bytes = (item.flits * (uint64_t)a->chip.noc.flit_bits + 7) / 8;
            offchip_bytes += bytes;
            sc_time start = std::max(item.at, L.free_at);
            L.free_at = start + sc_time((double)bytes / bytes_per_ns * 1000.0, SC_PS);
            sc_time arrive_at = L.free_at + latency;
            int dchip = chip_of(a, h.final_tile);
            int dep = h.final_tile % a->chip.tiles;
            if (dep == 0 || dchip >= (int)nocs_.size()) { // the tile at the gateway
                if (arrive_at > sc_time_stamp())
                    wait(arrive_at - sc_time_stamp());
                if (h.counts)
                    arrive(h, item.flits);
                continue;
            }
            noc_packet_ext ext;
            ext.dst = dep;
            // a packet from the gateway, or a whole message from the tile there
            ext.flits = (int)std::min<uint64_t>(item.flits, (uint64_t)INT32_MAX);
            ext.packet_flits = std::max(1, a->chip.noc.packet_flits);
            ext.order = (1ull << 32) + (uint64_t)chip; // after the tiles' streams
            tlm::tlm_generic_payload &gp = L.gp;
            gp.set_command(tlm::TLM_WRITE_COMMAND);
            gp.set_data_ptr(reinterpret_cast<unsigned char *>(&h));
            gp.set_data_length(sizeof h);
            gp.set_streaming_width(sizeof h);
            gp.set_extension(&ext);
            const sc_time now = sc_time_stamp();
            nocs_[dchip]->send(0, gp, arrive_at > now ? arrive_at - now : SC_ZERO_TIME);
            gp.clear_extension(&ext);
        }
    }
}

void Engine::sampler()
{
    sc_time step(1000.0 * 1000.0 / a->chip.noc.clock_ghz, SC_PS); // 1000 NoC cycles
    std::vector<uint64_t> last(nocs_.size(), 0);
    while (active_streams > 0) {
        wait(step);
        for (size_t c = 0; c < nocs_.size(); c++) {
            noc_stats_t s;
            nocs_[c]->catch_up();
            noc_stats(nocs_[c]->core(), &s);
            timeline_counter(tl, (int)c, "noc_link_flits_per_1000_cycles",
                             now_cycle(), (double)(s.link_flits - last[c]));
            timeline_counter(tl, (int)c, "noc_flits_in_network", now_cycle(),
                             (double)s.flits_in_network);
            last[c] = s.link_flits;
        }
    }
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
    std::fprintf(stderr, "imcsim run: %.0f%% of trace records, simulated %.6g s, host %.1f s\n",
                 100.0 * (double)std::min(recs_done_, recs_total_) / (double)std::max<uint64_t>(1, recs_total_),
                 sc_time_stamp().to_seconds(), since0);
}

void Engine::stream_finished_inference(Stream *s, int inf)
{
    s->inf_end[inf] = now_cycle();
    if (inf + 1 == cfg.batch)
        active_streams--;
}

bool Engine::all_done() const
{
    for (auto &s : streams_)
        if (!s->done)
            return false;
    return true;
}

void Engine::report_blocked(imc_diag_t *d) const
{
    int shown = 0;
    for (auto &s : streams_) {
        if (s->done)
            continue;
        if (shown++ < 8)
            diag_note(d, nullptr, 0, 0, "layer '%s' on tile %u blocked at record %u (%s), inference %d",
                      m->model->layers[s->layer].name, s->ts->tile, s->pc, s->blocked, s->inf);
    }
    if (shown > 8)
        diag_note(d, nullptr, 0, 0, "... and %d more blocked streams", shown - 8);
    for (size_t c = 0; c < nocs_.size(); c++)
        if (!nocs_[c]->failure().empty())
            diag_note(d, nullptr, 0, 0, "chip %zu: %s", c, nocs_[c]->failure().c_str());
}

// ---------------------------------------------------------------- results

void add_tile_energy(const tile_t *t, run_result_t *r, double scale)
{
    double dyn[COMP_CLASS_COUNT_] = {0}, leak[COMP_CLASS_COUNT_] = {0};
    tile_energy_by_class(t, dyn, leak);
    for (int c = 0; c < COMP_CLASS_COUNT_; c++) {
        r->dynamic_j_by_class[c] += dyn[c] * 1e-12 * scale;
        r->leakage_j_by_class[c] += leak[c] * 1e-12 * scale;
    }
}

void Engine::collect(run_result_t *r)
{
    const double period_s = 1e-9 / a->tech.clock_ghz;
    uint64_t end = 0;
    std::vector<uint64_t> inf_done(cfg.batch, 0);
    for (auto &s : streams_)
        for (int i = 0; i < cfg.batch; i++) {
            inf_done[i] = std::max(inf_done[i], s->inf_end[i]);
            end = std::max(end, s->inf_end[i]);
        }
    r->batch = cfg.batch;
    r->chips = chips_;
    r->clock_ghz = a->tech.clock_ghz;
    r->latency_cycles = inf_done[0];
    r->total_cycles = end;
    r->latency_s = (double)inf_done[0] * period_s;
    r->total_s = (double)end * period_s;
    if (cfg.batch > 1 && inf_done[cfg.batch - 1] > inf_done[0])
        r->throughput_inferences_per_s =
            (double)(cfg.batch - 1) / ((double)(inf_done[cfg.batch - 1] - inf_done[0]) * period_s);
    else
        r->throughput_inferences_per_s = r->latency_s > 0 ? 1.0 / r->latency_s : 0;

    // Tiles: settle leakage to the end, sum energy and busy cycles by class.
    uint64_t busy[COMP_CLASS_COUNT_] = {0}, inst_one[COMP_CLASS_COUNT_] = {0};
    const int total_tiles = a->chip.tiles * chips_;
    r->n_tiles = total_tiles;
    r->tiles = (run_tile_t *)calloc((size_t)total_tiles, sizeof *r->tiles);
    const int kx = nocs_.empty() ? 1 : noc_config(nocs_[0]->core())->kx; // routers per row
    const int conc = std::max(1, a->chip.noc.concentration);
    for (int t = 0; t < total_tiles; t++) {
        run_tile_t &rt = r->tiles[t];
        rt.id = t;
        rt.chip = t / a->chip.tiles;
        int router = (t % a->chip.tiles) / conc;
        rt.x = (router % kx) * conc + (t % a->chip.tiles) % conc;
        rt.y = router / kx;
    }
    tile_t idle;
    tile_init(&idle, a);
    tile_leak_until(&idle, end);
    tile_busy_by_class(&idle, busy, inst_one); // instances of one tile (busy is 0)
    std::fill(busy, busy + COMP_CLASS_COUNT_, 0);
    int idle_tiles = total_tiles - (int)nodes_.size();
    add_tile_energy(&idle, r, (double)idle_tiles);
    for (int t = 0; t < total_tiles; t++)
        if (!node_of_[t])
            r->tiles[t].energy_j = tile_energy_pj(&idle) * 1e-12;
    tile_free(&idle);
    for (auto &tn : nodes_) {
        tile_t *tc = tn->tile.core();
        tile_leak_until(tc, end);
        add_tile_energy(tc, r, 1.0);
        uint64_t b[COMP_CLASS_COUNT_] = {0}, in[COMP_CLASS_COUNT_] = {0};
        tile_busy_by_class(tc, b, in);
        for (int c = 0; c < COMP_CLASS_COUNT_; c++)
            busy[c] += b[c];
        run_tile_t &rt = r->tiles[tn->gtile];
        rt.energy_j = tile_energy_pj(tc) * 1e-12;
        rt.utilization = end && in[COMP_CROSSBAR]
                             ? std::min(1.0, (double)b[COMP_CROSSBAR] / ((double)in[COMP_CROSSBAR] * (double)end))
                             : 0;
        for (int i = 0; i < tc->n_ces; i++) {
            for (int k = 0; k < tc->ces[i].n_xbars; k++)
                r->crossbar_reads += tc->ces[i].xb[k].st.reads;
            r->adc_conversions += tc->ces[i].adc.st.conversions;
            r->adc_clipped += tc->ces[i].adc.st.clipped;
        }
    }
    for (int c = 0; c < COMP_CLASS_COUNT_; c++)
        r->utilization_by_class[c] =
            end && inst_one[c] ? std::min(1.0, (double)busy[c] / ((double)inst_one[c] * total_tiles * (double)end)) : 0;

    // NoC: routers and links.
    double noc_period_s = 1e-9 / a->chip.noc.clock_ghz;
    uint64_t noc_cycles = (uint64_t)std::ceil((double)end * period_s / noc_period_s);
    double router_busy = 0, routers = 0, link_flits = 0, links = 0;
    for (auto &n : nocs_) {
        noc_t *core = n->core();
        noc_stats_t s;
        noc_stats(core, &s);
        const noc_config_t *nc = noc_config(core);
        double link_j = (double)s.link_flits * nc->flit_bits * nc->link_pj_per_bit * 1e-12;
        r->dynamic_j_by_class[CLS_LINK] += link_j;
        r->dynamic_j_by_class[CLS_ROUTER] += s.dynamic_energy_pj * 1e-12 - link_j;
        r->leakage_j_by_class[CLS_ROUTER] +=
            nc->router_leakage_mw * 1e-3 * noc_routers(core) * (double)noc_cycles * noc_period_s;
        r->flits += s.flits_ejected;
        for (int q = 0; q < noc_routers(core); q++) {
            router_busy += (double)noc_router_busy_cycles(core, q);
            routers += 1;
            for (int p = 0; p < 4; p++) {
                int64_t f = noc_port_flits(core, q, p);
                if (f >= 0) {
                    link_flits += (double)f;
                    links += 1;
                }
            }
        }
    }
    if (noc_cycles) {
        r->utilization_by_class[CLS_ROUTER] = routers ? router_busy / (routers * (double)noc_cycles) : 0;
        r->utilization_by_class[CLS_LINK] = links ? link_flits / (links * (double)noc_cycles) : 0;
    }

    // Off-chip: constant power of every chip's links, plus energy per bit.
    r->offchip_bytes = offchip_bytes;
    r->leakage_j_by_class[CLS_OFFCHIP] = a->chip.offchip.power_w * chips_ * r->total_s;
    r->dynamic_j_by_class[CLS_OFFCHIP] = (double)offchip_bytes * 8 * a->chip.offchip.energy_pj_per_bit * 1e-12;
    if (chips_ > 1 && r->total_s > 0) {
        double cap = a->chip.offchip.bandwidth_gbps * 1e9 * std::max(1, a->chip.offchip.links) * chips_ * r->total_s;
        r->utilization_by_class[CLS_OFFCHIP] = cap > 0 ? std::min(1.0, (double)offchip_bytes / cap) : 0;
    }

    // Layers.
    const int nl = m->model->n_layers;
    r->n_layers = nl;
    r->layers = (run_layer_t *)calloc((size_t)nl, sizeof *r->layers);
    std::vector<uint64_t> lbusy(nl, 0);
    for (auto &s : streams_)
        lbusy[s->layer] = std::max(lbusy[s->layer], s->busy / (uint64_t)cfg.batch);
    int bound = 0;
    for (int l = 0; l < nl; l++) {
        const layer_t &L = m->model->layers[l];
        run_layer_t &rl = r->layers[l];
        std::snprintf(rl.name, sizeof rl.name, "%s", L.name);
        std::snprintf(rl.type, sizeof rl.type, "%s", layer_label(&L));
        rl.replication = m->layers[l].replication;
        rl.crossbars = m->layers[l].crossbars;
        rl.start_cycle = lacc[l].start == UINT64_MAX ? 0 : lacc[l].start;
        rl.end_cycle = lacc[l].end;
        rl.busy_cycles = lbusy[l];
        rl.mvms = lacc[l].mvms;
        rl.macs = (int64_t)lacc[l].macs;
        rl.energy_j = lacc[l].energy_pj * 1e-12;
        r->macs += lacc[l].macs;
        r->mvm_ops += lacc[l].mvms;
        if (lbusy[l] > lbusy[bound])
            bound = l;
    }
    if (nl)
        r->layers[bound].bound = 1;

    arch_rollup_t ru;
    arch_rollup(a, &ru);
    r->area_mm2 = ru.chip.area_mm2 * chips_;
    r->peak_ops_per_s = ru.peak_ops_per_s * chips_;
    r->peak_ops_per_s_per_w = ru.peak_ops_per_s_per_w;
    r->peak_ops_per_s_per_mm2 = ru.peak_ops_per_s_per_mm2;
    const arch_level_cost_t *lv[3] = {&ru.ce, &ru.tile, &ru.chip};
    for (int i = 0; i < 3; i++)
        r->level_peak[i] = {lv[i]->peak_ops_per_s, lv[i]->peak_ops_per_s_per_w,
                            lv[i]->peak_ops_per_s_per_mm2};
    r->crossbars_used = m->crossbars_used;
    if (printed_progress_)
        std::fprintf(stderr, "imcsim run: done, simulated %.6g s\n", r->total_s);
}

} // namespace

int imc_simulate(const arch_t *a, const mapping_t *m, const trace_layer_t *layers,
                 const imc_run_config &cfg, run_result_t *out, imc_diag_t *d)
{
    std::memset(out, 0, sizeof *out);
    if (cfg.batch < 1) {
        diag_error(d, nullptr, 0, 0, "batch must be at least 1");
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
    Engine *e = new Engine("accelerator", a, m, layers, cfg, d);
    e->tl = tl;
    if (!e->ok()) {
        timeline_close(tl);
        return 2;
    }
    sc_start();
    int rc = 0;
    if (!e->ok()) {
        rc = 2;
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
