// Private to the run engine (engine.h): the classes its files share.
//
// engine.cpp    elaboration, message routing (NoC, multicast, chips, host)
// stream.cpp    the trace interpreter: each stream is a state machine of two
//               lanes, driven by tile completions and arrivals (no threads)
// ports.cpp     input ports: value counts, buffer capacity, back-pressure
// offchip.cpp   off-chip links, the host's input streamer and output sink
// collect.cpp   results: times, counts, energy by scope and class
#ifndef IMC_ENGINE_INTERNAL_H
#define IMC_ENGINE_INTERNAL_H

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine.h"
#include "estimate.h"
#include "imc_sc.h"
#include "input_rows.h"
#include "noc_sc.h"
#include "timeline.h"

namespace imc_run {

// Inferences whose input the host may have in the tiles at once (a double
// buffer, docs/run.md "The host").
constexpr int kHostInputsAhead = HOST_INPUTS_AHEAD; // estimate.h

class Engine;
class TileNode;
// A value as it was when the current instant began: a decision taken in an
// instant must not depend on the order in which its processes run.
struct AtInstantStart {
    int cur = 0, prev = 0;
    uint64_t at = 0; // instant (ps) of the last change
    void set(int v, uint64_t now)
    {
        if (at != now) {
            prev = cur;
            at = now;
        }
        cur = v;
    }
    int get(uint64_t now) const { return at < now ? cur : prev; }
};

struct Stream;

// Positions a stream may have between its front lane's start and its back
// lane's end: one in the crossbars, one in the ADC/S+A/write tail, as in
// ISAAC's and PUMA's CE pipelines (an input register filling for the next
// MVM, an output register draining the last).
constexpr uint64_t kPipelinePositions = 2;

enum : int32_t { PKT_DATA = 0, PKT_PSUM = 1, PKT_HOST = 2 };

// What a message carries, as its payload bytes (the NoC copies data, not our
// extensions). Sizes on the wire are the flits we ask for, not these bytes.
// A message has one destination (final_tile, consumer, values), or with
// group >= 0 a list of them (Engine::dests): one multicast, which may serve
// several consumer layers on a tile.
struct PktHdr {
    int32_t final_tile;  // destination tile (-1: the host); a group: its first tile
    int32_t kind, consumer, producer, inference;
    int32_t counts;      // 1 on a message's last packet, the one whose arrival counts
    int32_t group;       // >= 0: the destination list
    int32_t pad;
    uint64_t values;
};

// One destination of a message: the values tile `tile` counts for `consumer`.
struct Dest {
    int32_t tile, consumer;
    uint64_t values;
    bool operator<(const Dest &o) const
    {
        return tile != o.tile ? tile < o.tile : consumer != o.consumer ? consumer < o.consumer
                                                                        : values < o.values;
    }
};

struct Lane;

// One tile transaction in flight (tile ops are non-blocking TLM transactions:
// END_REQ when the tile grants them, BEGIN_RESP when their data is there).
// Its payload carries its command and extension for the slot's life (slots live in
// heap-held streams and never move; set and cleared per op, the two library
// calls were a visible cost, as they were for the tile's MVM payload).
struct OpSlot {
    OpSlot()
    {
        gp.set_command(tlm::TLM_IGNORE_COMMAND); // a tile op moves no payload bytes
        gp.set_extension(&ext);
    }
    ~OpSlot() { gp.clear_extension(&ext); } // a member: the payload must not free it
    OpSlot(const OpSlot &) = delete;
    OpSlot &operator=(const OpSlot &) = delete;
    Lane *lane = nullptr;
    bool compute = false;      // a position's compute op: the front goes on at its grant
    uint64_t k = 0;            // the position it belongs to
    uint32_t resume = 0;       // the lane's next record
    tlm::tlm_generic_payload gp; // reused: a payload allocates on construction
    imc::ImcOpExt ext;
    std::vector<tile_op_t> group;
    std::vector<tile_result_t> more_res;
};

// One lane of a stream: the front runs a position's WAITs, READ and compute
// op (MVM group, or the pool/add of a layer without weights) and goes on to
// the next position as soon as the compute op is granted (its crossbars or
// unit are taken); the back runs the rest (partial sums, activation, WRITE,
// SENDs) once the compute op's data is there. The back of position k thus
// overlaps the front of k+1, as the hardware's pipeline stages do.
struct Lane {
    Stream *s = nullptr;
    int back = 0;
    uint32_t pc = 0;           // next record
    uint64_t k = 0;            // positions this lane started (all inferences)
    bool in_op = false;        // waiting for its op's grant (compute) or data (others)
    bool queued = false;       // in the engine's runnable list
    bool deferred = false;     // --perturb-order moved it to a later delta
    bool done = false;
    uint64_t op_start = 0;     // SystemC time (ps) the op in flight was issued
    uint64_t addr = UINT64_MAX; // its next tile-buffer address (TileNode::buffer_cursor)
    const char *blocked = "start";
    OpSlot op;                 // its ops but the compute ops
};

// The records of one position of a stream: front [begin, split), back
// [split, end).
struct Position {
    uint32_t begin, split, end;
    uint32_t compute;          // first record of its compute op, or UINT32_MAX
};

// Values of one producer layer for one consumer layer on one tile: counts
// per inference, and the credits that give back-pressure to the producer.
struct InPort {
    std::vector<uint64_t> recv, released;
    uint64_t reserved = 0; // sent by the producer, not yet released
    uint64_t cap = 0;      // buffer values reserved for this port
    uint64_t window = 0;   // values a consumer position may still need
    uint64_t sent_now = 0, sent_at = UINT64_MAX; // values reserved at time sent_at
    const Stream *consumer = nullptr;
    std::vector<Lane *> arrived_waiters, credit_waiters;
    std::vector<sc_core::sc_event *> host_waiters; // the host's input streamer
    uint64_t &recv_of(int inf) { return grow(recv, inf); }
    uint64_t &released_of(int inf) { return grow(released, inf); }

