/* arch_t: one accelerator, fully resolved (presets applied, overrides applied,
 * defaults filled, derived values computed). Immutable once loaded: every
 * other part of imcsim reads it and none writes it.
 *
 * Units are part of every field name (_mw, _mm2, _ns, _pj, _ghz, _bits, ...).
 * Power and area of a component are for ONE instance of it. */
#ifndef IMC_ARCH_H
#define IMC_ARCH_H

#include <stdint.h>

#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ARCH_NAME_MAX 64
#define ARCH_MAX_EXTRAS 16

typedef enum {
    DEV_SRAM, DEV_RRAM, DEV_PCM, DEV_MRAM, DEV_FEFET, DEV_DRAM, DEV_COUNT_
} arch_device_type_t;

typedef enum {
    SIGNED_OFFSET,       /* weights biased by 2^(wb-1), removed with a unit column */
    SIGNED_DIFFERENTIAL, /* positive and negative columns, subtracted */
    SIGNED_NONE          /* unsigned weights only */
} arch_signed_scheme_t;

typedef enum { BUF_EDRAM, BUF_SRAM } arch_buffer_type_t;
typedef enum { TOPO_MESH, TOPO_TORUS, TOPO_CMESH } arch_topology_t;
typedef enum { ROUTE_XY, ROUTE_YX, ROUTE_WEST_FIRST, ROUTE_ODD_EVEN } arch_routing_t;
/* NoC allocators (docs/noc.md): the VC allocator also has today's greedy
 * single-pointer pass, which is fast but unfair. */
typedef enum {
    ALLOC_SEPARABLE_INPUT_FIRST, ALLOC_SEPARABLE_OUTPUT_FIRST, ALLOC_ISLIP, ALLOC_GREEDY
} arch_alloc_t;

/* Power (dynamic at full activity, and leakage) and area of one instance. */
typedef struct arch_cost {
    double power_mw;
    double leakage_mw;
    double area_mm2;
} arch_cost_t;

/* A component that only contributes to power/area (e.g. PUMA's instruction
 * memory): active whenever its level is active. */
typedef struct arch_extra {
    char name[ARCH_NAME_MAX];
    int count; /* per instance of the level that holds it */
    arch_cost_t cost;
} arch_extra_t;

typedef struct arch_tech {
    int node_nm;
    double clock_ghz; /* tile digital logic */
    double vdd_v;
} arch_tech_t;

/* A memory device. device.type selects a parameter set with published values
 * (arch/device/dev_<type>.c); the configuration may override each value. */
typedef struct arch_device {
    arch_device_type_t type;
    int bits_per_cell;
    double on_off_ratio;     /* G_on / G_off (finite on/off non-ideality) */
    double g_on_us;          /* conductance of the highest level (IR drop) */
    double read_energy_pj;   /* per cell read (0: crossbar power x read time) */
    double write_energy_pj;  /* one program-and-verify pulse of one cell */
    double read_latency_ns;
    double write_latency_ns; /* one pulse of one row (a row's cells in parallel) */
    double program_verify_iterations; /* pulses per programmed cell, mean */
    double endurance_cycles;
    double cell_area_f2;
    double variation_sigma;  /* device-to-device: relative sigma of a cell's conductance */
    double read_noise_sigma; /* cycle-to-cycle: relative sigma per read */
    double drift_nu;         /* G(t) = G(t0) (t/t0)^-nu */
    double drift_t0_s;
    double stuck_on_rate, stuck_off_rate; /* fraction of cells stuck at G_on / G_off */
} arch_device_t;

/* Which non-idealities the functional model applies (all off = ideal devices,
 * exact integer column sums). Their magnitudes are device.*, crossbar.* and
 * adc.* parameters. */
typedef struct arch_nonideal {
    int variation, read_noise, stuck_at, drift, on_off_ratio, ir_drop, adc_error;
    double drift_time_s;     /* time from programming to inference */
    int ir_drop_iterations;  /* refinements of the IR-drop model (docs/functional.md) */
} arch_nonideal_t;

