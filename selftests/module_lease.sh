#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module's write-ahead lease (in the VM), loaded with lease=1: the
# hooks let bytes through only up to lease_bytes, which starts at the
# restored count and only rises.
#   - Without lease=1 there is no lease_bytes file, and writing one fails.
#   - At load nothing leaves: the lease is what was restored; the kernel
#     says so once, and the state stays armed (not exhausted).
#   - A raise is logged; exactly the lease's bytes leave, no more, also
#     after a raise far ahead (credit mode again, not stuck in exact).
#   - Lowering it, or garbage, is refused and counted as tampering.
#   - Past-hook bytes (XDP) while the lease is used up are charged all
#     the same, beyond the lease; the hooks stay shut until it is raised
#     past them.
#   - The cap still ends it all: exhausted at the cap, a lease beyond it.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

# --- no lease unless loaded with one
check "insmod without lease=1" mod_load
check "no lease_bytes file then" test ! -e "$SYSFS/lease_bytes"
check "and none can be made" sh -c "! echo 5 >'$SYSFS/lease_bytes'" 2>/dev/null
mod_unload

# --- loaded with a lease at the restored count
dmesg_mark
# The receiving side is exempt: what it answers (ICMP, ACKs) takes
# nothing from the lease, so that the counts below are exact. So is the
# side of the XDP feed the test injects frames into.
check "insmod lease=1 used_bytes=1000000 cap_bytes=60000000" \
	mod_load lease=1 used_bytes=1000000 cap_bytes=60000000 exempt="uc${RUN_ID}b,ucy${RUN_ID}"
check_eq "lease_bytes starts at the restored count" "$(mod_get lease_bytes)" 1000000
check_eq "lease_bytes is 0644" "$(stat -c %a "$SYSFS/lease_bytes")" 644
check_run "the kernel says nothing leaves until it is raised" 0 \
	"write-ahead lease at 1000000 bytes: nothing leaves until it is raised" dmesg_since
raw_bed 198.18.14
# send DEV COUNT: COUNT frames of 1000 bytes out of DEV, rawsend's count shown.
send() { ip netns exec "$NSA" "$RAWSEND" "$1" "$MAC_B" 198.18.14.1 198.18.14.2 "$2" 1000; }
check_run "100 frames at load: all refused" 0 "^sent 0 refused 100$" \
	send "$DA" 100
check_eq "still armed, not exhausted" "$(mod_get state)" armed
check_eq "nothing charged" "$(mod_get used_bytes)" 1000000
check_eq "the lease's end said once" "$(dmesg_since | grep -c 'lease of 1000000 bytes used up')" 1

# --- raised: exactly the lease leaves
check "raise to 3000000" mod_set lease_bytes 3000000
check_run "the raise is logged" 0 "lease raised from 1000000 to 3000000 bytes \(1000000 used\)" \
	dmesg_since
check_run "2500 frames of 1000 bytes: the lease's 2000 leave" 0 "^sent 2000 refused 500$" \
	send "$DA" 2500
check_eq "used_bytes is the lease" "$(mod_get used_bytes)" 3000000
check_eq "the lease's end said again" "$(dmesg_since | grep -c 'lease of 3000000 bytes used up')" 1

# --- refused: lower, garbage; the same value is no change
t0=$(mod_get tamper_attempts)
check "lowering it is refused" sh -c "! echo 2000000 >'$SYSFS/lease_bytes'" 2>/dev/null
check "garbage is refused" sh -c "! echo 3e6 >'$SYSFS/lease_bytes'" 2>/dev/null
check "the same value is accepted (no change)" mod_set lease_bytes 3000000
check_eq "both refusals counted as tampering" $(($(mod_get tamper_attempts) - t0)) 2
check_eq "the lease stands" "$(mod_get lease_bytes)" 3000000
check_run "the refusal is logged" 0 "refused to lower the lease \(2000000\)" dmesg_since

# --- far ahead: credit mode again, and still exact at the end
check "raise to 43000000" mod_set lease_bytes 43000000
check "TCP bulk, 8 MiB" tcp_bulk "$NSA" "$NSB" 198.18.14.2 8M
dev_sum() { awk 'NR > 1 { s += $4 } END { print s + 0 }' "$SYSFS/devices"; }
settle "$NSA" "$DA"
check_eq "used_bytes = restored + what the hooks let through" "$(mod_get used_bytes)" \
	$((1000000 + $(dev_sum)))
used=$(mod_get used_bytes)
left=$((43000000 - used))
check_run "the rest of the lease and 100 frames more: only the rest leaves" 0 \
	"^sent $((left / 1000)) refused $((100 + (left % 1000 ? 1 : 0)))$" \
	send "$DA" $((left / 1000 + 100 + (left % 1000 ? 1 : 0)))
check_eq "used_bytes within 1000 of the lease, not past it" $(((43000000 - $(mod_get used_bytes)) / 1000)) 0

# --- past the hook while the lease is used up: charged beyond it
xdp_bed "ucx${RUN_ID}" "ucy${RUN_ID}"
used=$(mod_get used_bytes) bp0=$(mod_get bypass_bytes)
check "500 frames into the feed (exempt)" \
	send "ucy${RUN_ID}" 500
settle "$NSA" "$DA"
sleep 0.3
bp=$(($(mod_get bypass_bytes) - bp0))
check_eq "XDP sent them out of $DA past its hook, and the audit charged them" "$bp" 500000
check_eq "used_bytes = what it was + what the audit charged, past the lease" \
	"$(mod_get used_bytes)" $((used + bp))
check_run "the hooks stay shut: 10 frames refused" 0 "^sent 0 refused 10$" \
	send "$DA" 10
ip -n "$NSB" link set dev "$DB" xdp off
ip -n "$NSA" link set dev "ucx${RUN_ID}" xdp off
check "raise it to what was used: still shut" mod_set lease_bytes "$(mod_get used_bytes)"
check_run "10 frames refused" 0 "^sent 0 refused 10$" \
	send "$DA" 10

# --- the cap ends it: a lease beyond the cap does not
check "raise the lease past the cap" mod_set lease_bytes 100000000
tcp_bulk "$NSA" "$NSB" 198.18.14.2 40M >/dev/null 2>&1	# stops at the cap
check_eq "exhausted at the cap" "$(mod_get state)" exhausted
used=$(mod_get used_bytes)
check "used_bytes is the cap, within 1% ($used)" test "$used" -le 60000000 -a "$used" -ge 59400000
check_run "exhausted, as without a lease" 0 "upload cap exhausted" dmesg_since
done_testing
