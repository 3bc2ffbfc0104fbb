#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install, with apt-get, exactly the Debian packages that uploadcap's build,
# tests and demo need. Idempotent: does nothing when everything is present.
#
# On Debian 12 (bookworm) the VM tests boot two kernels: bookworm's 6.1
# (linux-image-amd64) and 6.12 from bookworm-backports, whose suite this
# script adds to the apt sources (same mirror, same keyring) when missing.
set -euo pipefail

# Build: BPF object, skeleton, uploadctl, uploadcap.ko (W=1, sparse).
BUILD_PKGS=(make gcc pkg-config clang libclang-rt-dev llvm libbpf-dev bpftool libelf-dev
	zlib1g-dev libmnl-dev libjson-c-dev libssl-dev libkmod-dev libsystemd-dev sparse)
# The meter's tcx attachment (kernels >= 6.6) is built with libbpf >= 1.3,
# the uapi headers of Linux >= 6.6 and a bpftool that knows tcx: on
# bookworm these come from bookworm-backports (libbpf 1.4, bpftool 7.5,
# linux-libc-dev 6.12). "package minimum-version" each.
BPF_MIN=("libbpf-dev 1:1.3" "bpftool 7.3" "linux-libc-dev 6.6")
# Tests, demo, bench: namespaces, veth, traffic, JSON, the no-BPF wrapper,
# nftables (the benchmark compares against its netdev egress quota),
# ethtool (whether a device does TSO: module_audit.sh), rsyslog (the real
# collector verify-log reads: verify_log_rsyslog.sh), zstd and English
# prose Debian ships (debian-policy's policy.txt: plan's default bits per
# token, measured in plan_cli.sh).
TEST_PKGS=(iproute2 util-linux iperf3 procps jq libseccomp-dev kmod nftables ethtool rsyslog
	zstd debian-policy)
# Packaging and host integration: DKMS, the Debian packages, the man pages
# (rendered with groff -ww), bash completion, units checked with
# systemd-analyze, Prometheus output checked with a real parser, the
# alert rules with promtool (from prometheus: only promtool is wanted,
# its server is stopped and disabled if the install started it).
PKG_PKGS=(dkms dh-dkms debhelper dpkg-dev fakeroot groff-base man-db bash-completion systemd
	python3-prometheus-client lintian prometheus)
# The VM: QEMU, a busybox initramfs, and the kernels with their headers.
VM_PKGS=(qemu-system-x86 busybox-static cpio xz-utils linux-image-amd64
	linux-headers-amd64)
# The TPM anchor: a software TPM 2.0 that QEMU attaches (swtpm), the TSS
# that `uploadctl tpm` is built on (ESAPI), and tpm2-tools, with which the
# tests try, as root would, to undefine the anchor and clear the TPM.
TPM_PKGS=(swtpm swtpm-tools libtss2-dev tpm2-tools)
# make lint: shellcheck, and the kernel's own checkpatch.pl, taken from
# Debian's kernel source package (linux-source: the source tarball in
# /usr/src) and extracted, with the files it reads, to CHECKPATCH_DIR,
# outside the tree.
LINT_PKGS=(shellcheck linux-source)
CHECKPATCH_DIR=/usr/local/share/uploadcap/checkpatch
BACKPORTS_LIST=/etc/apt/sources.list.d/uploadcap-backports.sources

die() { echo "install-deps: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (apt-get installs packages)"
[ -r /etc/os-release ] || die "cannot read /etc/os-release: only Debian and Ubuntu are supported"
# shellcheck disable=SC1091
. /etc/os-release
case " ${ID:-} ${ID_LIKE:-} " in
*" debian "* | *" ubuntu "*) ;;
*) die "this is ${PRETTY_NAME:-an unknown system}: only Debian and Ubuntu are supported" ;;
esac
command -v apt-get >/dev/null || die "apt-get not found"
export DEBIAN_FRONTEND=noninteractive

installed() {
	dpkg-query -W -f='${db:Status-Abbrev}\n' "$@" 2>/dev/null | grep -q '^ii'
}

missing=()
for p in "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}" "${PKG_PKGS[@]}" "${VM_PKGS[@]}" "${TPM_PKGS[@]}" \
	"${LINT_PKGS[@]}"; do
	installed "$p" || missing+=("$p")
done

# The second kernel line: a 6.12 image and its headers, from backports.
need_612=
if [ "${VERSION_CODENAME:-}" = bookworm ] &&
	! { installed 'linux-image-6.12.*-amd64' && installed 'linux-headers-6.12.*-amd64'; }; then
	need_612=1
fi

at_least() {
	local v
	v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null) && [ -n "$v" ] &&
		dpkg --compare-versions "$v" ge "$2"
}
old_bpf=()
for pv in "${BPF_MIN[@]}"; do
	at_least "${pv% *}" "${pv#* }" || old_bpf+=("${pv% *}")
done

# checkpatch.pl and its data files, from the newest kernel source tarball.
extract_checkpatch() {
	local tarball top
	[ -x "$CHECKPATCH_DIR/checkpatch.pl" ] && return 0
	tarball=$(compgen -G '/usr/src/linux-source-*.tar.xz' | sort -V | tail -n1)
	[ -n "$tarball" ] || die "linux-source installed no /usr/src/linux-source-*.tar.xz"
	top=$(basename "$tarball" .tar.xz)
	echo "install-deps: extracting checkpatch.pl from $tarball to $CHECKPATCH_DIR"
	mkdir -p "$CHECKPATCH_DIR"
	tar -xJf "$tarball" -C "$CHECKPATCH_DIR" --strip-components=2 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch" ||
		die "extract checkpatch.pl from $tarball"
	[ -x "$CHECKPATCH_DIR/checkpatch.pl" ] || die "no checkpatch.pl in $tarball"
}

if [ ${#missing[@]} -eq 0 ] && [ -z "$need_612" ] && [ ${#old_bpf[@]} -eq 0 ]; then
	extract_checkpatch
	echo "install-deps: all packages present"
	exit 0
fi

need_bpo=$need_612
[ ${#old_bpf[@]} -gt 0 ] && [ "${VERSION_CODENAME:-}" = bookworm ] && need_bpo=1
if [ -n "$need_bpo" ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	echo "install-deps: adding bookworm-backports to $BACKPORTS_LIST"
	cat >"$BACKPORTS_LIST" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi

apt-get update -q
if [ -n "$need_612" ]; then
	# The metapackage names the versioned packages of the current 6.12.
	img=$(apt-cache depends -t bookworm-backports linux-image-amd64 |
		sed -n 's/^ *Depends: \(linux-image-6\.12\.[^ ]*-amd64\)$/\1/p' | head -n1)
	[ -n "$img" ] || die "bookworm-backports offers no linux-image-6.12.*-amd64"
	missing+=("$img" "linux-headers-${img#linux-image-}")
fi
prometheus_was=$(installed prometheus && echo yes || echo no)
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if [ ${#old_bpf[@]} -gt 0 ]; then
	[ "${VERSION_CODENAME:-}" = bookworm ] ||
		die "${old_bpf[*]}: too old for tcx (need ${BPF_MIN[*]})"
	echo "install-deps: from bookworm-backports: ${old_bpf[*]}"
	apt-get install -y -q --no-install-recommends -t bookworm-backports "${old_bpf[@]}"
	for pv in "${BPF_MIN[@]}"; do
		at_least "${pv% *}" "${pv#* }" || die "${pv% *} is still older than ${pv#* }"
	done
fi
if [ "$prometheus_was" = no ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
	systemctl disable --now prometheus.service >/dev/null 2>&1 || true
fi
extract_checkpatch
