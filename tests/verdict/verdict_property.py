#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The verdict under generated damage (issue 11): a damaged dump may give its undamaged twin's
verdict or an inconclusive one; it must never give a high-confidence verdict that contradicts
the twin's (another outcome, another resource, another tag named).

verdict_property.py POOLMORTEM KERNEL_DIR WORKDIR SEED PER_DUMP DUMP...

For each dump (and, where the fixture kernel's symbols fit it, with them too) PER_DUMP damaged
copies are drawn with the seed: truncations (anywhere, and inside the tag tables), processor
tag tables dropped (their ExPoolTagTables entry unmapped) or zeroed page by page, the KDBG's
memory-manager variables zeroed, 4-byte overwrites of tag-table counters. Every run is
classified: same (the twin's verdict, or less: no tag named; or another resource the twin
also found at risk, with its tag), inconclusive, error (exit 3, one
stderr line), contradicts-low / contradicts-medium (allowed, counted) and contradicts-high
(the failure). The figures are printed; the test fails on any contradicts-high run and on any
run that gives no verdict at all.
"""
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import damage as dmg  # noqa: E402
from verdict_matrix import analyze, contradicts  # noqa: E402

PAGE = 0x1000


def draw(rng, truth, size):
    """One damage: (label, [(kind, args)]) applied to a sparse copy."""
    loc = truth.get("locations", {})
    tables = loc.get("cpu_tables", [])
    ptrs = loc.get("tag_table_ptrs", [])
    mm = loc.get("mm_vars", {})
    kinds = ["cut", "cut"]
    if any(tables):
        kinds += ["cut-table", "zero-table-page", "overwrite-counter"]
    if len(ptrs) > 1 and any(p is not None for p in ptrs[1:]):
        kinds.append("drop-table")
    if mm:
        kinds.append("zero-mm")
    k = rng.choice(kinds)
    if k == "cut":
        at = rng.randrange(0x2000, size) // PAGE * PAGE
        return "cut@%#x" % at, [("cut", at)]
    if k == "cut-table":
        t = rng.choice([t for t in tables if t])
        off, n = rng.choice(t)
        at = off + rng.randrange(0, n) // 8 * 8
        return "cut-in-table@%#x" % at, [("cut", at)]
    if k == "zero-table-page":
        c = rng.randrange(len(tables))
        if not tables[c]:
            return "none", []
        off, n = rng.choice(tables[c])
        return "zero-cpu%d-page@%#x" % (c, off), [("poke", off, bytes(n))]
    if k == "overwrite-counter":
        t = rng.choice([t for t in tables if t])
        off, n = rng.choice(t)
        at = off + rng.randrange(0, n // 4) * 4
        val = rng.choice([0, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, rng.randrange(1, 64)])
        return "overwrite@%#x=%#x" % (at, val), [("poke", at, val.to_bytes(4, "little"))]
    if k == "drop-table":
        cs = [c for c in range(1, len(ptrs)) if ptrs[c] is not None]
        c = rng.choice(cs)
        ps = 8 if truth["info"]["machine"]["arch"] == "x64" else 4
        return "drop-cpu%d" % c, [("poke", ptrs[c], dmg.UNMAPPED[ps].to_bytes(ps, "little"))]
    name = rng.choice(sorted(mm))
    off, n = mm[name]
    return "zero-%s" % name, [("poke", off, bytes(n))]


def apply(dump, dst, steps):
    dmg.copy_sparse(dump, dst)
    for s in steps:
        if s[0] == "cut":
            os.truncate(dst, s[1])
        else:
            dmg.poke(dst, s[1], s[2])


def verdict_of(rc, out):
    try:
        doc = json.loads(out)
        v = doc["verdict"]
        v["_findings"] = doc.get("findings", [])
        return v
    except (ValueError, KeyError):
        return None


def classify(rc, err, v, twin):
    if rc == 3:
        ok = len([l for l in err.splitlines() if l.strip()]) == 1
        return "error" if ok else "bad-error"
    if v is None:
        return "no-verdict"
    if v.get("outcome") == "inconclusive":
        return "inconclusive"
    if not contradicts(v, twin, twin["_findings"]):
        return "same"
    return "contradicts-" + v.get("confidence", "?")


def main(argv):
    pm, kdir, work = (os.path.abspath(a) for a in argv[1:4])
    seed, per = int(argv[4]), int(argv[5])
    dumps = [os.path.abspath(a) for a in argv[6:]]
    os.makedirs(work, exist_ok=True)
    rng = random.Random(seed)
    counts, bad = {}, []
    runs = 0
    for dump in dumps:
        truth = dmg.truth_of(dump)
        size = os.path.getsize(dump)
        syms = [None] + ([os.path.join(kdir, truth["symbols"]["dir"])] if "symbols" in truth
                         else [])
        for sym in syms:
            rc, out, err = analyze(pm, dump, sym)
            twin = verdict_of(rc, out)
            if twin is None:
                bad.append("%s: the undamaged dump gives no verdict (exit %d)" % (dump, rc))
                continue
            for i in range(per):
                label, steps = draw(rng, truth, size)
                if not steps:
                    continue
                dst = os.path.join(work, "p-%d.dmp" % i)
                apply(dump, dst, steps)
                rc, out, err = analyze(pm, dst, sym)
                v = verdict_of(rc, out)
                cls = classify(rc, err, v, twin)
                runs += 1
                counts[cls] = counts.get(cls, 0) + 1
                where = "%s%s %s" % (os.path.basename(dump), " +symbols" if sym else "", label)
                if cls in ("contradicts-high", "no-verdict", "bad-error"):
                    bad.append("%s: %s (exit %d): %s" % (where, cls, rc,
                               json.dumps({k: v.get(k) for k in ("outcome", "resource", "tag",
                                                                  "confidence")})
                               if v else err.strip()[:200]))
                os.unlink(dst)
    print("seed %d, %d damaged runs over %d dumps: %s" % (
        seed, runs, len(dumps), ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    for b in bad:
        print("FAIL:", b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
