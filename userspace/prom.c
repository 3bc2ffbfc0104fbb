// SPDX-License-Identifier: GPL-2.0
/*
 * The meters in Prometheus' text exposition format (version 0.0.4), for
 * `uploadctl status --format prometheus` and the agent's --textfile (read
 * by node_exporter's textfile collector). Every family has its HELP and
 * TYPE lines even when it has no sample, so that a scrape always shows
 * what exists. Names and label values are stable: alert rules depend on
 * them (uploadctl(8), dist/prometheus/uploadcap.rules.yml).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alarm.h"
#include "ucap_tpm_abi.h"
#include "uploadctl.h"

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

/* name{device="dev"} v: node_exporter's label for a network device. */
static void device_sample(FILE *f, const char *name, const char *dev, __u64 v)
{
	fprintf(f, "%s{device=\"", name);
	label_value(f, dev);
	fprintf(f, "\"} %llu\n", (unsigned long long)v);
}

/* Per device, one family each: the BPF meter's two, the module's, the driver's. */
static const struct {
	const char *name, *help;
} device_families[] = {
	{ "uploadcap_bpf_bytes_total",
	  "Bytes the BPF meter counted leaving a device of this network namespace (packet length, as uploadcap.ko counts them); only while attached." },
	{ "uploadcap_bpf_wire_bytes_total",
	  "The same on the wire: the headers of every segment of a GSO packet included; only while attached." },
	{ "uploadcap_module_bytes_total",
	  "Bytes uploadcap.ko let through a device's egress hook since it was loaded; only for the devices it guards." },
	{ "uploadcap_device_tx_bytes_total", "The device driver's own tx_bytes." },
};

/* Family k's figure for st; false when st has none (not attached, not guarded). */
static bool device_figure(const struct ucap_if_stat *st, size_t k, __u64 *v)
{
	switch (k) {
	case 0:
		*v = st->bpf.bytes;
		return st->attached;
	case 1:
		*v = st->bpf.wire_bytes;
		return st->attached;
	case 2:
		*v = st->mod ? st->mod->bytes : 0;
		return st->mod;
	default:
		*v = st->link.tx_bytes;
		return true;
	}
}

