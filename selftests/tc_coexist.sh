#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The meter lives beside other people's tc filters: it runs first, never
# decides a packet's fate, and detach removes only its own filter (and the
# clsact qdisc only when uploadctl made it and nobody else uses it).
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
check_run "attach, creating clsact" 0 "attached" uctl_a attach "$DA"
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
check_run "attach beside tc_ok" 0 "attached" uctl_a attach "$DA"
# The 25 dropped datagrams above were metered but never sent: compare growth.
pkts() {
	in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --json |
		jq -r --arg n "$DA" '.interfaces[] | select(.name == $n) | "\(.bpf_packets) \(.dev_tx_packets)"'
}
read -r bp0 dp0 < <(pkts)
check "UDP flows through meter and tc_ok" udp_small "$NSA" "$NSB" 198.18.0.6 8K 64
settle "$NSA" "$DA"
read -r bp1 dp1 < <(pkts)
check_gt "the meter counted the traffic" "$((bp1 - bp0))" 100
check_eq "meter grew exactly as the device counter" "$((bp1 - bp0))" "$((dp1 - dp0))"
check_run "detach" 0 "detached" uctl_a detach "$DA"
check "tc_ok filter kept" bash -c "tc -n '$NSA' filter show dev '$DA' egress | grep -q 'pref 10 bpf'"
tc -n "$NSA" qdisc del dev "$DA" clsact

# --- clsact that existed before: kept after detach even when empty.
tc -n "$NSA" qdisc add dev "$DA" clsact
check_run "attach with a pre-existing clsact" 0 "attached" uctl_a attach "$DA"
check_run "detach" 0 "detached" uctl_a detach "$DA"
check "pre-existing clsact kept" has_clsact
tc -n "$NSA" qdisc del dev "$DA" clsact

# --- clsact we made, then someone added an ingress filter: kept.
check_run "attach, creating clsact" 0 "attached" uctl_a attach "$DA"
check "foreign ingress filter added afterwards" foreign ingress 5 tc_ok
check_run "detach" 0 "detached" uctl_a detach "$DA"
check "clsact kept for the foreign ingress filter" has_clsact
check "foreign ingress filter kept" bash -c "tc -n '$NSA' filter show dev '$DA' ingress | grep -q 'pref 5 bpf'"
tc -n "$NSA" qdisc del dev "$DA" clsact

# --- clsact we made, nobody else uses it: removed with our filter.
check_run "attach, creating clsact" 0 "attached" uctl_a attach "$DA"
check_run "detach" 0 "detached" uctl_a detach "$DA"
check "clsact uploadctl made and nobody uses is removed" bash -c "! tc -n '$NSA' qdisc show dev '$DA' | grep -q clsact"

# --- Someone else's program at uploadcap's own position: hands off.
tc -n "$NSA" qdisc add dev "$DA" clsact
foreign egress 1 tc_ok 0x75636170
check_run "attach refuses a position held by another program" 1 "holds another program" uctl_a attach "$DA"
check_run "detach refuses to remove another program" 1 "not uploadcap's" uctl_a detach "$DA"
check "the other program is still there" bash -c "tc -n '$NSA' filter show dev '$DA' egress | grep -q 'tc_ok'"
check_eq "status does not call it attached" "$(status_field "$NSA" "$DA" attached)" false

# --- detach --all touches only devices with our filter.
tc -n "$NSA" filter del dev "$DA" egress prio 1
check_run "attach --all" 0 "^$DA: attached" uctl_a attach --all
check "loopback not attached" bash -c "! tc -n '$NSA' filter show dev lo egress 2>/dev/null | grep -q 0x75636170"
check_run "detach --all" 0 "^$DA: detached" uctl_a detach --all
check "clsact created by the test is kept" has_clsact

done_testing
