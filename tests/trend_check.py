#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""trend over a generated series of one machine: the growing tag ranks first with the series'
growth rate. trend_check.py POOLMORTEM DUMP... (each with its .truth.json)

Also, from batch-like NDJSON records made here: a machine whose RAM, build and uptime are not
known is not 'nan'; a tag that vanishes keeps its pool's label; tags that did not move are
counted, not listed; rates are given in MiB/h.
"""
import json
import os
import subprocess
import sys
import tempfile


def synthetic(pm, fails):
    def rec(t, up, tags):
        return {"path": "/d/%d.dmp" % up, "info": {"machine": {"os": "Windows Server 2019"},
                "time": {"system_time": t, "uptime_seconds": up * 3600}},
                "summary": {"tags": [{"tag": k, "np_bytes": n, "p_bytes": p}
                                     for k, (n, p) in tags.items()]}}
    recs = [rec("2024-01-01T00:00:00Z", 1, {"Gone": (0, 8 << 20), "Flat": (4096, 0),
                                            "Grow": (1 << 20, 0)}),
            rec("2024-01-01T01:00:00Z", 2, {"Gone": (0, 0), "Flat": (4096, 0),
                                            "Grow": (3 << 20, 0)})]
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "b.ndjson")
        open(f, "w").write("".join(json.dumps(r) + "\n" for r in recs))
        text = subprocess.run([pm, "trend", f], capture_output=True, text=True).stdout
        js = json.loads(subprocess.run([pm, "trend", "--json", f], capture_output=True,
                                       text=True).stdout)
    if "nan" in text.lower() or "RAM unknown" not in text:
        fails.append("unknown machine figures: %r" % text.splitlines()[:1])
    tags = {t["tag"]: t for t in js["machines"][0]["tags"]}
    if "Gone" not in tags or tags["Gone"]["pool"] != "paged":
        fails.append("a vanished paged tag: %s" % tags.get("Gone"))
    if "Flat" in tags or "Flat " in text or "1 tag unchanged" not in text:
        fails.append("an unchanged tag is listed: %r" % text)
    if "MiB/h" not in text or not any(l.split()[:1] == ["Grow"] and l.split()[-1] == "+2.000"
                                      for l in text.splitlines()):
        fails.append("Grow's rate is not +2.000 MiB/h: %r" % text)


def main():
    pm, dumps = sys.argv[1], sys.argv[2:]
    exp = json.load(open(dumps[0][:-4] + ".truth.json"))["trend"]
    p = subprocess.run([pm, "trend", "--json"] + list(reversed(dumps)), capture_output=True,
                       text=True)
    fails = []
    try:
        d = json.loads(p.stdout)
    except ValueError:
        print("FAIL: no JSON (exit %d): %s" % (p.returncode, p.stderr))
        return 1
    if len(d["machines"]) != 1:
        fails.append("%d machine groups, expected 1" % len(d["machines"]))
    m = d["machines"][0]
    tags = m["tags"]
    if [x["path"] for x in m["dumps"]] != dumps:
        fails.append("dumps not in time order: %s" % [x["path"] for x in m["dumps"]])
    if tags[0]["tag"] != exp["first_tag"] or abs(tags[0]["bytes_per_hour"] - exp["bytes_per_hour"]) > 0.5:
        fails.append("first: %s at %s/h, expected %s at %s/h" % (
            tags[0]["tag"], tags[0]["bytes_per_hour"], exp["first_tag"], exp["bytes_per_hour"]))
    if tags[1]["tag"] != exp["second_tag"] or abs(tags[1]["bytes_per_hour"] - exp["second_bytes_per_hour"]) > 0.5:
        fails.append("second: %s at %s/h" % (tags[1]["tag"], tags[1]["bytes_per_hour"]))
    if m["time_axis"] != "uptime":
        fails.append("time axis %s, expected uptime (one boot)" % m["time_axis"])
    synthetic(pm, fails)
    for f in fails:
        print("FAIL:", f)
    print("ok" if not fails else "%d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
