#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Group the bad-class runs of a campaign (OUT/records.jsonl) into candidate root causes:
class, structure aimed at, and the detail with numbers and paths blanked; the count, the
commands, and the shortest reproducer of each group. With --allowlist FILE, says which
allowlist line (if any) covers each group.

  triage.py OUT/records.jsonl [--allowlist tests/corrupt/allowlist.txt]
"""
import argparse
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def family(target):
    t = target.split("+")[0]
    return re.sub(r"^(isf|pdb)-.*", r"\1", t) + ("+dump" if "+" in target else "")


def shape(detail):
    d = re.sub(r"/(?:tmp|work|root|home)\S*/", "", detail)
    return re.sub(r"0x[0-9a-fA-F]+|\d+", "N", d)[:100]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("records")
    ap.add_argument("--allowlist")
    a = ap.parse_args()
    recs = [json.loads(l) for l in open(a.records) if l.strip()]
    allow = []
    if a.allowlist:
        from campaign import allow_match, load_allowlist
        allow = load_allowlist(a.allowlist)
    groups = collections.OrderedDict()
    for r in sorted(recs, key=lambda r: (r["class"], r["target"])):
        k = (r["class"], family(r["target"]), shape(r["detail"]))
        groups.setdefault(k, []).append(r)
    for (cls, fam, det), rs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        best = min(rs, key=lambda r: len(r["repro"]))
        cmds = collections.Counter(r["command"].split(":")[0] for r in rs)
        cov = ""
        if allow:
            lines = {al["item"] for r in rs for al in allow if allow_match(al, r)}
            cov = " [allowlist: %s]" % (",".join(sorted(lines)) or "NONE")
        print("%4d %-16s %-14s %s%s" % (len(rs), cls, fam, det, cov))
        print("       %s   (%s)" % (best["repro"][:240], ", ".join(
            "%s %d" % kv for kv in cmds.most_common())))
        if best.get("stderr"):
            print("       stderr: %s" % re.sub(r"/\S*/", "", best["stderr"])[:200])


if __name__ == "__main__":
    main()
