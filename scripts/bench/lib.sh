# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Shared by the benchmark scripts (sourced after selftests/lib.sh).

# bench_output JSON_FILE OUT: copy to OUT, or with OUT "-" print it on one
# line after a marker, so that it can be picked out of a VM's console.
bench_output() {
	if [ "$2" = - ]; then
		echo "UCAP-BENCH-JSON $(jq -c . "$1")"
	else
		cp "$1" "$2"
	fi
}

# cpu_ns PID: CPU time the process has used, in ns (schedstat's run time;
# clock ticks from stat where schedstat is missing).
cpu_ns() {
	local f
	if [ -r "/proc/$1/schedstat" ]; then
		read -r f _ <"/proc/$1/schedstat"
		echo "$f"
	else
		awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) * 1e9 / hz }' "/proc/$1/stat"
	fi
}

# now_ns: monotonic-enough wall time in ns.
now_ns() { date +%s%N; }

# bench_args USAGE ARGS...: --rounds N (ROUNDS, default 9), --secs S (SECS,
# default 2), --out FILE (OUT, required), --where W (WHERE).
# shellcheck disable=SC2034 # ROUNDS, SECS, WHERE: read by the sourcing script
bench_args() {
	local usage=$1
	shift
	ROUNDS=9
	SECS=2
	OUT=
	while [ $# -gt 0 ]; do
		case $1 in
		--rounds) ROUNDS=$2; shift 2 ;;
		--secs) SECS=$2; shift 2 ;;
		--out) OUT=$2; shift 2 ;;
		--where) WHERE=$2; shift 2 ;;
		*) echo "usage: $usage" >&2; exit 2 ;;
		esac
	done
	[ -n "$OUT" ] || { echo "usage: $usage (--out is required)" >&2; exit 2; }
}