typedef struct arch_crossbar {
    int rows, cols;
    int unit_cols;                 /* ISAAC's unit column(s) for bias removal */
    arch_signed_scheme_t signed_scheme;
    int column_flip;               /* ISAAC's flipped encoding: saves one ADC bit */
    double read_latency_ns;        /* one analog read (one input slice) */
    int extra_read_cycles;         /* read slots per MVM beyond the input slices
                                      (pipeline fill, e.g. PUMA's +2) */
    double wire_resistance_ohm;    /* row and column wire between adjacent cells */
    arch_cost_t cost;              /* one crossbar array */
} arch_crossbar_t;

typedef struct arch_dac {
    int bits;
    int per_crossbar;              /* normally = rows */
    arch_cost_t cost;              /* one DAC */
} arch_dac_t;

typedef struct arch_adc {
    int bits;
    int model;                     /* index into the ADC model registry (adc_model.h) */
    int cols_per_adc;              /* columns sharing one ADC (serialised) */
    double sample_rate_gsps;
    double walden_fom_fj;          /* walden model: fJ per conversion step */
    double enob;                   /* walden model; 0 = bits */
    int lsb;                       /* column-sum units per ADC step (0 in a file: resolved to
                                      the smallest power of two spanning the lossless range) */
    double offset_lsb;             /* non-ideal transfer: code = round((1+gain_error)*v */
    double gain_error;             /*   + offset_lsb + noise), noise ~ N(0, noise_lsb) */
    double noise_lsb;
    /* Resolved by the cost model at load time (per ADC, per conversion). */
    double energy_pj;
    double latency_ns;
    arch_cost_t cost;
} arch_adc_t;

typedef struct arch_unit {         /* a simple digital unit */
    int count;
    double latency_cycles;         /* in tile clock cycles */
    arch_cost_t cost;              /* one instance */
    int lanes;                     /* values one instance takes per cycle (0 = 1); with
                                      lanes, power, leakage and area are per lane */
} arch_unit_t;

/* The units a tile function (partial-sum reduction, activation, pooling,
 * residual add) can run on: the tile's own S+A, activation or pooling units,
 * or the vector units of the CE that owns the data (PUMA's VFU lanes). */
typedef enum { UNIT_SA, UNIT_ACTIVATION, UNIT_POOL, UNIT_VFU, UNIT_KIND_COUNT_ } arch_unit_kind_t;

/* Off-chip link static power: for the whole run (ISAAC's "constant 10.4 W"),
 * or only while the links carry data. */
typedef enum { OFFCHIP_ALWAYS, OFFCHIP_TRANSFERS } arch_offchip_scope_t;

/* The network's input and output: streamed over the off-chip links, or
 * already in the first layers' tile buffers and left in the last layers'
 * (PUMAsim's assumption). */
typedef enum { HOST_IO_LINKS, HOST_IO_PRELOADED } arch_host_io_t;
/* A gateway's NoC endpoint: a tile's local port it shares, or one of its own. */
typedef enum { GATEWAY_PORT_SHARED, GATEWAY_PORT_OWN } arch_gateway_port_t;

typedef struct arch_reg {
    int bytes;
    arch_cost_t cost;
} arch_reg_t;

typedef struct arch_ce {           /* compute element (ISAAC IMA, PUMA core) */
    int crossbars;
    int mvmu_crossbars;            /* crossbars driven and converted as one unit (PUMA's
                                      MVMU: 8); 1 = each crossbar on its own */
    int adcs;
    arch_unit_t sh;                /* sample-and-hold: count is per crossbar */
    arch_unit_t sa;                /* shift-and-add units */
    arch_unit_t vfu;               /* vector functional units (PUMA), lanes wide; cost per lane */
    double vfu_peak_activity;      /* share of the lanes the static roll-up counts active */
    arch_reg_t input_reg;
    arch_reg_t output_reg;
    int n_extras;
    arch_extra_t extras[ARCH_MAX_EXTRAS];
} arch_ce_t;

