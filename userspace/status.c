// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl status: the meters for the devices of the current network
 * namespace, as a table or as JSON (format version 1, documented in
 * README.md: keys are only ever added, never renamed or removed).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "table.h"
#include "uploadctl.h"

#define STATUS_JSON_VERSION 1

static const char status_help[] =
	"Usage: uploadctl status [--json|--pretty|--format table|json|prometheus] [IFACE...]\n"
	"\n"
	"Show, for every device of the current network namespace (or the ones\n"
	"named), whether uploadcap's egress meter is attached, what it counted\n"
	"(bytes: skb length; wire bytes: with the headers GSO/TSO replicate;\n"
	"packets; segments), what uploadcap.ko charged for it, and the device's\n"
	"own tx counters; first, the module's state, cap and use. --json prints\n"
	"the documented format, version 1; --format prometheus the metrics in\n"
	"Prometheus' text format (uploadcap_*; the agent's --textfile adds\n"
	"uploadcap_alarms_total).\n";

json_object *uctl_json_u64(__u64 v)
{
	return json_object_new_uint64(v);
}

json_object *uctl_module_json(const struct ucap_module *m)
{
	json_object *o = json_object_new_object();
	bool armed = m->state != UCAP_MOD_UNARMED;

	json_object_object_add(o, "state", json_object_new_string(ucap_mod_state_name(m->state)));
	json_object_object_add(o, "cap_bytes", armed ? uctl_json_u64(m->cap_bytes) : NULL);
	json_object_object_add(o, "used_bytes", uctl_json_u64(m->used_bytes));
	json_object_object_add(o, "remaining_bytes", armed ? uctl_json_u64(m->remaining_bytes) : NULL);
	json_object_object_add(o, "dropped_bytes", uctl_json_u64(m->dropped_bytes));
	json_object_object_add(o, "dropped_packets", uctl_json_u64(m->dropped_packets));
	json_object_object_add(o, "tamper_attempts", uctl_json_u64(m->tamper_attempts));
	json_object_object_add(o, "bypass_bytes", uctl_json_u64(m->bypass_bytes));
	return o;
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
}

static void print_json(const struct ucap_snapshot *s, const bool *shown)
{
	json_object *root = json_object_new_object();
	json_object *ifs = json_object_new_array();
	size_t i;

	json_object_object_add(root, "version", json_object_new_int(STATUS_JSON_VERSION));
	json_object_object_add(root, "module",
			       s->module_present ? uctl_module_json(&s->module) : NULL);
	for (i = 0; i < s->n; i++) {
		const struct ucap_if_stat *st = &s->ifs[i];
		json_object *o;

		if (!shown[i])
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(st->link.name));
		json_object_object_add(o, "ifindex", uctl_json_u64(st->link.ifindex));
		json_object_object_add(o, "attached", json_object_new_boolean(st->attached));
		json_object_object_add(o, "bpf_bytes", uctl_json_u64(st->bpf.bytes));
		json_object_object_add(o, "bpf_wire_bytes", uctl_json_u64(st->bpf.wire_bytes));
		json_object_object_add(o, "bpf_packets", uctl_json_u64(st->bpf.packets));
		json_object_object_add(o, "bpf_segments", uctl_json_u64(st->bpf.segments));
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

static void print_text(const struct ucap_snapshot *s, const bool *shown)
{
	struct uctl_table *t = uctl_table_new(10);
	char a[64], b[64], c[64];
	unsigned int attached = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		attached += s->ifs[i].attached;

	if (s->module_present)
		uctl_module_text(&s->module);
	else
		printf("module:     not loaded: nothing enforces a cap, the figures below are counts only\n");
	if (s->meter_present)
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
	for (i = 0; i < s->n; i++) {
		const struct ucap_if_stat *st = &s->ifs[i];

		if (!shown[i])
			continue;
		uctl_table_cell(t, "%s", st->link.name);
		uctl_table_cell(t, "%u", st->link.ifindex);
		uctl_table_cell(t, "%s", st->attached ? "attached" :
				st->prog_id ? "foreign" :
				ucap_link_is_loopback(&st->link) ? "-" : "off");
		uctl_table_cell(t, "%s", uctl_size(st->bpf.bytes, a, sizeof(a)));
		uctl_table_cell(t, "%s", uctl_size(st->bpf.wire_bytes, b, sizeof(b)));
		uctl_table_cell(t, "%llu", (unsigned long long)st->bpf.packets);
		uctl_table_cell(t, "%llu", (unsigned long long)st->bpf.segments);
		uctl_table_cell(t, "%s", uctl_size(st->link.tx_bytes, c, sizeof(c)));
		uctl_table_cell(t, "%llu", (unsigned long long)st->link.tx_packets);
		if (st->mod)
			uctl_table_cell(t, "%s", uctl_size(st->mod->bytes, a, sizeof(a)));
		else
			uctl_table_cell(t, "%s", !s->module_present ? "-" :
					ucap_link_is_loopback(&st->link) ? "- (loopback)" :
					"- (not guarded)");
	}
	uctl_table_print(t, stdout);
	uctl_table_free(t);
}

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct ucap_snapshot s;
	bool *shown = NULL, prom = false;
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
		ret = uctl_common_opt(opt, argv, "status", status_help);
		if (ret >= 0)
			return ret;
	}
	if (prom && uctl.json)
		return uctl_usage_err("status", "--format prometheus and --json exclude each other");

	ret = ucap_require_root();
	if (!ret)
		ret = ucap_require_bpf();
	if (!ret)
		ret = ucap_snapshot_take(&s, uctl.pin_dir, UCAP_SYSFS_DIR, NULL);
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
	if (!s.meter_present) {
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

	if (prom)
		uctl_prom_snapshot(stdout, &s, shown);
	else if (uctl.json)
		print_json(&s, shown);
	else
		print_text(&s, shown);
	ret = UCTL_OK;
free_shown:
	free(shown);
free_snapshot:
	ucap_snapshot_free(&s);
	return ret;
}
