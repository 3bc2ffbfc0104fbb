#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Attack: make new devices after arming, in new namespaces, and send
# through them (in the VM). Every kind is guarded from its first packet:
# veth, dummy, VLAN, macvlan, vxlan, tun and tap. A stacked device is
# charged as well as the device under it, and the cap holds for all of
# them together: once it is used up, nothing leaves any of them.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload
check "insmod" mod_load
check_run "arm with 1 GiB" 0 "^armed" "$UPLOADCTL" cap set 1GiB
two_hosts 198.18.7.1 198.18.7.2
veth_up "$NSA" "$DA" "$NSB" "$DB"
V=uv${RUN_ID}
M=um${RUN_ID}
X=ux${RUN_ID}
D=ud${RUN_ID}

# Upper devices in both namespaces, each with its own /30.
ip -n "$NSA" link add link "$DA" name "$V" type vlan id 100
ip -n "$NSB" link add link "$DB" name "$V" type vlan id 100
ip -n "$NSA" link add link "$DA" name "$M" type macvlan mode bridge
ip -n "$NSB" link add link "$DB" name "$M" type macvlan mode bridge
ip -n "$NSA" link add "$X" type vxlan id 42 local 198.18.7.1 remote 198.18.7.2 dstport 4789 dev "$DA"
ip -n "$NSB" link add "$X" type vxlan id 42 local 198.18.7.2 remote 198.18.7.1 dstport 4789 dev "$DB"
ip -n "$NSA" link add "$D" type dummy
modprobe tun	# /dev/net/tun appears with the module
ip -n "$NSA" tuntap add dev "ut${RUN_ID}" mode tun
ip -n "$NSA" tuntap add dev "up${RUN_ID}" mode tap
n=5
for d in "$V" "$M" "$X"; do
	for ns in "$NSA" "$NSB"; do
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
		ip -n "$ns" link set "$d" up
	done
	ip -n "$NSA" addr add "198.18.7.$n/30" dev "$d"
	ip -n "$NSB" addr add "198.18.7.$((n + 1))/30" dev "$d"
	n=$((n + 4))
done
ip -n "$NSA" addr add 198.18.7.17/30 dev "$D"
ip -n "$NSA" link set "$D" up

ino_a=$(in_ns "$NSA" stat -L -c %i /proc/self/ns/net)
for d in "$V" "$M" "$X" "$D" "ut${RUN_ID}" "up${RUN_ID}"; do
	check_eq "$d is guarded (in the devices table)" "$(mod_dev_field "$NSA" "$d" netns)" "$ino_a"
done
# No ARP: datagrams queued while it is pending may be dropped before any
# device sees them. Each side knows the other's MAC for good.
n=5
for d in "$V" "$M" "$X"; do
	ip -n "$NSA" neigh replace "198.18.7.$((n + 1))" dev "$d" nud permanent lladdr "$(mac_of "$NSB" "$d")"
	ip -n "$NSB" neigh replace "198.18.7.$n" dev "$d" nud permanent lladdr "$(mac_of "$NSA" "$d")"
	n=$((n + 4))
done

# The receiver drops our datagrams without a word: an ICMP error would
# fail the sender's next write on its connected socket.
ip netns exec "$NSB" nft -f - <<EOF
table inet ucap_sink {
	chain in { type filter hook input priority 0; udp dport 9 drop; }
}
EOF
# udp_to ADDR COUNT: COUNT datagrams of 1000 bytes, from NSA.
udp_to() {
	timeout 20 ip netns exec "$NSA" "$BUILD/bench/udpflood" "$1" 9 1000 --count "$2" >/dev/null
}
# sent_through DEV ADDR: 100 datagrams out of DEV are charged to it, and
# to DA under it where there is one.
sent_through() {
	local dev=$1 addr=$2 under=$3 b0 u0
	b0=$(mod_dev_field "$NSA" "$dev" bytes)
	u0=$(mod_dev_field "$NSA" "$DA" bytes)
	udp_to "$addr" 100
	settle "$NSA" "$DA"
	check_ge "$dev: 100 kB of UDP charged to it" $(($(mod_dev_field "$NSA" "$dev" bytes) - b0)) 100000
	[ "$under" = yes ] &&
		check_ge "$dev: and to $DA under it" $(($(mod_dev_field "$NSA" "$DA" bytes) - u0)) 100000
	return 0
}
sent_through "$V" 198.18.7.6 yes
sent_through "$M" 198.18.7.10 yes
sent_through "$X" 198.18.7.14 yes
# The dummy device drops what it is given, after its hook.
ip -n "$NSA" neigh replace 198.18.7.18 dev "$D" lladdr 02:00:00:00:00:01 nud permanent 2>/dev/null
sent_through "$D" 198.18.7.18 no
check_eq "the receiver's VLAN device got its share" \
	"$(ip -n "$NSB" -s -j link show dev "$V" | jq '.[0].stats64.rx.packets >= 100')" true

# --- the cap holds over all of them: 300 kB left
cap=$(($(mod_get used_bytes) + 300000))
check_run "lower the cap to 300 kB above used" 0 "" "$UPLOADCTL" cap set "$cap"
rx0=$(ip -n "$NSB" -s -j link show dev "$DB" | jq '.[0].stats64.rx.bytes')
for a in 198.18.7.2 198.18.7.6 198.18.7.10 198.18.7.14; do udp_to "$a" 200 & done
wait
settle "$NSA" "$DA"
check_eq "exhausted" "$(mod_get state)" exhausted
used=$(mod_get used_bytes)
check_ge "used_bytes <= cap_bytes" "$cap" "$used"
check_gt "short of it by less than a packet" 1100 $((cap - used))
check_ge "traffic was dropped" "$(mod_get dropped_packets)" 100
rx=$(($(ip -n "$NSB" -s -j link show dev "$DB" | jq '.[0].stats64.rx.bytes') - rx0))
check_ge "the receiver got no more than the 300 kB left" 300000 "$rx"
done_testing
