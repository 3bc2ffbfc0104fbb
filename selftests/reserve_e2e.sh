#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The management reserve end to end (in the VM), as an operator runs it:
# an exhausted host's alarms still reach the collector, and nothing else
# leaves. Four namespaces of the test's own:
#
#   host  --  router  --  collector (198.18.45.2, 2001:db8:45::2)
#                    \--  other     (198.18.46.2)
#
# The host is configured as docs/operations.md says (cap, reserve_bytes,
# reserve_dst = the collector), loaded by `uploadctl load`, watched by
# the agent, and forwards its syslog to the collector with Debian's
# rsyslog (omfwd over TCP), the kernel's lines too; the collector is
# rsyslog receiving TCP (imtcp). The router, the collector and the other
# host stand for other machines: their devices are exempt. The host
# reaches the router by ARP and IPv6 neighbour discovery, both real.
#   - A flood to the other host exhausts the cap (through the lease,
#     which the agent raises up to cap + reserve).
#   - The collector then receives the agent's exhausted alarm and the
#     module's kernel line, over the forwarder's TCP connection.
#   - A flood to the other host gets nothing through.
#   - Neighbour discovery still works: an IPv6 datagram to the
#     collector, with the router's entry flushed, arrives.
#   - A flood to the collector spends the reserve, never past cap +
#     reserve, and then nothing leaves at all.
#   - The ledger records the reserve, and verify-log on what the
#     collector received finds nothing wrong.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload
command -v rsyslogd >/dev/null || bail "rsyslogd not found (scripts/install-deps.sh)"

CAP=2097152
RES=262144
COLL4=198.18.45.2
COLL6=2001:db8:45::2
OTHER=198.18.46.2
HD=uh$RUN_ID RH=ur$RUN_ID RC=rc$RUN_ID CD=cc$RUN_ID RO=ro$RUN_ID OD=oo$RUN_ID
W=/run/ucap-reserve-$RUN_ID
LEDGER=/var/tmp/ucap-ledger-$RUN_ID
CONF=$W/uploadcap.conf
COLLECTED=$W/collector.log
mkdir -p "$W"
T_CLEANUP+=("rm -rf '$W'" "rm -f '$LEDGER'")
U=("$UPLOADCTL" --pin-dir "$PIN_DIR")

ns_new HN host && ns_new RN router && ns_new CN coll && ns_new ON other ||
	bail "create network namespaces"
# link NS_A DEV_A NS_B DEV_B: a veth pair, up.
link() {
	ip -n "$1" link add name "$2" type veth peer name "$4" netns "$3" &&
		ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}
