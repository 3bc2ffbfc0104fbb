// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl status: the meters for the devices of the current network
 * namespace, as a table or as JSON (format version 1, documented in
 * uploadctl(8): keys are only ever added, never renamed or removed).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "config.h"
#include "table.h"
#include "uploadctl.h"

#define STATUS_JSON_VERSION 1

static const char status_help[] =
	"Usage: uploadctl status [--json|--pretty|--format table|json|prometheus]\n"
	"                        [--weights-size SIZE] [--config FILE] [IFACE...]\n"
	"\n"
	"Show, for every device of the current network namespace (or the ones\n"
	"named), whether uploadcap's egress meter is attached, what it counted\n"
	"(bytes: skb length; wire bytes: with the headers GSO/TSO replicate;\n"
	"packets; segments), what uploadcap.ko charged for it, and the device's\n"
	"own tx counters; first, the module's state, cap and use. --json prints\n"
	"the documented format, version 1; --format prometheus the metrics in\n"
	"Prometheus' text format (uploadcap_*; the agent's --textfile adds\n"
	"uploadcap_alarms_total).\n"
	"--weights-size SIZE (weights_size in the configuration, default\n"
	CONFIG_DEFAULT_PATH ") adds the exfiltration floor: whether the cap\n"
	"still allows that many bytes out at all and, with a rate ceiling, the\n"
	"least time uploading them would take.\n";

/*
 * What the cap and the ceiling mean for weights of a given size. The
 * floor is the time to send them at the ceiling with a full burst to
 * start with; it does not count the cap, which may forbid it outright.
 */
struct exfil {
	__u64 weights;
	bool capped;		/* the cap is armed: remaining counts */
	__u64 remaining;
	bool possible;		/* the cap still allows weights bytes out */
	bool have_floor;	/* there is a rate ceiling */
	double floor_seconds;
};

static void exfil_compute(struct exfil *x, const struct ucap_module *m, __u64 weights)
{
	memset(x, 0, sizeof(*x));
	x->weights = weights;
	x->capped = m->state != UCAP_MOD_UNARMED;
	x->remaining = m->remaining_bytes;
	x->possible = !x->capped || x->remaining >= weights;
	x->have_floor = m->rate_bytes_per_sec != 0;
	if (x->have_floor)
		x->floor_seconds = weights > m->rate_burst_bytes ?
				   (double)(weights - m->rate_burst_bytes) /
				   (double)m->rate_bytes_per_sec : 0.0;
}

static const char *duration(double s, char *buf, size_t len)
{
	if (s < 120)
		snprintf(buf, len, "%.0f seconds", s);
	else if (s < 2 * 3600)
		snprintf(buf, len, "%.1f minutes", s / 60);
	else if (s < 2 * 86400)
		snprintf(buf, len, "%.1f hours", s / 3600);
	else if (s < 2 * 365.25 * 86400)
		snprintf(buf, len, "%.1f days", s / 86400);
	else
		snprintf(buf, len, "%.1f years", s / (365.25 * 86400));
	return buf;
}

static json_object *exfil_json(const struct exfil *x)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "weights_bytes", uctl_json_u64(x->weights));
	json_object_object_add(o, "remaining_bytes", x->capped ? uctl_json_u64(x->remaining) : NULL);
	json_object_object_add(o, "possible", json_object_new_boolean(x->possible));
	json_object_object_add(o, "floor_seconds",
			       x->have_floor ? uctl_json_double(x->floor_seconds) : NULL);
	return o;
}

static void exfil_text(const struct exfil *x)
{
	char a[64], b[64], d[64];

	printf("weights:    %s\n", uctl_size(x->weights, a, sizeof(a)));
	if (!x->possible) {
		printf("            cannot be exfiltrated through this host's network: "
		       "%s left under the cap\n", uctl_size(x->remaining, b, sizeof(b)));
		return;
	}
	if (x->capped)
		printf("            the cap still allows them out: %s left\n",
		       uctl_size(x->remaining, b, sizeof(b)));
	else
		printf("            no cap armed: nothing stops them leaving\n");
	if (x->have_floor)
		printf("            at the rate ceiling, uploading them takes at least %s\n",
		       duration(x->floor_seconds, d, sizeof(d)));
	else
		printf("            no rate ceiling: only the links' speed limits how fast\n");
}

static json_object *bpf_u64(const struct ucap_snapshot *s, __u64 v)
{
	return s->meter_denied ? NULL : uctl_json_u64(v);
}

