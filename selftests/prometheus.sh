#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prometheus output, read back by a real parser (Debian's
# python3-prometheus-client): `status --format prometheus` carries the same
# figures as `status --json`, every family has HELP and TYPE, label values
# survive escaping; the agent's --textfile adds uploadcap_alarms_total
# (equal to the alarms it printed), is replaced atomically (a reader never
# sees half a file) and leaves no temporary files. Runs on the host (no
# module) and in the VM (module armed: the module's figures).
. "$(dirname "$0")/lib.sh"
ucap_test_init

PY=/usr/bin/python3
$PY -c 'import prometheus_client.parser' 2>/dev/null ||
	bail "python3-prometheus-client is not installed (scripts/install-deps.sh)"

# prom_json < TEXT: the parsed exposition as JSON:
# {"families": {name: {"type", "help"}}, "samples": [{name, labels, value}]}.
# The parser raises on anything malformed; so does this.
prom_json() {
	$PY -c '
import json, sys
from prometheus_client.parser import text_string_to_metric_families
fams, samples = {}, []
for f in text_string_to_metric_families(sys.stdin.read()):
    fams[f.name] = {"type": f.type, "help": f.documentation}
    for s in f.samples:
        samples.append({"name": s.name, "labels": s.labels, "value": s.value})
print(json.dumps({"families": fams, "samples": samples}))'
}
# sample JSON NAME [LABEL=VALUE...]: the value of one sample, or "missing".
sample() {
	local js=$1 name=$2 filter='.samples[] | select(.name == $n)' l
	shift 2
	for l in "$@"; do filter+=" | select(.labels.${l%%=*} == \"${l#*=}\")"; done
	jq -r --arg n "$name" "[$filter | .value | floor] | if length == 1 then .[0] else \"missing\" end" <<<"$js"
}

module=false
if [ -e /proc/modules ]; then
	require_module_kernel
	check "insmod, cap 64 MiB" mod_load cap_bytes=$((64 << 20))
	module=true
fi
two_hosts 198.18.9.1 198.18.9.2
check_run "attach $DA" 0 "^$DA: attached" in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$DA"
veth_up "$NSA" "$DA" "$NSB" "$DB" || bail "bring veth pair up"
check "UDP, 64 KiB" udp_small "$NSA" "$NSB" 198.18.9.2 64K 512
settle "$NSA" "$DA" || diag "$DA: tx counter still moving"

st_json=$(in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --json)
text=$(in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --format prometheus)
check_eq "status --format prometheus exits 0" "$?" 0
js=$(prom_json <<<"$text")
check_eq "the parser accepts it" "$?" 0

dev_json() { jq -r --arg d "$DA" ".interfaces[] | select(.name == \$d) | .$1" <<<"$st_json"; }
check_eq "uploadcap_bpf_bytes_total: the BPF meter's bytes" \
	"$(sample "$js" uploadcap_bpf_bytes_total device="$DA")" "$(dev_json bpf_bytes)"
check_eq "uploadcap_bpf_wire_bytes_total: its wire bytes" \
	"$(sample "$js" uploadcap_bpf_wire_bytes_total device="$DA")" "$(dev_json bpf_wire_bytes)"
check_eq "uploadcap_device_tx_bytes_total: the device's tx_bytes" \
	"$(sample "$js" uploadcap_device_tx_bytes_total device="$DA")" "$(dev_json dev_tx_bytes)"
check_gt "and traffic was counted" "$(dev_json dev_tx_bytes)" 65535
check_eq "uploadcap_meter_attached for $DA" \
	"$(sample "$js" uploadcap_meter_attached device="$DA")" 1
check_eq "uploadcap_meter_attach_info says how, as status --json does" \
	"$(sample "$js" uploadcap_meter_attach_info device="$DA" attach="$(default_attach)") $(dev_json attach)" \
	"1 $(default_attach)"
