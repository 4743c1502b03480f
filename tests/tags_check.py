#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`tags DRIVER.sys` on a small PE32+ driver written here from the PE/COFF specification (not
from the parser): two sections whose raw data sits elsewhere than their RVAs, an import table
(ntoskrnl.exe: ExAllocatePool2, ExFreePoolWithTag; WDFLDR.SYS: WdfVersionBind), and code
loading tags into r8d (the allocators' Tag argument), edx and a stack slot, one of them a
shared library tag (SeAl, rules/data/shared_tags.json). With --pooltag FILE (and its default,
POOLMORTEM_POOLTAG) each tag carries its pooltag.txt lines. Also: a file that is not a PE,
and one whose import names point outside the image.

tags_check.py POOLMORTEM SCHEMA
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

fails = []


def driver(bad_import=False):
    f = bytearray(0x800)
    f[0:2] = b"MZ"
    struct.pack_into("<I", f, 0x3C, 0x80)
    f[0x80:0x84] = b"PE\0\0"
    struct.pack_into("<HHIIIHH", f, 0x84, 0x8664, 2, 0x5EED, 0, 0, 0xF0, 0x22)
    opt = 0x98
    struct.pack_into("<H", f, opt, 0x20B)
    struct.pack_into("<II", f, opt + 0x38, 0x3000, 0x400)  # SizeOfImage, SizeOfHeaders
    struct.pack_into("<I", f, opt + 0x6C, 16)
    struct.pack_into("<II", f, opt + 0x70 + 8, 0x2000, 0x100)  # import directory
    sec = opt + 0xF0
    for i, (name, rva, raw, ch) in enumerate([(b".text", 0x1000, 0x400, 0x60000020),
                                              (b".rdata", 0x2000, 0x600, 0x40000040)]):
        o = sec + 40 * i
        f[o:o + 8] = name.ljust(8, b"\0")
        struct.pack_into("<IIII", f, o + 8, 0x1000, rva, 0x200, raw)
        struct.pack_into("<I", f, o + 36, ch)
    code = (b"\x41\xB8Leak" + b"\xBALeak" + b"\xC7\x44\x24\x28Look" + b"\x41\xB8Tag2" +
            b"\xBA\x10\x00\x00\x00" + b"\x41\xB8SeAl" + b"\xC3")
    f[0x400:0x400 + len(code)] = code
    rd = 0x600 - 0x2000  # file offset of an .rdata RVA
    struct.pack_into("<III", f, rd + 0x2000, 0x2100, 0, 0)
    struct.pack_into("<II", f, rd + 0x2000 + 12, 0x2180, 0x2140)
    struct.pack_into("<III", f, rd + 0x2014, 0x2120, 0, 0)
    struct.pack_into("<II", f, rd + 0x2014 + 12, 0x2190, 0x2160)
    names = [0x21A0, 0x21C0] if not bad_import else [0x7FFFFFF0, 0x21C0]
    for at in (0x2100, 0x2140):
        struct.pack_into("<QQQ", f, rd + at, names[0], names[1], 0)
    for at in (0x2120, 0x2160):
        struct.pack_into("<QQ", f, rd + at, 0x21E0, 0)
    for at, s in ((0x2180, b"ntoskrnl.exe"), (0x2190, b"WDFLDR.SYS"),
                  (0x21A2, b"ExAllocatePool2"), (0x21C2, b"ExFreePoolWithTag"),
                  (0x21E2, b"WdfVersionBind")):
        f[rd + at:rd + at + len(s)] = s
    return bytes(f)


SEEDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "corpus",
                     "fuzz_peversion")


def check_version(pm, val):
    """The link date and the version resource (the generator's, tests/fuzz/seed_peversion.py),
    and a driver without one: absent with why, never empty strings."""
    p = run(pm, "tags", "--json", os.path.join(SEEDS, "pe32plus-version.bin"))
    d = json.loads(p.stdout) if p.returncode == 0 else {}
    want = {"file_version": "1.2.3.4", "product_version": "5.6.7.8", "company": "Contoso Ltd.",
            "product": "Contoso Leak Suite", "description": "Leaky test driver",
            "file_version_string": "1.2.3.4 (fixture.221203-1800)",
            "original_filename": "leaky.sys", "string_table": "040904B0", "truncated": []}
    if d.get("version") != want or d.get("link_date") != "2011-06-21":
        fails.append("version: %r, link date %r" % (d.get("version"), d.get("link_date")))
    t = run(pm, "tags", os.path.join(SEEDS, "pe32plus-version.bin")).stdout
    if ('CompanyName "Contoso Ltd."' not in t or "File version 1.2.3.4" not in t or
            "linked 2011-06-21" not in t):
        fails.append("version in text: %r" % t[:400])
    p = run(pm, "tags", "--json", os.path.join(SEEDS, "pe32plus-no-rsrc.bin"))
    n = json.loads(p.stdout) if p.returncode == 0 else {}
    if (n.get("version") or {}).get("absent") != "not_found":
        fails.append("no version resource: %r" % n.get("version"))
    for doc in (d, n) if val else ():
        for e in val.iter_errors(doc):
            fails.append("schema: %s" % e.message[:200])