static void print_json(const struct ucap_snapshot *s, const bool *shown,
		       const struct exfil *x)
{
	json_object *root = json_object_new_object();
	json_object *ifs = json_object_new_array();
	size_t i;

	json_object_object_add(root, "version", json_object_new_int(STATUS_JSON_VERSION));
	json_object_object_add(root, "module",
			       s->module_present ? uctl_module_json(&s->module) : NULL);
	json_object_object_add(root, "exfiltration", x ? exfil_json(x) : NULL);
	json_object_object_add(root, "meter_readable", json_object_new_boolean(!s->meter_denied));
	for (i = 0; i < s->n; i++) {
		const struct ucap_if_stat *st = &s->ifs[i];
		json_object *o;

		if (!shown[i])
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(st->link.name));
		json_object_object_add(o, "ifindex", uctl_json_u64(st->link.ifindex));
		/* Not readable (no CAP_BPF): null, never a 0 that looks counted. */
		json_object_object_add(o, "attached", s->meter_denied ? NULL :
				       json_object_new_boolean(st->attached));
		json_object_object_add(o, "attach", st->attached ?
				       json_object_new_string(ucap_attach_name(st->attach)) : NULL);
		json_object_object_add(o, "bpf_bytes", bpf_u64(s, st->bpf.bytes));
		json_object_object_add(o, "bpf_wire_bytes", bpf_u64(s, st->bpf.wire_bytes));
		json_object_object_add(o, "bpf_packets", bpf_u64(s, st->bpf.packets));
		json_object_object_add(o, "bpf_segments", bpf_u64(s, st->bpf.segments));
		json_object_object_add(o, "module_bytes", st->mod ? uctl_json_u64(st->mod->bytes) : NULL);
		json_object_object_add(o, "module_packets",
				       st->mod ? uctl_json_u64(st->mod->packets) : NULL);
		json_object_object_add(o, "dev_tx_bytes", uctl_json_u64(st->link.tx_bytes));
		json_object_object_add(o, "dev_tx_packets", uctl_json_u64(st->link.tx_packets));
		json_object_array_add(ifs, o);
	}
	json_object_object_add(root, "interfaces", ifs);
	uctl_json_print(root);
	json_object_put(root);
}

