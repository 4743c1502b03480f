#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Damaged figures are checked, unreadable ones are said (issue 16, N4 and N5):
plausibility_check.py POOLMORTEM FIXTURES_DIR KERNEL_DIR WORK

Each case damages a copy of a fixture dump at test time (the corruption campaign's symbolic
places, tests/corrupt: TARGET/LABEL#K+DELTA resolved against the dump by dumpmap.py), runs
`analyze --json` and checks what the report says:
- N4: a KDBG variable that cannot be read is named in a diagnostic with its address; the rule
  that needed it is in not_evaluated with that reason; the verdict is not high.
- N5: a figure contradicted by an independent one (nonpaged usage above RAM, committed above
  the commit limit, a pool's usage above its maximum) is not used: absent "implausible", a
  diagnostic and a verdict coverage line name both figures, the confidence is at most medium;
  on Windows 10 and later a KDBG Mm* counter that is not 0 is still not a counter (stale);
  a tag-table page that one damaged PTE remapped, or one stray value that is no tag, no longer
  makes a table of half the size win (said in a diagnostic; the undamaged dump's size).
- No undamaged fixture has an implausible figure or an unreadable KDBG variable (the checks
  raise no false alarm on the dumps the generator writes).
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "corrupt"))
import campaign  # noqa: E402  (the campaign's places and damage, shared on purpose)

CASES = [
    # (name, source, symbols, tokens, checks)
    ("N4 KDBG pointer to an unmapped page", "winxp-sp3-x86-full.dmp", None,
     ["write@kdbg/KDBG.MmAvailablePages#0+0x0=00000080"],
     {"diag": ["KDBG.MmAvailablePages", "0x80000000"], "vm_absent": {"available_pages": "unreadable"},
      "not_evaluated": ["PHYSICAL: available pages: unreadable in this dump"],
      "missing": ["available physical pages (unreadable"], "max_conf": "medium"}),
    ("N4 with symbols: the paged maximum's pointer damaged", "srv2003-sp2-x86pae-full-raw.raw",
     "x86/ntkrpamp.isf.json.xz", ["write@kdbg/KDBG.MmSizeOfPagedPoolInBytes#0+0x1=00100000"],
     {"diag": ["KDBG.MmSizeOfPagedPoolInBytes", "0x10007c"], "vm_absent": {"paged_max": "unreadable"},
      "not_evaluated": ["POOL-PAGED: the pool's maximum is unreadable in this dump"],
      "outcome": "inconclusive"}),
    ("N5 nonpaged usage above RAM", "winxp-sp3-x86-full.dmp", None,
     ["write@kvars/MmAllocatedNonPagedPool#0+0x0=ffffff7f"],
     {"diag": ["implausible", "NonPagedPool Usage 2147483647 pages", "RAM"],
      "coverage": ["implausible: NonPagedPool Usage 2147483647"],
      "vm_source": {"nonpaged_usage": "estimate"}, "max_conf": "medium", "twin_resource": True}),
    ("N5 committed above the commit limit", "win7sp1-x64-full.dmp", None,
     ["write@kvars/MmTotalCommittedPages#0+0x0=ffffff7f"],
     {"diag": ["implausible", "Committed pages 2147483647 pages", "Commit limit"],
      "fig_absent": {"committed": "implausible", "commit_limit": "implausible"},
      "not_evaluated": ["COMMIT: committed pages and the commit limit: implausible"],
      "coverage": ["implausible: Committed pages"], "max_conf": "medium"}),
    ("N5 paged usage above its maximum", "srv2003-sp2-x86pae-full.dmp", None,
     ["write@kvars/MmSizeOfPagedPoolInBytes#0+0x0=00100000"],
     {"diag": ["implausible", "PagedPool Usage 74240 pages", "PagedPool Maximum 1 pages"],
      "vm_absent": {"paged_max": "implausible"}, "vm_source": {"paged_usage": "estimate"},
      "missing": ["it is implausible"], "outcome": "inconclusive"}),
    ("N5 a stale KDBG counter turned non-zero (Windows 10+)", "srv2022-x64-bitmap-elf.elf", None,
     ["flip@kvars/MmAllocatedNonPagedPool#0+0x2:0"],
     {"vm_absent": {"nonpaged_max": "stale"}, "vm_stale_detail": ("nonpaged_usage", "holding 65536"),
      "twin_verdict": True}),
    # the tag table: a page of it remapped (to a page not in the dump) by one flipped PTE bit
    # made the table read stop there, and a table of half the size (and half the tags) win
    ("N5 a tracker page remapped by a damaged PTE", "win10-22h2-x64-holders.dmp", None,
     ["flip@pagetables/page-table_entry#55+0x2:7"],
     {"diag": ["PoolTrackTable at", "entries 3072..3145 of 4097", "read as empty"],
      "twin_tracker": True, "twin_resource": True}),
    # one value that is no tag in an empty slot rejected the right size of a raw capture's
    # table (no size record there): the statistical fit took half of it
    ("N5 a stray non-tag key in a headerless capture's tag table", "win7sp1-x86-full-raw.raw",
     None, ["write@tracker-empty/empty_slot_1213_key#0+0x0=08000000"],
     {"diag": ["PoolTrackTable: the page holding entries", "are not tags"], "twin_tracker": True,
      "twin_resource": True}),
]

UNDAMAGED = ["winxp-sp3-x86-full.dmp", "win7sp1-x64-full.dmp", "srv2003-sp2-x86pae-full.dmp",
             "win10-22h2-x64-bitmap.dmp", "win81-x64-bitmap-full.dmp", "srv2022-x64-bitmap-elf.elf",
             "win7sp1-x64-holders.dmp", "srv2003-sp2-x64-full.dmp", "win7sp1-x86-full.dmp",
             "verdict-win7-npleak.dmp", "verdict-win10-1709-commit.dmp"]
CONF = {"low": 0, "medium": 1, "high": 2}


def analyze(pm, path, sym):
    argv = [pm, "analyze", "--json"] + (["--symbols", sym] if sym else []) + [path]
    p = subprocess.run(argv, capture_output=True)
    return p.returncode, json.loads(p.stdout.decode("utf-8"))


def check(name, rep, twin, want, fails):
    def fail(msg):
        fails.append("%s: %s" % (name, msg))
    diags = [d.get("message", "") for d in rep["info"].get("diagnostics", [])]
    if "diag" in want and not any(all(w in m for w in want["diag"]) for m in diags):
        fail("no diagnostic with %r in %r" % (want["diag"], diags))
    for line, why in want.get("vm_absent", {}).items():
        got = rep["vm"].get(line, {})
        if got.get("absent") != why:
            fail("vm.%s is %r, expected absent %r" % (line, got, why))
    for line, src in want.get("vm_source", {}).items():
        if rep["vm"].get(line, {}).get("source") != src:
            fail("vm.%s is %r, expected from %r" % (line, rep["vm"].get(line), src))
    if "vm_stale_detail" in want:
        line, frag = want["vm_stale_detail"]
        got = rep["vm"].get(line, {})
        if got.get("source") != "estimate" and got.get("absent") != "stale":
            fail("vm.%s is %r: the stale variable's value was used" % (line, got))
        if rep["summary"]["figures"]["np_usage"].get("provenance") == "kdbg":
            fail("summary np_usage from the KDBG: %r" % rep["summary"]["figures"]["np_usage"])
    for fig, why in want.get("fig_absent", {}).items():
        got = rep["summary"]["figures"].get(fig) or {}
        if got.get("absent") != why:
            fail("summary figure %s is %r, expected absent %r" % (fig, got, why))
    ne = " | ".join(rep.get("not_evaluated", []))
    for frag in want.get("not_evaluated", []):
        if frag not in ne:
            fail("not_evaluated lacks %r: %s" % (frag, ne))
    v = rep["verdict"]
    cov = " | ".join(v.get("coverage", []))
    for frag in want.get("coverage", []):
        if frag not in cov:
            fail("verdict.coverage lacks %r: %s" % (frag, cov))
    miss = " | ".join(m["what"] + " -> " + m["fix"] for m in v.get("missing", []))
    for frag in want.get("missing", []):
        if frag not in miss:
            fail("verdict.missing lacks %r: %s" % (frag, miss))
    if "max_conf" in want and CONF[v["confidence"]] > CONF[want["max_conf"]]:
        fail("verdict confidence %s, at most %s expected" % (v["confidence"], want["max_conf"]))
    if "outcome" in want and v["outcome"] != want["outcome"]:
        fail("verdict %s, expected %s (%s)" % (v["outcome"], want["outcome"], v["summary"]))
    if want.get("twin_tracker"):
        a = (twin["poolused"].get("tracker") or {}).get("entries")
        b = (rep["poolused"].get("tracker") or {}).get("entries")
        if a != b:
            fail("tag table of %r entries, the undamaged dump's has %r" % (b, a))
    tv = twin["verdict"]
    if want.get("twin_verdict") and (v["outcome"], v["resource"], v["tag"], v["confidence"]) != \
            (tv["outcome"], tv["resource"], tv["tag"], tv["confidence"]):
        fail("verdict %r differs from the undamaged dump's %r" % (v["summary"], tv["summary"]))
    if want.get("twin_resource") and v["resource"] != tv["resource"]:
        fail("verdict resource %r, the undamaged dump's is %r" % (v["resource"], tv["resource"]))


def main():
    pm, fx, kdir, work = [os.path.abspath(a) for a in sys.argv[1:5]]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    fails = []
    for name, source, sym, tokens, want in CASES:
        src = campaign.Source(os.path.join(fx, source), kdir)
        toks = [src.resolve(t) for t in tokens]
        copy = os.path.join(work, source)
        campaign.sparse_copy(src.path, copy)
        campaign.apply_bytes(copy, toks)
        sympath = os.path.join(kdir, sym) if sym else None
        rc, rep = analyze(pm, copy, sympath)
        _, twin = analyze(pm, src.path, sympath)
        check(name, rep, twin, want, fails)
        os.unlink(copy)
        print("%s: %s (%s)" % ("FAIL" if any(f.startswith(name + ":") for f in fails) else "ok",
                               name, rep["verdict"]["summary"][:100]))
    for source in UNDAMAGED:
        rc, rep = analyze(pm, os.path.join(fx, source), None)
        bad = [d["message"] for d in rep["info"].get("diagnostics", [])
               if d.get("layer") == "implausible" or d.get("message", "").startswith("!vm ")]
        if bad or rep["summary"]["coverage"].get("implausible"):
            fails.append("%s (undamaged): %r" % (source, bad))
    print("%d cases, %d undamaged dumps; %d failures" % (len(CASES), len(UNDAMAGED), len(fails)))
    for f in fails:
        print("FAIL:", f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
