#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write a lease store holding N leases, in the format of one server, so
that every server starts the renewal scenarios with the same clients:
client i has MAC 02:42:<i as 4 bytes> and address POOL_BASE + i (the
load generator derives both from the xid of each reply, see loadgen.h).

  leases.py --format xdhcpd|kea|dnsmasq --count N --pool-base IP
            --lease-time S --out FILE
"""
import argparse
import ipaddress
import time
import zlib


def mac(i):
    return "02:42:%02x:%02x:%02x:%02x" % (i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--format", required=True, choices=["xdhcpd", "kea", "dnsmasq"])
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--pool-base", required=True)
    ap.add_argument("--lease-time", type=int, default=86400)
    ap.add_argument("--subnet-id", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    base = int(ipaddress.IPv4Address(a.pool_base))
    now = int(time.time())
    expires = now + a.lease_time
    out = []
    if a.format == "xdhcpd":
        # user/lease_store.c: OP ADDRESS KEY EXPIRES LEASE_TIME HOSTNAME crc=CRC32
        out.append("# xdhcpd leases v1: OP ADDRESS KEY EXPIRES LEASE_TIME HOSTNAME crc=CRC32\n")
        for i in range(a.count):
            line = "grant %s mac:%s %d %d -" % (ipaddress.IPv4Address(base + i), mac(i),
                                               expires, a.lease_time)
            out.append("%s crc=%08x\n" % (line, zlib.crc32(line.encode()) & 0xffffffff))
    elif a.format == "kea":
        # Kea 2.2 memfile, lease4 CSV schema 2.0.
        out.append("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,"
                   "fqdn_rev,hostname,state,user_context\n")
        for i in range(a.count):
            out.append("%s,%s,,%d,%d,%d,0,0,,0,\n" % (ipaddress.IPv4Address(base + i), mac(i),
                                                      a.lease_time, expires, a.subnet_id))
    else:
        # dnsmasq: EXPIRY MAC IP HOSTNAME CLIENT-ID
        for i in range(a.count):
            out.append("%d %s %s * *\n" % (expires, mac(i), ipaddress.IPv4Address(base + i)))
    with open(a.out, "w") as f:
        f.writelines(out)


if __name__ == "__main__":
    main()