static void print_text(const struct ucap_snapshot *s, const bool *shown,
		       const struct exfil *x)
{
	struct uctl_table *t = uctl_table_new(11);
	char a[64], b[64], c[64];
	unsigned int attached = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		attached += s->ifs[i].attached;

	if (s->module_present)
		uctl_module_text(&s->module);
	else
		printf("module:     not loaded: nothing enforces a cap, the figures below are counts only\n");
	if (x)
		exfil_text(x);
	if (s->meter_denied)
		printf("BPF meter:  not readable by this user: the kernel lets only CAP_BPF read\n"
		       "            its maps (run as root for its figures)\n");
	else if (s->meter_present)
		printf("BPF meter:  %s, attached to %u device%s of this network namespace (inode %llu)\n"
		       "            all namespaces: %s, wire %s, %llu packets\n",
		       uctl.pin_dir, attached, attached == 1 ? "" : "s",
		       (unsigned long long)s->ns.ino,
		       uctl_size(s->total.bytes, a, sizeof(a)),
		       uctl_size(s->total.wire_bytes, b, sizeof(b)),
		       (unsigned long long)s->total.packets);
	else if (ucap_bpffs_prepare(uctl.pin_dir, false) < 0)
		printf("BPF meter:  not visible here: %s\n", ucap_why(-ENOENT));
	else
		printf("BPF meter:  not set up (no maps in %s; 'uploadctl attach' creates them)\n",
		       uctl.pin_dir);
	if (s->retired.packets)
		printf("retired:    %s, wire %s, %llu packets: devices that are gone\n",
		       uctl_size(s->retired.bytes, a, sizeof(a)),
		       uctl_size(s->retired.wire_bytes, b, sizeof(b)),
		       (unsigned long long)s->retired.packets);
	putchar('\n');

	uctl_table_cell(t, "INTERFACE");
	uctl_table_cell(t, "IFINDEX");
	uctl_table_cell(t, "METER");
	uctl_table_cell(t, "METER BYTES");
	uctl_table_cell(t, "WIRE BYTES");
	uctl_table_cell(t, "PACKETS");
	uctl_table_cell(t, "SEGMENTS");
	uctl_table_cell(t, "DEVICE TX BYTES");
	uctl_table_cell(t, "DEVICE TX PACKETS");
	uctl_table_cell(t, "MODULE BYTES");
	uctl_table_cell(t, "ATTACH");
	for (i = 0; i < s->n; i++) {
		const struct ucap_if_stat *st = &s->ifs[i];

		if (!shown[i])
			continue;
		uctl_table_cell(t, "%s", st->link.name);
		uctl_table_cell(t, "%u", st->link.ifindex);
		if (s->meter_denied) {
			uctl_table_cell(t, "?");
			uctl_table_cell(t, "?");
			uctl_table_cell(t, "?");
			uctl_table_cell(t, "?");
			uctl_table_cell(t, "?");
		} else {
			uctl_table_cell(t, "%s", st->attached ? "attached" :
					st->prog_id ? "foreign" :
					ucap_link_is_loopback(&st->link) ? "-" : "off");
			uctl_table_cell(t, "%s", uctl_size(st->bpf.bytes, a, sizeof(a)));
			uctl_table_cell(t, "%s", uctl_size(st->bpf.wire_bytes, b, sizeof(b)));
			uctl_table_cell(t, "%llu", (unsigned long long)st->bpf.packets);
			uctl_table_cell(t, "%llu", (unsigned long long)st->bpf.segments);
		}
		uctl_table_cell(t, "%s", uctl_size(st->link.tx_bytes, c, sizeof(c)));
		uctl_table_cell(t, "%llu", (unsigned long long)st->link.tx_packets);
		if (st->mod)
			uctl_table_cell(t, "%s", uctl_size(st->mod->bytes, a, sizeof(a)));
		else
			uctl_table_cell(t, "%s", !s->module_present ? "-" :
					ucap_link_is_loopback(&st->link) ? "- (loopback)" :
					"- (not guarded)");
		/* How the meter is attached: tcx or clsact. */
		uctl_table_cell(t, "%s", st->attached ? ucap_attach_name(st->attach) : "-");
	}
	uctl_table_print(t, stdout);
	uctl_table_free(t);
}

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "weights-size", required_argument, NULL, 'w' },
		{ "config", required_argument, NULL, 'c' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *config = CONFIG_DEFAULT_PATH, *weights_arg = NULL;
	struct exfil exfil, *x = NULL;
	bool *shown = NULL, prom = false, config_required = false;
	struct uctl_config cfg;
	struct ucap_snapshot s;
	int opt, ret, i;
	size_t k;

	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (opt == 'f') {
			prom = !strcmp(optarg, "prometheus");
			if (!strcmp(optarg, "json"))
				uctl.json = true;
			else if (!prom && strcmp(optarg, "table"))
				return uctl_usage_err("status", "unknown format '%s' (table, json or prometheus)",
						      optarg);
			continue;
		}
		if (opt == 'w') {
			weights_arg = optarg;
			continue;
		}
		if (opt == 'c') {
			config = optarg;
			config_required = true;
			continue;
		}
		ret = uctl_common_opt(opt, argv, "status", status_help);
		if (ret >= 0)
			return ret;
	}
	if (prom && uctl.json)
		return uctl_usage_err("status", "--format prometheus and --json exclude each other");
	/* The weights' size: the option, else the configuration's, if any. */
	config_defaults(&cfg);
	if (weights_arg) {
		ret = ucap_parse_size(weights_arg, &cfg.weights_size);
		if (ret) {
			uctl_usage_err("status", "--weights-size: %s", ucap_why(ret));
			ucap_clear_why();
			return UCTL_USAGE;
		}
	} else {
		ret = config_load(&cfg, config);
		if (ret == -ENOENT && !config_required)
			ret = 0;
		if (ret)
			return uctl_err("status: configuration", ret);
	}

	/* Any user: the module's sysfs and the devices' counters are readable. */
	ret = ucap_snapshot_take_any_user(&s, uctl.pin_dir, UCAP_SYSFS_DIR);
	if (ret)
		return uctl_err("status", ret);

	shown = calloc(s.n ? s.n : 1, sizeof(*shown));
	if (!shown) {
		ret = uctl_err("status", -ENOMEM);
		goto free_snapshot;
	}
	for (k = 0; k < s.n; k++)
		shown[k] = optind >= argc;
	for (i = optind; i < argc; i++) {
		for (k = 0; k < s.n; k++)
			if (!strcmp(s.ifs[k].link.name, argv[i]))
				break;
		if (k == s.n) {
			ret = uctl_errf("status %s: no such interface in this network namespace",
					argv[i]);
			goto free_shown;
		}
		shown[k] = true;
	}

	/*
	 * A program at our tc position but no maps to read: the counts exist
	 * but not where we look. Say so rather than print zeros.
	 */
	if (!s.meter_present && !s.meter_denied) {
		for (k = 0; k < s.n; k++) {
			if (!s.ifs[k].prog_id)
				continue;
			ret = ucap_bpffs_prepare(uctl.pin_dir, false);
			ret = uctl_errf("status: %s has a program at uploadcap's tc position but "
					"no meter maps are pinned in %s%s%s",
					s.ifs[k].link.name, uctl.pin_dir, ret ? ": " : "",
					ret ? ucap_why(ret) : " (deleted?)");
			ucap_clear_why();
			goto free_shown;
		}
	}

	if (cfg.weights_size) {
		exfil_compute(&exfil, s.module_present ? &s.module : &(struct ucap_module){ 0 },
			      cfg.weights_size);
		x = &exfil;
	}
	if (prom)
		uctl_prom_snapshot(stdout, &s, shown);
	else if (uctl.json)
		print_json(&s, shown, x);
	else
		print_text(&s, shown, x);
	ret = UCTL_OK;
free_shown:
	free(shown);
free_snapshot:
	ucap_snapshot_free(&s);
	return ret;
}
