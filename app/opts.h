/* The option parser of every imcsim command (getopt_long underneath).
 *
 * A command declares its options once, in a table of the variables they set:
 *
 *     const char *arch = NULL; int64_t batch = 1; opt_list_t sets = {0};
 *     const opt_t options[] = {
 *         OPT_STRING(0, "arch", &arch, "A", "preset or architecture YAML file"),
 *         OPT_INT(0, "batch", &batch, "N", 1, 100000, "inferences per run (default 1)"),
 *         OPT_SET(&sets),
 *         OPT_END,
 *     };
 *     int rc = opts_parse(&cmd, options, argc, argv, pos, &npos);
 *     if (rc != OPTS_GO)
 *         return rc;              // 0 after --help, 2 after a usage error
 *
 * The same table prints `--help`, so what a command accepts and what it says
 * it accepts cannot drift. The rules, the same for every command:
 *   - long options take their value as `--name VALUE` or `--name=VALUE`;
 *     unambiguous prefixes are accepted (GNU getopt_long);
 *   - options with a short name take `-x VALUE` or `-xVALUE`;
 *   - `--set KEY=VALUE`, `--set=KEY=VALUE`, `-s KEY=VALUE` are the same and
 *     repeatable without limit, applied in order;
 *   - options and positional arguments may come in any order; `--` ends the
 *     options;
 *   - typed values are checked here, with one wording:
 *     `imcsim run: error: --batch 'x' (expected an integer in 1..100000)`;
 *   - `-h` / `--help` prints the help on stdout and exits 0; a usage error
 *     prints one line on stderr and exits 2. */
#ifndef IMC_OPTS_H
#define IMC_OPTS_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    OPT_K_END, OPT_K_FLAG, OPT_K_STRING, OPT_K_INT, OPT_K_DOUBLE, OPT_K_ENUM, OPT_K_LIST
} opt_kind_t;

/* Values of a repeatable option, in command-line order. The strings point
 * into argv; free the array with opt_list_free. */
typedef struct opt_list {
    const char **v;
    int n, cap;
} opt_list_t;

typedef struct opt {
    opt_kind_t kind;
    int short_name;        /* 0: long name only */
    const char *name;      /* long name, without "--" */
    void *value;           /* FLAG: int (set to 1); STRING: const char *; INT: int64_t;
                              DOUBLE: double; ENUM: int; LIST: opt_list_t */
    const char *metavar;   /* "N", "FILE"; NULL for a flag */
    const char *help;      /* one line; "\n" continues it on the next line of --help */
    int64_t min, max;      /* INT: accepted range (max INT64_MAX: no upper bound) */
    double dmin, dmax;     /* DOUBLE: accepted range, finite values only */
    const char *(*enum_name)(int i); /* ENUM: name of value i, NULL past the last */
} opt_t;

#define OPT_FLAG(s, l, v, h) {OPT_K_FLAG, s, l, v, NULL, h, 0, 0, 0, 0, NULL}
#define OPT_STRING(s, l, v, mv, h) {OPT_K_STRING, s, l, v, mv, h, 0, 0, 0, 0, NULL}
#define OPT_INT(s, l, v, mv, lo, hi, h) {OPT_K_INT, s, l, v, mv, h, lo, hi, 0, 0, NULL}
#define OPT_DOUBLE(s, l, v, mv, lo, hi, h) {OPT_K_DOUBLE, s, l, v, mv, h, 0, 0, lo, hi, NULL}
#define OPT_ENUM(s, l, v, mv, names, h) {OPT_K_ENUM, s, l, v, mv, h, 0, 0, 0, 0, names}
#define OPT_LIST(s, l, v, mv, h) {OPT_K_LIST, s, l, v, mv, h, 0, 0, 0, 0, NULL}
/* The architecture override every command that loads an architecture takes. */
#define OPT_SET(v)                                                                          \
    OPT_LIST('s', "set", v, "KEY=VALUE",                                                    \
             "override an architecture parameter by its dotted YAML key\n"                  \
             "(imcsim arch params); repeatable, applied in order")
#define OPT_END {OPT_K_END, 0, NULL, NULL, NULL, NULL, 0, 0, 0, 0, NULL}

/* What --help says around the options, and the positional arguments. */
typedef struct opts_cmd {
    const char *name;      /* as in messages: "run", "arch show" */
    const char *usage;     /* after "usage: imcsim ": "run --arch A --model M [options]" */
    const char *about;     /* paragraph(s) after the usage line; may be NULL */
    const char *epilog;    /* after the options (exit status, ...); may be NULL */
    int min_pos, max_pos;  /* positional arguments accepted */
    const char *pos_name;  /* named in "missing NAME|FILE" */
} opts_cmd_t;

#define OPTS_GO (-1)

/* Parses argv[1..argc-1] (argv[0] is the command's own name). Fills the
 * variables of `opts`, and pos[0..*npos-1] with the positional arguments
 * (pos has room for c->max_pos; may be NULL when max_pos is 0). Returns
 * OPTS_GO to go on, else the exit status the command returns: 0 after
 * --help (printed on stdout), 2 after a usage error (one line on stderr). */
int opts_parse(const opts_cmd_t *c, const opt_t *opts, int argc, char **argv,
               const char **pos, int *npos);

/* The help text, as --help prints it. */
void opts_help(const opts_cmd_t *c, const opt_t *opts, FILE *f);

/* "imcsim CMD: error: MESSAGE (see 'imcsim CMD --help')" on stderr; returns 2. */
int opts_usage_error(const opts_cmd_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void opt_list_free(opt_list_t *l);

#ifdef __cplusplus
}
#endif
#endif
