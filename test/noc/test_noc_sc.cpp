// noc_sc: initiators exchange packets through the SystemC/TLM wrapper; the
// arrival times must equal the C core's ejection cycles for the same
// schedule, and a single ping-pong packet must see the analytic zero-load
// latency on every leg.
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "noc.h"
#include "noc_sc.h"

#include <check.h>

#include "check_run.h"

using namespace sc_core;

namespace {

struct send_spec {
    uint64_t cycle;
    int dst, bytes;
    uint64_t id;
    std::vector<int> dsts = {}; // multicast (dst unused)
};

const sc_time kPeriod(1, SC_NS);

struct node : sc_module {
    tlm_utils::simple_initiator_socket<node> tx;
    tlm_utils::simple_target_socket<node> rx;
    int self;
    std::vector<send_spec> script;
    std::map<uint64_t, sc_time> arrivals; // id -> time
    std::map<uint64_t, int> arrival_src;
    int pong_to = -1, pong_left = 0;      // reply to every packet received
    int packet_flits = 0;                 // messages split into such packets
    bool each = false;                    // ask for every packet (each_packet)
    struct piece {
        uint64_t id, cycle;
        int flits;
        bool last;
    };
    std::vector<piece> pieces;            // each_packet deliveries, in order
    uint64_t next_id = 1000;

    node(sc_module_name n, int e) : sc_module(n), tx("tx"), rx("rx"), self(e)
    {
        rx.register_b_transport(this, &node::receive);
        SC_HAS_PROCESS(node);
        SC_THREAD(play);
    }

    void send(int dst, int bytes, uint64_t id, sc_time delay, const std::vector<int> &dsts = {})
    {
        tlm::tlm_generic_payload gp;
        std::vector<unsigned char> data(size_t(bytes), static_cast<unsigned char>(id));
        noc_packet_ext ext;
        ext.dst = dst;
        ext.dsts = dsts;
        ext.packet_flits = packet_flits;
        ext.each_packet = each;
        gp.set_command(tlm::TLM_WRITE_COMMAND);
        gp.set_address(id);
        gp.set_data_ptr(data.data());
        gp.set_data_length(unsigned(bytes));
        gp.set_streaming_width(unsigned(bytes));
        gp.set_extension(&ext);
        tx->b_transport(gp, delay);
        gp.clear_extension(&ext); // ours, on the stack
        ck_assert(gp.is_response_ok());
    }

    void play()
    {
        for (const auto &s : script) {
            sc_time at = kPeriod * double(s.cycle);
            if (at > sc_time_stamp())
                wait(at - sc_time_stamp());
            send(s.dst, s.bytes, s.id, SC_ZERO_TIME, s.dsts);
        }
    }

