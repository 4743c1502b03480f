#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The suspect tag's sample allocations in `analyze` (issue 12) against the generator's truth.

Usage: samples_check.py POOLMORTEM [--scan] DUMP [[--scan] DUMP]...

For each dump (with --scan when the option precedes it), `analyze --json` must hold "samples" for the verdict's
tag: the big-page table's allocations of the tag chosen as documented (the largest first, then
one of each other size, then the next largest; the same size: lower address first), each with
the truth's address and size, and its first bytes equal to the bytes the generator wrote
(truth big_contents) or, where the generator mapped no page, absent with a reason (never
zeros; an incomplete dump may also lack a page the generator wrote). With --scan on a build
before 19H1, small-pool chunks of the tag are sampled too, each one a chunk the generator laid
(truth small_firsts: address, size, first 64 bytes from its POOL_HEADER). The text, Markdown
and HTML reports carry the same allocations with their WinDbg commands and `db` lines.
"""
import json
import os
import subprocess
import sys

MAX = 5


def choose(cands):
    """The documented choice over (size, address) pairs."""
    cands = sorted(cands, key=lambda c: (-c[0], c[1]))
    out, taken = [], set()
    for distinct in (True, False):
        for i, c in enumerate(cands):
            if len(out) >= MAX:
                break
            if i in taken or (distinct and any(o[0] == c[0] for o in out)):
                continue
            taken.add(i)
            out.append(c)
    return out


def db_line(addr, data, is64):
    a = "%08x`%08x" % (addr >> 32, addr & 0xFFFFFFFF) if is64 else "%08x" % addr
    hexes = "".join(("-" if i == 8 else " ") + "%02x" % b for i, b in enumerate(data[:16]))
    return a + " " + hexes


def main():
    pm = os.path.abspath(sys.argv[1])
    fails, checked = [], 0

    def fail(msg):
        fails.append(msg)

    args, runs = sys.argv[2:], []
    while args:
        scan = args[0] == "--scan"
        if scan:
            args.pop(0)
        runs.append((args.pop(0), scan))
    for dump, scan in runs:
        name = os.path.basename(dump) + (" --scan" if scan else "")
        truth = json.load(open(dump[:-4] + ".truth.json"))
        opts = ["--scan"] if scan else []
        p = subprocess.run([pm, "analyze", "--json"] + opts + [dump], capture_output=True,
                           text=True)
        try:
            rep = json.loads(p.stdout)
        except ValueError:
            fail("%s: no JSON (exit %d): %s" % (name, p.returncode, p.stderr[:200]))
            continue
        tag = rep["verdict"].get("tag")
        s = rep.get("samples")
        if not tag:
            if not s or s.get("absent") != "not_applicable":
                fail("%s: no suspect tag, yet samples are %r" % (name, s))
            continue
        if not s or s.get("tag") != tag:
            fail("%s: samples for %r expected, got %r" % (name, tag, s))
            continue
        incomplete = rep["verdict"].get("incomplete", False)
        is64 = truth["info"]["machine"]["arch"] == "x64"
        big = [a for a in truth["bigpool"]["allocations"] if a["tag"] == tag]
        contents = {c["va"]: c for c in truth.get("big_contents", []) if c["tag"] == tag}
        smalls = {c["va"]: c for c in truth.get("small_firsts", {}).get(tag, [])}
        if s["big_page_table"].get("allocations") != len(big):
            fail("%s: %r big allocations of %s counted, truth %d"
                 % (name, s["big_page_table"].get("allocations"), tag, len(big)))
        got = s["allocations"]
        gbig = [a for a in got if a["source"] == "big_page_table"]
        gsmall = [a for a in got if a["source"] == "small_pool_page"]
        if scan and smalls and not gsmall:
            fail("%s: the scan saw chunks of %s, yet no small-pool sample" % (name, tag))
        # the choice, over what was found (small chunks: the ones reported)
        cands = [(a["bytes"], int(a["va"], 16)) for a in big]
        cands += [(a["size"], int(a["address"], 16)) for a in gsmall]
        want = choose(cands)
        have = [(a["size"], int(a["address"], 16)) for a in got]
        if have != want:
            fail("%s: chose %s, expected %s" % (name, [("0x%x" % v, n) for n, v in have],
                                               [("0x%x" % v, n) for n, v in want]))
        for a in got:
            checked += 1
            fb = a["first_bytes"]
            where = "%s: sample %s" % (name, a["address"])
            if a["windbg"] != ["!pool " + a["address"], "db %s L%x" % (
                    a["address"], fb.get("length", 64) if "hex" in fb else min(64, a["size"]))]:
                fail("%s: WinDbg commands %r" % (where, a["windbg"]))
            if a["source"] == "big_page_table":
                c = contents.get(a["address"])
                head = c["head"] if c else None
            else:
                c = smalls.get(a["address"])
                if not c or c["bytes"] != a["size"]:
                    fail("%s: not a chunk of %s the generator laid (%r)" % (where, tag, c))
                    continue
                head = c["head"]
            if "hex" in fb:
                if head is None:
                    fail("%s: bytes %s where the generator mapped no page" % (where, fb["hex"]))
                elif fb["hex"] != head[:2 * fb["length"]]:
                    fail("%s: bytes %s, expected %s" % (where, fb["hex"],
                                                         head[:2 * fb["length"]]))
            elif fb.get("value", 0) is not None or not fb.get("absent"):
                fail("%s: first_bytes neither read nor absent with a reason: %r" % (where, fb))
            elif head is not None and not incomplete:
                fail("%s: not read (%s), yet the generator wrote it" % (where, fb.get("absent")))
        # the renderings carry the same allocations
        for fmt in ("text", "md", "html"):
            p = subprocess.run([pm, "analyze", "--format", fmt, "--color", "never"] + opts +
                               [dump] if fmt == "text" else
                               [pm, "analyze", "--format", fmt] + opts + [dump],
                               capture_output=True, text=True)
            for a in got:
                if "db %s L" % a["address"] not in p.stdout:
                    fail("%s %s: no 'db %s' for the sample" % (name, fmt, a["address"]))
                fb = a["first_bytes"]
                if "hex" in fb:
                    line = db_line(int(a["address"], 16), bytes.fromhex(fb["hex"]), is64)
                    if line not in p.stdout:
                        fail("%s %s: no db line %r" % (name, fmt, line))
                elif "not read (%s)" % fb["absent"] not in p.stdout:
                    fail("%s %s: %s is not said to be unread" % (name, fmt, a["address"]))
    for f in fails:
        print("FAIL: " + f)
    print("%d runs, %d samples checked: %d problems" % (len(runs), checked, len(fails)))
    if not checked:
        print("FAIL: no sample was checked")
        return 1
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
