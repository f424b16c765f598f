#!/bin/sh
# SPDX-License-Identifier: MIT
# Debian packages `make bench` needs on top of scripts/deps.sh: the servers
# compared with xdhcpd (Kea, dnsmasq), perfdhcp (kea-admin), gnuplot for the
# plot.  Installed only when missing; safe to rerun.
#
# Debian starts a package's service when it is installed.  No service may
# start on the host: apt-get runs under a policy-rc.d that returns 101
# ("action forbidden") for every service, installed for the duration of the
# install when the host has none and removed afterwards.  The benchmark
# runs its own server processes, in namespaces, with generated configs.
set -eu

PKGS="kea-dhcp4-server kea-admin dnsmasq-base gnuplot-nox procps iproute2 python3"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "bench deps: missing Debian packages:$missing (run 'sudo make bench')" >&2
	exit 1
fi

POLICY=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$POLICY" ]; then
	printf '#!/bin/sh\n# xdhcpd bench: no service starts during this install\nexit 101\n' >"$POLICY"
	chmod 755 "$POLICY"
	own_policy=1
fi
cleanup() {
	[ "$own_policy" = 1 ] && rm -f "$POLICY"
	return 0
}
trap cleanup EXIT INT TERM

echo "bench deps: installing$missing (services kept stopped by $POLICY)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