def run(pm, *args):
    return subprocess.run([pm] + list(args), capture_output=True, text=True)


def pooltag_checks(pm, tmp, path, val):
    """--pooltag FILE and POOLMORTEM_POOLTAG: each tag's lines (exact, else wildcard)."""
    pt = os.path.join(tmp, "pooltag.txt")
    open(pt, "w").write("rem a test file\nLeak - leakdrv.sys - Deliberate leak\n"
                        "Ta* - tagger.sys - Tagger allocations\nLook - <unknown> - Lookaside\n")
    env = dict(os.environ, POOLMORTEM_POOLTAG=pt)
    for how, args, e in (("--pooltag", ["--pooltag", pt], None), ("POOLMORTEM_POOLTAG", [], env)):
        p = subprocess.run([pm, "tags", "--json"] + args + [path], capture_output=True,
                           text=True, env=e)
        d = json.loads(p.stdout) if p.returncode == 0 else {}
        by = {t["tag"]: t for t in d.get("immediate_tags", [])}
        lines = {t: [(x.get("owner"), x["description"], x.get("pattern"))
                     for x in by.get(t, {}).get("pooltag", [])] for t in ("Leak", "Tag2", "Look")}
        want = {"Leak": [("leakdrv.sys", "Deliberate leak", None)],
                "Tag2": [("tagger.sys", "Tagger allocations", "Ta*")],
                "Look": [(None, "Lookaside", None)]}
        if lines != want or d.get("pooltag_file") != pt:
            fails.append("%s: pooltag lines %r, file %r" % (how, lines, d.get("pooltag_file")))
        if val and d:
            for err in val.iter_errors(d):
                fails.append("schema (%s): %s" % (how, err.message[:200]))
    p = run(pm, "tags", "--pooltag", pt, path)
    rows = {ln.split()[0]: ln for ln in p.stdout.splitlines() if ln.startswith("  ")}
    if ("Deliberate leak , Binary: leakdrv.sys" not in rows.get("Leak", "") or
            "[shared library tag: " not in rows.get("SeAl", "") or
            "weak evidence for this driver" not in p.stdout):
        fails.append("text: descriptions or the shared mark missing: %r" % p.stdout[-600:])
    p = run(pm, "tags", "--pooltag", os.path.join(tmp, "no-such.txt"), path)
    if p.returncode == 0 or "no-such.txt" not in p.stderr:
        fails.append("a missing pooltag.txt: exit %d, %r" % (p.returncode, p.stderr))


def main():
    pm, schema_path = sys.argv[1], sys.argv[2]
    try:
        import jsonschema
        schema = json.load(open(schema_path))
        val = jsonschema.Draft202012Validator({"$ref": "#/$defs/tags", "$defs": schema["$defs"]})
    except ImportError:
        val = None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "leakdrv.sys")
        open(path, "wb").write(driver())
        p = run(pm, "tags", "--json", path)
        if p.returncode:
            fails.append("tags: exit %d: %s" % (p.returncode, p.stderr.strip()))
            d = {}
        else:
            d = json.loads(p.stdout)
        got = {t["tag"]: (t["r8d"], t["edx"], t["other"]) for t in d.get("immediate_tags", [])}
        want = {"Leak": (1, 1, 0), "Tag2": (1, 0, 0), "Look": (0, 0, 1), "SeAl": (1, 0, 0)}
        if got != want:
            fails.append("immediate tags %r, want %r" % (got, want))
        shared = {t["tag"] for t in d.get("immediate_tags", []) if t.get("shared_library")}
        if shared != {"SeAl"}:
            fails.append("shared library tags %r, want {'SeAl'}" % shared)
        if d.get("pooltag_file", 0) is not None:
            fails.append("no pooltag.txt given: pooltag_file %r" % d.get("pooltag_file"))
        pooltag_checks(pm, tmp, path, val)
        if d.get("pool_imports") != ["ExAllocatePool2", "ExFreePoolWithTag"]:
            fails.append("pool imports %r" % d.get("pool_imports"))
        if not d.get("kmdf") or (d.get("kmdf_derived_tag") or {}).get("tag") != "leak":
            fails.append("KMDF: %r %r" % (d.get("kmdf"), d.get("kmdf_derived_tag")))
        if val and d:
            for e in val.iter_errors(d):
                fails.append("schema: %s" % e.message[:200])
        # a name pointing outside the image: the imports' error is reported, tags still listed
        open(path, "wb").write(driver(bad_import=True))
        p = run(pm, "tags", "--json", path)
        d = json.loads(p.stdout) if p.returncode == 0 else {}
        if "imports_error" not in d or not d.get("immediate_tags"):
            fails.append("bad import name: exit %d, %r" % (p.returncode, d)[:300])
        check_version(pm, val)
        open(path, "wb").write(b"this is not a driver")
        p = run(pm, "tags", path)
        if p.returncode != 3 or "MZ" not in p.stderr:
            fails.append("not a PE: exit %d, %r" % (p.returncode, p.stderr))
    for x in fails:
        print("FAIL:", x)
    print("tags on a written driver: %s" % ("ok" if not fails else "%d failures" % len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
