#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# uploadctl's arguments and error paths: each gives its message on stderr
# ("uploadctl: what: why") and its exit code (0 ok, 1 failure, 2 usage).
. "$(dirname "$0")/lib.sh"
ucap_test_init

NOBPF=$BUILD/selftests/nobpf
two_hosts 198.18.0.9 198.18.0.10
U=("$UPLOADCTL" --pin-dir "$PIN_DIR")
ua() { in_ns "$NSA" "${U[@]}" "$@"; }

# --- usage (exit 2) and help (exit 0)
check_run "no command: usage, exit 2" 2 "^Usage: uploadctl" "$UPLOADCTL"
check_run "unknown command" 2 "^uploadctl: usage: unknown command 'frobnicate'" "$UPLOADCTL" frobnicate
check_run "unknown global option" 2 "^uploadctl: usage: unknown option '--frob'" "$UPLOADCTL" --frob status
check_run "--pin-dir without its argument" 2 "needs an argument" "$UPLOADCTL" --pin-dir
check_run "--help" 0 "^Usage: uploadctl" "$UPLOADCTL" --help
check_run "help lists attach, detach, status" 0 "attach.*detach.*status" bash -c "'$UPLOADCTL' help | tr '\n' ' '"
check_run "--version" 0 "^uploadctl [0-9]+\.[0-9]+\.[0-9]+ " "$UPLOADCTL" --version
for cmd in attach detach status; do
	check_run "$cmd --help" 0 "^Usage: uploadctl $cmd" "$UPLOADCTL" "$cmd" --help
	check_run "$cmd with an unknown option" 2 "^uploadctl: $cmd: unknown option '--frob'" "$UPLOADCTL" "$cmd" --frob
done
check_run "attach with no interface" 2 "^uploadctl: attach: no interface given" "$UPLOADCTL" attach
check_run "detach with no interface" 2 "^uploadctl: detach: no interface given" "$UPLOADCTL" detach
check_run "attach with --all and a name" 2 "interfaces or --all, not both" "$UPLOADCTL" attach --all eth0

# --- failures (exit 1)
# --- not root: what only reads works wherever the kernel allows it
# (a pin folder of its own, so that the tests below find theirs as before)
T_PINS+=("$PIN_DIR-ro")
nobody() {
	in_ns "$NSA" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$UPLOADCTL" --pin-dir "$PIN_DIR-ro" "$@"
}
ua_ro() { in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR-ro" "$@"; }
check_run "not root: attach refused" 1 "^uploadctl: attach: must run as root" nobody attach "$DA"
check_run "the meter attached (root)" 0 "" ua_ro attach "$DA"
check_run "not root: status works, the meter's maps not readable" 0 \
	"BPF meter:  not readable by this user" nobody status
check_run "with the devices' own counters" 0 "^$DA +[0-9]+ +\? " nobody status
check_eq "not root, --json: meter_readable false, the meter's figures null, not 0" \
	"$(nobody status --json | jq -c --arg d "$DA" '[.meter_readable, (.interfaces[] | select(.name == $d) | [.attached, .bpf_bytes, (.dev_tx_bytes >= 0)])]')" \
	'[false,[null,null,true]]'
check_eq "root: meter_readable true" "$(ua_ro status --json | jq .meter_readable)" true
check_run "not root: cap show reads sysfs, no root asked" 1 "^uploadctl: cap show: (uploadcap.ko|.*not loaded)" \
	nobody cap show
check_run "the meter detached (root)" 0 "" ua_ro detach "$DA"
check_run "attach: no such interface" 1 "^uploadctl: attach nosuch0: no such interface in this network namespace" \
	ua attach "$DA" nosuch0
check_eq "a typo attaches nothing, not half" "$(meter_hooks "$NSA" "$DA")" 0
check_eq "errors go to stderr, not stdout" "$(ua attach nosuch0 2>/dev/null)" ""
check_run "detach: no such interface" 1 "^uploadctl: detach nosuch0: no such interface" ua detach nosuch0

# --- under --json a failure is a JSON document on stdout, same exit code
check_eq "--json failure: {error, errors, exit} on stdout" \
	"$(ua --json attach "$DA" nosuch0 2>/dev/null | jq -c '[.error, (.errors | length), .exit]')" \
	'["attach nosuch0: no such interface in this network namespace",1,1]'
check_run "--json failure: exit 1 still" 1 "" ua --json attach "$DA" nosuch0
check_eq "--json usage error: exit 2 in it" \
	"$("$UPLOADCTL" status --json --frob 2>/dev/null | jq -c '[.error, .exit]')" \
	'["status: unknown option '"'"'--frob'"'"'",2]'
check_eq "--json: the message still on stderr" \
	"$("$UPLOADCTL" --json ledger verify /nonexistent 2>&1 >/dev/null)" \
	"uploadctl: ledger verify: /nonexistent does not exist"
check_eq "--json, findings (exit 1) with a document: that document only" \
	"$(printf 'Jan  1 00:00:00 h uploadcap[1]: event=checkpoint severity=notice seq=1\n' |
		"$UPLOADCTL" verify-log --json - 2>/dev/null | jq -s -c '[length, (.[0] | has("hosts"))]')" '[1,true]'
