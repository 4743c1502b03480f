#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`pool DUMP ADDR...` names the allocation an address belongs to, as WinDbg's !pool.

poolat_check.py POOLMORTEM CLASSIC_DUMP SEGHEAP_DUMP (each with its .truth.json and spec)
- every live big allocation of `bigpool --json`, at its start, inside and at its last byte,
  is found with its base, tag and pool; one byte past a page-rounded end is not in it;
- a freed big-table slot is named as freed (stale tag and size);
- on the classic-pool dump (before 19H1), the pages after the generator's pool base that parse
  as small-pool pages are exactly as many as the generator wrote (its truth's scan.pool_pages),
  every allocated chunk's tag is one the truth's scan lists, and the marked chunk holds the
  address asked for;
- on a segment-heap dump (19H1+) an address outside the big table is not guessed at: exit 4
  with the reason.
"""
import json
import re
import subprocess
import sys

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


def main():
    pm, classic, segheap = sys.argv[1:4]
    nb = check_big(pm, classic) + check_big(pm, segheap)
    npages = check_small(pm, classic)
    rc, out, err = run(pm, "pool", segheap, "0xffffc30a12600010")
    if rc != 4 or "segment heap" not in out:
        fails.append("segment heap address: exit %d, %r" % (rc, out))
    rc, out, err = run(pm, "pool", classic, "zz")
    if rc != 2 or "not an address" not in err:
        fails.append("pool DUMP zz: exit %d, %r" % (rc, err))
    for f in fails[:20]:
        print("FAIL:", f)
    print("%d big allocations and %d small-pool pages checked, %d failures" % (
        nb, npages, len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
