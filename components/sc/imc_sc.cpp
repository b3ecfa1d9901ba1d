#include "imc_sc.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstdint>
#include <cstdio>

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#define IMC_HUGE_HEAP 1
#endif

using namespace sc_core;

namespace imc {

// The time value (kernel ticks) of whole ps. sc_time(double, unit)
// converts through the time resolution in floating point, a visible cost at
// 10^7 calls a run; with a resolution of 1 ps (the default) or a whole
// fraction of it, a ps count is exactly that many ticks. A coarser
// resolution takes the constructor.
static sc_dt::uint64 ps_value(long long v)
{
    static const sc_dt::uint64 ticks = [] {
        const sc_time one(1, SC_PS);
        return one.value() >= 1 && sc_time::from_value(one.value()) == one ? one.value() : 0;
    }();
    return ticks && v >= 0 ? (sc_dt::uint64)v * ticks : sc_time((double)v, SC_PS).value();
}

// One ps as a time value: the grant phase's offset after a cycle edge.
static sc_dt::uint64 one_ps()
{
    static const sc_dt::uint64 eps = sc_time(1, SC_PS).value();
    return eps;
}

// std::llround of x >= 0 without its libm call (10^7 calls a run): the
// fraction x - trunc(x) is exact, and a half rounds up, as llround does.
static long long round_nonneg(double x)
{
    const long long i = (long long)x;
    return i + (x - (double)i >= 0.5);
}

sc_dt::uint64 Clock::value_at(uint64_t cycle) const
{
    return ps_value(round_nonneg((double)cycle * ps));
}

sc_time Clock::at(uint64_t cycle) const { return sc_time::from_value(value_at(cycle)); }

// at() rounds to whole ps (within 0.5 ps), so a time within 0.75 ps after a
// cycle edge still belongs to that cycle; the arbiter's 1 ps epsilon does not.
uint64_t Clock::ceil_cycle(const sc_time &t) const
{
    double tp = (double)std::llround(t.to_seconds() * 1e12);
    double c = std::ceil((tp - 0.75) / ps);
    return c > 0 ? (uint64_t)c : 0;
}

void write_stats_json(const sc_object *root, json_w_t *w)
{
    auto *sp = dynamic_cast<const StatProvider *>(root);
    if (sp) {
        jw_obj_begin(w, root->basename());
        sp->write_stats(w);
    }
    for (const sc_object *c : root->get_child_objects())
        write_stats_json(c, w);
    if (sp)
        jw_obj_end(w);
}

#ifdef IMC_HUGE_HEAP
void elab_heap_begin(size_t bytes)
{
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (bytes < 4 * huge)
        return;
    // Grow the heap now: with top_pad = bytes, the first growth reserves
    // bytes more (address space: pages are faulted only when used). Blocks
    // below the mmap threshold come from the heap; taken until it grows.
    mallopt(M_TOP_PAD, (int)std::min<size_t>(bytes, (size_t)1 << 30));
    char *b0 = static_cast<char *>(sbrk(0));
    std::vector<void *> blocks;
    while (static_cast<char *>(sbrk(0)) == b0 && blocks.size() < 4096) {
        void *p = std::malloc(32 * 1024);
        if (!p)
            break;
        blocks.push_back(p);
    }
    char *b1 = static_cast<char *>(sbrk(0));
    for (void *p : blocks)
        std::free(p);
    uintptr_t lo = ((uintptr_t)b0 + huge - 1) & ~(huge - 1), hi = (uintptr_t)b1 & ~(huge - 1);
    if (b1 != (char *)-1 && hi > lo)
        madvise(reinterpret_cast<void *>(lo), hi - lo, MADV_HUGEPAGE); // advice: failure is harmless
}

void elab_heap_end()
{
    mallopt(M_TOP_PAD, 128 * 1024); // glibc's default
}
#else
void elab_heap_begin(size_t) {}
void elab_heap_end() {}
#endif

// ---------------------------------------------------------------- CE

ComputeElement::ComputeElement(sc_module_name n, tile_t *tile, int index)
    : sc_module(n), tgt("tgt"), leaves("leaves"), tile_(tile), index_(index)
{
    tgt.bind(*this);
    ce_t *ce = core();
    leaves_.reserve(LEAF_COUNT);
    auto bind = [this](auto *leaf) {
        leaves.bind(*leaf);
        leaves_.emplace_back(leaf);
    };
    bind(new CrossbarArray("xbars", ce));
    bind(new Dac("dac", &ce->dac.st, dac_stat_desc, dac_stat_count));
    bind(new SampleHold("sh", &ce->sh.st, sh_stat_desc, sh_stat_count));
    bind(new Adc("adc", &ce->adc.st, adc_stat_desc, adc_stat_count));
    bind(new ShiftAdd("sa", &ce->sa.st, sa_stat_desc, sa_stat_count));
}

tlm::tlm_sync_enum ComputeElement::nb_transport_fw(tlm::tlm_generic_payload &p, tlm::tlm_phase &,
                                                   sc_time &)
{
    p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE); // blocking transport only
    return tlm::TLM_COMPLETED;
}

