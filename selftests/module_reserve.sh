#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The management reserve (in the VM): once the cap is exhausted, only
# traffic to reserve_dst (and ARP, to reach it) leaves, charged past the
# cap up to cap + reserve_bytes; then nothing. The reserve is lowered,
# never raised, and its destinations narrowed, never widened, once armed;
# bad input is refused; a count restored past the cap has spent it.
# From the configuration, `uploadctl load` applies it and the ledger
# records it, the agent raises the lease up to cap + reserve, and one in
# force above the recorded is a weakened setting that holds the lease.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

# The "collector" at 198.18.22.2 (the reserve's destination) and another
# host, 198.18.23.2, both behind DA; no ARP for either (permanent).
raw_bed 198.18.22
ip -n "$NSB" addr add 198.18.23.2/32 dev "$DB"
ip -n "$NSA" route add 198.18.23.2/32 dev "$DA"
ip -n "$NSA" neigh replace 198.18.23.2 dev "$DA" nud permanent lladdr "$MAC_B"
other() { ip netns exec "$NSA" "$RAWSEND" "$DA" "$MAC_B" 198.18.22.1 198.18.23.2 "$@" >/dev/null; }
rx_packets() { ip -n "$NSB" -s -j link show dev "$DB" | jq '.[0].stats64.rx.packets'; }
sysfs_write() { echo "$2" >"$SYSFS/$1" 2>/dev/null; }
CAP=1048576
RES=262144
DST=198.18.22.2/32

# --- bad input at load: refused, nothing loaded
for bad in nonsense 198.18.22.1/24 198.18.22.0/33 "198.18.22.2/32,,198.18.23.2" \
	"$(printf '198.18.30.%d,' $(seq 9) | sed 's/,$//')"; do
	check "load refuses reserve_dst='$bad'" bash -c "! insmod '$KMOD' reserve_dst='$bad' 2>/dev/null"
	mod_unload
done

# --- unarmed: the reserve may be set, and set again
check "insmod unarmed" mod_load
check "unarmed: reserve_bytes may be set" sysfs_write reserve_bytes $((4 * RES))
check "and set lower or higher" sysfs_write reserve_bytes "$RES"
check "unarmed: reserve_dst may be set" sysfs_write reserve_dst "198.18.22.0/24,2001:db8::/64"
check_eq "reserve_dst reads back normalised" "$(mod_get reserve_dst)" "198.18.22.0/24,2001:db8::/64"
check_eq "reserve_used_bytes is 0 while unarmed" "$(mod_get reserve_used_bytes)" 0
check "arm" sysfs_write cap_bytes $(($(mod_get used_bytes) + CAP))
t0=$(mod_get tamper_attempts)
check "armed: raising the reserve is refused" bash -c "! echo $((RES + 1)) >$SYSFS/reserve_bytes"
check "armed: widening its destinations is refused" bash -c "! echo 198.18.0.0/16 >$SYSFS/reserve_dst"
check "armed: adding a destination is refused" bash -c "! echo 198.18.22.0/24,2001:db8::/64,198.18.23.2 >$SYSFS/reserve_dst"
check_eq "each a tamper attempt" "$(mod_get tamper_attempts)" $((t0 + 3))
check_eq "the reserve is as it was" "$(mod_get reserve_bytes) $(mod_get reserve_dst)" \
	"$RES 198.18.22.0/24,2001:db8::/64"
check "armed: narrowing its destinations is taken" sysfs_write reserve_dst "$DST"
check_eq "narrowed" "$(mod_get reserve_dst)" "$DST"
check "armed: lowering the reserve is taken" sysfs_write reserve_bytes $((RES / 2))
check_eq "lowered" "$(mod_get reserve_bytes)" $((RES / 2))
check "a destination list that is no list is refused" bash -c "! echo 'x y' >$SYSFS/reserve_dst"
mod_unload

# --- loaded with a cap, a reserve and its destination
dmesg_mark
check "insmod cap_bytes=$CAP reserve_bytes=$RES reserve_dst=$DST" \
	mod_load cap_bytes=$CAP reserve_bytes=$RES reserve_dst=$DST
check_eq "sysfs: reserve_bytes, reserve_dst, reserve_used_bytes" \
	"$(mod_get reserve_bytes) $(mod_get reserve_dst) $(mod_get reserve_used_bytes)" "$RES $DST 0"
