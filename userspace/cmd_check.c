// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl check: one verdict for a monitoring system, as a Nagios or
 * Icinga plugin gives it: a line "UPLOADCAP STATE - what | perfdata" and
 * the plugin exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). Reads
 * only: the module's sysfs, the devices (rtnetlink), the meter when it
 * may, and the ledger when it may.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "ledger.h"
#include "ucap_tpm_abi.h"
#include "uploadctl.h"

enum check_state { CHECK_OK, CHECK_WARNING, CHECK_CRITICAL, CHECK_UNKNOWN };

static const char *const state_names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

static const char check_help[] =
	"Usage: uploadctl check [--warning PCT] [--critical PCT] [--max-age D]\n"
	"                       [--ledger PATH] [--json]\n"
	"\n"
	"One verdict for a monitoring system, as a Nagios or Icinga plugin gives\n"
	"it: \"UPLOADCAP STATE - findings | perfdata\", and the exit status\n"
	"0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for usage errors, as the\n"
	"plugin guidelines ask). CRITICAL: the module is not loaded, not armed,\n"
	"exhausted, its TPM anchor failed, used reached --critical percent of the\n"
	"cap (default 95), or the ledger's last record is older than --max-age\n"
	"(default 15m: the agent writes one at least every 10 minutes).\n"
	"WARNING: used reached --warning percent (default 80), or a device of\n"
	"this network namespace has no meter attached. UNKNOWN: what decides\n"
	"cannot be read (the meter without CAP_BPF, the ledger without access).\n";

struct verdict {
	enum check_state state;
	char text[1024];
	struct json_object *findings;
};

