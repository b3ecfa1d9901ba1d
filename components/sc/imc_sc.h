// Thin SystemC/TLM-2.0 layer over the component cores: one sc_module per
// component (Tile -> ComputeElement -> CrossbarArray, Dac, SampleHold, Adc,
// ShiftAdd), simple sockets, generic payload + ImcOpExt. No sc_clock: the tile
// arbiter wakes only at the cycles its core names (tile_next_event).
#ifndef IMC_SC_H
#define IMC_SC_H

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <map>
#include <string>
#include <memory>
#include <queue>
#include <vector>

extern "C" {
#include "tile.h"
}

namespace imc {

// The IMC op carried by a generic payload (command TLM_IGNORE_COMMAND, no
// data). The target fills `res` (grant/end cycles, energy, status). A tile
// also takes a group: n_more further ops issued in the same cycle as `op`
// (e.g. one position's MVMs on several CEs, which run in parallel); its
// b_transport returns when all are done, their results in more_res.
struct ImcOpExt : tlm::tlm_extension<ImcOpExt> {
    tile_op_t op{};
    tile_result_t res{};
    int n_more = 0;
    const tile_op_t *more_ops = nullptr;
    tile_result_t *more_res = nullptr;
    void *owner = nullptr; // the initiator's own use (e.g. which of its requests this is)
    tlm::tlm_extension_base *clone() const override { return new ImcOpExt(*this); }
    void copy_from(const tlm::tlm_extension_base &e) override
    {
        *this = static_cast<const ImcOpExt &>(e);
    }
};

// Anything that contributes a stats object to the JSON walk.
struct StatProvider {
    virtual ~StatProvider() = default;
    virtual void write_stats(json_w_t *w) const = 0;
};

// Writes {"<basename>": {stats..., "<child>": {...}}} for every StatProvider
// under (and including) root.
void write_stats_json(const sc_core::sc_object *root, json_w_t *w);

// Clock helpers: the tile clock domain of an arch.
struct Clock {
    double ps; // period
    explicit Clock(const arch_t *a) : ps(comp_cycle_ns(a) * 1000.0) {}
    sc_core::sc_time at(uint64_t cycle) const;
    sc_dt::uint64 value_at(uint64_t cycle) const; // at(cycle).value(), no sc_time made
    uint64_t ceil_cycle(const sc_core::sc_time &t) const;
};

// Elaboration allocates ~0.2 MB per tile in small blocks (object names,
// ports, modules) on fresh pages; with 4 KB pages their faults were a third
// of its time. Between elab_heap_begin(bytes) and elab_heap_end() the heap
// grows by `bytes` at once, advised for transparent huge pages (Linux with
// THP in "madvise" or "always" mode; elsewhere these do nothing).
void elab_heap_begin(size_t bytes);
void elab_heap_end();

// Leaf modules: own a view of their core's stats. A leaf is a hierarchical
// channel implementing the TLM-2.0 forward interface: its CE's port binds
// to the leaf itself, and transport_dbg answers with a copy of the stats
// struct (data_ptr, data_length), b_transport with an error response.
// No socket or export: leaves never call their CE back, and a target
// socket's export and backward port were two thirds of every leaf's
// sc_objects (vgg16 on 5 ISAAC chips: 242k objects, 1 s of elaboration
// and 160 MB).
using LeafPort = sc_core::sc_port<tlm::tlm_fw_transport_if<>, 0, sc_core::SC_ZERO_OR_MORE_BOUND>;

// What every leaf answers but transport_dbg: leaves take no operations.
class LeafBase : public sc_core::sc_module, public StatProvider, public tlm::tlm_fw_transport_if<> {
  public:
    explicit LeafBase(sc_core::sc_module_name n) : sc_core::sc_module(n) {}
    void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &) override
    {
        p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    }
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &p, tlm::tlm_phase &,
                                       sc_core::sc_time &) override
    {
        p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return tlm::TLM_COMPLETED;
    }
    bool get_direct_mem_ptr(tlm::tlm_generic_payload &, tlm::tlm_dmi &) override { return false; }

  protected:
    // copies *st (bytes) into p's data, at most its length
    static unsigned copy_out(tlm::tlm_generic_payload &p, const void *st, size_t bytes)
    {
        unsigned n = p.get_data_length() < bytes ? p.get_data_length() : (unsigned)bytes;
        if (p.get_data_ptr())
            std::memcpy(p.get_data_ptr(), st, n);
        p.set_response_status(tlm::TLM_OK_RESPONSE);
        return n;
    }
};

template <class Stats>
class Leaf : public LeafBase {
  public:
    Leaf(sc_core::sc_module_name n, Stats *st, const desc_t *d, int nd)
        : LeafBase(n), st_(st), d_(d), nd_(nd)
    {
    }
    void write_stats(json_w_t *w) const override { desc_write_json(w, st_, d_, nd_); }
    unsigned transport_dbg(tlm::tlm_generic_payload &p) override
    {
        return copy_out(p, st_, sizeof(Stats));
    }

