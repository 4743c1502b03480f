#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""trend over a generated series of one machine: the growing tag ranks first with the series'
growth rate. trend_check.py POOLMORTEM DUMP... (each with its .truth.json)"""
import json
import subprocess
import sys


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
    for f in fails:
        print("FAIL:", f)
    print("ok" if not fails else "%d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