static void find(struct verdict *v, enum check_state s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* How bad: what cannot be read is worse than a warning, never OK. */
static const int state_rank[] = { 0, 1, 3, 2 };

/* A finding of state s: the worst one decides the verdict. */
static void find(struct verdict *v, enum check_state s, const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	size_t n = strlen(v->text);
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(v->text + n, sizeof(v->text) - n, "%s%s", n ? "; " : "", what);
	if (state_rank[s] > state_rank[v->state])
		v->state = s;
	json_object_object_add(o, "state", json_object_new_string(state_names[s]));
	json_object_object_add(o, "what", json_object_new_string(what));
	json_object_array_add(v->findings, o);
}

/* A usage error is UNKNOWN (3) here: 2 would read as CRITICAL. */
static int check_usage(const char *what, const char *arg)
{
	uctl_usage_err("check", "%s%s%s", arg ? arg : "", arg ? ": " : "", what);
	return CHECK_UNKNOWN;
}

static int parse_pct(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return end == s || *end || !(*out > 0 && *out <= 100) ? -EINVAL : 0;
}

static void check_module(struct verdict *v, const struct ucap_snapshot *s, double warn,
			 double crit, double *pct)
{
	const struct ucap_module *m = &s->module;

	*pct = 0;
	if (!s->module_present) {
		find(v, CHECK_CRITICAL, "uploadcap.ko not loaded: no cap is enforced");
		return;
	}
	if (!strcmp(m->tpm_state, UCAP_TPM_STATE_FAILED))
		find(v, CHECK_CRITICAL, "the TPM anchor failed: armed exhausted");
	if (m->state == UCAP_MOD_UNARMED) {
		find(v, CHECK_CRITICAL, "no cap armed");
		return;
	}
	*pct = m->cap_bytes ? 100.0 * (double)m->used_bytes / (double)m->cap_bytes : 100.0;
	if (m->state == UCAP_MOD_EXHAUSTED)
		find(v, CHECK_CRITICAL, "cap exhausted: nothing more leaves");
	else if (*pct >= crit)
		find(v, CHECK_CRITICAL, "%.1f%% of the cap used (critical at %g%%)", *pct, crit);
	else if (*pct >= warn)
		find(v, CHECK_WARNING, "%.1f%% of the cap used (warning at %g%%)", *pct, warn);
}

static void check_meter(struct verdict *v, const struct ucap_snapshot *s)
{
	size_t i;

	if (s->meter_denied) {
		find(v, CHECK_UNKNOWN, "the meter is not readable without CAP_BPF");
		return;
	}
	for (i = 0; i < s->n; i++)
		if (!ucap_link_is_loopback(&s->ifs[i].link) && !s->ifs[i].attached)
			find(v, CHECK_WARNING, "%s has no meter attached", s->ifs[i].link.name);
}

static void check_ledger(struct verdict *v, const char *path, __s64 max_age, long *age)
{
	struct ledger_check c;
	int ret;

	*age = -1;
	ret = ledger_verify(path, &c);
	if (ret == -EACCES || ret == -EPERM) {
		find(v, CHECK_UNKNOWN, "the ledger %s is not readable by this user", path);
	} else if (ret == -ENOENT) {
		find(v, CHECK_CRITICAL, "no ledger at %s: the agent has not run", path);
	} else if (ret) {
		find(v, CHECK_UNKNOWN, "the ledger %s: %s", path, ucap_why(ret));
	} else if (!ledger_intact(&c)) {
		find(v, CHECK_CRITICAL, "the ledger fails verification at record %zu", c.bad_record);
	} else if (!c.have_last) {
		find(v, CHECK_CRITICAL, "the ledger %s holds no record", path);
	} else {
		*age = (long)(time(NULL) - (time_t)c.last.time);
		if (*age > max_age)
			find(v, CHECK_CRITICAL, "the ledger's last record is %ld s old: is the agent running?",
			     *age);
	}
	ucap_clear_why();
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "warning", required_argument, NULL, 'w' },
		{ "critical", required_argument, NULL, 'c' },
		{ "max-age", required_argument, NULL, 'a' },
		{ "ledger", required_argument, NULL, 'l' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct verdict v = { .state = CHECK_OK };
	const char *ledger = LEDGER_DEFAULT_PATH;
	double warn = 80, crit = 95, pct;
	struct ucap_snapshot s;
	__s64 max_age = 900;
	long age;
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (opt) {
		case 'w':
			if (parse_pct(optarg, &warn))
				return check_usage("--warning is not a percentage (0 to 100]", optarg);
			break;
		case 'c':
			if (parse_pct(optarg, &crit))
				return check_usage("--critical is not a percentage (0 to 100]", optarg);
			break;
		case 'a':
			if (ucap_parse_duration(optarg, &max_age) || max_age <= 0)
				return check_usage("--max-age is not a duration (900, 15m, 1h)", optarg);
			break;
		case 'l':
			ledger = optarg;
			break;
		default:
			ret = uctl_common_opt(opt, argv, "check", check_help);
			if (ret == UCTL_USAGE)
				return CHECK_UNKNOWN;
			if (ret >= 0)
				return ret;
		}
	}
	if (optind != argc)
		return check_usage("unexpected argument", argv[optind]);
	if (warn > crit)
		return check_usage("--warning is above --critical", NULL);

	v.findings = json_object_new_array();
	ret = ucap_snapshot_take_any_user(&s, uctl.pin_dir, UCAP_SYSFS_DIR);
	if (ret) {
		find(&v, CHECK_UNKNOWN, "cannot read the meters: %s", ucap_why(ret));
		ucap_clear_why();
		pct = 0;
	} else {
		check_module(&v, &s, warn, crit, &pct);
		check_meter(&v, &s);
	}
	check_ledger(&v, ledger, max_age, &age);
	if (uctl.json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "state", json_object_new_string(state_names[v.state]));
		json_object_object_add(o, "exit", json_object_new_int(v.state));
		json_object_object_add(o, "used_percent", json_object_new_double(pct));
		json_object_object_add(o, "ledger_age_seconds",
				       age >= 0 ? json_object_new_int64(age) : NULL);
		json_object_object_add(o, "findings", json_object_get(v.findings));
		uctl_json_print(o);
		json_object_put(o);
	} else {
		printf("UPLOADCAP %s - %s", state_names[v.state],
		       v.text[0] ? v.text : "armed, meters attached, the agent writing");
		if (!ret && s.module_present)
			printf(" | used=%lluB;;;0;%llu used_pct=%.2f%%;%g;%g;0;100",
			       (unsigned long long)s.module.used_bytes,
			       (unsigned long long)s.module.cap_bytes, pct, warn, crit);
		if (age >= 0)
			printf("%sledger_age=%lds;;%lld", !ret && s.module_present ? " " : " | ",
			       age, (long long)max_age);
		putchar('\n');
	}
	if (!ret)
		ucap_snapshot_free(&s);
	json_object_put(v.findings);
	return v.state;
}
