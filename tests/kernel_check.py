#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Regressions of the kernel's identity (parsers/kernel/kernel.c), on dumps damaged at test time.

  kernel_check.py ntbuildlab POOLMORTEM DUMP WORKDIR
      DUMP is a generator fixture (its <dump>.truth.json beside it) of a build before 19H1.
      A copy is made whose KDBG.NtBuildLab pointer (KDDEBUGGER_DATA64 +0x208) points at an
      address that is not mapped; `info --json` must then report build_lab absent, name
      NtBuildLab in one diagnostic, and end normally (issue 16 item 1: the error was handed to
      the diagnostics, which freed it, and destroyed a second time; in a release build silent
      heap corruption, under glibc usually an abort).

The block is found in the file by its "KDBG" OwnerTag (+0x10), its size (+0x14) and its
KernBase (+0x18), all taken from the truth file, so the test cannot patch the wrong bytes.
  kernel_check.py badsyms POOLMORTEM DUMP ISF_XZ WORKDIR
      ISF_XZ is the kernel's own ISF (fixtures/kernel). A copy that contradicts itself is
      made: _POOL_TRACKER_TABLE.NonPagedBytes (8 bytes) at +0x34 of a 0x38-byte entry, and
      _POOL_TRACKER_BIG_PAGES.PoolType a bitfield at bit 60 of 4 bytes. `analyze --json` with
      it must name each contradiction once (file, type, member, "contradicts itself", code
      BAD_SYMBOLS), never read outside an entry, and give the symbol-free analysis's counts
      for its tags (the tracker falls back to the built-in layout).

