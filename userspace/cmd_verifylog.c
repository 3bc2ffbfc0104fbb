// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl verify-log: check what an off-host collector received from
 * each host (logcheck.h) and give a verdict per host. Runs on the
 * collector: no module, no root.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "logcheck.h"
#include "uploadctl.h"

#define VERIFY_LOG_SILENCE_DEFAULT	(30 * 60)

static const char verify_log_help[] =
	"Usage: uploadctl verify-log [--max-silence DURATION] [--json] FILE...\n"
	"\n"
	"Check syslog files as a collector stores them (rsyslog's file formats or\n"
	"RFC 5424) for what each host forwarded: its ledger records and alarms,\n"
	"and the module's kernel lines. Per host: used never goes down, the cap\n"
	"never rises, boot settings never weaken, each boot starts at or above\n"
	"the boot before (and the module never loads below a lease it raised),\n"
	"records chain, no record is missing, and no gap between records of a\n"
	"boot is longer than --max-silence (default 30m; 0: no limit; s, m, h or\n"
	"d). Every alarm is listed. Exit 0 when every host is clean, 1 on any\n"
	"finding or unreadable line, 2 on usage errors.\n";

static const char *iso_time(__s64 t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

struct read_errors {
	struct json_object *json;	/* --json: the list */
	size_t n;
};

/* Every uploadcap line of path: the agent's, and the module's (the kernel's). */
static int read_file(const char *path, unsigned int idx, struct log_set *set, __s64 now,
		     struct read_errors *errs)
{
	struct ucap_syslog_line l;
	size_t len = 0, lineno = 0;
	char *line = NULL;
	FILE *f;
	int ret = 0;

	f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f)
		return ucap_fail(errno, "%s: %s", path, strerror(errno));
	while (!ret && getline(&line, &len, f) >= 0) {
		lineno++;
		if (ucap_syslog_parse(line, now, &l)) {
			errs->n++;
			if (errs->json) {
				struct json_object *e = json_object_new_object();

				json_object_object_add(e, "file", json_object_new_string(path));
				json_object_object_add(e, "line", json_object_new_int64((int64_t)lineno));
				json_object_object_add(e, "error",
						       json_object_new_string(ucap_why(-EINVAL)));
				json_object_array_add(errs->json, e);
			} else {
				uctl_errf("verify-log: %s:%zu: %s", path, lineno, ucap_why(-EINVAL));
			}
			ucap_clear_why();
			continue;
		}
		if (log_line_wanted(l.program, l.msg))
			ret = log_set_add(set, l.host, l.time, idx, lineno, l.msg);
	}
	if (!ret && ferror(f))
		ret = ucap_fail(EIO, "%s: read error", path);
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

static void text_report(const struct log_report *r, char **files)
{
	char t[32];
	size_t i, j;

	for (i = 0; i < r->n; i++) {
		const struct log_host *h = &r->hosts[i];

		printf("%s: %s: %zu records, %zu boots, %zu lines", h->host,
		       h->nfindings ? "FINDINGS" : "clean", h->records, h->boots, h->lines);
		printf(" from %s", iso_time(h->first, t, sizeof(t)));
		printf(" to %s\n", iso_time(h->last, t, sizeof(t)));
		for (j = 0; j < h->nfindings; j++) {
			const struct log_finding *f = &h->findings[j];

			printf("  %s %s:%zu %s: %s\n", iso_time(f->time, t, sizeof(t)),
			       files[f->file], f->line, log_kind_name(f->kind), f->what);
		}
		for (j = 0; j < h->nalarms; j++) {
			const struct log_alarm *a = &h->alarms[j];

			printf("  %s %s:%zu alarm %s (%s)\n", iso_time(a->time, t, sizeof(t)),
			       files[a->file], a->line, a->event, a->severity);
		}
	}
}

static void json_report(const struct log_report *r, char **files, struct json_object *errors)
{
	struct json_object *o = json_object_new_object(), *hosts = json_object_new_array();
	char t[32];
	size_t i, j;

	for (i = 0; i < r->n; i++) {
		const struct log_host *h = &r->hosts[i];
		struct json_object *ho = json_object_new_object(), *fa = json_object_new_array();
		struct json_object *aa = json_object_new_array();

		json_object_object_add(ho, "host", json_object_new_string(h->host));
		json_object_object_add(ho, "verdict",
				       json_object_new_string(h->nfindings ? "findings" : "clean"));
		json_object_object_add(ho, "records", json_object_new_int64((int64_t)h->records));
		json_object_object_add(ho, "boots", json_object_new_int64((int64_t)h->boots));
		json_object_object_add(ho, "lines", json_object_new_int64((int64_t)h->lines));
		json_object_object_add(ho, "first",
				       json_object_new_string(iso_time(h->first, t, sizeof(t))));
		json_object_object_add(ho, "last",
				       json_object_new_string(iso_time(h->last, t, sizeof(t))));
		for (j = 0; j < h->nfindings; j++) {
			const struct log_finding *f = &h->findings[j];
			struct json_object *fo = json_object_new_object();

			json_object_object_add(fo, "time",
					       json_object_new_string(iso_time(f->time, t, sizeof(t))));
			json_object_object_add(fo, "file", json_object_new_string(files[f->file]));
			json_object_object_add(fo, "line", json_object_new_int64((int64_t)f->line));
			json_object_object_add(fo, "kind",
					       json_object_new_string(log_kind_name(f->kind)));
			json_object_object_add(fo, "what", json_object_new_string(f->what));
			json_object_array_add(fa, fo);
		}
		for (j = 0; j < h->nalarms; j++) {
			const struct log_alarm *a = &h->alarms[j];
			struct json_object *ao = json_object_new_object();

			json_object_object_add(ao, "time",
					       json_object_new_string(iso_time(a->time, t, sizeof(t))));
			json_object_object_add(ao, "file", json_object_new_string(files[a->file]));
			json_object_object_add(ao, "line", json_object_new_int64((int64_t)a->line));
			json_object_object_add(ao, "event", json_object_new_string(a->event));
			json_object_object_add(ao, "severity", json_object_new_string(a->severity));
			json_object_array_add(aa, ao);
		}
		json_object_object_add(ho, "findings", fa);
		json_object_object_add(ho, "alarms", aa);
		json_object_array_add(hosts, ho);
	}
	json_object_object_add(o, "hosts", hosts);
	json_object_object_add(o, "errors", json_object_get(errors));
	uctl_json_print(o);
	json_object_put(o);
}

int cmd_verify_log(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "max-silence", required_argument, NULL, 's' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	__s64 silence = VERIFY_LOG_SILENCE_DEFAULT, now = (__s64)time(NULL);
	struct read_errors errs = { 0 };
	struct log_set set = { 0 };
	struct log_report rep;
	size_t i, findings = 0;
	int opt, ret = 0, nfiles;

	optind = 1;
	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (opt == 's') {
			if (ucap_parse_duration(optarg, &silence))
				return uctl_usage_err("verify-log", "--max-silence '%s' is not a duration (90, 90s, 15m, 2h, 1d)",
						      optarg);
			continue;
		}
		ret = uctl_common_opt(opt, argv, "verify-log", verify_log_help);
		if (ret >= 0)
			return ret;
	}
	ret = 0;
	nfiles = argc - optind;
	if (nfiles < 1)
		return uctl_usage_err("verify-log", "give one FILE or more");
	if (uctl.json)
		errs.json = json_object_new_array();
	for (i = 0; !ret && i < (size_t)nfiles; i++)
		ret = read_file(argv[optind + i], (unsigned int)i, &set, now, &errs);
	if (!ret)
		ret = log_check(&set, silence, &rep);
	if (ret) {
		json_object_put(errs.json);
		log_set_free(&set);
		return uctl_err("verify-log", ret);
	}
	if (uctl.json)
		json_report(&rep, &argv[optind], errs.json);
	else
		text_report(&rep, &argv[optind]);
	for (i = 0; i < rep.n; i++)
		findings += rep.hosts[i].nfindings;
	log_report_free(&rep);
	log_set_free(&set);
	json_object_put(errs.json);
	return findings || errs.n ? UCTL_FAIL : UCTL_OK;
}
