#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Rule tests from summaries alone (no dump): rules_check.py POOLMORTEM CASE.json

The case holds {"summary": <poolmortem.summary/1>, "expect": {"verdict": {...}, "rules":
{RULE: severity}, "steps_contain": [...], "not_evaluated_contains": [...], "args": [...],
"holders": [...], "nholders": {...}, "holders_absent_contains": {...},
"coverage_contains": [...], "drivers": [...]}}.
Runs `poolmortem rules --json` on the summary and checks the verdict, the severity of each
named rule's finding, and the exit code (the verdict's bits: 1 at risk, 4 incomplete, 8
inconclusive); "missing_contains" checks what an inconclusive verdict says is missing.
"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    pm, case = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    c = json.load(open(case))
    exp = c["expect"]
    fails = []
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(c["summary"], f)
        sp = f.name
    try:
        args = [pm, "rules", "--json"] + exp.get("args", []) + [sp]
        p = subprocess.run(args, capture_output=True, text=True, cwd=os.path.dirname(case))
    finally:
        os.unlink(sp)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        print("FAIL: no JSON; exit %d; %s" % (p.returncode, p.stderr))
        return 1
    v = out["verdict"]
    for k, want in exp.get("verdict", {}).items():
        if k == "resource" and want == "none":
            want = None if v.get("healthy") else v.get("resource")
            if v.get("resource") not in (None, "none") and v.get("resource") != want:
                fails.append("verdict.resource: %r" % v.get("resource"))
            continue
        if v.get(k) != want:
            fails.append("verdict.%s: expected %r, got %r" % (k, want, v.get(k)))
    # the exit code carries the verdict as bits: 1 at risk, 4 incomplete, 8 inconclusive
    want_rc = {"at_risk": 1, "inconclusive": 8, "healthy": 0}.get(v.get("outcome"), -1)
    want_rc |= 4 if v.get("incomplete") else 0
    if p.returncode != want_rc or v.get("exit_code") != want_rc:
        fails.append("exit %d (verdict.exit_code %r), expected %d for outcome %r (%s)" % (
            p.returncode, v.get("exit_code"), want_rc, v.get("outcome"), p.stderr.strip()))
    if v.get("healthy") != (v.get("outcome") == "healthy"):
        fails.append("verdict.healthy %r disagrees with outcome %r" % (v.get("healthy"),
                                                                      v.get("outcome")))
    miss = " ".join(m["what"] + " " + m["fix"] for m in v.get("missing", []))
    for frag in exp.get("missing_contains", []):
        if frag not in miss:
            fails.append("verdict.missing lacks %r: %r" % (frag, miss))
    cov = " ".join(v.get("coverage", []))
    for frag in exp.get("coverage_contains", []):
        if frag not in cov:
            fails.append("verdict.coverage lacks %r: %r" % (frag, cov))
    by_rule = {}
    for f in out["findings"]:
        by_rule.setdefault(f["rule"], f)
    for rule, sev in exp.get("rules", {}).items():
        if rule not in by_rule:
            fails.append("no finding from %s" % rule)
        elif by_rule[rule]["severity"] != sev:
            fails.append("%s: severity %s, expected %s" % (rule, by_rule[rule]["severity"], sev))
    steps = " ".join(s for f in out["findings"] for s in f["next_steps"])
    for frag in exp.get("steps_contain", []):
        if frag not in steps:
            fails.append("no next step mentions %r" % frag)
    ne = " ".join(out["not_evaluated"])
    for frag in exp.get("not_evaluated_contains", []):
        if frag not in ne:
            fails.append("not_evaluated lacks %r" % frag)
    # who holds it: {"holders": [{"rule", "index", field: value..., "detail_contains"}],
    # "nholders": {RULE: n}, "holders_absent_contains": {RULE: fragment}}
    for want in exp.get("holders", []):
        f = by_rule.get(want["rule"], {})
        hs = f.get("holders", [])
        if want["index"] >= len(hs):
            fails.append("%s: no holder %d (%r)" % (want["rule"], want["index"], hs))
            continue
        got = hs[want["index"]]
        for k, v in want.items():
            if k == "detail_contains":
                if v not in got.get("detail", ""):
                    fails.append("%s holder %d: detail %r lacks %r" % (want["rule"], want["index"],
                                                                       got.get("detail"), v))
            elif k not in ("rule", "index") and got.get(k) != v:
                fails.append("%s holder %d: %s %r, expected %r" % (want["rule"], want["index"], k,
                                                                   got.get(k), v))
    # the likely owners: {"drivers": [{"rule", "index", field: value..., "detail_contains"}]}
    for want in exp.get("drivers", []):
        ds = by_rule.get(want["rule"], {}).get("suspect_drivers", [])
        if want["index"] >= len(ds):
            fails.append("%s: no owner %d (%r)" % (want["rule"], want["index"], ds))
            continue
        got = ds[want["index"]]
        for k, v in want.items():
            if k == "detail_contains":
                if v not in got.get("detail", ""):
                    fails.append("%s owner %d: detail %r lacks %r" % (want["rule"], want["index"],
                                                                      got.get("detail"), v))
            elif k not in ("rule", "index") and got.get(k) != v:
                fails.append("%s owner %d: %s %r, expected %r" % (want["rule"], want["index"], k,
                                                                  got.get(k), v))
    for rule, n in exp.get("nholders", {}).items():
        got = len(by_rule.get(rule, {}).get("holders", []))
        if got != n:
            fails.append("%s: %d holders, expected %d" % (rule, got, n))
    for rule, frag in exp.get("holders_absent_contains", {}).items():
        if frag not in by_rule.get(rule, {}).get("holders_absent", ""):
            fails.append("%s: holders_absent %r lacks %r" % (
                rule, by_rule.get(rule, {}).get("holders_absent"), frag))
    for f in out["findings"]:
        if f["severity"] != "info" and not f["evidence"]:
            fails.append("%s has no evidence" % f["rule"])
    for m in fails:
        print("FAIL:", m)
    if not fails:
        print("ok")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
