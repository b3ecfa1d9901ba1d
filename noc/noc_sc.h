// noc_sc: the network as a SystemC module around the C core (noc.h).
//
// Endpoints accept packets as TLM-2.0 blocking transactions on target
// sockets in(e) and deliver them through initiator sockets out(e) (or the
// on_deliver callback for endpoints without sockets). A packet is a generic
// payload with a noc_packet_ext giving the destination endpoint; its size in
// flits is ext.flits, or ceil(data_length * 8 / flit_bits) when that is 0.
// A transaction is one message: with ext.packet_flits > 0 the network splits
// it into packets of at most that many flits (each routed and arbitrated on
// its own), and delivers the message once, when its last packet arrives.
// b_transport returns at once (the message is copied into the source queue,
// like a posted write); delivery is a b_transport on out(dst) at the cycle
// the last tail arrives, with the copy (same command, address, data,
// extension). A message with ext.dsts goes to each of those endpoints
// (multicast, see noc_packet_ext::dsts) and is delivered once per
// destination. Deliveries are made from an SC_METHOD: a receiver's
// b_transport must not wait() (one waiting would have stalled every later
// delivery anyway).
//
// Time: cycle c of the NoC clock is [c*period, (c+1)*period), the period
// taken exactly from cfg.clock_ghz when set (edges rounded to whole ps). A packet sent
// at time T (plus annotated delay) is created in cycle ceil(T / period); it
// is delivered at time c_e * period where c_e is the core's ejection cycle,
// so latencies in SystemC time are exactly the core's cycles x period. The
// module wakes only at the core's next event (no clock), and when no other
// process has anything to do before some later time it simulates ahead up to
// that time in one go, stopping early at a delivery: nothing can be injected
// in between, so the cycles are the same as stepping one by one.
#ifndef IMC_NOC_SC_H
#define IMC_NOC_SC_H

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <queue>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "noc.h"

struct noc_packet_ext : tlm::tlm_extension<noc_packet_ext> {
    int dst = -1;   // destination endpoint (required unless dsts is given)
    // Multicast: the destination endpoints (each once, any order), instead of
    // dst. The message is delivered once per destination (through out(d) or
    // on_deliver, with dst = d and dsts empty in the delivered copy) when
    // that destination has all of it: one packet stream the routers
    // replicate with chip.noc.multicast, else one message per destination
    // (noc_inject_multicast). Not with each_packet.
    std::vector<int> dsts;
    int flits = 0;  // message size; 0 = from the data length
    int packet_flits = 0; // largest packet; 0 = the message is one packet
    // Messages a source sends in one cycle enter its queue in increasing
    // `order` (then in call order), whatever the order in which SystemC ran
    // their senders: give each sending process its own value.
    uint64_t order = 0;
    // Hand over every packet as it arrives (a gateway streaming them on):
    // each delivery gives that packet's flits, last_packet marks the last.
    bool each_packet = false;
    bool last_packet = true; // on delivery
    // Filled in by the network on delivery (injected: the first packet's
    // head left the source queue; ejected: the last tail arrived):
    int src = -1;
    uint64_t created_cycle = 0, injected_cycle = 0, ejected_cycle = 0;
    int hops = 0;

    tlm::tlm_extension_base *clone() const override { return new noc_packet_ext(*this); }
    void copy_from(const tlm::tlm_extension_base &e) override
    {
        *this = static_cast<const noc_packet_ext &>(e);
    }
};

class noc_sc : public sc_core::sc_module {
public:
    using target_socket_t = tlm_utils::simple_target_socket_tagged<noc_sc>;
    using initiator_socket_t = tlm_utils::simple_initiator_socket_tagged<noc_sc>;

    // Sockets are created for the listed endpoints only (all must be bound);
    // the others can still send with send() and receive through on_deliver.
    // Throws std::invalid_argument when the configuration is invalid.
    noc_sc(sc_core::sc_module_name name, const noc_config_t &cfg, sc_core::sc_time period,
           const std::vector<int> &socket_endpoints);
    ~noc_sc() override;

    target_socket_t &in(int endpoint);
    initiator_socket_t &out(int endpoint);

    // For endpoints without an out socket.
    std::function<void(int dst, tlm::tlm_generic_payload &)> on_deliver;