check_run "status: no such interface" 1 "^uploadctl: status nosuch0: no such interface" ua status nosuch0
check_run "attach loopback" 1 "^uploadctl: attach lo: loopback devices are not metered" ua attach lo
check_run "kernel without BPF (bpf() says ENOSYS)" 1 \
	"^uploadctl: attach: BPF is not supported by this kernel" in_ns "$NSA" "$NOBPF" "${U[@]}" attach "$DA"
check_run "status on a kernel without BPF" 1 "^uploadctl: status: BPF is not supported" "$NOBPF" "${U[@]}" status
check_run "pin directory not on bpffs" 1 "^uploadctl: attach: /tmp is not on a bpf filesystem" \
	in_ns "$NSA" "$UPLOADCTL" --pin-dir "/tmp/uploadcap-$RUN_ID" attach "$DA"

# bpffs missing in a private mount namespace (as under ip netns exec):
# refuse rather than mount a private instance nobody else would see.
check_run "bpffs missing in a private mount namespace: attach refuses" 1 \
	"no bpf filesystem is mounted at /sys/fs/bpf in this mount namespace.*nsenter --net" \
	unshare -m bash -c "umount /sys/fs/bpf && exec nsenter --net=/run/netns/$NSA ${U[*]} attach $DA"
check_run "ip netns exec: status says the meter is not visible" 0 "^BPF meter: +not visible here" \
	ip netns exec "$NSA" "${U[@]}" status
# bpffs missing where we are the host (own PID and mount namespace): mount
# it, or fail clearly when mounting is not allowed.
check_run "bpffs missing, mount not permitted" 1 \
	"^uploadctl: attach: no bpf filesystem at /sys/fs/bpf and mounting one failed: Operation not permitted" \
	unshare -m -p -f --mount-proc bash -c "umount /sys/fs/bpf && exec nsenter --net=/run/netns/$NSA \
		setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin ${U[*]} attach $DA"
# (clsact: a tcx link pinned in that bpffs would go with it.)
check_run "bpffs missing, mountable: attach mounts it" 0 "^$DA: attached" \
	unshare -m -p -f --mount-proc bash -c "umount /sys/fs/bpf && exec nsenter --net=/run/netns/$NSA ${U[*]} attach --mode clsact $DA"
# That meter lived in a bpffs that is gone now: its program is an orphan.
check_run "status: program attached but no maps to read" 1 \
	"^uploadctl: status: $DA has a program at uploadcap's tc position but no meter maps are pinned" ua status
tc -n "$NSA" qdisc del dev "$DA" clsact

# --- JSON output is well-formed
check_run "attach --json" 0 "" bash -c "nsenter --net=/run/netns/$NSA ${U[*]} attach --json $DA | jq -e '.interfaces[0].result == \"attached\"'"
check_run "status --json" 0 "" bash -c "nsenter --net=/run/netns/$NSA ${U[*]} status --json | jq -e '.version == 1 and .module == null'"
check_run "status --pretty" 0 "" bash -c "nsenter --net=/run/netns/$NSA ${U[*]} status --pretty | jq -e '.interfaces | length == 2'"
check_run "detach --json" 0 "" bash -c "nsenter --net=/run/netns/$NSA ${U[*]} detach --json $DA | jq -e '.interfaces[0].result == \"detached\"'"

# --- the rate ceiling and the exfiltration floor, without the module
check_run "rate set 0: usage" 2 "^uploadctl: rate set: RATE: '0': a size must be more than zero" \
	"$UPLOADCTL" rate set 0
check_run "rate set 5MB/h: usage" 2 "unexpected '/h'" "$UPLOADCTL" rate set 5MB/h
check_run "rate set -5MB/s: usage, not an option" 2 "negative" "$UPLOADCTL" rate set -5MB/s
check_run "rate set 5MB/s --burst 100KiB: below the minimum" 2 "--burst: '100KiB' is below the minimum of 262144" \
	"$UPLOADCTL" rate set 5MB/s --burst 100KiB
check_run "rate set: two rates" 2 "give one RATE" "$UPLOADCTL" rate set 1M 2M
check_run "rate set without the module" 1 "^uploadctl: rate set: uploadcap.ko is not loaded" \
	"$UPLOADCTL" rate set 5MB/s
