#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run uploadcap's selftests and merge their TAP into one stream:
#   selftests/run.sh [TEST...]
# Each test (a selftests/*.sh script or a build/selftests C program) prints
# its own TAP; here every result is renumbered, prefixed with the test's
# name, and counted. A test that exits non-zero without reporting a
# failure, or reports nothing, counts as a failure. Ends with the plan and
# one line "N passed, N failed".
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
TIMEOUT=${UCAP_TEST_TIMEOUT:-600}

# Host tests, in order: unit tests first, then end to end.
HOST_TESTS=(
	"$TOP/build/selftests/prog_test"
	"$TOP/selftests/cli_errors.sh"
	"$TOP/selftests/meter_e2e.sh"
	"$TOP/selftests/tc_coexist.sh"
	"$TOP/selftests/meter_slots.sh"
)

if [ $# -gt 0 ]; then
	tests=()
	for t in "$@"; do
		case $t in
		/*) tests+=("$t") ;;
		*.sh) tests+=("$TOP/selftests/$t") ;;
		*) tests+=("$TOP/build/selftests/$t") ;;
		esac
	done
else
	tests=("${HOST_TESTS[@]}")
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
	if [ -x "$1" ]; then
		timeout --kill-after=10 "$TIMEOUT" "$1" 2>&1
		echo "@@exit $?"
	else
		echo "@@missing"
	fi
}

for t in "${tests[@]}"; do
	name=$(basename "$t")
	echo "# === $name"
	t_results=0
	t_fail=0
	status=0
	start=$SECONDS
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
	done < <(run_one "$t")
	if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
		result fail "$name" "timed out after ${TIMEOUT}s"
	elif [ "$status" -ne 0 ] && [ "$t_fail" -eq 0 ]; then
		result fail "$name" "exited with status $status"
	elif [ "$t_results" -eq 0 ] && [ "$t_fail" -eq 0 ]; then
		result fail "$name" "reported no results"
	fi
	echo "# --- $name: $((SECONDS - start)) s"
done

echo "1..$n"
summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary+=", $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ] && [ "$n" -gt 0 ]
