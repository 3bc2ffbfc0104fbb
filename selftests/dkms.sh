#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# DKMS: the sources `make install-dkms` ships are added, built and
# installed by dkms for every kernel the VM tests boot, against that
# kernel's headers, in trees of this test's own (--dkmstree, --sourcetree,
# --installtree; no depmod, signing key of its own): nothing of this
# machine's /var/lib/dkms or /lib/modules changes. The module dkms built
# is for that kernel (vermagic) and has uploadcap's parameters; and it
# loads in the VM (selftests/module_basic.sh covers loading the same
# sources; here the point is the DKMS recipe).
. "$(dirname "$0")/lib.sh"
ucap_test_init

command -v dkms >/dev/null || bail "dkms is not installed (scripts/install-deps.sh)"
D=$(mktemp -d)
T_CLEANUP+=("rm -rf '$D'")
VERSION=$(make -s -C "$TOP" print-version)
check "make install-dkms" make -s -C "$TOP" install-dkms DESTDIR="$D/root"
SRC=$D/root/usr/src
check_eq "dkms.conf names the version" \
	"$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$SRC/uploadcap-$VERSION/dkms.conf")" "$VERSION"
check_eq "the sources: Kbuild, VERSION and every kmod file" \
	"$(cd "$SRC/uploadcap-$VERSION" && find . -type f | sort | tr '\n' ' ')" \
	"$(cd "$TOP" && { echo ./Kbuild; echo ./dkms.conf; echo ./VERSION; printf './%s\n' kmod/*.c kmod/*.h; } | sort | tr '\n' ' ')"
check_eq "VERSION is the one version" "$(cat "$SRC/uploadcap-$VERSION/VERSION")" "$VERSION"

# Signing (Debian's kernels enforce nothing for out-of-tree modules, but
# dkms signs where it can): with a key made here, not /var/lib/dkms's.
export mok_signing_key=$D/mok.key mok_certificate=$D/mok.pub
dk() { dkms "$@" --dkmstree "$D/dkms" --sourcetree "$SRC" --installtree "$D/install" \
	-m uploadcap -v "$VERSION"; }
mkdir -p "$D/dkms" "$D/install"
check_run "dkms add" 0 "" dk add
# The kernels the VM tests boot: those make modules built uploadcap.ko for.
kernels=$(compgen -G "$TOP/build/kmod/*/uploadcap.ko" | sed 's|.*/build/kmod/\(.*\)/uploadcap.ko|\1|')
system_dkms=$(find /var/lib/dkms /lib/modules/*/updates -newer "$TOP/Makefile" 2>/dev/null | wc -l)
n=0
# The parameters the sources declare: what the built module must carry.
PARAMS=$(grep -ho 'module_param([a-z_]*' "$TOP"/kmod/*.c | sed 's/.*(//' | sort | tr '\n' ' ')
for k in $kernels; do
	[ -f "/lib/modules/$k/build/Makefile" ] || continue
	n=$((n + 1))
	check_run "dkms build for $k" 0 "" dk build -k "$k" --kernelsourcedir "/lib/modules/$k/build"
	[ -d "$D/dkms/uploadcap/$VERSION/$k" ] ||
		tail -n 20 "$D/dkms/uploadcap/$VERSION/build/make.log" 2>/dev/null | sed 's/^/# /'
	# dkms installs only into a kernel's existing module tree.
	mkdir -p "$D/install/$k"
	check_run "dkms install for $k (no depmod)" 0 "" dk install -k "$k" --no-depmod
	ko=$(find "$D/install/$k" -name 'uploadcap.ko*' | head -n1)
	check "an installed uploadcap.ko for $k" test -n "$ko"
	check_eq "its vermagic is $k's" "$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)" "$k"
	check_eq "its parameters are uploadcap's" "$(modinfo -F parm "$ko" 2>/dev/null | cut -d: -f1 | sort | tr '\n' ' ')" \
		"$PARAMS"
	check_eq "signed with this test's key" "$(modinfo -F signer "$ko" 2>/dev/null)" "DKMS module signing key"
	check_eq "its MODULE_VERSION is the package's" "$(modinfo -F version "$ko" 2>/dev/null)" "$VERSION"
	check_run "dkms status says installed" 0 "uploadcap/$VERSION, ${k//+/\\+}, x86_64: installed" \
		dk status -k "$k"
done
check_ge "built for every VM kernel (6.1 and 6.12)" "$n" 2
check_run "dkms remove --all" 0 "" dk remove --all
check_eq "nothing left installed" "$(find "$D/install" -name 'uploadcap.ko*' | wc -l)" 0
check_eq "nothing of this machine's /var/lib/dkms or /lib/modules changed" \
	"$(find /var/lib/dkms /lib/modules/*/updates -newer "$TOP/Makefile" 2>/dev/null | wc -l)" "$system_dkms"
done_testing
