#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run uploadcap's selftests and merge their TAP into one stream:
#   selftests/run.sh             host tests, then the VM suite on every kernel
#   selftests/run.sh TEST...     just those (name.sh or a C test's name)
#   selftests/run.sh --suite vm [--once]
#                                the VM suite (inside the guest); --once
#                                adds the tests one kernel is enough for
# Each test (a selftests/*.sh script or a build/selftests C program) prints
# its own TAP; here every result is renumbered, prefixed with the test's
# name, and counted. A test that exits non-zero without reporting a
# failure, or reports nothing, counts as a failure. Ends with the plan and
# one line "N passed, N failed".
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
TIMEOUT=${UCAP_TEST_TIMEOUT:-600}
VM_TIMEOUT=${UCAP_VM_TIMEOUT:-1500}
# Host tests that boot VMs themselves get the VM suite's time: under TCG,
# deb_package.sh's DKMS build alone took 386 s of its 592 s in one run.
VM_HOST_TESTS=" deb_package.sh reboot_ledger.sh tpm_anchor.sh verify_log_rsyslog.sh real_drivers.sh module_signature.sh "
# timeout_of TEST: the seconds TEST may take.
timeout_of() {
	case $1 in vm:*) echo "$VM_TIMEOUT"; return ;; esac
	case $VM_HOST_TESTS in
	*" $(basename "$1") "*) echo "$VM_TIMEOUT" ;;
	*) echo "$TIMEOUT" ;;
	esac
}

# Host tests, in order: unit tests first, then end to end. Then the VM
# suite, once per kernel that uploadcap.ko is built for.
HOST_TESTS=(
	lint.sh
	prog_test
	units_test
	syslogline_test
	compare_test
	modmeter_test
	arith_test
	cli_errors.sh
	cli_help.sh
	check_cli.sh
	agent_cli.sh
	ledger_settings.sh
	verify_log.sh
	plan_cli.sh
	prometheus.sh
	alert_rules.sh
	install_units.sh
	man_pages.sh
	completion.sh
	dkms.sh
	meter_e2e.sh
	tc_coexist.sh
	meter_slots.sh
	sanitizers.sh
	bench_quick.sh
	reboot_ledger.sh
	module_signature.sh
	tpm_anchor.sh
	verify_log_rsyslog.sh
	real_drivers.sh
	deb_package.sh
)
# Run at nice 19 alongside the rest (make check only): each fuzzer has
# its 60 s of wall-clock time; the CPU it gets is what the others leave.
BG_TESTS=(
	fuzz.sh
)
# In the VM: the meter again on that kernel (not the CLI's argument and
# error paths: cli_errors.sh does not depend on the kernel), then the
# module. module_lock
# disables module loading for the rest of the boot: it comes last but for
# the kernel log check. once:NAME runs on the newest kernel only: what it
# tests is the agent's (its ledger, under SIGKILL too; its rate alarms;
# device churn; its Prometheus output) and the filesystem's, not the
# kernel's, and together they take two to three minutes under emulation.
# The attack tests run on every kernel.
VM_TESTS=(
	prog_test
	meter_e2e.sh
	tc_coexist.sh
	meter_slots.sh
	module_basic.sh
	module_race.sh
	module_sysfs_input.sh
	module_enforce.sh
	module_rate.sh
	module_devices.sh
	module_audit.sh
	module_audit_lag.sh
	module_lease.sh
	agent_lease.sh
	attack_device_gone.sh
	attack_rate_bypass.sh
	attack_adjtimex.sh
	attack_boot_settings.sh
	attack_past_cap.sh
	attack_devices.sh
	attack_meter.sh
	cap_cli.sh
	agent_alarms.sh
	attack_agent_blind.sh
	once:agent_ledger.sh
	once:ledger_forward.sh
	once:agent_kill.sh
	once:agent_rate.sh
	once:agent_churn.sh
	once:prometheus.sh
	module_reserve.sh
	reserve_e2e.sh
	module_down.sh
	module_lock.sh
	kernel_log.sh
)
# The Debian kernel lines every make check must cover.
VM_KERNEL_LINES=("6.1." "6.12.")

path_of() {
	case $1 in
	vm:*) echo "$1" ;;
	/*) echo "$1" ;;
	*.sh) echo "$TOP/selftests/$1" ;;
	*) echo "${UCAP_BUILD:-$TOP/build}/selftests/$1" ;;
	esac
}

vm_kernels() {
	compgen -G "$TOP/build/kmod/*/uploadcap.ko" |
		sed 's|.*/build/kmod/\(.*\)/uploadcap.ko|\1|' | sort -V
}

