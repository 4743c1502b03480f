#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seeds for tests/fuzz/fuzz_segheap.c: a 32-byte control block {DTB, kernel base, build}
and a small x64 physical image whose page tables map, inside one 2 MiB region at the kernel
base, the fixture kernel's ExPoolState and RtlpHpHeapGlobals (RVAs from the lld map file), a
_SEGMENT_HEAP, and a 1 MiB-aligned heap segment with one LFH and one VS subsegment (offsets as
fixtures/kernel/ntkernel.c declares them). Written from the reference (pool-internals §1.10),
not from the parser.

seed_segheap.py MAP_FILE OUT_DIR   (writes valid.bin, segment-cycle.bin, wrong-heapkey.bin)
seed_segheap.py --check MAP_FILE CORPUS_DIR FUZZ_REGRESS_EXE
    the committed seeds are what this script makes from the kernel's current map (they go
    stale when fixtures/kernel/ is rebuilt), and the walk finds valid.bin's chunks
"""
import os
import re
import struct
import sys

PAGE = 0x1000
KB = 0xFFFFF80000000000
HEAP_KEY, LFH_KEY = 0x1122334455667788, 0x0F0E0D0C0B0A0908
K = 0xA2E64EADA2E64EAD  # builds before 26100


def rvas(mapfile):
    out = {}
    for line in open(mapfile):
        m = re.match(r"\s*[0-9a-f]{4}:[0-9a-f]{8}\s+(\w+)\s+([0-9a-f]{16})", line)
        if m:
            out[m.group(1)] = int(m.group(2), 16) - 0x140000000
    return out


def build(r, variant):
    vpages = {}  # VA page -> bytearray

    def w(va, data):
        while data:
            pg, off = va & ~(PAGE - 1), va & (PAGE - 1)
            n = min(len(data), PAGE - off)
            vpages.setdefault(pg, bytearray(PAGE))[off:off + n] = data[:n]
            va, data = va + n, data[n:]

    q = lambda v: struct.pack("<Q", v)
    st, gl = KB + r["ExPoolState"], KB + r["RtlpHpHeapGlobals"]
    heap, seg = KB + 0x10000, KB + 0x100000
    w(gl, q(HEAP_KEY if variant != "wrong-heapkey" else HEAP_KEY ^ 0x70000000) + q(LFH_KEY))
    w(st, q(gl) + struct.pack("<I", 1))
    w(st + 0x10 + 0x20, q(heap) + q(0) + q(0))  # PoolNode[0].Heaps: NonPaged only
    w(heap + 0x10, struct.pack("<I", 0xDDEEDDEE))
    for c in (heap + 0x100, heap + 0x178):
        w(c, struct.pack("<QBBB", 0xFFFFFFFFFFF00000, 12, 0, 3))
        w(c + 0x20, q(c + 0x20) + q(c + 0x20))
    head = heap + 0x100 + 0x20
    w(head, q(seg) + q(seg))
    w(seg, q(seg if variant == "segment-cycle" else head) + q(head))
    w(seg + 0x10, q(heap ^ HEAP_KEY ^ seg ^ K))
    desc = bytearray(256 * 0x20)
    desc[0x19:0x1B] = bytes([3, 1])
    desc[3 * 0x20 + 0x19:3 * 0x20 + 0x1B] = bytes([1, 0xB])  # LFH, 1 page
    desc[4 * 0x20 + 0x19:4 * 0x20 + 0x1B] = bytes([1, 0xF])  # VS, 1 page
    w(seg + 0x40, bytes(desc))

    def hdr(bsize, tag):
        return bytes([0, 0, bsize, 0x20]) + tag + bytes(8)
    # LFH: 8 blocks of 0x40 bytes, every other one allocated
    lfh, n, block, first = seg + 3 * PAGE, 8, 0x40, 0x40
    enc = (block | first << 16) ^ (LFH_KEY & 0xFFFFFFFF) ^ ((lfh >> 12) & 0xFFFFFFFF)
    w(lfh + 0x20, struct.pack("<HHHBBI", 0, n, 0, 0, 0, enc))
    w(lfh + 0x30, q(sum(1 << (2 * k) for k in range(0, n, 2))))
    for k in range(n):
        w(lfh + first + k * block, hdr(block // 16, b"Lfhx"))
    # VS: three chunks of 0x100 bytes (VS header + pool header + data), then a free tail
    vs, units = seg + 4 * PAGE, PAGE // 16
    w(vs + 0x20, struct.pack("<HH", units, units ^ 0x2BED))
    off, prev = 0x30, 0
    for k in range(4):
        u = 0x10 if k < 3 else units - off // 16
        bits = u << 16 | prev << 32 | (1 if k < 3 else 0) << 48
        w(vs + off, q(bits ^ (vs + off) ^ HEAP_KEY))
        if k < 3:
            w(vs + off + 16, hdr(u - 1, b"VsCk"))
        prev, off = u, off + u * 16
    # physical image: PML4, PDPT, PD, PT, then the data pages in VA order
    pages = sorted(vpages)
    phys = [bytearray(PAGE) for _ in range(4)]

    def pte(table, index, frame):
        phys[table][index * 8:index * 8 + 8] = q(frame * PAGE | 3)
    pte(0, (KB >> 39) & 0x1FF, 1)
    pte(1, (KB >> 30) & 0x1FF, 2)
    pte(2, (KB >> 21) & 0x1FF, 3)
    for i, va in enumerate(pages):
        assert va - KB < 0x200000
        pte(3, (va >> 12) & 0x1FF, 4 + i)
        phys.append(vpages[va])
    ctl = struct.pack("<QQI", 0, KB, 19045).ljust(32, b"\0")
    return ctl + b"".join(bytes(p) for p in phys)


VARIANTS = ("valid", "segment-cycle", "wrong-heapkey")


def check(mapfile, corpus, exe):
    import subprocess
    r, bad = rvas(mapfile), []
    for v in VARIANTS:
        path = os.path.join(corpus, v + ".bin")
        if not os.path.exists(path) or open(path, "rb").read() != build(r, v):
            bad.append("%s is stale: rerun seed_segheap.py" % path)
    p = subprocess.run([exe, os.path.join(corpus, "valid.bin")], capture_output=True,
                       text=True, env=dict(os.environ, PM_FUZZ_VERBOSE="1"))
    for want in ("2 subsegments, 12 chunks (5 free)", "Lfhx np 4/256", "VsCk np 3/720"):
        if want not in p.stderr:
            bad.append("valid.bin: %r not in the walk's answer %r" % (want, p.stderr))
    for b in bad:
        print("FAIL:", b)
    print("fuzz_segheap seeds: %s" % ("ok" if not bad else "%d failures" % len(bad)))
    return 1 if bad else 0


def main():
    if sys.argv[1] == "--check":
        return check(*sys.argv[2:5])
    r = rvas(sys.argv[1])
    os.makedirs(sys.argv[2], exist_ok=True)
    for v in VARIANTS:
        data = build(r, v)
        open(os.path.join(sys.argv[2], v + ".bin"), "wb").write(data)
        print("%s.bin: %d bytes" % (v, len(data)))


if __name__ == "__main__":
    sys.exit(main())
