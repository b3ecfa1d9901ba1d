#include <stdio.h>
#include "cli.h"
int imc_cmd_trace(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "imcsim %s: error: not implemented yet\n", argv[0]);
    return 2;
}
