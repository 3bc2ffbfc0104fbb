#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The userspace test suite once more, with uploadctl and the C tests built
# by clang with AddressSanitizer (leaks included) and UndefinedBehavior-
# Sanitizer (build/san, `make san`): every test passes and no sanitizer
# reports anything. A report ends the process with its own exit status
# and leaves a log file, so it fails the test even where an error exit
# was expected.
. "$(dirname "$0")/lib.sh"
SAN=$TOP/build/san
TESTS=(units_test prog_test cli_errors.sh agent_cli.sh ledger_settings.sh plan_cli.sh prometheus.sh
	completion.sh meter_e2e.sh tc_coexist.sh meter_slots.sh)

[ -x "$SAN/uploadctl" ] || bail "$SAN/uploadctl is not built (make san)"
check "uploadctl is built with ASan" bash -c "nm '$SAN/uploadctl' | grep -q __asan_init"
check "and with UBSan" bash -c "nm '$SAN/uploadctl' | grep -q __ubsan_handle"
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
out=$(UCAP_BUILD=$SAN \
	ASAN_OPTIONS="detect_leaks=1:exitcode=86:log_path=$LOGS/asan" \
	UBSAN_OPTIONS="halt_on_error=1:exitcode=87:print_stacktrace=1:log_path=$LOGS/ubsan" \
	"$TOP/selftests/run.sh" "${TESTS[@]}" 2>&1)
summary=$(tail -n 1 <<<"$out")
diag "under the sanitizers: $summary"
check_run "${#TESTS[@]} tests pass under ASan+UBSan" 0 "^[1-9][0-9]* passed, 0 failed" echo "$summary"
grep '^not ok' <<<"$out" | head -n 20 | while read -r l; do diag "$l"; done
reports=$(ls "$LOGS")
check_eq "no sanitizer report" "$reports" ""
for f in $reports; do diag "$(head -n 30 "$LOGS/$f")"; done
done_testing
