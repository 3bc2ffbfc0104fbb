#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mkinitramfs.sh KERNEL_RELEASE OUT: a tiny initramfs for the test VM:
# busybox, the modules that mount this machine's root over 9p (virtio PCI,
# 9p and what they depend on, in dependency order, decompressed; overlay
# for vmtest.sh -S), and
# scripts/vm/init. Modules built into the kernel are skipped.
set -euo pipefail

krel=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
[ -d "/lib/modules/$krel" ] || { echo "mkinitramfs: no /lib/modules/$krel" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,newroot,modules}
cp /usr/bin/busybox "$work/bin/busybox"
cp "$here/init" "$work/init"
chmod 0755 "$work/init"

# Depth-first over `depends`, so every module follows what it needs.
order=()
declare -A seen=()
visit() {
	local m=$1 dep path
	[ -n "${seen[$m]:-}" ] && return
	seen[$m]=1
	path=$(modinfo -k "$krel" -n "$m" 2>/dev/null) || return 0
	case $path in /*) ;; *) return 0 ;; esac	# built in
	for dep in $(modinfo -k "$krel" -F depends "$m" | tr ',' ' '); do
		visit "$dep"
	done
	order+=("$m:$path")
}
for m in virtio_pci 9pnet_virtio 9p overlay; do visit "$m"; done

: >"$work/modules/order"
for entry in "${order[@]}"; do
	name=${entry%%:*}
	path=${entry#*:}
	case $path in
	*.ko.xz) xz -dc "$path" >"$work/modules/$name.ko" ;;
	*.ko.zst) zstd -dc "$path" >"$work/modules/$name.ko" ;;
	*.ko.gz) gzip -dc "$path" >"$work/modules/$name.ko" ;;
	*) cp "$path" "$work/modules/$name.ko" ;;
	esac
	echo "$name" >>"$work/modules/order"
done

mkdir -p "$(dirname "$out")"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
