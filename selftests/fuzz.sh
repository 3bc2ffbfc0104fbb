#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fuzz every userspace parser with libFuzzer (build/fuzz, `make fuzzers`):
# sizes, threshold lists, the configuration file, the ledger reader, the
# reader of the module's devices table and the TPM anchor's policy
# decoder, for UCAP_FUZZ_SECS seconds each (default 60; `make fuzz
# FUZZ_SECS=N`), two at a time. Each starts
# from its seeds in selftests/fuzz/corpus/NAME and keeps what it finds in
# build/fuzz/corpus/NAME; a crash, a sanitizer report or a failed
# invariant fails the test and leaves the input in build/fuzz/artifacts/.
. "$(dirname "$0")/lib.sh"
SECS=${UCAP_FUZZ_SECS:-60}
FZ=$TOP/build/fuzz
SEEDS=$TOP/selftests/fuzz/corpus
mkdir -p "$FZ/artifacts"
names=()
for f in "$TOP"/selftests/fuzz/fuzz_*.c; do
	n=$(basename "$f" .c)
	names+=("${n#fuzz_}")
done
[ ${#names[@]} -gt 0 ] || bail "no fuzz harnesses in selftests/fuzz"

run_one() {
	local n=$1
	mkdir -p "$FZ/corpus/$n"
	"$FZ/fuzz_$n" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$FZ/artifacts/$n-" -print_final_stats=1 \
		"$FZ/corpus/$n" "$SEEDS/$n" >"$FZ/$n.log" 2>&1
}

for n in "${names[@]}"; do
	[ -x "$FZ/fuzz_$n" ] || bail "$FZ/fuzz_$n is not built (make fuzzers)"
done
i=0
while [ $i -lt ${#names[@]} ]; do
	run_one "${names[$i]}" &
	p0=$!
	rc1=0
	if [ $((i + 1)) -lt ${#names[@]} ]; then
		run_one "${names[$((i + 1))]}"
		rc1=$?
	fi
	wait $p0
	rc0=$?
	for k in 0 1; do
		[ $((i + k)) -lt ${#names[@]} ] || continue
		n=${names[$((i + k))]}
		rc=$([ $k = 0 ] && echo $rc0 || echo $rc1)
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$FZ/$n.log")
		if [ "$rc" = 0 ] && grep -q "^Done [0-9]* runs" "$FZ/$n.log"; then
			ok "$n: ${SECS} s, ${runs:-?} inputs, no crash, no report, invariants held"
		else
			not_ok "$n: exit $rc"
			diag "$(grep -E 'ERROR|SUMMARY|Assertion|runtime error|Test unit written' "$FZ/$n.log" | head -n 10)"
		fi
	done
	i=$((i + 2))
done
done_testing
