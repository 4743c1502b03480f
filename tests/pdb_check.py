#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Our reading of the fixture kernels' symbol files (fixtures/kernel/: the PDBs, and the ISF
files made from them) against independent oracles:

- the C layouts clang itself computes for the Windows targets (-fdump-record-layouts): every
  named record's size, every member's offset and bitfield position and width, through
  `poolmortem dt --json`;
- the RVA of every symbol in lld's map file, through `poolmortem x --json`;
- where llvm-pdbutil is installed, the sizes of the structures as it dumps them;
the same ISF as plain JSON, .json.gz and a member of a zip symbol pack; and damaged copies of a
PDB (truncated, the old MSF 2.00 format, a bad block size, a directory or stream pointing
outside the file) and of an ISF: one clear error line each, exit 3, no crash.

pdb_check.py POOLMORTEM KERNEL_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys

# (clang target, symbol file, map): each PDB, and the ISF made from it by mkisf.py
VARIANTS = [("x86_64-pc-windows-msvc", "x64/ntkrnlmp.pdb", "x64/ntoskrnl.exe.map"),
            ("i686-pc-windows-msvc", "x86/ntkrpamp.pdb", "x86/ntkrpamp.exe.map"),
            ("x86_64-pc-windows-msvc", "x64/ntkrnlmp.isf.json.xz", "x64/ntoskrnl.exe.map"),
            ("i686-pc-windows-msvc", "x86/ntkrpamp.isf.json.xz", "x86/ntkrpamp.exe.map")]
fails = []
checked = {"records": 0, "members": 0, "symbols": 0, "pdbutil": 0}


def clang_layouts(src, target):
    """{record name: (size, [(member, bit offset, bit width or None)])}, anonymous members
    flattened into their parent as the PDB does."""
    out = subprocess.run(["clang", "--target=" + target, "-Xclang", "-fdump-record-layouts",
                          "-fsyntax-only", "-ffreestanding", src], capture_output=True,
                         text=True, check=True).stdout
    recs = {}
    for block in out.split("*** Dumping AST Record Layout")[1:]:
        lines = [l for l in block.splitlines() if "|" in l]
        m = re.match(r"\s*0 \| (?:struct|union|class) (.+)$", lines[0])
        name = m.group(1).strip()
        size = int(re.search(r"sizeof=(\d+)", block).group(1))
        members = []
        anon_depths = []  # depths of anonymous records we are inside (flattened)
        for l in lines[1:]:
            left, right = l.split("|", 1)
            if "sizeof=" in right:
                continue
            depth = (len(right) - len(right.lstrip(" ")) - 1) // 2
            text = right.strip()
            while anon_depths and depth <= anon_depths[-1]:
                anon_depths.pop()
            if depth != 1 + len(anon_depths):
                continue  # inside a named member's own layout
            if "(anonymous at" in text:
                anon_depths.append(depth)
                continue
            mname = text.split()[-1]
            pos = left.strip()
            bm = re.match(r"(\d+):(\d+)-(\d+)$", pos)
            if bm:
                byte, lo, hi = map(int, bm.groups())
                members.append((mname, byte * 8 + lo, hi - lo + 1))
            else:
                members.append((mname, int(pos) * 8, None))
        if "(anonymous" not in name:
            recs[name] = (size, members)
    return recs


def run_json(*args):
    p = subprocess.run(list(args), capture_output=True, text=True)
    if p.returncode not in (0, 4):
        fails.append("%s: exit %d: %s" % (" ".join(args[1:3]), p.returncode, p.stderr.strip()))
        return None
    return json.loads(p.stdout)


