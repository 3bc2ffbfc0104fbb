// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl: the command table, global options and the conventions every
 * command shares (errors on stderr as "uploadctl: what: why", exit codes
 * 0 ok, 1 failure, 2 usage).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "uploadctl.h"

struct uctl_opts uctl = {
	.pin_dir = UCAP_PIN_DIR,
};

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct uctl_cmd cmds[] = {
	{ "attach", cmd_attach, "attach the egress meter to devices of this network namespace" },
	{ "detach", cmd_detach, "remove uploadcap's egress meter (and nothing else) from devices" },
	{ "status", cmd_status, "show the meters for the devices of this network namespace" },
	{ "cap", cmd_cap, "arm or lower uploadcap.ko's write-once cap; show it" },
	{ "rate", cmd_rate, "arm or lower uploadcap.ko's write-once rate ceiling; show it" },
	{ "load", cmd_load, "load uploadcap.ko with the ledger's used and cap" },
	{ "agent", cmd_agent, "watch the meters, raise alarms, keep the ledger" },
	{ "ledger", cmd_ledger, "check the ledger's hash chain" },
	{ "config", cmd_config, "check the configuration file" },
	{ "verify-log", cmd_verify_log, "check what a syslog collector received from each host" },
	{ "check", cmd_check, "one verdict for a monitoring system (Nagios exit codes)" },
	{ "tpm", cmd_tpm, "the TPM 2.0 anchor of the lifetime count" },
	{ "plan", cmd_plan, "size the cap from the model and the host's output" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "print this help, or a command's" },
};

/*
 * Every error line of this run, for --json: a run that fails without
 * having printed its document prints {"error", "errors", "exit"} instead
 * (uctl_json_finish), so that stdout always holds one JSON document.
 */
static struct json_object *errors_seen;

/* "uploadctl: " msg on stderr, and kept for --json. */
static void error_line(const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "uploadctl: %s\n", msg);
	if (!errors_seen)
		errors_seen = json_object_new_array();
	json_object_array_add(errors_seen, json_object_new_string(msg));
}

static void error_linef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void error_linef(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_line(fmt, ap);
	va_end(ap);
}

int uctl_err(const char *what, int err)
{
	error_linef("%s: %s", what, ucap_why(err));
	ucap_clear_why();
	return UCTL_FAIL;
}

int uctl_errf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_line(fmt, ap);
	va_end(ap);
	return UCTL_FAIL;
}

int uctl_usage_err(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	error_linef("%s: %s", cmd ? cmd : "usage", msg);
	fprintf(stderr, "Try 'uploadctl %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return UCTL_USAGE;
}

/* The run ends with rc: under --json, a failure with no document says why. */
static int uctl_json_finish(int rc)
{
	struct json_object *o;
	const char *first = "failed";

	if (uctl.json && rc != UCTL_OK && !uctl.json_printed) {
		if (!errors_seen)
			errors_seen = json_object_new_array();
		if (json_object_array_length(errors_seen))
			first = json_object_get_string(json_object_array_get_idx(errors_seen, 0));
		o = json_object_new_object();
		json_object_object_add(o, "error", json_object_new_string(first));
		json_object_object_add(o, "errors", json_object_get(errors_seen));
		json_object_object_add(o, "exit", json_object_new_int(rc));
		uctl_json_print(o);
		json_object_put(o);
	}
	json_object_put(errors_seen);
	errors_seen = NULL;
	return rc;
}

int uctl_bad_option(int c, char **argv, const char *cmd)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return uctl_usage_err(cmd, "option '%s' needs an argument", arg);
	if (optopt && strncmp(arg, "--", 2))
		return uctl_usage_err(cmd, "unknown option '-%c'", optopt);
	return uctl_usage_err(cmd, "unknown option '%s'", arg);
}

int uctl_common_opt(int c, char **argv, const char *cmd, const char *help)
{
	switch (c) {
	case 'j':
		uctl.json = true;
		return -1;
	case 'p':
		uctl.json = uctl.pretty = true;
		return -1;
	case 'h':
		fputs(help, stdout);
		return UCTL_OK;
	default:
		return uctl_bad_option(c, argv, cmd);
	}
}

