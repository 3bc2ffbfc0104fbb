#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The rate ceiling (in the VM): its write-once rules through sysfs,
# uploadctl and the load parameters; over a veth pair, UDP beyond the
# ceiling and TCP, sampled ten times a second: what the module let through
# in every window of a second or more stays within rate * W + burst; the
# ceiling is really used; what it drops is counted and never charged to
# the cap; and status shows the ceiling and the exfiltration floor.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

MIN_BURST=262144

# --- load parameters: a burst below the minimum is refused
dmesg_mark
check_run "insmod rate_burst_bytes=1000 is refused" 1 "" mod_load rate_burst_bytes=1000
check_run "and the log says why" 0 "rate_burst_bytes=1000: below the minimum of $MIN_BURST" dmesg_since
check "module not loaded" test ! -d "$SYSFS"

check "insmod (no ceiling)" mod_load
check_eq "rate_bytes_per_sec 0: no ceiling" "$(mod_get rate_bytes_per_sec)" 0
check_eq "rate_burst_bytes: the minimum by default" "$(mod_get rate_burst_bytes)" $MIN_BURST
check_eq "rate_dropped_packets 0" "$(mod_get rate_dropped_packets)" 0
check_eq "rate_debt_bytes 0" "$(mod_get rate_debt_bytes)" 0
check_eq "rate files: modes" "$(stat -c '%n %a' "$SYSFS"/rate_* | sed 's|.*/||' | tr '\n' ' ')" \
	"rate_burst_bytes 644 rate_bytes_per_sec 644 rate_current_bytes_per_sec 444 rate_debt_bytes 444 rate_dropped_bytes 444 rate_dropped_packets 444 "
check "without a ceiling or cap, rmmod works" rmmod uploadcap
check "insmod again" mod_load

# --- sysfs: bad input, clearing, staging the burst
tamper0=$(mod_get tamper_attempts)
check_run "rate_bytes_per_sec 'garbage': EINVAL" 1 "Invalid argument" mod_set rate_bytes_per_sec garbage
check_run "rate_bytes_per_sec 0: EPERM (clearing is refused)" 1 "Operation not permitted" \
	mod_set rate_bytes_per_sec 0
check_eq "both counted as tamper attempts" "$(mod_get tamper_attempts)" $((tamper0 + 2))
check_run "rate_burst_bytes 1000: EINVAL (below the minimum)" 1 "Invalid argument" \
	mod_set rate_burst_bytes 1000
check_eq "a too small burst is bad input, not tampering" "$(mod_get tamper_attempts)" $((tamper0 + 2))
check "unarmed, the burst can be staged" mod_set rate_burst_bytes 600000
check "and staged again, higher or lower" mod_set rate_burst_bytes 700000
check_eq "rate_burst_bytes staged" "$(mod_get rate_burst_bytes)" 700000
check_eq "still no ceiling" "$(mod_get rate_bytes_per_sec)" 0

# --- uploadctl rate: usage errors, arming, refusals
check_run "rate set 0: usage error" 2 "more than zero" "$UPLOADCTL" rate set 0
check_run "rate set -1MB/s: usage error" 2 "negative" "$UPLOADCTL" rate set -1MB/s
check_run "rate set --burst 100K: usage error" 2 "below the minimum" \
	"$UPLOADCTL" rate set 2MB/s --burst 100K
RATE=2000000
BURST=524288
dmesg_mark
check_run "rate set 2MB/s --burst 512KiB arms" 0 \
	"^rate ceiling armed: $RATE .*/s" "$UPLOADCTL" rate set 2MB/s --burst 512KiB
check_run "and says so for the burst" 0 "^rate burst armed: $BURST " echo "$RUN_OUT"
check_eq "rate_bytes_per_sec" "$(mod_get rate_bytes_per_sec)" $RATE
check_eq "rate_burst_bytes" "$(mod_get rate_burst_bytes)" $BURST
check_eq "the cap is still unarmed" "$(mod_get state)" unarmed
check_run "the arming is logged" 0 "uploadcap: rate ceiling armed: $RATE bytes per second, burst $BURST bytes" \
	dmesg_since