  private:
    static uint64_t &grow(std::vector<uint64_t> &v, int i)
    {
        if ((size_t)i >= v.size())
            v.resize((size_t)i + 1, 0);
        return v[(size_t)i];
    }
};

struct Stream {
    const trace_stream_t *ts = nullptr;
    TileNode *node = nullptr;
    int layer = 0, id = 0;
    std::vector<Position> pos;  // of one inference
    Lane lane[2];
    OpSlot compute[kPipelinePositions + 1]; // compute ops in flight, by position
    uint64_t front_done = 0, back_done = 0; // positions finished by each lane
    uint64_t computed = 0;      // positions whose compute op's data is there
    std::vector<InPort *> ports;
    // looked up once, used every inference: the input port of each WAIT and
    // the destination port of each SEND (by record)
    std::vector<InPort *> port_of;
    std::vector<int32_t> dests_of; // a multicast SEND's destination list (+1; 0: not yet)
    int vfu_ce = -1;            // the CE whose vector unit runs its functions
    // cycles inference 0's ops held each resource (tile_resource_t): the
    // crossbars (MVMs), the buffer (READ, WRITE), each kind of unit (S+A,
    // activation, pool, VFU); they work in parallel, so the most held one
    // bounds its rate. Every inference's ops are the same, and so is this.
    uint64_t occupancy[TILE_RESOURCES_] = {};
    // its WRITEs count their positions' MACs: every stream that writes, but
    // of an LSTM's (one replica, every tile writing its part of each step)
    // only the first
    bool counts_macs = true;
    std::vector<uint64_t> inf_end; // tile cycle each inference's back lane finished
    bool done = false;
    // The inference the front lane works on (back-pressure and the end of
    // the run judge it as the instant began).
    AtInstantStart front_inf;
    int inference(uint64_t k) const { return (int)(k / (uint64_t)pos.size()); }
};

struct LayerAcc {
    uint64_t start = UINT64_MAX, end = 0, mvms = 0;
    double energy_pj = 0;
    uint64_t macs = 0;
};

class TileNode : public sc_core::sc_module {
  public:
    imc::Tile tile;
    tlm_utils::simple_initiator_socket<TileNode> ops;
    tlm_utils::simple_initiator_socket<TileNode> net_out;
    tlm_utils::simple_target_socket<TileNode> net_in;
    int gtile, chip, endpoint;
    uint64_t shared[TILE_RESOURCES_] = {}; // inference 0's cycles on what its streams share
    tlm::tlm_generic_payload pkt_gp; // reused for every message sent (the NoC copies it)

    TileNode(sc_core::sc_module_name n, Engine *e, const arch_t *a, int gtile);
    InPort &port(int consumer, int producer);
    InPort *find_port(int consumer, int producer);
    void add_stream(Stream *s) { streams_.push_back(s); }
    const std::vector<Stream *> &streams() const { return streams_; }
    // Partial-sum messages per (layer, replica + 1), per inference.
    uint64_t &psums(int layer, int group, int inf);
    std::vector<Lane *> &psum_waiters(int layer, int group) { return psum_waiters_[{layer, group}]; }
    uint64_t buffer_cursor(Lane *l, uint64_t bytes); // lane l's next buffer address

