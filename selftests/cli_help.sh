#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# uploadctl's help: every command's and subcommand's fits 80 columns,
# and 'uploadctl help CMD [SUB]' gives the same text as 'CMD [SUB] --help'.
. "$(dirname "$0")/lib.sh"
ucap_test_init

U=$UPLOADCTL
widest() { awk '{ if (length > w) w = length } END { print w + 0 }'; }

check "help: 80 columns at most ($("$U" help | widest))" test "$("$U" help | widest)" -le 80
cmds=$("$U" help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
check "help lists the commands" test "$(wc -w <<<"$cmds")" -ge 10
for c in $cmds; do
	[ "$c" = help ] && continue
	w=$("$U" "$c" --help | widest)
	check "$c --help: 80 columns at most ($w)" test "$w" -le 80
	check_eq "help $c: the same as $c --help" "$("$U" help "$c" | md5sum)" "$("$U" "$c" --help | md5sum)"
	# An object's subcommands, as its help's usage lines name them (never
	# run bare: "uploadctl agent" would start an agent, "load" load).
	subs=$("$U" "$c" --help | sed -n "s/^\(Usage:\)\{0,1\} *uploadctl $c \([a-z][a-z-]*\).*/\2/p" | sort -u)
	for s in $subs; do
		w=$("$U" "$c" "$s" --help | widest)
		check "$c $s --help: 80 columns at most ($w)" test "$w" -le 80
		check_eq "help $c $s: the same as $c $s --help" \
			"$("$U" help "$c" "$s" | md5sum)" "$("$U" "$c" "$s" --help | md5sum)"
	done
done
check_run "help of an unknown command: usage, exit 2" 2 "help: unknown command 'frob'" "$U" help frob
check_run "help with too much: usage, exit 2" 2 "help: give a command" "$U" help cap set more
done_testing
