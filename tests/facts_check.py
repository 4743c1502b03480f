#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Validate the committed real-kernel facts table (fixtures/facts/).

    facts_check.py FACTS_DIR              check ntkrnlmp-x64.json and README.md beside it
    facts_check.py --selftest FACTS_DIR   break copies of the table and expect the check to fail

The table check: every kernel has GUID, age, SHA-256, build and an ISF path that names them;
every layout set and layout it refers to exists and is stored under the hash of its content;
every member lies inside its structure (offset + size <= size, bits inside the member); the
distances and capacities agree with the RVAs; present and absent globals partition the searched
list. The README check: every `$ python3 fixtures/facts/measure.py ...` block in README.md
prints what the table gives today, so a figure in the README cannot drift from the data.
"""
import copy
import hashlib
import json
import os
import re
import subprocess
import sys

HEX = re.compile(r"^[0-9A-F]+$")


def digest(obj):
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def check_member(where, path, m, size, errs):
    for key in ("offset", "size", "type"):
        if key not in m:
            errs.append("%s: member %s has no %s" % (where, path, key))
            return
    off, width = m["offset"], m["size"]
    if not isinstance(off, int) or off < 0:
        errs.append("%s: member %s offset %r" % (where, path, off))
        return
    if width is None:  # a type the ISF leaves undefined (a forward reference)
        return
    if not isinstance(width, int) or width < 0 or off + width > size:
        errs.append("%s: member %s at %#x + %r bytes passes the end (%#x)"
                    % (where, path, off, width, size))
    if "bit_position" in m or "bit_length" in m:
        pos, n = m.get("bit_position"), m.get("bit_length")
        if not isinstance(pos, int) or not isinstance(n, int) or n < 1 or pos < 0 \
                or pos + n > 8 * width:
            errs.append("%s: member %s bits %r..+%r do not fit %d bytes"
                        % (where, path, pos, n, width))
    if "count" in m and (not isinstance(m["count"], int) or m["count"] < 1):
        errs.append("%s: member %s count %r" % (where, path, m["count"]))


def check_layout(key, lay, errs):
    where = "layout %s (%s)" % (key, lay.get("type"))
    if digest(lay) != key:
        errs.append("%s: stored under %s but its content hashes to %s" % (where, key, digest(lay)))
    kind = lay.get("kind")
    if kind == "enum":
        if not isinstance(lay.get("constants"), dict) or not lay["constants"]:
            errs.append("%s: enum without constants" % where)
        return
    size = lay.get("size")
    if not isinstance(size, int) or size <= 0:
        errs.append("%s: size %r" % (where, size))
        return
    if not isinstance(lay.get("members"), dict):
        errs.append("%s: no members" % where)
        return
    for path, m in lay["members"].items():
        check_member(where, path, m, size, errs)


def check_table(d):
    errs = []
    if d.get("schema") != "poolmortem-facts/1":
        errs.append("schema %r" % d.get("schema"))
    src = d.get("source", {})
    for key in ("repository", "commit", "path_pattern"):
        if not src.get(key):
            errs.append("source: no %s" % key)
    searched = d.get("globals_searched") or []
    layouts = d.get("layouts", {})
    sets = d.get("layout_sets", {})
    for key, lay in layouts.items():
        check_layout(key, lay, errs)
    for key, st in sets.items():
        if digest(st) != key:
            errs.append("layout set %s: content hashes to %s" % (key, digest(st)))
        for name, ref in st.get("layouts", {}).items():
            if ref not in layouts:
                errs.append("layout set %s: %s refers to missing layout %s" % (key, name, ref))
            elif layouts[ref].get("type") != name.replace(" (search)", ""):
                errs.append("layout set %s: %s refers to a layout of %s"
                            % (key, name, layouts[ref].get("type")))
    kernels = d.get("kernels") or []
    if not kernels:
        errs.append("no kernels")
    seen = set()
    for i, k in enumerate(kernels):
        where = "kernel %d (%s-%s)" % (i, k.get("guid"), k.get("age"))
        guid, age = k.get("guid"), k.get("age")
        if not isinstance(guid, str) or len(guid) != 32 or not HEX.match(guid):
            errs.append("%s: guid %r" % (where, guid))
        if not isinstance(age, int) or age < 1:
            errs.append("%s: age %r" % (where, age))
        sha = k.get("sha256")
        if not isinstance(sha, str) or not re.match(r"^[0-9a-f]{64}$", sha):
            errs.append("%s: sha256 %r" % (where, sha))
        b = k.get("build")
        if not isinstance(b, int) or not 2600 <= b < 100000:
            errs.append("%s: build %r" % (where, b))
        ver = k.get("version") or ""
        if not re.match(r"^\d+\.\d+\.%s\.\d+$" % b, ver) or k.get("ubr") != int(
                ver.split(".")[-1] or -1):
            errs.append("%s: version %r does not carry build %r and UBR %r"
                        % (where, ver, b, k.get("ubr")))
        if not k.get("build_source"):
            errs.append("%s: no build_source" % where)
        f = k.get("file") or ""
        if not f.endswith("%s-%s.json.xz" % (guid, age)):
            errs.append("%s: file %r does not name GUID and age" % (where, f))
        if (guid, age) in seen:
            errs.append("%s: listed twice" % where)
        seen.add((guid, age))
        st = sets.get(k.get("layout_set"))
        if st is None:
            errs.append("%s: missing layout set %r" % (where, k.get("layout_set")))
            continue
        g = k.get("globals", {})
        for n, v in g.items():
            if not (isinstance(v, list) and len(v) == 2 and isinstance(v[0], int) and v[0] > 0
                    and (v[1] is None or (isinstance(v[1], int) and v[1] > 0))):
                errs.append("%s: global %s = %r (want [rva, room])" % (where, n, v))
        absent = st.get("globals_absent", [])
        both = set(absent) & set(g)
        if both:
            errs.append("%s: present and absent: %s" % (where, sorted(both)))
        missing = [n for n in searched if n not in g and n not in absent]
        if missing:
            errs.append("%s: neither present nor absent: %s" % (where, missing))
        rva = {n: v[0] for n, v in g.items() if isinstance(v, list) and v}
        for pair, dist in k.get("distances", {}).items():
            a, b2 = pair.split("-")
            if a not in rva or b2 not in rva or rva[a] - rva[b2] != dist:
                errs.append("%s: distance %s = %r disagrees with the RVAs" % (where, pair, dist))
        for n, cap in k.get("pointer_array_capacity", {}).items():
            if n not in g or g[n][1] is None or g[n][1] // 8 != cap:
                errs.append("%s: capacity of %s = %r disagrees with its room" % (where, n, cap))
    return errs


def check_readme(facts_dir, table_path):
    """Every measure.py command quoted in README.md prints what README.md shows."""
    errs = []
    readme = os.path.join(facts_dir, "README.md")
    text = open(readme).read()
    root = os.path.dirname(os.path.dirname(os.path.abspath(facts_dir)))
    blocks = re.findall(r"```\n\$ (python3 fixtures/facts/measure\.py [^\n]*)\n(.*?)```", text,
                        re.S)
    if not blocks:
        errs.append("README.md quotes no measure.py output")
    for cmd, shown in blocks:
        args = cmd.split()[1:]
        args = [os.path.join(root, a) if a.startswith("fixtures/") else a for a in args]
        args[1] = table_path if args[1].endswith("ntkrnlmp-x64.json") else args[1]
        out = subprocess.run([sys.executable] + args, capture_output=True, text=True)
        if out.returncode != 0:
            errs.append("README.md: `%s` failed: %s" % (cmd, out.stderr.strip()))
        elif out.stdout != shown:
            errs.append("README.md: `%s` now prints something else:\n%s" % (cmd, out.stdout))
    return errs


def selftest(d):
    """Each damage must be caught; returns the damages the check missed."""
    def first_struct(t):
        for key, lay in t["layouts"].items():
            if lay.get("members") and lay.get("kind") == "struct":
                return key
    damages = []

    def dmg(name):
        def deco(fn):
            damages.append((name, fn))
            return fn
        return deco

    @dmg("member past the end")
    def _(t):
        key = first_struct(t)
        m = next(iter(t["layouts"][key]["members"].values()))
        m["offset"] = t["layouts"][key]["size"]

    @dmg("layout edited without rehashing")
    def _(t):
        key = first_struct(t)
        t["layouts"][key]["size"] += 8

    @dmg("layout removed")
    def _(t):
        key = next(iter(t["layout_sets"].values()))["layouts"]["_POOL_HEADER"]
        del t["layouts"][key]

    @dmg("kernel without build")
    def _(t):
        del t["kernels"][0]["build"]

    @dmg("kernel without sha256")
    def _(t):
        t["kernels"][0]["sha256"] = ""

    @dmg("distance edited")
    def _(t):
        k = t["kernels"][0]
        k["distances"]["PoolBigPageTable-PoolTrackTable"] += 8

    @dmg("global moved without its distances")
    def _(t):
        t["kernels"][-1]["globals"]["PoolBigPageTableSize"][0] += 8

    @dmg("bitfield wider than its member")
    def _(t):
        for lay in t["layouts"].values():
            for m in lay.get("members", {}).values():
                if "bit_length" in m:
                    m["bit_length"] = 8 * m["size"] + 1
                    return

    @dmg("duplicate kernel")
    def _(t):
        t["kernels"].append(copy.deepcopy(t["kernels"][0]))

    missed = []
    if check_table(d):
        missed.append("the intact table already fails")
    for name, fn in damages:
        t = copy.deepcopy(d)
        fn(t)
        if not check_table(t):
            missed.append(name)
    return missed, len(damages)


def main():
    args = sys.argv[1:]
    self_test = "--selftest" in args
    args = [a for a in args if a != "--selftest"]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    facts_dir = args[0]
    table_path = os.path.join(facts_dir, "ntkrnlmp-x64.json")
    d = json.load(open(table_path))
    if self_test:
        missed, n = selftest(d)
        if missed:
            print("FAIL: the check did not catch: " + "; ".join(missed))
            return 1
        print("ok: %d damaged copies of the table all rejected" % n)
        return 0
    errs = check_table(d) + check_readme(facts_dir, table_path)
    for e in errs[:50]:
        print("FAIL: " + e)
    if errs:
        print("%d problems" % len(errs))
        return 1
    print("ok: %d kernels, %d layout sets, %d layouts" % (
        len(d["kernels"]), len(d["layout_sets"]), len(d["layouts"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