check_run "an armed ceiling keeps the module in" 1 "" rmmod uploadcap
tamper0=$(mod_get tamper_attempts)
check_run "rate set 3MB/s: refused" 1 "refused: the rate ceiling is $RATE .* can only be lowered" \
	"$UPLOADCTL" rate set 3MB/s
check_run "rate set 2MB/s --burst 1MiB: the burst raise refused" 1 \
	"refused: the rate burst is $BURST .* can only be lowered" "$UPLOADCTL" rate set 2MB/s --burst 1MiB
check_run "rate_bytes_per_sec 0 after arming: EPERM" 1 "Operation not permitted" \
	mod_set rate_bytes_per_sec 0
check_eq "three tamper attempts counted" "$(mod_get tamper_attempts)" $((tamper0 + 3))
check_eq "the ceiling is unchanged" "$(mod_get rate_bytes_per_sec)" $RATE
check_eq "the burst is unchanged" "$(mod_get rate_burst_bytes)" $BURST
check_run "the refusals are logged" 0 "refused to raise the rate ceiling \(3000000\)" dmesg_since
check_run "rate set 2MB/s: unchanged" 0 "^rate ceiling unchanged: $RATE" "$UPLOADCTL" rate set 2MB/s

# --- traffic
two_hosts 198.18.6.1 198.18.6.2
veth_up "$NSA" "$DA" "$NSB" "$DB" || bail "bring veth pair up"
dev_sum() { awk 'NR > 1 { s += $4 } END { print s + 0 }' "$SYSFS/devices"; }

# sample FILE: "before used after current" lines, ten a second, until
# killed: the read of used_bytes happened between the two times; current
# is rate_current_bytes_per_sec.
sample() {
	local b u a c
	for _ in $(seq 600); do
		b=$EPOCHREALTIME
		read -r u <"$SYSFS/used_bytes"
		a=$EPOCHREALTIME
		read -r c <"$SYSFS/rate_current_bytes_per_sec"
		echo "$b $u $a $c"
		sleep 0.1
	done >"$1"
}

# windows FILE RATE BURST: over every pair of samples at least a second
# apart, what passed between them against RATE * (the longest the window
# can have been) + BURST. Prints "windows violations worst-ratio".
windows() {
	awk -v r="$2" -v b="$3" '
		{ tb[NR] = $1; u[NR] = $2; ta[NR] = $3 }
		END {
			for (i = 1; i <= NR; i++)
				for (j = i + 1; j <= NR; j++) {
					if (tb[j] - ta[i] < 1) continue
					n++
					lim = r * (ta[j] - tb[i]) + b
					if (u[j] - u[i] > lim) bad++
					q = (u[j] - u[i]) / lim
					if (q > worst) worst = q
				}
			printf "%d %d %.3f\n", n, bad, worst
		}' "$1"
}

# flood NAME SECONDS IPERF3_CLIENT_ARGS...: traffic from NSA to NSB for
# SECONDS, sampled; leaves the samples in $SAMPLES. NAME is for the
# reader of the call only.
flood() {
	local secs=$2 port=$((20000 + RANDOM % 10000)) srv smp
	shift 2
	SAMPLES=$(mktemp)
	T_CLEANUP+=("rm -f '$SAMPLES'")
	spawn "$NSB" iperf3 -s -1 -B 198.18.6.2 -p "$port" >/dev/null 2>&1
	srv=$SPAWNED
	wait_listen "$NSB" "$port" || return 1
	spawn_bg sample "$SAMPLES"
	smp=$SPAWNED
	timeout $((secs + 30)) ip netns exec "$NSA" iperf3 -c 198.18.6.2 -p "$port" -t "$secs" "$@" \
		>/dev/null 2>&1
	kill "$smp" 2>/dev/null
	wait "$smp" "$srv" 2>/dev/null
	return 0
}

