// SPDX-License-Identifier: GPL-2.0
/* uploadctl ledger verify: check the ledger's whole chain and say so. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "ledger.h"
#include "uploadctl.h"

static const char ledger_help[] =
	"Usage: uploadctl ledger verify [PATH] [--json]\n"
	"\n"
	"Check every record of the ledger (default " LEDGER_DEFAULT_PATH "): its\n"
	"format, its SHA-256 hash, the chain to the record before it, sequence\n"
	"numbers, used_bytes never going down and cap_bytes never going up. Prints\n"
	"the record count, the last used and cap, and the first bad record if any.\n"
	"An incomplete last line (a crash during a write) is reported and ignored.\n"
	"Exit status 0 only if the ledger is intact.\n";

static void print_json(const char *path, const struct ledger_check *c)
{
	json_object *o = json_object_new_object(), *last = NULL, *al;
	unsigned int i;

	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "intact", json_object_new_boolean(ledger_intact(c)));
	json_object_object_add(o, "records", json_object_new_uint64(c->records));
	json_object_object_add(o, "torn_last_record", json_object_new_boolean(c->torn));
	json_object_object_add(o, "first_bad_record",
			       c->bad_record ? json_object_new_uint64(c->bad_record) : NULL);
	json_object_object_add(o, "reason", c->bad_record ? json_object_new_string(c->bad_why) : NULL);
	if (c->have_last) {
		last = json_object_new_object();
		al = json_object_new_array();
		json_object_object_add(last, "seq", json_object_new_uint64(c->last.seq));
		json_object_object_add(last, "time", json_object_new_uint64(c->last.time));
		json_object_object_add(last, "boot_id", json_object_new_string(c->last.boot));
		json_object_object_add(last, "used_bytes", json_object_new_uint64(c->last.used));
		json_object_object_add(last, "cap_bytes",
				       c->last.cap ? json_object_new_uint64(c->last.cap) : NULL);
		json_object_object_add(last, "reserved_bytes",
				       c->last.reserved ? json_object_new_uint64(c->last.reserved) : NULL);
		json_object_object_add(last, "state", json_object_new_string(c->last.state));
		for (i = 0; i < c->last.nalarmed; i++)
			json_object_array_add(al, json_object_new_uint64(c->last.alarmed[i]));
		json_object_object_add(last, "alarmed_percent", al);
	}
	json_object_object_add(o, "last", last);
	uctl_json_print(o);
	json_object_put(o);
}

static void print_text(const char *path, const struct ledger_check *c)
{
	char a[64], b[64], r[64];

	if (ledger_intact(c))
		printf("ledger %s: intact, %zu record%s\n", path, c->records,
		       c->records == 1 ? "" : "s");
	else
		printf("ledger %s: NOT intact: record %zu: %s (%zu record%s before it verify)\n",
		       path, c->bad_record, c->bad_why, c->records, c->records == 1 ? "" : "s");
	if (c->have_last)
		printf("last good record: seq %llu, used %s, cap %s, reserved %s, state %s\n",
		       (unsigned long long)c->last.seq, uctl_size(c->last.used, a, sizeof(a)),
		       c->last.cap ? uctl_size(c->last.cap, b, sizeof(b)) : "none",
		       c->last.reserved ? uctl_size(c->last.reserved, r, sizeof(r)) : "none",
		       c->last.state);
	if (c->torn)
		printf("note: the last line is incomplete (a crash during a write) and was ignored\n");
}

static int ledger_verify_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *path = LEDGER_DEFAULT_PATH;
	struct ledger_check c;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		ret = uctl_common_opt(opt, argv, "ledger verify", ledger_help);
		if (ret >= 0)
			return ret;
	}
	if (argc - optind > 1)
		return uctl_usage_err("ledger verify", "give at most one PATH");
	if (optind < argc)
		path = argv[optind];
	ret = ledger_verify(path, &c);
	if (ret)
		return uctl_err("ledger verify", ret);
	if (uctl.json)
		print_json(path, &c);
	else
		print_text(path, &c);
	return ledger_intact(&c) ? UCTL_OK : UCTL_FAIL;
}

static const struct uctl_cmd ledger_cmds[] = {
	{ "verify", ledger_verify_cmd, "[PATH]", "check the whole chain" },
};

int cmd_ledger(int argc, char **argv)
{
	return uctl_subcommand("ledger", ledger_cmds, sizeof(ledger_cmds) / sizeof(ledger_cmds[0]),
			       ledger_help, argc, argv);
}
