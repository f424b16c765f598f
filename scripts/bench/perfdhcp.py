#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Parse the final report of perfdhcp (Kea 2.2) for scripts/bench/run.sh.

    perfdhcp.py --server NAME --rate R [--rc RC] FILE   # perfdhcp's output
    perfdhcp.py --server NAME --rate R --error TEXT     # no run at all

Prints one JSON line: server, rate (requested DORAs/s), rc, perfdhcp_rate
(its "Rate: X 4-way exchanges/second", which divides by the test period
plus the -W wait), dora_per_s (REQUEST-ACK replies received / --period),
exchanges (one entry per
"***Statistics for: NAME***" block: DISCOVER-OFFER, REQUEST-ACK,
"REQUEST-ACK (renewal)": sent, received, drops, avg_delay_ms) and, when
there are no statistics, error: why (perfdhcp's ERROR line, a time-out, or
its last line), so that the report can say so instead of a missing row."""
import argparse
import json
import re

FIELDS = (("sent", r"^sent packets: (\d+)"), ("received", r"^received packets: (\d+)"),
          ("drops", r"^drops: (\d+)"), ("avg_delay_ms", r"^avg delay: ([\d.]+) ms"))


def parse(text):
    out = {"exchanges": []}
    m = re.search(r"^Rate: ([\d.]+) ", text, re.M)
    if m:
        out["perfdhcp_rate"] = float(m.group(1))
    heads = list(re.finditer(r"^\*\*\*Statistics for: (.+?)\*\*\*\s*$", text, re.M))
    for i, h in enumerate(heads):
        block = text[h.end():heads[i + 1].start() if i + 1 < len(heads) else len(text)]
        # A block ends at the next "***...***" section too.
        block = re.split(r"^\*\*\*", block, maxsplit=1, flags=re.M)[0]
        ex = {"name": h.group(1).strip()}
        for key, pat in FIELDS:
            m = re.search(pat, block, re.M)
            ex[key] = float(m.group(1)) if m else None
        if ex["sent"] is not None or ex["received"] is not None:
            out["exchanges"].append(ex)
    return out


def why(text, rc):
    errors = [l.strip() for l in text.splitlines() if "ERROR" in l or "error" in l.lower()]
    if rc == 124 or rc == 137:
        head = "perfdhcp timed out (killed after 30 s)"
    elif rc == 127:
        head = "perfdhcp could not be run"
    else:
        head = "no statistics from perfdhcp (exit %d)" % rc
    if errors:
        return "%s: %s" % (head, errors[-1])
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    if lines:
        return "%s; last line: %s" % (head, lines[-1])
    return head + "; no output"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--rate", type=int, required=True)
    ap.add_argument("--rc", type=int, default=0)
    ap.add_argument("--period", type=float, default=5.0, help="perfdhcp -p, seconds")
    ap.add_argument("--error", default="")
    ap.add_argument("file", nargs="?")
    a = ap.parse_args()
    out = {"server": a.server, "rate": a.rate}
    if a.error or not a.file:
        out.update(exchanges=[], error=a.error or "no perfdhcp output")
    else:
        try:
            text = open(a.file, errors="replace").read()
        except OSError as e:
            text = ""
            out["error"] = "cannot read perfdhcp output: %s" % e
        out["rc"] = a.rc
        out.update(parse(text))
        for ex in out["exchanges"]:
            if ex["name"] == "REQUEST-ACK" and ex["received"] is not None:
                out["dora_per_s"] = ex["received"] / a.period
        if not out["exchanges"] and "error" not in out:
            out["error"] = why(text, a.rc)
    # Cap the text that goes into the report.
    if "error" in out and len(out["error"]) > 300:
        out["error"] = out["error"][:297] + "..."
    print(json.dumps(out))


if __name__ == "__main__":
    main()