check_windows() {	# check_windows WHAT RATE BURST
	local n bad worst
	read -r n bad worst < <(windows "$SAMPLES" "$2" "$3")
	diag "$1: $n windows of a second or more, the fullest at $worst of rate * W + burst"
	check_gt "$1: windows of a second or more sampled" "$n" 5
	check_eq "$1: no window let more through than rate * W + burst" "$bad" 0
}

# UDP at 2.5 times the ceiling, for 5 s.
used0=$(mod_get used_bytes)
rd0=$(mod_get rate_dropped_packets)
rx0=$(ip -n "$NSB" -s -j link show dev "$DB" | jq '.[0].stats64.rx.bytes')
check "UDP at 40 Mbit/s for 5 s" flood udp 5 -u -b 40M -l 1400
settle "$NSA" "$DA"
used1=$(mod_get used_bytes)
passed=$((used1 - used0))
diag "UDP: $passed bytes let through in 5 s at a ceiling of $RATE B/s; $(mod_get rate_dropped_packets) packets dropped by it"
check_windows "UDP" $RATE $BURST
check_ge "UDP: the ceiling is really used (>= 80% of rate * 5 s)" "$passed" $((RATE * 5 * 8 / 10))
check_gt "UDP: the ceiling dropped packets" "$(mod_get rate_dropped_packets)" "$rd0"
check_eq "UDP: nothing dropped at the (unarmed) cap" "$(mod_get dropped_packets)" 0
check_eq "used_bytes is what the devices let through" "$used1" "$(dev_sum)"
rx=$(( $(ip -n "$NSB" -s -j link show dev "$DB" | jq '.[0].stats64.rx.bytes') - rx0 ))
check_ge "the receiver got no more than was let through" "$passed" "$rx"
# The sampler runs a second at most late: its highest reading is of a
# full second of the flood, over at least a second less a jiffy.
now=$(sort -n -k4 "$SAMPLES" | tail -n1 | cut -d' ' -f4)
diag "rate_current_bytes_per_sec during the flood, highest: $now"
check "rate_current_bytes_per_sec near the ceiling: rate / 2 .. rate + burst (+2%)" \
	test "$now" -ge $((RATE / 2)) -a "$now" -le $((RATE + BURST + RATE / 50))

# TCP, for 5 s: the ceiling holds it too, and it still gets through.
used0=$(mod_get used_bytes)
check "TCP for 5 s" flood tcp 5
settle "$NSA" "$DA"
passed=$(( $(mod_get used_bytes) - used0 ))
diag "TCP: $passed bytes let through in 5 s at a ceiling of $RATE B/s"
check_windows "TCP" $RATE $BURST
check_ge "TCP: gets through at a useful share of the ceiling (>= 30%)" "$passed" $((RATE * 5 * 3 / 10))

# --- with the cap armed: what the ceiling drops is not charged
CAP=$(( $(mod_get used_bytes) + 64 * 1048576 ))
check_run "arm the cap" 0 "^armed" "$UPLOADCTL" cap set "$CAP"
RATE=1000000
BURST=300000
check_run "rate set 1MB/s --burst 300000 lowers the ceiling" 0 \
	"^rate ceiling lowered from 2000000 .* to $RATE " "$UPLOADCTL" rate set 1MB/s --burst 300000
check_run "and the burst" 0 "^rate burst lowered from 524288 .* to $BURST " echo "$RUN_OUT"
used0=$(mod_get used_bytes)
dev0=$(dev_sum)
rd0=$(mod_get rate_dropped_bytes)
check "UDP at 20 Mbit/s for 4 s" flood udp 4 -u -b 20M -l 1400
settle "$NSA" "$DA"
check_windows "UDP at the lowered ceiling" $RATE $BURST
check_gt "the ceiling dropped bytes" "$(mod_get rate_dropped_bytes)" "$rd0"
check_eq "the cap dropped nothing" "$(mod_get dropped_packets)" 0
check_eq "used_bytes grew by what the devices let through, no more" \
	$(( $(mod_get used_bytes) - used0 )) $(( $(dev_sum) - dev0 ))

