#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: two network namespaces joined by a veth pair (198.18.0.0/15),
# uploadcap's egress meter attached on the sending side, a few MB of TCP
# and UDP through it, and `uploadctl status` before and after. Everything
# it makes is removed on exit; it uses its own pin directory, never the
# host's meter.
. "$(dirname "$0")/../selftests/lib.sh"

trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "demo: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, tc, BPF)"
[ -x "$UPLOADCTL" ] || die "$UPLOADCTL is not built (make)"
RUN_ID=$(printf '%04x' $(( ($$ ^ RANDOM) & 0xffff )))
PIN_DIR=/sys/fs/bpf/uploadcap-demo-$RUN_ID
T_PINS+=("$PIN_DIR")

say() { printf '\n=== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

ns_new NSA host && ns_new NSB peer || die "create network namespaces"
DEV=ucdemo${RUN_ID}
veth_pair "$NSA" "$DEV" 198.18.0.1 "$NSB" ucpeer${RUN_ID} 198.18.0.2 ||
	die "create veth pair"
uctl_host() { in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" "$@"; }

say "A namespace '$NSA' with device $DEV (198.18.0.1) wired to '$NSB' (198.18.0.2)."
say "Attach the egress meter (uploadctl runs inside the namespace via nsenter --net):"
show uctl_host attach "$DEV"
veth_up "$NSA" "$DEV" "$NSB" ucpeer${RUN_ID} || die "bring the veth pair up"
show uctl_host status

say "Send 4 MiB of TCP (GSO super-packets) and 256 KiB of 64-byte UDP datagrams:"
tcp_bulk "$NSA" "$NSB" 198.18.0.2 4M || die "TCP transfer failed"
udp_small "$NSA" "$NSB" 198.18.0.2 256K 64 || die "UDP transfer failed"
settle "$NSA" "$DEV"
show uctl_host status

say "The same as JSON (format version 1):"
show uctl_host status --pretty "$DEV"

say "Meter bytes equal the device's own tx_bytes; wire bytes add the headers
    that segmentation replicates, which is what a real NIC puts on the wire.
    uploadcap.ko, the enforcing part, is not built yet: nothing is capped."
