#!/usr/bin/env bash
# Install, with apt-get, exactly the Debian packages that uploadcap's build,
# tests and demo need. Idempotent: does nothing when everything is present.
set -euo pipefail

# Build: BPF object, skeleton, uploadctl.
BUILD_PKGS=(make gcc pkg-config clang llvm libbpf-dev bpftool libelf-dev
	zlib1g-dev libmnl-dev libjson-c-dev)
# Tests and demo: namespaces, veth, traffic.
TEST_PKGS=(iproute2 util-linux iperf3 procps jq libseccomp-dev)

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

installed() {
	dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'
}

missing=()
for p in "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"; do
	installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all packages present"
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