check "the kernel log says so" grep -q "uploadcap: management reserve from 0 to $RES bytes" <<<"$(dmesg_since)"
veth_up "$NSA" "$DA" "$NSB" "$DB"
raw 100 1000
settle "$NSA" "$DA"
L=$(($(mod_dev_field "$NSA" "$DA" bytes) / $(mod_dev_field "$NSA" "$DA" packets)))
diag "a frame of rawsend's is $L bytes on the wire"
check_eq "before exhaustion the reserve is not spent" "$(mod_get reserve_used_bytes)" 0

# Exhaust with traffic to the other host.
other 1200 1000
settle "$NSA" "$DA"
check_eq "the other host's traffic exhausted the cap" "$(mod_get state)" exhausted
used=$(mod_get used_bytes)
check_ge "within the cap" "$CAP" "$used"
check "the kernel log names the reserve" grep -q "only the reserve ($RES bytes)" <<<"$(dmesg_since)"

# --- exhausted: to the other host nothing leaves
rx0=$(rx_packets)
d0=$(mod_get dropped_packets)
other 50 1000
settle "$NSA" "$DA"
check_eq "to the other host: nothing received" "$(rx_packets)" "$rx0"
check_eq "nothing charged" "$(mod_get used_bytes)" "$used"
check_eq "all 50 dropped" "$(mod_get dropped_packets)" $((d0 + 50))

# --- to the reserve's destination: it leaves, charged past the cap
raw 50 1000
settle "$NSA" "$DA"
check_eq "to the collector: all 50 received" "$(rx_packets)" $((rx0 + 50))
check_eq "charged" "$(mod_get used_bytes)" $((used + 50 * L))
check_eq "reserve_used_bytes is what was used past the cap" \
	"$(mod_get reserve_used_bytes)" $((used + 50 * L > CAP ? used + 50 * L - CAP : 0))

# ARP, to reach it: an address with no neighbour entry.
ip -n "$NSA" route add 198.18.22.6/32 dev "$DA"
u=$(mod_get used_bytes)
# (a datagram to it makes the kernel ask; it waits for the answer)
timeout 5 ip netns exec "$NSA" bash -c 'exec 3>/dev/udp/198.18.22.6/9; printf x >&3' 2>/dev/null
sleep 1.5
settle "$NSA" "$DA"
check_gt "ARP leaves, charged to the reserve" "$(mod_get used_bytes)" "$u"

# --- spent: then nothing
raw 400 1000
settle "$NSA" "$DA"
used=$(mod_get used_bytes)
check_ge "never past cap + reserve" $((CAP + RES)) "$used"
check_gt "the reserve was used up to its last frame" "$used" $((CAP + RES - L))
check "the kernel log says it is spent" grep -q "uploadcap: management reserve spent: $used bytes used of $CAP and $RES" <<<"$(dmesg_since)"
rx0=$(rx_packets)
raw 20 1000
settle "$NSA" "$DA"
check_eq "spent: the collector receives nothing more" "$(rx_packets)" "$rx0"
check_eq "nothing charged" "$(mod_get used_bytes)" "$used"
check_eq "status --json: the reserve, spent, its destinations" \
	"$(uctl status --json | jq -r '.module | "\(.reserve_bytes) \(.reserve_used_bytes) \(.reserve_dst)"')" \
	"$RES $((used - CAP)) $DST"
check_run "status says it" 0 "^reserve: +$RES \\(256.00 KiB\\) past the cap, to $DST only; $((used - CAP)) .* of it spent" uctl status
check_run "Prometheus: uploadcap_reserve_used_bytes_total" 0 \
	"^uploadcap_reserve_used_bytes_total $((used - CAP))\$" uctl status --format prometheus
check "lowering the reserve below what is spent is taken" sysfs_write reserve_bytes 0
check_eq "what was spent stays counted" "$(mod_get reserve_used_bytes)" $((used - CAP))
mod_unload

# --- a count restored past the cap: that much of the reserve is spent
check "insmod with used_bytes past the cap" \
	mod_load cap_bytes=$CAP used_bytes=$((CAP + 200000)) reserve_bytes=$RES reserve_dst=$DST
check_eq "exhausted at once, the cap kept" "$(mod_get state) $(mod_get cap_bytes)" "exhausted $CAP"
check_eq "200000 of the reserve spent" "$(mod_get reserve_used_bytes)" 200000
veth_up "$NSA" "$DA" "$NSB" "$DB"
raw 200 1000
settle "$NSA" "$DA"
check_ge "only what was left of it leaves" $((CAP + RES)) "$(mod_get used_bytes)"
check_ge "no more than that" $((RES - 200000)) $(($(mod_get used_bytes) - CAP - 200000))
mod_unload

# --- on_exhaust=down: the devices stay up while the reserve is open
check "insmod on_exhaust=down with a reserve" \
	mod_load cap_bytes=$CAP reserve_bytes=$RES reserve_dst=$DST on_exhaust=down
