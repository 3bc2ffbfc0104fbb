#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Attack (in the VM): send past a device's hook (a tc mirred redirect,
# XDP, or an AF_XDP socket in copy mode), then make the device stop being guarded before its next audit:
# delete it, move it to another namespace, or take it down. Before the fix the deleted device's
# record was freed unaudited (12-20 MB out for 1 KB charged over 10
# cycles). Now each is audited one last time as it goes: everything it
# sent past its hook is charged at once, with a kernel line naming it.
# Each case loads the module afresh with audit_ms=60000 and takes a few
# seconds, so no periodic audit runs in it. The kernel's line for the last
# audit, with the whole of what was sent, shows that none did: an earlier
# audit would have taken some of it, or all (then there is no such line).
# Deletion is tried with tc: a veth counts what XDP sends through it on
# its peer, and veth_dellink() unlinks the peers before any notifier runs,
# so those bytes are gone from its counter when it is deleted (they only
# reached the peer, inside the host: what goes on from there is audited
# on the device it leaves by). docs/threat-model.md says so.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload
XIN=ucx${RUN_ID}
XFEED=ucy${RUN_ID}
OBJ=$BUILD/selftests/xdp_bounce.bpf.o
FRAMES=500

ns_new NSA a && ns_new NSB b && ns_new NSC c || bail "create namespaces"
ip -n "$NSA" link add name "$XIN" type veth peer name "$XFEED" || bail "feed pair"
for d in "$XIN" "$XFEED"; do
	ip netns exec "$NSA" sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
	ip -n "$NSA" link set "$d" up
done
tc -n "$NSA" qdisc add dev "$XIN" clsact || bail "clsact on $XIN"

# pair I PATH: a new DA (NSA) <-> DB (NSB), up, with XIN sending what
# XFEED sends out of DA past its hooks, by PATH: xdp (redirect) or tc
# (a mirred redirect from XIN's ingress); or, for xsk, none: the frames
# go out of DA by AF_XDP.
pair() {
	DA=uc${RUN_ID}a$1
	DB=uc${RUN_ID}b$1
	veth_pair "$NSA" "$DA" "198.18.7.$(($1 * 4 + 1))" "$NSB" "$DB" "198.18.7.$(($1 * 4 + 2))" &&
		veth_up "$NSA" "$DA" "$NSB" "$DB" || return 1
	ip -n "$NSA" link set dev "$XIN" xdp off
	tc -n "$NSA" filter del dev "$XIN" ingress 2>/dev/null
	PAIR_PATH=$2
	if [ "$2" = xsk ]; then
		:
	elif [ "$2" = xdp ]; then
		ip netns exec "$NSB" "$BUILD/selftests/xdp_bounce" --pass "$DB" "$OBJ" &&
			ip netns exec "$NSA" "$BUILD/selftests/xdp_bounce" "$XIN" "$DA" "$OBJ"
	else
		tc -n "$NSA" filter add dev "$XIN" ingress matchall \
			action mirred egress redirect dev "$DA"
	fi
}
# send_past: FRAMES frames of 1000 bytes out of DA past its hook; SENT is
# what DA counted for them.
send_past() {
	local tx0
	tx0=$(tx_bytes "$NSA" "$DA")
	if [ "$PAIR_PATH" = xsk ]; then
		ip netns exec "$NSA" "$BUILD/selftests/rawsend" "$DA" "$(mac_of "$NSB" "$DB")" \
			198.18.7.1 198.18.7.2 "$FRAMES" 1000 xsk >/dev/null || return 1
	else
		ip netns exec "$NSA" "$BUILD/selftests/rawsend" "$XFEED" "$(mac_of "$NSB" "$DB")" \
			198.18.7.1 198.18.7.2 "$FRAMES" 1000 >/dev/null || return 1
	fi
	settle "$NSA" "$DA" || return 1
	SENT=$(($(tx_bytes "$NSA" "$DA") - tx0))
}

total_sent=0
total_charged=0
# case I PATH HOW DESC CMD: pair I PATH, send past its hook, then CMD (a
# string, DA its device); at once, bypass_bytes has grown by what DA
# sent, and the kernel says why (HOW).
case_gone() {
	local i=$1 path=$2 how=$3 desc=$4 cmd=$5 bp0 u0 loaded
	mod_unload
	check "insmod audit_ms=60000 exempt=$XFEED" mod_load audit_ms=60000 exempt="$XFEED"
	loaded=$SECONDS
	check "pair $i, past the hook by $path" pair "$i" "$path"
	check "$FRAMES frames out of $DA past its hook" send_past
	bp0=$(mod_get bypass_bytes) u0=$(mod_get used_bytes)
	check "then $desc" eval "$cmd"
	diag "$desc: $DA sent $SENT bytes past its hook; bypass_bytes +$(($(mod_get bypass_bytes) - bp0)), used_bytes +$(($(mod_get used_bytes) - u0))"
	check_eq "charged as it went ($desc)" $(($(mod_get bypass_bytes) - bp0)) "$SENT"
	check_ge "used_bytes grew by as much" $(($(mod_get used_bytes) - u0)) "$SENT"
	check_run "the last audit charged all of it ($how)" 0 \
		"$DA, $how, had sent $SENT bytes its hook did not see" dmesg
	diag "case $i took $((SECONDS - loaded)) s of audit_ms=60000"
	total_sent=$((total_sent + SENT))
	total_charged=$((total_charged + $(mod_get bypass_bytes)))
}

# An up device is closed first when deleted or moved: its last audit is
# at NETDEV_GOING_DOWN, before its driver stops.
case_gone 1 tc "going down" "deleted" 'ip -n "$NSA" link del "$DA"'
case_gone 2 tc "going down" "deleted again" 'ip -n "$NSA" link del "$DA"'
case_gone 3 xdp "going down" "moved to another namespace" 'ip -n "$NSA" link set "$DA" netns "$NSC"'
check "still guarded there" test -n "$(mod_dev_field "$NSC" "$DA" bytes)"
case_gone 4 xdp "going down" "taken down" 'ip -n "$NSA" link set "$DA" down'
case_gone 5 tc "going down" "taken down" 'ip -n "$NSA" link set "$DA" down'
case_gone 6 xsk "going down" "deleted, after AF_XDP" 'ip -n "$NSA" link del "$DA"'
check_eq "nothing sent past a hook went uncharged" "$total_charged" "$total_sent"
done_testing
