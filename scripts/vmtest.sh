#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vmtest.sh [-k KERNEL_RELEASE] [-t SECONDS] [-m MEM] [-s DIR] [-T DIR] [-S] [-n MODEL]...
#           [-a KERNEL_ARG]... [-I] -- CMD [ARGS...]
#
# Boot an installed Debian kernel under QEMU (software emulation) with this
# machine's root shared read-only over 9p (writable tmpfs on /tmp, /run,
# /var/log; bpffs mounted), run CMD as root in the guest from the current
# directory, print its output, and exit with its exit status. On failure
# or timeout the guest console follows on stderr. Without -k, the newest
# kernel that uploadcap.ko has been built for (build/kmod/<release>/).
# -s DIR shares DIR writable at /run/vmstate in the guest: a disk that
# outlives the boot, for tests that reboot.
# -S boots systemd as init on a writable overlay of the shared root (a
# tmpfs, gone at power-off) and runs CMD as a service once multi-user.target
# is reached: for tests of packages and units.
# -n MODEL (repeatable) adds two emulated NICs of that QEMU model (e1000,
# e1000e, rtl8139, vmxnet3, virtio-net-pci, ...) joined on a QEMU hub of
# their own: they reach only each other, never the host's network.
# -T DIR gives the guest a TPM 2.0: swtpm, with its state in DIR (the
# machine's TPM: keep DIR across the boots of one test), attached as a TIS
# device (/dev/tpm0, /dev/tpmrm0). One swtpm per boot, started and
# stopped here by PID.
# -a KERNEL_ARG (repeatable) adds it to the kernel's command line, e.g.
# module.sig_enforce=1.
# -I runs the guest in instruction time (QEMU -icount shift=0,sleep=off,
# align=off): one vCPU thread, the guest's clock advancing 1 ns per
# instruction executed on any vCPU, so what the guest measures in time is
# instructions, whatever else the host is doing (make bench's VM figures).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
krel=
timeout=600
mem=1024
state=
tpm_state=
systemd=
nics=()
kargs=
icount=()

usage() {
	echo "usage: vmtest.sh [-k KERNEL_RELEASE] [-t SECONDS] [-m MEM] [-s DIR] [-T DIR] [-S] [-n MODEL]... [-a KERNEL_ARG]... [-I] -- CMD [ARGS...]" >&2
	exit 2
}
die() { echo "vmtest: $*" >&2; exit 1; }

while getopts "k:t:m:s:T:Sn:a:Ih" opt; do
	# shellcheck disable=SC2054 # -icount's suboptions are comma-separated
	case $opt in
	I) icount=(-icount shift=0,sleep=off,align=off) ;;
	a)
		case $OPTARG in
		*[!A-Za-z0-9_.=,-]* | "") die "not a kernel argument: $OPTARG" ;;
		esac
		kargs+=" $OPTARG"
		;;
	n)
		case $OPTARG in
		*[!a-z0-9_-]* | "") die "not a NIC model: $OPTARG" ;;
		esac
		h=$((${#nics[@]} / 8))
		nics+=(-netdev "hubport,id=hub${h}a,hubid=$h" -netdev "hubport,id=hub${h}b,hubid=$h"
			-device "$OPTARG,netdev=hub${h}a" -device "$OPTARG,netdev=hub${h}b")
		;;
	S) systemd=1 ;;
	s) state=$(cd "$OPTARG" && pwd) || die "no folder $OPTARG" ;;
	T) tpm_state=$(cd "$OPTARG" && pwd) || die "no folder $OPTARG" ;;
	k) krel=$OPTARG ;;
	t) timeout=$OPTARG ;;
	m) mem=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || usage

if [ -z "$krel" ]; then
	krel=$(compgen -G "$TOP/build/kmod/*/uploadcap.ko" |
		sed 's|.*/build/kmod/\(.*\)/uploadcap.ko|\1|' | sort -V | tail -n1)
	[ -n "$krel" ] || die "uploadcap.ko is not built for any kernel (make modules); or give -k"
fi
kernel=/boot/vmlinuz-$krel
[ -r "$kernel" ] || die "no kernel image $kernel (is linux-image-$krel installed?)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (scripts/install-deps.sh)"
[ -z "$tpm_state" ] || command -v swtpm >/dev/null || die "swtpm not found (scripts/install-deps.sh)"

initrd=$TOP/build/vm/$krel/initramfs.cpio.gz
# Several VMs may start at once (make check runs the VM suites beside
# the host tests, some of which boot VMs too): one builds, under a lock,
# into a new file that replaces the old one whole.
mkdir -p "$TOP/build/vm" || die "mkdir $TOP/build/vm"
(
	flock 9
	if [ ! -s "$initrd" ] || [ "$TOP/scripts/vm/init" -nt "$initrd" ] ||
		[ "$TOP/scripts/vm/mkinitramfs.sh" -nt "$initrd" ]; then
		"$TOP/scripts/vm/mkinitramfs.sh" "$krel" "$initrd.new.$$" &&
			mv -f "$initrd.new.$$" "$initrd" || { rm -f "$initrd.new.$$"; exit 1; }
	fi
) 9>"$TOP/build/vm/.lock" || die "build the initramfs for $krel"

