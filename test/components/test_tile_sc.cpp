// One tile driven through TLM (imc::Tile::tgt) with a small FC layer and a
// small conv layer: outputs, cycle counts and energy against hand-derived
// values (ISAAC-like fixture, 1.2 GHz tile clock, zero leakage in the
// fixture so energies are dynamic only).
#include <systemc>

#include <cmath>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <functional>
#include <sstream>
#include <vector>

#include "imc_sc.h"

extern "C" {
#include "fixtures.h"
}
#include <check.h>

#include "check_run.h"

using namespace sc_core;

static const double P = 1.0 / 1.2; // ns per tile cycle

struct Driver : sc_module {
    tlm_utils::simple_initiator_socket<Driver> sock{"sock"};
    std::vector<std::function<void(Driver &)>> streams;
    SC_HAS_PROCESS(Driver);
    explicit Driver(sc_module_name n) : sc_module(n) {}
    void add(std::function<void(Driver &)> f)
    {
        streams.push_back(f);
        size_t i = streams.size() - 1;
        sc_spawn([this, i] { streams[i](*this); });
    }
    tile_result_t op(tile_op_t o)
    {
        tlm::tlm_generic_payload p;
        imc::ImcOpExt e;
        e.op = o;
        p.set_command(tlm::TLM_IGNORE_COMMAND);
        p.set_extension(&e);
        sc_time d = SC_ZERO_TIME;
        sock->b_transport(p, d);
        p.clear_extension(&e);
        ck_assert_msg(e.res.status == 0, "%s", e.res.err);
        return e.res;
    }
};

static tile_op_t buf_op(tile_op_kind_t k, uint64_t bytes, uint64_t addr)
{
    tile_op_t o{};
    o.kind = k;
    o.bytes = bytes;
    o.addr = addr;
    return o;
}

/* A tile of the ISAAC fixture whose grant phases its own process runs, or
 * a TileWaker (the engine's way). */
struct FxTile {
    arch_t a;
    imc::TileWaker wk{"waker"};
    imc::Tile tile;
    explicit FxTile(bool waker) : tile("tile0", (fx_isaac(&a), &a), waker ? &wk : nullptr) {}
};

static uint64_t seed = 99;
static int64_t rnd8() // -128..127
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (int64_t)((seed >> 33) % 256) - 128;
}

/* FC layer 64 -> 16, 8-bit signed weights and inputs, ReLU, on CE 0
 * (isaac preset values, no stage quantisation; P = 1/1.2 ns):
 * READ 64 B: 1 access + 64*8/256 = 2 beats          -> cycles 0..3
 * MVM: 16 outputs x 4 slices = 64 columns + 1 unit, 64 rows, 1 crossbar;
 *   8 reads (7 value bits + sign); read 120 cycles; ADC 65 x 0.78125 ns =
 *   50.78 ns = 61 cycles < 120, so period 120: 7*120 + 120 + 61 = 1021,
 *   + S+A 1 + output-register write 1 = 1023        -> 3..1026
 * ACT relu 16 values on 2 units: 1 + 16/2 - 1 = 8     -> 1026..1034
 * WRITE 32 B (16 x 2 B): 1 + 1                        -> 1034..1036
 * Energy (pJ = mW x ns):
 *   READ  buffer 20.7 x 3P + bus 7 x 2P
 *   MVM   crossbar 8 reads x 0.3 x 120P; DAC 8 x 64 drives x 0.00390625 x
 *         120P; S+H 520 x 9.765625e-6 x 120P; ADC 520 x 1.5625; S+A
 *         520 x 0.05 x P; registers (1.24 + 0.23) x 1/8 crossbars x 1023P
 *   ACT   0.26 x 2 units x 8P
 *   WRITE buffer 20.7 x 2P + bus 7 x P + output register 1.68 x P
 *   programming the weights: 64 rows x (64 + 1 unit) cells x 1 pJ/cell */