veth_up "$NSA" "$DA" "$NSB" "$DB"
other 1200 1000
settle "$NSA" "$DA"
check_eq "exhausted" "$(mod_get state)" exhausted
sleep 0.5
check "with the reserve open, $DA stays up" is_up "$NSA" "$DA"
raw 400 1000
gone_down() { for _ in $(seq 50); do is_down "$NSA" "$DA" && return 0; sleep 0.1; done; return 1; }
check "spent: $DA goes down" gone_down
mod_unload

# --- from the configuration: load applies the reserve and the ledger
# records it; the lease is raised up to cap + reserve, so that what goes
# to the collector past the cap leaves
LEDGER=/var/tmp/ucap-ledger-$RUN_ID
CONF=$(mktemp)
T_CLEANUP+=("rm -f '$LEDGER' '$CONF'")
U=("$UPLOADCTL" --pin-dir "$PIN_DIR")
check "syslogd running" syslog_start
printf 'ledger = %s\nmodule = %s\nlease_step = 1MiB\nreserve_bytes = %s\n' \
	"$LEDGER" "$KMOD" "$RES" >"$CONF"
check_run "load: reserve_bytes without reserve_dst is refused, saying why" 1 \
	"reserve_bytes is set but reserve_dst is not" "${U[@]}" load --config "$CONF" --cap $CAP
check "and nothing was loaded" test ! -e "$SYSFS"
echo "reserve_dst = $DST" >>"$CONF"
check_run "load with a reserve in the configuration" 0 "^loaded uploadcap.ko: armed" \
	"${U[@]}" load --config "$CONF" --cap $CAP
check_eq "the module runs it" "$(mod_get reserve_bytes) $(mod_get reserve_dst)" "$RES $DST"
check_run "the ledger records it" 0 "reserve_bytes $RES, reserve_dst $DST\$" \
	"${U[@]}" ledger verify "$LEDGER"
veth_up "$NSA" "$DA" "$NSB" "$DB"
agent_start "$NSA" --config "$CONF" --interval 0.2
# Paced, for the agent to raise the lease on the way.
for _ in $(seq 300); do
	[ "$(mod_get state)" = exhausted ] && break
	other 20 1000
	sleep 0.1
done
check_eq "the other host's traffic exhausted the cap, through the lease" "$(mod_get state)" exhausted
rx0=$(rx_packets)
for _ in $(seq 40); do raw 10 1000; sleep 0.2; done
settle "$NSA" "$DA"
used=$(mod_get used_bytes)
check_gt "the agent raised the lease past the cap" "$(mod_get lease_bytes)" $CAP
check_gt "to the collector, past the cap: received" "$(rx_packets)" "$rx0"
check_ge "never past cap + reserve" $((CAP + RES)) "$used"
check_gt "charged past the cap" "$used" $CAP
check_ge "the lease never past cap + reserve" $((CAP + RES)) "$(mod_get lease_bytes)"
check_eq "no settings_weakened" "$(event_count settings_weakened)" 0
agent_stop
check_run "the ledger verifies, the reserve in its last record" 0 \
	"reserve_bytes $RES, reserve_dst $DST\$" "${U[@]}" ledger verify "$LEDGER"
mod_unload

# --- a reserve above the one recorded (loaded by hand): a weakened
# setting, and the lease is not raised (fail closed)
check "insmod with a lease and a larger reserve" \
	mod_load lease=1 cap_bytes=$CAP used_bytes=$((CAP + RES)) reserve_bytes=$((2 * RES)) \
	reserve_dst=198.18.22.0/24
veth_up "$NSA" "$DA" "$NSB" "$DB"
agent_start "$NSA" --config "$CONF" --interval 0.2
check "the agent alarms it: settings_weakened" wait_event settings_weakened 2 10
check_run "naming reserve_bytes" 0 \
	"setting=reserve_bytes recorded=$RES in_force=$((2 * RES)) ledger_seq=[0-9]+ action=\"the lease is not raised\"" \
	events settings_weakened
check_run "and reserve_dst" 0 "setting=reserve_dst recorded=$DST in_force=198.18.22.0/24 " \
	events settings_weakened
raw 50 1000
sleep 1
check_eq "the lease is not raised" "$(mod_get lease_bytes)" $((CAP + RES))
agent_stop
mod_unload
check_eq "no WARNING, BUG or Oops in the kernel log" \
	"$(dmesg_since | grep -cE 'WARNING:|BUG:|Oops|lockdep')" 0

done_testing
