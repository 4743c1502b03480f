#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seeds for tests/fuzz/fuzz_symwalk.c: a 32-byte control block {DTB, kernel base, build,
kernel} and a small physical image whose page tables map, inside one 2 MiB region at the
kernel base, what a walk through the fixture kernel's symbols reads (RVAs from the lld map
files, offsets as fixtures/kernel/ntkernel.c declares them). Written from the reference
(pool-internals §1.10, §2.6), not from the parsers.

- x64 kernel, x64 paging: ExPoolState and RtlpHpHeapGlobals, a _SEGMENT_HEAP and a 1 MiB-aligned
  heap segment with one LFH and one VS subsegment (valid; valid-26100, whose segment signature
  has no constant; segment-cycle; wrong-heapkey);
- x86 kernel, PAE paging: ExPoolFailures and friends, and MiSessionWsList with two
  MM_SESSION_SPACEs (sessions, session-cycle, session-list-unmapped).

seed_symwalk.py KERNEL_DIR OUT_DIR   (writes the seven seeds)
seed_symwalk.py --check KERNEL_DIR CORPUS_DIR FUZZ_REGRESS_EXE
    the committed seeds are what this script makes from the kernels' current maps (they go
    stale when fixtures/kernel/ is rebuilt), and the walks find what the seeds hold
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
    out, base = {}, None
    for line in open(mapfile):
        m = re.match(r"\s*Preferred load address is ([0-9a-f]+)", line)
        if m:
            base = int(m.group(1), 16)
        m = re.match(r"\s*[0-9a-f]{4}:[0-9a-f]{8}\s+_?(\w+)\s+([0-9a-f]{16})", line)
        if m:
            out[m.group(1)] = int(m.group(2), 16) - base
    return out


def build_x64(r, variant):
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
    build = 26100 if variant == "valid-26100" else 19045
    w(seg + 0x10, q(heap ^ HEAP_KEY ^ seg ^ (0 if build >= 26100 else K)))  # K: §1.10
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
    w(lfh, q(heap + 0x200) * 3)  # ListEntry and Owner: kernel pointers (the keyless check)
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
    return image(vpages, KB, "x64", build)


def image(vpages, kb, paging, build):
    """The control block and the physical image: page tables, then the data pages in VA
    order, all inside the 2 MiB at @kb."""
    q = lambda v: struct.pack("<Q", v)
    pages = sorted(vpages)
    if paging == "x64":  # PML4, PDPT, PD, PT
        phys = [bytearray(PAGE) for _ in range(4)]
        top = [(0, (kb >> 39) & 0x1FF, 1), (1, (kb >> 30) & 0x1FF, 2), (2, (kb >> 21) & 0x1FF, 3)]
        pt, first, dtb, which = 3, 4, 0, 0
    else:  # PAE: the PDPT (four entries at page 0), PD, PT
        phys = [bytearray(PAGE) for _ in range(3)]
        top = [(0, (kb >> 30) & 3, 1), (1, (kb >> 21) & 0x1FF, 2)]
        pt, first, dtb, which = 2, 3, 0, 1

    def pte(table, index, frame, flags=3):
        phys[table][index * 8:index * 8 + 8] = q(frame * PAGE | flags)
    for table, index, frame in top:
        pte(table, index, frame, 1 if paging == "pae" and table == 0 else 3)
    for i, va in enumerate(pages):
        assert va - kb < 0x200000
        pte(pt, (va >> 12) & 0x1FF, first + i)
        phys.append(vpages[va])
    ctl = struct.pack("<QQIB", dtb, kb, build, which).ljust(32, b"\0")
    return ctl + b"".join(bytes(p) for p in phys)


KB86 = 0x80800000


def build_x86(r, variant):
    vpages = {}

    def w(va, data):
        while data:
            pg, off = va & ~(PAGE - 1), va & (PAGE - 1)
            n = min(len(data), PAGE - off)
            vpages.setdefault(pg, bytearray(PAGE))[off:off + n] = data[:n]
            va, data = va + n, data[n:]
    d = lambda v: struct.pack("<I", v)
    w(KB86 + r["ExPoolFailures"], d(7))
    w(KB86 + r["MmTotalFreeSystemPtes"], d(900) + d(50))
    w(KB86 + r["MmPteFailures"], d(2) + d(0))
    w(KB86 + r["MiChargeCommitmentFailures"], d(1) + d(1))
    w(KB86 + r["MmSessionPoolSize"], d(0x1000000))
    head = KB86 + r["MiSessionWsList"]
    ws, sess = 0xBC, [KB86 + 0x10000, KB86 + 0x14000]
    after = {"sessions": head, "session-cycle": sess[0] + ws,
             "session-list-unmapped": KB86 + 0x1F0000 + ws}[variant]
    links = [head, sess[0] + ws, sess[1] + ws, after]
    w(head, d(links[1]) + d(sess[1] + ws))
    for i, g in enumerate(sess):
        w(g, d(g) + d(1) + d(0) + d(i))                       # GlobalVirtualAddress.., SessionId
        w(g + 0x68, d(100 * (i + 1)))                         # CommittedPages
        w(g + ws, d(links[i + 2]) + d(links[i]))              # WsListEntry
        w(g + 0xF8 + 0x1C, d(300 + i))                        # PagedPoolInfo.AllocatedPagedPool
        w(g + 0x118, d(0) + d(i) + d(0) + d(0))               # SessionPoolAllocationFailures
        w(g + 0x144, d(0x21) + d(0) + d(1000) + d(900) + d(250) + d(40))  # PagedPool
    w(KB86 + r["MmSessionSpace"], d(sess[1]))
    return image(vpages, KB86, "pae", 3790)


