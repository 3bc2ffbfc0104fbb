#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: the meter on a veth pair between two namespaces this test
# makes, uploadctl run through nsenter --net. After TCP bulk (GSO) and
# small UDP, the meter must equal the sending device's own counters
# exactly, and counts must carry on across uploadctl runs and re-attach.
. "$(dirname "$0")/lib.sh"
ucap_test_init

two_hosts 198.18.0.1 198.18.0.2

# Attach while the devices are down: the meter sees every packet they send.
check_run "attach $DA via nsenter --net" 0 "^$DA: attached" in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$DA"
check_run "attach $DB in the other namespace" 0 "^$DB: attached" in_ns "$NSB" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$DB"
# tcx where the kernel has it (6.6 and later), else clsact.
check_eq "attached the way this kernel allows best ($(uname -r))" \
	"$(status_field "$NSA" "$DA" attach)" "$(default_attach)"
check_eq "the kernel runs one meter on $DA" "$(meter_hooks "$NSA" "$DA")" 1
veth_up "$NSA" "$DA" "$NSB" "$DB" || bail "bring veth pair up"

check "TCP bulk, 8 MiB" tcp_bulk "$NSA" "$NSB" 198.18.0.2 8M
check "UDP, 64-byte datagrams, 64 KiB" udp_small "$NSA" "$NSB" 198.18.0.2 64K 64

# All figures of one device from one status run.
figures() {
	in_ns "$1" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --json |
		jq -r --arg n "$2" '.interfaces[] | select(.name == $n) |
			"\(.attached) \(.bpf_bytes) \(.bpf_wire_bytes) \(.bpf_packets) \(.bpf_segments) \(.dev_tx_bytes) \(.dev_tx_packets) \(.module_bytes)"'
}

compare() {
	local tag=$1 ns=$2 dev=$3
	settle "$ns" "$dev" || diag "$dev: tx counter still moving after 10 s"
	read -r att bytes wire pkts segs txb txp modb < <(figures "$ns" "$dev")
	diag "$tag $dev: bpf bytes=$bytes wire=$wire packets=$pkts segments=$segs; device tx bytes=$txb packets=$txp"
	check_eq "$tag: $dev attached" "$att" true
	check_eq "$tag: $dev bpf_bytes == device tx_bytes" "$bytes" "$txb"
	check_eq "$tag: $dev bpf_packets == device tx_packets" "$pkts" "$txp"
	check_ge "$tag: $dev bpf_wire_bytes >= bpf_bytes" "$wire" "$bytes"
	check_ge "$tag: $dev bpf_segments >= bpf_packets" "$segs" "$pkts"
	check_eq "$tag: $dev module_bytes is null without the module" "$modb" null
}

compare "after traffic" "$NSA" "$DA"
read -r _ bytes1 wire1 pkts1 segs1 _ < <(figures "$NSA" "$DA")
check_gt "TCP used GSO: wire bytes exceed skb bytes" "$wire1" "$bytes1"
check_gt "TCP used GSO: segments exceed packets" "$segs1" "$pkts1"
check_ge "the bulk crossed the meter: at least 7 MiB counted" "$bytes1" $((7 * 1048576))
compare "peer after traffic" "$NSB" "$DB"

# Another run of uploadctl, and a second attach, change nothing.
check_run "second attach is a no-op" 0 "^$DA: already attached" in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$DA"
check_eq "one uploadcap meter on $DA after two attaches" "$(meter_hooks "$NSA" "$DA")" 1
read -r _ bytes2 _ pkts2 _ < <(figures "$NSA" "$DA")
check_ge "counts kept across uploadctl runs and re-attach (bytes)" "$bytes2" "$bytes1"
check_ge "counts kept across uploadctl runs and re-attach (packets)" "$pkts2" "$pkts1"

check "more TCP, 2 MiB" tcp_bulk "$NSA" "$NSB" 198.18.0.2 2M
check "more UDP, 1200-byte datagrams, 60 KiB" udp_small "$NSA" "$NSB" 198.18.0.2 60K 1200
compare "after re-attach and more traffic" "$NSA" "$DA"
read -r _ bytes3 _ < <(figures "$NSA" "$DA")
check_ge "counting went on from where it was (+1 MiB at least)" "$bytes3" $((bytes1 + 1048576))

# detach keeps the counts; attach continues them.
check_run "detach $DA" 0 "^$DA: detached" in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" detach "$DA"
check_eq "status says detached" "$(status_field "$NSA" "$DA" attached)" false
check_eq "detached device keeps its count" "$(status_field "$NSA" "$DA" bpf_bytes)" "$bytes3"
check_run "re-attach $DA" 0 "^$DA: attached" in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$DA"
check "UDP after re-attach" udp_small "$NSA" "$NSB" 198.18.0.2 4K 100
compare "after detach and re-attach" "$NSA" "$DA"

# The readable table carries the same figures, exact and in IEC units.
check_run "status table shows $DA with exact and IEC sizes" 0 \
	"^$DA +[0-9]+ +attached +[0-9]+ \([0-9.]+ (B|KiB|MiB|GiB)\)" \
	in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" status
check_run "status table says the module is not loaded" 0 "^module: +not loaded" \
	in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" status

done_testing