# --- what uploadctl shows
json=$("$UPLOADCTL" --pin-dir "$PIN_DIR" status --json)
check_eq "status --json: module.rate_bytes_per_sec" "$(jq .module.rate_bytes_per_sec <<<"$json")" $RATE
check_eq "status --json: module.rate_burst_bytes" "$(jq .module.rate_burst_bytes <<<"$json")" $BURST
check_eq "status --json: module.rate_dropped_packets" \
	"$(jq .module.rate_dropped_packets <<<"$json")" "$(mod_get rate_dropped_packets)"
check_eq "status --json: no exfiltration without a weights size" "$(jq .exfiltration <<<"$json")" null
remaining=$(mod_get remaining_bytes)
json=$("$UPLOADCTL" --pin-dir "$PIN_DIR" status --json --weights-size 1TB)
check_eq "weights 1TB: cannot leave, more than the cap's remaining" \
	"$(jq -c '[.exfiltration.weights_bytes, .exfiltration.possible]' <<<"$json")" "[1000000000000,false]"
check_run "status --weights-size 1TB says so" 0 \
	"cannot be exfiltrated through this host's network: $remaining .* left under the cap" \
	"$UPLOADCTL" --pin-dir "$PIN_DIR" status --weights-size 1TB
json=$("$UPLOADCTL" --pin-dir "$PIN_DIR" status --json --weights-size 10MB)
check_eq "weights 10MB: possible, floor (10e6 - burst) / rate seconds" \
	"$(jq -c '[.exfiltration.possible, .exfiltration.remaining_bytes, .exfiltration.floor_seconds]' <<<"$json")" \
	"[true,$(mod_get remaining_bytes),$(awk -v b=$BURST -v r=$RATE 'BEGIN { print (10000000 - b) / r }')]"
check_run "status --weights-size 10MB: the floor in words" 0 \
	"at the rate ceiling, uploading them takes at least 10 seconds" \
	"$UPLOADCTL" --pin-dir "$PIN_DIR" status --weights-size 10MB
check_run "rate show" 0 "^rate: +ceiling $RATE .*/s, burst $BURST .*; now [0-9]+ .*/s\$" \
	"$UPLOADCTL" rate show
check_run "rate show: what the ceiling dropped" 0 \
	"^ +dropped by the ceiling: $(mod_get rate_dropped_bytes) .* in $(mod_get rate_dropped_packets) packets" \
	echo "$RUN_OUT"
check_eq "rate show --json: the figures" \
	"$("$UPLOADCTL" rate show --json | jq -c '[.rate_bytes_per_sec, .rate_burst_bytes]')" "[$RATE,$BURST]"
prom=$("$UPLOADCTL" --pin-dir "$PIN_DIR" status --format prometheus)
check_run "prometheus: the ceiling" 0 "^uploadcap_rate_ceiling_bytes_per_second $RATE\$" echo "$prom"
check_run "prometheus: the burst" 0 "^uploadcap_rate_burst_bytes $BURST\$" echo "$prom"
check_run "prometheus: rate drops" 0 "^uploadcap_rate_dropped_packets_total [1-9][0-9]*\$" echo "$prom"

# --- armed at load by parameter
check "rmmod -f" rmmod -f uploadcap
dmesg_mark
check "insmod rate_bytes_per_sec=1500000 rate_burst_bytes=400000" \
	mod_load rate_bytes_per_sec=1500000 rate_burst_bytes=400000
check_eq "rate_bytes_per_sec from the parameter" "$(mod_get rate_bytes_per_sec)" 1500000
check_eq "rate_burst_bytes from the parameter" "$(mod_get rate_burst_bytes)" 400000
check_run "a raise is refused as after a sysfs arming" 1 "Operation not permitted" \
	mod_set rate_bytes_per_sec 1500001
check_run "rate set lowers it" 0 "^rate ceiling lowered" "$UPLOADCTL" rate set 1400000
check_run "logged: armed at load, then lowered" 0 \
	"rate ceiling armed: 1500000 bytes per second.*rate ceiling lowered: 1400000" \
	bash -c "dmesg | sed -n '/$DMESG_MARK/,\$p' | tr '\n' ' '"

done_testing