  private:
    Stats *st_;
    const desc_t *d_;
    int nd_;
};

// A CE's crossbars, one leaf for the array (as its DACs, S+Hs, ADCs and S+As
// are one leaf each): a module per crossbar was 84 of an ISAAC tile's ~200
// sc_objects, ~600 B each (resnet18 on 64 chips, 10,522 tiles: 0.5 GB).
// Its stats hold one object per crossbar, "xbar<k>"; transport_dbg at
// address k copies crossbar k's stats (address >= the count: error).
class CrossbarArray : public LeafBase {
  public:
    CrossbarArray(sc_core::sc_module_name n, const ce_t *ce) : LeafBase(n), ce_(ce) {}
    void write_stats(json_w_t *w) const override;
    unsigned transport_dbg(tlm::tlm_generic_payload &p) override;

  private:
    const ce_t *ce_;
};

using Dac = Leaf<dac_stats_t>;
using SampleHold = Leaf<sh_stats_t>;
using Adc = Leaf<adc_stats_t>;
using ShiftAdd = Leaf<sa_stats_t>;

// Bound to every child of a parent: one port for all of them (a port per
// child cost two sc_objects and ~2 KB each), index = binding order.
using MultiInitiatorSocket =
    tlm::tlm_initiator_socket<32, tlm::tlm_base_protocol_types, 0, sc_core::SC_ZERO_OR_MORE_BOUND>;

// A CE: target socket `tgt` takes MVM ops (ImcOpExt, res.grant = start
// cycle) and returns res.end/energy; port `leaves` is bound to its leaves
// in order (the crossbar array, then DAC, S+H, ADC, S+A: LEAF_*):
// leaves[i]->transport_dbg(p) reads leaf i's stats. The CE is the fw interface of `tgt`.
enum { LEAF_XBARS, LEAF_DAC, LEAF_SH, LEAF_ADC, LEAF_SA, LEAF_COUNT };
class ComputeElement : public sc_core::sc_module,
                       public StatProvider,
                       public tlm::tlm_fw_transport_if<> {
  public:
    tlm::tlm_target_socket<> tgt;
    LeafPort leaves;
    ComputeElement(sc_core::sc_module_name n, tile_t *tile, int index);
    void write_stats(json_w_t *w) const override;
    ce_t *core() const { return &tile_->ces[index_]; }

    void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay) override;
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &p, tlm::tlm_phase &,
                                       sc_core::sc_time &) override;
    bool get_direct_mem_ptr(tlm::tlm_generic_payload &, tlm::tlm_dmi &) override { return false; }
    unsigned transport_dbg(tlm::tlm_generic_payload &) override { return 0; }

  private:
    tile_t *tile_;
    int index_;
    std::vector<std::unique_ptr<sc_core::sc_module>> leaves_;
};

class Tile;

// Runs many tiles' arbiters at their grant phases, and their responders when
// answers are due, from one process: with two processes per tile, the
// kernel's timed queue held a wake-up (and a timeout) per tile and ran a
// process per tile and phase. Tiles given one at construction use it; the
// others wake themselves. The order tiles are served in at one instant does
// not change the results (a grant phase runs after every request of its
// cycle is queued; what follows an answer does not depend on the order of one
// instant's answers: docs/run.md, "Same-instant order"); the waker serves
// them in the order they were built, so that what they report at once (the
// timeline's ops, sums of energies) comes in one order too.
class TileWaker : public sc_core::sc_module {
  public:
    explicit TileWaker(sc_core::sc_module_name n);
    int add(Tile *t); // t's place in the order of one instant (Tile's constructor)
    // t's arbiter (respond: its responder) runs at time value `at` (not
    // before now) unless it runs earlier.
    void wake(Tile *t, sc_dt::uint64 at, bool respond = false);

  private:
    // A wake-up slot per tile and phase, 2 x place + respond: one instant's
    // slots run in the tiles' order, grant phase first. The pending ones sit
    // in a binary heap by (at, slot), each once (pos_ finds it to move it
    // earlier), so the heap never holds stale entries. An entry carries its
    // time (pending() reads it there): comparing through a second array of
    // times missed the cache on every step of a sift.
    static constexpr uint32_t kOut = UINT32_MAX; // pos_ of a slot not in the heap
    struct Entry {
        sc_dt::uint64 at;
        uint32_t slot;
    };
    static bool before(const Entry &a, const Entry &b)
    {
        return a.at != b.at ? a.at < b.at : a.slot < b.slot;
    }
    void place(size_t i, const Entry &e)
    {
        heap_[i] = e;
        pos_[e.slot] = (uint32_t)i;
    }
    sc_dt::uint64 pending(uint32_t s) const; // slot s's wake-up, or Tile::kNever
    void sift_up(size_t i);
    void sift_down(size_t i);
    void move(uint32_t s, sc_dt::uint64 at);
    void run();
    std::vector<Tile *> tiles_;       // by place
    std::vector<uint32_t> pos_;       // by slot: its index in heap_, or kOut
    std::vector<Entry> heap_;
    sc_core::sc_event ev_;
};