  private:
    tlm::tlm_sync_enum ops_bw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph,
                              sc_core::sc_time &d);
    void net_b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &d);
    Engine *eng_;
    std::vector<Stream *> streams_;
    std::map<std::pair<int, int>, std::unique_ptr<InPort>> ports_;
    std::map<std::pair<int, int>, std::vector<uint64_t>> psums_;
    std::map<std::pair<int, int>, std::vector<Lane *>> psum_waiters_;
    friend class Engine;
};

class Engine : public sc_core::sc_module {
  public:
    Engine(sc_core::sc_module_name n, const arch_t *a, const mapping_t *m,
           const trace_layer_t *layers, const imc_run_config &cfg, imc_diag_t *d);
    ~Engine() override;
    int ok() const { return ok_; }
    bool all_done() const;
    void report_blocked(imc_diag_t *d) const;
    int noc_stopped() const; // a chip whose NoC watchdog stopped its network, or -1
    void collect(run_result_t *r);              // collect.cpp
    void fail(const std::string &msg);
    void fail_layer(int layer, const std::string &msg); // names its trace file (--traces)
    bool traces_agree(); // with the mapping and with one another (setup; engine.cpp)
    uint64_t now_cycle() const { return clk_.ceil_cycle(sc_core::sc_time_stamp()); }
    TileNode *node(int gtile)
    {
        return gtile >= 0 && gtile < (int)node_of_.size() ? node_of_[(size_t)gtile] : nullptr;
    }

    // ---- stream.cpp
    void wake(Lane *l);                          // run it in the next delta
    void op_granted(OpSlot *o);                  // END_REQ of a tile op
    void op_done(OpSlot *o);                     // BEGIN_RESP: its data is there
    int inferences() const { return inferences_; }

    // ---- engine.cpp: messages
    // a message from tile `from` to h's destination(s) (one multicast when the
    // NoC replicates), bits of payload; order: the sending stream's id
    void send(TileNode *from, PktHdr h, uint64_t bits, uint64_t order);
    void arrive(int tile, const PktHdr &h);      // a message's values at a tile
    int32_t dest_list(std::vector<Dest> d);      // the id of a destination list
    void gateway_arrive(int chip, tlm::tlm_generic_payload &gp);

    // ---- offchip.cpp
    // onto gateway gw's outbound (to other chips and the host) or inbound link
    void link_push(int chip, int gw, bool inbound, const PktHdr &h, uint64_t bytes, uint64_t order);
    void host_arrive(const PktHdr &h);
    void inference_done(int inf);                // the host has all its outputs
    void judge_period(int k);                    // inference k done: has the period converged?
    double completion_jitter_ps(int k, int w) const; // how far jitter could move a window's mean
    double line_deviation_ps(int a, int b) const;    // completions a..b off their straight line
    double shifted_spread_ps(int k, int w) const;    // range of the means of windows ending k-w+1..k
    void extend_period();                            // the period over a larger batch's intervals
    bool below_floor(double interval_ps) const // faster than the busiest resource allows
    {
        const double floor = std::max((double)floor_cycles_ * clk_.ps, noc_floor_ps_);
        return interval_ps < (1 - kPeriodFloorSlack) * floor;
    }

    const arch_t *a;
    const mapping_t *m;
    const trace_layer_t *layers;
    imc_run_config cfg;
    imc::Clock clk_;
    std::vector<LayerAcc> lacc;
    timeline_t *tl = nullptr;

  private:
    // stream.cpp
    void setup_stream(Stream *s);
    void run_lane(Lane &l);
    void resume_lane(Lane &l); // after its op answered
    uint64_t perturb_hash(uint64_t who, uint64_t when) const;
    bool step(Lane &l);
    bool exec_record(Lane &l, const Position &p, int inf);
    tile_op_t &single_op(OpSlot &o);
    void issue(OpSlot &o, tile_op_t *ops, int n);
    bool do_send(Lane &l, uint32_t end, int inf);
    void computed_to(Stream &s, uint64_t k);
    void finish_inference(Stream *s, int inf);
    void runnable();
    void front_moved(); // a consumer's front moved on: its held producers retry
    // ports.cpp
    void build_ports();
    bool must_hold(const InPort &p, int inf, uint64_t values) const;
    void release_to(InPort &p, int inf, uint64_t upto);
    void reserve(InPort &p, uint64_t values);
    void wake_credit(InPort &p);
    // offchip.cpp
    struct LinkItem {
        sc_core::sc_time at;
        uint64_t order;
        PktHdr h;
        uint64_t bytes;
    };
    struct Link {
        sc_core::sc_time free_at = sc_core::SC_ZERO_TIME;
        std::deque<LinkItem> q;
        sc_core::sc_event ev;
        uint64_t bytes = 0, busy_ps = 0;
        tlm::tlm_generic_payload gp;
    };
    void link_thread(int chip, int gw, bool inbound);
    size_t link_of(int chip, int gw) const { return (size_t)chip * (size_t)gateways_ + (size_t)gw; }
    void host_input();
    void setup_host();
    void deliver_from_gateway(int chip, int gw, const PktHdr &h, uint64_t flits,
                              const sc_core::sc_time &at, int link);
    bool send_input_row(int chip, int gw, const PktHdr &h, int pf, uint64_t order,
                        const sc_core::sc_time &delay, tlm::tlm_generic_payload &gp);
    uint64_t flits_of(uint64_t bits) const; // of a message on the NoC
    // send()'s destination tiles and endpoints, kept from message to message
    // (two vectors allocated for each were most of a run's allocations);
    // nothing send() calls sends again
    std::vector<int> send_tiles_, send_same_;
    // collect.cpp helpers
    void sampler();