    // Send from src without a socket; same semantics as b_transport on in(src).
    void send(int src, tlm::tlm_generic_payload &gp, const sc_core::sc_time &delay);

    noc_t *core() { return n_; }
    // The module simulates skipped cycles only when it next hands a packet
    // over; this simulates those before the current time now, so the core's
    // counters are up to date (a reader of noc_stats() calls it first).
    void catch_up();
    sc_core::sc_time period() const { return period_; }
    // The time of cycle c's edge, rounded to whole ps once (no drift).
    sc_core::sc_time at_cycle(uint64_t c) const;
    uint64_t wakeups() const { return wakeups_; }
    // Nonempty once the network failed: the watchdog stopped it (a deadlock:
    // the blocked virtual channels; the module then stops waking), a message
    // came too late, or too many were queued.
    const std::string &failure() const { return failure_; }
    bool watchdog_stopped() const { return watchdog_stopped_; }

private:
    // A packet in flight: what its delivery needs, compact (a full payload per
    // packet cost an allocation each and a cache miss at ejection). Payload
    // bytes up to kInline stay in the record.
    static constexpr unsigned kInline = 48;
    struct pending {
        uint64_t addr = 0;
        unsigned len = 0;
        tlm::tlm_command cmd = tlm::TLM_IGNORE_COMMAND;
        noc_packet_ext ext;
        uint32_t packets_left = 0; // each_packet: not yet handed over
        uint32_t copies_left = 0;  // destinations still to deliver to
        std::vector<int> dsts;     // multicast destinations
        unsigned char inl[kInline];
        std::vector<unsigned char> big; // payloads longer than kInline
    };

    void b_transport(int id, tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    bool valid_dsts(const std::vector<int> &d) const;
    void run();
    void schedule(uint64_t cycle);
    static int eject_cb(void *ctx, uint64_t tag, int dst, uint64_t cycle);
    uint64_t horizon() const;
    void flush(uint64_t before_cycle);
    uint64_t next_event() const;
    bool advance(uint64_t until, bool ahead);
    bool simulate_to(uint64_t k);

    noc_t *n_ = nullptr;
    sc_core::sc_time period_;
    double ps_; // exact period in ps (from cfg.clock_ghz)
    uint64_t ceil_cycle(const sc_core::sc_time &t) const;
    uint64_t floor_cycle(const sc_core::sc_time &t) const;
    sc_core::sc_event wake_;
    uint64_t wake_cycle_ = UINT64_MAX; // earliest pending wake-up
    uint64_t woke_at_ = 0;               // the cycle of this wake-up
    uint64_t staged_bound_ = UINT64_MAX; // noc_message_bound() of the staged messages
    uint64_t wakeups_ = 0;
    bool ahead_ = false;           // simulating ahead: hold message deliveries
    std::string failure_;
    bool watchdog_stopped_ = false; // failure_ is the watchdog's report
    std::deque<pending> slots_;    // tag = slot index (a deque: growing never moves them)
    std::vector<uint64_t> free_;   // free slot indices
    // Messages of cycles not yet closed, queued in canonical order once no
    // more can be sent in their cycle (see noc_packet_ext::order).
    struct staged {
        uint64_t cycle, order, seq, tag;
        int src, dst, flits, packet_flits;
        bool each, mc;
    };
    struct staged_after { // heap order: the earliest (cycle, source, order, call) on top
        bool operator()(const staged &a, const staged &b) const
        {
            if (a.cycle != b.cycle)
                return a.cycle > b.cycle;
            if (a.src != b.src)
                return a.src > b.src;
            return a.order != b.order ? a.order > b.order : a.seq > b.seq;
        }
    };
    std::priority_queue<staged, std::vector<staged>, staged_after> staged_;
    uint64_t staged_seq_ = 0;
    // Delivery: one payload (with its extension and data buffer) reused for
    // every packet; a receiver may not keep it beyond its b_transport.
    tlm::tlm_generic_payload dgp_;
    noc_packet_ext *dext_ = nullptr; // owned by dgp_
    std::vector<unsigned char> dbuf_;
    std::map<int, std::unique_ptr<target_socket_t>> in_;
    std::map<int, std::unique_ptr<initiator_socket_t>> out_;
    std::vector<initiator_socket_t *> out_of_; // by endpoint, nullptr = none
};

#endif