no_ipv6() { ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"; }
topology() {
	link "$HN" "$HD" "$RN" "$RH" && link "$RN" "$RC" "$CN" "$CD" &&
		link "$RN" "$RO" "$ON" "$OD" || return 1
	no_ipv6 "$RN" "$RO" && no_ipv6 "$ON" "$OD" || return 1
	ip -n "$HN" addr add 198.18.44.1/24 dev "$HD" &&
		ip -n "$HN" addr add 2001:db8:44::1/64 dev "$HD" nodad &&
		ip -n "$RN" addr add 198.18.44.254/24 dev "$RH" &&
		ip -n "$RN" addr add 2001:db8:44::fe/64 dev "$RH" nodad &&
		ip -n "$RN" addr add 198.18.45.254/24 dev "$RC" &&
		ip -n "$RN" addr add 2001:db8:45::fe/64 dev "$RC" nodad &&
		ip -n "$RN" addr add 198.18.46.254/24 dev "$RO" &&
		ip -n "$CN" addr add "$COLL4/24" dev "$CD" &&
		ip -n "$CN" addr add "$COLL6/64" dev "$CD" nodad &&
		ip -n "$ON" addr add "$OTHER/24" dev "$OD" || return 1
	ip netns exec "$RN" sysctl -qw net.ipv4.ip_forward=1 &&
		ip netns exec "$RN" sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	ip -n "$HN" route add default via 198.18.44.254 &&
		ip -n "$HN" -6 route add default via 2001:db8:44::fe &&
		ip -n "$CN" route add default via 198.18.45.254 &&
		ip -n "$CN" -6 route add default via 2001:db8:45::fe &&
		ip -n "$ON" route add default via 198.18.46.254
}
check "host, router, collector and other host" topology
rx_packets() { ip -n "$1" -s -j link show dev "$2" | jq '.[0].stats64.rx.packets'; }
# UDP datagrams that reached NS's stack (to port 9, which nothing serves),
# over IPv4, and with 6, over IPv6.
rx_udp9() {
	ip netns exec "$1" nstat -asz "Udp${2:-}NoPorts" | awk -v c="Udp${2:-}NoPorts" '$1 == c { print $2 }'
}
ROUTER_MAC=$(mac_of "$RN" "$RH")
# flood DST COUNT [SIZE]: COUNT frames of SIZE bytes (default 1000) from
# the host to DST, by the router.
flood() {
	ip netns exec "$HN" "$BUILD/selftests/rawsend" "$HD" "$ROUTER_MAC" 198.18.44.1 "$1" "$2" \
		"${3:-1000}" routed >/dev/null
}

# --- the collector, and the host's forwarder (docs/operations.md's lines)
check "the collector listens" rsyslog_collector "$CN" "$COLL4" "$COLLECTED" "$W"
SYSLOG=$W/local.log
# The kernel's lines of the tests before this one in the boot are not
# this host's history: read them off /proc/kmsg (dmesg keeps them all),
# so that the forwarder's imklog sends only what comes from now on.
timeout 1 cat /proc/kmsg >/dev/null
check "the forwarder runs" rsyslog_forwarder "$HN" inference1 "$COLL4" "$SYSLOG" "$W"
collected() { if [ -e "$COLLECTED" ]; then grep -c "$1" "$COLLECTED"; else echo 0; fi; }

# --- the host, configured as an operator would
printf '%s\n' "ledger = $LEDGER" "module = $KMOD" "cap = $CAP" "lease_step = 1MiB" \
	"reserve_bytes = $RES" "reserve_dst = $COLL4/32,$COLL6/128" \
	"exempt = $RH,$RC,$RO,$CD,$OD" "checkpoint_bytes = 64KiB" "checkpoint_seconds = 1" >"$CONF"
check_run "load" 0 "^loaded uploadcap.ko: armed" "${U[@]}" load --config "$CONF"
check_eq "the module runs the reserve" "$(mod_get reserve_bytes) $(mod_get reserve_dst)" \
	"$RES $COLL4/32,$COLL6/128"
check_eq "the host's device is guarded, the others' not" \
	"$(grep -cE " ($HD|$RH|$RC|$RO|$CD|$OD) " "$SYSFS/devices")" 1
agent_start "$HN" --config "$CONF" --interval 0.2
check "the load's restore record reached the collector" wait_count 1 10 collected "event=restore "

# --- exhausted by a flood to the other host, paced through the lease
other0=$(rx_udp9 "$ON")
for _ in $(seq 400); do
	[ "$(mod_get state)" = exhausted ] && break
	flood "$OTHER" 20
	sleep 0.05
done
check_eq "the flood to the other host exhausted the cap" "$(mod_get state)" exhausted
check_gt "the other host received it until then, routed" "$(rx_udp9 "$ON")" "$other0"
check "the agent's exhausted alarm reached the collector" \
	wait_count 1 10 collected "inference1 uploadcap\[[0-9]*\]: event=exhausted severity=crit"
check "and the module's kernel line" \
	wait_count 1 10 collected "inference1 kernel: .*uploadcap: upload cap exhausted"

# --- then nothing else leaves. What arrives is counted where the host's
# link ends, at the router: the router's own ARP and ND reach the other
# two, the host's frames do not.
from_host() { rx_packets "$RN" "$RH"; }
other0=$(rx_udp9 "$ON") drop0=$(mod_get dropped_packets)
flood "$OTHER" 500
sleep 1
check_eq "a flood of 500 to the other host: none of it arrives" "$(rx_udp9 "$ON")" "$other0"
check_ge "all 500 dropped at the host's hook" $(($(mod_get dropped_packets) - drop0)) 500
diag "used $(mod_get used_bytes) of cap $CAP + reserve $RES; $(mod_get reserve_used_bytes) of the reserve spent"
check_ge "used_bytes: no more than cap + reserve" $((CAP + RES)) "$(mod_get used_bytes)"

# --- IPv6 neighbour discovery, to reach the collector
ip -n "$HN" -6 neigh flush dev "$HD"
coll0=$(rx_udp9 "$CN" 6)
ip netns exec "$HN" bash -c "exec 3>/dev/udp/$COLL6/9; printf reserve >&3" 2>/dev/null
sleep 1.5
router_known() { ip -n "$HN" -6 neigh show 2001:db8:44::fe dev "$HD" | grep -c lladdr; }
check_eq "neighbour discovery found the router through the reserve" "$(router_known)" 1
check_gt "the datagram to the collector's IPv6 address arrived" "$(rx_udp9 "$CN" 6)" "$coll0"

# --- a flood to the collector spends the reserve; then nothing at all
for _ in $(seq 20); do flood "$COLL4" 50; done
check "the kernel says it is spent" wait_count 1 5 bash -c \
	"dmesg | grep -c 'uploadcap: management reserve spent: [0-9]* bytes used of $CAP and $RES'"
# What is left, less than a frame, taken by smaller ones, down to the
# smallest an Ethernet device sends (42 bytes, as ARP's): then not even
# an ARP request fits.
flood "$COLL4" 40 60
flood "$COLL4" 40 42
sleep 1
used=$(mod_get used_bytes)
check_ge "never past cap + reserve" $((CAP + RES)) "$used"
check_gt "the reserve spent to its last small frame" "$used" $((CAP + RES - 42))
host0=$(from_host)
flood "$COLL4" 100
flood "$OTHER" 100
ip netns exec "$HN" bash -c "exec 3>/dev/udp/$COLL6/9; printf reserve >&3" 2>/dev/null
sleep 1
check_eq "spent: nothing more leaves the host, to the collector or anywhere" "$(from_host)" "$host0"
check_eq "and nothing more is charged" "$(mod_get used_bytes)" "$used"

agent_stop
check_run "the ledger records the reserve, and verifies" 0 \
	"reserve_bytes $RES, reserve_dst $COLL4/32,$COLL6/128\$" "${U[@]}" ledger verify "$LEDGER"
check_eq "no settings_weakened, no lease_held" \
	"$(grep -cE 'event=(settings_weakened|lease_held) ' "$SYSLOG")" 0
check_run "verify-log on what the collector received: clean" 0 "^inference1: clean" \
	"$UPLOADCTL" verify-log "$COLLECTED"
diag "collector:" "$(grep -E 'event=(exhausted|threshold)|kernel:' "$COLLECTED" | tail -n 6)"
done_testing