check_eq "uploadcap_build_info: uploadctl's version" \
	"$(jq -r '.samples[] | select(.name == "uploadcap_build_info") | "\(.labels.version) \(.value)"' <<<"$js")" \
	"$("$UPLOADCTL" version | awk '{ print $2 }') 1"

# The format itself does not depend on the kernel: checked on the host
# only, where it is quick (under emulation every jq takes its time).
format_checks() {
	local f name text js
	# A device name with characters the format must escape (a quote and
	# a backslash are allowed in Linux interface names).
	local odd='q"x\z'
	check "a device named $odd" ip -n "$NSA" link add "$odd" type veth peer name "uq$RUN_ID"
	text=$(in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --format prometheus)
	js=$(prom_json <<<"$text")
	for f in uploadcap_state:gauge uploadcap_cap_bytes:gauge uploadcap_used_bytes_total:counter \
		uploadcap_remaining_bytes:gauge uploadcap_dropped_bytes_total:counter \
		uploadcap_bpf_bytes_total:counter uploadcap_bpf_wire_bytes_total:counter \
		uploadcap_module_bytes_total:counter \
		uploadcap_device_tx_bytes_total:counter uploadcap_bypass_bytes_total:counter \
		uploadcap_build_info:gauge \
		uploadcap_meter_attached:gauge uploadcap_meter_attach_info:gauge \
		uploadcap_rate_ceiling_bytes_per_second:gauge \
		uploadcap_rate_burst_bytes:gauge uploadcap_rate_current_bytes_per_second:gauge \
		uploadcap_rate_dropped_bytes_total:counter uploadcap_rate_dropped_packets_total:counter; do
		name=${f%%:*}
		name=${name%_total}
		check_eq "$name: TYPE ${f#*:} with a HELP text" \
			"$(jq -r --arg n "$name" '.families[$n] | "\(.type) \(.help != "")"' <<<"$js")" \
			"${f#*:} true"
	done
	check_eq "every sample right after its family's TYPE (none untyped)" \
		"$(jq '[.families[] | select(.type == "unknown")] | length' <<<"$js")" 0
	check_eq "no sample without its family's TYPE" \
		"$(grep -v '^#' <<<"$text" | sed 's/[{ ].*//' | sort -u | while read -r name; do
			grep -q "^# TYPE $name " <<<"$text" || echo "$name"; done)" ""
	check_eq "no uploadcap_bpf_bytes_total sample where the meter is not attached" \
		"$(sample "$js" uploadcap_bpf_bytes_total device=lo)" missing
	check_eq "no family labels a device 'interface' (node_exporter says device)" \
		"$(grep -c 'interface=' <<<"$text")" 0
	check_eq "a quote and a backslash in a label value survive" \
		"$(jq -r '[.samples[] | select(.name == "uploadcap_meter_attached") | .labels.device] | map(select(startswith("q"))) | .[0]' <<<"$js")" \
		"$odd"
	check_eq "exactly one state is 1" \
		"$(jq '[.samples[] | select(.name == "uploadcap_state" and .value == 1)] | length' <<<"$js")" 1
}
$module || format_checks

if $module; then
	check_eq "uploadcap_state{state=armed} 1" "$(sample "$js" uploadcap_state state=armed)" 1
	check_eq "uploadcap_cap_bytes" "$(sample "$js" uploadcap_cap_bytes)" $((64 << 20))
	check_eq "uploadcap_used_bytes_total as status --json" \
		"$(sample "$js" uploadcap_used_bytes_total)" "$(jq .module.used_bytes <<<"$st_json")"
	check_eq "uploadcap_module_bytes_total: the module's bytes for $DA" \
		"$(sample "$js" uploadcap_module_bytes_total device="$DA")" "$(dev_json module_bytes)"
	check_eq "uploadcap_dropped_bytes_total" "$(sample "$js" uploadcap_dropped_bytes_total)" \
		"$(jq .module.dropped_bytes <<<"$st_json")"
