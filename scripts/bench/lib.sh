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