tests=()
bg_tests=()
if [ "${1:-}" = "--suite" ] && [ "${2:-}" = "vm" ]; then
	for t in "${VM_TESTS[@]}"; do
		case $t in
		once:*) [ "${3:-}" = "--once" ] && tests+=("$(path_of "${t#once:}")") ;;
		*) tests+=("$(path_of "$t")") ;;
		esac
	done
elif [ $# -gt 0 ]; then
	for t in "$@"; do tests+=("$(path_of "$t")"); done
else
	for t in "${HOST_TESTS[@]}"; do tests+=("$(path_of "$t")"); done
	for k in $(vm_kernels); do tests+=("vm:$k"); done
	for t in "${BG_TESTS[@]}"; do bg_tests+=("$(path_of "$t")"); done
	CHECK_VM_LINES=1
fi

n=0
passed=0
failed=0
skipped=0

result() {	# result ok|fail|skip NAME DESC
	n=$((n + 1))
	case $1 in
	ok) passed=$((passed + 1)); echo "ok $n - $2: $3" ;;
	skip) skipped=$((skipped + 1)); echo "ok $n - $2: $3" ;;
	fail) failed=$((failed + 1)); echo "not ok $n - $2: $3" ;;
	esac
}

run_one() {
	case $1 in
	vm:*)
		# The guest's own run.sh numbers and counts; we re-number. One
		# VM at a time: two side by side under emulation on two cores
		# take longer than one after the other.
		local once=()
		[ "${1#vm:}" = "$(vm_kernels | tail -n1)" ] && once=(--once)
		"$TOP/scripts/vmtest.sh" -k "${1#vm:}" -t "$VM_TIMEOUT" -- \
			"$TOP/selftests/run.sh" --suite vm "${once[@]}" 2>&1
		echo "@@exit $?"
		;;
	*)
		if [ -x "$1" ]; then
			timeout --kill-after=10 "$(timeout_of "$1")" "$1" 2>&1
			echo "@@exit $?"
		else
			echo "@@missing"
		fi
		;;
	esac
}

if [ -n "${CHECK_VM_LINES:-}" ]; then
	for line in "${VM_KERNEL_LINES[@]}"; do
		if vm_kernels | grep -q "^${line//./\\.}"; then
			result ok "vm kernels" "uploadcap.ko built for a Debian ${line}x kernel"
		else
			result fail "vm kernels" "no Debian ${line}x kernel with uploadcap.ko built (scripts/install-deps.sh; make modules)"
		fi
	done
fi

# consume NAME TEST: merge one test's output (on stdin, ending in an
# "@@exit STATUS" line) into ours.
consume() {
	local name=$1 t=$2 line desc t_results=0 t_fail=0 status=0 start=$SECONDS

	echo "# === $name"
	while IFS= read -r line; do
		if [[ $line =~ ^@@exit\ ([0-9]+)$ ]]; then
			status=${BASH_REMATCH[1]}
		elif [[ $line == @@missing ]]; then
			status=127
			result fail "$name" "$t is missing or not executable (run make)"
			t_fail=1
		elif [[ $line =~ ^(not\ )?ok\ [0-9]+\ *(-\ )?(.*)$ ]]; then
			t_results=$((t_results + 1))
			desc=${BASH_REMATCH[3]}
			if [ -n "${BASH_REMATCH[1]}" ]; then
				result fail "$name" "$desc"
				t_fail=$((t_fail + 1))
			elif [[ $desc =~ \#\ *[Ss][Kk][Ii][Pp] ]]; then
				result skip "$name" "$desc"
			else
				result ok "$name" "$desc"
			fi
		elif [[ $line =~ ^1\.\.[0-9]+$ ]]; then
			:	# each test's own plan; ours comes at the end
		elif [[ $line == \#* ]]; then
			echo "$line"
		else
			echo "# $line"
		fi
	done
	if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
		result fail "$name" "timed out after $(timeout_of "$t")s"
	elif [ "$status" -ne 0 ] && [ "$t_fail" -eq 0 ]; then
		result fail "$name" "exited with status $status"
	elif [ "$t_results" -eq 0 ] && [ "$t_fail" -eq 0 ]; then
		result fail "$name" "reported no results"
	fi
	echo "# --- $name: $((SECONDS - start)) s"
}

# Background tests (make check only) start first, at the lowest CPU
# priority, and are merged in at the end: they take what CPU the others
# leave idle while they wait on ticks, traffic and the VMs.
BG_OUT=$(mktemp -d)
trap 'rm -rf "$BG_OUT"' EXIT
bg_pids=()
for t in "${bg_tests[@]}"; do
	(renice -n 19 -p "$BASHPID" >/dev/null; run_one "$t" >"$BG_OUT/$(basename "$t")" 2>&1) &
	bg_pids+=($!)
done

for t in "${tests[@]}"; do
	case $t in
	vm:*) name="vm-${t#vm:}" ;;
	*) name=$(basename "$t") ;;
	esac
	consume "$name" "$t" < <(run_one "$t")
done
for i in "${!bg_tests[@]}"; do
	wait "${bg_pids[$i]}"
	name=$(basename "${bg_tests[$i]}")
	consume "$name (alongside)" "${bg_tests[$i]}" <"$BG_OUT/$name"
done

echo "1..$n"
summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary+=", $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ] && [ "$n" -gt 0 ]
