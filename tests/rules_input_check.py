#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""How `poolmortem rules` reads its summary: rules_input_check.py POOLMORTEM CASE.json

- the summary given through a pipe (/dev/stdin, no size known in advance) gives the same
  report as the same summary in a file;
- a file over the size limit (64 MiB; a sparse file here) is refused before it is read, with
  exit 3 and one stderr line naming the file and the limit;
- an empty file and a missing file are exit 3 with one stderr line naming the file.
"""
import json
import os
import subprocess
import sys
import tempfile

fails = []


def run(args, stdin=None):
    p = subprocess.run(args, capture_output=True, text=True, input=stdin, timeout=120)
    return p.returncode, p.stdout, p.stderr


def one_line(what, rc, err, path, frag):
    lines = [l for l in err.splitlines() if l.strip()]
    if rc != 3:
        fails.append("%s: exit %d, expected 3" % (what, rc))
    if len(lines) != 1 or path not in lines[0] or frag not in lines[0]:
        fails.append("%s: expected one stderr line naming %s and %r, got %r" % (
            what, path, frag, lines))


def main():
    pm, case = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    summary = json.dumps(json.load(open(case))["summary"])
    with tempfile.TemporaryDirectory() as tmp:
        sp = os.path.join(tmp, "summary.json")
        open(sp, "w").write(summary)
        rc_f, out_f, err_f = run([pm, "rules", "--json", sp])
        rc_p, out_p, err_p = run([pm, "rules", "--json", "/dev/stdin"], stdin=summary)
        if not out_f or (rc_f, out_f) != (rc_p, out_p):
            fails.append("a piped summary gives another report: exit %d/%d (%s)" % (
                rc_f, rc_p, err_p.strip()))
        big = os.path.join(tmp, "big.json")
        with open(big, "wb") as f:
            f.truncate((64 << 20) + 1)
        rc, out, err = run([pm, "rules", big])
        one_line("over the limit", rc, err, big, "over the limit")
        empty = os.path.join(tmp, "empty.json")
        open(empty, "w").close()
        rc, out, err = run([pm, "rules", empty])
        one_line("empty file", rc, err, empty, "not valid JSON")
        missing = os.path.join(tmp, "missing.json")
        rc, out, err = run([pm, "rules", missing])
        one_line("missing file", rc, err, missing, "No such file")
    for f in fails:
        print("FAIL:", f)
    print("ok" if not fails else "%d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
