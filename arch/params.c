/* The architecture parameter table (see params.h). Defaults describe a small
 * valid ISAAC-like accelerator with zero costs; presets fill in the rest. */
#include "params.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adc_model.h"
#include "strutil.h"
#include "ytree.h"

_Static_assert(sizeof(arch_topology_t) == sizeof(int), "enums are stored as int");

static const char *const dev_names[] = {"sram", "rram", "pcm", "mram", "fefet", "dram", NULL};
static const char *const signed_names[] = {"offset", "differential", "none", NULL};
static const char *const buf_names[] = {"edram", "sram", NULL};
static const char *const topo_names[] = {"mesh", "torus", "cmesh", NULL};
static const char *const route_names[] = {"xy", "yx", "west_first", "odd_even", NULL};
static const char *const unit_names[] = {"sa", "activation", "pool", "vfu", NULL};
static const char *const scope_names[] = {"always", "transfers", NULL};
static const char *const host_io_names[] = {"links", "preloaded", NULL};
static const char *const gateway_port_names[] = {"shared", "own", NULL};
static const char *const placement_names[] = {"fixed", "search", NULL};
/* index = arch_alloc_t; the switch allocator has no greedy variant */
static const char *const vc_alloc_names[] = {"separable_input_first", "separable_output_first",
                                             "islip", "greedy", NULL};
static const char *const sw_alloc_names[] = {"separable_input_first", "separable_output_first",
                                             "islip", NULL};

const char *const arch_extra_keys[] = {"name", "count", "power_mw", "leakage_mw", "area_mm2"};

#define O(f) offsetof(arch_t, f)
#define ROW(k, ty, u, desc, off, lo, hi, fl, d, off2, names, fn) \
    {{k, u, desc, off, ty}, lo, hi, fl, d, off2, names, fn}
#define PI(k, f, u, lo, hi, d, desc) ROW(k, DESC_INT, u, desc, O(f), lo, hi, 0, d, 0, NULL, NULL)
#define PD(k, f, u, lo, hi, fl, d, desc) ROW(k, DESC_F64, u, desc, O(f), lo, hi, fl, d, 0, NULL, NULL)
#define PB(k, f, d, desc) ROW(k, DESC_BOOL, "", desc, O(f), 0, 1, 0, d, 0, NULL, NULL)
#define PE(k, f, names, d, desc) ROW(k, DESC_ENUM, "", desc, O(f), 0, 0, 0, d, 0, names, NULL)
/* An enum whose names come from a registry (name_of(i), NULL past the last). */
#define PEF(k, f, name_of, d, desc) ROW(k, DESC_ENUM, "", desc, O(f), 0, 0, 0, d, 0, NULL, name_of)
#define PS(k, f, d, desc) ROW(k, DESC_STR, "", desc, O(f), 0, 0, 0, d, sizeof(((arch_t *)0)->f), NULL, NULL)
#define PX(k, f, desc) \
    ROW(k, DESC_LIST, "", desc, O(f.n_extras), 0, ARCH_MAX_EXTRAS, 0, "[]", O(f.extras), NULL, NULL)
#define MAXD 1e12
/* Times the model honours: one operation of at most 1 s (1e9 ns, or 1e9
 * cycles of a clock of at least 1 MHz) keeps every single delay below 2^60
 * ps, the SystemC time the engine counts in; a run's total time is checked
 * against 2^53 ps when it ends (app/run_flow.cpp check_horizon). */
#define MAXNS 1e9
#define COST(p, f, what)                                                       \
    PD(p ".power_mw", f.power_mw, "mW", 0, MAXD, 0, "0",                       \
       "dynamic power of one " what " at full activity"),                       \
    PD(p ".leakage_mw", f.leakage_mw, "mW", 0, MAXD, 0, "0",                   \
       "leakage power of one " what),                                          \
    PD(p ".area_mm2", f.area_mm2, "mm2", 0, MAXD, 0, "0", "area of one " what)