void uctl_prom_snapshot(FILE *f, const struct ucap_snapshot *s, const bool *shown)
{
	static const char *const states[] = { "not_loaded", "unarmed", "armed", "exhausted" };
	static const char *const tpm_states[] = {
		UCAP_TPM_STATE_ABSENT, UCAP_TPM_STATE_UNPROVISIONED, UCAP_TPM_STATE_ANCHORED,
		UCAP_TPM_STATE_FAILED,
	};
	const struct ucap_module *m = &s->module;
	const char *state = "not_loaded";
	size_t i, k;
	__u64 v;

	family(f, "uploadcap_build_info", "gauge",
	       "1, with uploadctl's version and the running module's (MODULE_VERSION; empty if it has none or is not loaded).");
	fputs("uploadcap_build_info{version=\"" UCAP_VERSION "\",module_version=\"", f);
	label_value(f, s->module_present ? m->version : "");
	fputs("\"} 1\n", f);
	if (s->module_present)
		state = ucap_mod_state_name(m->state);
	family(f, "uploadcap_state", "gauge",
	       "uploadcap.ko's state: 1 for the current one (not_loaded, unarmed, armed, exhausted).");
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		fprintf(f, "uploadcap_state{state=\"%s\"} %d\n", states[i],
			!strcmp(states[i], state));

	/* The module's figures (UCAP_FIGURES): no sample while it has none. */
	for (i = 0; i < ucap_nfigures; i++) {
		const struct ucap_figure *fig = &ucap_figures[i];

		if (!fig->prom)
			continue;
		family(f, fig->prom, fig->prom_type, fig->help);
		if (s->module_present && ucap_module_has(m, fig, true))
			fprintf(f, "%s %llu\n", fig->prom,
				(unsigned long long)ucap_figure_value(m, fig));
	}
	family(f, "uploadcap_tpm_anchor", "gauge",
	       "The TPM anchor as the module found it at load: 1 for its state (absent, unprovisioned, anchored, failed).");
	if (s->module_present)
		for (i = 0; i < sizeof(tpm_states) / sizeof(tpm_states[0]); i++)
			fprintf(f, "uploadcap_tpm_anchor{state=\"%s\"} %d\n", tpm_states[i],
				!strcmp(tpm_states[i], m->tpm_state));

	/* The three meters, one family each: they count different things. */
	for (k = 0; k < sizeof(device_families) / sizeof(device_families[0]); k++) {
		family(f, device_families[k].name, "counter", device_families[k].help);
		for (i = 0; i < s->n; i++)
			if ((!shown || shown[i]) && device_figure(&s->ifs[i], k, &v))
				device_sample(f, device_families[k].name, s->ifs[i].link.name, v);
	}
	family(f, "uploadcap_meter_attached", "gauge",
	       "1 when uploadcap's BPF meter is attached to the device.");
	for (i = 0; i < s->n; i++) {
		if ((shown && !shown[i]) || ucap_link_is_loopback(&s->ifs[i].link))
			continue;
		device_sample(f, "uploadcap_meter_attached", s->ifs[i].link.name,
			      s->ifs[i].attached);
	}
	family(f, "uploadcap_meter_attach_info", "gauge",
	       "1 for each device the BPF meter is attached to; attach says how (tcx or clsact).");
	for (i = 0; i < s->n; i++) {
		if ((shown && !shown[i]) || !s->ifs[i].attached)
			continue;
		fprintf(f, "uploadcap_meter_attach_info{device=\"");
		label_value(f, s->ifs[i].link.name);
		fprintf(f, "\",attach=\"%s\"} 1\n", ucap_attach_name(s->ifs[i].attach));
	}
}

void uctl_prom_agent(FILE *f, __u64 last_record_time)
{
	size_t i;

	family(f, "uploadcap_alarms_total", "counter",
	       "Alarms the agent raised since it started, held back by the rate limit or not.");
	for (i = 0; alarm_events[i]; i++)
		fprintf(f, "uploadcap_alarms_total{event=\"%s\"} %llu\n", alarm_events[i],
			alarm_count(alarm_events[i]));
	family(f, "uploadcap_ledger_last_record_timestamp_seconds", "gauge",
	       "When the agent wrote its last ledger record (UNIX time); absent before the first.");
	if (last_record_time)
		fprintf(f, "uploadcap_ledger_last_record_timestamp_seconds %llu\n",
			(unsigned long long)last_record_time);
}

int uctl_prom_textfile(const char *path, const struct ucap_snapshot *s, __u64 last_record_time)
{
	const char *slash = strrchr(path, '/');
	char *tmp = NULL;
	FILE *f = NULL;
	int fd = -1, ret;

	/* The temporary file next to the target: rename() stays in one fs. */
	if (asprintf(&tmp, "%.*s.%s.XXXXXX", slash ? (int)(slash - path + 1) : 0, path,
		     slash ? slash + 1 : path) < 0) {
		tmp = NULL;
		ret = -ENOMEM;
		goto out;
	}
	/*
	 * A scrape reads either the old file or the new one, never half of
	 * one: the new one is complete before it is renamed over the old.
	 */
	fd = mkstemp(tmp);
	if (fd < 0 || fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
		ret = ucap_fail(errno, "textfile %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	uctl_prom_snapshot(f, s, NULL);
	uctl_prom_agent(f, last_record_time);
	if (fflush(f) || ferror(f)) {
		ret = ucap_fail(errno ? errno : EIO, "textfile %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, path)) {
		ret = ucap_fail(errno, "textfile %s: %s", path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	ret = 0;
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	return ret;
}