else
	check_eq "uploadcap_state{state=not_loaded} 1" "$(sample "$js" uploadcap_state state=not_loaded)" 1
	check_eq "no uploadcap_cap_bytes sample without the module" "$(sample "$js" uploadcap_cap_bytes)" missing
fi

check_run "status --format nonsense is a usage error" 2 "unknown format 'nonsense'" \
	in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --format nonsense
check_run "--format prometheus with --json is a usage error" 2 "exclude each other" \
	in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --format prometheus --json

# --- the agent's textfile: nothing in it depends on the kernel, and
# under emulation it is slow; on the host only.
$module && done_testing
DIR=$(mktemp -d)
T_CLEANUP+=("rm -rf '$DIR'")
LEDGER=$DIR/ledger
PROM=$DIR/uploadcap.prom
# A ledger that is not one: at least one alarm to count.
echo "not a ledger" >"$DIR/bad-ledger"
err=$(in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" agent --once --ledger "$DIR/bad-ledger" \
	--textfile "$PROM" 2>&1 >/dev/null)
check_eq "agent --once --textfile writes the file" "$(stat -c %a "$PROM" 2>&1)" 644
tjs=$(prom_json <"$PROM")
check_eq "the parser accepts the textfile" "$?" 0
check_eq "uploadcap_alarms_total: a counter" "$(jq -r '.families.uploadcap_alarms.type' <<<"$tjs")" counter
check_gt "the broken ledger was alarmed" "$(sample "$tjs" uploadcap_alarms_total event=ledger_tampered)" 0
events=$(jq -r '.samples[] | select(.name == "uploadcap_alarms_total") | .labels.event' <<<"$tjs")
check_gt "every event has a sample" "$(wc -l <<<"$events")" 15
wrong=
for ev in $events; do
	[ "$(sample "$tjs" uploadcap_alarms_total event="$ev")" = "$(grep -c "event=$ev " <<<"$err")" ] ||
		wrong+=" $ev"
done
check_eq "each uploadcap_alarms_total equals the alarms the agent printed" "$wrong" ""
check_eq "the last ledger record's time: absent (the ledger is broken)" \
	"$(sample "$tjs" uploadcap_ledger_last_record_timestamp_seconds)" missing
check_eq "and the meters as in status" \
	"$(sample "$tjs" uploadcap_device_tx_bytes_total device="$DA")" \
	"$(in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --json | jq --arg d "$DA" '.interfaces[] | select(.name == $d) | .dev_tx_bytes')"

# Replaced atomically: readers racing a 20 Hz writer always see a whole file.
agent_start "$NSA" --interval 0.05 --ledger "$LEDGER" --textfile "$PROM"
bad=0
for i in $(seq 60); do
	# Whole: its last family, the ledger record's time, is there.
	tail -n 3 "$PROM" | grep -q '^# TYPE uploadcap_ledger_last_record_timestamp_seconds gauge' ||
		bad=$((bad + 1))
	[ $((i % 20)) -eq 0 ] && { prom_json <"$PROM" >/dev/null 2>&1 || bad=$((bad + 1)); }
	sleep 0.01
done
agent_stop
check_eq "60 reads while the agent rewrote the file: each one whole" "$bad" 0
check_eq "uploadcap_ledger_last_record_timestamp_seconds: the ledger's last record" \
	"$(sample "$(prom_json <"$PROM")" uploadcap_ledger_last_record_timestamp_seconds)" \
	"$("$UPLOADCTL" ledger verify --json "$LEDGER" | jq .last.time)"
check_eq "no temporary file left behind" "$(find "$DIR" -name '.uploadcap.prom.*' | wc -l)" 0

check_run "a textfile in a missing directory: the agent says why, once" 0 \
	"uploadctl: agent: metrics: textfile $DIR/none/.x.prom.*: No such file or directory" \
	in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" agent --once --ledger "$LEDGER" --textfile "$DIR/none/x.prom"
check_run "a relative textfile path is a usage error" 2 "textfile: 'x.prom' is not an absolute path" \
	"$UPLOADCTL" agent --once --textfile x.prom
done_testing