typedef struct arch_buffer {
    arch_buffer_type_t type;
    int size_kb;
    int banks;
    int bus_width_bits;
    double access_latency_cycles;  /* tile clock cycles */
    arch_cost_t cost;              /* the whole buffer */
} arch_buffer_t;

typedef struct arch_tile {
    int ces;
    arch_buffer_t buffer;
    arch_cost_t bus;               /* buffer-to-CE bus */
    int bus_wires;
    arch_unit_t activation;        /* sigmoid/tanh/relu units */
    arch_unit_t sa;
    arch_unit_t pool;
    arch_unit_kind_t accum_unit;   /* where each function runs */
    arch_unit_kind_t act_unit;
    arch_unit_kind_t pool_unit;
    arch_unit_kind_t add_unit;
    arch_reg_t output_reg;
    int n_extras;
    arch_extra_t extras[ARCH_MAX_EXTRAS];
} arch_tile_t;

typedef struct arch_noc {
    arch_topology_t topology;
    int concentration;             /* tiles per router (cmesh) */
    int flit_bits;
    int vcs;
    int vc_buf_flits;
    int packet_flits;              /* max flits per packet */
    int routing_delay, vc_alloc_delay, sw_alloc_delay, st_delay; /* cycles */
    int lookahead;                 /* lookahead routing removes RC */
    int credit_delay;              /* cycles: credit processing upstream */
    int credit_latency;            /* cycles: the credit channel */
    int link_latency;
    arch_routing_t routing;
    int dateline;                  /* torus: dateline VC classes (deadlock-free) */
    arch_alloc_t vc_allocator;     /* any arch_alloc_t */
    arch_alloc_t sw_allocator;     /* any but ALLOC_GREEDY */
    int alloc_iters;               /* iSLIP iterations */
    int input_speedup, output_speedup; /* crossbar ports per router port */
    int wait_for_tail_credit;      /* an output VC is reallocated once its tail's credit is back */
    int watchdog_cycles;           /* starvation / deadlock threshold; 0 = off */
    int multicast;                 /* routers replicate multicast packets */
    double clock_ghz;
    arch_cost_t router;            /* one router */
    double link_energy_pj_per_bit;
    double buffer_energy_pj_per_flit;
    double xbar_energy_pj_per_flit;
} arch_noc_t;

typedef struct arch_offchip {
    int links;
    int gateways;                  /* NoC endpoints the links attach to (placement.c) */
    arch_gateway_port_t gateway_port;
    double bandwidth_gbps;         /* per link, GB/s */
    double latency_ns;
    double energy_pj_per_bit;
    double power_w;                /* static, all links of one chip */
    arch_offchip_scope_t power_scope;
    arch_host_io_t host_io;
    double area_mm2;
} arch_offchip_t;

/* chip.placement: bands of chip.band_rows, or the compiler searches them
 * (sim/placement_search.c) and sets band_rows to the one it keeps */
typedef enum { PLACEMENT_FIXED, PLACEMENT_SEARCH } arch_placement_t;

typedef struct arch_chip {
    int tiles;
    int grid_x, grid_y;            /* router grid (tiles = grid_x*grid_y*concentration) */
    int band_rows;                 /* placement (placement.c): 0 row-major, else bands */
    arch_placement_t placement;
    int chips;                     /* chips in the system */
    int gate_unused_tiles;         /* tiles without work draw no static power */
    arch_noc_t noc;
    arch_offchip_t offchip;
} arch_chip_t;

typedef struct arch_precision {
    int weight_bits;
    int act_bits;                  /* activations = MVM input bits */
    int input_bits_per_cycle;      /* = dac.bits */
    int signed_inputs;
} arch_precision_t;

