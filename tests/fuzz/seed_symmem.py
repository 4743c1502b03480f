#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seeds for tests/fuzz/fuzz_symmem.c, made at build time (nothing large is committed): each
of tests/fuzz/fuzz_symwalk's committed seeds (fixtures/corpus/fuzz_symwalk/) joined to the
fixture kernel's Volatility ISF its walk was made for (the x64 or the x86 kernel of
fixtures/kernel/, decompressed so that mutations reach the JSON), in the input layout of
fuzz_symmem.c: u32 LE length, the symbol file, then the fuzz_symwalk record (its control
block's byte 20 says which kernel: bit 0 set = x86 with PAE paging).

One more, symmem-pool.bin, is a world of its own for the pool profile's readers: the x64
kernel's PoolTrackTable / PoolTrackTableSize pointing at a 65-entry tag table and
PoolBigPageTable / PoolBigPageTableSize at a 16-entry big-page table (its own 'Pool' entry and
two allocations), laid out with the offsets the ISF itself gives (so a mutation of the ISF
and a mutation of the memory meet in the same reader).

  seed_symmem.py KERNEL_DIR SYMWALK_CORPUS OUT_FILE...   (each OUT_FILE named after a seed:
                                                         symmem-<seed>.bin)
"""
import json
import lzma
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seed_symwalk as sw  # noqa: E402  (the page-table writer of fuzz_symwalk's seeds)


def pool_world(kdir, isf):
    """x64 paging, build 19045, one processor: a tag table and a big-page table."""
    j = json.loads(isf)
    r = sw.rvas(os.path.join(kdir, "x64", "ntoskrnl.exe.map"))
    tt, bt = j["user_types"]["_POOL_TRACKER_TABLE"], j["user_types"]["_POOL_TRACKER_BIG_PAGES"]
    off = lambda t, f: t["fields"][f]["offset"]
    vpages = {}

    def w(va, data):
        while data:
            pg, o = va & ~(sw.PAGE - 1), va & (sw.PAGE - 1)
            n = min(len(data), sw.PAGE - o)
            vpages.setdefault(pg, bytearray(sw.PAGE))[o:o + n] = data[:n]
            va, data = va + n, data[n:]
    q = lambda v: struct.pack("<Q", v)
    kb, table, big = sw.KB, sw.KB + 0x20000, sw.KB + 0x30000
    w(kb + r["PoolTrackTable"], q(table))
    w(kb + r["PoolTrackTableSize"], q(65))
    rows = bytearray(65 * tt["size"])
    for i, (tag, npa, npf, npb) in enumerate(((b"Leak", 9, 2, 0x7000), (b"File", 5, 5, 0),
                                              (b"Thre", 3, 1, 0x300))):
        e = 7 * i * tt["size"]
        rows[e + off(tt, "Key"):e + off(tt, "Key") + 4] = tag
        for f, v in (("NonPagedAllocs", npa), ("NonPagedFrees", npf), ("NonPagedBytes", npb)):
            rows[e + off(tt, f):e + off(tt, f) + 8] = q(v)
    w(table, bytes(rows))
    w(kb + r["PoolBigPageTable"], q(big))
    w(kb + r["PoolBigPageTableSize"], q(16))
    ents = bytearray(16 * bt["size"])
    for i, (va, tag, n) in enumerate(((big, b"Pool", 16 * bt["size"]),
                                      (sw.KB + 0x40000, b"Leak", 0x5000),
                                      (sw.KB + 0x48001, b"Gone", 0x1000))):
        e = i * bt["size"]
        ents[e:e + 8] = q(va)
        ents[e + off(bt, "Key"):e + off(bt, "Key") + 4] = tag
        ents[e + off(bt, "NumberOfBytes"):e + off(bt, "NumberOfBytes") + 8] = q(n)
    w(big, bytes(ents))
    return sw.image(vpages, kb, "x64", 19045)


def main():
    kdir, corpus, outs = sys.argv[1], sys.argv[2], sys.argv[3:]
    isf = {0: lzma.open(os.path.join(kdir, "x64", "ntkrnlmp.isf.json.xz")).read(),
           1: lzma.open(os.path.join(kdir, "x86", "ntkrpamp.isf.json.xz")).read()}
    for out in outs:
        name = os.path.basename(out)
        assert name.startswith("symmem-"), name
        if name == "symmem-pool.bin":
            rec = pool_world(kdir, isf[0])
        else:
            rec = open(os.path.join(corpus, name[len("symmem-"):]), "rb").read()
        sym = isf[rec[20] & 1]
        with open(out, "wb") as f:
            f.write(struct.pack("<I", len(sym)) + sym + rec)
    return 0


if __name__ == "__main__":
    sys.exit(main())