SEEDS = {"valid": ("x64", build_x64), "valid-26100": ("x64", build_x64),
         "segment-cycle": ("x64", build_x64),
         "wrong-heapkey": ("x64", build_x64), "sessions": ("x86", build_x86),
         "session-cycle": ("x86", build_x86), "session-list-unmapped": ("x86", build_x86)}
MAPS = {"x64": "x64/ntoskrnl.exe.map", "x86": "x86/ntkrpamp.exe.map"}


def make(kdir):
    r = {k: rvas(os.path.join(kdir, m)) for k, m in MAPS.items()}
    return {v: f(r[k], v) for v, (k, f) in SEEDS.items()}


def check(kdir, corpus, exe):
    import subprocess
    bad = []
    for v, data in make(kdir).items():
        path = os.path.join(corpus, v + ".bin")
        if not os.path.exists(path) or open(path, "rb").read() != data:
            bad.append("%s is stale: rerun seed_symwalk.py" % path)
    want = {"valid": ["2 subsegments, 12 chunks (5 free)", "Lfhx np 4/256", "VsCk np 3/720",
                      "sessions: ",
                      # pool ADDR: LFH blocks 0 (busy) and 1 (free), with and without LfhKey
                      "at +0x103048 keyed=1: kind 2, +0x103040 64 bytes busy Lfhx",
                      "at +0x103048 keyed=0: kind 2, +0x103040 64 bytes busy Lfhx",
                      "at +0x1030a0 keyed=1: kind 2, +0x103080 64 bytes free Lfhx",
                      "at +0x103010 keyed=1: kind 2, in the header of the LFH",
                      # VS: chunk 1 with HeapKey; without, its size from the chain
                      "at +0x104150 keyed=1: kind 1, +0x104140 240 bytes busy VsCk",
                      "at +0x104150 keyed=0: kind 1, +0x104140 240 bytes unknown VsCk",
                      "at +0x104f00 keyed=1: kind 1, +0x104340 3264 bytes free ----",
                      "at +0x100080 keyed=1: kind 0, in the header of the heap segment"],
            "sessions": ["session 0: desc 290 pages, failures 0",
                         "session 1 (current): desc 290 pages, failures 1",
                         "ExPoolFailures = 7", "MmPteFailures = 2",
                         "MmTotalFreeSystemPtes = 900"],
            "session-cycle": ["session 1 (current)", "comes round again"],
            "session-list-unmapped": ["session 1 (current)", "the list ends there"]}
    want["valid-26100"] = want["valid"]
    for v, frags in want.items():
        p = subprocess.run([exe, os.path.join(corpus, v + ".bin")], capture_output=True,
                           text=True, env=dict(os.environ, PM_FUZZ_VERBOSE="1"))
        for f in frags:
            if f not in p.stderr:
                bad.append("%s.bin: %r not in the walk's answer %r" % (v, f, p.stderr))
        # the segment signature's constant: K before 26100, 0 from 26100 on
        if v.startswith("valid") and "does not decode to their heap" in p.stderr:
            bad.append("%s.bin: the segment signature did not decode: %r" % (v, p.stderr))
    for b in bad:
        print("FAIL:", b)
    print("fuzz_symwalk seeds: %s" % ("ok" if not bad else "%d failures" % len(bad)))
    return 1 if bad else 0


def main():
    if sys.argv[1] == "--check":
        return check(*sys.argv[2:5])
    os.makedirs(sys.argv[2], exist_ok=True)
    for v, data in make(sys.argv[1]).items():
        open(os.path.join(sys.argv[2], v + ".bin"), "wb").write(data)
        print("%s.bin: %d bytes" % (v, len(data)))


if __name__ == "__main__":
    sys.exit(main())