check_run "rate show without the module" 1 "^uploadctl: rate show: uploadcap.ko is not loaded" \
	"$UPLOADCTL" rate show
check_run "rate frob" 2 "unknown" "$UPLOADCTL" rate frob
check_run "status --weights-size 0: usage" 2 "^uploadctl: status: --weights-size: '0'" \
	ua status --weights-size 0
check_run "status --weights-size 1TB --json, no module: possible, no floor" 0 "" bash -c \
	"nsenter --net=/run/netns/$NSA ${U[*]} status --json --weights-size 1TB | jq -e '.exfiltration == {weights_bytes: 1000000000000, remaining_bytes: null, possible: true, floor_seconds: null}'"
check_run "status --weights-size: no cap, no ceiling, in words" 0 "no cap armed: nothing stops them leaving" \
	ua status --weights-size 1TB
CONF=$(mktemp)
T_CLEANUP+=("rm -f '$CONF'")
printf 'weights_size = 2TB\n' >"$CONF"
check_run "status --config: weights_size from the file" 0 "" bash -c \
	"nsenter --net=/run/netns/$NSA ${U[*]} status --json --config $CONF | jq -e '.exfiltration.weights_bytes == 2000000000000'"
check_run "status --config missing" 1 "^uploadctl: status: configuration: .* does not exist" \
	ua status --config "$CONF.none"
for bad in "rate_ceiling = 0:rate_ceiling: '0': a size must be more than zero" \
	"rate_ceiling = 3MB/min:rate_ceiling: '3MB/min': unexpected" \
	"rate_burst = 1000:rate_burst: '1000' is below the minimum of 262144" \
	"weights_size = -1TB:weights_size: '-1TB': a size cannot be negative"; do
	printf '%s\n' "${bad%%:*}" >"$CONF"
	check_run "config check: ${bad%%:*}" 1 "$CONF:1: ${bad#*:}" "$UPLOADCTL" config check "$CONF"
done
printf 'rate_ceiling = 2MB/s\nrate_burst = 1MiB\nweights_size = 800GB\n' >"$CONF"
check_run "config check: rate_ceiling, rate_burst, weights_size" 0 "valid" "$UPLOADCTL" config check "$CONF"
printf 'cap = 1GB\ninterval = 1\n# the operator forgot line 1\ncap = 2GB\n' >"$CONF"
check_run "config check: a key given twice, both lines named" 1 \
	"$CONF:4: 'cap' is given again \(first on line 1\)" "$UPLOADCTL" config check "$CONF"
check_run "and status refuses it too" 1 "'cap' is given again" ua status --config "$CONF"

# --- maps left by an incompatible uploadcap version
OLD=$PIN_DIR-old
T_PINS+=("$OLD")
mkdir -p "$OLD"
bpftool map create "$OLD/ucap_counters" type percpu_array key 4 value 24 entries 1024 name ucap_counters ||
	bail "bpftool map create"
check_run "status: incompatible map layout" 1 \
	"^uploadctl: status: $OLD/ucap_counters has an incompatible layout .*another uploadcap version" \
	in_ns "$NSA" "$UPLOADCTL" --pin-dir "$OLD" status
check_run "attach: incompatible map layout" 1 "incompatible layout" \
	in_ns "$NSA" "$UPLOADCTL" --pin-dir "$OLD" attach "$DA"
check_eq "nothing attached on a layout error" "$(meter_hooks "$NSA" "$DA")" 0
rm -f "$OLD/ucap_counters"
bpftool map create "$OLD/ucap_counters" type percpu_array key 4 value 32 entries 1024 name ucap_counters &&
	bpftool map create "$OLD/ucap_ifaces" type array key 4 value 88 entries 1024 name ucap_ifaces &&
	bpftool map create "$OLD/ucap_meta" type array key 4 value 16 entries 1 name ucap_meta &&
	bpftool map update pinned "$OLD/ucap_meta" key 0 0 0 0 \
		value 0x70 0x61 0x63 0x75 99 0 0 0 0 4 0 0 0 0 0 0 || bail "bpftool map create"
check_run "status: layout version from another uploadcap" 1 \
	"^uploadctl: status: the meter in $OLD has layout version 99 .*reads version 1" \
	in_ns "$NSA" "$UPLOADCTL" --pin-dir "$OLD" status

# --- scripts/install-deps.sh
check_run "install-deps refuses without root" 1 "^install-deps: must run as root" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TOP/scripts/install-deps.sh"
check_run "install-deps does nothing when all is present" 0 "^install-deps: all packages present" \
	"$TOP/scripts/install-deps.sh"

done_testing