#define UNIT_L(p, f, what, dcount, per, lat_note)                              \
    PI(p ".count", f.count, "", 0, 1 << 20, dcount, "number of " what "s " per), \
    PD(p ".latency_cycles", f.latency_cycles, "cycles", 0, 1e9, 0, "1",         \
       "latency of one " what " operation, tile clock cycles" lat_note),        \
    COST(p, f.cost, what)
#define UNIT(p, f, what, dcount, per) UNIT_L(p, f, what, dcount, per, "")
#define REG(p, f, what, dbytes)                                                \
    PI(p ".bytes", f.bytes, "B", 0, 1 << 30, dbytes,                           \
       "capacity of the " what ", as the source gives it (no model reads it: its "        \
       "power and area are given)"),                                             \
    COST(p, f.cost, what)

static const arch_param_t table[] = {
    PS("name", name, "custom", "name of the architecture"),

    PI("tech.node_nm", tech.node_nm, "nm", 1, 1000, "32", "technology node"),
    PD("tech.clock_ghz", tech.clock_ghz, "GHz", 0.001, 1000, 0, "1.2",
       "clock of the tile digital logic"),
    PD("tech.vdd_v", tech.vdd_v, "V", 0, 100, PF_GT_MIN, "1", "supply voltage"),

    /* device.*: a value the configuration does not give takes the device
     * type's (arch/device/dev_<type>.c); the defaults below are rram's. */
    PE("device.type", device.type, dev_names, "rram",
       "memory device of the crossbar cells; selects the defaults of the device.* values"),
    PI("device.bits_per_cell", device.bits_per_cell, "bits", 1, 8, "2",
       "bits stored in one cell (default: the device type's)"),
    PD("device.on_off_ratio", device.on_off_ratio, "", 1, 1e12, PF_GT_MIN, "100",
       "on/off conductance ratio G_on/G_off (default: the device type's)"),
    PD("device.g_on_us", device.g_on_us, "uS", 0, 1e9, PF_GT_MIN, "40",
       "conductance of the highest cell level (default: the device type's)"),
    PD("device.read_energy_pj", device.read_energy_pj, "pJ", 0, MAXD, 0, "0",
       "energy of one cell read (0: crossbar power x read time)"),
    PD("device.write_energy_pj", device.write_energy_pj, "pJ", 0, MAXD, 0, "0.6",
       "energy of one program-and-verify pulse of one cell (default: the device type's)"),
    PD("device.read_latency_ns", device.read_latency_ns, "ns", 0, MAXNS, 0, "0",
       "cell read latency, as the device's source gives it (the timing's read is "
       "crossbar.read_latency_ns)"),
    PD("device.write_latency_ns", device.write_latency_ns, "ns", 0, MAXNS, 0, "100",
       "one program-and-verify pulse of one row, its cells in parallel (default: the "
       "device type's)"),
    PD("device.program_verify_iterations", device.program_verify_iterations, "", 1, 1e6, 0,
       "10", "program-and-verify pulses per programmed cell, mean (default: the device "
       "type's)"),
    PD("device.endurance_cycles", device.endurance_cycles, "cycles", 0, 1e30, 0, "1e6",
       "write endurance (default: the device type's)"),
    PD("device.cell_area_f2", device.cell_area_f2, "F2", 0, 1e9, PF_GT_MIN, "12",
       "cell area in F^2 (default: the device type's)"),
    PD("device.variation_sigma", device.variation_sigma, "", 0, 1, 0, "0.0276",
       "device-to-device variation: relative sigma of a programmed conductance "
       "(nonideal.variation; default: the device type's)"),
    PD("device.read_noise_sigma", device.read_noise_sigma, "", 0, 1, 0, "0.01",
       "cycle-to-cycle read noise: relative sigma per read (nonideal.read_noise; default: "
       "the device type's)"),
    PD("device.drift_nu", device.drift_nu, "", 0, 1, 0, "0",
       "drift exponent: G(t) = G(t0) (t/t0)^-nu (nonideal.drift; default: the device "
       "type's)"),
    PD("device.drift_t0_s", device.drift_t0_s, "s", 0, 1e12, PF_GT_MIN, "1",
       "drift reference time t0 after programming (default: the device type's)"),
    PD("device.stuck_on_rate", device.stuck_on_rate, "", 0, 1, 0, "0.0904",
       "fraction of cells stuck at G_on (nonideal.stuck_at; default: the device type's)"),
    PD("device.stuck_off_rate", device.stuck_off_rate, "", 0, 1, 0, "0.0175",
       "fraction of cells stuck at G_off (nonideal.stuck_at; default: the device type's)"),

    PI("crossbar.rows", crossbar.rows, "", 1, 65536, "128", "rows (inputs) per crossbar"),
    PI("crossbar.cols", crossbar.cols, "", 1, 65536, "128",
       "data columns per crossbar (unit columns not included)"),
    PI("crossbar.unit_cols", crossbar.unit_cols, "", 0, 65536, "1",
       "extra unit/dummy columns per crossbar (offset scheme bias removal)"),
    PE("crossbar.signed_scheme", crossbar.signed_scheme, signed_names, "offset",
       "signed weights: offset (bias + unit column), differential (column pairs), none"),
    PB("crossbar.column_flip", crossbar.column_flip, "false",
       "ISAAC's flipped column encoding (saves one ADC bit)"),
    PD("crossbar.read_latency_ns", crossbar.read_latency_ns, "ns", 0, MAXNS, PF_GT_MIN, "100",
       "one analog read (one input slice)"),
    PI("crossbar.extra_read_cycles", crossbar.extra_read_cycles, "", 0, 1 << 20, "0",
       "input-slice slots per MVM beyond the input slices (pipeline fill)"),
    PD("crossbar.wire_resistance_ohm", crossbar.wire_resistance_ohm, "Ohm", 0, 1e9, 0, "2.12",
       "wire resistance between adjacent cells, rows and columns (nonideal.ir_drop; "
       "default: DNN+NeuroSim V1.0, 40 nm wire over a 4F 1T1R cell)"),
    COST("crossbar", crossbar.cost, "crossbar array"),

    PI("dac.bits", dac.bits, "bits", 1, 16, "1", "DAC resolution (input bits per cycle)"),
    PI("dac.per_crossbar", dac.per_crossbar, "", 1, 1 << 20, "128",
       "DACs per crossbar (normally = rows)"),
    COST("dac", dac.cost, "DAC"),

    PI("adc.bits", adc.bits, "bits", 1, 16, "8", "ADC resolution"),
    PEF("adc.model", adc.model, adc_model_name, "isaac",
        "ADC cost model (one file each in arch/adc/)"),
    PI("adc.cols_per_adc", adc.cols_per_adc, "", 1, 1 << 24, "128",
       "columns one ADC digitises per input slice (serialised)"),
    PD("adc.sample_rate_gsps", adc.sample_rate_gsps, "GS/s", 1e-6, 1e6, 0, "1.28",
       "conversions per second of one ADC"),
    PD("adc.walden_fom_fj", adc.walden_fom_fj, "fJ/step", 0, MAXD, 0, "0",
       "walden model: energy per conversion step"),
    PD("adc.enob", adc.enob, "bits", 0, 32, 0, "0",
       "walden model: effective bits (0 = adc.bits)"),
    PD("adc.leakage_mw", adc.cost.leakage_mw, "mW", 0, MAXD, 0, "0",
       "leakage of one ADC (energy and area come from the model)"),
    PI("adc.lsb", adc.lsb, "", 0, 1 << 20, "1",
       "column-sum units per ADC step: 1 = one cell level x one DAC level, sums above "
       "2^bits-1 saturate; 0 = the smallest power of two whose 2^bits-1 steps span the "
       "largest column sum (a full-range ADC that rounds)"),
    PD("adc.offset_lsb", adc.offset_lsb, "LSB", -1e6, 1e6, 0, "0",
       "offset of the transfer curve (nonideal.adc_error)"),
    PD("adc.gain_error", adc.gain_error, "", -0.99, 10, 0, "0",
       "relative gain error: code = round((1 + gain_error) x input + offset) "
       "(nonideal.adc_error)"),
    PD("adc.noise_lsb", adc.noise_lsb, "LSB", 0, 1e6, 0, "0",
       "input-referred noise sigma per conversion (nonideal.adc_error)"),

    PI("ce.crossbars", ce.crossbars, "", 1, 1 << 16, "8", "crossbars per compute element"),
    PI("ce.mvmu_crossbars", ce.mvmu_crossbars, "", 1, 1 << 16, "1",
       "crossbars mapped, driven and converted as one unit (PUMA's MVMU: 8); 1 = each on its own"),
    PI("ce.adcs", ce.adcs, "", 1, 1 << 20, "8", "ADCs per compute element"),
    UNIT_L("ce.sh", ce.sh, "sample-and-hold", "128", "per crossbar",
           " (not in the timing: it samples within the read, crossbar.read_latency_ns)"),
    UNIT("ce.sa", ce.sa, "shift-and-add unit", "4", "per compute element"),
    UNIT("ce.vfu", ce.vfu, "vector functional unit", "0", "per compute element"),
    PI("ce.vfu.lanes", ce.vfu.lanes, "", 1, 1 << 16, "1",
       "values one vector functional unit takes per cycle (its lanes); its power_mw, "
       "leakage_mw and area_mm2 are per lane"),
    PD("ce.vfu.peak_activity", ce.vfu_peak_activity, "", 0, 1, 0, "1",
       "share of the vector lanes the static roll-up counts active at peak (PUMA's tile "
       "power counts one lane of four: 0.25); runs charge the lanes each op uses"),
    REG("ce.input_reg", ce.input_reg, "CE input register", "2048"),
    REG("ce.output_reg", ce.output_reg, "CE output register", "256"),
    PX("ce.extras", ce,
       "other CE components counted for power/area: [{name, count, power_mw, leakage_mw, area_mm2}]"),

    PI("tile.ces", tile.ces, "", 1, 1 << 16, "12", "compute elements per tile"),
    PE("tile.buffer.type", tile.buffer.type, buf_names, "edram", "tile buffer memory"),
    PI("tile.buffer.size_kb", tile.buffer.size_kb, "KB", 0, 1 << 20, "64", "tile buffer capacity"),
    PI("tile.buffer.banks", tile.buffer.banks, "", 1, 1024, "2", "tile buffer banks"),
    PI("tile.buffer.bus_width_bits", tile.buffer.bus_width_bits, "bits", 1, 1 << 16, "256",
       "tile buffer port width"),
    PD("tile.buffer.access_latency_cycles", tile.buffer.access_latency_cycles, "cycles",
       0, 1e9, 0, "1", "tile buffer access latency, tile clock cycles"),
    COST("tile.buffer", tile.buffer.cost, "tile buffer (whole)"),
    COST("tile.bus", tile.bus, "buffer-to-CE bus"),
    PI("tile.bus_wires", tile.bus_wires, "", 1, 1 << 20, "384",
       "wires of the buffer-to-CE bus, as the source gives them (the timing's width is "
       "tile.buffer.bus_width_bits)"),
    UNIT("tile.activation", tile.activation, "activation unit", "2", "per tile"),
    UNIT("tile.sa", tile.sa, "tile shift-and-add unit", "1", "per tile"),
    UNIT("tile.pool", tile.pool, "pooling unit", "1", "per tile"),
    PE("tile.accum_unit", tile.accum_unit, unit_names, "sa",
       "unit adding the partial sums of other CEs and tiles: sa (tile.sa), activation, pool, "
       "or vfu (ce.vfu of the CE owning the columns)"),
    PE("tile.act_unit", tile.act_unit, unit_names, "activation",
       "unit applying activations: activation (tile.activation), sa, pool, or vfu"),
    PE("tile.pool_unit", tile.pool_unit, unit_names, "pool",
       "unit pooling: pool (tile.pool), sa, activation, or vfu"),
    PE("tile.add_unit", tile.add_unit, unit_names, "sa",
       "unit of residual adds and LSTM elementwise updates: sa (tile.sa), activation, pool, "
       "or vfu"),
    REG("tile.output_reg", tile.output_reg, "tile output register", "3072"),
    PX("tile.extras", tile,
       "other tile components counted for power/area: [{name, count, power_mw, leakage_mw, area_mm2}]"),

    PI("chip.tiles", chip.tiles, "", 1, 1 << 20, "16", "tiles per chip"),
    PI("chip.grid_x", chip.grid_x, "", 1, 256, "2", "routers along x (the NoC's limit)"),
    PI("chip.grid_y", chip.grid_y, "", 1, 256, "2", "routers along y (the NoC's limit)"),
    PI("chip.band_rows", chip.band_rows, "", 0, 4096, "0",
       "placement: the compiler's tiles fill bands of this many router rows column by column, "
       "so a layer's output leaves through as many parallel links (0: router rows in order)"),
    PE("chip.placement", chip.placement, placement_names, "fixed",
       "fixed (bands of chip.band_rows) or search: the compiler tries band_rows 0 to grid_y "
       "and keeps the one whose traces load the busiest NoC port least (the estimate's link "
       "loads; chip.band_rows first, ties keep the earlier; docs/compiler.md)"),
    PI("chip.chips", chip.chips, "", 1, 1 << 16, "1", "chips in the system"),
    PB("chip.gate_unused_tiles", chip.gate_unused_tiles, "true",
       "tiles without work are power-gated: they draw no static power"),
    PE("chip.noc.topology", chip.noc.topology, topo_names, "cmesh",
       "router topology: mesh, torus (wrap-around links) or cmesh (mesh, several tiles per router)"),
    PI("chip.noc.concentration", chip.noc.concentration, "", 1, 16, "4",
       "tiles (endpoints) per router"),
    PI("chip.noc.flit_bits", chip.noc.flit_bits, "bits", 1, 1 << 16, "32", "flit width"),
    PI("chip.noc.vcs", chip.noc.vcs, "", 1, 64, "2", "virtual channels per input port"),
    PI("chip.noc.vc_buf_flits", chip.noc.vc_buf_flits, "flits", 1, 4096, "8",
       "buffer depth of one virtual channel"),
    PI("chip.noc.packet_flits", chip.noc.packet_flits, "flits", 1, 1 << 16, "4",
       "maximum flits per packet"),
    PI("chip.noc.routing_delay", chip.noc.routing_delay, "cycles", 0, 64, "1",
       "route computation stage"),
    PI("chip.noc.vc_alloc_delay", chip.noc.vc_alloc_delay, "cycles", 0, 64, "1",
       "VC allocation stage"),
    PI("chip.noc.sw_alloc_delay", chip.noc.sw_alloc_delay, "cycles", 0, 64, "1",
       "switch allocation stage"),
    PI("chip.noc.st_delay", chip.noc.st_delay, "cycles", 0, 64, "1", "switch traversal stage"),
    PB("chip.noc.lookahead", chip.noc.lookahead, "false", "lookahead routing (removes RC)"),
    PI("chip.noc.credit_delay", chip.noc.credit_delay, "cycles", 1, 64, "1",
       "from a buffer read to its credit usable upstream (with credit_latency)"),
    PI("chip.noc.credit_latency", chip.noc.credit_latency, "cycles", 0, 64, "0",
       "credit channel latency, added to credit_delay"),
    PI("chip.noc.link_latency", chip.noc.link_latency, "cycles", 0, 64, "1",
       "link traversal (also the injection and ejection channels)"),
    PE("chip.noc.routing", chip.noc.routing, route_names, "xy",
       "routing function: xy, yx (dimension order), west_first, odd_even (adaptive, meshes only)"),
    PB("chip.noc.dateline", chip.noc.dateline, "true",
       "torus: dateline VC classes (false deadlocks; for tests)"),
    PE("chip.noc.vc_allocator", chip.noc.vc_allocator, vc_alloc_names, "greedy",
       "VC allocator: separable_input_first, separable_output_first, islip (a pointer per "
       "resource, fair) or greedy (one router-wide pointer, unfair)"),
    PE("chip.noc.sw_allocator", chip.noc.sw_allocator, sw_alloc_names, "separable_input_first",
       "switch allocator: separable_input_first, separable_output_first or islip"),
    PI("chip.noc.alloc_iters", chip.noc.alloc_iters, "", 1, 16, "1",
       "iSLIP iterations per cycle"),
    PI("chip.noc.input_speedup", chip.noc.input_speedup, "", 1, 2, "1",
       "crossbar inputs per input port (2: one per VC parity)"),
    PI("chip.noc.output_speedup", chip.noc.output_speedup, "", 1, 2, "1",
       "crossbar outputs per output port (2: two flits a cycle into an output queue)"),
    PB("chip.noc.wait_for_tail_credit", chip.noc.wait_for_tail_credit, "false",
       "an output VC is reallocated once its tail's credit is back, not when the tail leaves"),
    PI("chip.noc.watchdog_cycles", chip.noc.watchdog_cycles, "cycles", 0, 2147483647, "100000",
       "a flit waiting this long is reported (starvation); nothing moving this long stops "
       "the network (deadlock); 0 = off"),
    PB("chip.noc.multicast", chip.noc.multicast, "false",
       "routers replicate multicast packets (a dimension-order tree) instead of one unicast "
       "copy per destination"),
    PD("chip.noc.clock_ghz", chip.noc.clock_ghz, "GHz", 0.001, 1000, 0, "1.2", "NoC clock"),
    COST("chip.noc.router", chip.noc.router, "router"),
    PD("chip.noc.link_energy_pj_per_bit", chip.noc.link_energy_pj_per_bit, "pJ/bit", 0,
       MAXD, 0, "0", "energy to move one bit over one link"),
    PD("chip.noc.buffer_energy_pj_per_flit", chip.noc.buffer_energy_pj_per_flit, "pJ/flit",
       0, MAXD, 0, "0", "router buffer write+read energy per flit"),
    PD("chip.noc.xbar_energy_pj_per_flit", chip.noc.xbar_energy_pj_per_flit, "pJ/flit", 0,
       MAXD, 0, "0", "router crossbar energy per flit"),
    PI("chip.offchip.links", chip.offchip.links, "", 0, 1024, "4",
       "off-chip links (0 only when nothing crosses them: one chip, host_io preloaded)"),
    PI("chip.offchip.gateways", chip.offchip.gateways, "", 0, 1024, "1",
       "NoC endpoints the off-chip links attach to, spread round the chip's edge; the "
       "links are split evenly among them (docs/run.md, \"Chips and the host\"); 0: one "
       "per link, or the most that divide the links and fit the edge's routers and the tiles"),
    PE("chip.offchip.gateway_port", chip.offchip.gateway_port, gateway_port_names, "shared",
       "a gateway's NoC endpoint: shared (a tile's local port, the chip's last tiles') or "
       "own (a local port of its own on its edge router, the tiles' placement unmoved)"),
    PD("chip.offchip.bandwidth_gbps", chip.offchip.bandwidth_gbps, "GB/s", 0, 1e6, 0, "6.4",
       "bandwidth of one off-chip link (0 only when nothing crosses it)"),
    PD("chip.offchip.latency_ns", chip.offchip.latency_ns, "ns", 0, MAXNS, 0, "0",
       "off-chip link latency"),
    PD("chip.offchip.energy_pj_per_bit", chip.offchip.energy_pj_per_bit, "pJ/bit", 0, MAXD,
       0, "0", "off-chip transfer energy"),
    PD("chip.offchip.power_w", chip.offchip.power_w, "W", 0, MAXD, 0, "0",
       "static power of all off-chip links of one chip"),
    PE("chip.offchip.power_scope", chip.offchip.power_scope, scope_names, "always",
       "when the links draw power_w: always (the whole run) or transfers (only while "
       "they carry data)"),
    PE("chip.offchip.host_io", chip.offchip.host_io, host_io_names, "links",
       "the network's input and output: links (streamed over the off-chip links) or "
       "preloaded (in the tile buffers at the start, as PUMAsim assumes)"),
    PD("chip.offchip.area_mm2", chip.offchip.area_mm2, "mm2", 0, MAXD, 0, "0",
       "area of all off-chip links of one chip"),

    PI("precision.weight_bits", precision.weight_bits, "bits", 1, 64, "16", "weight precision"),
    PI("precision.act_bits", precision.act_bits, "bits", 1, 64, "16",
       "activation (MVM input) precision"),
    PI("precision.input_bits_per_cycle", precision.input_bits_per_cycle, "bits", 1, 16, "1",
       "input bits applied per crossbar read (= dac.bits)"),
    PB("precision.signed_inputs", precision.signed_inputs, "true",
       "two's-complement inputs (MSB slice subtracted)"),

    /* Non-idealities of the functional model (docs/functional.md): each
     * off = ideal; timing and energy never depend on them. */
    PB("nonideal.variation", nonideal.variation, "false",
       "device-to-device conductance variation (device.variation_sigma)"),
    PB("nonideal.read_noise", nonideal.read_noise, "false",
       "cycle-to-cycle read noise (device.read_noise_sigma)"),
    PB("nonideal.stuck_at", nonideal.stuck_at, "false",
       "stuck-at-ON/OFF cells (device.stuck_on_rate, device.stuck_off_rate)"),
    PB("nonideal.drift", nonideal.drift, "false",
       "conductance drift until nonideal.drift_time_s (device.drift_nu, device.drift_t0_s)"),
    PD("nonideal.drift_time_s", nonideal.drift_time_s, "s", 0, 1e12, 0, "3600",
       "time from programming to inference"),
    PB("nonideal.on_off_ratio", nonideal.on_off_ratio, "false",
       "finite on/off ratio: level 0 conducts G_on/device.on_off_ratio"),
    PB("nonideal.ir_drop", nonideal.ir_drop, "false",
       "IR drop along rows and columns (crossbar.wire_resistance_ohm, device.g_on_us)"),
    PI("nonideal.ir_drop_iterations", nonideal.ir_drop_iterations, "", 1, 1000, "4",
       "refinements of the IR-drop model per read (docs/functional.md)"),
    PB("nonideal.adc_error", nonideal.adc_error, "false",
       "ADC offset, gain error and noise (adc.offset_lsb, adc.gain_error, adc.noise_lsb)"),
};

