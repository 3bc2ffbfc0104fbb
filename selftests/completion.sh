#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bash completion for uploadctl, driven as bash drives it (COMP_WORDS,
# COMP_CWORD) with Debian's bash-completion loaded: commands, subcommands,
# option values, device names; and every long option that a command's
# --help's usage lines list is offered for that command.
. "$(dirname "$0")/lib.sh"
ucap_test_init

BC=/usr/share/bash-completion/bash_completion
[ -r "$BC" ] || bail "bash-completion is not installed (scripts/install-deps.sh)"

# complete WORDS...: what completing the last word offers, sorted, on one line.
complete_words() {
	bash --norc -c '
		. "$1"; . "$2"; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_uploadctl uploadctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
		_ "$BC" "$TOP/dist/bash-completion/uploadctl" "$@"
}

check_eq "commands: every one 'uploadctl help' lists" "$(complete_words uploadctl '')" \
	"$("$UPLOADCTL" help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }' | sort | tr '\n' ' ')"
check_eq "st -> status" "$(complete_words uploadctl st)" "status "
check_eq "global options" "$(complete_words uploadctl --)" "--help --json --pin-dir --pretty --version "
check_eq "after a global option, the command" "$(complete_words uploadctl --json sta)" "status "
check_eq "cap: set or show" "$(complete_words uploadctl cap '')" "set show "
check_eq "rate: set or show" "$(complete_words uploadctl rate '')" "set show "
check_eq "status --format: its values" "$(complete_words uploadctl status --format '')" \
	"json prometheus table "
check_eq "load --on-exhaust: its values" "$(complete_words uploadctl load --on-exhaust d)" "down drop "
check_eq "agent --facility local: local0..7" "$(complete_words uploadctl agent --facility local | wc -w)" 8
check_eq "a size is the user's to type" "$(complete_words uploadctl load --cap '')" ""
check_eq "attach: device names" "$(complete_words uploadctl attach l)" "lo "
check_eq "ledger verify" "$(complete_words uploadctl ledger v)" "verify "
check_eq "config check" "$(complete_words uploadctl config c)" "check "
check_eq "tpm: provision or status" "$(complete_words uploadctl tpm '')" "provision status "

missing=
for c in attach detach status "cap set" "rate set" load agent "ledger verify" "ledger adopt" "config check" \
	"tpm provision" "tpm status" verify-log plan; do
	# shellcheck disable=SC2086 # $c is a command and its subcommand: two words
	offered=$(complete_words uploadctl $c --)
	# The options of the usage lines (the text below names other commands').
	# shellcheck disable=SC2086 # as above
	for o in $("$UPLOADCTL" $c --help | sed '/^$/q' | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		case $o in --json | --pretty | --help) [ "${c#* }" = set ] && continue ;; esac
		grep -qw -- "$o" <<<"$offered" || missing+=" $c:$o"
	done
done
check_eq "every long option of every command's usage is offered" "$missing" ""
done_testing
