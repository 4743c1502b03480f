#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Validate every JSON output poolmortem gives for a dump against schemas/poolmortem.schema.json.

schema_check.py POOLMORTEM SCHEMA [--want-samples] DUMP...

--want-samples: analyze must have given sample allocations of a suspect tag in both forms the
schema allows (first bytes read, and absent with a reason), so both were validated.
"""
import json
import os
import subprocess
import sys

try:
    import jsonschema
except ImportError:  # Debian's python3-jsonschema is for /usr/bin/python3
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("FAIL: python3-jsonschema is not installed (scripts/deps.sh --test installs it)")
    sys.exit(1)


def main():
    pm, schema_path, dumps = sys.argv[1], sys.argv[2], sys.argv[3:]
    want_samples = "--want-samples" in dumps
    dumps = [d for d in dumps if d != "--want-samples"]
    schema = json.load(open(schema_path))
    jsonschema.Draft202012Validator.check_schema(schema)
    vals = {k: jsonschema.Draft202012Validator({"$ref": "#/$defs/" + k, "$defs": schema["$defs"]})
            for k in ("info", "poolused", "bigpool", "vm", "analyze", "summary", "batch_line",
                      "trend", "batch_summary", "symbols", "dt", "x", "rules", "processes",
                      "handles")}
    fails = 0
    n = 0
    samples = {"read": 0, "absent": 0}  # the samples' two forms the schema allows, both seen
    for d in dumps:
        for cmd in (["info"], ["poolused", "--scan"], ["bigpool", "--all"], ["vm"],
                    ["analyze", "--scan"], ["summary"], ["processes"], ["handles"]):
            p = subprocess.run([pm] + cmd + ["--json", d] if cmd[0] != "summary" else
                               [pm, "summary", d], capture_output=True, text=True)
            if p.returncode == 3:
                continue  # unreadable input: no report, one error line (the mustfail suite)
            try:
                doc = json.loads(p.stdout)
            except ValueError:
                print("FAIL: %s %s: no JSON (exit %d)" % (" ".join(cmd), d, p.returncode))
                fails += 1
                continue
            n += 1
            if cmd[0] == "analyze":
                for a in (doc.get("samples") or {}).get("allocations", []):
                    samples["read" if "hex" in a.get("first_bytes", {}) else "absent"] += 1
            e = jsonschema.exceptions.best_match(vals[cmd[0]].iter_errors(doc))
            if e is not None:
                fails += 1
                print("FAIL: %s %s: %s at /%s" % (" ".join(cmd), os.path.basename(d), e.message[:200],
                                                   "/".join(str(x) for x in e.absolute_path)))
    # the symbol commands: symbols (with and without a symbol path), analyze with symbols,
    # dt and x on the fixture kernels' PDB and ISF
    kdir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(schema_path))),
                        "fixtures", "kernel")
    extra = []
    for d in dumps:
        try:
            t = json.load(open(d[:-4] + ".truth.json")).get("symbols")
        except (OSError, ValueError):
            t = None
        extra.append(("symbols", [pm, "symbols", "--json", d]))
        if t:
            sp = os.path.join(kdir, t["dir"])
            extra.append(("symbols", [pm, "symbols", "--json", "--symbols", sp, d]))
            extra.append(("analyze", [pm, "analyze", "--json", "--scan", "--symbols", sp, d]))
            extra.append(("poolused", [pm, "poolused", "--json", "--scan", "--symbols", sp, d]))
            extra.append(("info", [pm, "info", "--json", "--symbols", sp, d]))
    for f in ("x64/ntkrnlmp.pdb", "x86/ntkrpamp.pdb", "x64/ntkrnlmp.isf.json.xz"):
        for ty in ("_POOL_HEADER", "_POOL_TYPE", "_POOL_TRACKER_BIG_PAGES"):
            extra.append(("dt", [pm, "dt", "--json", os.path.join(kdir, f), ty]))
        extra.append(("x", [pm, "x", "--json", os.path.join(kdir, f), "PoolTrackTable", "Nope"]))
    for kind, cmd in extra:
        p = subprocess.run(cmd, capture_output=True, text=True)
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            print("FAIL: %s: no JSON (exit %d): %s" % (" ".join(cmd[1:]), p.returncode,
                                                       p.stderr.strip()))
            fails += 1
            continue
        n += 1
        e = jsonschema.exceptions.best_match(vals[kind].iter_errors(doc))
        if e is not None:
            fails += 1
            print("FAIL: %s: %s at /%s" % (" ".join(cmd[1:]), e.message[:200],
                                            "/".join(str(x) for x in e.absolute_path)))
    # trend over all the dumps, a batch over them (its lines and its summary), and the rules
    # on each dump's saved summary
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        docs = []
        p = subprocess.run([pm, "trend", "--json"] + dumps, capture_output=True, text=True)
        docs.append(("trend", p.stdout))
        out, summ = tmp + "/b.ndjson", tmp + "/s.json"
        subprocess.run([pm, "batch", "--jobs", "2", "--no-progress", "--output", out,
                        "--summary", summ] + dumps, capture_output=True, text=True)
        docs += [("batch_line", l) for l in open(out)]
        docs.append(("batch_summary", open(summ).read()))
        # rules on each dump's saved summary
        for i, d in enumerate(dumps):
            sp = "%s/summary%d.json" % (tmp, i)
            p = subprocess.run([pm, "summary", d], capture_output=True, text=True)
            if p.returncode == 3:
                continue
            open(sp, "w").write(p.stdout)
            p = subprocess.run([pm, "rules", "--json", sp], capture_output=True, text=True)
            docs.append(("rules", p.stdout))
        for kind, text in docs:
            n += 1
            try:
                e = jsonschema.exceptions.best_match(vals[kind].iter_errors(json.loads(text)))
            except ValueError:
                e = "no JSON"
            if e is not None:
                fails += 1
                print("FAIL: %s: %s" % (kind, getattr(e, "message", e)))
    if want_samples and not (samples["read"] and samples["absent"]):
        fails += 1
        print("FAIL: analyze gave no sample allocations both read and unread: %r" % samples)
    print("%d documents validated, %d failures; sample allocations: %d read, %d unread"
          % (n, fails, samples["read"], samples["absent"]))
    return 1 if fails or not n else 0


if __name__ == "__main__":
    sys.exit(main())
