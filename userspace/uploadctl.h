/* SPDX-License-Identifier: GPL-2.0 */
/* uploadctl: what the command files share. */
#ifndef UPLOADCTL_H
#define UPLOADCTL_H

#include <stdbool.h>
#include <stdio.h>

#include "ucap.h"

/* Exit codes. */
#define UCTL_OK		0
#define UCTL_FAIL	1
#define UCTL_USAGE	2

struct uctl_opts {
	bool json;
	bool pretty;
	const char *pin_dir;
	bool json_printed;	/* a document is on stdout (uctl_json_print) */
};

extern struct uctl_opts uctl;

struct uctl_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;	/* uploadctl help's line; the arguments are in --help */
};

/* "uploadctl: what: why" on stderr; returns UCTL_FAIL. */
int uctl_err(const char *what, int err);
int uctl_errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error for a command: message, hint, returns UCTL_USAGE. */
int uctl_usage_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Options every command takes. A command lists UCTL_COMMON_LONGOPTS in its
 * own table, starts its short options with UCTL_COMMON_SHORTOPTS (its
 * ':' makes getopt quiet) and passes what getopt_long() returned for
 * anything not its own to uctl_common_opt(): -1 means handled, carry on; otherwise return the
 * value (UCTL_OK after --help, UCTL_USAGE after a bad option).
 */
#define UCTL_COMMON_SHORTOPTS	":jph"
#define UCTL_COMMON_LONGOPTS					\
	{ "json", no_argument, NULL, 'j' },			\
	{ "pretty", no_argument, NULL, 'p' },			\
	{ "help", no_argument, NULL, 'h' }
int uctl_common_opt(int c, char **argv, const char *cmd, const char *help);
/* For getopt_long() results that are errors: say what was wrong. */
int uctl_bad_option(int c, char **argv, const char *cmd);

/* Human size with the exact figure: "4202790 (4.01 MiB)". */
const char *uctl_size(__u64 v, char *buf, size_t len);

/* Presentation of the module's figures, shared by status, cap show and rate show (modview.c). */
#define UCTL_BAR_WIDTH 40
struct json_object;
struct json_object *uctl_json_u64(__u64 v);
/* A double in the fewest digits that keep its value. */
struct json_object *uctl_json_double(double v);
struct json_object *uctl_module_json(const struct ucap_module *m);
void uctl_module_text(const struct ucap_module *m);
/* The rate ceiling's figures, added to o; and as text. */
void uctl_rate_json(struct json_object *o, const struct ucap_module *m);
void uctl_rate_text(const struct ucap_module *m);
/* cap show, rate show: the module's figures, or only the ceiling's. */
int uctl_module_show(int argc, char **argv, const char *cmd, const char *help,
		     bool rate_only);
/* Print a JSON document as --json or --pretty asked. */
void uctl_json_print(struct json_object *o);

/*
 * Prometheus text format (prom.c): the snapshot's figures (shown: which
 * devices, NULL for all), the agent's alarm counts, and both written to a
 * node_exporter textfile, replaced atomically.
 */
void uctl_prom_snapshot(FILE *f, const struct ucap_snapshot *s, const bool *shown);
/* The agent's own: its alarms, and when it wrote its last ledger record. */
void uctl_prom_agent(FILE *f, __u64 last_record_time);
int uctl_prom_textfile(const char *path, const struct ucap_snapshot *s, __u64 last_record_time);

/* Run argv[1] of a command table ("uploadctl cap set ..."). */
int uctl_subcommand(const char *object, const struct uctl_cmd *cmds, size_t n,
		    const char *help, int argc, char **argv);
/* kernel.modules_disabled=1: one-way until reboot (modlock.c). */
int uctl_lock_modules(void);

int cmd_agent(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_ledger(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_cap(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_rate(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_tpm(int argc, char **argv);
int cmd_verify_log(int argc, char **argv);
int cmd_check(int argc, char **argv);

#endif /* UPLOADCTL_H */
