#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Rebuild rules/data/shared_tags.json: pool tags that library code puts into many drivers.

    shared_tags_from_evidence.py --poolmortem build/poolmortem --pooltag pooltag.txt \
        [--source NAME=REPO@COMMIT:PATH ...] [--known TAG=LIBRARY ...] DRIVER.sys... \
        > rules/data/shared_tags.json

A tag that statically linked library code allocates with is an immediate in every driver
that links the library: finding it in a driver's code says the driver links the library,
not that the driver's own code leaks it. Two readings give the list:
  * pooltag.txt: a line whose binary column names a static library (`*.lib`, `FsLib` -- the
    file itself says FsLib "is a static library linked in both NTFS and ReFS") or
    `<multiple>`;
  * the drivers: `poolmortem tags --json` on each file; for every --known tag (the library
    named by whoever supplies it) how many of the drivers pass it to an allocator (r8d), and
    which. A tag is listed from the drivers only with --known: a tag several drivers of one
    vendor share is one code base, not a library every driver may link; such tags are
    counted in "measured_not_listed" for the reader to judge.
Only facts are taken (tags, binary names, line numbers, counts, hashes), never prose.
"""
import argparse
import collections
import hashlib
import json
import os
import re
import subprocess
import sys


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def pooltag_libraries(path):
    """{tag: (binary, line)} for lines whose binary is a static library."""
    out = {}
    for n, line in enumerate(open(path, encoding="latin-1"), 1):
        s = line.rstrip("\r\n")
        if not s or s[0] in " \t" or s.lower().startswith("rem") or s.startswith("//"):
            continue
        parts = s.split(" - ", 2)
        if len(parts) != 3:
            continue
        tag, binary = parts[0].rstrip(), parts[1].strip()
        if "*" in tag or "?" in tag or not tag:
            continue
        b = binary.lower()
        if b.endswith(".lib") or b == "fslib" or b == "<multiple>":
            out.setdefault(tag.ljust(4), (binary, n))
    return out


def driver_tags(pm, path):
    p = subprocess.run([pm, "tags", "--json", path], capture_output=True, text=True)
    if p.returncode:
        return None
    return {t["tag"]: t for t in json.loads(p.stdout)["immediate_tags"]}


def family(name):
    """A driver file's family: its name up to the first '_', '.' or digit run."""
    return re.split(r"[_.]|\d+", os.path.basename(name))[0].lower()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--poolmortem", required=True)
    ap.add_argument("--pooltag", required=True)
    ap.add_argument("--source", action="append", default=[],
                    help="NAME=where it came from (repository@commit:path)")
    ap.add_argument("--known", action="append", default=[], help="TAG=LIBRARY")
    ap.add_argument("drivers", nargs="+")
    a = ap.parse_args()
    src = dict(s.split("=", 1) for s in a.source)
    libs = pooltag_libraries(a.pooltag)
    per = {}
    for d in a.drivers:
        t = driver_tags(a.poolmortem, d)
        if t is not None:
            per[d] = t
    r8d = collections.defaultdict(list)
    for d, tags in per.items():
        for tag, t in tags.items():
            if t["r8d"]:
                r8d[tag].append(d)
    tags = {}
    pt = os.path.basename(a.pooltag)
    for tag, (binary, line) in sorted(libs.items()):
        what = ("names several binaries (%s)" % binary if binary.startswith("<")
                else "names the static library %s" % binary)
        tags[tag] = {"library": binary, "evidence": "%s line %d %s" % (pt, line, what),
                     "drivers_with_it": len(r8d.get(tag, []))}
    for k in a.known:
        tag, lib = k.split("=", 1)
        tag = tag.ljust(4)
        ds = sorted(os.path.basename(d) for d in r8d.get(tag, []))
        e = tags.setdefault(tag, {"library": lib})
        e["evidence"] = ("an allocator's Tag (r8d) in %d of %d real drivers measured (%s); "
                         "not in %s; the library is inferred, not read from the image"
                         % (len(ds), len(per), ", ".join(ds) or "none", pt)
                         if tag not in libs else e["evidence"])
        e["drivers_with_it"] = len(ds)
    fams = {tag: sorted({family(d) for d in ds}) for tag, ds in r8d.items()}
    measured = {tag: {"drivers": len(r8d[tag]), "families": f}
                for tag, f in sorted(fams.items()) if len(r8d[tag]) >= 3 and tag not in tags}
    here = os.path.dirname(os.path.abspath(__file__))
    out = {
        "_comment": "Pool tags that statically linked library code puts into many drivers: "
                    "found in a driver, they are weak evidence for that driver. Made by "
                    "rules/shared_tags_from_evidence.py (inputs: "
                    "rules/shared_tags.provenance.json); never edit by hand.",
        "shared_tags": tags,
    }
    prov = {
        "pooltag": {"file": pt, "sha256": sha256(a.pooltag), "source": src.get(pt, "")},
        "drivers": [{"file": os.path.basename(d), "sha256": sha256(d),
                     "source": src.get(os.path.basename(d), src.get("*", ""))}
                    for d in sorted(per, key=os.path.basename)],
        "measured_not_listed": measured,
    }
    for path, obj in ((os.path.join(here, "data", "shared_tags.json"), out),
                      (os.path.join(here, "shared_tags.provenance.json"), prov)):
        with open(path, "w") as f:
            json.dump(obj, f, indent=1, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
