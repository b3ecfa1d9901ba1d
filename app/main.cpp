// imcsim: one executable, one subcommand per stage of the flow.
// libsystemc owns main(); it calls sc_main, which dispatches.
#include <systemc>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <unistd.h>

#include "cli.h"
#include "outfile.h"

namespace {

struct command {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
};

const command commands[] = {
    {"arch", imc_cmd_arch, "validate, inspect and document architecture files"},
    {"models", imc_cmd_models, "list the model zoo with parameters and MACs"},
    {"compile", imc_cmd_compile, "map a network onto an architecture and write traces"},
    {"import", imc_cmd_import, "write an ONNX network as a YAML model referencing its weights"},
    {"trace", imc_cmd_trace, "dump or summarise a trace file"},
    {"run", imc_cmd_run, "simulate inference of a network on an architecture"},
    {"compare", imc_cmd_compare, "run one network on several architectures side by side"},
    {"estimate", imc_cmd_estimate, "ISAAC's analytic pipeline model of a mapping (milliseconds)"},
    {"noc", imc_cmd_noc, "run the network-on-chip alone under synthetic traffic"},
};

void usage(FILE *f)
{
    std::fprintf(f, "usage: imcsim <command> [options]\n\ncommands:\n");
    for (const auto &c : commands)
        std::fprintf(f, "  %-9s %s\n", c.name, c.summary);
    std::fprintf(f, "\n'imcsim <command> --help' describes each command.\n");
}

// A simulation faults in a few hundred MB of heap (VGG-16 on five chips:
// 42k page faults, 0.6 s of system time). glibc backs its heap with
// transparent huge pages only when its tunable asks, and reads tunables at
// start-up: so `run` and `compare` start again once with it set (9.9 -> 9.0 s
// there, 7k faults). Not under valgrind (the new image would escape it), nor
// when GLIBC_TUNABLES already says; an exec failure just goes on.
void prefer_huge_pages(int argc, char **argv)
{
#ifdef __GLIBC__
    if (argc < 2 || (std::strcmp(argv[1], "run") && std::strcmp(argv[1], "compare")))
        return;
    const char *t = std::getenv("GLIBC_TUNABLES"), *pre = std::getenv("LD_PRELOAD");
    if ((t && std::strstr(t, "glibc.malloc.hugetlb")) || (pre && std::strstr(pre, "vgpreload")))
        return;
    std::string v = t && *t ? std::string(t) + ":glibc.malloc.hugetlb=1" : "glibc.malloc.hugetlb=1";
    setenv("GLIBC_TUNABLES", v.c_str(), 1);
    execv("/proc/self/exe", argv);
#else
    (void)argc;
    (void)argv;
#endif
}

} // namespace

// Our own main() takes precedence over libsystemc's: it hides the SystemC
// banner (every imcsim output is meant to be read or parsed) and hands over.
int main(int argc, char **argv)
{
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    prefer_huge_pages(argc, argv);
    outfile_track_stdout(); /* else a failed write's reason may be unknown */
    int rc = sc_core::sc_elab_and_sim(argc, argv);
    // Every command's printing ends here: a write that failed (a full disk,
    // > /dev/full, a closed pipe's EPIPE when SIGPIPE is ignored) fails the
    // command, also when it only shows when stdout is flushed at close.
    if (int err = outfile_close_stdout()) {
        std::fprintf(stderr, "imcsim%s%s: error: cannot write to standard output%s%s\n",
                     argc > 1 ? " " : "", argc > 1 ? argv[1] : "", err > 0 ? ": " : "",
                     err > 0 ? std::strerror(err) : " (a write failed)");
        return rc ? rc : 1;
    }
    return rc;
}

int sc_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
        !std::strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!std::strcmp(argv[1], "--version")) {
        std::printf("imcsim 0.1.0\n");
        return 0;
    }
    for (const auto &c : commands)
        if (!std::strcmp(argv[1], c.name))
            return c.fn(argc - 1, argv + 1);
    std::fprintf(stderr, "imcsim: error: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
