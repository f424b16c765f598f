#!/bin/bash
# SPDX-License-Identifier: MIT
# Build the test VM's initramfs: tests/vm/mkinitramfs.sh BUILD_DIR
#
# Output, in BUILD_DIR/vm/:
#   initramfs.cpio.gz  busybox, its shared libraries (none when it is
#                      static), the virtio-net and virtio-pci modules with
#                      their dependencies, /init (tests/vm/init) and
#                      /udhcpc.sh (tests/vm/udhcpc.sh)
#   vmlinuz            symlink to the matching Debian cloud kernel image
#   kernel-version     its version (the /lib/modules directory used)
# Rebuilt only when an input changed (this script, init, udhcpc.sh,
# busybox, the kernel or the modules): a fingerprint of all of them is kept
# in initramfs.stamp.  The kernel is the newest /boot/vmlinuz-*-cloud-amd64
# (package linux-image-cloud-amd64) that has a modules directory, or
# $XDHCP_VM_KVER.  Exit 77 when no such kernel or busybox is installed.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$1/vm
# The modules the guest needs; their dependencies come from modules.dep.
WANT="virtio_pci virtio_net"

kver=${XDHCP_VM_KVER:-}
if [ -z "$kver" ]; then
	for v in $(printf '%s\n' /boot/vmlinuz-*-cloud-amd64 | sed 's|^/boot/vmlinuz-||' | sort -V -r); do
		if [ -f "/lib/modules/$v/modules.dep" ]; then kver=$v; break; fi
	done
fi
[ -n "$kver" ] || { echo "mkinitramfs: no /boot/vmlinuz-*-cloud-amd64 with modules (linux-image-cloud-amd64)"; exit 77; }
kernel=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
if [ ! -r "$kernel" ] || [ ! -f "$moddir/modules.dep" ]; then
	echo "mkinitramfs: kernel $kver incomplete"
	exit 77
fi
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "mkinitramfs: no busybox"; exit 77; }
busybox=$(readlink -f "$busybox")

# Module order: depth-first over modules.dep, dependencies first, each once.
# Built-in ones (modules.builtin) need nothing.  Prints "name path" lines.
declare -A seen=()
order=()
resolve() { # module name (dashes or underscores)
	local name=${1//-/_} line path dep
	[ -z "${seen[$name]:-}" ] || return 0
	seen[$name]=1
	line=$(grep -E "(^|/)(${name}|${name//_/-})\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | head -n 1 || true)
	if [ -z "$line" ]; then
		grep -Eq "(^|/)(${name}|${name//_/-})\.ko$" "$moddir/modules.builtin" 2>/dev/null && return 0
		echo "mkinitramfs: module $name not in $moddir" >&2
		exit 1
	fi
	path=${line%%:*}
	for dep in ${line#*:}; do
		dep=$(basename "$dep")
		resolve "${dep%%.ko*}"
	done
	order+=("$name $moddir/$path")
}
for m in $WANT; do resolve "$m"; done

# Shared libraries of busybox (Debian's "busybox" is dynamic, busybox-static
# is not; either works).
mapfile -t libs < <(ldd "$busybox" 2>/dev/null | grep -o '/[^ ]*' | sort -u || true)

# Fingerprint of every input.
stamp=$(
	{
		echo "kver $kver"
		sha256sum "${BASH_SOURCE[0]}" "$HERE/init" "$HERE/udhcpc.sh" "$busybox" "$kernel"
		for e in "${order[@]}"; do sha256sum "${e#* }"; done
		for l in "${libs[@]}"; do sha256sum "$(readlink -f "$l")"; done
	} | sha256sum | cut -d' ' -f1
)
if [ -f "$OUT/initramfs.cpio.gz" ] && [ "$(cat "$OUT/initramfs.stamp" 2>/dev/null)" = "$stamp" ] &&
	[ "$(readlink "$OUT/vmlinuz" 2>/dev/null)" = "$kernel" ]; then
	exit 0
fi

mkdir -p "$OUT"
stage=$(mktemp -d "$OUT/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,run,tmp,modules}
install -m 0755 "$busybox" "$stage/bin/busybox"
for a in $("$busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
done
for l in "${libs[@]}"; do
	mkdir -p "$stage$(dirname "$l")"
	cp -L "$l" "$stage$l"
done
# The kernel opens /dev/console for init before devtmpfs is mounted.
mknod -m 600 "$stage/dev/console" c 5 1
install -m 0755 "$HERE/init" "$stage/init"
install -m 0755 "$HERE/udhcpc.sh" "$stage/udhcpc.sh"
# busybox insmod reads plain .ko files: decompress the compressed ones.
: >"$stage/modules/order"
for e in "${order[@]}"; do
	name=${e%% *} path=${e#* }
	case $path in
	*.ko) cp "$path" "$stage/modules/$name.ko" ;;
	*.ko.xz) xz -dc "$path" >"$stage/modules/$name.ko" ;;
	*.ko.zst) zstd -qdc "$path" >"$stage/modules/$name.ko" ;;
	*.ko.gz) gzip -dc "$path" >"$stage/modules/$name.ko" ;;
	*) echo "mkinitramfs: unknown module format $path" >&2; exit 1 ;;
	esac
	echo "$name" >>"$stage/modules/order"
done
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -n -6 >"$OUT/initramfs.cpio.gz.tmp"
mv -f "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
ln -sfn "$kernel" "$OUT/vmlinuz"
echo "$kver" >"$OUT/kernel-version"
echo "$stamp" >"$OUT/initramfs.stamp"
echo "mkinitramfs: $OUT/initramfs.cpio.gz for $kver (modules: $(tr '\n' ' ' <"$stage/modules/order"))"