START_TEST(fc_layer)
{
    arch_t a;
    fx_isaac(&a);
    imc::Tile tile("tile0", &a);
    Driver drv("drv");
    drv.sock.bind(tile.tgt);
    enum { NI = 64, NO = 16 };
    static int64_t W[NI * NO], x[NI], y[NO], z[NO];
    for (auto &w : W) w = rnd8();
    for (auto &v : x) v = rnd8();
    std::string err;
    ck_assert_msg(tile.program(0, W, NI, NO, 8, &err) == 0, "%s", err.c_str());
    std::vector<tile_result_t> r;
    drv.add([&](Driver &d) {
        r.push_back(d.op(buf_op(TILE_OP_READ, NI, 0)));
        tile_op_t m{};
        m.kind = TILE_OP_MVM;
        m.ce = 0; m.xbars = 1; m.rows = NI; m.cols = NO * 4; m.input_bits = 8; m.signed_inputs = 1;
        m.in = x; m.out = y;
        r.push_back(d.op(m));
        tile_op_t act{};
        act.kind = TILE_OP_ACT; act.subkind = ACT_RELU; act.n = NO; act.in = y; act.out = z;
        r.push_back(d.op(act));
        r.push_back(d.op(buf_op(TILE_OP_WRITE, NO * 2, 4096)));
    });
    sc_start();
    ck_assert_int_eq((int)r.size(), 4);
    for (int o = 0; o < NO; o++) {
        int64_t s = 0;
        for (int i = 0; i < NI; i++) s += W[i * NO + o] * x[i];
        ck_assert_int_eq(z[o], s > 0 ? s : 0);
    }
    ck_assert_uint_eq(r[0].end, 3);
    ck_assert_uint_eq(r[1].end, 1026);
    ck_assert_uint_eq(r[2].end, 1034);
    ck_assert_uint_eq(r[3].end, 1036);
    // simulation ends when the last op's data are available: 1036 cycles
    ck_assert(sc_time_stamp() == tile.clock().at(1036));
    double e = 20.7 * 3 * P + 7 * 2 * P;
    e += 8 * 0.3 * 120 * P + 8 * 64 * 0.00390625 * 120 * P + 520 * 9.765625e-6 * 120 * P +
         520 * 1.5625 + 520 * 0.05 * P + (1.24 + 0.23) / 8 * 1023 * P;
    e += 0.26 * 2 * 8 * P;
    e += 20.7 * 2 * P + 7 * P + 1.68 * P;
    e += 64 * 65 * 1.0;
    ck_assert_double_eq_tol(tile_energy_pj(tile.core()), e, 1e-6);
    ck_assert_int_eq((int)r[1].clipped, 0);
}
END_TEST

/* Conv layer: 4x4x2 input (HWC, 8-bit signed), 3x3 kernels, 4 output
 * channels, stride 1 -> 2x2x4, ReLU, 2x2 max-pool -> 4 values. Weights
 * (18 x 4) on CE 1. Two streams share the tile: requester 0 does output
 * pixels 0,1, requester 1 pixels 2,3; then requester 0 pools and writes.
 * Per pixel: READ 18 B = 1 + 1 = 2; MVM: 18 rows, 16 + 1 columns, 8 reads,
 * ADC 17 x 0.78125 = 13.3 ns = 16 cycles, period 120: front end
 * 7*120 + 120 + 16 = 976, + 2 = 978; the crossbar takes the next MVM once
 * its 8 reads are issued, 8*120 = 960 after the start (the last ADC batch,
 * S+A and output register overlap it); ACT 4 values: 1 + 2 - 1 = 2.
 * Timeline (same-cycle requests granted by requester id; bank 0 and CE 1
 * contended):
 *   r0 READ 0..2;  r1 READ waits for bank 0: 2..4
 *   r0 MVM 2..980 (CE 1 takes the next at 962)
 *   r1 MVM arrives 4, granted 962..1940 (next at 1922)
 *   r0 ACT 980..982; r0 READ 982..984; r0 MVM arrives 984, granted
 *   1922..2900 (next at 2882)
 *   r1 ACT 1940..1942; r1 READ 1942..1944; r1 MVM granted 2882..3860
 *   r0 ACT 2900..2902; r1 ACT 3860..3862
 *   POOL max 4 outputs x 4 window: 1 + 16 - 1 = 16   3862..3878
 *   WRITE 8 B: 1 + 1                                  3878..3880 */