    void receive(tlm::tlm_generic_payload &gp, sc_time &delay)
    {
        noc_packet_ext *ext = nullptr;
        gp.get_extension(ext);
        ck_assert(ext && ext->dst == self && ext->dsts.empty());
        ck_assert_msg(ext->each_packet || !arrivals.count(gp.get_address()),
                      "message %llu delivered twice", (unsigned long long)gp.get_address());
        ck_assert_int_eq(gp.get_data_ptr()[0], static_cast<unsigned char>(gp.get_address()));
        arrivals[gp.get_address()] = sc_time_stamp() + delay;
        arrival_src[gp.get_address()] = ext->src;
        if (ext->each_packet)
            pieces.push_back({gp.get_address(), ext->ejected_cycle, ext->flits, ext->last_packet});
        ck_assert(sc_time_stamp() + delay == kPeriod * double(ext->ejected_cycle));
        if (pong_to >= 0 && pong_left > 0) {
            pong_left--;
            send(pong_to, 16, next_id++, SC_ZERO_TIME);
        }
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

// An 8x8 mesh, one endpoint per router, 2 VCs x 8 flits, 1 GHz (kPeriod).
noc_config_t mesh8()
{
    noc_config_t c;
    noc_config_default(&c);
    c.topology = TOPO_MESH;
    c.kx = c.ky = 8;
    c.concentration = 1;
    c.clock_ghz = 1.0;
    return c;
}

struct ref_ctx {
    std::map<uint64_t, uint64_t> eject;
};

int ref_cb(void *ctx, uint64_t tag, int dst, uint64_t cycle)
{
    (void)dst;
    static_cast<ref_ctx *>(ctx)->eject[tag] = cycle;
    return 0;
}

} // namespace

// Three nodes send bursts through shared links; every message must arrive
// at the core's ejection cycle of its last packet for the same injections.
static void three_nodes_match_core(int packet_flits)
{
    noc_config_t cfg = mesh8();
    noc_sc net("net", cfg, kPeriod, {0, 9, 63});
    node a("a", 0), b("b", 63), c("c", 9);
    node *nodes[3] = {&a, &b, &c};
    for (node *x : nodes) {
        x->tx.bind(net.in(x->self));
        net.out(x->self).bind(x->rx);
        x->packet_flits = packet_flits;
    }
    // Bursts in both directions through the same links, so packets contend.
    for (uint64_t i = 0; i < 6; i++) {
        a.script.push_back({i * 3, 63, 64, 100 + i});
        b.script.push_back({i * 3, 0, 64, 200 + i});
        c.script.push_back({i * 2 + 1, 63, 40, 300 + i});
    }
    sc_start(sc_time(10, SC_US));

    // The same schedule on the bare core.
    imc_diag_t d;
    diag_init(&d);
    noc_t *n = noc_create(&cfg, &d);
    ref_ctx ref;
    std::vector<std::pair<uint64_t, std::pair<int, send_spec>>> all;
    for (node *x : nodes)
        for (const auto &s : x->script)
            all.push_back({s.cycle, {x->self, s}});
    std::stable_sort(all.begin(), all.end(),
                     [](const auto &p, const auto &q) { return p.first < q.first; });
    // packet j of message id is tagged id * 64 + j
    for (const auto &e : all) {
        const send_spec &s = e.second.second;
        int flits = (s.bytes * 8 + cfg.flit_bits - 1) / cfg.flit_bits;
        int pf = packet_flits > 0 ? packet_flits : flits;
        for (int j = 0; j * pf < flits; j++)
            ck_assert_int_eq(noc_inject(n, s.cycle, e.second.first, s.dst,
                                        std::min(pf, flits - j * pf), s.id * 64 + (uint64_t)j),
                             0);
    }
    while (noc_next_event(n) != UINT64_MAX)
        noc_advance(n, noc_now(n) + 1000, ref_cb, &ref);
    std::map<uint64_t, uint64_t> last; // message id -> its last packet's ejection
    for (const auto &kv : ref.eject)
        last[kv.first / 64] = std::max(last[kv.first / 64], kv.second);
    int contended = 0;
    for (const auto &e : all) {
        const send_spec &s = e.second.second;
        int flits = (s.bytes * 8 + cfg.flit_bits - 1) / cfg.flit_bits;
        contended += last[s.id] - s.cycle >
                     noc_zero_load_latency(n, e.second.first, s.dst, flits);
    }
    noc_destroy(n);
    diag_free(&d);

    size_t got = 0;
    for (node *x : nodes)
        for (const auto &kv : x->arrivals) {
            ck_assert_msg(last.count(kv.first), "packet %llu", (unsigned long long)kv.first);
            uint64_t want = last[kv.first];
            ck_assert_msg(kv.second == kPeriod * double(want),
                          "packet %llu: SystemC %s, core cycle %llu",
                          (unsigned long long)kv.first, kv.second.to_string().c_str(),
                          (unsigned long long)want);
            got++;
        }
    ck_assert_uint_eq(got, 18);
    ck_assert_uint_eq(last.size(), 18);
    // 64- and 40-byte messages: 16 and 10 flits, in packets of packet_flits
    ck_assert_uint_eq(ref.eject.size(), packet_flits == 4 ? 6 * 4 * 2 + 6 * 3 : 18);
    // the schedule does contend: some packets are later than zero-load
    ck_assert_int_gt(contended, 0);
}

// Nodes a and b on their endpoints of an 8x8 mesh, wired to the network.
struct two_nodes {
    noc_config_t cfg = mesh8();
    noc_sc net;
    node a, b;
    two_nodes(int ea, int eb) : net("net", cfg, kPeriod, {ea, eb}), a("a", ea), b("b", eb)
    {
        for (node *x : {&a, &b}) {
            x->tx.bind(net.in(x->self));
            net.out(x->self).bind(x->rx);
        }
    }
};

// One transaction to several destinations (noc_packet_ext::dsts): each gets
// it once, at the bare core's cycle for the same noc_inject_multicast
// schedule, while unicast bursts contend.
START_TEST(multicast_delivered_once_per_destination)
{
    noc_config_t cfg = mesh8();
    cfg.multicast = 1;
    noc_sc net("net", cfg, kPeriod, {0, 9, 27, 63});
    node a("a", 0), b("b", 9), c("c", 27), e("e", 63);
    node *nodes[4] = {&a, &b, &c, &e};
    for (node *x : nodes) {
        x->tx.bind(net.in(x->self));
        net.out(x->self).bind(x->rx);
        x->packet_flits = 4;
    }
    for (uint64_t i = 0; i < 5; i++) {
        a.script.push_back({i * 4, -1, 48, 100 + i, {9, 27, 63}});
        e.script.push_back({i * 4, 9, 64, 200 + i, {}});
        b.script.push_back({i * 3 + 1, -1, 32, 300 + i, {63, 0}});
    }
    sc_start(sc_time(10, SC_US));

    imc_diag_t d;
    diag_init(&d);
    noc_t *n = noc_create(&cfg, &d);
    struct ref_mc {
        std::map<std::pair<uint64_t, int>, uint64_t> eject; // (id, dst) -> cycle
        static int cb(void *ctx, uint64_t tag, int dst, uint64_t cycle)
        {
            auto *r = static_cast<ref_mc *>(ctx);
            ck_assert(!r->eject.count({tag, dst}));
            r->eject[{tag, dst}] = cycle;
            return 0;
        }
    } ref;
    std::vector<std::pair<uint64_t, std::pair<int, send_spec>>> all;
    for (node *x : nodes)
        for (const auto &sp : x->script)
            all.push_back({sp.cycle, {x->self, sp}});
    std::stable_sort(all.begin(), all.end(),
                     [](const auto &p, const auto &q) { return p.first < q.first; });
    for (const auto &x : all) {
        const send_spec &sp = x.second.second;
        int flits = (sp.bytes * 8 + cfg.flit_bits - 1) / cfg.flit_bits;
        if (sp.dsts.empty())
            ck_assert_int_eq(noc_inject_message(n, sp.cycle, x.second.first, sp.dst, flits, 4, sp.id), 0);
        else
            ck_assert_int_eq(noc_inject_multicast(n, sp.cycle, x.second.first, sp.dsts.data(),
                                                  int(sp.dsts.size()), flits, 4, sp.id),
                             0);
    }
    while (noc_next_event(n) != UINT64_MAX)
        noc_advance(n, noc_now(n) + 1000, ref_mc::cb, &ref);
    noc_destroy(n);
    diag_free(&d);
    size_t got = 0;
    for (node *x : nodes)
        for (const auto &kv : x->arrivals) {
            auto it = ref.eject.find({kv.first, x->self});
            ck_assert_msg(it != ref.eject.end(), "message %llu at %d", (unsigned long long)kv.first,
                          x->self);
            ck_assert_msg(kv.second == kPeriod * double(it->second),
                          "message %llu at %d: SystemC %s, core cycle %llu",
                          (unsigned long long)kv.first, x->self, kv.second.to_string().c_str(),
                          (unsigned long long)it->second);
            got++;
        }
    ck_assert_uint_eq(got, 5 * 3 + 5 + 5 * 2);
    ck_assert_uint_eq(ref.eject.size(), got);
}
END_TEST

START_TEST(three_nodes_match_core_whole) { three_nodes_match_core(0); }
END_TEST

START_TEST(three_nodes_match_core_split) { three_nodes_match_core(4); }
END_TEST

START_TEST(ping_pong_zero_load)
{
    two_nodes t(0, 63);
    noc_sc &net = t.net;
    node &a = t.a, &b = t.b;
    a.script.push_back({5, 63, 16, 1});
    a.pong_to = 63;
    a.pong_left = 9;
    b.pong_to = 0;
    b.pong_left = 10;
    b.next_id = 2000;
    sc_start(sc_time(1, SC_MS));
    // 16 bytes = 4 flits of 32 bits; 14 hops; per hop 4 router + 1 link
    // cycles: (14+1)*5 + 1 + 3 = 79 cycles each way, independent of the core.
    const uint64_t leg = 79;
    ck_assert_uint_eq(b.arrivals.size(), 10);
    ck_assert_uint_eq(a.arrivals.size(), 10);
    ck_assert(b.arrivals[1] == kPeriod * double(5 + leg));
    uint64_t k = 0;
    for (const auto &kv : a.arrivals) { // ids 2000.. in order
        ck_assert(kv.second == kPeriod * double(5 + leg * (2 * k + 2)));
        k++;
    }
    // Nothing else happens while a packet is in flight: the network
    // simulates each leg ahead in one go (it used to wake every busy cycle).
    ck_assert_uint_le(net.wakeups(), 20 * 3);
}
END_TEST

START_TEST(idle_gap_is_skipped)
{
    two_nodes t(0, 1);
    noc_sc &net = t.net;
    node &a = t.a, &b = t.b;
    a.script.push_back({0, 1, 4, 1});
    a.script.push_back({10000000, 1, 4, 2});
    sc_start(sc_time(20, SC_MS));
    ck_assert_uint_eq(b.arrivals.size(), 2);
    // one hop, one flit: 2*5 + 1 = 11 cycles
    ck_assert(b.arrivals[2] == kPeriod * double(10000000 + 11));
    ck_assert_uint_lt(net.wakeups(), 40);
}
END_TEST

// The module sleeps until a packet may be handed over; catch_up() simulates
// the cycles before now for a reader of the counters: the core is then where
// a bare core fed the same message is after the same cycles.
struct probe : sc_module {
    noc_sc &net;
    uint64_t before = 0, after = 0;
    noc_stats_t st{};
    probe(sc_module_name n, noc_sc &s) : sc_module(n), net(s)
    {
        SC_HAS_PROCESS(probe);
        SC_THREAD(look);
    }
    void look()
    {
        wait(kPeriod * 60.0);
        before = noc_now(net.core());
        net.catch_up();
        after = noc_now(net.core());
        noc_stats(net.core(), &st);
    }
};

START_TEST(catch_up_simulates_to_now)
{
    two_nodes t(0, 63);
    noc_sc &net = t.net;
    node &a = t.a, &b = t.b;
    a.script.push_back({0, 63, 400, 1}); // 100 flits over 14 hops
    probe p("p", net);
    sc_start(sc_time(1, SC_US));
    ck_assert_uint_lt(p.before, 60); // asleep: nothing could arrive before 60
    ck_assert_uint_eq(p.after, 60);
    imc_diag_t d;
    diag_init(&d);
    noc_t *bare = noc_create(&t.cfg, &d);
    ck_assert_int_eq(noc_inject(bare, 0, 0, 63, 100, 1), 0);
    ck_assert_int_eq(noc_advance(bare, 60, nullptr, nullptr), 0);
    noc_stats_t want;
    noc_stats(bare, &want);
    ck_assert_uint_eq(p.st.flits_injected, want.flits_injected);
    ck_assert_uint_eq(p.st.link_flits, want.link_flits);
    ck_assert_uint_gt(want.link_flits, 0);
    ck_assert(b.arrivals[1] == kPeriod * double(noc_zero_load_latency(bare, 0, 63, 100)));
    noc_destroy(bare);
    diag_free(&d);
}
END_TEST

// A message sent with each_packet comes as its packets, each when it
// arrives (the core's ejection cycles for the same packets), with its size;
// only the last one to arrive is marked last.
START_TEST(each_packet_delivers_every_packet)
{
    noc_config_t cfg = mesh8();
    noc_sc net("net", cfg, kPeriod, {0, 9, 63});
    node a("a", 0), b("b", 63), c("c", 9);
    for (node *x : {&a, &b, &c}) {
        x->tx.bind(net.in(x->self));
        net.out(x->self).bind(x->rx);
        x->packet_flits = 4;
    }
    a.each = true;
    a.script.push_back({0, 63, 40, 1}); // 10 flits: packets of 4, 4, 2
    a.script.push_back({0, 63, 40, 2});
    c.script.push_back({1, 63, 64, 3}); // contends on the way (whole message)
    sc_start(sc_time(10, SC_US));

    imc_diag_t d;
    diag_init(&d);
    noc_t *n = noc_create(&cfg, &d);
    ref_ctx ref;
    for (uint64_t id : {1, 2})
        for (int j = 0, f = 10; f > 0; j++, f -= 4)
            ck_assert_int_eq(noc_inject(n, 0, 0, 63, std::min(f, 4), id * 64 + (uint64_t)j), 0);
    ck_assert_int_eq(noc_inject_message(n, 1, 9, 63, 16, 4, 3 * 64), 0);
    while (noc_next_event(n) != UINT64_MAX)
        noc_advance(n, noc_now(n) + 1000, ref_cb, &ref);
    noc_destroy(n);
    diag_free(&d);

    ck_assert_uint_eq(b.pieces.size(), 6);
    for (uint64_t id : {1, 2}) {
        std::vector<uint64_t> want, got;
        int flits = 0, lasts = 0;
        uint64_t last_at = 0, latest = 0;
        for (int j = 0; j < 3; j++)
            want.push_back(ref.eject[id * 64 + (uint64_t)j]);
        for (const auto &p : b.pieces) {
            if (p.id != id)
                continue;
            got.push_back(p.cycle);
            flits += p.flits;
            ck_assert(p.flits == 4 || p.flits == 2);
            latest = std::max(latest, p.cycle);
            if (p.last) {
                lasts++;
                last_at = p.cycle;
            }
        }
        std::sort(want.begin(), want.end());
        std::sort(got.begin(), got.end());
        ck_assert(want == got);
        ck_assert_int_eq(flits, 10);
        ck_assert_int_eq(lasts, 1);
        ck_assert_uint_eq(last_at, latest);
    }
}
END_TEST

int sc_main(int, char **)
{
    Suite *s = suite_create("noc_sc");
    TCase *tc = tcase_create("tlm");
    tcase_add_test(tc, three_nodes_match_core_whole);
    tcase_add_test(tc, multicast_delivered_once_per_destination);
    tcase_add_test(tc, three_nodes_match_core_split);
    tcase_add_test(tc, each_packet_delivers_every_packet);
    tcase_add_test(tc, ping_pong_zero_load);
    tcase_add_test(tc, idle_gap_is_skipped);
    tcase_add_test(tc, catch_up_simulates_to_now);
    suite_add_tcase(s, tc);
    return check_run(s);
}
