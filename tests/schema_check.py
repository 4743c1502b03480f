#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Validate every JSON output poolmortem gives for a dump against schemas/poolmortem.schema.json.

schema_check.py POOLMORTEM SCHEMA DUMP...
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
    schema = json.load(open(schema_path))
    jsonschema.Draft202012Validator.check_schema(schema)
    vals = {k: jsonschema.Draft202012Validator({"$ref": "#/$defs/" + k, "$defs": schema["$defs"]})
            for k in ("info", "poolused", "bigpool", "vm", "analyze", "summary", "batch_line",
                      "trend", "batch_summary")}
    fails = 0
    n = 0
    for d in dumps:
        for cmd in (["info"], ["poolused", "--scan"], ["bigpool", "--all"], ["vm"],
                    ["analyze", "--scan"], ["summary"]):
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
            e = jsonschema.exceptions.best_match(vals[cmd[0]].iter_errors(doc))
            if e is not None:
                fails += 1
                print("FAIL: %s %s: %s at /%s" % (" ".join(cmd), os.path.basename(d), e.message[:200],
                                                   "/".join(str(x) for x in e.absolute_path)))
    # trend over all the dumps, and a batch over them (its lines and its summary)
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
        for kind, text in docs:
            n += 1
            try:
                e = jsonschema.exceptions.best_match(vals[kind].iter_errors(json.loads(text)))
            except ValueError:
                e = "no JSON"
            if e is not None:
                fails += 1
                print("FAIL: %s: %s" % (kind, getattr(e, "message", e)))
    print("%d documents validated, %d failures" % (n, fails))
    return 1 if fails or not n else 0


if __name__ == "__main__":
    sys.exit(main())
