// The job runner behind imc::Accelerator (vp_worker.h).
#include <systemc>

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "functional.h"
#include "image.h"
#include "imc_accelerator.h"
#include "placement_search.h"
#include "vp_worker.h"

namespace imc_vp {

namespace {

// All n bytes through fd, or false. Channels are socket pairs: a peer that is
// gone makes send fail (EPIPE) instead of raising SIGPIPE in the platform.
bool move_all(int fd, char *c, size_t n, bool out)
{
    while (n) {
        ssize_t k = out ? ::send(fd, c, n, MSG_NOSIGNAL) : ::read(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        c += k;
        n -= (size_t)k;
    }
    return true;
}

bool write_all(int fd, const void *p, size_t n)
{
    return move_all(fd, const_cast<char *>(static_cast<const char *>(p)), n, true);
}

bool read_all(int fd, void *p, size_t n) { return move_all(fd, static_cast<char *>(p), n, false); }

// Everything a fd carries until EOF.
std::vector<uint8_t> read_to_eof(int fd)
{
    std::vector<uint8_t> v;
    uint8_t b[65536];
    for (;;) {
        ssize_t k = ::read(fd, b, sizeof b);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return v;
        v.insert(v.end(), b, b + k);
    }
}

// A result on the wire: fixed fields, the message, the outputs.
struct Wire {
    uint32_t error, msg_len;
    uint64_t err_off, compute_ps, cycles, inferences, macs, adc, energy_pj, n_out;
};

std::vector<uint8_t> encode(const JobResult &r)
{
    Wire w{r.error, (uint32_t)r.message.size(), r.err_off, r.compute_ps, r.cycles, r.inferences,
           r.macs, r.adc_conversions, r.energy_pj, (uint64_t)r.outputs.size()};
    std::vector<uint8_t> v(sizeof w + r.message.size() + 4 * r.outputs.size());
    std::memcpy(v.data(), &w, sizeof w);
    std::memcpy(v.data() + sizeof w, r.message.data(), r.message.size());
    if (!r.outputs.empty())
        std::memcpy(v.data() + sizeof w + r.message.size(), r.outputs.data(), 4 * r.outputs.size());
    return v;
}

bool decode(const std::vector<uint8_t> &v, JobResult *r)
{
    Wire w;
    if (v.size() < sizeof w)
        return false;
    std::memcpy(&w, v.data(), sizeof w);
    if (v.size() != sizeof w + w.msg_len + 4 * w.n_out)
        return false;
    r->error = w.error;
    r->err_off = w.err_off;
    r->message.assign(reinterpret_cast<const char *>(v.data()) + sizeof w, w.msg_len);
    r->compute_ps = w.compute_ps;
    r->cycles = w.cycles;
    r->inferences = w.inferences;
    r->macs = w.macs;
    r->adc_conversions = w.adc;
    r->energy_pj = w.energy_pj;
    r->outputs.resize(w.n_out);
    if (w.n_out)
        std::memcpy(r->outputs.data(), v.data() + sizeof w + w.msg_len, 4 * w.n_out);
    return true;
}

void set_error(JobResult *r, uint32_t code, imc_diag_t *d)
{
    r->error = code;
    r->message = d->len ? std::string(d->text, d->len) : "error";
    while (!r->message.empty() && r->message.back() == '\n')
        r->message.pop_back();
}

// The outputs of every inference through the functional model.
int infer_all(const arch_t *a, const image_view_t &v, const image_job_t &j, const float *inputs,
              uint32_t batch, uint64_t seed, JobResult *r, imc_diag_t *d)
{
    func_net_t *fn = nullptr;
    func_opts_t fo{};
    fo.seed = seed;
    if (func_open(&fn, a, &j.mapping, &fo, v.calib, (int)v.n_calib, d))
        return -1;
    int rc = 0;
    if (func_output_size(fn) != (int)v.out_values) {
        diag_error(d, "image", 0, 0, "the model has %d outputs (the header says %u)",
                   func_output_size(fn), v.out_values);
        rc = -1;
    }
    r->outputs.assign((size_t)batch * v.out_values, 0.0f);
    for (uint32_t i = 0; i < batch && !rc; i++)
        rc = func_infer(fn, inputs + (size_t)i * v.in_values, i,
                        r->outputs.data() + (size_t)i * v.out_values, (int)v.out_values, d);
    func_close(fn);
    return rc;
}

} // namespace

void run_job(arch_t *a, const uint8_t *image, size_t image_len, const float *inputs,
             size_t n_inputs, uint32_t batch, uint64_t seed, JobResult *r)
{
    imc_diag_t d;
    diag_init(&d);
    image_view_t v;
    image_job_t j;
    image_err_t e = image_parse(image, image_len, a->hash, &v, &r->err_off, &d);
    if (e) {
        set_error(r, (uint32_t)e, &d);
    } else if (n_inputs != (size_t)v.in_values * batch) {
        diag_error(&d, nullptr, 0, 0, "%zu input values (expected %u x %u)", n_inputs, batch,
                   v.in_values);
        set_error(r, imc::ERR_CONFIG, &d);
    } else if ((e = image_load(&v, a, &j, &d))) {
        set_error(r, (uint32_t)e, &d);
    } else {
        if (v.out_values && infer_all(a, v, j, inputs, batch, seed, r, &d)) {
            set_error(r, imc::ERR_IMAGE_CONTENT, &d);
        } else {
            // The DMA has put the inputs into the tiles' buffers, and the
            // outputs stay there for the DMA: no off-chip link for the host.
            arch_t run_arch = *a;
            run_arch.chip.offchip.host_io = HOST_IO_PRELOADED;
            imc_run_config cfg;
            cfg.batch = (int)batch;
            cfg.progress = false;
            run_result_t res{};
            // the compiler's placement search, for the links this run loads
            if (placement_search(&run_arch, &j.mapping, j.layers, &d)) {
                set_error(r, imc::ERR_CONFIG, &d);
            } else if (imc_simulate(&run_arch, &j.mapping, j.layers, cfg, &res, &d)) {
                set_error(r, imc::ERR_INTERNAL, &d);
            } else {
                r->cycles = res.total_cycles;
                r->compute_ps = (uint64_t)std::llround((double)res.total_cycles * 1000.0 / res.clock_ghz);
                r->inferences = (uint64_t)res.batch;
                r->macs = res.macs;
                r->adc_conversions = res.adc_conversions;
                r->energy_pj = (uint64_t)std::llround(run_energy_total(&res) * 1e12);
            }
            run_result_free(&res);
        }
        image_job_free(&j);
    }
    if (!e)
        image_view_free(&v);
    diag_free(&d);
}

// ------------------------------------------------------------ the processes

namespace {

struct Request {
    uint64_t image_len, n_inputs, seed;
    uint32_t batch, pad;
};

// The worker: a fresh SystemC context (the platform's is not ours), one job,
// its result on fd out.
[[noreturn]] void worker_main(arch_t *a, const std::vector<uint8_t> &image,
                              const std::vector<float> &in, const Request &q, int out)
{
    sc_core::sc_curr_simcontext = nullptr;
    sc_core::sc_default_global_context = nullptr;
    JobResult r;
    run_job(a, image.data(), image.size(), in.data(), in.size(), q.batch, q.seed, &r);
    std::vector<uint8_t> v = encode(r);
    bool ok = write_all(out, v.data(), v.size());
    std::fflush(nullptr);
    ::_exit(ok ? 0 : 1);
}

// The server: one request at a time from fd in, each in a forked worker whose
// result goes back on fd out; a worker that dies sends ERR_INTERNAL. Ends
// when the accelerator closes its end.
[[noreturn]] void server_main(arch_t a, int in, int out)
{
    for (;;) {
        Request q;
        if (!read_all(in, &q, sizeof q))
            ::_exit(0);
        std::vector<uint8_t> image(q.image_len);
        std::vector<float> inputs(q.n_inputs);
        if (!read_all(in, image.data(), image.size()) ||
            !read_all(in, inputs.data(), 4 * inputs.size()))
            ::_exit(0);
        int fds[2];
        JobResult r;
        pid_t w = -1;
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0 && (w = ::fork()) == 0) {
            ::close(fds[0]);
            ::close(in);
            ::close(out);
            worker_main(&a, image, inputs, q, fds[1]);
        }
        std::vector<uint8_t> v;
        if (w > 0) {
            ::close(fds[1]);
            v = read_to_eof(fds[0]);
            ::close(fds[0]);
            int st = 0;
            ::waitpid(w, &st, 0);
            if (!WIFEXITED(st) || WEXITSTATUS(st) || !decode(v, &r)) {
                r = JobResult();
                r.error = imc::ERR_INTERNAL;
                r.message = WIFSIGNALED(st) ? "the engine's worker died of signal " +
                                                  std::to_string(WTERMSIG(st))
                                            : "the engine's worker failed";
                v = encode(r);
            }
        } else {
            r.error = imc::ERR_INTERNAL;
            r.message = std::string("cannot start the engine's worker: ") + std::strerror(errno);
            v = encode(r);
        }
        uint64_t n = v.size();
        if (!write_all(out, &n, sizeof n) || !write_all(out, v.data(), v.size()))
            ::_exit(0);
    }
}

} // namespace

bool Worker::start(const arch_t &a, std::string *err)
{
    int req[2], res[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, req))
        return *err = std::strerror(errno), false;
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, res)) {
        ::close(req[0]);
        ::close(req[1]);
        return *err = std::strerror(errno), false;
    }
    std::fflush(nullptr); // nothing buffered is written twice
    pid_t pid = ::fork();
    if (pid < 0) {
        *err = std::strerror(errno);
        for (int fd : {req[0], req[1], res[0], res[1]})
            ::close(fd);
        return false;
    }
    if (pid == 0) {
        // keep stdio and our two ends; other descriptors (other accelerators'
        // pipes, the platform's files) are not the server's to hold open
        for (int fd = 3; fd < 1024; fd++)
            if (fd != req[0] && fd != res[1])
                ::close(fd);
        std::signal(SIGINT, SIG_IGN); // the platform decides; EOF ends the server
        server_main(a, req[0], res[1]);
    }
    ::close(req[0]);
    ::close(res[1]);
    to_server_ = req[1];
    from_server_ = res[0];
    server_ = pid;
    return true;
}

void Worker::run(const std::vector<uint8_t> &image, const std::vector<float> &inputs,
                 uint32_t batch, uint64_t seed, JobResult *r)
{
    *r = JobResult();
    Request q{image.size(), inputs.size(), seed, batch, 0};
    uint64_t n = 0;
    std::vector<uint8_t> v;
    bool ok = server_ > 0 && write_all(to_server_, &q, sizeof q) &&
              write_all(to_server_, image.data(), image.size()) &&
              write_all(to_server_, inputs.data(), 4 * inputs.size()) &&
              read_all(from_server_, &n, sizeof n);
    if (ok) {
        v.resize(n);
        ok = read_all(from_server_, v.data(), n) && decode(v, r);
    }
    if (!ok) {
        *r = JobResult();
        r->error = imc::ERR_INTERNAL;
        r->message = "the engine's server process is gone";
    }
}

Worker::~Worker()
{
    if (to_server_ >= 0)
        ::close(to_server_);
    if (from_server_ >= 0)
        ::close(from_server_);
    if (server_ > 0)
        ::waitpid(server_, nullptr, 0);
}

} // namespace imc_vp