def check_layouts(pm, kdir, target, pdb):
    for name, (size, members) in clang_layouts(os.path.join(kdir, "ntkernel.c"), target).items():
        dt = run_json(pm, "dt", "--json", os.path.join(kdir, pdb), name)
        if dt is None:
            continue
        checked["records"] += 1
        if dt["size"] != size:
            fails.append("%s %s: size %r, clang %d" % (pdb, name, dt["size"], size))
        got = {}
        for m in dt["members"]:
            bit = m["offset"] * 8 + m.get("bit_position", 0)
            got.setdefault(m["name"], (bit, m.get("bit_length")))
        for mname, bit, width in members:
            checked["members"] += 1
            if mname not in got:
                fails.append("%s %s: member %s missing" % (pdb, name, mname))
            elif got[mname] != (bit, width):
                fails.append("%s %s.%s: bit offset/width %r, clang %r" % (pdb, name, mname,
                                                                         got[mname], (bit, width)))
        extra = set(got) - {m[0] for m in members}
        if extra:
            fails.append("%s %s: members not in the C declaration: %s" % (pdb, name,
                                                                          sorted(extra)))


def check_symbols(pm, kdir, pdb, mapfile):
    text = open(os.path.join(kdir, mapfile)).read()
    base = int(re.search(r"Preferred load address is ([0-9a-fA-F]+)", text).group(1), 16)
    want = {}
    for m in re.finditer(r"^\s*[0-9a-f]{4}:[0-9a-f]{8}\s+(\S+)\s+([0-9a-f]{16})\s", text, re.M):
        name = m.group(1)
        if name.startswith("_") and "x86" in pdb:
            name = name[1:]
        want[name] = int(m.group(2), 16) - base
    doc = run_json(pm, "x", "--json", os.path.join(kdir, pdb), *sorted(want))
    if doc is None:
        return
    for s in doc["symbols"]:
        checked["symbols"] += 1
        got = int(s["rva"], 16) if s["rva"] else None
        if got != want[s["name"]]:
            fails.append("%s %s: RVA %r, map %#x" % (pdb, s["name"], s["rva"], want[s["name"]]))


def check_pdbutil(pm, kdir, pdb):
    exe = shutil.which("llvm-pdbutil")
    if not exe:
        return
    out = subprocess.run([exe, "dump", "-types", os.path.join(kdir, pdb)], capture_output=True,
                         text=True, check=True).stdout
    for m in re.finditer(r"LF_(?:STRUCTURE|UNION) \[size = \d+\] `([^`]+)`\n(.*?)sizeof (\d+)",
                         out, re.S):
        name, body, size = m.group(1), m.group(2), int(m.group(3))
        if "forward ref" in body or "anonymous" in name or "<unnamed" in name:
            continue
        dt = run_json(pm, "dt", "--json", os.path.join(kdir, pdb), name)
        checked["pdbutil"] += 1
        if dt is not None and dt["size"] != size:
            fails.append("%s %s: size %r, llvm-pdbutil %d" % (pdb, name, dt["size"], size))


