#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Which devices are guarded (in the VM): devices made after arming, in new
# namespaces; not loopback; not exempt= names (decided when a device is
# first seen: renaming or moving a guarded device keeps it guarded, with
# its counts); and a devices table longer than a sysfs page.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

EXEMPT=ucx${RUN_ID}e
check "insmod exempt=$EXEMPT" mod_load exempt="$EXEMPT"
check_run "arm" 0 "^armed" "$UPLOADCTL" cap set 1TB

# --- a device made after arming, in a new namespace, is guarded
two_hosts 198.18.3.1 198.18.3.2
veth_up "$NSA" "$DA" "$NSB" "$DB"
ino_a=$(in_ns "$NSA" stat -L -c %i /proc/self/ns/net)
check_eq "new device listed with its namespace's inode" "$(mod_dev_field "$NSA" "$DA" netns)" "$ino_a"
check_eq "and its name" "$(mod_dev_field "$NSA" "$DA" name)" "$DA"
# charged_all NS DEV TX0 CHARGED0 BYTES WHAT: after tcp_bulk of BYTES, the
# device sent most of them (tcp_bulk may lose up to 512 KiB left in the
# sender's buffer) and the module charged it all that the device sent
# (more: its wire length counts every GSO segment's headers). What the
# device sent is left in SENT.
charged_all() {
	settle "$1" "$2"
	SENT=$(($(tx_bytes "$1" "$2") - $3))
	check_ge "$6: the device sent most of $5 bytes" "$SENT" $(($5 - 524288))
	check_ge "$6: the module charged all it sent" $(($(mod_dev_field "$1" "$2" bytes) - $4)) "$SENT"
}
used0=$(mod_get used_bytes)
tx0=$(tx_bytes "$NSA" "$DA")
check "TCP from the new namespace" tcp_bulk "$NSA" "$NSB" 198.18.3.2 2M
charged_all "$NSA" "$DA" "$tx0" 0 2097152 "new device"
check_ge "and it counts in used_bytes" $(($(mod_get used_bytes) - used0)) "$SENT"
check "loopback of the new namespace is not listed" \
	bash -c "! awk -v ino=$ino_a '\$1 == ino && \$3 == \"lo\"' '$SYSFS/devices' | grep -q ."

# --- AF_PACKET with PACKET_QDISC_BYPASS skips tc and the qdisc, not the
# module: since Linux 5.17 af_packet runs the netfilter egress hook for it
m0=$(mod_dev_field "$NSA" "$DA" bytes)
check_run "1000-byte frames through AF_PACKET with PACKET_QDISC_BYPASS" 0 "^sent 100 refused 0$" \
	ip netns exec "$NSA" "$BUILD/selftests/rawsend" "$DA" "$(mac_of "$NSB" "$DB")" \
	198.18.3.1 198.18.3.2 100 1000 bypass
check_eq "the module charged them, exactly" "$(mod_dev_field "$NSA" "$DA" bytes)" $((m0 + 100000))

# --- an exempt device is not guarded
ns_new NSE e && ns_new NSF f || bail "create namespaces"
veth_pair "$NSE" "$EXEMPT" 198.18.3.5 "$NSF" "uc${RUN_ID}f" 198.18.3.6 || bail "create exempt veth"
veth_up "$NSE" "$EXEMPT" "$NSF" "uc${RUN_ID}f"
check_eq "exempt device not listed" "$(mod_dev_field "$NSE" "$EXEMPT" bytes)" ""
check_run "log: not guarding it" 0 "not guarding $EXEMPT \(exempt\)" dmesg
u0=$(mod_get used_bytes)
p0=$(mod_dev_field "$NSF" "uc${RUN_ID}f" bytes)
check "TCP through the exempt device" tcp_bulk "$NSE" "$NSF" 198.18.3.6 2M
settle "$NSE" "$EXEMPT"
settle "$NSF" "uc${RUN_ID}f"
p1=$(mod_dev_field "$NSF" "uc${RUN_ID}f" bytes)
# Other guarded devices may send a stray ARP meanwhile: allow a few bytes.
extra=$(( $(mod_get used_bytes) - u0 - (p1 - p0) ))
check_ge "2 MiB through the exempt device, and only the peer's replies charged" 1024 "$extra"
check_ge "(the peer's replies were charged)" "$((p1 - p0))" 1

# --- rename and move keep a device guarded, with its counts
b0=$(mod_dev_field "$NSA" "$DA" bytes)
ip -n "$NSA" link set "$DA" down
ip -n "$NSA" link set "$DA" name "$EXEMPT"
check_eq "renamed to an exempt name: still guarded" "$(mod_dev_field "$NSA" "$EXEMPT" bytes)" "$b0"
ns_new NSG g || bail "create namespace"
ip -n "$NSA" link set "$EXEMPT" netns "$NSG"
ino_g=$(in_ns "$NSG" stat -L -c %i /proc/self/ns/net)
check_eq "moved: listed under the new namespace" "$(mod_dev_field "$NSG" "$EXEMPT" netns)" "$ino_g"
check_eq "moved: counts kept" "$(mod_dev_field "$NSG" "$EXEMPT" bytes)" "$b0"
ip -n "$NSG" addr add 198.18.3.1/30 dev "$EXEMPT"
ip -n "$NSG" link set "$EXEMPT" up
tx0=$(tx_bytes "$NSG" "$EXEMPT")
check "TCP from the moved device" tcp_bulk "$NSG" "$NSB" 198.18.3.2 1M
charged_all "$NSG" "$EXEMPT" "$tx0" "$b0" 1048576 "moved"
ip -n "$NSG" link del "$EXEMPT"
check_eq "deleted: no longer listed" "$(grep -c " $EXEMPT " "$SYSFS/devices")" 0

# --- more devices than one page of sysfs holds
ns_new NSM many || bail "create namespace"
for i in $(seq 40); do
	ip -n "$NSM" link add name "m${RUN_ID}a$i" type veth peer name "m${RUN_ID}b$i" || break
done
ino_m=$(in_ns "$NSM" stat -L -c %i /proc/self/ns/net)
table=$(cat "$SYSFS/devices")
check_gt "the table is longer than a page" "$(wc -c <<<"$table")" 4096
check_eq "all 80 new devices listed once" "$(awk -v ino="$ino_m" '$1 == ino' <<<"$table" | wc -l)" 80
check_eq "every line has 11 fields" "$(awk 'NF != 11' <<<"$table" | wc -l)" 0
check_eq "the header names them" "$(head -n1 <<<"$table" | tr -s ' ' | sed 's/ $//')" \
	"netns ifindex name bytes packets dropped_packets dropped_bytes len_bytes bypass_bytes held counts"
check_eq "no line is torn: all lines equally long" "$(awk '{ print length($0) }' "$SYSFS/devices" | sort -u | wc -l)" 1
check_eq "names are whole" "$(awk -v ino="$ino_m" '$1 == ino { print $3 }' <<<"$table" | sort | head -1)" "m${RUN_ID}a1"
check_run "uploadctl status reads it in that namespace" 0 "m${RUN_ID}a40" \
	in_ns "$NSM" "$UPLOADCTL" --pin-dir "$PIN_DIR" status

done_testing
