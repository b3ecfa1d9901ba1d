#include "noc_sc.h"

#include <algorithm>
#include <cmath>

#include <cstring>
#include <stdexcept>
#include <string>

using namespace sc_core;

noc_sc::noc_sc(sc_module_name name, const noc_config_t &cfg, sc_time period,
               const std::vector<int> &socket_endpoints)
    : sc_module(name), period_(period),
      ps_(cfg.clock_ghz > 0 ? 1000.0 / cfg.clock_ghz : period.to_seconds() * 1e12)
{
    imc_diag_t d;
    diag_init(&d);
    n_ = noc_create(&cfg, &d);
    std::string err = d.text ? d.text : "";
    diag_free(&d);
    if (!n_)
        throw std::invalid_argument(err);
    for (int e : socket_endpoints) {
        if (e < 0 || e >= noc_endpoints(n_) || in_.count(e))
            throw std::invalid_argument("noc_sc: bad or repeated socket endpoint " +
                                        std::to_string(e));
        auto t = std::make_unique<target_socket_t>(("in_" + std::to_string(e)).c_str());
        t->register_b_transport(this, &noc_sc::b_transport, e);
        in_[e] = std::move(t);
        out_[e] = std::make_unique<initiator_socket_t>(("out_" + std::to_string(e)).c_str());
    }
    out_of_.assign(size_t(noc_endpoints(n_)), nullptr);
    for (auto &o : out_)
        out_of_[size_t(o.first)] = o.second.get();
    dext_ = new noc_packet_ext;
    dgp_.set_extension(dext_);
    SC_HAS_PROCESS(noc_sc);
    // a method, not a thread: a wake-up per busy cycle made the coroutine
    // switch a visible cost (receivers' b_transport must not wait())
    SC_METHOD(run);
    sensitive << wake_;
    dont_initialize();
}

noc_sc::~noc_sc() { noc_destroy(n_); }

noc_sc::target_socket_t &noc_sc::in(int e)
{
    auto it = in_.find(e);
    if (it == in_.end())
        throw std::out_of_range("noc_sc: no socket for endpoint " + std::to_string(e));
    return *it->second;
}

noc_sc::initiator_socket_t &noc_sc::out(int e)
{
    auto it = out_.find(e);
    if (it == out_.end())
        throw std::out_of_range("noc_sc: no socket for endpoint " + std::to_string(e));
    return *out_.at(e);
}

void noc_sc::b_transport(int id, tlm::tlm_generic_payload &gp, sc_time &delay)
{
    send(id, gp, delay);
}