/* Values computed from the above at load time. */
typedef struct arch_derived {
    int slices_per_weight;         /* weight_bits / bits_per_cell (x2 if differential) */
    int weights_per_crossbar_row;  /* logical weights held in one row */
    int input_cycles;              /* input slices of an MVM (act_bits / input_bits_per_cycle;
                                      signed: the sign bit in a slice of its own) */
    int lossless_adc_bits;         /* with the encoding's saving applied */
    int routers;
    int64_t crossbars_per_chip;
    double adc_busy_ns;            /* one ADC's conversions of its columns in a slice:
                                      cols_per_adc * adc.latency_ns */
    double slice_ns;               /* one input slice: max(crossbar read, adc_busy_ns) */
    double mvm_latency_ns;         /* one full-precision MVM on one crossbar:
                                      (input_cycles + extra_read_cycles) * slice_ns */
    double adc_conversions_per_mvm;/* per crossbar, incl. unit columns */
} arch_derived_t;

typedef struct arch {
    char name[ARCH_NAME_MAX];
    char base[ARCH_NAME_MAX];      /* preset it started from, or "" */
    char source[256];              /* file it came from */
    arch_tech_t tech;
    arch_device_t device;
    arch_crossbar_t crossbar;
    arch_dac_t dac;
    arch_adc_t adc;
    arch_ce_t ce;
    arch_tile_t tile;
    arch_chip_t chip;
    arch_precision_t precision;
    arch_nonideal_t nonideal;
    arch_derived_t derived;
    uint64_t hash;                 /* FNV-1a of the effective configuration
                                      (every parameter but the name) */
} arch_t;

/* The units of kind k (a tile function runs on them, tile.*_unit): the
 * tile's own, or the vector unit of each CE. */
static inline const arch_unit_t *arch_unit_of(const arch_t *a, arch_unit_kind_t k)
{
    return k == UNIT_ACTIVATION ? &a->tile.activation
           : k == UNIT_POOL     ? &a->tile.pool
           : k == UNIT_VFU      ? &a->ce.vfu
                                : &a->tile.sa;
}

/* The NoC endpoint of a chip's tile (0 .. chip.tiles-1), by chip.band_rows
 * (placement.c). Endpoint e is at router e / concentration, routers row-major. */
int arch_tile_endpoint(const arch_t *a, int tile);
/* Input slices of one MVM of act_bits-bit inputs (derived.input_cycles at
 * precision.act_bits): act_bits / dac bits, the sign bit in a slice of its own
 * with signed inputs, as components/ce.c ce_input_slices() applies them. */
int arch_input_cycles(const arch_t *a, int act_bits);
/* A chip's off-chip gateways (chip.offchip.gateways, at least 1; 0 there is
 * one per link, or the most that divide the links and fit the grid's edge and
 * the tiles; placement.c): gateway g's endpoint, the gateway whose endpoint
 * is `endpoint` (-1: none), how many routers the grid's edge has (the most
 * gateways it holds), and the gateway a flow between chips takes out of its
 * sender's chip and into its receiver's: (src_tile + dst_tile) mod gateways,
 * global tile numbers, dst_tile -1 for the host (counted as 0). One flow
 * keeps one path; many flows spread over the links, as a router's hash of
 * the flow spreads them. */
int arch_gateways(const arch_t *a);
/* Local ports per router in the NoC: chip.noc.concentration tiles' ports,
 * and one more for a gateway with a port of its own
 * (chip.offchip.gateway_port: own; unused on the routers without one).
 * Endpoint e sits on router e / arch_noc_local_ports. */
int arch_noc_local_ports(const arch_t *a);
int arch_gateway_endpoint(const arch_t *a, int g);
int arch_endpoint_gateway(const arch_t *a, int endpoint);
int arch_edge_routers(const arch_t *a);
int arch_flow_gateway(const arch_t *a, int src_tile, int dst_tile);

#ifdef __cplusplus
}
#endif
#endif