static void conv_layer(bool reverse_spawn, bool waker = false)
{
    FxTile fx(waker);
    imc::Tile &tile = fx.tile;
    Driver drv("drv");
    drv.sock.bind(tile.tgt);
    enum { H = 4, C = 2, K = 3, CO = 4, OH = 2, NI = K * K * C };
    static int64_t in[H * H * C], W[NI * CO], win[4][NI], y[4][CO], z[4][CO], pin[CO * 4], out[CO];
    for (auto &v : in) v = rnd8();
    for (auto &w : W) w = rnd8();
    for (int p = 0; p < 4; p++) {
        int oy = p / OH, ox = p % OH, k = 0;
        for (int ky = 0; ky < K; ky++)
            for (int kx = 0; kx < K; kx++)
                for (int c = 0; c < C; c++)
                    win[p][k++] = in[((oy + ky) * H + ox + kx) * C + c];
    }
    std::string err;
    ck_assert_msg(tile.program(1, W, NI, CO, 8, &err) == 0, "%s", err.c_str());
    uint64_t ends[2][6] = {};
    sc_event done1;
    bool one_done = false;
    auto pixel = [&](Driver &d, uint32_t req, int p, uint64_t *e) {
        tile_op_t rd{};
        rd.kind = TILE_OP_READ; rd.requester = req; rd.bytes = NI; rd.addr = 0;
        e[0] = d.op(rd).end;
        tile_op_t m{};
        m.kind = TILE_OP_MVM; m.requester = req; m.ce = 1; m.xbars = 1; m.rows = NI;
        m.cols = CO * 4; m.input_bits = 8; m.signed_inputs = 1; m.in = win[p]; m.out = y[p];
        e[1] = d.op(m).end;
        tile_op_t act{};
        act.kind = TILE_OP_ACT; act.requester = req; act.subkind = ACT_RELU; act.n = CO;
        act.in = y[p]; act.out = z[p];
        e[2] = d.op(act).end;
    };
    auto s0 = [&](Driver &d) {
        pixel(d, 0, 0, &ends[0][0]);
        pixel(d, 0, 1, &ends[0][3]);
        if (!one_done) wait(done1);
        for (int c = 0; c < CO; c++)
            for (int p = 0; p < 4; p++) pin[c * 4 + p] = z[p][c];
        tile_op_t pl{};
        pl.kind = TILE_OP_POOL; pl.subkind = TILE_POOL_MAX; pl.n = CO; pl.window = 4;
        pl.in = pin; pl.out = out;
        ck_assert_uint_eq(d.op(pl).end, 3878);
        ck_assert_uint_eq(d.op(buf_op(TILE_OP_WRITE, 8, 2048)).end, 3880);
    };
    auto s1 = [&](Driver &d) {
        pixel(d, 1, 2, &ends[1][0]);
        pixel(d, 1, 3, &ends[1][3]);
        one_done = true;
        done1.notify(SC_ZERO_TIME);
    };
    if (reverse_spawn) { drv.add(s1); drv.add(s0); }
    else { drv.add(s0); drv.add(s1); }
    sc_start();
    const uint64_t e0[6] = {2, 980, 982, 984, 2900, 2902};
    const uint64_t e1[6] = {4, 1940, 1942, 1944, 3860, 3862};
    for (int i = 0; i < 6; i++) {
        ck_assert_uint_eq(ends[0][i], e0[i]);
        ck_assert_uint_eq(ends[1][i], e1[i]);
    }
    for (int c = 0; c < CO; c++) {
        int64_t mx = INT64_MIN;
        for (int p = 0; p < 4; p++) {
            int64_t s = 0;
            for (int i = 0; i < NI; i++) s += W[i * CO + c] * win[p][i];
            s = s > 0 ? s : 0;
            mx = s > mx ? s : mx;
        }
        ck_assert_int_eq(out[c], mx);
    }
    // Energy: 4 x (READ + MVM + ACT) + POOL + WRITE (dynamic, fixture has no
    // leakage) + programming 18 rows x (16 + 1 unit) cells x 1 pJ
    double rd = 20.7 * 2 * P + 7 * 1 * P;
    double mvm = 8 * 0.3 * 120 * P + 8 * 18 * 0.00390625 * 120 * P +
                 8 * 17 * 9.765625e-6 * 120 * P + 8 * 17 * 1.5625 + 8 * 17 * 0.05 * P +
                 (1.24 + 0.23) / 8 * 978 * P;
    double act = 0.26 * 2 * 2 * P;
    double pool = 0.4 * 1 * 16 * P;
    double wr = 20.7 * 2 * P + 7 * P + 1.68 * P;
    ck_assert_double_eq_tol(tile_energy_pj(tile.core()), 4 * (rd + mvm + act) + pool + wr + 18 * 17,
                            1e-6);
    // The JSON stats walk: tile0 -> ce1 -> xbars -> xbar0 ...
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    json_w_t w;
    jw_init(&w, f);
    jw_obj_begin(&w, nullptr);
    imc::write_stats_json(&tile, &w);
    jw_obj_end(&w);
    jw_finish(&w);
    fclose(f);
    std::string js(buf);
    free(buf);
    ck_assert_msg(js.find("\"ops_mvm\": 4") != std::string::npos, "%s", js.substr(0, 400).c_str());
    ck_assert(js.find("\"ce1\": {") != std::string::npos);
    ck_assert_msg(js.find("\"xbars\": {") != std::string::npos && js.find("\"xbar0\": {") > js.find("\"xbars\": {"), "%s", js.c_str());
    ck_assert(js.find("\"conversions\": 544") != std::string::npos); // 4 MVMs x 8 reads x 17
    // The same count through the CE's port to its ADC (crossbar array, DAC, S+H, ADC).
    adc_stats_t as{};
    tlm::tlm_generic_payload dp;
    dp.set_data_ptr(reinterpret_cast<unsigned char *>(&as));
    dp.set_data_length(sizeof as);
    imc::ComputeElement &ce1 = tile.ce(1);
    ck_assert_int_eq(ce1.leaves.size(), imc::LEAF_COUNT);
    ck_assert_uint_eq(ce1.leaves[imc::LEAF_ADC]->transport_dbg(dp), sizeof as);
    ck_assert_uint_eq(as.conversions, 544);
    // Crossbar k's stats at address k of the array leaf: the reads the JSON
    // walk shows for it; past the last crossbar, an address error.
    for (int k = 0; k < ce1.core()->n_xbars; k++) {
        xbar_stats_t xs{};
        tlm::tlm_generic_payload xp;
        xp.set_address((sc_dt::uint64)k);
        xp.set_data_ptr(reinterpret_cast<unsigned char *>(&xs));
        xp.set_data_length(sizeof xs);
        ck_assert_uint_eq(ce1.leaves[imc::LEAF_XBARS]->transport_dbg(xp), sizeof xs);
        ck_assert_uint_eq(xs.reads, ce1.core()->xb[k].st.reads);
    }
    ck_assert_uint_gt(ce1.core()->xb[0].st.reads, 0);
    tlm::tlm_generic_payload bad;
    bad.set_address((sc_dt::uint64)ce1.core()->n_xbars);
    ck_assert_uint_eq(ce1.leaves[imc::LEAF_XBARS]->transport_dbg(bad), 0);
    ck_assert_int_eq(bad.get_response_status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

START_TEST(conv_layer_two_streams) { conv_layer(false); }
END_TEST
START_TEST(conv_layer_two_streams_reverse_spawn) { conv_layer(true); }
END_TEST
/* The same timeline with the arbiter woken by a TileWaker (the engine's). */
START_TEST(conv_layer_two_streams_waker) { conv_layer(false, true); }
END_TEST
START_TEST(conv_layer_two_streams_reverse_spawn_waker) { conv_layer(true, true); }
END_TEST

/* The non-blocking protocol: END_REQ at the grant phase (cycle edge + 1 ps),
 * BEGIN_RESP at the edge of the cycle the data are available. Three READs
 * of 64 B (1 access + 2 beats = 3 cycles) on one bank, the first two sent
 * at cycle 0 (granted at 0 and 3, the bank busy), the third from the first
 * one's BEGIN_RESP at cycle 3 (granted at 6, after the second, which asked
 * first): ends 3, 6, 9. With and without a TileWaker. */
struct NbDriver : sc_module {
    tlm_utils::simple_initiator_socket<NbDriver> sock{"sock"};
    tlm::tlm_generic_payload p[3];
    imc::ImcOpExt e[3];
    std::vector<std::pair<int, sc_time>> end_req, begin_resp;
    SC_HAS_PROCESS(NbDriver);
    explicit NbDriver(sc_module_name n) : sc_module(n)
    {
        sock.register_nb_transport_bw(this, &NbDriver::bw);
        SC_THREAD(start);
    }
    void send(int i)
    {
        e[i].op = buf_op(TILE_OP_READ, 64, 0);
        e[i].op.tag = (uint64_t)i;
        p[i].set_command(tlm::TLM_IGNORE_COMMAND);
        p[i].set_extension(&e[i]);
        tlm::tlm_phase ph = tlm::BEGIN_REQ;
        sc_time d = SC_ZERO_TIME;
        ck_assert_int_eq(sock->nb_transport_fw(p[i], ph, d), tlm::TLM_ACCEPTED);
    }
    void start()
    {
        send(0);
        send(1);
    }
    tlm::tlm_sync_enum bw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph, sc_time &)
    {
        int i = (int)(&gp - p);
        (ph == tlm::END_REQ ? end_req : begin_resp).push_back({i, sc_time_stamp()});
        if (ph == tlm::BEGIN_RESP) {
            ck_assert_int_eq(gp.get_response_status(), tlm::TLM_OK_RESPONSE);
            if (i == 0)
                send(2);
            gp.clear_extension(&e[i]);
            return tlm::TLM_COMPLETED;
        }
        return tlm::TLM_ACCEPTED;
    }
};

static void nb_reads(bool waker)
{
    FxTile fx(waker);
    imc::Tile &tile = fx.tile;
    NbDriver drv("drv");
    drv.sock.bind(tile.tgt);
    sc_start();
    const imc::Clock &c = tile.clock();
    const sc_time ps(1, SC_PS);
    const std::pair<int, sc_time> req[3] = {{0, c.at(0) + ps}, {1, c.at(3) + ps}, {2, c.at(6) + ps}};
    const std::pair<int, sc_time> resp[3] = {{0, c.at(3)}, {1, c.at(6)}, {2, c.at(9)}};
    ck_assert_int_eq((int)drv.end_req.size(), 3);
    ck_assert_int_eq((int)drv.begin_resp.size(), 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(drv.end_req[i] == req[i], "END_REQ %d: op %d at %s", i, drv.end_req[i].first,
                      drv.end_req[i].second.to_string().c_str());
        ck_assert_msg(drv.begin_resp[i] == resp[i], "BEGIN_RESP %d: op %d at %s", i,
                      drv.begin_resp[i].first, drv.begin_resp[i].second.to_string().c_str());
        ck_assert_uint_eq(drv.e[i].res.end, (uint64_t)(3 * (i + 1)));
    }
}

START_TEST(nb_reads_own_processes) { nb_reads(false); }
END_TEST
START_TEST(nb_reads_waker) { nb_reads(true); }
END_TEST

/* One waker, two tiles, the same READ on each at cycle 0: both are granted
 * at 0 + 1 ps and answered at cycle 3. The waker serves one instant's tiles
 * in the order they were built (TileWaker::add), whichever asked first, so
 * their END_REQs and BEGIN_RESPs come tile 0 first either way (before, the
 * order of the requests decided). */
struct TwoTileDriver : sc_module {
    using Socket = tlm_utils::simple_initiator_socket_tagged<TwoTileDriver>;
    Socket sock[2] = {Socket("s0"), Socket("s1")};
    tlm::tlm_generic_payload p[2];
    imc::ImcOpExt e[2];
    bool reverse;
    std::vector<std::pair<int, sc_time>> end_req, begin_resp;
    SC_HAS_PROCESS(TwoTileDriver);
    TwoTileDriver(sc_module_name n, bool rev) : sc_module(n), reverse(rev)
    {
        for (int i = 0; i < 2; i++)
            sock[i].register_nb_transport_bw(this, &TwoTileDriver::bw, i);
        SC_THREAD(start);
    }
    void start()
    {
        for (int k = 0; k < 2; k++) {
            int i = reverse ? 1 - k : k;
            e[i].op = buf_op(TILE_OP_READ, 64, 0);
            p[i].set_command(tlm::TLM_IGNORE_COMMAND);
            p[i].set_extension(&e[i]);
            tlm::tlm_phase ph = tlm::BEGIN_REQ;
            sc_time d = SC_ZERO_TIME;
            ck_assert_int_eq(sock[i]->nb_transport_fw(p[i], ph, d), tlm::TLM_ACCEPTED);
        }
    }
    tlm::tlm_sync_enum bw(int i, tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph, sc_time &)
    {
        (ph == tlm::END_REQ ? end_req : begin_resp).push_back({i, sc_time_stamp()});
        if (ph != tlm::BEGIN_RESP)
            return tlm::TLM_ACCEPTED;
        gp.clear_extension(&e[i]);
        return tlm::TLM_COMPLETED;
    }
};

static void two_tiles_one_instant(bool reverse)
{
    arch_t a;
    fx_isaac(&a);
    imc::TileWaker wk("waker");
    imc::Tile t0("tile0", &a, &wk), t1("tile1", &a, &wk);
    TwoTileDriver drv("drv", reverse);
    drv.sock[0].bind(t0.tgt);
    drv.sock[1].bind(t1.tgt);
    sc_start();
    const imc::Clock &c = t0.clock();
    const sc_time ps(1, SC_PS);
    ck_assert_int_eq((int)drv.end_req.size(), 2);
    ck_assert_int_eq((int)drv.begin_resp.size(), 2);
    for (int i = 0; i < 2; i++) {
        ck_assert_msg(drv.end_req[i] == std::make_pair(i, c.at(0) + ps), "END_REQ %d: tile %d at %s",
                      i, drv.end_req[i].first, drv.end_req[i].second.to_string().c_str());
        ck_assert_msg(drv.begin_resp[i] == std::make_pair(i, c.at(3)), "BEGIN_RESP %d: tile %d at %s",
                      i, drv.begin_resp[i].first, drv.begin_resp[i].second.to_string().c_str());
    }
}

START_TEST(waker_serves_tiles_in_build_order) { two_tiles_one_instant(false); }
END_TEST
START_TEST(waker_serves_tiles_in_build_order_reversed_requests) { two_tiles_one_instant(true); }
END_TEST

/* Many tiles, one waker, against the same tiles each with its own arbiter
 * and responder processes (no waker): open-loop streams of READs and WRITEs
 * (pseudo-random cycles, sizes and banks, several outstanding, so ops queue
 * for banks and a tile is woken again for an earlier time than it waits for)
 * get the same END_REQ and BEGIN_RESP times either way, and with the waker
 * each phase's callbacks come in (time, tile) order. */
struct ManyTileDriver : sc_module {
    using Socket = tlm_utils::simple_initiator_socket_tagged<ManyTileDriver>;
    static constexpr int kTiles = 12, kOps = 40;
    std::vector<std::unique_ptr<Socket>> sock;
    std::deque<tlm::tlm_generic_payload> p[kTiles];
    std::deque<imc::ImcOpExt> e[kTiles];
    std::vector<sc_time> asked[kTiles]; // when each op was requested
    struct Ev {
        int tile, op;
        sc_time at;
    };
    std::vector<Ev> end_req, begin_resp;
    SC_HAS_PROCESS(ManyTileDriver);
    explicit ManyTileDriver(sc_module_name n) : sc_module(n)
    {
        for (int i = 0; i < kTiles; i++) {
            sock.emplace_back(new Socket(("s" + std::to_string(i)).c_str()));
            sock.back()->register_nb_transport_bw(this, &ManyTileDriver::bw, i);
            sc_spawn([this, i] { stream(i); });
        }
    }
    void stream(int i)
    {
        uint32_t x = 0x9e3779b9u * (uint32_t)(i + 1);
        auto rnd = [&x](uint32_t m) {
            x = x * 1664525u + 1013904223u;
            return (x >> 8) % m;
        };
        for (int k = 0; k < kOps; k++) {
            wait(sc_time(P * rnd(4), SC_NS)); // 0..3 cycles apart: several at one instant
            tile_op_kind_t kind = rnd(2) ? TILE_OP_READ : TILE_OP_WRITE;
            e[i].emplace_back();
            e[i].back().op = buf_op(kind, 32 * (1 + rnd(16)), 64 * rnd(8));
            p[i].emplace_back();
            tlm::tlm_generic_payload &gp = p[i].back();
            gp.set_command(tlm::TLM_IGNORE_COMMAND);
            gp.set_extension(&e[i].back());
            tlm::tlm_phase ph = tlm::BEGIN_REQ;
            sc_time d = SC_ZERO_TIME;
            asked[i].push_back(sc_time_stamp());
            ck_assert_int_eq((*sock[(size_t)i])->nb_transport_fw(gp, ph, d), tlm::TLM_ACCEPTED);
        }
    }
    tlm::tlm_sync_enum bw(int i, tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph, sc_time &)
    {
        int op = 0;
        while (&p[i][(size_t)op] != &gp)
            op++;
        (ph == tlm::END_REQ ? end_req : begin_resp).push_back({i, op, sc_time_stamp()});
        if (ph != tlm::BEGIN_RESP)
            return tlm::TLM_ACCEPTED;
        ck_assert_int_eq(e[i][(size_t)op].res.status, 0);
        gp.clear_extension(&e[i][(size_t)op]);
        return tlm::TLM_COMPLETED;
    }
};

/* (tile, op) -> time of one phase's callbacks; each op's exactly once. */
static std::vector<sc_time> times_by_op(const std::vector<ManyTileDriver::Ev> &ev)
{
    const int n = ManyTileDriver::kTiles * ManyTileDriver::kOps;
    std::vector<sc_time> t((size_t)n, SC_ZERO_TIME);
    std::vector<int> seen((size_t)n, 0);
    for (const auto &v : ev) {
        size_t k = (size_t)(v.tile * ManyTileDriver::kOps + v.op);
        ck_assert_int_eq(seen[k]++, 0);
        t[k] = v.at;
    }
    ck_assert_int_eq((int)ev.size(), n);
    return t;
}

struct ManyTiles : sc_module {
    std::unique_ptr<imc::TileWaker> wk;
    std::vector<std::unique_ptr<imc::Tile>> tiles;
    ManyTileDriver drv{"drv"};
    ManyTiles(sc_module_name n, const arch_t *a, bool waker) : sc_module(n)
    {
        if (waker)
            wk.reset(new imc::TileWaker("waker"));
        for (int i = 0; i < ManyTileDriver::kTiles; i++) {
            tiles.emplace_back(new imc::Tile(("tile" + std::to_string(i)).c_str(), a, wk.get()));
            drv.sock[(size_t)i]->bind(tiles.back()->tgt);
        }
    }
};

START_TEST(waker_equals_own_processes_many_tiles)
{
    arch_t a;
    fx_isaac(&a);
    std::vector<sc_time> ref_req, ref_resp;
    {
        ManyTiles own("own", &a, false), woken("woken", &a, true);
        sc_start();
        ref_req = times_by_op(own.drv.end_req);
        ref_resp = times_by_op(own.drv.begin_resp);
        std::vector<sc_time> req = times_by_op(woken.drv.end_req),
                             resp = times_by_op(woken.drv.begin_resp);
        int queued = 0;
        for (size_t k = 0; k < req.size(); k++) {
            ck_assert_msg(req[k] == ref_req[k] && resp[k] == ref_resp[k],
                          "tile %d op %d: END_REQ %s BEGIN_RESP %s, own processes %s %s",
                          (int)k / ManyTileDriver::kOps, (int)k % ManyTileDriver::kOps,
                          req[k].to_string().c_str(), resp[k].to_string().c_str(),
                          ref_req[k].to_string().c_str(), ref_resp[k].to_string().c_str());
        }
        for (const auto *ev : {&woken.drv.end_req, &woken.drv.begin_resp})
            for (size_t i = 1; i < ev->size(); i++) {
                const auto &u = (*ev)[i - 1], &v = (*ev)[i];
                ck_assert_msg(u.at < v.at || (u.at == v.at && u.tile < v.tile) ||
                                  (u.at == v.at && u.tile == v.tile && u.op < v.op),
                              "callback %zu: tile %d at %s after tile %d at %s", i, v.tile,
                              v.at.to_string().c_str(), u.tile, u.at.to_string().c_str());
            }
        /* the streams did queue: ops granted cycles after they asked */
        for (const auto &v : woken.drv.end_req)
            queued += v.at > woken.drv.asked[v.tile][(size_t)v.op] + sc_time(P, SC_NS);
        ck_assert_int_gt(queued, ManyTileDriver::kTiles * ManyTileDriver::kOps / 4);
    }
}
END_TEST

/* A bad op comes back at once with an error response and a message; the
 * stream can go on. */
START_TEST(bad_op_error_response)
{
    arch_t a;
    fx_isaac(&a);
    imc::Tile tile("tile0", &a);
    Driver drv("drv");
    drv.sock.bind(tile.tgt);
    tlm::tlm_response_status st = tlm::TLM_INCOMPLETE_RESPONSE;
    std::string msg;
    uint64_t next_end = 0;
    drv.add([&](Driver &d) {
        tlm::tlm_generic_payload p;
        imc::ImcOpExt e;
        e.op.kind = TILE_OP_MVM;
        e.op.ce = 99;
        e.op.xbars = 1;
        e.op.rows = e.op.cols = 8;
        e.op.input_bits = 8;
        p.set_command(tlm::TLM_IGNORE_COMMAND);
        p.set_extension(&e);
        sc_time dl = SC_ZERO_TIME;
        d.sock->b_transport(p, dl);
        p.clear_extension(&e);
        st = p.get_response_status();
        msg = e.res.err;
        next_end = d.op(buf_op(TILE_OP_READ, 32, 0)).end;
    });
    sc_start();
    ck_assert_int_eq(st, tlm::TLM_GENERIC_ERROR_RESPONSE);
    ck_assert_str_eq(msg.c_str(), "MVM on CE 99 (expected 0..11)");
    ck_assert_uint_eq(next_end, 1 + 2); // stamped at cycle 1 (the error returns at 0 + 1 ps)
}
END_TEST

/* Clock::at builds its times from ps counts as ticks of the resolution:
 * the same times as sc_time's own constructor, for clocks whose period is
 * no whole number of ps, from cycle 0 to 2^40 (a run of 15 min at 1.2 GHz). */
START_TEST(clock_edges_equal_the_constructor_times)
{
    arch_t a;
    fx_isaac(&a);
    imc::Clock clk(&a);
    const double periods[] = {1000.0 / 1.2, 1000.0, 700.0 / 3.0, 1.5};
    for (double ps : periods) {
        clk.ps = ps;
        for (uint64_t c = 0; c < (1ull << 40); c = c < 4096 ? c + 1 : c * 3 + 7) {
            sc_time want((double)std::llround((double)c * ps), SC_PS);
            ck_assert_msg(clk.at(c) == want, "period %g ps, cycle %llu: %s, expected %s", ps,
                          (unsigned long long)c, clk.at(c).to_string().c_str(),
                          want.to_string().c_str());
            ck_assert_uint_eq(clk.ceil_cycle(clk.at(c)), c);
        }
    }
}
END_TEST

int sc_main(int, char **)
{
    Suite *s = suite_create("tile_sc");
    TCase *tc = tcase_create("tlm");
    tcase_add_test(tc, fc_layer);
    tcase_add_test(tc, conv_layer_two_streams);
    tcase_add_test(tc, conv_layer_two_streams_reverse_spawn);
    tcase_add_test(tc, conv_layer_two_streams_waker);
    tcase_add_test(tc, conv_layer_two_streams_reverse_spawn_waker);
    tcase_add_test(tc, nb_reads_own_processes);
    tcase_add_test(tc, nb_reads_waker);
    tcase_add_test(tc, waker_serves_tiles_in_build_order);
    tcase_add_test(tc, waker_serves_tiles_in_build_order_reversed_requests);
    tcase_add_test(tc, waker_equals_own_processes_many_tiles);
    tcase_add_test(tc, bad_op_error_response);
    tcase_add_test(tc, clock_edges_equal_the_constructor_times);
    suite_add_tcase(s, tc);
    return check_run(s);
}
