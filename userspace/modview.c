// SPDX-License-Identifier: GPL-2.0
/*
 * The module's figures as status, cap show and rate show present them:
 * JSON (the "module" object of status --json, format version 1) and text.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "ucap_tpm_abi.h"
#include "uploadctl.h"

json_object *uctl_json_u64(__u64 v)
{
	return json_object_new_uint64(v);
}

/*
 * The shortest of 15, 16 and 17 significant digits that reads back as v:
 * a tenth prints as 0.1 (json-c's %.17g gives 0.10000000000000001), and
 * nothing is rounded away (%g would turn 1234567 into 1.23457e+06).
 */
json_object *uctl_json_double(double v)
{
	char buf[32];
	int prec;

	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.17g", v);
	return json_object_new_double_s(v, buf);
}

/*
 * Which module runs, and which the next boot loads: an upgrade replaces
 * the file, never the armed module (it cannot be unloaded).
 */
static void version_json(json_object *o, const struct ucap_module *m)
{
	char next[32];

	json_object_object_add(o, "version", m->version[0] ? json_object_new_string(m->version) :
			       NULL);
	json_object_object_add(o, "version_next_boot",
			       ucap_module_file_version(next, sizeof(next)) ? NULL :
			       json_object_new_string(next));
}

static void version_text(const struct ucap_module *m)
{
	char next[32];

	const char *v = m->version[0] ? m->version : "(none given)";

	if (ucap_module_file_version(next, sizeof(next)))
		printf("            version %s runs; modprobe finds no uploadcap.ko for the next boot\n",
		       v);
	else if (!strcmp(next, m->version))
		printf("            version %s, as the next boot loads\n", v);
	else
		printf("            version %s runs; the next boot loads %s\n", v, next);
}

/*
 * The "module" object: its state, then every figure of UCAP_FIGURES in
 * that order (null while it holds no value), then the text files and the
 * versions.
 */
static void module_json_fill(json_object *o, const struct ucap_module *m)
{
	size_t i;

	json_object_object_add(o, "state", json_object_new_string(ucap_mod_state_name(m->state)));
	for (i = 0; i < ucap_nfigures; i++) {
		const struct ucap_figure *f = &ucap_figures[i];

		json_object_object_add(o, f->name, ucap_module_has(m, f, false) ?
				       uctl_json_u64(ucap_figure_value(m, f)) : NULL);
	}
	json_object_object_add(o, "reserve_dst",
			       m->reserve_known ? json_object_new_string(m->reserve_dst) : NULL);
	json_object_object_add(o, "tpm_state", json_object_new_string(m->tpm_state));
	version_json(o, m);
}

json_object *uctl_module_json(const struct ucap_module *m)
{
	json_object *o = json_object_new_object();

	module_json_fill(o, m);
	return o;
}

/* rate show --json: the figures of UCAP_FIGURES named rate_ that JSON shows. */
void uctl_rate_json(json_object *o, const struct ucap_module *m)
{
	size_t i;

	for (i = 0; i < ucap_nfigures; i++) {
		const struct ucap_figure *f = &ucap_figures[i];

		if (strncmp(f->name, "rate_", 5))
			continue;
		json_object_object_add(o, f->name, ucap_module_has(m, f, false) ?
				       uctl_json_u64(ucap_figure_value(m, f)) : NULL);
	}
}

void uctl_rate_text(const struct ucap_module *m)
{
	char a[64], b[64], c[64], d[64];

	if (!m->rate_bytes_per_sec) {
		printf("rate:       no ceiling; now %s/s\n",
		       uctl_size(m->rate_current_bytes_per_sec, a, sizeof(a)));
		return;
	}
	printf("rate:       ceiling %s/s, burst %s; now %s/s\n"
	       "            dropped by the ceiling: %s in %llu packets\n",
	       uctl_size(m->rate_bytes_per_sec, a, sizeof(a)),
	       uctl_size(m->rate_burst_bytes, b, sizeof(b)),
	       uctl_size(m->rate_current_bytes_per_sec, c, sizeof(c)),
	       uctl_size(m->rate_dropped_bytes, d, sizeof(d)),
	       (unsigned long long)m->rate_dropped_packets);
}

