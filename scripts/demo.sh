#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot a Debian kernel under QEMU (scripts/vmtest.sh), load
# uploadcap.ko there, make two network namespaces joined by a veth pair
# (198.18.0.0/15), attach the BPF meter, arm a small cap, and push traffic
# until the cap is used up, showing `uploadctl status` before, during and
# after. Everything it makes lives and dies with the VM.
#   scripts/demo.sh            on the host: boot the VM and run the demo in it
#   scripts/demo.sh --in-vm    the demo itself (needs a kernel with modules)
. "$(dirname "$0")/../selftests/lib.sh"

die() { echo "demo: $*" >&2; exit 1; }

if [ "${1:-}" != "--in-vm" ]; then
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	exec "$TOP/scripts/vmtest.sh" -t 600 -- "$TOP/scripts/demo.sh" --in-vm
fi

trap cleanup EXIT
trap 'exit 130' INT TERM
[ -f "$KMOD" ] || die "uploadcap.ko is not built for $(uname -r) (make modules)"
RUN_ID=demo
PIN_DIR=/sys/fs/bpf/uploadcap
CAP=8MiB

say() { printf '\n=== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
uctl_host() { in_ns "$NSA" "$UPLOADCTL" "$@"; }

say "Booted Linux $(uname -r) under QEMU. Load uploadcap.ko (unarmed: it counts, caps nothing yet):"
show insmod "$KMOD" || die "insmod"

ns_new NSA host && ns_new NSB peer || die "create network namespaces"
DEV=uc-host0
veth_pair "$NSA" "$DEV" 198.18.0.1 "$NSB" uc-peer0 198.18.0.2 || die "create veth pair"
say "Namespace '$NSA' has $DEV (198.18.0.1), wired to '$NSB' (198.18.0.2)."
say "Attach the BPF egress meter too (uploadctl runs in the namespace via nsenter --net):"
show uctl_host attach "$DEV"
veth_up "$NSA" "$DEV" "$NSB" uc-peer0 || die "bring the veth pair up"

say "Arm a lifetime cap of $CAP. From now on it can only be lowered:"
show "$UPLOADCTL" cap set "$CAP"
show uctl_host status

say "Send 3 MiB of TCP: within the cap."
tcp_bulk "$NSA" "$NSB" 198.18.0.2 3M || die "TCP transfer failed"
settle "$NSA" "$DEV"
show uctl_host status

say "Now try to send 64 MiB: the cap stops it."
spawn "$NSB" iperf3 -s -1 -B 198.18.0.2 -p 5201 >/dev/null 2>&1
wait_listen "$NSB" 5201
timeout 20 ip netns exec "$NSA" iperf3 -c 198.18.0.2 -p 5201 -n 64M 2>&1 | tail -n 3
for _ in $(seq 100); do [ "$(cat "$SYSFS/state")" = exhausted ] && break; sleep 0.1; done
show uctl_host status

say "Trying to raise the cap back is refused, counted and logged:"
show "$UPLOADCTL" cap set 1GiB
printf '$ dmesg | grep uploadcap:\n'
dmesg --notime | grep 'uploadcap:'
printf '\n'
