#include <cstdio>
#include "cli.h"
int imc_cmd_run(int, char **argv) { std::fprintf(stderr, "imcsim %s: error: not implemented yet\n", argv[0]); return 2; }
int imc_cmd_compare(int, char **argv) { std::fprintf(stderr, "imcsim %s: error: not implemented yet\n", argv[0]); return 2; }
