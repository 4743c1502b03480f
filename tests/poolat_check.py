#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`pool DUMP ADDR...` names the allocation an address belongs to, as WinDbg's !pool.

poolat_check.py POOLMORTEM CLASSIC_DUMP SEGHEAP_DUMP KERNEL_DIR (each dump with its .truth.json)
- every live big allocation of `bigpool --json`, at its start, inside and at its last byte,
  is found with its base, tag and pool; one byte past a page-rounded end is not in it;
- a freed big-table slot is named as freed (stale tag and size);
- on the classic-pool dump (before 19H1), the pages after the generator's pool base that parse
  as small-pool pages are exactly as many as the generator wrote (its truth's scan.pool_pages),
  every allocated chunk's tag is one the truth's scan lists, and the marked chunk holds the
  address asked for;
- on a segment-heap dump (19H1+), every chunk the generator sampled (truth scan_symbols.samples:
  LFH blocks and VS chunks, busy and free, at a subsegment's start, middle and end) is found at
  its first, middle and last byte with the kernel's symbols (KERNEL_DIR): its POOL_HEADER's
  address, size, state, tag and heap; addresses in no allocation (a subsegment's header, an LFH
  subsegment's unused tail) exit 4 saying where they are. Without symbols: an LFH block is
  still found (its size read from the POOL_HEADERs, said so); a VS chunk too, its size from
  the chain of encoded headers (the key cancels between neighbours), but busy or free stays
  unknown, said so: exit 4. With HeapKey damaged, a VS
  chunk's header is said not to decode (exit 4) while an LFH block is still found.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

fails = []


def run(pm, *args):
    p = subprocess.run([pm] + list(args), capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def big(pm, dump):
    rc, out, _ = run(pm, "bigpool", "--json", "--all", dump)
    d = json.loads(out)
    return d["allocations"], d.get("freed", [])


def check_big(pm, dump):
    allocs, freed = big(pm, dump)
    for a in allocs[:6]:
        va, n = int(a["va"], 16), a["bytes"]
        for addr in (va, va + n // 2, va + n - 1):
            rc, out, err = run(pm, "pool", dump, hex(addr))
            if rc != 0 or "inside a big allocation" not in out or a["va"] not in out \
                    or "tag %s," % a["tag"] not in out or "%s pool" % a["pool"] not in out:
                fails.append("%s in %s: exit %d, %r" % (hex(addr), a["va"], rc, out))
    for f in freed[:2]:
        rc, out, err = run(pm, "pool", dump, hex(int(f["va"], 16) + 8))
        if "FREED" not in out or "tag %s," % f["tag"] not in out:
            fails.append("freed slot %s: %r" % (f["va"], out))
    return len(allocs)


def check_small(pm, dump):
    truth = json.load(open(dump[:-4] + ".truth.json"))["scan"]
    tags = {t["tag"] for t in truth["tags"]} | {"Frag", "Stal"}
    # the generator lays its pool regions out upward, the big-page table among them: walk
    # 4 MiB from the big table's 1 MiB boundary
    rc, out, _ = run(pm, "bigpool", "--json", dump)
    table = int(json.loads(out)["table"]["va"], 16)
    base = table & ~0xFFFFF
    pages = []
    addrs = [base + k * 4096 + 0x30 for k in range(1024)]
    for i in range(0, len(addrs), 64):
        rc, out, err = run(pm, "pool", dump, *[hex(a) for a in addrs[i:i + 64]])
        pages += re.findall(r"^Pool page (0x[0-9a-f]+) region is (\w+) pool$", out, re.M)
        for m in re.finditer(r"^\*(0x[0-9a-f]+) size: +(\d+) .*\((\w+)\) \*(.{4})$", out, re.M):
            start, size = int(m.group(1), 16), int(m.group(2))
            if not start <= (start & ~0xFFF) + 0x30 < start + size:
                fails.append("marked chunk %s (%d bytes) does not hold offset 0x30" % (
                    m.group(1), size))
        for m in re.finditer(r"\((Allocated)\) .(.{4})$", out, re.M):
            if m.group(2) not in tags:
                fails.append("chunk tag %r is not in the truth's scan %s" % (m.group(2), tags))
    if len(pages) != truth["pool_pages"]:
        fails.append("%d small-pool pages found, the generator wrote %d" % (
            len(pages), truth["pool_pages"]))
    return len(pages)


HEAPS = ["NonPaged", "NonPagedNx", "Paged", "fourth"]
ROW = re.compile(r"^\*(0x[0-9a-f]+) size: +(\d+) .*\((\w+)\) \*(.{4})$", re.M)


def check_sample(pm, dump, s, symbols):
    """One sampled chunk at its first, middle and last byte."""
    va, n = int(s["va"], 16), s["bytes"]
    state = "Allocated" if s["allocated"] else "Free"
    for addr in (va, va + n // 2, va + n - 1):
        args = ["pool"] + (["--symbols", symbols] if symbols else []) + [dump, hex(addr)]
        rc, out, err = run(pm, *args)
        what = "%s %s %s (%s) with%s symbols" % (s["kind"], s["va"], hex(addr), state,
                                                  "" if symbols else "out")
        # without HeapKey a VS chunk's size comes from the chain, its state stays unknown
        keyfree = not symbols and s["kind"] == "vs"
        if keyfree:
            state = "Unknown"
            if "busy or free cannot be told" not in out:
                fails.append("%s: does not say what HeapKey would have told: %r" % (what, out))
        m = ROW.search(out)
        got = (m.group(1), int(m.group(2)), m.group(3)) if m else None
        if rc != (4 if keyfree else 0) or got != (s["va"], n, state):
            fails.append("%s: exit %d, marked %r, truth %r\n%s" % (what, rc, got, (
                s["va"], n, state), out))
            continue
        if s["allocated"] and m.group(4) != s["tag"]:
            fails.append("%s: tag %r, truth %r" % (what, m.group(4), s["tag"]))
        heap = "%s heap of pool node 0" % HEAPS[s["heap"]] if symbols else "heap not known"
        if heap not in out or ("LFH subsegment %s" % s["subsegment"] if s["kind"] == "lfh"
                               else "VS subsegment %s" % s["subsegment"]) not in out:
            fails.append("%s: heap or subsegment not named (%s): %r" % (what, heap, out))
        if not symbols and s["kind"] == "lfh" and "LfhKey" not in out:
            fails.append("%s: does not say what LfhKey would have told: %r" % (what, out))


def check_wrong_key(pm, dump, sym, samples):
    """The same dump with HeapKey changed: a VS chunk's header no longer decodes, which is said
    (exit 4), never taken for an allocation; LfhKey is intact, so an LFH block is still found."""
    data = bytearray(open(dump, "rb").read())
    key = (0x5A5A1234DEADBEEF).to_bytes(8, "little")  # fixtures/gen/segheap.py
    if data.count(key) != 1:
        fails.append("HeapKey found %d times in the dump" % data.count(key))
        return
    data[data.index(key) + 3] ^= 0x70
    with tempfile.TemporaryDirectory(prefix="pm-poolat-") as d:
        bad = os.path.join(d, "badkey.dmp")
        open(bad, "wb").write(bytes(data))
        vs = next(s for s in samples if s["kind"] == "vs" and s["allocated"])
        lfh = next(s for s in samples if s["kind"] == "lfh" and s["allocated"])
        rc, out, _ = run(pm, "pool", "--symbols", sym, bad, vs["va"])
        if rc != 4 or "does not decode with HeapKey" not in out or ROW.search(out):
            fails.append("VS chunk %s with a wrong HeapKey: exit %d, %r" % (vs["va"], rc, out))
        rc, out, _ = run(pm, "pool", "--symbols", sym, bad, lfh["va"])
        m = ROW.search(out)
        if rc != 0 or not m or m.group(1) != lfh["va"]:
            fails.append("LFH block %s with a wrong HeapKey: exit %d, %r" % (lfh["va"], rc, out))


WHERE = {"lfh header": "header of the LFH subsegment", "vs header": "header of the VS subsegment",
         "after": "after its last block"}


def check_segheap(pm, dump, kdir):
    truth = json.load(open(dump[:-4] + ".truth.json"))
    sym = os.path.join(kdir, truth["symbols"]["dir"])
    t = truth["scan_symbols"]
    kinds = {(s["kind"], s["allocated"]) for s in t["samples"]}
    if kinds != {("lfh", True), ("lfh", False), ("vs", True), ("vs", False)}:
        fails.append("the generator's samples do not cover busy and free LFH and VS: %r" % kinds)
    for s in t["samples"]:
        check_sample(pm, dump, s, sym)
        check_sample(pm, dump, s, None)
    for o in t["outside"]:
        rc, out, _ = run(pm, "pool", "--symbols", sym, dump, o["va"])
        if rc != 4 or WHERE[o["where"]] not in out or ROW.search(out):
            fails.append("%s (%s): exit %d, %r" % (o["va"], o["where"], rc, out))
    check_wrong_key(pm, dump, sym, t["samples"])
    # an address in no segment the heaps list, nor in any subsegment
    rc, out, _ = run(pm, "pool", "--symbols", sym, dump, "0xffffb43fc0000040")
    if rc != 4 or "not in any 1 MiB segment" not in out:
        fails.append("an address in no segment: exit %d, %r" % (rc, out))
    return len(t["samples"]) + len(t["outside"])


def main():
    pm, classic, segheap, kdir = sys.argv[1:5]
    nb = check_big(pm, classic) + check_big(pm, segheap)
    npages = check_small(pm, classic)
    nseg = check_segheap(pm, segheap, kdir)
    rc, out, err = run(pm, "pool", classic, "zz")
    if rc != 2 or "not an address" not in err:
        fails.append("pool DUMP zz: exit %d, %r" % (rc, err))
    for f in fails[:20]:
        print("FAIL:", f)
    print("%d big allocations, %d small-pool pages and %d segment-heap places checked, "
          "%d failures" % (nb, npages, nseg, len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
