#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lint: the kernel's checkpatch.pl --strict on the module and the
# BPF program, and shellcheck on every shell script of the tree; every
# finding is printed, and any one fails.
#
#   scripts/lint.sh [checkpatch|shellcheck]...   (default: both)
#
# checkpatch.pl comes from Debian's linux-source package, extracted by
# scripts/install-deps.sh to CHECKPATCH_DIR; shellcheck reads .shellcheckrc
# (its project-wide exceptions, each with its reason) and the inline
# "# shellcheck disable=SCxxxx # reason" directives.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CHECKPATCH=${CHECKPATCH:-/usr/local/share/uploadcap/checkpatch/checkpatch.pl}

# checkpatch has no inline suppression: its justified exceptions are here,
# one per line, "FILE TYPE reason". Each must still match a finding, so
# that one whose cause went away is removed rather than kept.
CHECKPATCH_EXCEPTIONS='
kmod/ucap_sysfs_abi.h COMPLEX_MACRO the X-macro lists (UCAP_FIGURES, UCAP_DEV_COLUMNS) expand to a list of X(...) entries, never to an expression
kmod/ucap_sysfs_abi.h MACRO_ARG_REUSE their argument X is the macro each entry expands, used once per entry by design
bpf/uploadcap.bpf.c VOLATILE libbpf puts "const volatile" globals in .rodata, set before load: the program slot is one
'

die() { echo "lint: $*" >&2; exit 1; }
cd "$TOP"

# Every shell script the tree ships: *.sh, and files whose first line runs
# a shell. From git where the tree is a checkout, else from the files.
shell_scripts() {
	local f
	if git rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files
	else
		find . -type f -not -path './build/*' -not -path './.git/*' | sed 's|^\./||'
	fi | sort | while read -r f; do
		case $f in
		*.sh) echo "$f" ;;
		*) head -n1 "$f" 2>/dev/null | grep -qE '^#!.*\b(ba|da)?sh\b|^#!/bin/busybox sh' &&
			echo "$f" ;;
		esac
	done
}

run_checkpatch() {
	local files out found=0 f type line
	[ -x "$CHECKPATCH" ] || die "no $CHECKPATCH: run scripts/install-deps.sh"
	mapfile -t files < <(compgen -G 'kmod/*.[ch]'; compgen -G 'bpf/*.[ch]';
		compgen -G 'selftests/lagdev/*.[ch]')
	out=$("$CHECKPATCH" --strict --no-tree --terse --show-types --no-summary -f "${files[@]}" || true)
	while read -r f type _; do
		[ -n "$f" ] || continue
		grep -q "^$f:[0-9]*: [A-Z]*:$type:" <<<"$out" ||
			{ echo "lint: checkpatch exception no longer needed: $f $type"; found=1; }
		out=$(grep -v "^$f:[0-9]*: [A-Z]*:$type:" <<<"$out" || true)
	done <<<"$CHECKPATCH_EXCEPTIONS"
	while read -r line; do
		[ -n "$line" ] || continue
		echo "$line"
		found=1
	done <<<"$out"
	echo "lint: checkpatch --strict: ${#files[@]} files, $(grep -c . <<<"$out" || true) findings"
	return "$found"
}

run_shellcheck() {
	local files
	command -v shellcheck >/dev/null || die "shellcheck is not installed: run scripts/install-deps.sh"
	mapfile -t files < <(shell_scripts)
	[ ${#files[@]} -gt 0 ] || die "found no shell scripts"
	if shellcheck -f gcc "${files[@]}"; then
		echo "lint: shellcheck $(shellcheck --version | sed -n 's/^version: //p'): ${#files[@]} scripts, 0 findings"
	else
		echo "lint: shellcheck: ${#files[@]} scripts, findings above"
		return 1
	fi
}

[ $# -gt 0 ] || set -- checkpatch shellcheck
rc=0
for tool in "$@"; do
	case $tool in
	checkpatch) run_checkpatch || rc=1 ;;
	shellcheck) run_shellcheck || rc=1 ;;
	*) echo "usage: scripts/lint.sh [checkpatch|shellcheck]..." >&2; exit 2 ;;
	esac
done
exit "$rc"
