# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Shared helpers for uploadcap's shell selftests: TAP output, network
# namespaces and veth pairs that the test makes itself (198.18.0.0/15
# addresses only), background processes tracked by PID, and one cleanup on
# exit. Source it, then call ucap_test_init.

set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${UCAP_BUILD:-$TOP/build}
UPLOADCTL=$BUILD/uploadctl
# shellcheck disable=SC2034 # read by the tests that source lib.sh
TEST_BPF_OBJ=$BUILD/selftests/tc_verdicts.bpf.o

T_N=0
T_FAIL=0
T_NETNS=()
T_PIDS=()
T_PINS=()
T_CLEANUP=()

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
diag() { printf '# %s\n' "$@"; }

# check DESC CMD...: ok when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# check_eq DESC GOT WANT: also returns whether they were equal.
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1 ($2)"
	else
		not_ok "$1 (got '$2', want '$3')"
		return 1
	fi
}

# check_ge DESC GOT MIN, check_gt DESC GOT MIN (integers)
check_ge() {
	if [ -n "$2" ] && [ "$2" -ge "$3" ] 2>/dev/null; then
		ok "$1 ($2 >= $3)"
	else
		not_ok "$1 (got '$2', want >= $3)"
	fi
}
check_gt() {
	if [ -n "$2" ] && [ "$2" -gt "$3" ] 2>/dev/null; then
		ok "$1 ($2 > $3)"
	else
		not_ok "$1 (got '$2', want > $3)"
	fi
}

# check_run DESC WANT_STATUS PATTERN CMD...: CMD exits WANT_STATUS and its
# combined output matches the extended regex PATTERN (empty: anything).
# The output is kept in $RUN_OUT.
RUN_OUT=
check_run() {
	local desc=$1 want=$2 pat=$3 st
	shift 3
	RUN_OUT=$("$@" 2>&1)
	st=$?
	if [ "$st" -ne "$want" ]; then
		not_ok "$desc (exit $st, want $want)"
		diag "output: $RUN_OUT"
	elif [ -n "$pat" ] && ! grep -Eq -- "$pat" <<<"$RUN_OUT"; then
		not_ok "$desc (output does not match /$pat/)"
		diag "output: $RUN_OUT"
	else
		ok "$desc"
	fi
}

