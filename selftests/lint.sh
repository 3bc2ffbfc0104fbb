#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lint inside make check: checkpatch.pl --strict on kmod/, bpf/ and
# the test module, shellcheck on every shell script, both with zero
# findings (scripts/lint.sh prints each one; its exceptions carry reasons).
. "$(dirname "$0")/lib.sh"
ucap_test_init

[ -x "${CHECKPATCH:-/usr/local/share/uploadcap/checkpatch/checkpatch.pl}" ] ||
	bail "no checkpatch.pl: scripts/install-deps.sh extracts it from linux-source"
command -v shellcheck >/dev/null || bail "shellcheck is not installed (scripts/install-deps.sh)"
check_run "checkpatch --strict: no finding" 0 "checkpatch --strict: [0-9]+ files, 0 findings$" \
	"$TOP/scripts/lint.sh" checkpatch
check_run "shellcheck: no finding" 0 "shellcheck [0-9.]+: [0-9]+ scripts, 0 findings$" \
	"$TOP/scripts/lint.sh" shellcheck
done_testing
