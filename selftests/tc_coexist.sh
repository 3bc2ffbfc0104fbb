#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The meter lives beside other people's tc programs, on both of its ways
# onto a device: it runs first, never decides a packet's fate, and detach
# removes only its own. clsact: its filter (and the clsact qdisc only when
# uploadctl made it and nobody else uses it). tcx (kernels that have it):
# its link, first in the chain, beside foreign tcx programs before and
# after it and a foreign clsact filter on the same device.
. "$(dirname "$0")/lib.sh"
ucap_test_init

two_hosts 198.18.0.5 198.18.0.6
veth_up "$NSA" "$DA" "$NSB" "$DB" || bail "bring veth pair up"

# Foreign programs: tc_ok (TC_ACT_OK) and tc_shot (TC_ACT_SHOT).
FOREIGN=$PIN_DIR-foreign
T_PINS+=("$FOREIGN")
bpftool prog loadall "$TEST_BPF_OBJ" "$FOREIGN" type tc || bail "load foreign test programs"

uctl_a() { in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" "$@"; }
filters() { tc -n "$NSA" filter show dev "$DA" "$1"; }
has_clsact() { tc -n "$NSA" qdisc show dev "$DA" | grep -q clsact; }
foreign() {	# foreign HOOK PRIO PROG [HANDLE]; not tc -n: that hides bpffs
	in_ns "$NSA" tc filter add dev "$DA" "$1" prio "$2" handle "${4:-7}" \
		bpf da object-pinned "$FOREIGN/$3"
}
rx_packets() { ip -n "$NSB" -s -j link show dev "$DB" | jq '.[0].stats64.rx.packets'; }

# --- A foreign drop filter at a later priority still drops: the meter
# counts the packets (it runs first) and passes the decision on.
check_run "attach, creating clsact" 0 "attached" uctl_a attach --mode clsact "$DA"
check "foreign tc_shot filter added at egress priority 10" foreign egress 10 tc_shot
rx0=$(rx_packets)
pk0=$(status_field "$NSA" "$DA" bpf_packets)
# (veth_pair gave NSA a static neighbour: no ARP to be dropped first.)
timeout 10 ip netns exec "$NSA" bash -c \
	'exec 3>/dev/udp/198.18.0.6/9; for i in $(seq 25); do printf x >&3; done' 2>/dev/null
settle "$NSA" "$DA"
pk1=$(status_field "$NSA" "$DA" bpf_packets)
check_ge "meter counted the packets the foreign filter dropped" "$((pk1 - pk0))" 25
check_eq "foreign drop verdict stands: receiver got none" "$(rx_packets)" "$rx0"

check_run "detach" 0 "^$DA: detached" uctl_a detach "$DA"
check "foreign egress filter still there after detach" bash -c "tc -n '$NSA' filter show dev '$DA' egress | grep -q 'pref 10 bpf'"
check "uploadcap's filter is gone" bash -c "! tc -n '$NSA' filter show dev '$DA' egress | grep -q 0x75636170"
check "clsact uploadctl made is kept: another filter uses it" has_clsact
tc -n "$NSA" filter del dev "$DA" egress prio 10

# --- A foreign TC_ACT_OK filter first, then the meter: both run.
check "foreign tc_ok filter at egress priority 10" foreign egress 10 tc_ok
check_run "attach beside tc_ok" 0 "attached" uctl_a attach --mode clsact "$DA"
# The 25 dropped datagrams above were metered but never sent: compare growth.
pkts() {
	in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --json |
		jq -r --arg n "$DA" '.interfaces[] | select(.name == $n) | "\(.bpf_packets) \(.dev_tx_packets)"'
}
# flows_exactly TAG: UDP through the meter and what follows it, counted
# exactly as the device counts it (bp1: the meter's packets after).
flows_exactly() {
	local bp0 dp0 dp1
	read -r bp0 dp0 < <(pkts)
	check "UDP flows through the meter and $1" udp_small "$NSA" "$NSB" 198.18.0.6 8K 64
	settle "$NSA" "$DA"
	read -r bp1 dp1 < <(pkts)
	check_gt "the meter counted the traffic" "$((bp1 - bp0))" 100
	check_eq "meter grew exactly as the device counter" "$((bp1 - bp0))" "$((dp1 - dp0))"
}
flows_exactly "tc_ok (clsact)"
check_run "detach" 0 "detached" uctl_a detach "$DA"
check "tc_ok filter kept" bash -c "tc -n '$NSA' filter show dev '$DA' egress | grep -q 'pref 10 bpf'"
tc -n "$NSA" qdisc del dev "$DA" clsact

# --- clsact that existed before: kept after detach even when empty.
tc -n "$NSA" qdisc add dev "$DA" clsact
check_run "attach with a pre-existing clsact" 0 "attached" uctl_a attach --mode clsact "$DA"
check_run "detach" 0 "detached" uctl_a detach "$DA"
check "pre-existing clsact kept" has_clsact
tc -n "$NSA" qdisc del dev "$DA" clsact

# --- clsact we made, then someone added an ingress filter: kept.
check_run "attach, creating clsact" 0 "attached" uctl_a attach --mode clsact "$DA"
check "foreign ingress filter added afterwards" foreign ingress 5 tc_ok
check_run "detach" 0 "detached" uctl_a detach "$DA"
check "clsact kept for the foreign ingress filter" has_clsact
check "foreign ingress filter kept" bash -c "tc -n '$NSA' filter show dev '$DA' ingress | grep -q 'pref 5 bpf'"
tc -n "$NSA" qdisc del dev "$DA" clsact

# --- clsact we made, nobody else uses it: removed with our filter.
check_run "attach, creating clsact" 0 "attached" uctl_a attach --mode clsact "$DA"
check_run "detach" 0 "detached" uctl_a detach "$DA"
check "clsact uploadctl made and nobody uses is removed" bash -c "! tc -n '$NSA' qdisc show dev '$DA' | grep -q clsact"

# --- Someone else's program at uploadcap's own position: hands off.
tc -n "$NSA" qdisc add dev "$DA" clsact
foreign egress 1 tc_ok 0x75636170
check_run "attach refuses a position held by another program" 1 "holds another program" uctl_a attach --mode clsact "$DA"
check_run "detach refuses to remove another program" 1 "not uploadcap's" uctl_a detach "$DA"
check "the other program is still there" bash -c "tc -n '$NSA' filter show dev '$DA' egress | grep -q 'tc_ok'"
check_eq "status does not call it attached" "$(status_field "$NSA" "$DA" attached)" false

# --- detach --all touches only devices with our filter.
tc -n "$NSA" filter del dev "$DA" egress prio 1
check_run "attach --all" 0 "^$DA: attached" uctl_a attach --mode clsact --all
check "loopback not attached" bash -c "! tc -n '$NSA' filter show dev lo egress 2>/dev/null | grep -q 0x75636170"
check_run "detach --all" 0 "^$DA: detached" uctl_a detach --all
check "clsact created by the test is kept" has_clsact

check_run "detach --all" 0 "" uctl_a detach --all
tc -n "$NSA" qdisc del dev "$DA" clsact 2>/dev/null

if ! have_tcx; then
	check_run "--mode tcx refused without tcx, and says why" 1 "this kernel has no tcx" \
		uctl_a attach --mode tcx "$DA"
	check_eq "nothing attached" "$(meter_hooks "$NSA" "$DA")" 0
	done_testing
fi

# --- tcx: the default here. Foreign programs attached first and last,
# and a foreign clsact filter (it runs after the tcx chain). In a tcx
# chain any verdict but TCX_NEXT ends the chain, so each foreign verdict
# is tested with only the meter before it.
tcx() { in_ns "$NSA" "$TCX_CTL" "$@"; }
chain_names() { tcx chain "$DA" | awk '{ print $3 }' | tr '\n' ' '; }
send25() {
	timeout 10 ip netns exec "$NSA" bash -c \
		'exec 3>/dev/udp/198.18.0.6/9; for i in $(seq 25); do printf x >&3; done' 2>/dev/null
	settle "$NSA" "$DA"
}
# drop_stands WHO: 25 datagrams that WHO drops after the meter: counted,
# and none reaches the receiver.
drop_stands() {
	local rx0 pk0
	rx0=$(rx_packets)
	pk0=$(status_field "$NSA" "$DA" bpf_packets)
	send25
	check_ge "the meter counted what $1 dropped" \
		"$(($(status_field "$NSA" "$DA" bpf_packets) - pk0))" 25
	check_eq "the drop of $1 stands: the receiver got none" "$(rx_packets)" "$rx0"
}
check "a foreign tc_ok program first in the tcx chain" tcx attach "$DA" "$FOREIGN/tc_ok" first
check_run "attach (auto) takes tcx" 0 "^$DA: attached \(slot [0-9]+, tcx\)" uctl_a attach "$DA"
check_eq "the meter runs first, before the program that was first" "$(chain_names)" "ucap_egress tc_ok "
check_eq "status --json says attach tcx" "$(status_field "$NSA" "$DA" attach)" tcx
check "its link is pinned in the pin directory" bash -c "ls '$PIN_DIR' | grep -q '^tcx_egress_[0-9]*$'"
check_run "attaching twice is a no-op" 0 "^$DA: already attached \(slot [0-9]+, tcx\)" uctl_a attach "$DA"
check_run "--mode clsact does not add a second meter" 0 "already attached" uctl_a attach --mode clsact "$DA"
check_eq "one meter on the device" "$(meter_hooks "$NSA" "$DA")" 1
check "the foreign tc_ok detached" tcx detach "$DA" "$FOREIGN/tc_ok"

check "a foreign tc_shot program last in the tcx chain" tcx attach "$DA" "$FOREIGN/tc_shot" last
drop_stands "the later tcx program"
check "the foreign tc_shot detached" tcx detach "$DA" "$FOREIGN/tc_shot"

tc -n "$NSA" qdisc add dev "$DA" clsact
check "a foreign clsact filter, tc_shot, at egress priority 10" foreign egress 10 tc_shot
drop_stands "the clsact filter"
tc -n "$NSA" filter del dev "$DA" egress prio 10

check "a foreign tc_ok program last in the tcx chain" tcx attach "$DA" "$FOREIGN/tc_ok" last
flows_exactly "tc_ok (tcx)"

check_run "detach" 0 "^$DA: detached" uctl_a detach "$DA"
check_eq "only our link went: the foreign program stays" "$(chain_names)" "tc_ok "
check "the link's pin is gone" bash -c "! ls '$PIN_DIR' | grep -q '^tcx_egress_'"
check "the clsact qdisc someone else made is kept" has_clsact
check_run "detach again: not attached" 0 "^$DA: not attached" uctl_a detach "$DA"
check_run "attach again" 0 "^$DA: attached" uctl_a attach "$DA"
check_ge "the counts continued" "$(status_field "$NSA" "$DA" bpf_packets)" "$bp1"
check_eq "first again" "$(chain_names)" "ucap_egress tc_ok "

# Someone else's program put into our link: hands off, and not ours.
check "the foreign tc_ok detached" tcx detach "$DA" "$FOREIGN/tc_ok"
link=$(tcx_link_of "$NSA" "$DA")
check "a foreign program replaces ours in its link $link" tcx replace "$link" "$FOREIGN/tc_ok"
check_eq "status does not call it attached" "$(status_field "$NSA" "$DA" attached)" false
check_run "attach refuses the link that runs another program" 1 "runs another program" \
	uctl_a attach "$DA"
check_run "detach refuses it too" 1 "not uploadcap's; not touching it" uctl_a detach "$DA"
check_eq "and leaves it" "$(chain_names)" "tc_ok "

done_testing
