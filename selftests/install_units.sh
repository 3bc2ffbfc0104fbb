#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make install` into a DESTDIR: every file where docs/operations.md says, with its
# mode, paths substituted; the systemd units pass `systemd-analyze verify`,
# and the agent's sandbox rates OK in `systemd-analyze security`; the
# modprobe.d entry routes `modprobe uploadcap` through `uploadctl load`;
# the example configuration is valid and `config check` names the line
# and the reason of a bad one. An existing configuration is never
# overwritten.
. "$(dirname "$0")/lib.sh"
ucap_test_init

D=$(mktemp -d)
T_CLEANUP+=("rm -rf '$D'")
check "make install DESTDIR PREFIX=/usr" \
	make -s -C "$TOP" install DESTDIR="$D/root" PREFIX=/usr UNITDIR=/lib/systemd/system \
	MODPROBEDIR=/lib/modprobe.d
R=$D/root
for f in 755:usr/sbin/uploadctl 644:lib/systemd/system/uploadcap-load.service \
	644:lib/systemd/system/uploadcap-agent.service 644:lib/modprobe.d/uploadcap.conf \
	644:usr/share/man/man8/uploadctl.8 644:usr/share/man/man4/uploadcap.4 \
	644:usr/share/bash-completion/completions/uploadctl 644:etc/uploadcap/uploadcap.conf; do
	check_eq "/${f#*:} installed, mode ${f%%:*}" "$(stat -c %a "$R/${f#*:}" 2>&1)" "${f%%:*}"
done
check_eq "no @PLACEHOLDER@ left in the installed files" \
	"$(grep -rl '@[A-Z]*@' "$R/lib" "$R/etc" 2>/dev/null)" ""
check_eq "the load unit runs /usr/sbin/uploadctl load --attach" \
	"$(sed -n 's/^ExecStart=//p' "$R/lib/systemd/system/uploadcap-load.service")" \
	"/usr/sbin/uploadctl load --attach"
check_eq "the agent unit runs the agent in the foreground" \
	"$(sed -n 's/^ExecStart=//p' "$R/lib/systemd/system/uploadcap-agent.service")" \
	"/usr/sbin/uploadctl agent --foreground"

# systemd-analyze checks that ExecStart= exists and that the man pages in
# Documentation= are there: point both at the DESTDIR copies.
mkdir "$D/units"
for u in "$R"/lib/systemd/system/*.service; do
	sed "s|/usr/sbin/uploadctl|$R/usr/sbin/uploadctl|" "$u" >"$D/units/${u##*/}"
done
check_run "systemd-analyze verify passes on both units" 0 "" \
	env MANPATH="$R/usr/share/man" systemd-analyze verify "$D"/units/*.service
check_eq "and says nothing" "$RUN_OUT" ""
score() {
	systemd-analyze security --offline=yes "$D/units/$1" 2>&1 |
		sed -n 's/^→ Overall exposure level for .*: \([0-9.]*\) .*/\1/p'
}
agent=$(score uploadcap-agent.service)
diag "systemd-analyze security: agent $agent, load $(score uploadcap-load.service)"
check "the agent's exposure is at most 3.0 (systemd's OK band ends at 5.9)" \
	awk -v s="$agent" 'BEGIN { exit !(s != "" && s <= 3.0) }'
check "the load unit's is below 6.0 (it loads modules: it cannot be sandboxed much)" \
	awk -v s="$(score uploadcap-load.service)" 'BEGIN { exit !(s != "" && s < 6.0) }'
check_eq "the load unit runs before the network is configured" \
	"$(sed -n 's/^Before=//p' "$R/lib/systemd/system/uploadcap-load.service")" \
	"network-pre.target shutdown.target"

# modprobe, dry run, with only our file as configuration: by name, the
# module is loaded by uploadctl load. (-S: a kernel that has modules.)
# shellcheck disable=SC2012 # kernel release names: no odd characters
krel=$(ls /lib/modules | sort -V | tail -n1)
check_run "modprobe uploadcap runs uploadctl load (dry run)" 0 \
	"^install /usr/sbin/uploadctl load" \
	modprobe -n -v -S "$krel" -C "$R/lib/modprobe.d/uploadcap.conf" uploadcap

check_run "the example configuration is valid" 0 "valid" \
	"$UPLOADCTL" config check "$R/etc/uploadcap/uploadcap.conf"
printf '# ok\ncap = 800GB\nthresholds = 50,40\n' >"$D/bad.conf"
check_run "config check names the line and the reason" 1 \
	"^uploadctl: config check: $D/bad.conf:3: thresholds: '50,40' must be ascending" \
	"$UPLOADCTL" config check "$D/bad.conf"
check_run "config check on a missing file" 1 "does not exist" \
	"$UPLOADCTL" config check "$D/none.conf"
check_run "config check with two files is a usage error" 2 "unexpected argument" \
	"$UPLOADCTL" config check a b

echo "cap = 1TB" >"$R/etc/uploadcap/uploadcap.conf"
check "make install again" make -s -C "$TOP" install DESTDIR="$R" PREFIX=/usr \
	UNITDIR=/lib/systemd/system MODPROBEDIR=/lib/modprobe.d
check_eq "kept the operator's configuration" "$(cat "$R/etc/uploadcap/uploadcap.conf")" "cap = 1TB"
check "make uninstall" make -s -C "$TOP" uninstall DESTDIR="$R" PREFIX=/usr \
	UNITDIR=/lib/systemd/system MODPROBEDIR=/lib/modprobe.d
check_eq "uninstall removed every installed file but the configuration" \
	"$(find "$R" -type f | sed "s|^$R||")" "/etc/uploadcap/uploadcap.conf"
done_testing
