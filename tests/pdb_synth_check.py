#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What no toolchain at hand produces, from synthetic PDBs (fixtures/mkpdb.py): OMAP address
translation (and a symbol whose code was removed), LF_STRUCTURE2 with a unique name and a
forward reference to it, an LF_INDEX-continued field list, a bitfield, a negative enumerator
stored as LF_ULONG, a large offset and size, and the VC 7.0 forms (TPI V70, _ST leaves,
S_PUB32_ST with an x86-decorated name). Each read back through `dt --json` / `x --json` must
equal mkpdb.EXPECT.

pdb_synth_check.py POOLMORTEM MKPDB
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

fails = []


def main():
    pm, mk = sys.argv[1], sys.argv[2]
    spec = importlib.util.spec_from_file_location("mkpdb", mk)
    mkpdb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mkpdb)
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, mk, tmp], check=True)
        for f, want in mkpdb.EXPECT.items():
            path = os.path.join(tmp, f)
            for ty, w in want["types"].items():
                p = subprocess.run([pm, "dt", "--json", path, ty], capture_output=True, text=True)
                if p.returncode:
                    fails.append("%s %s: exit %d: %s" % (f, ty, p.returncode, p.stderr.strip()))
                    continue
                d = json.loads(p.stdout)
                checked += 1
                src = {k: d["source"].get(k) for k in want["source"]}
                if src != want["source"]:
                    fails.append("%s %s: source %r, want %r (both ages named)" % (
                        f, ty, src, want["source"]))
                if d["size"] != w["size"]:
                    fails.append("%s %s: size %r, want %#x" % (f, ty, d["size"], w["size"]))
                got = {m["name"]: (m["offset"], (m["bit_position"], m["bit_length"])
                                   if "bit_position" in m else None) for m in d["members"]}
                if got != w["members"]:
                    fails.append("%s %s: members %r, want %r" % (f, ty, got, w["members"]))
                for (t2, mname), tn in want["member_types"].items():
                    if t2 == ty:
                        m = [x for x in d["members"] if x["name"] == mname]
                        if not m or m[0]["type"] != tn:
                            fails.append("%s %s.%s: type %r, want %r" % (
                                f, ty, mname, m and m[0]["type"], tn))
            for en, consts in want["enums"].items():
                p = subprocess.run([pm, "dt", path, en], capture_output=True, text=True)
                checked += 1
                for name, v in consts.items():
                    if "%s = 0n%d" % (name, v) not in p.stdout:
                        fails.append("%s %s: no %s = %d in %r" % (f, en, name, v, p.stdout))
            names = sorted(want["symbols"])
            p = subprocess.run([pm, "x", "--json", path] + names, capture_output=True, text=True)
            for s in json.loads(p.stdout)["symbols"]:
                checked += 1
                w = want["symbols"][s["name"]]
                got = int(s["rva"], 16) if s["rva"] else None
                if got != w:
                    fails.append("%s %s: RVA %r, want %r (%s)" % (f, s["name"], s["rva"], w,
                                                                  s.get("error", "")))
                if w is None and "no address" not in s.get("error", ""):
                    fails.append("%s %s: the removed symbol's error is %r" % (f, s["name"],
                                                                              s.get("error")))
    for x in fails:
        print("FAIL:", x)
    print("%d synthetic types, enums and symbols checked; %s" % (
        checked, "ok" if not fails else "%d failures" % len(fails)))
    return 1 if fails or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
