// The example virtual platform's parts (docs/vp.md): a memory and a TLM
// router, the smallest a platform needs around imc::Accelerator. Plain
// SystemC/TLM-2.0, loosely timed; the tests of the accelerator use them too.
#ifndef IMC_EXAMPLE_VP_PLATFORM_H
#define IMC_EXAMPLE_VP_PLATFORM_H

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace vp {

// A RAM: every transaction costs latency + bytes x time per byte (added to
// the transaction's delay, never waited for); byte enables honoured. With dmi
// on it grants DMI, quoting the cost of a dmi_burst-byte transaction as the
// latency of one access.
class Memory : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<Memory> socket;
    unsigned char *mem;  // zero pages from calloc: a large RAM costs what is touched
    uint64_t size;
    sc_core::sc_time latency, per_byte;
    bool dmi = false;
    unsigned dmi_burst = 4096; // bytes per DMI access the latency is quoted for

    Memory(sc_core::sc_module_name n, uint64_t bytes, sc_core::sc_time lat, sc_core::sc_time pb)
        : sc_module(n), socket("socket"), mem(static_cast<unsigned char *>(std::calloc(bytes, 1))),
          size(bytes), latency(lat), per_byte(pb)
    {
        if (!mem)
            SC_REPORT_FATAL("vp::Memory", "out of memory");
        socket.register_b_transport(this, &Memory::b_transport);
        socket.register_transport_dbg(this, &Memory::transport_dbg);
        socket.register_get_direct_mem_ptr(this, &Memory::get_dmi);
    }

    ~Memory() override { std::free(mem); }
    Memory(const Memory &) = delete;
    Memory &operator=(const Memory &) = delete;

    // The delay of one transaction of n bytes.
    sc_core::sc_time cost(uint64_t n) const { return latency + per_byte * (double)n; }

  private:
    bool access(tlm::tlm_generic_payload &gp, bool debug = false)
    {
        const uint64_t a = gp.get_address(), n = gp.get_data_length();
        if (a >= size || n > size - a) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return false;
        }
        if (!debug && gp.get_streaming_width() < n) { // no streaming (FIFO) access
            gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
            return false;
        }
        unsigned char *m = &mem[a], *d = gp.get_data_ptr();
        const unsigned char *be = gp.get_byte_enable_ptr();
        const unsigned bel = gp.get_byte_enable_length();
        for (uint64_t i = 0; i < n; i++) {
            if (be && bel && be[i % bel] != TLM_BYTE_ENABLED)
                continue;
            if (gp.is_read())
                d[i] = m[i];
            else if (gp.is_write())
                m[i] = d[i];
        }
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        return true;
    }
    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
    {
        if (access(gp))
            delay += cost(gp.get_data_length());
        gp.set_dmi_allowed(dmi);
    }
    unsigned transport_dbg(tlm::tlm_generic_payload &gp)
    {
        return access(gp, true) ? gp.get_data_length() : 0;
    }
    bool get_dmi(tlm::tlm_generic_payload &, tlm::tlm_dmi &d)
    {
        if (!dmi)
            return false;
        d.set_dmi_ptr(mem);
        d.set_start_address(0);
        d.set_end_address(size - 1);
        d.allow_read_write();
        d.set_read_latency(cost(dmi_burst));
        d.set_write_latency(cost(dmi_burst));
        return true;
    }
};

// An address decoder: initiators bind to `in` (tagged by their index),
// targets to `out` in the order of their ranges; addresses are made relative
// to the target's base; unmapped ones get TLM_ADDRESS_ERROR_RESPONSE. DMI
// requests and invalidations are translated both ways. No delay added.
class Router : public sc_core::sc_module {
  public:
    struct Range {
        uint64_t base, size;
    };
    std::vector<std::unique_ptr<tlm_utils::simple_target_socket_tagged<Router>>> in;
    std::vector<std::unique_ptr<tlm_utils::simple_initiator_socket_tagged<Router>>> out;

    Router(sc_core::sc_module_name n, int initiators, const std::vector<Range> &targets)
        : sc_module(n), ranges_(targets)
    {
        for (size_t t = 0; t < targets.size(); t++) {
            out.emplace_back(new tlm_utils::simple_initiator_socket_tagged<Router>(
                ("out" + std::to_string(t)).c_str()));
            out.back()->register_invalidate_direct_mem_ptr(this, &Router::invalidate, (int)t);
        }
        for (int i = 0; i < initiators; i++) {
            in.emplace_back(new tlm_utils::simple_target_socket_tagged<Router>(
                ("in" + std::to_string(i)).c_str()));
            in.back()->register_b_transport(this, &Router::b_transport, i);
            in.back()->register_transport_dbg(this, &Router::transport_dbg, i);
            in.back()->register_get_direct_mem_ptr(this, &Router::get_dmi, i);
        }
    }
  private:
    std::vector<Range> ranges_;
    int decode(tlm::tlm_generic_payload &gp)
    {
        const uint64_t a = gp.get_address();
        for (size_t t = 0; t < ranges_.size(); t++)
            if (a >= ranges_[t].base && a - ranges_[t].base < ranges_[t].size) {
                gp.set_address(a - ranges_[t].base);
                return (int)t;
            }
        return -1;
    }
    void b_transport(int, tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
    {
        const uint64_t a = gp.get_address();
        const int t = decode(gp);
        if (t < 0) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        (*out[(size_t)t])->b_transport(gp, delay);
        gp.set_address(a);
    }
    unsigned transport_dbg(int, tlm::tlm_generic_payload &gp)
    {
        const uint64_t a = gp.get_address();
        const int t = decode(gp);
        unsigned n = t < 0 ? 0 : (*out[(size_t)t])->transport_dbg(gp);
        gp.set_address(a);
        return n;
    }
    bool get_dmi(int, tlm::tlm_generic_payload &gp, tlm::tlm_dmi &d)
    {
        const int t = decode(gp);
        if (t < 0 || !(*out[(size_t)t])->get_direct_mem_ptr(gp, d))
            return false;
        const uint64_t b = ranges_[(size_t)t].base;
        d.set_start_address(d.get_start_address() + b);
        d.set_end_address(std::min<uint64_t>(d.get_end_address(), ranges_[(size_t)t].size - 1) + b);
        return true;
    }
    void invalidate(int t, sc_dt::uint64 s, sc_dt::uint64 e)
    {
        const uint64_t b = ranges_[(size_t)t].base;
        for (auto &i : in)
            (*i)->invalidate_direct_mem_ptr(s + b, e + b);
    }
};

} // namespace vp

#endif
