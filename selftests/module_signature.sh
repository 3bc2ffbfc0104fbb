#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A kernel that enforces module signatures (booted with
# module.sig_enforce=1, as Secure Boot's lockdown does) refuses the
# unsigned uploadcap.ko: 'uploadctl load' says exactly that and what to
# do, in one line (no libkmod line of its own), exits 1, and raises
# module_refused (crit) to syslog, so that a host left without a cap is
# heard. One boot of the newest VM kernel; run on the host.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = "--boot" ]; then
	ucap_test_init
	require_module_kernel
	check_eq "the kernel enforces module signatures" \
		"$(cat /sys/module/module/parameters/sig_enforce)" Y
	L=$(mktemp -d)
	T_CLEANUP+=("rm -rf '$L'")
	syslog_start
	out=$("$UPLOADCTL" load --ledger "$L/ledger" --module "$KMOD" --cap 10MiB 2>&1 >/dev/null)
	rc=$?
	check_eq "load: exit 1" "$rc" 1
	check_run "load: the signature named, and what to do" 0 \
		"^uploadctl: load: the kernel refused .*uploadcap.ko: its signature is missing or not from a key the kernel trusts \(Key was rejected by service; module signatures enforced, lockdown (none|unknown)\); install uploadcap-modules signed off the host, or enroll dkms's key as a MOK" \
		echo "$out"
	check_eq "one line, no libkmod line of its own" "$(grep -vc '^uploadctl: load: ' <<<"$out")" 0
	check_eq "the module is not loaded" "$(mod_loaded && echo loaded || echo absent)" absent
	check "module_refused raised to syslog" wait_event module_refused 1 5
	check_run "crit, with the reason" 0 "daemon\.crit .*event=module_refused severity=crit module=.*reason=\"the kernel refused" \
		events module_refused
	check_run "with --json: the same as a document" 1 '"error":"load: the kernel refused' \
		"$UPLOADCTL" --json load --ledger "$L/ledger" --module "$KMOD" --cap 10MiB
	done_testing
	exit
fi

# shellcheck disable=SC2034 # vm_boots reads VM_ARGS
sig_enforce() { VM_ARGS=(-a module.sig_enforce=1); }
vm_boots "$TOP/selftests/module_signature.sh" 1 sig_enforce newest
done_testing
