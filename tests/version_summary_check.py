#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The summary carries each module's version resource to the rules, which give the likely
owners' image facts (lm v): version_summary_check.py POOLMORTEM CASE.json

CASE is a rules case whose summary has tag hits in myfault.sys and decoy.sys. Here myfault.sys
gets a version resource (with a CompanyName longer than a report keeps, in UTF-8), decoy.sys
one that was not captured, and a third summary none at all (written before summaries carried
it): `rules --json` must give each owner's image as the summary says, cut on a character and
marked so, the absent one with its reason and detail, the missing one "not_available".
"""
import json
import os
import subprocess
import sys
import tempfile

fails = []


def rules(pm, summary, tmp, fmt="--json"):
    p = os.path.join(tmp, "s.json")
    open(p, "w").write(json.dumps(summary))
    r = subprocess.run([pm, "rules", fmt, p], capture_output=True, text=True, timeout=120)
    return r.stdout if fmt != "--json" else (json.loads(r.stdout) if r.stdout else {})


def images(report):
    out = {}
    for f in report.get("findings", []):
        for d in f.get("suspect_drivers", []):
            out.setdefault(d["name"], d.get("image"))
    return out


def main():
    pm, case = os.path.abspath(sys.argv[1]), sys.argv[2]
    base = json.load(open(case))["summary"]
    company = "\u00c9" * 100  # 200 bytes of UTF-8: kept to 126 (63 characters)
    with tempfile.TemporaryDirectory() as tmp:
        s = json.loads(json.dumps(base))
        for m in s["modules"]:
            if m["name"] == "myfault.sys":
                m["timestamp"] = 0x4A5BC60F
                m["version"] = {"file_version": "4.1.0.2", "product_version": "4.1.0.0",
                                "company": company, "product": "NotMyFault",
                                "description": None, "file_version_string": "4.1",
                                "original_filename": "myfault.sys",
                                "string_table": "040904B0", "truncated": []}
            if m["name"] == "decoy.sys":
                m["version"] = {"value": None, "absent": "not_captured",
                                "detail": "VA 0xfffff80000006000 is not in the dump"}
        got = images(rules(pm, s, tmp))
        mf, dc = got.get("myfault.sys") or {}, got.get("decoy.sys") or {}
        v = mf.get("version") or {}
        if (mf.get("link_date") != "2009-07-13" or v.get("file_version") != "4.1.0.2" or
                v.get("product") != "NotMyFault" or v.get("description") is not None or
                v.get("company") != "\u00c9" * 63 or v.get("truncated") != ["CompanyName"]):
            fails.append("myfault.sys image %r" % mf)
        if (dc.get("version") or {}).get("absent") != "not_captured" or \
                "not in the dump" not in (dc.get("version") or {}).get("detail", ""):
            fails.append("decoy.sys image %r" % dc)
        t = subprocess.run([pm, "rules", os.path.join(tmp, "s.json")], capture_output=True,
                           text=True, timeout=120).stdout
        if 'File version 4.1.0.2' not in t or 'ProductName "NotMyFault"' not in t or \
                "version resource not in the dump" not in t:
            fails.append("text: %r" % t[-800:])
        old = images(rules(pm, base, tmp))
        if ((old.get("myfault.sys") or {}).get("version") or {}).get("absent") != "not_available":
            fails.append("a summary without versions: %r" % old.get("myfault.sys"))
    for f in fails:
        print("FAIL:", f)
    print("ok" if not fails else "%d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
