#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The shipped alert rules (dist/prometheus/uploadcap.rules.yml) with
# promtool, from Debian's prometheus package: they load, each one fires
# on its scenario and none on a healthy host
# (prometheus/uploadcap.rules.test.yml), they use only metric families
# uploadctl writes (or node_exporter's), and docs/operations.md names each one.
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
# missing TEST WORD...: the WORDs for which TEST fails.
missing() {
	local t=$1 w m=
	shift
	for w in "$@"; do "$t" "$w" || m+=" $w"; done
	echo "$m"
}
# A firing test: an alert_rule_test of that name with an exp_labels.
fires() {
	awk -v a="$1" '$0 ~ "alertname: " a "$" { want = 1; next }
		want && /exp_labels/ { found = 1 } /eval_time/ { want = 0 }
		END { exit !found }' "$TESTS"
}
silent() { grep -q "alertname: $1, exp_alerts: \[\]" "$TESTS"; }
# shellcheck disable=SC2086
check_eq "each rule has a scenario where it fires" "$(missing fires $alerts)" ""
# shellcheck disable=SC2086
check_eq "each rule is checked silent on the healthy host" "$(missing silent $alerts)" ""
families=$(grep -o 'uploadcap_[a-z_]*' "$RULES" | sort -u)
prom=$("$UPLOADCTL" status --format prometheus 2>/dev/null; grep -ho '"uploadcap_[a-z_]*"' "$TOP/userspace/prom.c" "$TOP/kmod/ucap_sysfs_abi.h")
written() { grep -q "$1" <<<"$prom"; }
named() { grep -q "$1" "$TOP/docs/operations.md"; }
# shellcheck disable=SC2086
check_eq "every family the rules use is one uploadctl writes" "$(missing written $families)" ""
# shellcheck disable=SC2086
check_eq "docs/operations.md names every rule" "$(missing named $alerts)" ""
done_testing
