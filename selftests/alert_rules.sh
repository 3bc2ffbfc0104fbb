#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The shipped alert rules (dist/prometheus/uploadcap.rules.yml) with
# promtool, from Debian's prometheus package: they load, each one fires
# on its scenario and none on a healthy host
# (prometheus/uploadcap.rules.test.yml), they use only metric families
# uploadctl writes (or node_exporter's), and the README names each one.
. "$(dirname "$0")/lib.sh"
ucap_test_init

RULES=$TOP/dist/prometheus/uploadcap.rules.yml
TESTS=$TOP/selftests/prometheus/uploadcap.rules.test.yml
command -v promtool >/dev/null || bail "promtool is not installed (scripts/install-deps.sh: prometheus)"
check_run "promtool check rules" 0 "SUCCESS: [0-9]+ rules found" promtool check rules "$RULES"
check_run "promtool test rules: every scenario" 0 "SUCCESS" \
	bash -c "cd '$TOP/selftests/prometheus' && promtool test rules '${TESTS##*/}'"
alerts=$(sed -n 's/^ *- alert: //p' "$RULES")
check_gt "rules in the file" "$(wc -l <<<"$alerts")" 8
missing=
for a in $alerts; do
	# A firing test: an alert_rule_test of that name with an exp_labels.
	awk -v a="$a" '$0 ~ "alertname: " a "$" { want = 1; next }
		want && /exp_labels/ { found = 1 } /eval_time/ { want = 0 }
		END { exit !found }' "$TESTS" || missing+=" $a"
done
check_eq "each rule has a scenario where it fires" "$missing" ""
missing=
for a in $alerts; do
	grep -q "alertname: $a, exp_alerts: \[\]" "$TESTS" || missing+=" $a"
done
check_eq "each rule is checked silent on the healthy host" "$missing" ""
families=$(grep -o 'uploadcap_[a-z_]*' "$RULES" | sort -u)
prom=$("$UPLOADCTL" status --format prometheus 2>/dev/null; grep -o '"uploadcap_[a-z_]*"' "$TOP/userspace/prom.c")
missing=
for f in $families; do
	grep -q "$f" <<<"$prom" || missing+=" $f"
done
check_eq "every family the rules use is one uploadctl writes" "$missing" ""
missing=
for a in $alerts; do
	grep -q "$a" "$TOP/README.md" || missing+=" $a"
done
check_eq "the README names every rule" "$missing" ""
done_testing
