// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl ledger verify: check the ledger's whole chain and say so.
 * uploadctl ledger adopt: an operator's explicit recovery, after a boot
 * held by a ledger that failed verification.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "alarm.h"
#include "evidence.h"
#include "config.h"
#include "ledger.h"
#include "uploadctl.h"

#define LEDGER_VERIFY_HELP \
	"Usage: uploadctl ledger verify [PATH] [--json]\n" \
	"\n" \
	"Check every record of the ledger (default " LEDGER_DEFAULT_PATH "): its\n" \
	"format, its SHA-256 hash, the chain to the record before it, sequence\n" \
	"numbers, used_bytes never going down, cap_bytes never going up and the\n" \
	"boot settings never weakening. Prints the record count, the last used\n" \
	"and cap, and the first bad record if any. An incomplete last line (a\n" \
	"crash during a write) is reported and ignored.\n" \
	"Exit status 0 only if the ledger is intact.\n"
#define LEDGER_ADOPT_HELP \
	"Usage: uploadctl ledger adopt FILE [--ledger PATH]\n" \
	"\n" \
	"Make FILE, a ledger that verifies (a copy kept off the host, say), the\n" \
	"ledger at PATH (default: the configuration's, " LEDGER_DEFAULT_PATH "),\n" \
	"after a boot that found the ledger failing verification and held the\n" \
	"lease. One record is appended that loses nothing: used and reserved the\n" \
	"highest, the cap the lowest, the boot settings the strongest of FILE's\n" \
	"last record, of what still verifies in the ledger it replaces and of the\n" \
	"module loaded now. The ledger replaced is kept as PATH.rejected.TIME;\n" \
	"ledger_adopted is alarmed. A running agent then takes the adopted ledger\n" \
	"and raises the lease again.\n"

static const char ledger_help[] = LEDGER_VERIFY_HELP "\n" LEDGER_ADOPT_HELP;
static const char ledger_verify_help[] = LEDGER_VERIFY_HELP;
static const char ledger_adopt_help[] = LEDGER_ADOPT_HELP;

/* The boot settings a record carries, or null (a record from before them). */
static json_object *settings_json(const struct ledger_rec *r)
{
	const struct boot_settings *st = &r->settings;
	const char *p = st->exempt, *n;
	json_object *o, *ex, *dst;
	size_t l;

	if (!r->have_settings)
		return NULL;
	o = json_object_new_object();
	ex = json_object_new_array();
	while ((n = settings_exempt_next(&p, &l)))
		json_object_array_add(ex, json_object_new_string_len(n, (int)l));
	json_object_object_add(o, setting_name(SETTING_EXEMPT), ex);
	json_object_object_add(o, setting_name(SETTING_AUDIT_MS),
			       json_object_new_uint64(st->audit_ms));
	json_object_object_add(o, setting_name(SETTING_ON_EXHAUST),
			       json_object_new_string(st->down ? "down" : "drop"));
	json_object_object_add(o, setting_name(SETTING_LEASE_STEP),
			       json_object_new_uint64(st->lease_step));
	json_object_object_add(o, setting_name(SETTING_LOCK_MODULES),
			       json_object_new_boolean(st->lock_modules));
	json_object_object_add(o, setting_name(SETTING_RESERVE_BYTES),
			       json_object_new_uint64(st->reserve_bytes));
	dst = json_object_new_array();
	p = st->reserve_dst;
	while ((n = settings_exempt_next(&p, &l)))
		json_object_array_add(dst, json_object_new_string_len(n, (int)l));
	json_object_object_add(o, setting_name(SETTING_RESERVE_DST), dst);
	return o;
}

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
		json_object_object_add(last, "settings", settings_json(&c->last));
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
	if (c->have_last && c->last.have_settings) {
		char v[SETTINGS_VALUE_LEN];
		unsigned int k;

		printf("boot settings:");
		for (k = 0; k < SETTINGS_N; k++)
			printf("%s %s %s", k ? "," : "", setting_name(k),
			       setting_value(&c->last.settings, k, v, sizeof(v)));
		printf("\n");
	}
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
		ret = uctl_common_opt(opt, argv, "ledger verify", ledger_verify_help);
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

/* Copy from to a new file beside to, fsync'ed; its name in tmp. */
static int copy_beside(const char *from, const char *to, char *tmp, size_t len)
{
	char buf[65536];
	int in, out, ret = 0;
	ssize_t n;

	snprintf(tmp, len, "%s.adopt.XXXXXX", to);
	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return ucap_fail(errno, "open %s: %m", from);
	out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0) {
		ret = ucap_fail(errno, "create %s: %m", tmp);
		goto close_in;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			ret = ucap_fail(errno ? errno : EIO, "write %s: %m", tmp);
			break;
		}
	if (!ret && n < 0)
		ret = ucap_fail(errno, "read %s: %m", from);
	if (!ret && (fchmod(out, 0600) || fsync(out)))
		ret = ucap_fail(errno, "fsync %s: %m", tmp);
	close(out);
	if (ret)
		unlink(tmp);
close_in:
	close(in);
	return ret;
}

static int fsync_dir_of(const char *path)
{
	char copy[PATH_MAX];
	int fd, ret = 0;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		ret = ucap_fail(errno, "fsync the directory of %s: %m", path);
	if (fd >= 0)
		close(fd);
	return ret;
}

