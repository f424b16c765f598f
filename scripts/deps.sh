#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the Debian 12 packages xdhcpd needs to build, test and demo,
# when (and only when) some are missing.  Called by make; safe to rerun.
set -eu

PKGS="clang libclang-rt-14-dev llvm make gcc pkg-config libbpf-dev libelf-dev zlib1g-dev bpftool mandoc \
linux-libc-dev libcmocka-dev uthash-dev libcap-dev libjson-c-dev iproute2 busybox isc-dhcp-client \
dhcpcd-base tcpdump procps python3 util-linux systemd prometheus qemu-system-x86 linux-image-cloud-amd64 cpio \
clang-tidy cppcheck"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing (run 'sudo make deps')" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Some packages (prometheus) start a service when installed: a test
# machine gets the tool, never the daemon.  policy-rc.d refuses service
# starts for the duration of the install, and is removed after it.
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	guard=1
fi
trap '[ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d' EXIT
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