def check_damaged(pm, kdir):
    import struct
    import tempfile
    good = open(os.path.join(kdir, "x64/ntkrnlmp.pdb"), "rb").read()
    bs = struct.unpack_from("<I", good, 0x20)[0]

    def patched(off, fmt, v):
        b = bytearray(good)
        struct.pack_into(fmt, b, off, v)
        return bytes(b)
    dirblk = struct.unpack_from("<I", good, 0x34)[0]  # block map block
    cases = [
        ("truncated", good[:len(good) // 3], ["MSF header", "but the file has"]),
        ("msf2", b"Microsoft C/C++ program database 2.00\r\n\x1aJG\0\0" + bytes(200),
         ["MSF 2.00", "only MSF 7.00"]),
        ("blocksize", patched(0x20, "<I", 3000), ["block size 3000"]),
        ("dirsize", patched(0x2C, "<I", 0x7FFFFFF0), ["directory size"]),
        ("blockmap", patched(0x34, "<I", 0xFFFFFF), ["block 16777215", "MSF block map"]),
        ("streams", patched(dirblk * bs, "<I", 0), []),  # directory block 0: garbage directory
        ("junk", b"\x00" * 4096, ["neither a PDB"]),
    ]
    messages = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, data, frags in cases:
            path = os.path.join(tmp, name + ".pdb")
            open(path, "wb").write(data)
            p = subprocess.run([pm, "dt", path, "_POOL_HEADER"], capture_output=True, text=True)
            lines = [l for l in p.stderr.splitlines() if l.strip()]
            if p.returncode != 3 or len(lines) != 1 or path not in lines[0]:
                fails.append("damaged %s: exit %d, stderr %r" % (name, p.returncode, lines))
                continue
            messages.append(lines[0])
            for f in frags:
                if f not in lines[0]:
                    fails.append("damaged %s: error lacks %r: %s" % (name, f, lines[0]))
    for m in messages:
        print("  damaged:", m[m.index(".pdb") + 6:] if ".pdb" in m else m)


def check_isf_forms(pm, kdir):
    """The same ISF as plain JSON, gzip, and a member of a zip symbol pack; and damaged ones."""
    import gzip
    import lzma
    import tempfile
    import zipfile
    xz = open(os.path.join(kdir, "x64/ntkrnlmp.isf.json.xz"), "rb").read()
    text = lzma.decompress(xz)
    guid = json.loads(text)["metadata"]["windows"]["pdb"]["GUID"]
    want = run_json(pm, "dt", "--json", os.path.join(kdir, "x64/ntkrnlmp.isf.json.xz"),
                    "_MI_VISIBLE_STATE")
    with tempfile.TemporaryDirectory() as tmp:
        plain = os.path.join(tmp, "k.json")
        open(plain, "wb").write(text)
        gz = os.path.join(tmp, "k.json.gz")
        with gzip.open(gz, "wb") as f:
            f.write(text)
        pack = os.path.join(tmp, "windows.zip")
        member = "windows/ntkrnlmp.pdb/%s-1.json.xz" % guid
        with zipfile.ZipFile(pack, "w") as z:
            z.writestr(member, xz)
        for path in (plain, gz, pack + "::" + member):
            got = run_json(pm, "dt", "--json", path, "_MI_VISIBLE_STATE")
            if got is None or want is None or got["members"] != want["members"]:
                fails.append("ISF form %s: layout differs" % path)
        damaged = [
            ("cut.json.xz", xz[:len(xz) // 2], ["xz data"]),
            ("bad.json", text[:len(text) // 2], ["not valid JSON"]),
            ("nokeys.json", b'{"metadata": {}}', ["must all be objects"]),
            ("badtype.json", text.replace(b'"fields"', b'"fieldz"'), ["has no fields object"]),
        ]
        # a type the file does not hold: a lookup that found nothing (4), not an unreadable
        # input (3)
        p = subprocess.run([pm, "dt", plain, "_NO_SUCH_TYPE"], capture_output=True, text=True)
        if p.returncode != 4 or "_NO_SUCH_TYPE" not in p.stderr or p.stdout:
            fails.append("dt of a missing type: exit %d, %r" % (p.returncode, p.stderr))
        for name, data, frags in damaged:
            path = os.path.join(tmp, name)
            open(path, "wb").write(data)
            p = subprocess.run([pm, "dt", path, "_MI_VISIBLE_STATE"], capture_output=True,
                               text=True)
            lines = [l for l in p.stderr.splitlines() if l.strip()]
            if p.returncode != 3 or len(lines) != 1 or path not in lines[0]:
                fails.append("damaged %s: exit %d, stderr %r" % (name, p.returncode, lines))
                continue
            print("  damaged:", lines[0][lines[0].index(name) + len(name) + 2:])
            for f in frags:
                if f not in lines[0]:
                    fails.append("damaged %s: error lacks %r: %s" % (name, f, lines[0]))


def main():
    pm, kdir = sys.argv[1], sys.argv[2]
    if not shutil.which("clang"):
        print("clang is not installed (scripts/deps.sh --test installs it)")
        return 77
    for target, pdb, mapfile in VARIANTS:
        check_layouts(pm, kdir, target, pdb)
        check_symbols(pm, kdir, pdb, mapfile)
        if pdb.endswith(".pdb"):
            check_pdbutil(pm, kdir, pdb)
    check_damaged(pm, kdir)
    check_isf_forms(pm, kdir)
    for f in fails:
        print("FAIL:", f)
    print("%d records, %d members, %d symbols, %d llvm-pdbutil structures checked; %s" % (
        checked["records"], checked["members"], checked["symbols"], checked["pdbutil"],
        "ok" if not fails else "%d failures" % len(fails)))
    if not checked["records"] or not checked["symbols"]:
        print("FAIL: nothing was compared")
        return 1
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
