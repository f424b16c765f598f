#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn the results of scripts/bench/run.sh into the summary table (stdout),
docs/benchmarks.md and a gnuplot script for docs/benchmarks.png
(replies/s against offered rate, one line per server, renew and dora)."""
import argparse
import json
import os
import platform
import re
import subprocess

SERVERS = ["xdhcpd", "kea", "dnsmasq", "reflector"]
SCENARIOS = ["renew", "rebind", "initreboot", "dora", "mixed"]


def load_jsonl(path):
    out = []
    if path and os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


def load_json(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return {}


def best(rows):
    """Highest achieved rate with < 1 % loss (the generator's achieved send
    rate, which is the offered rate unless the generator fell short)."""
    ok = [r for r in rows if r["loss_pct"] < 1.0 and r["fails"] == 0]
    if not ok:
        return None
    return max(ok, key=lambda r: r["reply_rate"])


def fmt_rate(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return "%.2f M" % (v / 1e6)
    if v >= 1e4:
        return "%.0f k" % (v / 1e3)
    if v >= 1e3:
        return "%.1f k" % (v / 1e3)
    return "%.0f" % v


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    hyp = ""
    try:
        hyp = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        hyp = [l.split(":", 1)[1].strip() for l in hyp.splitlines() if l.startswith("Hypervisor vendor")]
        hyp = (" (%s guest)" % hyp[0]) if hyp else ""
    except OSError:
        hyp = ""

    def ver(cmd):
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            return (r.stdout or r.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"
    return {
        "cpu": "%d x %s%s" % (os.cpu_count(), cpu, hyp),
        "mem": "%.0f GiB" % mem,
        "kernel": platform.release(),
        "os": (open("/etc/debian_version").read().strip() if os.path.exists("/etc/debian_version") else "?"),
        "kea": ver(["kea-dhcp4", "-v"]),
        "dnsmasq": ver(["dnsmasq", "--version"]).replace("Dnsmasq version ", ""),
        "clang": ver(["clang", "--version"]),
        "perfdhcp": (re.findall(r"\d+\.\d+\.\d+", ver(["perfdhcp", "-v"])) or ["?"])[0],
    }


def main():
    ap = argparse.ArgumentParser()
    for a in ("results", "micro", "fillmap", "perfdhcp", "scale", "taps", "command",
              "out_md", "out_dir", "load0", "load1"):
        ap.add_argument("--" + a.replace("_", "-"), default="")
    ap.add_argument("--clients", type=int, default=0)
    ap.add_argument("--seconds", type=int, default=0)
    a = ap.parse_args()

    res = load_jsonl(a.results)
    micro = load_json(a.micro)
    scale = load_json(a.scale)
    taps = load_json(a.taps)
    perf = load_jsonl(a.perfdhcp)
    fill = open(a.fillmap).read().strip() if a.fillmap and os.path.exists(a.fillmap) else ""
    m = machine()

    by = {}
    for r in res:
        by.setdefault((r["server"], r["scenario"]), []).append(r)
    # The generator's batch, as loadgen recorded it (one value, or a list).
    batches = sorted({r["batch"] for r in res if "batch" in r})
    batch = "/".join(str(b) for b in batches) if batches else "64"
    summary = {}
    lines = []
    hdr = "| scenario | server | highest rate < 1 % loss (replies/s) | p50 µs | p99 µs | server CPU ms / 1000 replies | steps (offered → replies/s, loss %) |"
    lines.append(hdr)
    lines.append("|---|---|---|---|---|---|---|")
    for scen in SCENARIOS:
        for srv in SERVERS:
            rows = sorted(by.get((srv, scen), []), key=lambda r: r["offered"])
            if not rows:
                continue
            b = best(rows)
            summary[(srv, scen)] = b
            steps = ", ".join("%s→%s (%.1f)" % (fmt_rate(r["offered"]), fmt_rate(r["reply_rate"]),
                                                 r["loss_pct"]) for r in rows)
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                scen, srv, fmt_rate(b["reply_rate"]) if b else "none",
                ("%.1f" % b["p50_us"]) if b else "-", ("%.1f" % b["p99_us"]) if b else "-",
                ("%.3f" % b["cpu_ms_per_1000"]) if b and srv != "reflector" else "-", steps))
    table = "\n".join(lines)

    def ratio(s1, s2, scen):
        x, y = summary.get((s1, scen)), summary.get((s2, scen))
        if not x or not y or not y["reply_rate"]:
            return None
        return x["reply_rate"] / y["reply_rate"]

    def p99_at_half(srv, scen):
        rows = by.get((srv, scen), [])
        b = summary.get((srv, scen))
        if not rows or not b:
            return None
        half = b["reply_rate"] / 2
        cand = [r for r in rows if r["loss_pct"] < 1.0 and r["reply_rate"] <= half * 1.25]
        if not cand:
            return None
        return max(cand, key=lambda r: r["reply_rate"])

    targets = []

    def tgt(name, ok, measured):
        targets.append("| %s | %s | %s |" % (name, "met" if ok else ("**not met**" if ok is False else "n/a"), measured))

    for other, need in (("kea", 100), ("dnsmasq", 100)):
        r = ratio("xdhcpd", other, "renew")
        ceil = ratio("reflector", other, "renew")
        note = ""
        if r and ceil:
            # The reflector answers with no lookup, no reply to build and
            # no record: a server costing nothing would reach this.
            note = "; the XDP_TX reflector (a server that costs nothing) reaches %.0f×" % ceil
        tgt("renew ≥ %d× %s" % (need, other), None if r is None else r >= need,
            ("%.0f×" % r + note) if r else "no data")
    for other, need in (("kea", 3), ("dnsmasq", 5)):
        r = ratio("xdhcpd", other, "dora")
        tgt("dora ≥ %d× %s" % (need, other), None if r is None else r >= need,
            "%.2f×" % r if r else "no data")
    # The method: repeat >= 1e6 in one call, the request rebuilt
    # before each run (the *_hot cases); one call per request as well.
    cases = micro.get("cases", {})
    ack = cases.get("ack_udhcpc_hot", {}).get("ns")
    ack2 = cases.get("ack_dhclient_hot", {}).get("ns")
    tgt("≤ 100 ns per fast-path ACK", None if ack is None else max(ack, ack2 or 0) <= 100,
        "%.0f ns (udhcpc), %.0f ns (dhclient) in a hot loop; %.0f / %.0f ns one call per request"
        % (ack or 0, ack2 or 0, cases.get("ack_udhcpc", {}).get("ns", 0),
           cases.get("ack_dhclient", {}).get("ns", 0)))
    h = p99_at_half("xdhcpd", "renew")
    tgt("renew p99 ≤ 20 µs at half the peak rate", None if h is None else h["p99_us"] <= 20,
        ("p99 %.1f µs at %s replies/s" % (h["p99_us"], fmt_rate(h["reply_rate"]))) if h else "no data")
    per_lease = None
    if fill:
        try:
            per_lease = float(fill.split("bytes per lease")[0].split(",")[-1].strip())
        except ValueError:
            per_lease = None
    tgt("≤ 128 B kernel map memory per lease (1M leases)", None if per_lease is None else per_lease <= 128,
        "%.0f B" % per_lease if per_lease else "no data")
    rssl = scale.get("rss_per_lease")
    tgt("≤ 256 B daemon memory per lease", None if rssl is None else rssl <= 256,
        ("%.0f B (at %d leases)" % (rssl, scale.get("leases", 0))) if rssl is not None else "no data")
    st = scale.get("startup_s")
    ph, ph0 = scale.get("phases"), scale.get("phases0")
    if st is not None:
        # 1M leases do not fit 198.18.0.0/15.  The daemon logs its own
        # phases: the lease file read (per lease), the BPF load and
        # verification on another thread beside it (fixed), then map
        # fill, compaction and attach (per lease, less the empty daemon's
        # share).  1M = what came before the file, max(file x k, BPF
        # load), the rest x k, and the time outside the daemon's own
        # clock (exec, the readiness poll), each as measured at 131k.
        k = 1e6 / scale["leases"]
        per_1m_lin = st * 1e6 / scale["leases"]
        if ph and ph0:
            before = ph["total_s"] - max(ph["file_s"], ph["bpf_s"]) - ph["after_s"]
            outside = st - ph["total_s"]
            per_1m = (outside + before + max(ph0["file_s"] + (ph["file_s"] - ph0["file_s"]) * k, ph["bpf_s"])
                      + ph0["after_s"] + (ph["after_s"] - ph0["after_s"]) * k)
            how = ("%.2f s for %d leases (lease file %.2f s, BPF load %.2f s beside it, then %.2f s) → "
                   "%.2f s for 1M (the per-lease phases scaled; %.2f s scaling everything)"
                   % (st, scale["leases"], ph["file_s"], ph["bpf_s"], ph["after_s"], per_1m, per_1m_lin))
        else:
            per_1m = per_1m_lin
            how = "%.2f s for %d leases → %.1f s per 1M (linear)" % (st, scale["leases"], per_1m)
    tgt("start-up with 1M stored leases ≤ 2 s", None if st is None else per_1m <= 2,
        how if st is not None else "no data")
    at = taps.get("attach_s")
    tgt("1000 taps attached ≤ 5 s", None if at is None else (taps.get("ready") and at <= 5),
        ("%.2f s (%s), RSS %.0f MiB" % (at, "ready" if taps.get("ready") else "NOT ready", taps.get("rss_kib", 0) / 1024))
        if at is not None else "no data")
    ttable = "| target | status | measured |\n|---|---|---|\n" + "\n".join(targets)

    mtable = ""
    if micro:
        mt = ["| case | ns per run | raw per call | median raw |", "|---|---|---|---|"]
        for k, v in micro.get("cases", {}).items():
            mt.append("| %s | %.1f | %.1f | %d |" % (k, v["ns"], v["raw_ns"], v["p50_raw"]))
        mtable = "\n".join(mt)

    ptable = ""
    if perf:
        def num(v, f="%.0f"):
            return "-" if v is None else f % v
        pt = ["| server | DORA/s requested | DORA/s completed | exchange | sent | received "
              "| drops | avg delay ms |", "|---|---|---|---|---|---|---|---|"]
        for p in perf:
            rate = "%d/s" % p.get("rate", 0)
            got = num(p.get("dora_per_s"), "%.0f/s")
            exs = p.get("exchanges") or []
            for v in exs:
                pt.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    p["server"], rate, got, v.get("name", "?"), num(v.get("sent")), num(v.get("received")),
                    num(v.get("drops")), num(v.get("avg_delay_ms"), "%.3f")))
            if not exs:
                err = p.get("error") or "no statistics from perfdhcp"
                pt.append("| %s | %s | - | no result: %s | - | - | - | - |" % (
                    p["server"], rate, err.replace("|", "\\|")))
        ptable = "\n".join(pt)

    print(table)
    print()
    print(ttable)
    if mtable:
        print()
        print(mtable)

    # Plot: replies/s against offered rate, log-log, one line per server.
    os.makedirs(a.out_dir, exist_ok=True)
    plots = []
    for scen in ("renew", "dora"):
        for srv in ["reflector", "kea", "dnsmasq", "xdhcpd"]:  # xdhcpd drawn on top
            rows = sorted(by.get((srv, scen), []), key=lambda r: r["offered"])
            if not rows:
                continue
            fn = os.path.join(a.out_dir, "%s-%s.dat" % (srv, scen))
            with open(fn, "w") as f:
                for r in rows:
                    f.write("%f %f\n" % (r["send_rate"], r["reply_rate"]))
            plots.append((scen, srv, fn))
    gp = ['set terminal pngcairo size 1400,600 font "DejaVu Sans,10"',
          'set output "%s"' % os.path.join(a.out_dir, "benchmarks.png"),
          "set multiplot layout 1,2 title \"xdhcpd benchmark, %s, %s\"" % (m["cpu"].replace('"', ""), m["kernel"]),
          "set logscale xy", "set grid", "set key top left",
          'set xlabel "offered requests/s (achieved send rate)"', 'set ylabel "correct replies/s"',
          "set format x \"10^{%L}\"", "set format y \"10^{%L}\""]
    colors = {"xdhcpd": "#d62728", "kea": "#1f77b4", "dnsmasq": "#2ca02c", "reflector": "#7f7f7f"}
    for scen, title in (("renew", "renew (RENEWING, 10k clients holding leases)"),
                        ("dora", "dora (new clients, DISCOVER..ACK)")):
        gp.append('set title "%s"' % title)
        items = ['x title "ideal" with lines lc rgb "#bbbbbb" dt 2']
        for s, srv, fn in plots:
            if s == scen:
                items.append('"%s" using 1:2 title "%s" with linespoints lw %d pt 7 lc rgb "%s"' % (
                    fn, srv + (" (XDP\\\\_TX ceiling)" if srv == "reflector" else ""), 3 if srv == "xdhcpd" else 2, colors[srv]))
        gp.append("plot [50:5e6] [10:5e6] " + ", ".join(items))
    gp.append("unset multiplot")
    with open(os.path.join(a.out_dir, "plot.gp"), "w") as f:
        f.write("\n".join(gp) + "\n")

    md = []
    md.append("# Benchmarks\n")
    md.append("Generated by `%s` (scripts/bench/run.sh) in %d s. Every figure below comes from one run "
              "on one machine; servers ran one at a time on the same veth pair, with the same pool, "
              "lease time and options. Raw step results: `build/bench/results.jsonl`.\n" % (a.command, a.seconds))
    md.append("## Machine\n")
    md.append("- CPU: %s; memory %s\n- kernel %s, Debian %s, %s\n- Kea: kea-dhcp4 %s (memfile, persist on, "
              "raw sockets); dnsmasq %s\n- load average at start %s, at end %s (other work on the machine "
              "competes for the 2 CPUs; benchmark processes run at nice -20)\n" % (
                  m["cpu"], m["mem"], m["kernel"], m["os"], m["clang"], m["kea"], m["dnsmasq"], a.load0, a.load1))
    md.append("## Set-up\n")
    md.append(
        "- Two network namespaces joined by one veth pair; the server end holds 198.18.0.1/15. Pool "
        "198.18.1.0–198.19.255.254, lease time 86400 s, options router 198.18.0.1 and DNS 198.18.0.53, "
        "for all three servers.\n"
        "- Load: `build/bench/loadgen` (scripts/bench/loadgen.c, loadgen.bpf.c). `BPF_PROG_TEST_RUN` with "
        "`BPF_F_TEST_XDP_LIVE_FRAMES` runs `lg_gen` on the client end; it paces itself against the offered "
        "rate, rewrites the page-pool frame into the next request (client number, MAC 02:42:<n>, xid = "
        "base + sequence number, addresses, options) and returns `XDP_TX`, %s frames per batch (the kernel "
        "sends a batch once it is built: larger batches put the generator's own queueing into the "
        "latency). `lg_rx`, attached to the client "
        "end, checks every reply (xid of this run, chaddr and yiaddr of that xid's client, message type: a "
        "wrong or NAK reply is a failure), records latency from the send time stamped per xid, and turns "
        "each OFFER into the REQUEST of its DORA (`XDP_TX`).\n"
        "- %d clients hold leases for renew, rebind, init-reboot and mixed, loaded from a lease file in each "
        "server's own format (scripts/bench/leases.py). dora uses new clients; each step starts the server "
        "with fresh state. mixed sends one DISCOVER of a new client per 10 renewals.\n"
        "- Steps: 1–3 s each, rates stepping up until two consecutive steps lose ≥ 1 %%. Loss is counted "
        "against the frames sent. Server CPU: utime + stime of the server process "
        "(/proc/PID/stat) plus, for xdhcpd, the XDP program's run time (`BPF_ENABLE_STATS`). Run-time "
        "accounting adds two clock reads to every BPF program run on the machine (the generator's and "
        "receiver's too), so for renew, rebind and init-reboot it is off during the step and a 0.3 s probe "
        "at the same rate right after measures the XDP time per reply; dora and mixed keep it on.\n"
        "- Kea and dnsmasq get a pass-through XDP program on the server end (veth delivers `XDP_TX` "
        "frames only to a peer running XDP); dnsmasq gets permanent neighbour entries for the "
        "clients (it answers RENEWING clients by unicast through the ARP table). Neither Kea memfile nor "
        "dnsmasq syncs its lease file; xdhcpd `fdatasync`s each batch before its ACKs leave.\n"
        % (batch, a.clients))
    md.append("## Results\n")
    md.append(table + "\n")
    md.append("![replies/s against offered rate](benchmarks.png)\n")
    md.append("## Targets (issue 5)\n")
    md.append(ttable + "\n")
    if mtable:
        md.append("## XDP microbenchmark\n")
        md.append("`build/bench/xdpbench` (scripts/bench/xdpbench.c): `BPF_PROG_TEST_RUN` of `xdp_dhcp_rx` from "
                  "build/xdhcp.bpf.o, %d runs per case. A fast ACK rewrites the request in place, so ACK and NAK "
                  "run two ways. One request per call (the kernel copies it in afresh), the timer's fixed cost, "
                  "measured on a program that only returns `XDP_PASS` (%.1f ns), subtracted: each call starts "
                  "with caches disturbed by the system call. And `*_hot`, the issue's method: calls of "
                  "repeat %d, where a harness (scripts/bench/xdpbench.bpf.c) restores the request and clears "
                  "the renewal mark before each run and tail-calls the program. %d pairs of calls, each the "
                  "harness with a target that only returns `XDP_TX` (%.1f ns, median) and then with the "
                  "program, next to each other in time; the median of the pairs' differences is shown (the "
                  "harness's undoing of the reply's resize, a few ns, stays in). Punt and pass also run "
                  "8192 repeats per call.\n"
                  % (micro.get("runs", 0), micro.get("baseline_ns", 0), micro.get("runs", 0), 9,
                     micro.get("hot_harness_ns", 0)))
        md.append(mtable + "\n")
    md.append("## Scale\n")
    if fill:
        md.append("- Lease map, 1M leases inserted (`xdpbench --fill-map 1000000`): `%s`\n" % fill)
    if scale:
        md.append("- Start-up with %d leases in the store (the most 198.18.0.0/15 holds; the benchmark keeps to "
                  "that block): %.2f s to `ready` (%s empty), RSS %.1f MiB vs %.1f MiB empty = %.0f B per lease; "
                  "lease map memlock %.1f MiB.\n" % (scale["leases"], scale["startup_s"],
                                                     ("%.2f s" % scale["startup0_s"]) if "startup0_s" in scale else "-",
                                                     scale["rss_kib"] / 1024,
                                                     scale["rss0_kib"] / 1024, scale["rss_per_lease"],
                                                     scale.get("map_memlock", 0) / 2**20))
    if taps:
        md.append("- 1000 taps in one namespace, one daemon: %s in %.2f s, %d interfaces with XDP, RSS %.1f MiB, "
                  "stop (detach all) %.2f s.\n" % ("ready" if taps.get("ready") else "NOT ready",
                                                    taps["attach_s"], taps.get("with_xdp", 0),
                                                    taps.get("rss_kib", 0) / 1024, taps.get("detach_s", 0)))
    if ptable:
        md.append("## perfdhcp cross-check\n")
        md.append("perfdhcp %s (Kea's tool) from the client namespace (198.18.0.2, broadcast), one server at a "
                  "time with fresh state: new clients doing DORA at the requested rate and renewals of the leases "
                  "obtained at a quarter of it (`-f`), for 5 s (`-p 5`), then 1 s for late replies (`-W`). A "
                  "request without a reply within 1 s counts as a drop. DORA/s completed: REQUEST-ACK replies "
                  "received in the 5 s. perfdhcp shares the machine's CPUs with the server, so it is also perfdhcp's "
                  "own limit.\n" % m.get("perfdhcp", "?"))
        md.append(ptable + "\n")
    extra = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis.md")
    if os.path.exists(extra):
        md.append(open(extra).read())
    md.append("## Reproduce\n")
    md.append("```sh\nsudo make bench            # installs kea-dhcp4-server, kea-admin, dnsmasq-base, gnuplot-nox "
              "(scripts/bench/deps.sh)\nscripts/bench/run.sh --steps xdhcpd:renew:500000,kea:dora:5000   # single steps\n"
              "scripts/bench/run.sh --only perfdhcp,scale   # some parts; report in build/bench/partial/\n"
              "scripts/bench/run.sh --quick --out-dir /tmp/bench   # fewer steps and scenarios\n```\n")
    if a.out_md:
        with open(a.out_md, "w") as f:
            f.write("\n".join(md))


if __name__ == "__main__":
    main()