static int ledger_adopt_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	char tmp[PATH_MAX], rejected[PATH_MAX] = "", a[64], b[64];
	struct ledger_check fc, pc, tc;
	struct ledger l = { .fd = -1 };
	const char *path = NULL, *file;
	struct uctl_config cfg;
	struct ucap_module mod;
	struct ledger_rec rec;
	bool have_old;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (opt == 'l') {
			path = optarg;
			continue;
		}
		ret = uctl_common_opt(opt, argv, "ledger adopt", ledger_adopt_help);
		if (ret >= 0)
			return ret;
	}
	if (argc - optind != 1)
		return uctl_usage_err("ledger adopt", "give one FILE");
	file = argv[optind];
	ret = ucap_require_root();
	if (ret)
		return uctl_err("ledger adopt", ret);
	config_defaults(&cfg);
	ret = config_load(&cfg, CONFIG_DEFAULT_PATH);
	if (ret && ret != -ENOENT)
		return uctl_err("ledger adopt: configuration", ret);
	ucap_clear_why();
	/* Before the record: it is forwarded as it is written (evidence.h). */
	alarm_open(cfg.facility);
	if (!path)
		path = cfg.ledger;
	ret = ledger_verify(file, &fc);
	if (ret)
		return uctl_err("ledger adopt", ret);
	if (!ledger_intact(&fc))
		return uctl_errf("ledger adopt: %s fails verification at record %zu (%s)", file,
				 fc.bad_record, fc.bad_why);
	if (!fc.have_last)
		return uctl_errf("ledger adopt: %s holds no record", file);
	ret = ledger_verify(path, &pc);
	if (ret && ret != -ENOENT)
		return uctl_err("ledger adopt", ret);
	have_old = !ret;
	ucap_clear_why();

	/* The record that continues FILE's chain and loses nothing. */
	rec = fc.last;
	if (have_old && pc.have_last)
		ledger_rec_merge(&rec, &pc.last);
	ret = ucap_module_read(&mod, UCAP_SYSFS_DIR);
	if (!ret) {
		struct ledger_rec m = { .used = mod.used_bytes, .reserved = mod.lease_bytes };

		if (mod.state != UCAP_MOD_UNARMED)
			m.cap = mod.cap_bytes;
		ledger_rec_merge(&rec, &m);
		snprintf(rec.state, sizeof(rec.state), "%s", ucap_mod_state_name(mod.state));
		ucap_module_free(&mod);
	} else if (ret != -ENOENT) {
		return uctl_err("ledger adopt: read the module", ret);
	}
	ucap_clear_why();
	rec.time = (__u64)time(NULL);
	ret = ledger_boot_id(rec.boot, sizeof(rec.boot));
	if (ret)
		return uctl_err("ledger adopt", ret);

	ret = copy_beside(file, path, tmp, sizeof(tmp));
	if (ret)
		return uctl_err("ledger adopt", ret);
	ret = ledger_verify(tmp, &tc);
	if (!ret && (!ledger_intact(&tc) || tc.records != fc.records))
		ret = ucap_fail(EAGAIN, "%s changed while it was copied", file);
	if (!ret)
		ret = ledger_open(&l, tmp, &tc);
	if (!ret)
		ret = evidence_append(&l, &rec, EVIDENCE_ADOPT);
	ledger_close(&l);
	if (!ret && have_old) {
		snprintf(rejected, sizeof(rejected), "%s.rejected.%llu", path,
			 (unsigned long long)rec.time);
		if (link(path, rejected))
			ret = ucap_fail(errno, "keep the old ledger as %s: %m", rejected);
	}
	if (!ret && rename(tmp, path))
		ret = ucap_fail(errno, "rename %s to %s: %m", tmp, path);
	if (ret) {
		unlink(tmp);
		return uctl_err("ledger adopt", ret);
	}
	ret = fsync_dir_of(path);
	if (ret)
		return uctl_err("ledger adopt", ret);
	alarm_raise("ledger_adopted", LOG_ALERT,
		    "ledger=%s from=%s records=%zu seq=%llu used_bytes=%llu reserved_bytes=%llu cap_bytes=%llu rejected=%s",
		    path, file, fc.records + 1, (unsigned long long)rec.seq,
		    (unsigned long long)rec.used, (unsigned long long)rec.reserved,
		    (unsigned long long)rec.cap, rejected[0] ? rejected : "-");
	alarm_flush();
	printf("adopted %s as %s: %zu records, used %s, cap %s", file, path, fc.records + 1,
	       uctl_size(rec.used, a, sizeof(a)),
	       rec.cap ? uctl_size(rec.cap, b, sizeof(b)) : "none");
	if (rejected[0])
		printf("; the old ledger is kept as %s", rejected);
	printf("\n");
	return UCTL_OK;
}

static const struct uctl_cmd ledger_cmds[] = {
	{ "verify", ledger_verify_cmd, "check the whole chain" },
	{ "adopt", ledger_adopt_cmd, "make a verified copy the ledger, losing nothing" },
};

int cmd_ledger(int argc, char **argv)
{
	return uctl_subcommand("ledger", ledger_cmds, sizeof(ledger_cmds) / sizeof(ledger_cmds[0]),
			       ledger_help, argc, argv);
}
