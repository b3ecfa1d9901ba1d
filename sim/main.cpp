// imcsim: one executable, one subcommand per stage of the flow.
// libsystemc owns main(); it calls sc_main, which dispatches.
#include <systemc>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli.h"

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
    {"trace", imc_cmd_trace, "dump or summarise a trace file"},
    {"run", imc_cmd_run, "simulate inference of a network on an architecture"},
    {"compare", imc_cmd_compare, "run one network on several architectures side by side"},
    {"noc", imc_cmd_noc, "run the network-on-chip alone under synthetic traffic"},
};

void usage(FILE *f)
{
    std::fprintf(f, "usage: imcsim <command> [options]\n\ncommands:\n");
    for (const auto &c : commands)
        std::fprintf(f, "  %-9s %s\n", c.name, c.summary);
    std::fprintf(f, "\n'imcsim <command> --help' describes each command.\n");
}

} // namespace

// Our own main() takes precedence over libsystemc's: it hides the SystemC
// banner (every imcsim output is meant to be read or parsed) and hands over.
int main(int argc, char **argv)
{
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
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
