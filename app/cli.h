/* The commands of the imcsim executable, one file each (cmd_*.c/.cpp). Each
 * returns the process exit status: 0 ok, 1 runtime failure, 2 bad input or
 * usage. */
#ifndef IMC_CLI_H
#define IMC_CLI_H

#ifdef __cplusplus
extern "C" {
#endif

int imc_cmd_arch(int argc, char **argv);    /* cmd_arch.c */
int imc_cmd_noc(int argc, char **argv);     /* cmd_noc.c */
int imc_cmd_models(int argc, char **argv);  /* cmd_models.c */
int imc_cmd_compile(int argc, char **argv); /* cmd_compile.c */
int imc_cmd_trace(int argc, char **argv);   /* cmd_trace.c */
int imc_cmd_run(int argc, char **argv);     /* cmd_run.cpp */
int imc_cmd_compare(int argc, char **argv); /* cmd_compare.cpp */
int imc_cmd_estimate(int argc, char **argv); /* cmd_estimate.cpp */
int imc_cmd_import(int argc, char **argv);  /* cmd_import.c */

/* A subcommand: `imcsim CMD NAME ...` calls fn(argc - 1, argv + 1). */
typedef struct cli_sub {
    const char *name;
    int (*fn)(int argc, char **argv);
} cli_sub_t;

/* Runs the subcommand argv[1] of `imcsim cmd` (subs ends with {NULL, NULL});
 * `help`, -h and --help print usage on stdout; no or an unknown subcommand
 * is a usage error. Returns the exit status. */
int cli_dispatch(const char *cmd, const cli_sub_t *subs, const char *usage, int argc,
                 char **argv);

#ifdef __cplusplus
}
#endif
#endif