/* The write-ahead lease: how far the hooks may go before the next raise. */
static void lease_text(const struct ucap_module *m)
{
	char a[64], b[64];

	if (m->anchored)
		printf("anchor:     TPM counter, step %s; floor at load %s\n",
		       uctl_size(m->lease_step_bytes, a, sizeof(a)),
		       uctl_size(m->tpm_floor_bytes, b, sizeof(b)));
	else if (!strcmp(m->tpm_state, UCAP_TPM_STATE_FAILED))
		printf("anchor:     FAILED: the TPM anchor cannot be trusted (uploadctl tpm status)\n");
	if (m->reserve_bytes)
		printf("reserve:    %s past the cap, to %s only; %s of it spent\n",
		       uctl_size(m->reserve_bytes, a, sizeof(a)),
		       m->reserve_dst[0] ? m->reserve_dst : "(no destination: unusable)",
		       uctl_size(m->reserve_used_bytes, b, sizeof(b)));
	if (!m->lease)
		return;
	printf("lease:      %s (%s); %s of it left\n", uctl_size(m->lease_bytes, a, sizeof(a)),
	       m->anchored ? "kept in the TPM counter" : "written ahead in the ledger",
	       uctl_size(m->lease_bytes > m->used_bytes ? m->lease_bytes - m->used_bytes : 0,
			 b, sizeof(b)));
}

void uctl_module_text(const struct ucap_module *m)
{
	char a[64], b[64], c[64], d[64], e[64];
	char bar[UCTL_BAR_WIDTH + 1];
	double pct;
	int i, fill;

	if (m->state == UCAP_MOD_UNARMED) {
		printf("module:     unarmed: no cap set yet, counting only; used %s\n",
		       uctl_size(m->used_bytes, a, sizeof(a)));
		lease_text(m);
		uctl_rate_text(m);
		version_text(m);
		return;
	}
	pct = m->cap_bytes ? 100.0 * (double)m->used_bytes / (double)m->cap_bytes : 100.0;
	fill = (int)(pct * UCTL_BAR_WIDTH / 100.0);
	for (i = 0; i < UCTL_BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[UCTL_BAR_WIDTH] = '\0';
	printf("module:     %s, cap %s\n"
	       "            used %s [%s] %.2f%%\n"
	       "            remaining %s; dropped %s in %llu packets; tamper attempts %llu\n"
	       "            sent past the hooks (charged): %s\n",
	       ucap_mod_state_name(m->state), uctl_size(m->cap_bytes, a, sizeof(a)),
	       uctl_size(m->used_bytes, b, sizeof(b)), bar, pct,
	       uctl_size(m->remaining_bytes, c, sizeof(c)),
	       uctl_size(m->dropped_bytes, d, sizeof(d)),
	       (unsigned long long)m->dropped_packets,
	       (unsigned long long)m->tamper_attempts,
	       uctl_size(m->bypass_bytes, e, sizeof(e)));
	lease_text(m);
	uctl_rate_text(m);
	version_text(m);
}

int uctl_module_show(int argc, char **argv, const char *cmd, const char *help,
		     bool rate_only)
{
	static const struct option longopts[] = {
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct ucap_module m;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		ret = uctl_common_opt(opt, argv, cmd, help);
		if (ret >= 0)
			return ret;
	}
	if (optind != argc)
		return uctl_usage_err(cmd, "unexpected argument '%s'", argv[optind]);
	/* sysfs is 0444: no root needed. */
	ret = ucap_module_read(&m, UCAP_SYSFS_DIR);
	if (ret)
		return uctl_err(cmd, ret);
	if (uctl.json) {
		json_object *o = json_object_new_object();

		if (rate_only)
			uctl_rate_json(o, &m);
		else
			module_json_fill(o, &m);
		uctl_json_print(o);
		json_object_put(o);
	} else if (rate_only) {
		uctl_rate_text(&m);
	} else {
		uctl_module_text(&m);
	}
	ucap_module_free(&m);
	return UCTL_OK;
}
