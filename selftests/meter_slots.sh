#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Keys: large ifindex values, the same ifindex in two namespaces, a device
# deleted and made again with the same name and ifindex, and a device moved
# to another namespace while attached. Each device's meter must equal its
# own tx counters, and no count may be lost or land on the wrong device.
. "$(dirname "$0")/lib.sh"
ucap_test_init

BIG=2000000000	# ifindex values grow over months of device churn
ns_new NS1 s1 && ns_new NS2 s2 && ns_new NS3 s3 && ns_new NS4 s4 &&
	ns_new NS5 s5 || bail "create network namespaces"
X1=uc${RUN_ID}x
Y1=uc${RUN_ID}y

# Two pairs whose senders have the same name and ifindex BIG, each in its
# own namespace: NS1:X1 <-> NS2:Y1 and NS3:X1 <-> NS4:Y1.
veth_pair "$NS1" "$X1" 198.18.1.1 "$NS2" "$Y1" 198.18.1.2 index $BIG &&
	veth_pair "$NS3" "$X1" 198.18.1.1 "$NS4" "$Y1" 198.18.1.2 index $BIG ||
	bail "create veth pairs with ifindex $BIG"
check_eq "ifindex $BIG in $NS1" "$(ip -n "$NS1" -j link show dev "$X1" | jq '.[0].ifindex')" $BIG
check_eq "the same ifindex in $NS3" "$(ip -n "$NS3" -j link show dev "$X1" | jq '.[0].ifindex')" $BIG

for ns in "$NS1" "$NS3"; do
	check_run "attach $X1 in $ns" 0 "^$X1: attached" in_ns "$ns" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$X1"
done
veth_up "$NS1" "$X1" "$NS2" "$Y1" && veth_up "$NS3" "$X1" "$NS4" "$Y1" || bail "bring veth pairs up"

# Different amounts through the two same-keyed devices.
check "UDP through the first pair" udp_small "$NS1" "$NS2" 198.18.1.2 16K 64
check "TCP through the second pair" tcp_bulk "$NS3" "$NS4" 198.18.1.2 2M
settle "$NS1" "$X1"
settle "$NS3" "$X1"

same_as_device() {	# same_as_device TAG NS DEV
	local b p tb tp
	read -r b p tb tp < <(in_ns "$2" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --json |
		jq -r --arg n "$3" '.interfaces[] | select(.name == $n) |
			"\(.bpf_bytes) \(.bpf_packets) \(.dev_tx_bytes) \(.dev_tx_packets)"')
	check_eq "$1: bpf_bytes == device tx_bytes" "$b" "$tb"
	check_eq "$1: bpf_packets == device tx_packets" "$p" "$tp"
}
same_as_device "ifindex $BIG in $NS1" "$NS1" "$X1"
same_as_device "ifindex $BIG in $NS3" "$NS3" "$X1"
b1=$(status_field "$NS1" "$X1" bpf_bytes)
b3=$(status_field "$NS3" "$X1" bpf_bytes)
check_gt "the two devices were counted apart" "$((b3 - b1))" 1000000

# Delete the first device and make it again: same name, same ifindex.
ip -n "$NS1" link del "$X1"
veth_pair "$NS1" "$X1" 198.18.1.1 "$NS2" "$Y1" 198.18.1.2 index $BIG ||
	bail "re-create $X1 with ifindex $BIG"
check_eq "status shows the new device as not attached" "$(status_field "$NS1" "$X1" attached)" false
check_eq "the new device starts from zero" "$(status_field "$NS1" "$X1" bpf_bytes)" 0
check_run "attach the new device" 0 "^$X1: attached" in_ns "$NS1" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$X1"
# It may have sent a stray packet or two (ARP) after b1 was read.
retired=$(in_ns "$NS1" "$UPLOADCTL" --pin-dir "$PIN_DIR" status | sed -n 's/^retired: *\([0-9]*\) .*/\1/p')
check_ge "the old device's counts are kept as retired" "$retired" "$b1"
check_ge "retired holds the old device's counts only" "$((b1 + 1500))" "$retired"
veth_up "$NS1" "$X1" "$NS2" "$Y1"
check "UDP through the new device" udp_small "$NS1" "$NS2" 198.18.1.2 4K 64
settle "$NS1" "$X1"
same_as_device "re-created device" "$NS1" "$X1"
same_as_device "its namesake in $NS3 untouched" "$NS3" "$X1"
b3now=$(status_field "$NS3" "$X1" bpf_bytes)
check_ge "its namesake kept its count" "$b3now" "$b3"
check_ge "and got nothing of the new device's (a stray ARP at most)" $((b3 + 1500)) "$b3now"

# Move an attached device to another namespace. clsact: the kernel
# destroys a device's qdiscs, clsact with its filters, when it changes
# namespace: the meter must be attached again there. tcx: the chain moves
# with the device, and so does the meter; attach there re-keys its slot.
# Either way the counts so far stay in the meter's all-namespace total.
total() {
	in_ns "$1" "$UPLOADCTL" --pin-dir "$PIN_DIR" status |
		sed -n 's/^ *all namespaces: \([0-9]*\) .*/\1/p'
}
t0=$(total "$NS1")
ip -n "$NS3" link set "$X1" netns "$NS5"
if [ "$(default_attach)" = tcx ]; then
	check_eq "moved device: still attached in its new namespace (tcx)" \
		"$(status_field "$NS5" "$X1" attached)" true
	check_run "attach there: already attached, the slot re-keyed" 0 "^$X1: already attached" \
		in_ns "$NS5" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$X1"
else
	check_eq "moved device: not attached in its new namespace" \
		"$(status_field "$NS5" "$X1" attached)" false
	check_run "attach it in the new namespace" 0 "^$X1: attached" \
		in_ns "$NS5" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$X1"
fi
check_eq "meter total unchanged by the move" "$(total "$NS5")" "$t0"
read -r b0 tx0 < <(in_ns "$NS5" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --json |
	jq -r --arg n "$X1" '.interfaces[] | select(.name == $n) | "\(.bpf_bytes) \(.dev_tx_bytes)"')
# The move re-created its IPv6 settings from $NS5's defaults: no MLD or
# router solicitations sent at random moments during the comparison.
ip netns exec "$NS5" sysctl -qw "net.ipv6.conf.$X1.disable_ipv6=1"
ip -n "$NS5" addr add 198.18.1.1/30 dev "$X1"
ip -n "$NS5" link set "$X1" up
check "TCP from the new namespace" tcp_bulk "$NS5" "$NS4" 198.18.1.2 1M
settle "$NS5" "$X1"
read -r b tb < <(in_ns "$NS5" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --json |
	jq -r --arg n "$X1" '.interfaces[] | select(.name == $n) | "\(.bpf_bytes) \(.dev_tx_bytes)"')
check_eq "moved device: meter grew as its tx counter" "$((b - b0))" "$((tb - tx0))"
check_eq "one uploadcap meter on the moved device" "$(meter_hooks "$NS5" "$X1")" 1
check_gt "meter total grew by the new traffic" "$(total "$NS5")" "$((t0 + 500000))"

done_testing
