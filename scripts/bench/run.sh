#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: measure, print a table, write build/bench.json.
#   scripts/bench/run.sh [--quick]
# Every figure is a ratio against a baseline measured in the same run,
# alternating configurations within each round; medians with min..max.
# --quick only checks that the harness works (few rounds, short runs).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$TOP/build
OUT=$BUILD/bench.json
ROUNDS=9
REPEAT=1000000
if [ "${1:-}" = "--quick" ]; then
	ROUNDS=3
	REPEAT=100000
fi

[ "$(id -u)" -eq 0 ] || { echo "bench: must run as root (BPF)" >&2; exit 1; }
grep -qs ' /sys/fs/bpf bpf ' /proc/mounts || mount -t bpf bpf /sys/fs/bpf

prog=$("$BUILD/bench/progcost" "$BUILD/selftests/tc_verdicts.bpf.o" "$ROUNDS" "$REPEAT")

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
jq -n --argjson prog "$prog" --arg kernel "$(uname -r)" --arg cpu "$cpu" \
	--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --argjson rounds "$ROUNDS" \
	'{date: $date, kernel: $kernel, cpu: $cpu, rounds: $rounds, bpf_prog_cost: $prog}' >"$OUT"

printf 'uploadcap benchmarks: kernel %s, %s, %s rounds\n\n' "$(uname -r)" "$cpu" "$ROUNDS"
printf '%-38s %-10s %-10s %-8s %-15s %s\n' "figure" "meter ns" "empty ns" "ratio" "min..max" "target"
for sz in 64 1500; do
	jq -r --arg k "bytes_$sz" '.bpf_prog_cost[$k] |
		[.meter_ns.median, .empty_ns.median, .ratio.median, .ratio.min, .ratio.max] |
		@tsv' "$OUT" | while IFS=$'\t' read -r m e r lo hi; do
		printf '%-38s %-10.2f %-10.2f %-8.3f %-15s %s\n' \
			"BPF_PROG_TEST_RUN, ${sz}-byte packet" "$m" "$e" "$r" \
			"$(printf '%.3f..%.3f' "$lo" "$hi")" "<= 1.25"
	done
done
printf '\nAll figures and rounds: %s\n' "$OUT"
