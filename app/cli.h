/* Subcommands of the imcsim executable. Each lives beside the code it drives
 * and returns the process exit status (0 ok, 1 runtime failure, 2 bad input
 * or usage). */
#ifndef IMC_CLI_H
#define IMC_CLI_H

#ifdef __cplusplus
extern "C" {
#endif

int imc_cmd_arch(int argc, char **argv);    /* arch/arch_cli.c */
int imc_cmd_noc(int argc, char **argv);     /* noc/noc_cli.c */
int imc_cmd_models(int argc, char **argv);  /* workloads/workloads_cli.c */
int imc_cmd_compile(int argc, char **argv); /* workloads/workloads_cli.c */
int imc_cmd_trace(int argc, char **argv);   /* traces/trace_cli.c */
int imc_cmd_run(int argc, char **argv);     /* sim/run_cli.cpp */
int imc_cmd_compare(int argc, char **argv); /* sim/run_cli.cpp */
int imc_cmd_import(int argc, char **argv);  /* app/cmd_import.c */

#ifdef __cplusplus
}
#endif
#endif