done_testing() {
	echo "1..$T_N"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

# A missing prerequisite is a failure, never a skip.
bail() {
	not_ok "$*"
	done_testing
}

cleanup() {
	local pid ns p f
	for f in "${T_CLEANUP[@]}"; do eval "$f" >/dev/null 2>&1; done
	for pid in "${T_PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	for ns in "${T_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	for p in "${T_PINS[@]}"; do rm -rf "$p"; done
}

ucap_test_init() {
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	[ "$(id -u)" -eq 0 ] || bail "selftests must run as root"
	[ -x "$UPLOADCTL" ] || bail "$UPLOADCTL is not built (make)"
	if ! grep -qs ' /sys/fs/bpf bpf ' /proc/mounts; then
		mount -t bpf bpf /sys/fs/bpf || bail "mount bpffs at /sys/fs/bpf"
	fi
	# Unique per run: namespaces, devices and pins of concurrent runs differ.
	RUN_ID=$(printf '%04x' $(( ($$ ^ RANDOM) & 0xffff )))
	PIN_DIR=/sys/fs/bpf/uploadcap-test-$RUN_ID
	T_PINS+=("$PIN_DIR")
}

# uctl ARGS...: uploadctl on this run's pin directory.
uctl() { "$UPLOADCTL" --pin-dir "$PIN_DIR" "$@"; }

# in_ns NS CMD...: CMD in network namespace NS, with the mount namespace
# (and so bpffs) kept, the way docs/operations.md says to run uploadctl.
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# ns_new VAR SUFFIX: make network namespace ucap-<run>-SUFFIX, lo up, and
# put its name in VAR. (Not via $(...): cleanup must learn of it here.)
ns_new() {
	local ns="ucap-$RUN_ID-$2"
	ip netns add "$ns" || return 1
	T_NETNS+=("$ns")
	ip -n "$ns" link set lo up
	printf -v "$1" %s "$ns"
}

# veth_pair NS_A DEV_A ADDR_A NS_B DEV_B ADDR_B [EXTRA_A...]: a veth pair
# between two of our namespaces with /30 addresses from 198.18.0.0/15.
# Nothing but the test's own traffic crosses it: IPv6 is off, and each
# side knows the other's MAC for good, so there is no ARP. The devices
# stay down until veth_up, so a meter attached first sees all.
veth_pair() {
	local nsa=$1 da=$2 aa=$3 nsb=$4 db=$5 ab=$6
	shift 6
	ip -n "$nsa" link add name "$da" "$@" type veth peer name "$db" netns "$nsb" || return 1
	ip netns exec "$nsa" sysctl -qw "net.ipv6.conf.$da.disable_ipv6=1"
	ip netns exec "$nsb" sysctl -qw "net.ipv6.conf.$db.disable_ipv6=1"
	ip -n "$nsa" addr add "$aa/30" dev "$da"
	ip -n "$nsb" addr add "$ab/30" dev "$db"
	ip -n "$nsa" neigh replace "$ab" dev "$da" nud permanent lladdr "$(mac_of "$nsb" "$db")"
	ip -n "$nsb" neigh replace "$aa" dev "$db" nud permanent lladdr "$(mac_of "$nsa" "$da")"
}

mac_of() { ip -n "$1" -j link show dev "$2" | jq -r '.[0].address'; }

# two_hosts ADDR_A ADDR_B: namespaces NSA and NSB joined by veth DA <-> DB.
two_hosts() {
	ns_new NSA a && ns_new NSB b || bail "create network namespaces"
	DA=uc${RUN_ID}a
	DB=uc${RUN_ID}b
	veth_pair "$NSA" "$DA" "$1" "$NSB" "$DB" "$2" || bail "create veth pair"
}

veth_up() {
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# spawn_bg CMD...: CMD in the background; its PID is tracked (cleanup
# stops it) and left in $SPAWNED.
SPAWNED=
spawn_bg() {
	"$@" &
	SPAWNED=$!
	T_PIDS+=("$SPAWNED")
}

# spawn NS CMD...: the same, in network namespace NS.
spawn() {
	local ns=$1
	shift
	spawn_bg ip netns exec "$ns" "$@"
}

# wait_listen NS PORT: until something listens on TCP PORT (max 30 s: an
# emulated guest on a loaded host can take seconds to start a server).
wait_listen() {
	for _ in $(seq 300); do
		ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# iperf NS_CLIENT NS_SERVER ADDR IPERF3_CLIENT_ARGS...: one bounded iperf3
# test from NS_CLIENT to a one-off server at ADDR in NS_SERVER.
iperf() {
	local nsc=$1 nss=$2 addr=$3 port=$((20000 + RANDOM % 10000)) srv
	shift 3
	spawn "$nss" iperf3 -s -1 -B "$addr" -p "$port" >/dev/null 2>&1
	srv=$SPAWNED
	wait_listen "$nss" "$port" || return 1
	timeout 60 ip netns exec "$nsc" iperf3 -c "$addr" -p "$port" "$@" >/dev/null || return 1
	wait "$srv" 2>/dev/null
	return 0
}

# tcp_bulk NS_CLIENT NS_SERVER ADDR BYTES: iperf3 counts what it wrote to
# the socket, and its server may close the connection with data still in
# the sender's buffer; a small window bounds what can be lost that way
# (the kernel doubles it: 512 KiB) so tests can rely on most of BYTES.
tcp_bulk() { iperf "$1" "$2" "$3" -n "$4" -w 256K; }

# udp_small NS_CLIENT NS_SERVER ADDR BYTES SIZE: BYTES of UDP datagrams
# with SIZE bytes of payload, at a rate the receiver keeps up with.
udp_small() { iperf "$1" "$2" "$3" -u -n "$4" -l "$5" -b 20M; }

# tx_bytes NS DEV: the device's own count of the bytes it sent.
tx_bytes() { ip -n "$1" -s -j link show dev "$2" | jq '.[0].stats64.tx.bytes'; }
# is_up NS DEV, is_down NS DEV: the device's administrative state.
is_up() { ip -n "$1" -j link show dev "$2" | jq -e '.[0].flags | index("UP")' >/dev/null; }
is_down() { ! is_up "$@"; }

# settle NS DEV: wait (max 10 s) until DEV's tx counter stops moving, so
# that data still queued in sockets after a sender exited has left.
settle() {
	local prev=-1 cur
	for _ in $(seq 50); do
		cur=$(tx_bytes "$1" "$2")
		[ "$cur" = "$prev" ] && return 0
		prev=$cur
		sleep 0.2
	done
	return 1
}

# now_ms: the time in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# sampler_start NS DEV: sample DEV's tx counter (in NS) every 10 ms or so
# in the background, into the file $SAMPLES: on each line the time
# before reading it and the time after (microseconds), and the counter.
# sampler_stop: stop that sampler; $SAMPLES stays until the test ends.
sampler_start() {
	SAMPLES=$(mktemp) SAMPLER_STOP=$(mktemp -u)
	T_CLEANUP+=("rm -f '$SAMPLES' '$SAMPLER_STOP' '$SAMPLER_STOP.fifo'")
	mkfifo "$SAMPLER_STOP.fifo"
	ip netns exec "$1" bash -c '
		exec 3<>"$3.fifo"
		while [ ! -e "$3" ]; do
			t=${EPOCHREALTIME/./}
			read -r b <"/sys/class/net/$1/statistics/tx_bytes"
			echo "$t ${EPOCHREALTIME/./} $b"
			read -r -t 0.01 -u 3 || :
		done >"$2"' sampler "$2" "$SAMPLES" "$SAMPLER_STOP" &
	SAMPLER_PID=$!
	T_PIDS+=("$SAMPLER_PID")
}
sampler_stop() {
	touch "$SAMPLER_STOP"
	wait "$SAMPLER_PID"
}

# line_rate NS DEV CMD...: run CMD, a sender, and measure how fast DEV
# (in NS) sent while it ran: LINE_RATE bytes per second over the
# sender's own time, LINE_BYTES all it sent (what was still queued when
# CMD ended is counted once DEV settled), and LINE_PEAK the most it sent
# in any window of LINE_WINDOW_MS (default 100) milliseconds. A flood's
# own rate is well above LINE_RATE under emulation (the sender's start
# is in the time), so a bound of "one interval at line rate" uses
# LINE_PEAK, a lower bound of the true peak.
line_rate() {
	local ns=$1 dev=$2 tx0 t0 t1
	shift 2
	sampler_start "$ns" "$dev"
	tx0=$(tx_bytes "$ns" "$dev") t0=$(now_ms)
	"$@"
	t1=$(now_ms)
	settle "$ns" "$dev"
	sampler_stop
	LINE_BYTES=$(($(tx_bytes "$ns" "$dev") - tx0))
	# shellcheck disable=SC2034 # read by the caller
	LINE_RATE=$((LINE_BYTES * 1000 / (t1 - t0 > 0 ? t1 - t0 : 1)))
	# shellcheck disable=SC2034 # read by the caller
	LINE_PEAK=$(samples_peak "${LINE_WINDOW_MS:-100}")
}

# samples_peak MS: the most the device sent in any MS milliseconds of
# $SAMPLES. What two samples differ by was sent between the first's
# "before" and the second's "after"; for each sample, the earliest
# earlier one within MS is taken, so this is never more than the truth.
# The window never starts past the sample itself: one read slower than
# MS (a loaded emulator) once ran j on for ever, and awk out of memory.
samples_peak() {
	awk -v w=$(($1 * 1000)) '
		{ tb[NR] = $1; ta[NR] = $2; b[NR] = $3
		  while (j + 1 < NR && ta[NR] - tb[j + 1] > w) j++
		  if (j + 1 < NR && b[NR] - b[j + 1] > peak) peak = b[NR] - b[j + 1] }
		END { print peak + 0 }' j=0 "$SAMPLES"
}

# pktgen_send NS DEV COUNT DST DST_MAC [TIMEOUT [DELAY_NS]]: COUNT frames
# of 1000 bytes out of DEV (in NS) by pktgen, which calls the driver
# directly, past the device's hooks, DELAY_NS apart (default 0); waits
# until pktgen is done (at most TIMEOUT seconds, default 20). The caller
# has loaded pktgen.
pktgen_send() {
	local pg=/proc/net/pktgen
	ip netns exec "$1" sh -c "
		echo 'rem_device_all' >$pg/kpktgend_0 &&
		echo 'add_device $2' >$pg/kpktgend_0 &&
		echo 'count $3' >$pg/$2 && echo 'pkt_size 1000' >$pg/$2 &&
		echo 'delay ${7:-0}' >$pg/$2 &&
		echo 'dst $4' >$pg/$2 && echo 'dst_mac $5' >$pg/$2 &&
		timeout ${6:-20} sh -c 'echo start >$pg/pgctrl'"
}

# status_field NS IFACE KEY: one figure of `uploadctl status --json`.
status_field() {
	in_ns "$1" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --json |
		jq -r --arg n "$2" --arg k "$3" '.interfaces[] | select(.name == $n) | .[$k]'
}

# --- the meter's two ways onto a device (bpf/ucap_meter_abi.h)

TCX_CTL=$BUILD/selftests/tcx_ctl

# This kernel has tcx (6.6 and later): uploadctl attach puts the meter
# there. Told by the release, not by asking the kernel as uploadctl does.
have_tcx() { [ "$(printf '6.6\n%s\n' "$(uname -r)" | sort -V | head -n1)" = 6.6 ]; }

# The mode uploadctl attach chooses here by default.
default_attach() { if have_tcx; then echo tcx; else echo clsact; fi; }

# meter_hooks NS DEV: how many meters of uploadcap's the kernel runs on
# DEV, as the kernel tells it: the filter at uploadcap's clsact position
# and programs named ucap_egress in the tcx egress chain.
meter_hooks() {
	local n t=0
	n=$(tc -n "$1" filter show dev "$2" egress 2>/dev/null | grep -c 'handle 0x75636170')
	if have_tcx; then
		t=$(in_ns "$1" "$TCX_CTL" chain "$2" | grep -c ' ucap_egress$')
	fi
	echo $((n + t))
}

# tcx_link_of NS DEV: the link id the meter runs in on DEV (tcx), or nothing.
tcx_link_of() { in_ns "$1" "$TCX_CTL" chain "$2" | awk '$3 == "ucap_egress" { print $2; exit }'; }

# --- uploadcap.ko (tests that run in the VM, scripts/vmtest.sh)

SYSFS=/sys/kernel/uploadcap
KMOD=$BUILD/kmod/$(uname -r)/uploadcap.ko

# Module tests need a kernel with loadable modules and a module built for it.
require_module_kernel() {
	[ -e /proc/modules ] ||
		bail "this kernel has no loadable modules: run in the VM (scripts/vmtest.sh -- $0)"
	[ -f "$KMOD" ] || bail "uploadcap.ko is not built for $(uname -r) (make modules)"
	T_CLEANUP+=("mod_unload")
}

mod_load() { insmod "$KMOD" "$@"; }
mod_loaded() { [ -d "$SYSFS" ]; }
# Remove the module whatever its state: an armed module only goes by force
# (possible until modules are locked).
mod_unload() {
	mod_loaded || return 0
	rmmod uploadcap 2>/dev/null || rmmod -f uploadcap
}
mod_get() { cat "$SYSFS/$1"; }
mod_set() { echo "$2" >"$SYSFS/$1"; }
# mod_dev_field NETNS_NAME DEV FIELD: a figure of the module's devices table.
mod_dev_field() {
	local ino idx
	ino=$(in_ns "$1" stat -L -c %i /proc/self/ns/net)
	idx=$(ip -n "$1" -j link show dev "$2" | jq '.[0].ifindex')
	awk -v ino="$ino" -v idx="$idx" -v f="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == ino && $2 == idx { print $col[f] }' "$SYSFS/devices"
}
# dmesg_since MARK: the kernel log after the line holding MARK.
dmesg_mark() {
	DMESG_MARK="ucap-mark-$RUN_ID-$RANDOM"
	echo "$DMESG_MARK" >/dev/kmsg
}
dmesg_since() { dmesg | sed -n "/$DMESG_MARK/,\$p"; }

# --- syslog and the agent (tests in the VM)

# syslog_start: a busybox syslogd of our own, writing to $SYSLOG.
syslog_start() {
	SYSLOG=$(mktemp /var/log/ucap-syslog.XXXXXX)
	T_CLEANUP+=("rm -f '$SYSLOG'")
	rm -f /dev/log
	spawn_bg busybox syslogd -n -O "$SYSLOG"
	for _ in $(seq 50); do [ -S /dev/log ] && return 0; sleep 0.1; done
	return 1
}

# rsyslog_collector NS ADDR FILE DIR: Debian's rsyslog in NS as a
# collector, receiving TCP syslog (imtcp) on ADDR port 10514 and storing
# what comes from the network in FILE as Debian stores it; its files in
# DIR, its PID in $SPAWNED. Fails unless it listens within 10 s.
rsyslog_collector() {
	mkdir -p "$4/coll"
	cat >"$4/coll.conf" <<EOF
global(workDirectory="$4/coll")
module(load="imtcp")
input(type="imtcp" address="$2" port="10514")
if \$fromhost-ip != '127.0.0.1' then action(type="omfile" file="$3" template="RSYSLOG_TraditionalFileFormat")
EOF
	spawn_bg ip netns exec "$1" rsyslogd -n -f "$4/coll.conf" -i "$4/coll.pid"
	wait_count 1 10 bash -c "ip netns exec '$1' ss -Hltn 'sport = :10514' | grep -c LISTEN"
}

# rsyslog_forwarder NS NAME ADDR FILE DIR: the host side as docs/operations.md
# tells operators: rsyslog in NS, as host NAME, owning /dev/log (imuxsock)
# and reading the kernel's lines (imklog), forwarding uploadcap's and the
# kernel's to ADDR port 10514 over TCP (omfwd), and keeping all in FILE;
# its files in DIR, its PID in $SPAWNED. Fails unless /dev/log is there
# within 10 s.
rsyslog_forwarder() {
	mkdir -p "$5/fwd"
	rm -f /dev/log
	cat >"$5/fwd.conf" <<EOF
global(workDirectory="$5/fwd" localHostname="$2")
module(load="imuxsock")
module(load="imklog")
if \$programname == 'uploadcap' then @@$3:10514
kern.* @@$3:10514
*.* action(type="omfile" file="$4")
EOF
	spawn_bg ip netns exec "$1" rsyslogd -n -f "$5/fwd.conf" -i "$5/fwd.pid"
	wait_count 1 10 bash -c "[ -S /dev/log ] && echo 1 || echo 0"
}

# events NAME: the agent's syslog lines for alarm NAME.
events() { grep -F 'uploadcap[' "$SYSLOG" | grep -E "event=$1( |\$)"; }
event_count() { events "$1" | grep -c .; }

# wait_count COUNT SECONDS CMD...: until CMD prints a number >= COUNT.
wait_count() {
	local want=$1 secs=$2
	shift 2
	for _ in $(seq $((secs * 10))); do
		[ "$("$@")" -ge "$want" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_event NAME COUNT SECONDS: until COUNT lines of alarm NAME arrived.
wait_event() { wait_count "$2" "$3" event_count "$1"; }

# raw_bed A.B.C: NSA/DA (A.B.C.1) <-> NSB/DB (A.B.C.2) up; then raw
# ARGS... sends frames out of DA with rawsend.
raw_bed() {
	RAWSEND=$BUILD/selftests/rawsend
	two_hosts "$1.1" "$1.2"
	veth_up "$NSA" "$DA" "$NSB" "$DB"
	MAC_B=$(mac_of "$NSB" "$DB")
	RAW_NET=$1
}

# xdp_bed IN FEED: a second veth pair IN <-> FEED in NSA (IPv6 off, so
# that only what the test sends crosses it), an XDP program on IN that
# redirects every frame it receives out of DA, past DA's netfilter and tc
# hooks, and XDP on DB so that the veth peer takes such frames. Frames
# sent out of FEED then leave DA by XDP.
xdp_bed() {
	local in=$1 feed=$2 obj=$BUILD/selftests/xdp_bounce.bpf.o
	ip -n "$NSA" link add name "$in" type veth peer name "$feed"
	ip netns exec "$NSA" sysctl -qw "net.ipv6.conf.$in.disable_ipv6=1"
	ip netns exec "$NSA" sysctl -qw "net.ipv6.conf.$feed.disable_ipv6=1"
	ip -n "$NSA" link set "$in" up
	ip -n "$NSA" link set "$feed" up
	check "XDP on $in redirects into $DA" \
		ip netns exec "$NSA" "$BUILD/selftests/xdp_bounce" "$in" "$DA" "$obj"
	check "the peer takes XDP frames" \
		ip netns exec "$NSB" "$BUILD/selftests/xdp_bounce" --pass "$DB" "$obj"
}

# agent_bed A.B.C: what the agent tests in the VM start from: uploadcap.ko
# loaded (unarmed), raw_bed A.B.C, a syslogd, and $LEDGER (with
# $LEDGER.copy) removed on exit.
agent_bed() {
	LEDGER=/var/tmp/ucap-ledger-$RUN_ID
	T_CLEANUP+=("rm -f '$LEDGER' '$LEDGER.copy'")
	check "insmod" mod_load
	raw_bed "$1"
	check "syslogd running" syslog_start
}
raw() {
	ip netns exec "$NSA" "$RAWSEND" "$DA" "$MAC_B" "$RAW_NET.1" "$RAW_NET.2" "$@" >/dev/null
}
# raw_sent COUNT SIZE: the same, rawsend's "sent N refused N" in SENT_LINE.
raw_sent() {
	# shellcheck disable=SC2034 # read by the caller
	SENT_LINE=$(ip netns exec "$NSA" "$RAWSEND" "$DA" "$MAC_B" "$RAW_NET.1" "$RAW_NET.2" "$@")
}

# ledger_past_half A.B.C: agent_bed A.B.C, then 100 MiB sent and the cap
# armed at 190 MiB (past the 50% threshold, far from 80%), and one agent
# run that alarms at 50% and leaves its checkpoints in $LEDGER, which
# must verify.
ledger_past_half() {
	agent_bed "$1"
	raw 70000 1500
	check_run "arm at 190 MiB" 0 "^armed" "$UPLOADCTL" --pin-dir "$PIN_DIR" cap set 190MiB
	agent_start "$NSA" --interval 0.5 --ledger "$LEDGER"
	check "threshold 50 alarmed" wait_event threshold 1 5
	agent_stop
	check_run "ledger verify" 0 "^ledger $LEDGER: intact, [1-9][0-9]* records?$" \
		"$UPLOADCTL" --pin-dir "$PIN_DIR" ledger verify "$LEDGER"
}

# agent_start NS ARGS...: `uploadctl agent --foreground` in namespace NS,
# its PID in $AGENT, its stderr in $AGENT_LOG.
agent_start() {
	local ns=$1
	shift
	AGENT_LOG=$(mktemp)
	T_CLEANUP+=("rm -f '$AGENT_LOG'")
	spawn_bg nsenter --net="/run/netns/$ns" "$UPLOADCTL" --pin-dir "$PIN_DIR" \
		agent --foreground "$@" 2>>"$AGENT_LOG"
	AGENT=$SPAWNED
}

# agent_stop: SIGTERM, and wait for the final checkpoint.
agent_stop() {
	kill -TERM "$AGENT" 2>/dev/null
	wait "$AGENT" 2>/dev/null
}

# --- tests that reboot (run on the host; they start the VMs)

# vm_boots SCRIPT N [SETUP] [newest]: for each VM kernel uploadcap.ko is
# built for (with newest, the newest only),
# N real boots, each running SCRIPT --boot I, sharing a new folder as
# their disk (/run/vmstate in the guest); each boot's checks renumbered
# into ours. SETUP, a function, runs first with the disk's path: it may
# set VM_ARGS (more vmtest.sh options) and VM_DIRS (folders to remove
# after the boots, with the disk).
vm_boots() {
	local script=$1 n=$2 setup=${3:-} kernels k disk boot out rc line
	kernels=$(compgen -G "$TOP/build/kmod/*/uploadcap.ko" |
		sed 's|.*/build/kmod/\(.*\)/uploadcap.ko|\1|' | sort -V)
	[ "${4:-}" = newest ] && kernels=$(tail -n 1 <<<"$kernels")
	[ -n "$kernels" ] || bail "uploadcap.ko is not built for any VM kernel (make modules)"
	for k in $kernels; do
		disk=$(mktemp -d /var/tmp/ucap-disk.XXXXXX)
		VM_ARGS=()
		VM_DIRS=()
		[ -z "$setup" ] || "$setup" "$disk"
		for boot in $(seq "$n"); do
			out=$("$TOP/scripts/vmtest.sh" -k "$k" -s "$disk" "${VM_ARGS[@]}" -- \
				"$script" --boot "$boot" 2>&1)
			rc=$?
			while read -r line; do
				case $line in
				"ok "*) ok "$k boot $boot: ${line#ok * - }" ;;
				"not ok "*) not_ok "$k boot $boot: ${line#not ok * - }" ;;
				"#"*) echo "$line" ;;
				esac
			done <<<"$out"
			if [ $rc != 0 ]; then
				not_ok "$k boot $boot exited $rc"
				diag "$(tail -n 30 <<<"$out")"
			fi
		done
		rm -rf "$disk" "${VM_DIRS[@]}"
	done
}
