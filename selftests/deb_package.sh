#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages `make deb` builds (make check builds them): their
# contents here, then, in a VM booted with systemd on the oldest VM
# kernel, install (DKMS builds the module), start, use, upgrade to the
# next version (DKMS builds it again) and purge (selftests/deb_guest.sh).
. "$(dirname "$0")/lib.sh"
ucap_test_init

VERSION=$(make -s -C "$TOP" print-version)
DEBS=$BUILD/deb
ctl=$(compgen -G "$DEBS/uploadcap_${VERSION}_*.deb" | head -n1)
dkms_deb=$DEBS/uploadcap-dkms_${VERSION}_all.deb
check "uploadcap_${VERSION}_*.deb built (make deb)" test -f "$ctl"
check "uploadcap-dkms_${VERSION}_all.deb built" test -f "$dkms_deb"

contents() { dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./|/|'; }
c=$(contents "$ctl")
for f in /usr/sbin/uploadctl /lib/systemd/system/uploadcap-load.service \
	/lib/systemd/system/uploadcap-agent.service /lib/modprobe.d/uploadcap.conf \
	/usr/share/man/man8/uploadctl.8.gz /usr/share/man/man4/uploadcap.4.gz \
	/usr/share/bash-completion/completions/uploadctl /etc/uploadcap/uploadcap.conf \
	/usr/share/uploadcap/prometheus/uploadcap.rules.yml; do
	check "uploadcap ships $f" grep -qx "$f" <<<"$c"
done
check_eq "the configuration is a conffile" \
	"$(dpkg-deb -f "$ctl" Package >/dev/null && dpkg-deb --ctrl-tarfile "$ctl" | tar -xO ./conffiles)" \
	/etc/uploadcap/uploadcap.conf
c=$(contents "$dkms_deb")
for f in Kbuild dkms.conf VERSION kmod/main.c kmod/hook.c kmod/ucap_kmod.h kmod/ucap_arith.h kmod/ucap_sysfs_abi.h kmod/ucap_log_abi.h; do
	check "uploadcap-dkms ships /usr/src/uploadcap-$VERSION/$f" grep -qx "/usr/src/uploadcap-$VERSION/$f" <<<"$c"
done
check_eq "uploadcap-dkms depends on dkms" "$(dpkg-deb -f "$dkms_deb" Depends | grep -o 'dkms')" dkms
check_eq "uploadcap-dkms is in section kernel" "$(dpkg-deb -f "$dkms_deb" Section)" kernel
check_eq "uploadcap recommends signed modules, or DKMS" "$(dpkg-deb -f "$ctl" Recommends)" \
	"uploadcap-modules | uploadcap-dkms"
for d in README.md operations.md design.md testing.md performance.md threat-model.md; do
	check "every doc is installed: $d" \
		grep -qx "/usr/share/doc/uploadcap/$d" <<<"$(contents "$ctl")"
done

# lintian, Debian's own review: no error, no warning.
command -v lintian >/dev/null || bail "lintian is not installed (scripts/install-deps.sh)"
check_run "lintian: no error or warning" 0 "" \
	bash -c "lintian --fail-on error,warning --suppress-tags running-with-root-privileges '$ctl' '$dkms_deb' 2>&1 | grep -E '^[EW]: ' && exit 1 || exit 0"
check "fortified: _FORTIFY_SOURCE reached the compiler" grep -q -- "-D_FORTIFY_SOURCE=2 .* -c userspace/agent.c" "$DEBS/build.log"

# The next version with a Debian revision (0.1.1-1 after 0.1.0), built
# from this tree: the module keeps the upstream version, and the VM
# upgrades to it.
NEXT=${VERSION%.*}.$((${VERSION##*.} + 1))
# Under build/: the VM sees the tree, not the host's /tmp.
REV=$(mktemp -d "$BUILD/deb-next.XXXXXX")
T_CLEANUP+=("rm -rf '$REV'")
cp -a "$DEBS/uploadcap-$VERSION" "$REV/uploadcap-$NEXT"
{
	printf 'uploadcap (%s-1) unstable; urgency=medium\n\n  * The next version, for the upgrade test.\n\n' "$NEXT"
	printf ' -- uploadcap developers <uploadcap@example.invalid>  Mon, 23 Nov 2026 12:00:00 +0000\n\n'
	cat "$DEBS/uploadcap-$VERSION/debian/changelog"
} >"$REV/uploadcap-$NEXT/debian/changelog"
check_run "the next version with a Debian revision builds ($NEXT-1)" 0 "" \
	bash -c "cd '$REV/uploadcap-$NEXT' && rm -rf build && dpkg-buildpackage -b -us -uc >'$REV/log' 2>&1 || { tail -n 20 '$REV/log'; exit 1; }"
check "its dkms package ships uploadcap-$NEXT, not $NEXT-1" \
	grep -qx "/usr/src/uploadcap-$NEXT/dkms.conf" <<<"$(contents "$REV/uploadcap-dkms_${NEXT}-1_all.deb")"
check_eq "and its uploadctl says $NEXT" \
	"$(dpkg-deb --fsys-tarfile "$REV/uploadcap_${NEXT}-1_"*.deb | tar -xO ./usr/sbin/uploadctl | strings | grep -c "^$NEXT\$")" 1
# An upgrade must not stop the agent for good (debhelper's --no-start
# alone stops it in preinst and starts nothing), nor run the load unit
# again (its module stays loaded).
scripts() { dpkg-deb --ctrl-tarfile "$1" | tar -xO "./$2" 2>/dev/null; }
check_eq "preinst stops no unit" "$(scripts "$ctl" preinst | grep -c 'deb-systemd-invoke stop')" 0
check "postinst try-restarts the agent on upgrade" \
	grep -q "deb-systemd-invoke try-restart 'uploadcap-agent.service'" <<<"$(scripts "$ctl" postinst)"
check_eq "and never the load unit" "$(scripts "$ctl" postinst | grep -c "invoke.*uploadcap-load")" 0
check "prerm stops the agent on removal" \
	grep -q "deb-systemd-invoke stop uploadcap-agent.service" <<<"$(scripts "$ctl" prerm)"
mkdir -p "$REV/next"
mv "$REV"/*.deb "$REV/next/"

# The oldest VM kernel: its modules are not compressed, and depmod (run
# by DKMS at install and purge) reads them all, which is minutes faster
# under emulation than decompressing 6.12's.
krel=$(compgen -G "$TOP/build/kmod/*/uploadcap.ko" |
	sed 's|.*/build/kmod/\(.*\)/uploadcap.ko|\1|' | sort -V | head -n1)
[ -n "$krel" ] || bail "no VM kernel (make modules)"
diag "install, start, upgrade and purge in a VM with systemd ($krel)"
OUT=$(mktemp)
T_CLEANUP+=("rm -f '$OUT'")
"$TOP/scripts/vmtest.sh" -S -k "$krel" -t 1500 -- "$TOP/selftests/deb_guest.sh" "$DEBS" "$REV/next" >"$OUT" 2>&1
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