void ComputeElement::b_transport(tlm::tlm_generic_payload &p, sc_time &)
{
    ImcOpExt *e = nullptr;
    p.get_extension(e);
    if (!e || e->op.kind != TILE_OP_MVM) {
        p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    e->res.status = tile_exec_mvm(tile_, &e->op, e->res.grant, &e->res);
    p.set_response_status(e->res.status ? tlm::TLM_GENERIC_ERROR_RESPONSE : tlm::TLM_OK_RESPONSE);
}

void ComputeElement::write_stats(json_w_t *w) const
{
    const ce_t *ce = core();
    desc_write_json(w, &ce->st, ce_stat_desc, ce_stat_count);
    jw_num(w, "energy_pj", ce_energy_pj(ce));
}

void CrossbarArray::write_stats(json_w_t *w) const
{
    char name[24];
    for (int i = 0; i < ce_->n_xbars; i++) {
        std::snprintf(name, sizeof name, "xbar%d", i);
        jw_obj_begin(w, name);
        desc_write_json(w, &ce_->xb[i].st, xbar_stat_desc, xbar_stat_count);
        jw_obj_end(w);
    }
}

unsigned CrossbarArray::transport_dbg(tlm::tlm_generic_payload &p)
{
    if (p.get_address() >= (sc_dt::uint64)ce_->n_xbars) {
        p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return 0;
    }
    return copy_out(p, &ce_->xb[p.get_address()].st, sizeof(xbar_stats_t));
}

// ---------------------------------------------------------------- tile

TileWaker::TileWaker(sc_module_name n) : sc_module(n)
{
    SC_HAS_PROCESS(TileWaker);
    SC_METHOD(run);
    sensitive << ev_;
    dont_initialize();
}

int TileWaker::add(Tile *t)
{
    tiles_.push_back(t);
    pos_.resize(2 * tiles_.size(), kOut);
    return (int)tiles_.size() - 1;
}

void TileWaker::sift_up(size_t i)
{
    const Entry e = heap_[i];
    while (i > 0 && before(e, heap_[(i - 1) / 2])) {
        place(i, heap_[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    place(i, e);
}

void TileWaker::sift_down(size_t i)
{
    const Entry e = heap_[i];
    const size_t n = heap_.size();
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && before(heap_[c + 1], heap_[c]))
            c++;
        if (!before(heap_[c], e))
            break;
        place(i, heap_[c]);
        i = c;
    }
    place(i, e);
}

sc_dt::uint64 TileWaker::pending(uint32_t s) const
{
    return pos_[s] == kOut ? Tile::kNever : heap_[pos_[s]].at;
}

void TileWaker::wake(Tile *t, sc_dt::uint64 at, bool respond)
{
    const uint32_t s = 2 * (uint32_t)t->place_ + respond;
    if (at >= pending(s))
        return; // it wakes earlier, and finds then what is due after
    if (heap_.empty() || at < heap_[0].at)
        ev_.notify(sc_time::from_value(at) - sc_time_stamp());
    if (pos_[s] == kOut) {
        heap_.push_back({at, s});
        sift_up(heap_.size() - 1);
    } else {
        heap_[pos_[s]].at = at;
        sift_up(pos_[s]);
    }
}

// Slot s, in the heap and due now, is due next at `at` (later), or never.
void TileWaker::move(uint32_t s, sc_dt::uint64 at)
{
    const size_t i = pos_[s];
    if (at != Tile::kNever) {
        heap_[i].at = at;
        sift_down(i);
        return;
    }
    pos_[s] = kOut;
    const Entry last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size())
        return;
    place(i, last);
    sift_down(i);
    sift_up(pos_[last.slot]);
}

// One run serves all that are due now, those asked for meanwhile included
// (an answer due at once). A slot stays in the heap, due now, while its tile
// runs: what its phase returns covers the wake-ups it asks for meanwhile
// (later than now, dropped by wake; a grant phase reads its queue last, a
// responder asks for none), and moving it there is one sift, not a pop and
// a push.
void TileWaker::run()
{
    const sc_dt::uint64 now = sc_time_stamp().value();
    while (!heap_.empty() && heap_[0].at <= now) {
        const uint32_t s = heap_[0].slot;
        Tile *t = tiles_[s / 2];
        move(s, s & 1 ? t->respond_due() : t->grant_due());
    }
    if (!heap_.empty())
        ev_.notify(sc_time::from_value(heap_[0].at) - sc_time_stamp());
}

Tile::Tile(sc_module_name n, const arch_t *a, TileWaker *waker)
    : sc_module(n), tgt("tgt"), waker_(waker), a_(a), clk_(a), ces_sock_("ces")
{
    if (tile_init(&core_, a))
        SC_REPORT_FATAL("imc/tile", "out of memory");
    core_.mvm_fn = &Tile::mvm_hook;
    core_.mvm_ctx = this;
    // the MVM payload carries its extension for the tile's life (set and
    // cleared per MVM, the two library calls were a visible cost)
    mvm_gp_.set_command(tlm::TLM_IGNORE_COMMAND);
    mvm_gp_.set_extension(&mvm_ext_);
    tgt.register_b_transport(this, &Tile::b_transport);
    tgt.register_nb_transport_fw(this, &Tile::nb_transport_fw);
    ces_sock_.bind(*this);
    ces_.reserve((size_t)core_.n_ces);
    char cn[24];
    for (int i = 0; i < core_.n_ces; i++) {
        std::snprintf(cn, sizeof cn, "ce%d", i);
        ces_.emplace_back(new ComputeElement(cn, &core_, i));
        ces_sock_.bind(ces_.back()->tgt);
    }
    SC_HAS_PROCESS(Tile);
    if (waker_) {
        place_ = waker_->add(this);
        return;
    }
    SC_METHOD(arbiter);
    SC_METHOD(responder);
    sensitive << resp_ev_;
    dont_initialize();
}

Tile::~Tile()
{
    mvm_gp_.clear_extension(&mvm_ext_); // a member: the payload must not free it
    tile_free(&core_);
}

int Tile::program(int ce, const int64_t *W, int n_in, int n_out, int wb, std::string *err)
{
    char buf[200] = "";
    if (ce < 0 || ce >= core_.n_ces) {
        if (err) *err = "no such CE";
        return -1;
    }
    int rc = ce_program(&core_.ces[ce], W, n_in, n_out, wb, buf, sizeof buf);
    if (rc && err)
        *err = buf;
    return rc;
}

// *to = *from but the error text, 160 of a result's 256 bytes, which only a
// failed op has: copied then, else cleared (for every op of a run).
static void copy_result(tile_result_t *to, const tile_result_t *from)
{
    std::memcpy(to, from, offsetof(tile_result_t, err));
    if (from->status)
        std::memcpy(to->err, from->err, sizeof to->err);
    else
        to->err[0] = '\0';
}

int Tile::mvm_hook(void *ctx, tile_t *, const tile_op_t *op, uint64_t start, tile_result_t *res)
{
    Tile *self = static_cast<Tile *>(ctx);
    tlm::tlm_generic_payload &p = self->mvm_gp_;
    ImcOpExt &e = self->mvm_ext_;
    e.op = *op;
    copy_result(&e.res, res);
    e.res.grant = start;
    sc_time d = SC_ZERO_TIME;
    self->ces_sock_[op->ce]->b_transport(p, d);
    copy_result(res, &e.res);
    return res->status;
}

// Queues the ops of one transaction for the arbiter.
void Tile::queue(ImcOpExt *e, Waiter *w, const sc_time &delay)
{
    const sc_time t = sc_time_stamp() + delay;
    uint64_t arrival = clk_.ceil_cycle(t);
    // A request made in (or after) a cycle's grant phase (edge + 1 ps, where
    // the ops granted then start their successors) is for the next cycle:
    // within the edge's rounding tolerance it would otherwise race the phase.
    if (clk_.value_at(arrival) + one_ps() <= t.value())
        arrival++;
    w->left = 1 + std::max(0, e->n_more);
    w->end = 0;
    w->done = false;
    uint64_t ready = UINT64_MAX; // the first cycle one of its ops can be granted in
    for (int i = 0; i < w->left; i++) {
        // seq: tile_request's number, the next slot
        if (core_.seq != waiting_base_ + waiting())
            SC_REPORT_FATAL("imc/tile", "request numbers out of step");
        waiting_.push_back({w, i ? &e->more_res[i - 1] : &e->res});
        if (tile_request(&core_, i ? &e->more_ops[i - 1] : &e->op, arrival))
            SC_REPORT_FATAL("imc/tile", "out of memory");
        ready = std::min(ready, core_.last_ready);
    }
    // wake the arbiter straight at the grant phase (cycle edge + 1 ps) of
    // that cycle, not a delta from now only for it to wait that long, nor at
    // the arrival only to find the ops' resources still taken (the cycle
    // moves only with grants, and a grant phase finds the next one itself)
    const sc_dt::uint64 phase = clk_.value_at(ready) + one_ps();
    if (waker_)
        waker_->wake(this, phase);
    else
        req_ev_.notify(sc_time::from_value(phase) - sc_time_stamp());
}

static tlm::tlm_response_status status_of(const ImcOpExt *e)
{
    bool failed = e->res.status != 0;
    for (int i = 0; i < e->n_more; i++)
        failed |= e->more_res[i].status != 0;
    return failed ? tlm::TLM_GENERIC_ERROR_RESPONSE : tlm::TLM_OK_RESPONSE;
}

void Tile::b_transport(tlm::tlm_generic_payload &p, sc_time &delay)
{
    ImcOpExt *e = nullptr;
    p.get_extension(e);
    if (!e) {
        p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    Waiter w;
    queue(e, &w, delay);
    while (!w.done)
        wait(w.ev);
    // The ops' data are available now (the latest res.end): the delay is consumed.
    delay = SC_ZERO_TIME;
    p.set_response_status(status_of(e));
}

tlm::tlm_sync_enum Tile::nb_transport_fw(tlm::tlm_generic_payload &p, tlm::tlm_phase &ph,
                                         sc_time &delay)
{
    ImcOpExt *e = nullptr;
    p.get_extension(e);
    if (ph != tlm::BEGIN_REQ || !e) {
        p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        ph = tlm::BEGIN_RESP;
        return tlm::TLM_COMPLETED;
    }
    if (pool_.empty())
        pool_.emplace_back(new Waiter);
    Waiter *w = pool_.back().release();
    pool_.pop_back();
    w->nb = &p;
    queue(e, w, delay);
    return tlm::TLM_ACCEPTED; // END_REQ comes at the grant, BEGIN_RESP with the data
}

// Answers the non-blocking transactions whose data are available, in
// (time, grant order): independent of the order the initiators ran in.
void Tile::responder()
{
    sc_dt::uint64 next = respond_due();
    if (next != kNever)
        resp_ev_.notify(sc_time::from_value(next) - sc_time_stamp());
}

// The next answer's wake-up, from the waker or this tile's responder.
void Tile::schedule_response()
{
    const sc_dt::uint64 at = responses_.top().at;
    if (waker_)
        waker_->wake(this, at, true);
    else
        resp_ev_.notify(sc_time::from_value(at) - sc_time_stamp());
}

sc_dt::uint64 Tile::respond_due()
{
    const sc_dt::uint64 now = sc_time_stamp().value();
    while (!responses_.empty() && responses_.top().at <= now) {
        Waiter *w = responses_.top().w;
        responses_.pop();
        tlm::tlm_generic_payload &p = *w->nb;
        ImcOpExt *e = nullptr;
        p.get_extension(e);
        p.set_response_status(status_of(e));
        pool_.emplace_back(w);
        tlm::tlm_phase ph = tlm::BEGIN_RESP;
        sc_time d = SC_ZERO_TIME;
        tgt->nb_transport_bw(p, ph, d);
    }
    return responses_.empty() ? kNever : responses_.top().at;
}

// Grant phase of cycle c runs at c*P + 1 ps, after every request made at c*P
// (whatever its delta cycle) is queued, so grants do not depend on process
// order. A method, not a thread: it never blocks (CEs answer at once), and a
// wake-up per op made the coroutine switches a visible cost.
std::vector<tile_result_t> Tile::results_;

void Tile::arbiter()
{
    sc_dt::uint64 next = grant_due();
    if (next == kNever)
        next_trigger(req_ev_);
    else
        next_trigger(sc_time::from_value(next) - sc_time_stamp(), req_ev_);
}

// Drops the granted requests at the front of waiting_; its space is taken
// back when none waits, or when the dropped ones are half of it.
void Tile::drop_granted()
{
    while (waiting_front_ < waiting_.size() && !waiting_[waiting_front_].w) {
        waiting_front_++;
        waiting_base_++;
    }
    if (waiting_front_ == waiting_.size()) {
        waiting_.clear();
        waiting_front_ = 0;
    } else if (waiting_front_ > waiting_.size() / 2) {
        waiting_.erase(waiting_.begin(), waiting_.begin() + (std::ptrdiff_t)waiting_front_);
        waiting_front_ = 0;
    }
}

sc_dt::uint64 Tile::grant_due()
{
    const sc_dt::uint64 now = sc_time_stamp().value(); // a method: time stands still
    std::vector<tile_result_t> &res = results_;
    if (res.empty())
        res.resize(64);
    for (;;) {
        uint64_t nx = tile_next_event(&core_);
        if (nx == UINT64_MAX)
            return kNever;
        const sc_dt::uint64 target = clk_.value_at(nx) + one_ps();
        if (target > now)
            return target;
        int n;
        granted_.clear();
        while ((n = tile_arbitrate(&core_, nx, res.data(), (int)res.size())) > 0) {
            for (int i = 0; i < n; i++) {
                uint64_t at_slot = res[i].seq - waiting_base_;
                if (res[i].seq < waiting_base_ || at_slot >= waiting() ||
                    !waiting_[waiting_front_ + at_slot].w)
                    continue;
                Slot &slot = waiting_[waiting_front_ + at_slot];
                Waiter *w = slot.w;
                copy_result(slot.res, &res[i]);
                slot.w = nullptr;
                drop_granted();
                w->end = std::max(w->end, res[i].end);
                if (--w->left)
                    continue; // more ops of the group to grant
                w->done = true;
                const sc_dt::uint64 at = std::max(clk_.value_at(w->end), now);
                if (w->nb) {
                    responses_.push({at, resp_seq_++, w});
                    schedule_response();
                    granted_.push_back(w->nb);
                    continue;
                }
                w->ev.notify(sc_time::from_value(at - now));
            }
            if (n < (int)res.size())
                break;
        }
        // END_REQ for the non-blocking transactions granted in this phase,
        // after it: an initiator may send its next request from the call
        // (that request arrives at the next cycle at the earliest).
        for (tlm::tlm_generic_payload *p : granted_) {
            tlm::tlm_phase ph = tlm::END_REQ;
            sc_time d = SC_ZERO_TIME;
            tgt->nb_transport_bw(*p, ph, d);
        }
    }
}

void Tile::settle_leakage() const
{
    double c = sc_time_stamp().to_seconds() * 1e12 / clk_.ps;
    uint64_t now = (uint64_t)std::floor(c + 1e-6);
    tile_leak_until(&core_, now > core_.st.last_end ? now : core_.st.last_end);
}

void Tile::write_stats(json_w_t *w) const
{
    settle_leakage();
    desc_write_json(w, &core_.st, tile_stat_desc, tile_stat_count);
    jw_num(w, "energy_pj", tile_energy_pj(&core_));
}

} // namespace imc