#define NPARAMS (sizeof table / sizeof table[0])

const arch_param_t *arch_params(size_t *n)
{
    *n = NPARAMS;
    return table;
}

const arch_param_t *arch_param_find(const char *key)
{
    return (const arch_param_t *)desc_find(table, sizeof table[0], NPARAMS, key);
}

const char *arch_param_enum_name(const arch_param_t *p, int i)
{
    if (p->name_of)
        return p->name_of(i);
    for (int k = 0; k <= i; k++)
        if (!p->names[k])
            return NULL;
    return p->names[i];
}

int arch_param_index(const arch_param_t *p) { return (int)(p - table); }


/* The type and bounds of a parameter in two voices: the schema's ("int
 * [1, 16]", expect = 0) and an error's ("an integer in [1, 16]"). */
static void describe(const arch_param_t *p, int expect, char *buf, size_t n)
{
    char range[96] = "";
    if (p->d.type == DESC_INT)
        snprintf(range, sizeof range, "[%.0f, %.0f]", p->min, p->max);
    else if (p->d.type == DESC_F64)
        snprintf(range, sizeof range, "%s%g, %g]", (p->flags & PF_GT_MIN) ? "(" : "[", p->min,
                 p->max);
    switch (p->d.type) {
    case DESC_INT:
        snprintf(buf, n, "%s %s", expect ? "an integer in" : "int", range);
        break;
    case DESC_F64:
        snprintf(buf, n, "%s %s", expect ? "a number in" : "number", range);
        break;
    case DESC_BOOL:
        snprintf(buf, n, "%s", expect ? "true or false" : "bool");
        break;
    case DESC_STR:
        snprintf(buf, n, expect ? "non-empty UTF-8 text of fewer than %zu bytes"
                                : "string (< %zu bytes)", p->offset2);
        break;
    case DESC_LIST:
        if (expect)
            snprintf(buf, n, "a sequence of {name, count, power_mw, leakage_mw, area_mm2}");
        else
            snprintf(buf, n, "list (<= %d items)", ARCH_MAX_EXTRAS);
        break;
    case DESC_U64: /* counters, not parameters */
        snprintf(buf, n, "?");
        break;
    case DESC_ENUM: {
        size_t used = (size_t)snprintf(buf, n, "one of {");
        const char *nm;
        for (int i = 0; (nm = arch_param_enum_name(p, i)) && used < n; i++)
            used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "", nm);
        if (used < n)
            snprintf(buf + used, n - used, "}");
        break;
    }
    }
}