Exit 0 = pass, 1 = fail (meson's protocol).
"""
import json
import os
import shutil
import struct
import subprocess
import sys

# Kernel addresses the fixtures are not expected to map; the first one `read` cannot read is
# used (so the test never patches in an address that works).
CANDIDATES_X64 = [0xFFFFF8FFFFFF0000, 0xFFFFFFFF00000000, 0xFFFFF88FFFFF0000]
CANDIDATES_X86 = [0xFFBFF000, 0xFF7FF000, 0xBFFF0000]


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def find_kdbg(data, kernbase, size, is64):
    """File offset of the KDBG block: "KDBG" at +0x10, Size at +0x14, KernBase at +0x18."""
    at = data.find(b"KDBG")
    while at >= 0:
        blk = at - 0x10
        if blk >= 0:
            sz = struct.unpack_from("<I", data, at + 4)[0]
            kb = struct.unpack_from("<Q", data, blk + 0x18)[0]
            if not is64:
                kb &= 0xFFFFFFFF
            if sz == size and kb == kernbase:
                return blk
        at = data.find(b"KDBG", at + 1)
    return None


def ntbuildlab(pm, dump, work):
    truth = json.load(open(os.path.splitext(dump)[0] + ".truth.json"))["info"]
    build = truth["machine"]["build"]
    if build >= 18362:
        return ["%s: build %d is not before 19H1; the regression needs one" % (dump, build)]
    is64 = truth["container"]["signature"] == "PAGEDU64"
    data = bytearray(open(dump, "rb").read())
    blk = find_kdbg(data, int(truth["kernel"]["base"], 16), int(truth["kdbg"]["size"], 16), is64)
    if blk is None:
        return ["%s: the KDBG block was not found in the file" % dump]
    bad = None
    for a in CANDIDATES_X64 if is64 else CANDIDATES_X86:
        if run([pm, "read", dump, "%#x" % a, "1"])[0] != 0:
            bad = a
            break
    if bad is None:
        return ["%s: every candidate address is mapped in the dump; add another" % dump]
    os.makedirs(work, exist_ok=True)
    out = os.path.join(work, os.path.basename(dump) + ".ntbuildlab.dmp")
    struct.pack_into("<Q", data, blk + 0x208, bad)
    open(out, "wb").write(data)
    fails = []
    rc, so, se = run([pm, "info", "--json", out])
    if rc not in (0, 4):
        fails.append("%s: info exit %d (a crash is a negative code): %s" % (out, rc, se[-400:]))
        return fails
    try:
        j = json.loads(so)
    except ValueError as e:
        return ["%s: info --json is not JSON: %s" % (out, e)]
    lab = j.get("machine", {}).get("build_lab")
    if not isinstance(lab, dict) or lab.get("value", 0) is not None or "absent" not in lab:
        fails.append("%s: build_lab should be absent with a reason, got %r" % (out, lab))
    diags = [d.get("message", "") for d in j.get("diagnostics", [])]
    if sum("NtBuildLab" in m for m in diags) != 1:
        fails.append("%s: expected one diagnostic naming NtBuildLab, got %r" % (out, diags))
    if j.get("machine", {}).get("build") != build:
        fails.append("%s: the build changed: %r" % (out, j.get("machine")))
    # the text rendering walks the same values
    rc, _, se = run([pm, "info", out])
    if rc not in (0, 4):
        fails.append("%s: info (text) exit %d: %s" % (out, rc, se[-400:]))
    os.remove(out)
    return fails


def badsyms(pm, dump, isf_xz, work):
    import lzma
    j = json.loads(lzma.open(isf_xz).read())
    tt = j["user_types"]["_POOL_TRACKER_TABLE"]
    tt["fields"]["NonPagedBytes"]["offset"] = 0x34  # 8 bytes: past the 0x38-byte entry
    bt = j["user_types"]["_POOL_TRACKER_BIG_PAGES"]
    bt["fields"]["PoolType"]["type"]["bit_position"] = 60
    os.makedirs(work, exist_ok=True)
    bad = os.path.join(work, "contradicting.isf.json")
    with open(bad, "w") as f:
        json.dump(j, f)
    fails = []
    rc, so, se = run([pm, "analyze", "--json", "--symbols", bad, dump])
    rc0, so0, _ = run([pm, "analyze", "--json", dump])
    if rc not in (0, 1, 4) or rc0 not in (0, 1, 4):
        return ["analyze exit %d / %d (no symbols): %s" % (rc, rc0, se[-400:])]
    a, a0 = json.loads(so), json.loads(so0)
    diags = [d for d in a["info"]["diagnostics"] if "contradicts itself" in d["message"]]
    for member in ("_POOL_TRACKER_TABLE.NonPagedBytes", "_POOL_TRACKER_BIG_PAGES.PoolType"):
        hits = [d for d in diags if member in d["message"] and bad in d["message"]]
        if len(hits) != 1 or hits[0]["code"] != "BAD_SYMBOLS":
            fails.append("%s: expected one BAD_SYMBOLS diagnostic naming %s and %s, got %r"
                         % (dump, bad, member, diags))
    if not a["info"]["symbols"]["found"]:
        fails.append("%s: the contradicting ISF was not matched: %r" % (dump, a["info"]["symbols"]))
    # the symbols' variables still serve (the expansion table adds its tags); the layout they
    # contradict themselves about is not used: the built-in one reads the same counts
    got = {t["tag"]: t for t in a["poolused"].get("tags") or []}
    for t in a0["poolused"].get("tags") or []:
        if got.get(t["tag"]) != t:
            fails.append("%s: tag %s differs from the symbol-free analysis: %r vs %r"
                         % (dump, t["tag"], got.get(t["tag"]), t))
    if a["poolused"]["tracker"]["layout"] != a0["poolused"]["tracker"]["layout"]:
        fails.append("%s: the tracker layout is not the built-in one: %r"
                     % (dump, a["poolused"]["tracker"]["layout"]))
    os.remove(bad)
    return fails


def main():
    modes = {"ntbuildlab": (ntbuildlab, 5, "NtBuildLab unreadable before 19H1 is absent, said "
                            "once, and nothing crashes"),
             "badsyms": (badsyms, 6, "a symbol file that contradicts itself is said so and "
                         "not used where it does")}
    if len(sys.argv) < 2 or sys.argv[1] not in modes or len(sys.argv) != modes[sys.argv[1]][1]:
        print(__doc__)
        return 2
    fn, _, ok = modes[sys.argv[1]]
    fails = fn(*sys.argv[2:])
    for f in fails:
        print("FAIL:", f)
    if not fails:
        print("ok:", ok)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
