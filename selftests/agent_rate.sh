#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rate_anomaly (in the VM): after a quiet stretch, a burst far above the
# trailing median raises one warning; it is re-armed once the rate is
# back to normal. Windows are shortened (0.5 s, 6 of them) so the test
# does not take an hour. rate_ceiling_hit: once per episode of drops at
# the module's rate ceiling.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

agent_bed 198.18.6

agent_start "$NSA" --interval 0.25 --ledger "$LEDGER" --rate-window 0.5 --rate-history 6 \
	--rate-multiple 10 --rate-min-bytes 256K
# A quiet baseline: a trickle of small frames for 5 s.
for _ in $(seq 10); do raw 5 200; sleep 0.5; done
check_eq "no rate_anomaly while quiet" "$(event_count rate_anomaly)" 0
raw 3000 1500	# 4.5 MB at once
check "rate_anomaly after the burst" wait_event rate_anomaly 1 4
check_run "rate_anomaly gives the window and the median" 0 \
	"daemon\.warn .*event=rate_anomaly severity=warning window_bytes=[0-9]+ median_bytes=[0-9]+ multiple=10 window_seconds=0.5 used_bytes=" \
	events rate_anomaly
sleep 3
check_eq "raised once for one burst" "$(event_count rate_anomaly)" 1
check_eq "no rate_ceiling_hit without a ceiling" "$(event_count rate_ceiling_hit)" 0

check_run "a rate ceiling of 1MB/s" 0 "^rate ceiling armed" "$UPLOADCTL" rate set 1MB/s
raw 3000 1500	# 4.5 MB at once: most of it beyond the ceiling
check "rate_ceiling_hit after a burst beyond the ceiling" wait_event rate_ceiling_hit 1 4
check_run "rate_ceiling_hit gives the ceiling and the drops" 0 \
	"daemon\.warn .*event=rate_ceiling_hit severity=warning rate_bytes_per_sec=1000000 new_dropped_bytes=[1-9][0-9]* rate_dropped_bytes=[1-9][0-9]*" \
	events rate_ceiling_hit
sleep 1
check_eq "raised once for one episode" "$(event_count rate_ceiling_hit)" 1
raw 3000 1500
check "and again for the next episode" wait_event rate_ceiling_hit 2 4
agent_stop

done_testing
