#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside a VM booted with systemd (scripts/vmtest.sh -S, run by
# deb_package.sh): install the uploadcap and uploadcap-dkms packages from
# DEBDIR, start the units, check that they do their job under their
# sandboxes, upgrade them to the newer version in NEXTDIR with traffic
# flowing, and purge.
#   selftests/deb_guest.sh DEBDIR NEXTDIR
. "$(dirname "$0")/lib.sh"
ucap_test_init

DEBS=$1
NEXT_DEBS=$2
[ -d "$NEXT_DEBS" ] || bail "no folder of newer packages to upgrade to"
[ "$(cat /proc/1/comm)" = systemd ] || bail "run under systemd (scripts/vmtest.sh -S)"
VERSION=$(make -s -C "$TOP" print-version)
K=$(uname -r)

# A device besides loopback for the meter and the module to guard.
check "a dummy device" ip link add ucapd0 type dummy
ip link set ucapd0 up

# DKMS builds for every kernel with headers; the host's dkms.sh builds for
# each VM kernel already, and each build takes minutes under emulation:
# here the guest is a host with one kernel (the overlay hides the others'
# headers).
for b in /lib/modules/*/build; do
	[ "$b" = "/lib/modules/$K/build" ] || rm -f "$b"
done
# This machine is a container: its policy-rc.d (exit 101) tells every
# maintainer script not to start, stop or restart units, which no Debian
# host has. Gone from the guest's overlay, the packages' scripts act as
# on a host.
rm -f /usr/sbin/policy-rc.d
# man-db's trigger re-indexes every man page on the machine: minutes under
# emulation, and nothing to do with these packages.
rm -f /var/lib/man-db/auto-update
t0=$SECONDS
check_run "dpkg -i uploadcap-dkms (DKMS builds the module for $K)" 0 "" \
	dpkg -i "$DEBS/uploadcap-dkms_${VERSION}_all.deb"
[ "$(dkms status -m uploadcap 2>/dev/null)" ] || diag "$RUN_OUT"
diag "installing uploadcap-dkms took $((SECONDS - t0)) s"
t0=$SECONDS
check_run "dpkg -i uploadcap" 0 "" dpkg -i "$DEBS"/uploadcap_"${VERSION}"_*.deb
diag "installing uploadcap took $((SECONDS - t0)) s"
check_run "dkms: installed for $K" 0 "uploadcap/$VERSION, ${K//+/\\+}, x86_64: installed" dkms status -m uploadcap
check_run "modinfo finds the DKMS module" 0 "updates/dkms/uploadcap.ko" modinfo -n uploadcap
check_run "modprobe uploadcap would run uploadctl load" 0 "^install /usr/sbin/uploadctl load" \
	modprobe -n -v uploadcap
for u in uploadcap-load uploadcap-agent; do
	check_eq "$u enabled by the package" "$(systemctl is-enabled $u.service)" enabled
	check_eq "$u not started by the package" "$(systemctl is-active $u.service)" inactive
done
check_eq "uploadcap-load is wanted by sysinit.target" \
	"$(compgen -G /etc/systemd/system/sysinit.target.wants/uploadcap-load.service | wc -l)" 1

mkdir -p /var/lib/prometheus/node-exporter
cat >/etc/uploadcap/uploadcap.conf <<EOT
cap = 64MiB
attach = yes
interval = 0.2
checkpoint_bytes = 1
checkpoint_seconds = 1
textfile = /var/lib/prometheus/node-exporter/uploadcap.prom
EOT
check_run "systemctl start uploadcap-load" 0 "" systemctl start uploadcap-load.service
check_eq "the module is loaded and armed" "$(cat /sys/kernel/uploadcap/state 2>&1)" armed
check_eq "with the configured cap" "$(cat /sys/kernel/uploadcap/cap_bytes 2>&1)" $((64 << 20))
check_eq "the module that runs is this version, as the next boot's" \
	"$(uploadctl cap show --json | jq -r '"\(.version) \(.version_next_boot)"')" "$VERSION $VERSION"
check_run "the meter is attached to ucapd0" 0 "attached" \
	bash -c "uploadctl status --json | jq -r '.interfaces[] | select(.name == \"ucapd0\") | if .attached then \"attached\" else \"off\" end'"
check_run "journal: load restored nothing (first boot: ledger_missing)" 0 "event=ledger_missing" \
	journalctl -b -t uploadcap --no-pager

check_run "systemctl start uploadcap-agent" 0 "" systemctl start uploadcap-agent.service
LEDGER=/var/lib/uploadcap/ledger
wait_file() { local i; for i in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.2; done; return 1; }
check "the agent wrote its ledger under StateDirectory" wait_file "$LEDGER"
check_eq "the state directory is 0700" "$(stat -c %a /var/lib/uploadcap)" 700
check_run "the ledger verifies" 0 "intact" uploadctl ledger verify "$LEDGER"
check "the agent wrote the Prometheus textfile" wait_file /var/lib/prometheus/node-exporter/uploadcap.prom
check_run "which says armed" 0 '^uploadcap_state\{state="armed"\} 1$' \
	cat /var/lib/prometheus/node-exporter/uploadcap.prom
check "a new device" ip link add ucapd1 type dummy
check "its alarm reaches syslog from the sandbox" \
	wait_count 1 10 bash -c "journalctl -b -t uploadcap --no-pager | grep -c 'event=new_interface.*device=ucapd1'"
pid=$(systemctl show -P MainPID uploadcap-agent.service)
kill -KILL "$pid"
check "killed, the agent is restarted" wait_count 1 15 bash -c \
	"p=\$(systemctl show -P MainPID uploadcap-agent.service); [ \"\$p\" != 0 ] && [ \"\$p\" != $pid ] && echo 1 || echo 0"
check_run "systemctl reload (SIGHUP) keeps it running" 0 "" systemctl reload uploadcap-agent.service
sleep 1
check_eq "still active" "$(systemctl is-active uploadcap-agent.service)" active
check_eq "Type=notify, with a watchdog" \
	"$(systemctl show -P Type uploadcap-agent.service) $(systemctl show -P WatchdogUSec uploadcap-agent.service)" "notify 30s"
check_eq "it said it runs (READY=1, STATUS=)" "$(systemctl show -P StatusText uploadcap-agent.service)" running

# A configuration that fails at start: alarmed, waited out, no restart loop.
CONF=/etc/uploadcap/uploadcap.conf
cp "$CONF" /run/ucap-conf.good
echo "nonsense = 1" >>"$CONF"
check_run "a broken configuration: restart returns (the agent waits, READY)" 0 "" \
	systemctl restart uploadcap-agent.service
restarts=$(systemctl show -P NRestarts uploadcap-agent.service)
check_run "its status says why" 0 "^waiting for a valid configuration: .*unknown key 'nonsense'" \
	systemctl show -P StatusText uploadcap-agent.service
sleep 4
check_eq "no restart loop: still active, not restarted" \
	"$(systemctl is-active uploadcap-agent.service) $(systemctl show -P NRestarts uploadcap-agent.service)" \
	"active $restarts"
check_eq "config_error alarmed once" \
	"$(journalctl -b -t uploadcap --no-pager | grep -c "event=config_error .*unknown key 'nonsense'.*action=\"waiting")" 1
cp /run/ucap-conf.good "$CONF"
check_run "fixed, and reloaded" 0 "" systemctl reload uploadcap-agent.service
check "it runs again" wait_count 1 15 bash -c \
	"systemctl show -P StatusText uploadcap-agent.service | grep -c '^running\$'"
check_eq "no sandbox denial in its journal" \
	"$(journalctl -b -u uploadcap-agent --no-pager | grep -ciE 'permission denied|operation not permitted|read-only file system')" 0

# An upgrade, with traffic before, during and after it: the agent runs on
# (restarted into the new binary), the ledger goes on from where it was,
# the load unit keeps its state, and the module that runs stays, armed;
# the new one is the next boot's, and status says both.
next_dkms_all=("$NEXT_DEBS"/uploadcap-dkms_*_all.deb)
next_dkms=${next_dkms_all[0]}
NEXT_FULL=$(dpkg-deb -f "$next_dkms" Version)
NEXT=${NEXT_FULL%-*}
check "the upgrade is to a newer version ($VERSION to $NEXT_FULL)" \
	dpkg --compare-versions "$NEXT_FULL" gt "$VERSION"
raw_bed 198.18.21
# Past the first step of the write-ahead lease (1 MiB): from its sandbox
# the agent writes the reservation down and raises lease_bytes.
for i in $(seq 6); do
	raw 250 1000
	sleep 0.5
done
settle "$NSA" "$DA"
used0=$(mod_get used_bytes)
check_ge "traffic is counted before the upgrade, past the first lease" "$used0" 1500000
check_gt "the agent raised the lease from its sandbox" "$(mod_get lease_bytes)" $((1 << 20))
# 1 once the ledger's last record has seq above $1 and used at least $2.
# (Any growth makes a checkpoint due within a second: checkpoint_bytes 1.)
ledger_past() {
	uploadctl ledger verify --json "$LEDGER" |
		jq --argjson s "$1" --argjson u "$2" 'if .last.seq > $s and .last.used_bytes >= $u then 1 else 0 end'
}
check "the agent has checkpointed it" wait_count 1 20 ledger_past 0 "$used0"
seq0=$(uploadctl ledger verify --json "$LEDGER" | jq .last.seq)
agent_pid=$(systemctl show -P MainPID uploadcap-agent.service)
load_since=$(systemctl show -P ActiveEnterTimestampMonotonic uploadcap-load.service)
# 20 KB every half second until the upgrade is over (at most 10 minutes).
STOP_TRAFFIC=$(mktemp -u)
T_CLEANUP+=("touch '$STOP_TRAFFIC'; rm -f '$STOP_TRAFFIC'")
(
	i=0
	while [ ! -e "$STOP_TRAFFIC" ] && [ $i -lt 1200 ]; do
		raw 20 1000
		i=$((i + 1))
		sleep 0.5
	done
	echo $i >"$STOP_TRAFFIC.n"
) &
traffic_pid=$!
t0=$SECONDS
check_run "dpkg -i the newer uploadcap-dkms and uploadcap (DKMS builds $NEXT)" 0 "" \
	dpkg -i "$next_dkms" "$NEXT_DEBS"/uploadcap_"$NEXT_FULL"_*.deb
diag "upgrading took $((SECONDS - t0)) s"
touch "$STOP_TRAFFIC"
wait "$traffic_pid"
sent=$(($(cat "$STOP_TRAFFIC.n") * 20000))
rm -f "$STOP_TRAFFIC" "$STOP_TRAFFIC.n"
settle "$NSA" "$DA"
diag "sent during the upgrade: $sent bytes"
check_run "dkms: $NEXT installed, $VERSION gone" 0 "^uploadcap/$NEXT, ${K//+/\\+}, x86_64: installed\$" \
	dkms status -m uploadcap
check_eq "dkms keeps one version" "$(dkms status -m uploadcap | grep -c .)" 1
check_run "uploadctl is the new one" 0 "$NEXT" uploadctl --version
# 1 once the agent runs, in another process than $agent_pid.
agent_restarted() {
	local p
	p=$(systemctl show -P MainPID uploadcap-agent.service)
	if [ "$p" != 0 ] && [ "$p" != "$agent_pid" ] &&
		[ "$(systemctl show -P StatusText uploadcap-agent.service)" = running ]; then
		echo 1
	else
		echo 0
	fi
}
check "the agent runs again, restarted into it" wait_count 1 15 agent_restarted
check_eq "its binary is the new one" \
	"$(readlink "/proc/$(systemctl show -P MainPID uploadcap-agent.service)/exe")" /usr/sbin/uploadctl
check_eq "the load unit was neither stopped nor run again" \
	"$(systemctl is-active uploadcap-load.service) $(systemctl show -P ActiveEnterTimestampMonotonic uploadcap-load.service)" \
	"active $load_since"
check_eq "the module still runs, armed" "$(cat /sys/kernel/uploadcap/state 2>&1)" armed
check_ge "it counted what was sent during the upgrade" "$(mod_get used_bytes)" $((used0 + sent))
check_eq "it is the old version; the next boot loads the new one" \
	"$(uploadctl status --json | jq -r '"\(.module.version) \(.module.version_next_boot)"')" "$VERSION $NEXT"
check_run "status says so" 0 "version $VERSION runs; the next boot loads $NEXT" uploadctl status
raw 200 1000
settle "$NSA" "$DA"
used1=$(mod_get used_bytes)
check "the ledger goes on: a checkpoint of what was sent after" wait_count 1 20 ledger_past "$seq0" "$used1"
check_run "the ledger verifies, one chain across the upgrade" 0 "intact" uploadctl ledger verify "$LEDGER"
journalctl -b -t uploadcap --no-pager | grep -E 'event=(lease_held|agent_stopped)' | while read -r l; do diag "$l"; done
check_eq "no alarm of tampering, loss or disagreement across it" \
	"$(journalctl -b -t uploadcap --no-pager |
		grep -oE 'event=(ledger_(tampered|regressed|lost|torn|restored)|[a-z_]*tamper[a-z_]*|module_[a-z]+|meter_[a-z]+|meters_[a-z]+|bypass_[a-z]+|lease_held|restore_held|settings_weakened|counter_reset)' |
		sort -u | tr '\n' ' ')" ""

t0=$SECONDS
files=$(dpkg -L uploadcap uploadcap-dkms | while read -r f; do [ -f "$f" ] && echo "$f"; done)
check_run "dpkg --purge uploadcap uploadcap-dkms" 0 "" dpkg --purge uploadcap uploadcap-dkms
diag "purging took $((SECONDS - t0)) s"
check_eq "removal stopped the agent" "$(systemctl is-active uploadcap-agent.service)" inactive
left=
for f in $files; do [ -e "$f" ] && left+=" $f"; done
check_eq "every file of the packages is gone" "$left" ""
check_eq "the configuration is gone" "$(ls -d /etc/uploadcap 2>/dev/null)" ""
check_eq "no unit or enablement link is left" "$(find /etc/systemd /lib/systemd -name 'uploadcap*' 2>/dev/null)" ""
check_eq "dkms knows no uploadcap" "$(dkms status -m uploadcap 2>/dev/null)" ""
check_eq "no module file is left" "$(find /lib/modules/"$K"/updates -name 'uploadcap.ko*' 2>/dev/null)" ""
check "the ledger is kept: the host's lifetime record" test -s "$LEDGER"
check_eq "the module stays loaded and armed (it cannot be removed)" \
	"$(cat /sys/kernel/uploadcap/state 2>&1)" armed
check_eq "no WARNING, BUG or Oops in the kernel log" \
	"$(dmesg | grep -cE 'WARNING:|BUG:|Oops|lockdep')" 0
done_testing
