// The trace interpreter (docs/run.md, "Execution semantics"). A stream is a
// state machine of two lanes over its records, advanced when a tile op it
// issued completes or when values, partial sums or credits it waits for
// arrive: no thread, no stack, no clock.
#include <algorithm>

#include "engine_internal.h"

using namespace sc_core;

namespace imc_run {

static bool is_front(uint8_t op) { return op == TR_POS || op == TR_WAIT || op == TR_READ || op == TR_MVM; }

// Positions (POS to POS) and the split between the lanes: the front takes
// the WAITs, the READ and the compute op -- the MVMs, or for a layer without
// weights the pool, add or activation that follows the READ; the back takes
// the rest (partial sums, activation, WRITE, SENDs, and the final WAITs).
void Engine::setup_stream(Stream *s)
{
    const trace_stream_t *ts = s->ts;
    for (uint32_t k = 0; k < ts->n_recs; k++) {
        if (ts->recs[k].op != TR_POS) {
            if (s->pos.empty()) {
                fail("layer " + std::string(m->model->layers[s->layer].name) + ", tile " +
                     std::to_string(ts->tile) + ": a stream must start with POS (trace "
                     "version 2)");
                return;
            }
            continue;
        }
        if (!s->pos.empty())
            s->pos.back().end = k;
        s->pos.push_back({k, k, ts->n_recs, UINT32_MAX});
    }
    const int ce0 = s->node->gtile * a->tile.ces;
    for (Position &p : s->pos) {
        uint32_t i = p.begin;
        bool mvm = false;
        while (i < p.end && is_front(ts->recs[i].op)) {
            if (ts->recs[i].op == TR_MVM && !mvm) {
                p.compute = i;
                if (s->vfu_ce < 0)
                    s->vfu_ce = (int)ts->recs[i].a - ce0;
            }
            mvm |= ts->recs[i].op == TR_MVM;
            i++;
        }
        if (!mvm && i < p.end &&
            (ts->recs[i].op == TR_POOL || ts->recs[i].op == TR_ADD || ts->recs[i].op == TR_ACT))
            p.compute = i++;
        p.split = i;
    }
    s->port_of.assign(ts->n_recs, nullptr);
    s->dests_of.assign(ts->n_recs, 0);
    for (int b = 0; b < 2; b++) {
        Lane &l = s->lane[b];
        l.s = s;
        l.back = b;
        l.pc = s->pos.empty() ? 0 : b ? s->pos[0].split : s->pos[0].begin;
        l.done = s->pos.empty();
    }
    s->done = s->pos.empty();
}

// A lane's priority where two requests of one instant meet: among a tile's
// ops (components/tile.h: the lower key wins) and among one source's NoC
// messages of a cycle. The front and back lanes of a stream must not tie:
// their order would be the order SystemC happened to run them in.
static uint64_t lane_key(const Lane &l)
{
    return (uint64_t)l.s->id * 2 + (l.back ? 1 : 0);
}

void Engine::wake(Lane *l)
{
    if (l->queued || l->done)
        return;
    l->queued = true;
    runq_.push_back(l);
    run_ev_.notify(SC_ZERO_TIME);
}

// The lanes woken in one delta run in (stream, lane) order, whatever the
// order of the events that woke them.
void Engine::runnable()
{
    std::vector<Lane *> &q = running_;
    q.clear();
    q.swap(runq_);
    std::sort(q.begin(), q.end(), [](const Lane *x, const Lane *y) {
        return x->s->id != y->s->id ? x->s->id < y->s->id : x->back < y->back;
    });
    for (Lane *l : q) {
        l->queued = false;
        if (cfg.perturb_order && !l->deferred &&
            perturb_hash((uint64_t)l->s->id, l->k ^ l->pc) % 3 == 0) {
            // a check of the model, not a feature: run it a delta later; the
            // results must not move (imc_run_config::perturb_order)
            l->deferred = true;
            wake(l);
            continue;
        }
        l->deferred = false;
        run_lane(*l);
    }
}

// --perturb-order's choice for process `who` at point `when` (pseudo-random,
// by the seed).
uint64_t Engine::perturb_hash(uint64_t who, uint64_t when) const
{
    return who * 0x9e3779b97f4a7c15ull ^ cfg.perturb_order ^ when;
}

void Engine::run_lane(Lane &l)
{
    while (step(l)) {
    }
}

// A lane whose op answered goes on at once, inside the tile's answer; with
// perturb_order, some go on a delta later instead, with the lanes that tile
// answers or other events woke meanwhile (a check that the results do not
// depend on that either).
void Engine::resume_lane(Lane &l)
{
    if (cfg.perturb_order && perturb_hash((uint64_t)l.s->id, l.k ^ l.pc) % 2)
        wake(&l);
    else
        run_lane(l);
}

// One record (or one position boundary) of a lane; false when the lane must
// wait for an event.
bool Engine::step(Lane &l)
{
    if (l.in_op || l.done || !ok_)
        return false;
    Stream &s = *l.s;
    const uint64_t npos = s.pos.size();
    const int inf = s.inference(l.k);
    if (inf >= inferences_) {
        l.done = true;
        l.blocked = "done";
        s.done = s.lane[0].done && s.lane[1].done;
        return false;
    }
    const Position &p = s.pos[l.k % npos];
    const uint32_t begin = l.back ? p.split : p.begin, end = l.back ? p.end : p.split;
    if (l.pc == begin) {
        if (!l.back && l.k >= s.back_done + kPipelinePositions) {
            l.blocked = "pipeline (waits for its back lane)";
            return false;
        }
        if (l.back && (s.front_done <= l.k || s.computed <= l.k)) {
            l.blocked = "pipeline (waits for its position's compute op)";
            return false;
        }
        if (!l.back && l.k % npos == 0 && s.front_inf.cur != inf) {
            s.front_inf.set(inf, sc_time_stamp().value());
            // a producer held for sending ahead of this front (must_hold)
            // may send now; it reads the front as the instant began (a hold
            // in this instant still saw the old one), so it retries in the next
            for (InPort *p : s.ports)
                if (p->consumer == &s) {
                    front_moved_.push_back(p);
                    front_ev_.notify(sc_core::sc_time(1, sc_core::SC_PS));
                }
        }
    }
    if (l.pc >= end) {
        l.k++;
        if (!l.back) {
            s.front_done = l.k;
            if (p.compute == UINT32_MAX) // nothing to compute: the data is there
                computed_to(s, l.k);
            wake(&s.lane[1]);
        } else {
            s.back_done = l.k;
            wake(&s.lane[0]);
            if (l.k % npos == 0)
                finish_inference(&s, inf);
        }
        const Position &n = s.pos[l.k % npos];
        l.pc = l.back ? n.split : n.begin;
        return true;
    }
    return exec_record(l, p, inf);
}

// Issues ops[0..n) as one transaction on the stream's tile (a group runs in
// parallel on its CEs); the lane resumes at the grant (compute ops) or when
// the data is there (op_granted, op_done).
void Engine::issue(OpSlot &o, tile_op_t *ops, int n)
{
    Lane &l = *o.lane;
    Stream &s = *l.s;
    for (int i = 0; i < n; i++)
        ops[i].requester = (uint32_t)lane_key(l);
    if ((int)o.more_res.size() < n - 1)
        o.more_res.resize(size_t(n - 1));
    o.k = l.k;
    o.ext.op = ops[0];
    o.ext.n_more = n - 1;
    o.ext.more_ops = ops + 1;
    o.ext.more_res = o.more_res.data();
    o.ext.owner = &o;
    l.in_op = true;
    l.op_start = sc_time_stamp().value();
    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    sc_time d = SC_ZERO_TIME;
    if (s.node->ops->nb_transport_fw(o.gp, ph, d) == tlm::TLM_COMPLETED) {
        l.in_op = false;
        fail("tile " + std::to_string(s.node->gtile) + " refused an op of layer " +
             m->model->layers[s.layer].name);
    }
}

void Engine::op_granted(OpSlot *o)
{
    if (!o->compute)
        return;
    Lane &l = *o->lane;
    l.in_op = false;
    l.pc = o->resume;
    if (!l.back) // producers held back while the front computed may go on
        for (InPort *p : l.s->ports)
            wake_credit(*p);
    resume_lane(l);
}

void Engine::op_done(OpSlot *o)
{
    Lane &l = *o->lane;
    Stream &s = *l.s;
    LayerAcc &la = lacc[(size_t)s.layer];
    const int inf = s.inference(o->k);
    const int n = 1 + o->ext.n_more;
    for (int i = 0; i < n; i++) {
        const tile_result_t &r = i ? o->more_res[(size_t)i - 1] : o->ext.res;
        const tile_op_t &op = i ? o->ext.more_ops[i - 1] : o->ext.op;
        if (r.status)
            fail("tile " + std::to_string(s.node->gtile) + ", layer " +
                 m->model->layers[s.layer].name + ": " + r.err);
        la.energy_pj += r.energy_pj;
        if (i == 0 && inf == 0) { // a group's CEs work in parallel: one occupancy
            floor_cycles_ = std::max(floor_cycles_, s.occupancy[r.resource] += r.occupancy);
            if (r.shared) // the tile's bus or unit kind, shared by its streams
                floor_cycles_ = std::max(floor_cycles_, s.node->shared[r.resource] += r.shared);
        }
        if (inf == 0) {
            la.start = std::min(la.start, r.grant);
            la.end = std::max(la.end, r.end);
        }
        if (tl && inf < cfg.batch) // not the inferences run to find the period
            timeline_op(tl, s.node->chip, s.node->gtile,
                        op.kind == TILE_OP_MVM ? op.ce : -1, m->model->layers[s.layer].name,
                        op.kind, inf, r.grant, r.end);
    }
    if (o->compute) { // its data is there: the back lane may take the position
        computed_to(s, o->k + 1);
        wake(&s.lane[1]);
        return;
    }
    l.in_op = false;
    l.pc = o->resume;
    if (!l.back)
        for (InPort *p : s.ports)
            wake_credit(*p);
    resume_lane(l);
}

// The op of a record that issues one op: o's group of one, zeroed, on its
// stream's CE (records that issue none, or an MVM group, make none).
tile_op_t &Engine::single_op(OpSlot &o)
{
    const Lane &l = *o.lane;
    o.group.resize(1);
    tile_op_t &op = o.group[0];
    op = tile_op_t{};
    op.ce = l.s->vfu_ce >= 0 ? l.s->vfu_ce : (int)(l.k % (uint64_t)a->tile.ces);
    return op;
}

bool Engine::exec_record(Lane &l, const Position &pos, int inf)
{
    Stream &s = *l.s;
    TileNode &tn = *s.node;
    const trace_rec_t &r = s.ts->recs[l.pc];
    // the position's compute op has a slot of its own: the front goes on
    // at its grant while it runs
    const bool compute = !l.back && l.pc == pos.compute;
    OpSlot &o = compute ? s.compute[l.k % (kPipelinePositions + 1)] : l.op;
    o.lane = &l;
    o.compute = compute;
    o.resume = l.pc + 1;
    switch (r.op) {
    case TR_POS:
        l.pc++;
        return true;
    case TR_WAIT: {
        InPort *&p = s.port_of[l.pc];
        if (!p)
            p = tn.find_port(s.layer, r.a == TRACE_NETWORK_INPUT ? -1 : (int)r.a);
        if (!p) {
            fail("WAIT on a producer that sends nothing to this tile");
            return false;
        }
        if (p->recv_of(inf) < r.b) {
            if (p->arrived_waiters.empty() || p->arrived_waiters.back() != &l)
                p->arrived_waiters.push_back(&l);
            l.blocked = "WAIT (inputs)";
            return false;
        }
        release_to(*p, inf, r.b > p->window ? r.b - p->window : 0);
        l.pc++;
        return true;
    }
    case TR_READ:
    case TR_WRITE: {
        tile_op_t &op = single_op(o);
        op.kind = r.op == TR_READ ? TILE_OP_READ : TILE_OP_WRITE;
        op.bytes = r.a;
        op.addr = tn.buffer_cursor(&l, r.a);
        if (r.op == TR_WRITE && s.counts_macs) {
            const int64_t positions = m->layers[s.layer].positions;
            if (positions > 0)
                lacc[(size_t)s.layer].macs += (uint64_t)(m->model->layers[s.layer].macs / positions);
        }
        l.blocked = "buffer";
        issue(o, &op, 1);
        return false;
    }
    case TR_MVM: {
        // consecutive MVMs are one position on several CEs: in parallel
        uint32_t e = l.pc;
        while (e + 1 < pos.end && s.ts->recs[e + 1].op == TR_MVM)
            e++;
        const int ce0 = tn.gtile * a->tile.ces;
        // built into the position's own slot (it outlives the op): a cache
        // per position cost 120 B per MVM of every position of every stream,
        // 10^8 B on large systems, to save building a few ops
        std::vector<tile_op_t> &group = o.group;
        group.clear();
        for (uint32_t j = l.pc; j <= e; j++) {
            const trace_rec_t &q = s.ts->recs[j];
            tile_op_t &mv = group.emplace_back(); // zeroed
            mv.kind = TILE_OP_MVM;
            mv.ce = (int)q.a - ce0;
            mv.xbars = (int)std::max<uint32_t>(q.b, 1);
            int rows = (int)(q.c & 0xFFFF), cols = (int)(q.c >> 16);
            mv.rows = (rows + mv.xbars - 1) / mv.xbars; // timing: the fullest crossbar
            mv.cols = (cols + mv.xbars - 1) / mv.xbars;
            mv.rows_total = rows; // counts and energy: every crossbar's share
            mv.cols_total = cols;
            mv.tag = j; // a fixed order among the group's MVMs
            mv.input_bits = q.arg; // 1..64 (trace_io.c)
            mv.signed_inputs = a->precision.signed_inputs;
        }
        lacc[(size_t)s.layer].mvms += group.size();
        o.resume = e + 1;
        l.blocked = "MVM";
        issue(o, group.data(), (int)group.size());
        return false;
    }
    case TR_ACCUM: {
        uint64_t &got = tn.psums(s.layer, (int)r.c, inf);
        if (got < r.a) {
            auto &w = tn.psum_waiters(s.layer, (int)r.c);
            if (w.empty() || w.back() != &l)
                w.push_back(&l);
            l.blocked = "ACCUM (partial sums)";
            return false;
        }
        if (!r.b) {
            l.pc++;
            return true;
        }
        tile_op_t &op = single_op(o);
        op.kind = TILE_OP_ACCUM;
        op.n = r.b;
        l.blocked = "ACCUM";
        issue(o, &op, 1);
        return false;
    }
    case TR_ACT:
    case TR_POOL:
    case TR_ADD: {
        tile_op_t &op = single_op(o);
        op.kind = r.op == TR_ACT ? TILE_OP_ACT : r.op == TR_POOL ? TILE_OP_POOL : TILE_OP_ADD;
        op.subkind = r.arg;
        op.n = r.a;
        op.window = (int)r.b;
        l.blocked = tile_op_names[op.kind];
        issue(o, &op, 1);
        return false;
    }
    case TR_PSUM_SEND: {
        PktHdr h{(int32_t)r.a, PKT_PSUM, s.layer, (int32_t)r.c, inf, 1, -1, 0, 1};
        send(&tn, h, (uint64_t)r.b * 8, lane_key(l));
        l.pc++;
        return true;
    }
    case TR_SEND:
        return do_send(l, pos.end, inf);
    default:
        fail("unknown trace op " + std::to_string(r.op));
        return false;
    }
}

// A SEND and the records of the same message (TRACE_SEND_MORE): waits while
// a destination's input is full (ports.cpp), then sends one message, as large
// as its largest destination's values.
bool Engine::do_send(Lane &l, uint32_t end, int inf)
{
    Stream &s = *l.s;
    const trace_rec_t &r = s.ts->recs[l.pc];
    const trace_layer_t &TL = layers[s.layer];
    if (r.a == TRACE_HOST) {
        PktHdr h{-1, PKT_HOST, -1, s.layer, inf, 1, -1, 0, r.b};
        send(s.node, h, (uint64_t)r.b * TL.act_bits, lane_key(l));
        l.pc++;
        return true;
    }
    uint32_t last = l.pc;
    while (last + 1 < end && (s.ts->recs[last].arg & TRACE_SEND_MORE))
        last++;
    uint64_t most = 0;
    for (uint32_t j = l.pc; j <= last; j++) {
        const trace_rec_t &q = s.ts->recs[j];
        InPort *&p = s.port_of[j];
        if (!p) {
            TileNode *dn = node((int)q.a);
            p = dn ? dn->find_port((int)q.c, s.layer) : nullptr;
        }
        if (!p) {
            fail("SEND to tile " + std::to_string(q.a) + ", which does not consume layer " +
                 m->model->layers[s.layer].name);
            return false;
        }
        if (must_hold(*p, inf, q.b)) {
            if (p->credit_waiters.empty() || p->credit_waiters.back() != &l)
                p->credit_waiters.push_back(&l);
            l.blocked = "SEND (consumer buffer full)";
            return false;
        }
        most = std::max<uint64_t>(most, q.b);
    }
    for (uint32_t j = l.pc; j <= last; j++)
        reserve(*s.port_of[j], s.ts->recs[j].b);
    PktHdr h{(int32_t)r.a, PKT_DATA, (int32_t)r.c, s.layer, inf, 1, -1, 0, r.b};
    if (last > l.pc) { // a multicast: its destination list, made once
        int32_t &id = s.dests_of[l.pc];
        if (!id) {
            std::vector<Dest> d;
            for (uint32_t j = l.pc; j <= last; j++)
                d.push_back(Dest{(int32_t)s.ts->recs[j].a, (int32_t)s.ts->recs[j].c,
                                 s.ts->recs[j].b});
            id = dest_list(std::move(d)) + 1;
        }
        h.group = id - 1;
    }
    send(s.node, h, most * TL.act_bits, lane_key(l));
    l.pc = last + 1;
    return true;
}

// Positions [0, k) computed. Once an inference's last position has, its
// inputs have been read into the CEs or units: the buffer space they held is
// free (values still to come for it are released when it finishes).
void Engine::computed_to(Stream &s, uint64_t k)
{
    s.computed = k;
    if (k % s.pos.size() == 0) {
        const int inf = s.inference(k - 1);
        for (InPort *p : s.ports)
            release_to(*p, inf, p->recv_of(inf));
    }
}

void Engine::finish_inference(Stream *s, int inf)
{
    for (InPort *p : s->ports)
        release_to(*p, inf, p->recv_of(inf));
    if ((size_t)inf >= s->inf_end.size())
        s->inf_end.resize((size_t)inf + 1, 0);
    s->inf_end[(size_t)inf] = now_cycle();
    progress_tick(s->ts->n_recs);
}

} // namespace imc_run