void arch_param_describe_type(const arch_param_t *p, char *buf, size_t n) { describe(p, 0, buf, n); }

void arch_param_expect(const arch_param_t *p, char *buf, size_t n) { describe(p, 1, buf, n); }

static void *field(arch_t *a, size_t off) { return (char *)a + off; }
static const void *cfield(const arch_t *a, size_t off) { return (const char *)a + off; }

static int in_bounds(const arch_param_t *p, double v)
{
    if (p->flags & PF_GT_MIN)
        return v > p->min && v <= p->max;
    return v >= p->min && v <= p->max;
}

/* why = "expected ..." for a refused value; -1. Only on the error path:
 * the text costs more than setting a value. */
static int refuse(const arch_param_t *p, char *why, size_t n)
{
    char ex[300];
    arch_param_expect(p, ex, sizeof ex);
    snprintf(why, n, "expected %s", ex);
    return -1;
}

int arch_param_set_text(arch_t *a, const arch_param_t *p, const char *text,
                        char *why, size_t n)
{
    switch (p->d.type) {
    case DESC_INT: {
        int64_t v;
        if (parse_int64(text, &v) || !in_bounds(p, (double)v))
            return refuse(p, why, n);
        *(int *)field(a, p->d.offset) = (int)v;
        return 0;
    }
    case DESC_F64: {
        double v;
        if (parse_double(text, &v) || !in_bounds(p, v))
            return refuse(p, why, n);
        *(double *)field(a, p->d.offset) = v;
        return 0;
    }
    case DESC_BOOL: {
        int v;
        if (parse_bool(text, &v))
            return refuse(p, why, n);
        *(int *)field(a, p->d.offset) = v;
        return 0;
    }
    case DESC_ENUM:
        for (int i = 0; arch_param_enum_name(p, i); i++)
            if (!strcmp(arch_param_enum_name(p, i), text)) {
                *(int *)field(a, p->d.offset) = i;
                return 0;
            }
        return refuse(p, why, n);
    case DESC_STR: /* UTF-8, so the dump (YAML) reads back as the same text */
        if (strlen(text) >= p->offset2 || !*text || !str_is_utf8(text))
            return refuse(p, why, n);
        snprintf((char *)field(a, p->d.offset), p->offset2, "%s", text);
        return 0;
    case DESC_LIST:
        snprintf(why, n, "expected a YAML list, not a single value");
        return -1;
    case DESC_U64:
        break;
    }
    return -1;
}

void arch_param_get_text(const arch_t *a, const arch_param_t *p, char *buf, size_t n)
{
    double v = desc_num(a, &p->d); /* the numeric types, read as the stats are */
    switch (p->d.type) {
    case DESC_INT:
    case DESC_U64:
        snprintf(buf, n, "%.0f", v);
        break;
    case DESC_F64:
        fmt_exact(buf, n, v);
        break;
    case DESC_BOOL:
        snprintf(buf, n, "%s", v ? "true" : "false");
        break;
    case DESC_ENUM: {
        const char *nm = arch_param_enum_name(p, (int)v);
        snprintf(buf, n, "%s", nm ? nm : "?");
        break;
    }
    case DESC_STR:
        snprintf(buf, n, "%s", (const char *)cfield(a, p->d.offset));
        break;
    case DESC_LIST:
        snprintf(buf, n, "[]");
        break;
    }
}

void arch_params_defaults(arch_t *a)
{
    memset(a, 0, sizeof *a);
    char why[256];
    for (size_t i = 0; i < NPARAMS; i++) {
        if (table[i].d.type == DESC_LIST)
            continue;
        if (arch_param_set_text(a, &table[i], table[i].def, why, sizeof why))
            abort(); /* a broken default is a programming error (tested) */
    }
}
