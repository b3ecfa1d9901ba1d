// Input ports: the values a tile has received for a consumer layer from a
// producer, the share of the tile buffer they may occupy, and the
// back-pressure that holds a producer's SEND while the consumer's input is
// full (docs/run.md, "Back-pressure").
#include <algorithm>
#include <cmath>
#include <tuple>

#include "engine_internal.h"

using namespace sc_core;

namespace imc_run {

InPort &TileNode::port(int consumer, int producer)
{
    auto &p = ports_[{consumer, producer}];
    if (!p)
        p.reset(new InPort);
    return *p;
}

InPort *TileNode::find_port(int consumer, int producer)
{
    auto it = ports_.find({consumer, producer});
    return it == ports_.end() ? nullptr : it->second.get();
}

uint64_t &TileNode::psums(int layer, int group, int inf)
{
    std::vector<uint64_t> &v = psums_[{layer, group}];
    if ((size_t)inf >= v.size())
        v.resize((size_t)inf + 1, 0);
    return v[(size_t)inf];
}

// Each lane walks the tile buffer with its own cursor, a stream's front lane
// (reads of its inputs) from the stream's own bank on, its back lane (writes
// of its outputs) from half the banks further: a cursor shared by the tile's
// streams, or by a stream's two lanes, made the bank an op hits depend on the
// order SystemC ran them (bank = address / bank size).
uint64_t TileNode::buffer_cursor(Lane *l, uint64_t bytes)
{
    const tile_t *t = tile.core();
    if (l->addr == UINT64_MAX) {
        size_t i = std::find(streams_.begin(), streams_.end(), l->s) - streams_.begin();
        size_t bank = i + (l->back ? (size_t)t->n_banks / 2 : 0);
        l->addr = (uint64_t)bank % (uint64_t)t->n_banks * t->bank_bytes;
    }
    uint64_t at = l->addr;
    l->addr += bytes;
    return at;
}

// Capacity and window of every input port, from the consumer's WAITs and the
// tile buffer. A port holds at least what one consumer position needs plus
// two producer messages, so back-pressure never deadlocks a single path;
// ports of layers that join paths (add, concat) hold a whole inference (the
// skip path must wait for the long one).
void Engine::build_ports()
{
    const uint64_t buf_bytes = (uint64_t)a->tile.buffer.size_kb * 1024;
    struct Need {
        uint64_t total = 0, maxstep = 0;
    };
    std::map<std::tuple<int, int, int>, Need> need; // tile, consumer, producer
    std::map<int, int> ports_on_tile;
    for (auto &sp : streams_) {
        Stream *s = sp.get();
        std::map<int, uint64_t> last;
        for (uint32_t k = 0; k < s->ts->n_recs; k++) {
            const trace_rec_t &r = s->ts->recs[k];
            if (r.op != TR_WAIT)
                continue;
            int prod = r.a == TRACE_NETWORK_INPUT ? -1 : (int)r.a;
            Need &n = need[{(int)s->ts->tile, s->layer, prod}];
            uint64_t before = last[prod];
            n.total = std::max<uint64_t>(n.total, r.b);
            n.maxstep = std::max<uint64_t>(n.maxstep, r.b - std::min<uint64_t>(before, r.b));
            last[prod] = r.b;
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
    const model_t *md = m->model;
    for (auto &kv : need) {
        int tile = std::get<0>(kv.first), cons = std::get<1>(kv.first), prod = std::get<2>(kv.first);
        InPort &p = node_of_[(size_t)tile]->port(cons, prod);
        const layer_t &C = md->layers[cons];
        int64_t vals = prod >= 0 ? md->layers[prod].out_c : md->in_c;
        int64_t prod_total = prod >= 0 ? m->layers[prod].positions * vals
                                       : (int64_t)md->in_h * md->in_w * md->in_c;
        int bits = prod >= 0 ? layers[prod].act_bits : layers[cons].act_bits;
        double share = prod_total > 0 ? (double)kv.second.total / (double)prod_total : 1.0;
        uint64_t window = (uint64_t)std::ceil((double)m->layers[cons].window_values * share);
        window = std::min(window, kv.second.total);
        uint64_t bytes_per_value = (uint64_t)std::max(1, (bits + 7) / 8);
        uint64_t share_cap = buf_bytes / bytes_per_value / (uint64_t)ports_on_tile[tile];
        uint64_t cap = std::max(share_cap, window + 2 * kv.second.maxstep + (uint64_t)vals);
        if (C.kind == LAYER_ADD || C.kind == LAYER_CONCAT)
            cap = std::max(cap, kv.second.total);
        p.window = window;
        p.cap = cap;
    }
}

// Back-pressure: a SEND waits while the consumer's input is full, but only
// while the consumer's front lane is inside an op, or the values belong to a
// later inference than the one its front works on. A consumer that waits (for
// these or other values) always gets data, so credits can never close a
// cycle. The decision must not depend on the order in which the processes of
// one instant run: the consumer is judged as it was when the instant began
// (an op or inference it starts now does not count), and values other
// producers reserve in this instant do not count either; the consumer's
// releases do, and wake the waiting producers.
bool Engine::must_hold(const InPort &p, int inf, uint64_t values) const
{
    const uint64_t now = sc_time_stamp().value();
    uint64_t reserved = p.reserved;
    if (p.sent_at == now)
        reserved -= std::min(reserved, p.sent_now);
    if (reserved == 0 || reserved + values <= p.cap || !p.consumer)
        return false;
    const Stream &c = *p.consumer;
    const Lane &f = c.lane[0];
    bool busy = f.in_op && f.op_start < now;
    int c_inf = c.front_inf.get(now);
    return busy || inf > c_inf;
}

void Engine::reserve(InPort &p, uint64_t values)
{
    const uint64_t now = sc_time_stamp().value();
    if (p.sent_at != now) {
        p.sent_at = now;
        p.sent_now = 0;
    }
    p.sent_now += values;
    p.reserved += values;
}

void Engine::front_moved()
{
    std::vector<InPort *> ports;
    ports.swap(front_moved_);
    for (InPort *p : ports) // the lanes run in stream order, whatever this one
        wake_credit(*p);
}

void Engine::wake_credit(InPort &p)
{
    if (!p.credit_waiters.empty()) {
        std::vector<Lane *> w;
        w.swap(p.credit_waiters);
        for (Lane *l : w)
            wake(l);
    }
    for (sc_event *e : p.host_waiters)
        e->notify(SC_ZERO_TIME);
    p.host_waiters.clear();
}

void Engine::release_to(InPort &p, int inf, uint64_t upto)
{
    uint64_t &rel = p.released_of(inf);
    if (upto <= rel)
        return;
    uint64_t n = upto - rel;
    rel = upto;
    p.reserved -= std::min(p.reserved, n);
    wake_credit(p);
}

} // namespace imc_run
