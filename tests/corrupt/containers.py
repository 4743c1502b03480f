#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ELF cores and kdump-compressed files damaged at test time (issue 16 items N2, N3, N7).

  containers.py POOLMORTEM FIXTURES_DIR WORKDIR

- N3: an ELF core cut inside a PT_LOAD is incomplete (exit 4), with the pages past the end
  counted exactly as the program headers say (read here from the bytes), and a read of such a
  page fails as not in the dump instead of giving zeros;
- N7: a kdump-compressed capture cut inside its page descriptors says it is truncated and
  counts the lost pages (page descriptors or data past the end, read here from the header,
  bitmap and descriptors); one cut inside its page data gives a partial answer that counts them;
- N2: damaged ELF and kdump structures are refused before libkdumpfile reads them, with one
  line naming the file, the structure and its offset (a section header count with no section
  header table, an entry size of 0, a note size, a bitmap size, a header version).

Exit 0 = pass, 1 = fail (meson's protocol).
"""
import json
import os
import shutil
import struct
import subprocess
import sys

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def run(pm, *args):
    p = subprocess.run([pm] + list(args), capture_output=True, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def cut_copy(src, dst, size, edits=()):
    with open(src, "rb") as f:
        data = bytearray(f.read(size))
    for off, b in edits:
        data[off:off + len(b)] = b
    with open(dst, "wb") as f:
        f.write(data)
    return dst


def elf_lost_pages(path, size):
    """Pages of PT_LOAD segments whose bytes lie past @size (ELF64 little-endian)."""
    h = open(path, "rb").read(0x10000)
    phoff, = struct.unpack_from("<Q", h, 32)
    phnum, = struct.unpack_from("<H", h, 56)
    lost = set()
    for i in range(phnum):
        typ, _, off, _, paddr, filesz, _, _ = struct.unpack_from("<IIQQQQQQ", h, phoff + 56 * i)
        if typ != 1 or not filesz:
            continue
        have = max(0, min(filesz, size - off))
        if have < filesz:
            lost.update(range((paddr + have) >> 12, ((paddr + filesz - 1) >> 12) + 1))
    return lost


def kdump_lost_pages(path, size):
    """Pages of a kdump-compressed file (64-bit header, 4 KiB blocks) whose page descriptor or
    page data lies past @size."""
    with open(path, "rb") as f:
        h = f.read(0x2000)
        bs, sub, blocks, mapnr = struct.unpack_from("<iiII", h, 428)
        max_pfn = struct.unpack_from("<Q", h, bs + 96)[0]
        nbits = blocks * bs * 8
        bmoff = (1 + sub) * bs
        used = blocks * bs
        if max_pfn <= nbits // 2:
            used //= 2
            bmoff += used
        f.seek(bmoff)
        bm = f.read(used)
        descoff = (1 + sub + blocks) * bs
        lost, idx = set(), 0
        f.seek(descoff)
        descs = f.read()
    for p in range(min(max_pfn, used * 8)):
        if not bm[p >> 3] >> (p & 7) & 1:
            continue
        at = idx * 24
        idx += 1
        if descoff + at + 24 > size:
            lost.add(p)
            continue
        off, ln = struct.unpack_from("<QI", descs, at)
        if off + ln > size:
            lost.add(p)
    return lost


def elf_cases(pm, fx, work):
    src = os.path.join(fx, "win10-1607-x64-bitmap-elf.elf")
    cut = 0x5e3000
    p = cut_copy(src, os.path.join(work, "elf-cut.elf"), cut)
    lost = elf_lost_pages(src, cut)
    rc, out, err = run(pm, "info", "--json", p)
    check(rc == 4, "N3 ELF cut at %#x: info exits 4 (incomplete), not %d: %s" % (cut, rc, err))
    try:
        c = json.loads(out)["completeness"]
    except (ValueError, KeyError):
        c = {}
    check(c.get("truncated") is True and c.get("pages_beyond_eof") == len(lost),
          "N3 ELF cut: truncated with %d pages past the end (the program headers say), got %s"
          % (len(lost), {k: c.get(k) for k in ("truncated", "pages_beyond_eof")}))
    check("truncated" in err and str(len(lost)) in err and "0x5e3000" in err,
          "N3 ELF cut: the message says where the file ends and how many pages are lost: " + err)
    pa = min(lost) << 12
    rc, out, err = run(pm, "read", p, "%#x" % pa, "16", "--phys")
    check(rc != 0 and "0000" not in out and "not" in err,
          "N3 ELF cut: physical %#x (past the end) is not read as zeros: rc %d, out %r, err %r"
          % (pa, rc, out[:80], err))
    rc, out, err = run(pm, "read", p, "0x1000", "16", "--phys")
    check(rc == 0 or rc == 4, "N3 ELF cut: physical 0x1000 (before the cut) reads: rc %d %s"
          % (rc, err))

    # N2: e_shnum 64 with no section header table (e_shoff 0): libkdumpfile read 64 entries
    # of e_shentsize 0 bytes at offset 0 and crashed
    good = os.path.join(fx, "win10-1809-x64-bitmap-elf.elf")
    p = cut_copy(good, os.path.join(work, "elf-shnum.elf"), 0x200000, [(0x3c, b"\x40\x00")])
    rc, out, err = run(pm, "info", p)
    check(rc == 3 and err.count("\n") == 1 and p in err and "section header" in err
          and "e_shoff 0" in err, "N2 e_shnum without e_shoff: one line, file, structure, "
          "offset: rc %d %r" % (rc, err))
    # a PT_NOTE of 2^40 bytes (libkdumpfile would malloc it)
    h = open(good, "rb").read(0x1000)
    phoff, = struct.unpack_from("<Q", h, 32)
    p = cut_copy(good, os.path.join(work, "elf-note.elf"), 0x200000,
                 [(phoff + 32, struct.pack("<Q", 1 << 40))])
    rc, out, err = run(pm, "info", p)
    check(rc == 3 and "PT_NOTE" in err and "%#x" % phoff in err,
          "N2 huge PT_NOTE: named with its program header's offset: rc %d %r" % (rc, err))


def kdump_cases(pm, fx, work):
    big = os.path.join(fx, "win11-24h2-x64-rdmp-kdump.kdump")
    cut = 0xdf9319  # inside the page descriptors
    p = cut_copy(big, os.path.join(work, "kdump-cut-descs.kdump"), cut)
    lost = kdump_lost_pages(big, cut)
    rc, out, err = run(pm, "info", p)
    check(rc in (3, 4) and "truncated" in err and str(len(lost)) in err,
          "N7 kdump cut in its descriptors: says truncated with %d pages lost: rc %d %r"
          % (len(lost), rc, err))
    small = os.path.join(fx, "win10-1607-x64-bitmap-kdump.kdump")
    size = os.path.getsize(small)
    with open(small, "rb") as f:
        h = f.read(0x1000)
    blocks = struct.unpack_from("<I", h, 436)[0]
    ndesc = struct.unpack_from("<Q", open(small, "rb").read(0x2000), 4096 + 96)[0]
    data = (2 + blocks) * 4096 + 24 * ndesc  # where the page data starts (about)
    cut = size - (size - data) // 3  # inside the page data
    p = cut_copy(small, os.path.join(work, "kdump-cut-data.kdump"), cut)
    lost = kdump_lost_pages(small, cut)
    rc, out, err = run(pm, "info", "--json", p)
    try:
        c = json.loads(out)["completeness"]
    except (ValueError, KeyError):
        c = {}
    check(lost and c.get("pages_beyond_eof") == len(lost) and c.get("truncated") is True,
          "N7 kdump cut in its data: %d pages past the end counted, got rc %d %s %r" % (
              len(lost), rc, {k: c.get(k) for k in ("truncated", "pages_beyond_eof")}, err))

    # N2: bitmap_blocks 0x7fffffff (libkdumpfile asked for 2^51 bytes), a note size of 2^40,
    # a negative header version
    head = min(size, 0x200000)
    for name, edits, words in [
            ("bitmap", [(436, struct.pack("<I", 0x7fffffff))], ("bitmap_blocks", "0x1b4")),
            ("note", [(4096 + 48, struct.pack("<QQ", 0x3000, 1 << 40))],
             ("size_note", "0x1030")),
            ("version", [(8, struct.pack("<i", -2))], ("header_version", "0x8"))]:
        p = cut_copy(small, os.path.join(work, "kdump-%s.kdump" % name), head, edits)
        rc, out, err = run(pm, "info", p)
        check(rc == 3 and err.count("\n") == 1 and p in err and all(w in err for w in words),
              "N2 kdump %s: one line naming file, %s: rc %d %r" % (name, words, rc, err))


def main():
    pm, fx, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    elf_cases(pm, fx, work)
    kdump_cases(pm, fx, work)
    shutil.rmtree(work, ignore_errors=True)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
