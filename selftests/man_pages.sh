#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The man pages: groff -ww renders both without a warning, man -l shows
# them, and they are complete: every command and every long option that
# uploadctl's help lists, every configuration key, alarm and metric in
# uploadctl(8); every module parameter and sysfs file of uploadcap.ko in
# uploadcap(4).
. "$(dirname "$0")/lib.sh"
ucap_test_init

M8=$TOP/man/uploadctl.8
M4=$TOP/man/uploadcap.4
command -v groff >/dev/null || bail "groff is not installed (scripts/install-deps.sh)"
for m in "$M8" "$M4"; do
	check_run "groff -ww: ${m##*/} without warnings" 0 "" groff -ww -man -Tutf8 -z "$m"
	check_eq "and nothing on stderr" "$RUN_OUT" ""
	check_run "man -l ${m##*/} renders, NAME first" 0 "^NAME" \
		env MANWIDTH=80 MAN_KEEP_FORMATTING= man --warnings=w -l "$m"
done

# What the page says, as plain text (roff's \- is a plain -).
text8=$(MANWIDTH=200 man -l "$M8" 2>/dev/null | col -b)
missing=
for c in $("$UPLOADCTL" help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
	grep -q "uploadctl $c" <<<"$text8" || missing+=" $c"
done
check_eq "every command of 'uploadctl help' is in the synopsis" "$missing" ""
missing=
for c in attach detach status "cap set" "rate set" load agent "ledger verify" "ledger adopt" "config check" plan; do
	# shellcheck disable=SC2086
	for o in $("$UPLOADCTL" $c --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -q -- "$o" <<<"$text8" || missing+=" $c:$o"
	done
done
check_eq "every long option of every command's --help is described" "$missing" ""
missing=
# shellcheck disable=SC2013 # the words are C identifiers
for k in $(grep -o 'strcmp(key, "[a-z_]*")' "$TOP/userspace/config.c" | sed 's/.*"\(.*\)".*/\1/'); do
	grep -qw -- "$k" <<<"$(sed -n '/^CONFIGURATION/,/^JSON FORMAT/p' <<<"$text8")" || missing+=" $k"
done
check_eq "every configuration key is in CONFIGURATION" "$missing" ""
missing=
for e in $(sed -n '/alarm_events\[\] = {/,/NULL/p' "$TOP/userspace/alarm.c" | grep -o '"[a-z_]*"' | tr -d '"'); do
	grep -q "^       $e (" <<<"$(sed -n '/^ALARMS/,/^EXIT STATUS/p' <<<"$text8")" || missing+=" $e"
done
check_eq "every alarm is in ALARMS with its severity" "$missing" ""
missing=
for f in $(grep -ho '"uploadcap_[a-z_]*"' "$TOP/userspace/prom.c" "$TOP/kmod/ucap_sysfs_abi.h" | tr -d '"' | sort -u); do
	grep -q "$f" <<<"$text8" || missing+=" $f"
done
check_eq "every metric family is in METRICS" "$missing" ""
check_eq "exit statuses 0, 1, 2" \
	"$(sed -n '/^EXIT STATUS/,/^FILES/p' <<<"$text8" | grep -cE '^       [012]  ')" 3

text4=$(MANWIDTH=200 man -l "$M4" 2>/dev/null | col -b)
missing=
# shellcheck disable=SC2013 # the words are C identifiers
for p in $(grep -o 'module_param([a-z_]*' "$TOP"/kmod/*.c | sed 's/.*(//'); do
	grep -q "^       $p=" <<<"$text4" || missing+=" $p"
done
check_eq "every module parameter is in uploadcap(4)" "$missing" ""
missing=
# The figures of UCAP_FIGURES and the files named UCAP_SYSFS_* (the ABI headers).
for a in $(sed -n 's/^[[:space:]]*X(\([a-z_]*\), [A-Z]*, R[OW], .*/\1/p' "$TOP/kmod/ucap_sysfs_abi.h") \
	 $(sed -n 's/^#define UCAP_SYSFS_[A-Z_]*[[:space:]]*"\([a-z_]*\)"$/\1/p' "$TOP"/kmod/ucap_*_abi.h); do
	grep -qE "^       ([a-z_]+, )*${a}[ ,]" <<<"$(sed -n '/^SYSFS/,/^DIAGNOSTICS/p' <<<"$text4")" ||
		missing+=" $a"
done
check_eq "every file of /sys/kernel/uploadcap is in SYSFS" "$missing" ""
done_testing
