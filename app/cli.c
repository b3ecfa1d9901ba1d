/* Subcommand dispatch (cli.h). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

int cli_dispatch(const char *cmd, const cli_sub_t *subs, const char *usage, int argc,
                 char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "imcsim %s: error: missing subcommand\n%s", cmd, usage);
        return 2;
    }
    const char *s = argv[1];
    if (!strcmp(s, "--help") || !strcmp(s, "-h") || !strcmp(s, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    for (const cli_sub_t *c = subs; c->name; c++)
        if (!strcmp(s, c->name))
            return c->fn(argc - 1, argv + 1);
    fprintf(stderr, "imcsim %s: error: unknown subcommand '%s'\n%s", cmd, s, usage);
    return 2;
}
