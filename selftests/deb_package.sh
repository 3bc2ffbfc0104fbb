#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages `make deb` builds (make check builds them): their
# contents here, then, in a VM booted with systemd on the oldest VM
# kernel, install (DKMS builds the module), start, use and purge
# (selftests/deb_guest.sh).
. "$(dirname "$0")/lib.sh"
ucap_test_init

VERSION=$(sed -n 's/^VERSION[[:space:]]*:= *//p' "$TOP/Makefile")
DEBS=$BUILD/deb
ctl=$(ls "$DEBS"/uploadcap_"$VERSION"_*.deb 2>/dev/null | head -n1)
dkms_deb=$DEBS/uploadcap-dkms_${VERSION}_all.deb
check "uploadcap_${VERSION}_*.deb built (make deb)" test -f "$ctl"
check "uploadcap-dkms_${VERSION}_all.deb built" test -f "$dkms_deb"

contents() { dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./|/|'; }
c=$(contents "$ctl")
for f in /usr/sbin/uploadctl /lib/systemd/system/uploadcap-load.service \
	/lib/systemd/system/uploadcap-agent.service /lib/modprobe.d/uploadcap.conf \
	/usr/share/man/man8/uploadctl.8.gz /usr/share/man/man4/uploadcap.4.gz \
	/usr/share/bash-completion/completions/uploadctl /etc/uploadcap/uploadcap.conf; do
	check "uploadcap ships $f" grep -qx "$f" <<<"$c"
done
check_eq "the configuration is a conffile" \
	"$(dpkg-deb -f "$ctl" Package >/dev/null && dpkg-deb --ctrl-tarfile "$ctl" | tar -xO ./conffiles)" \
	/etc/uploadcap/uploadcap.conf
c=$(contents "$dkms_deb")
for f in Kbuild dkms.conf kmod/main.c kmod/hook.c kmod/uploadcap.h; do
	check "uploadcap-dkms ships /usr/src/uploadcap-$VERSION/$f" grep -qx "/usr/src/uploadcap-$VERSION/$f" <<<"$c"
done
check_eq "uploadcap-dkms depends on dkms" "$(dpkg-deb -f "$dkms_deb" Depends | grep -o 'dkms')" dkms

# The oldest VM kernel: its modules are not compressed, and depmod (run
# by DKMS at install and purge) reads them all, which is minutes faster
# under emulation than decompressing 6.12's.
krel=$(ls -d "$TOP"/build/kmod/*/uploadcap.ko 2>/dev/null |
	sed 's|.*/build/kmod/\(.*\)/uploadcap.ko|\1|' | sort -V | head -n1)
[ -n "$krel" ] || bail "no VM kernel (make modules)"
diag "install, start and purge in a VM with systemd ($krel)"
OUT=$(mktemp)
T_CLEANUP+=("rm -f '$OUT'")
"$TOP/scripts/vmtest.sh" -S -k "$krel" -t 900 -- "$TOP/selftests/deb_guest.sh" "$DEBS" >"$OUT" 2>&1
st=$?
while IFS= read -r line; do
	if [[ $line =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then
		ok "in the VM: ${BASH_REMATCH[1]}"
	elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then
		not_ok "in the VM: ${BASH_REMATCH[1]}"
	elif ! [[ $line =~ ^1\.\.[0-9]+$ ]]; then
		echo "# $line"
	fi
done <"$OUT"
[ "$st" -eq 0 ] || not_ok "the VM run ended with status $st"
done_testing