    imc_diag_t *d_;
    int ok_ = 1;
    int chips_;
    int inferences_;             // inferences the streams run (cut at the period's decision)
    int judged_;                 // completions the period may be judged on: [0, judged_)
    int judged_max_;             // the most it may grow to (window_max_ more run behind)
    bool slid_ = false;          // judging went on W completions past steady windows that
                                 // disagreed (judge_period)
    uint64_t floor_cycles_ = 0;  // the most one stream holds one resource, or one tile its
                                 // bus or a unit kind, per inference
    double noc_floor_ps_ = 0;    // the NoC's busiest port's flits per inference, one a cycle
                                 // (the estimate's link loads; 0 without fixed routes)
    int window_;                 // W: completion intervals per window (grows with jitter)
    int window_max_;             // the largest W the jitter may ask for
    AtInstantStart host_started_; // the latest inference the host started
    int host_bits_ = 1;          // bits per value of the network input
    int done_upto_ = 0;          // inferences [0, done_upto_) have completed
    int completed_ = 0;          // inferences completed
    int converged_ = 0;          // 1 converged, -1 gave up (see inference_done)
    double period_ps_ = 0;       // the last window's mean completion interval
    double period_jitter_ps_ = 0; // how far the completions' jitter could move it
    int period_end_ = -1;        // the inference that closed that window
    int period_from_ = -1;       // the completion it is measured from (that window's start)
    std::vector<std::unique_ptr<noc_sc>> nocs_;
    std::unique_ptr<imc::TileWaker> waker_; // every tile's arbiter and responder, one process
    std::vector<std::unique_ptr<TileNode>> nodes_;
    std::vector<TileNode *> node_of_;
    std::vector<int> tile_at_; // a chip's tile at each NoC endpoint (chip.noc.placement)
    std::vector<int> tile_ep_; // the NoC endpoint of each tile of a chip (arch_tile_endpoint)
    int ep_of(int gtile) const { return tile_ep_[(size_t)(gtile % a->chip.tiles)]; }
    int gateways_ = 1;              // a chip's off-chip gateways (chip.offchip.gateways)
    std::vector<int> gateway_ep_;   // gateway g's NoC endpoint
    std::vector<int> gateway_at_;   // the gateway at each NoC endpoint, or -1
    std::vector<std::unique_ptr<Stream>> streams_;
    std::vector<Lane *> runq_;
    std::vector<Lane *> running_; // the delta's lanes being run (runq_'s capacity, kept)
    sc_core::sc_event run_ev_;
    // ports whose consumer's front moved to a later inference this instant,
    // and the producers they hold to wake once it is past (front_moved)
    std::vector<InPort *> front_moved_;
    sc_core::sc_event front_ev_;
    std::vector<Link> out_links_, in_links_; // per chip and gateway: link_of()
    // multicast destination lists, by id (sorted by tile)
    std::vector<std::vector<Dest>> dests_;
    std::map<std::vector<Dest>, int32_t> dests_id_;
    // the host: per inference, output values received and when it had them all
    uint64_t out_per_inf_ = 0;
    std::vector<uint64_t> host_got_;
    std::vector<uint64_t> inf_done_ps_;
    // the input's consumers (sim/input_rows.h) and the index of each (layer, tile)
    std::vector<input_dest_t> host_dests_;
    std::map<std::pair<int, int>, int> host_dest_of_;
    sc_core::sc_event host_ev_;
    uint64_t host_bytes_in_ = 0, host_bytes_out_ = 0, offchip_bytes_ = 0;
    uint64_t recs_total_ = 0, recs_done_ = 0;
    struct timespec t0_{}, last_{};
    bool printed_progress_ = false;
    void progress_tick(uint64_t records);
    friend class TileNode;
};

int chip_of(const arch_t *a, int gtile);

} // namespace imc_run

#endif