res=$(mktemp -d /tmp/ucap-vm.XXXXXX)
qemu_pid=
swtpm_pid=
cleanup() {
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
	[ -n "$swtpm_pid" ] && kill "$swtpm_pid" 2>/dev/null
	rm -rf "$res"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The command, quoted for the guest's bash, run from the same directory.
{
	printf 'cd %q || exit 126\n' "$PWD"
	for v in CI UCAP_TEST_TIMEOUT UPLOADCTL_DEBUG; do
		[ -n "${!v:-}" ] && printf 'export %s=%q\n' "$v" "${!v}"
	done
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$res/cmd"
echo "$TOP/scripts/vm/guest.sh" >"$res/guest"
if [ -n "$systemd" ]; then
	touch "$res/systemd"
	# Booted to its own target: basic.target (the journal, udev, tmpfiles,
	# D-Bus socket) and the command, without the host image's services.
	cat >"$res/vmtest.target" <<EOF
[Unit]
Description=vmtest.sh: basic system and the command under test
Requires=basic.target
After=basic.target
Wants=ucap-vmtest.service
AllowIsolate=yes
EOF
	cat >"$res/vmtest.service" <<EOF
[Unit]
Description=vmtest.sh: the command under test
After=basic.target

[Service]
Type=oneshot
ExecStart=/bin/bash $TOP/scripts/vm/guest-systemd.sh
TimeoutStartSec=infinity
StandardOutput=journal+console
StandardError=journal+console
EOF
fi
state_share=()
if [ -n "$state" ]; then
	touch "$res/state"
	state_share=(-virtfs "local,path=$state,mount_tag=state,security_model=none,multidevs=remap")
fi
# Places the guest covers with tmpfs would hide a checkout or working
# directory below them: list those to keep visible.
for p in "$TOP" "$PWD"; do
	case $p in
	/tmp/* | /run/* | /var/tmp/* | /var/log/*) echo "$p" ;;
	esac
done | sort -u >"$res/keep"

# The TPM of one boot: swtpm on a socket of its own, its state in $tpm_state.
tpm_args=()
start_swtpm() {
	rm -f "$res/swtpm.sock"
	swtpm socket --tpm2 --tpmstate "dir=$tpm_state" \
		--ctrl "type=unixio,path=$res/swtpm.sock" --terminate \
		--log "file=$res/swtpm.log" &
	swtpm_pid=$!
	for _ in $(seq 100); do
		[ -S "$res/swtpm.sock" ] && break
		sleep 0.05
	done
	[ -S "$res/swtpm.sock" ] || die "swtpm did not start: $(cat "$res/swtpm.log" 2>/dev/null)"
	# shellcheck disable=SC2054 # QEMU options: their suboptions are comma-separated
	tpm_args=(-chardev "socket,id=chrtpm,path=$res/swtpm.sock"
		-tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0)
}
stop_swtpm() {
	[ -n "$swtpm_pid" ] || return 0
	kill "$swtpm_pid" 2>/dev/null || true
	wait "$swtpm_pid" 2>/dev/null || true
	swtpm_pid=
}

# boot: run the guest until it powers off or the time is up (timed_out).
boot() {
	rm -f "$res/console" "$res/qemu.log" "$res/started" "$res/out" "$res/status"
	[ -z "$tpm_state" ] || start_swtpm
	start=$SECONDS
	qemu-system-x86_64 \
		-accel tcg -cpu max -smp 2 -m "$mem" "${icount[@]}" \
		-nodefaults -display none -no-reboot \
		-serial "file:$res/console" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 loglevel=4 rw${systemd:+ systemd.unit=ucap-vmtest.target systemd.show_status=0}$kargs" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$res,mount_tag=result,security_model=none,multidevs=remap" \
		"${state_share[@]}" "${nics[@]}" "${tpm_args[@]}" \
		>"$res/qemu.log" 2>&1 &
	qemu_pid=$!

	timed_out=0
	while kill -0 "$qemu_pid" 2>/dev/null; do
		if [ $((SECONDS - start)) -ge "$timeout" ]; then
			timed_out=1
			kill "$qemu_pid" 2>/dev/null
			break
		fi
		sleep 0.2
	done
	wait "$qemu_pid" 2>/dev/null || true
	qemu_pid=
	stop_swtpm
}

# A guest kernel that dies while booting, before the command has started
# and before anything loaded uploadcap.ko (no "uploadcap: " in its log), died
# of the emulation or of the distribution kernel, not of anything under
# test: seen on 6.12 under TCG, rarely (a fault in sched_clock_cpu from
# an interrupt in the first two seconds). It is booted once more, and the
# first console's key lines are kept in the output. A death after the
# command started, or one that mentions uploadcap, is never retried.
boot
if [ "$timed_out" = 0 ] && [ ! -f "$res/started" ] && [ ! -f "$res/status" ] &&
	! grep -qs 'uploadcap: ' "$res/console"; then
	{
		echo "vmtest: the guest ($krel) died while booting, before the command started; booting it again (once). The console's key lines:"
		grep -E -A3 'BUG:|Oops|RIP:|panic|Call Trace' "$res/console" | head -n 40 | sed 's/^/vmtest:   /'
	} >&2
	boot
fi

[ -f "$res/out" ] && cat "$res/out"
status=
[ -f "$res/status" ] && status=$(cat "$res/status")
if [ "$timed_out" = 1 ] || [ -z "$status" ] || [ "$status" != 0 ]; then
	{
		if [ "$timed_out" = 1 ]; then
			echo "vmtest: timed out after ${timeout}s on $krel"
		elif [ -z "$status" ]; then
			echo "vmtest: the guest ($krel) ended without an exit status"
		else
			echo "vmtest: command exited with status $status on $krel"
		fi
		echo "vmtest: guest console:"
		cat "$res/console" 2>/dev/null
		cat "$res/qemu.log" 2>/dev/null
	} >&2
fi
[ -n "$status" ] || exit 1
exit "$status"