void noc_sc::send(int src, tlm::tlm_generic_payload &gp, const sc_time &delay)
{
    noc_packet_ext *ext = nullptr;
    gp.get_extension(ext);
    bool mc = ext && !ext->dsts.empty();
    if (!ext || src < 0 || src >= noc_endpoints(n_) ||
        (mc ? !valid_dsts(ext->dsts) || ext->each_packet
            : ext->dst < 0 || ext->dst >= noc_endpoints(n_))) {
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    int flits = ext->flits;
    if (flits <= 0) {
        uint64_t bits = uint64_t(gp.get_data_length()) * 8;
        uint64_t fb = uint64_t(noc_config(n_)->flit_bits);
        flits = bits ? int((bits + fb - 1) / fb) : 1;
    }
    // Cycle in which the packet is created: the first cycle boundary at or
    // after the initiator's local time (never before what the core has done).
    uint64_t c = ceil_cycle(sc_time_stamp() + delay);
    if (c < noc_now(n_))
        c = noc_now(n_);

    if (free_.empty()) {
        free_.push_back(slots_.size());
        slots_.emplace_back();
    }
    uint64_t tag = free_.back();
    pending &p = slots_[tag];
    p.cmd = gp.get_command();
    p.addr = gp.get_address();
    p.len = gp.get_data_length();
    if (p.len <= kInline) {
        if (p.len)
            std::memcpy(p.inl, gp.get_data_ptr(), p.len);
    }
    else
        p.big.assign(gp.get_data_ptr(), gp.get_data_ptr() + p.len);
    p.dsts.assign(ext->dsts.begin(), ext->dsts.end());
    p.ext = *ext;
    p.ext.dsts.clear(); // the delivered copies name their own destination
    p.ext.src = src;
    p.ext.created_cycle = c;
    p.ext.flits = flits;
    int pf = ext->packet_flits > 0 ? ext->packet_flits : flits;
    p.packets_left = uint32_t((flits + pf - 1) / pf);
    p.copies_left = mc ? uint32_t(p.dsts.size()) : 1;
    staged_.push({c, ext->order, staged_seq_++, tag, src, ext->dst, flits, pf, ext->each_packet, mc});
    free_.pop_back();
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    // Nothing needs the network before this message could arrive: it is
    // queued and simulated from cycle c on at the next wake-up.
    uint64_t b = mc ? noc_multicast_bound(n_, c, src, p.dsts.data(), int(p.dsts.size()), flits, pf)
                    : noc_message_bound(n_, c, src, ext->dst, flits, pf, ext->each_packet);
    staged_bound_ = std::min(staged_bound_, b);
    schedule(b);
}

// Multicast destinations: endpoints of this network, each once.
bool noc_sc::valid_dsts(const std::vector<int> &d) const
{
    std::vector<int> s(d);
    std::sort(s.begin(), s.end());
    return s.front() >= 0 && s.back() < noc_endpoints(n_) &&
           std::adjacent_find(s.begin(), s.end()) == s.end();
}

// Cycle edges are rounded to whole ps once each (no accumulated drift from a
// rounded period), and a time within 0.75 ps of an edge belongs to it: the
// same convention as the tiles' clock, so equal clocks stay cycle-aligned.
sc_time noc_sc::at_cycle(uint64_t c) const
{
    return sc_time((double)std::llround((double)c * ps_), SC_PS);
}

uint64_t noc_sc::ceil_cycle(const sc_time &t) const
{
    double tp = (double)std::llround(t.to_seconds() * 1e12);
    double c = std::ceil((tp - 0.75) / ps_);
    return c > 0 ? (uint64_t)c : 0;
}

uint64_t noc_sc::floor_cycle(const sc_time &t) const
{
    double tp = (double)std::llround(t.to_seconds() * 1e12);
    return (uint64_t)std::floor((tp + 0.75) / ps_);
}

void noc_sc::schedule(uint64_t cycle)
{
    if (cycle >= wake_cycle_)
        return;
    wake_cycle_ = cycle;
    sc_time at = at_cycle(cycle);
    sc_time now = sc_time_stamp();
    wake_.notify(at > now ? at - now : SC_ZERO_TIME);
}

int noc_sc::eject_cb(void *ctx, uint64_t tag, int dst, uint64_t cycle)
{
    auto *self = static_cast<noc_sc *>(ctx);
    if (tag >= self->slots_.size())
        return 0;
    if (self->ahead_)
        return 1; // the receiver must see it at its own time: stop here
    if (cycle < self->woke_at_) { // noc_delivery_bound() let it come late
        if (self->failure_.empty())
            self->failure_ = "noc: a packet of cycle " + std::to_string(cycle) +
                             " was handed over late, at cycle " + std::to_string(self->woke_at_);
        return 0;
    }
    pending &p = self->slots_[tag];
    uint64_t inj;
    int hops;
    noc_eject_info(self->n_, &inj, &hops);
    tlm::tlm_generic_payload &gp = self->dgp_;
    noc_packet_ext *ext = self->dext_;
    *ext = p.ext;
    ext->dst = dst;
    if (p.ext.each_packet) {
        ext->flits = noc_eject_flits(self->n_);
        ext->last_packet = --p.packets_left == 0;
    }
    ext->injected_cycle = inj;
    ext->ejected_cycle = cycle;
    ext->hops = hops;
    // the data is copied out: a receiver that sends from its b_transport may
    // grow slots_
    unsigned len = p.len;
    if (self->dbuf_.size() < len + 1)
        self->dbuf_.resize(len + 1);
    std::memcpy(self->dbuf_.data(), len <= kInline ? p.inl : p.big.data(), len);
    gp.set_command(p.cmd);
    gp.set_address(p.addr);
    gp.set_data_ptr(self->dbuf_.data());
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_byte_enable_length(0);
    gp.set_dmi_allowed(false);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    initiator_socket_t *o = dst >= 0 && size_t(dst) < self->out_of_.size() ? self->out_of_[size_t(dst)]
                                                                           : nullptr;
    if (o) {
        sc_time zero = SC_ZERO_TIME;
        (*o)->b_transport(gp, zero);
    } else if (self->on_deliver) {
        self->on_deliver(dst, gp);
    }
    if (ext->last_packet && !--p.copies_left)
        self->free_.push_back(tag); // the payload is reused by a later message
    return 0;
}

// Queue the staged messages of cycles < before_cycle, in (cycle, source,
// order, call) order.
void noc_sc::flush(uint64_t before_cycle)
{
    while (!staged_.empty() && staged_.top().cycle < before_cycle) {
        const staged m = staged_.top();
        staged_.pop();
        // endpoints and sizes were checked by send(): only 2^30 queued messages fail
        int rc;
        if (m.mc) {
            const std::vector<int> &d = slots_[m.tag].dsts;
            rc = noc_inject_multicast(n_, m.cycle, m.src, d.data(), int(d.size()), m.flits,
                                      m.packet_flits, m.tag);
        } else {
            rc = (m.each ? noc_inject_stream : noc_inject_message)(n_, m.cycle, m.src, m.dst,
                                                                   m.flits, m.packet_flits, m.tag);
        }
        if (rc && failure_.empty())
            failure_ = "noc: too many messages queued";
    }
    if (staged_.empty())
        staged_bound_ = UINT64_MAX; // the core's bound covers them now
}

uint64_t noc_sc::next_event() const
{
    uint64_t nx = noc_next_event(n_);
    return staged_.empty() ? nx : std::min(nx, staged_.top().cycle);
}

// The first cycle in which a process other than this one may inject: the
// cycle of the next pending activity. 0 when something may still happen at
// the current time.
uint64_t noc_sc::horizon() const
{
    sc_time gap = sc_time_to_pending_activity(sc_core::sc_get_curr_simcontext());
    if (gap == SC_ZERO_TIME)
        return 0;
    sc_time now = sc_time_stamp();
    if (gap >= sc_max_time() - now)
        return UINT64_MAX;
    return ceil_cycle(now + gap);
}

// Simulate the cycles < until; false (and no more wake-ups) on a watchdog stop.
bool noc_sc::advance(uint64_t until, bool ahead)
{
    ahead_ = ahead;
    int rc = noc_advance(n_, until, eject_cb, this);
    ahead_ = false;
    if (rc >= 0)
        return true;
    failure_ = noc_watchdog_report(n_);
    watchdog_stopped_ = true;
    return false;
}

// Simulate the cycles < k (the current cycle): their messages are all sent,
// and by the wake-up bound none of their packets is due before k.
bool noc_sc::simulate_to(uint64_t k)
{
    woke_at_ = k;
    flush(k); // cycles < k are closed: nobody can send in them any more
    return advance(k, false);
}

void noc_sc::catch_up()
{
    uint64_t k = floor_cycle(sc_time_stamp());
    if (failure_.empty() && k > noc_now(n_))
        simulate_to(k);
}

void noc_sc::run()
{
    wake_cycle_ = UINT64_MAX;
    wakeups_++;
    if (!failure_.empty())
        return;
    // now = k * period: simulate cycles < k, then hand over cycle k's
    // ejections (computed one cycle ahead) before anyone injects in k
    uint64_t k = floor_cycle(sc_time_stamp());
    if (!simulate_to(k))
        return;
    noc_deliver(n_, k, eject_cb, this);
    uint64_t nx = next_event();
    if (nx == UINT64_MAX)
        return;
    // Nobody else runs before cycle h: simulate up to it now (a held
    // delivery stops earlier, at its own cycle).
    uint64_t h = horizon();
    if (h > k + 1 && nx < h) {
        flush(h); // nobody sends for a cycle before h any more
        if (!advance(h, true))
            return;
    }
    // The next wake-up: the first cycle a packet may be handed over. The
    // cycles before it are simulated then, their messages already queued
    // (two-phase: a message sent in cycle c changes nothing before c).
    uint64_t b = std::min(noc_delivery_bound(n_), staged_bound_);
    if (b != UINT64_MAX)
        schedule(std::max(b, k + 1));
}