// A tile: target socket `tgt` takes every op of tile_op_kind_t, blocking
// (b_transport returns when the op's data is available, with ext.res filled)
// or non-blocking in the TLM-2.0 base protocol's approximately-timed style:
// nb_transport_fw(BEGIN_REQ) queues the op and returns TLM_ACCEPTED; the tile
// calls nb_transport_bw(END_REQ) when it grants the op (its resources are
// taken: a CE's crossbars, a bank, a unit) and nb_transport_bw(BEGIN_RESP)
// when its data is available, with ext.res filled; the initiator returns
// TLM_ACCEPTED and TLM_COMPLETED. It keeps the payload alive until then. Initiator socket `ces` is
// bound to its CEs in order (the tile is its bw interface).
class Tile : public sc_core::sc_module, public StatProvider, public tlm::tlm_bw_transport_if<> {
  public:
    tlm_utils::simple_target_socket<Tile> tgt;
    Tile(sc_core::sc_module_name n, const arch_t *a, TileWaker *waker = nullptr);
    ~Tile() override;
    void write_stats(json_w_t *w) const override;
    tile_t *core() { return &core_; }
    ComputeElement &ce(int i) { return *ces_[(size_t)i]; }
    const Clock &clock() const { return clk_; }
    // Functional runs: program CE `ce` with W (n_in x n_out, weight_bits).
    int program(int ce, const int64_t *W, int n_in, int n_out, int weight_bits,
                std::string *err = nullptr);
    // ISAAC-style synchronous pipeline: ops end on multiples of `ns` (see
    // tile_set_stage_ns); call before the simulation starts.
    void set_stage_ns(double ns) { tile_set_stage_ns(&core_, ns); }
    // Leakage up to the current simulation time (done by write_stats too).
    void settle_leakage() const;
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload &, tlm::tlm_phase &,
                                       sc_core::sc_time &) override
    {
        return tlm::TLM_COMPLETED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}

  private:
    struct Waiter { // one transaction: an op or a group
        sc_core::sc_event ev;
        int left = 0;     // ops not yet granted
        uint64_t end = 0; // latest end among the granted ones
        bool done = false;
        tlm::tlm_generic_payload *nb = nullptr; // non-blocking: answer with BEGIN_RESP
    };
    struct Response { // a non-blocking transaction's answer, due at time value `at`
        sc_dt::uint64 at;
        uint64_t seq;
        Waiter *w;
        bool operator>(const Response &o) const
        {
            return at != o.at ? at > o.at : seq > o.seq;
        }
    };
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &p, tlm::tlm_phase &ph,
                                       sc_core::sc_time &delay);
    void queue(ImcOpExt *e, Waiter *w, const sc_core::sc_time &delay);
    void responder(); // the process of a tile without a waker
    // Sends the answers due now; the time value of the next one, or kNever.
    sc_dt::uint64 respond_due();
    void schedule_response();
    std::priority_queue<Response, std::vector<Response>, std::greater<Response>> responses_;
    std::vector<std::unique_ptr<Waiter>> pool_; // free waiters of non-blocking requests
    uint64_t resp_seq_ = 0;
    sc_core::sc_event resp_ev_;
    std::vector<tlm::tlm_generic_payload *> granted_; // END_REQ to send after a grant phase
    struct Slot {
        Waiter *w;
        tile_result_t *res;
    };
    void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay);
    void arbiter(); // the process of a tile without a waker
    // Runs the grant phases due now; the time value of the next one, or kNever.
    sc_dt::uint64 grant_due();
    static constexpr sc_dt::uint64 kNever = ~(sc_dt::uint64)0;
    friend class TileWaker;
    TileWaker *waker_;
    int place_ = 0; // its place among the waker's tiles
    static int mvm_hook(void *ctx, tile_t *t, const tile_op_t *op, uint64_t start,
                        tile_result_t *res);
    const arch_t *a_;
    mutable tile_t core_;
    Clock clk_;
    sc_core::sc_event req_ev_;
    // by request sequence number: waiting_[waiting_front_ + i] is request
    // waiting_base_ + i (every tile_request() gets one, in order; a granted
    // one is emptied and the front's empty slots dropped), a map's lookups
    // without its nodes; a vector, not a deque: one indexes without a
    // division, and it empties whenever the tile has granted all
    std::vector<Slot> waiting_;
    size_t waiting_front_ = 0;
    uint64_t waiting_base_ = 0;
    size_t waiting() const { return waiting_.size() - waiting_front_; }
    void drop_granted();
    // grant scratch of every tile: arbiters are methods, never nested (one
    // per tile was 15 KB each, 160 MB on 64 ISAAC chips)
    static std::vector<tile_result_t> results_;
    // The payload of every MVM handed to a CE, reused: a payload allocates
    // its extension array when constructed, and a CE never waits.
    tlm::tlm_generic_payload mvm_gp_;
    ImcOpExt mvm_ext_;
    std::vector<std::unique_ptr<ComputeElement>> ces_;
    MultiInitiatorSocket ces_sock_;
};

} // namespace imc
#endif