int uctl_subcommand(const char *object, const struct uctl_cmd *cmds, size_t n,
		    const char *help, int argc, char **argv)
{
	char names[128] = "";
	size_t i;

	/* Every object also takes "help", listed last. */
	for (i = 0; i < n; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? ", " : "", cmds[i].name);
	snprintf(names + strlen(names), sizeof(names) - strlen(names), " or help");
	if (argc < 2)
		return uctl_usage_err(object, "give a command: %s", names);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(help, stdout);
		return UCTL_OK;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(cmds[i].name, argv[1]))
			return cmds[i].run(argc - 1, argv + 1);
	return uctl_usage_err(object, "unknown command '%s' (%s)", argv[1], names);
}

void uctl_json_print(struct json_object *o)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= uctl.pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN;
	puts(json_object_to_json_string_ext(o, flags));
	uctl.json_printed = true;
}

const char *uctl_size(__u64 v, char *buf, size_t len)
{
	char human[32];

	snprintf(buf, len, "%llu (%s)", (unsigned long long)v,
		 ucap_fmt_iec(v, human, sizeof(human)));
	return buf;
}

static void usage(FILE *f)
{
	size_t i;

	fputs("Usage: uploadctl [OPTIONS] COMMAND [ARGS...]\n"
	      "\n"
	      "uploadcap: a lifetime cap on the bytes this host uploads.\n"
	      "\n"
	      "Commands:\n", f);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-11s%s\n", cmds[i].name, cmds[i].summary);
	fputs("\n"
	      "Options:\n"
	      "  -j, --json          machine-readable output (JSON)\n"
	      "  -p, --pretty        indented JSON (implies --json)\n"
	      "      --pin-dir DIR   where the meter's maps are pinned\n"
	      "                      (default " UCAP_PIN_DIR ")\n"
	      "  -V, --version       print the version\n"
	      "  -h, --help          print this help\n"
	      "\n"
	      "'uploadctl help COMMAND' (or 'uploadctl COMMAND --help') describes a\n"
	      "command and its arguments.\n"
	      "Exit status: 0 ok, 1 failure, 2 usage error.\n", f);
}

static const struct uctl_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

/* help [COMMAND [SUBCOMMAND]]: the command's own --help. */
static int cmd_help(int argc, char **argv)
{
	const struct uctl_cmd *cmd;
	char *args[4];
	int i, n = 0;

	if (argc < 2) {
		usage(stdout);
		return UCTL_OK;
	}
	if (argc > 3)
		return uctl_usage_err("help", "give a command, and perhaps its subcommand");
	cmd = find_cmd(argv[1]);
	if (!cmd)
		return uctl_usage_err("help", "unknown command '%s'", argv[1]);
	for (i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n++] = "--help";
	args[n] = NULL;
	optind = 0;
	return cmd->run(n, args);
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("uploadctl %s (BPF meter layout %u, libbpf %u.%u)\n", UCAP_VERSION,
	       UCAP_LAYOUT_VERSION, libbpf_major_version(), libbpf_minor_version());
	return UCTL_OK;
}

/* Keep libbpf quiet unless it has something to say about a real failure. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN || getenv("UPLOADCTL_DEBUG") == NULL)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct uctl_cmd *cmd;
	const char *name;
	int c;

	libbpf_set_print(libbpf_print);
	opterr = 0;	/* uctl_bad_option() speaks for getopt */

	/* '+': stop at the command; the command parses the rest. */
	while ((c = getopt_long(argc, argv, "+:jpVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			uctl.json = true;
			break;
		case 'p':
			uctl.json = uctl.pretty = true;
			break;
		case 'P':
			if (!optarg[0])
				return uctl_usage_err(NULL, "--pin-dir needs a directory");
			uctl.pin_dir = optarg;
			break;
		case 'V':
			return cmd_version(0, NULL);
		case 'h':
			usage(stdout);
			return UCTL_OK;
		default:
			return uctl_bad_option(c, argv, NULL);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return UCTL_USAGE;
	}
	name = argv[optind];
	cmd = find_cmd(name);
	if (!cmd)
		return uctl_json_finish(uctl_usage_err(NULL, "unknown command '%s'", name));
	argc -= optind;
	argv += optind;
	optind = 0;	/* restart getopt for the command */
	return uctl_json_finish(cmd->run(argc, argv));
}
