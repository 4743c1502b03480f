#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fixture and golden tests for `poolmortem info` and `poolmortem read`.

  fixture_check.py scenario POOLMORTEM DUMP GOLDEN_TXT [--update]
      info --json must contain every value of the generator's truth (<dump>.truth.json);
      info (text) must equal the golden file; every sampled read must give the truth's bytes
      or the truth's absence reason.
  fixture_check.py mustfail POOLMORTEM DUMP
      the damaged dump must end with exactly one error line on stderr containing the
      expected fragments, with the expected exit code, and (if given) JSON values; poolused,
      bigpool and vm exit with the same code (4: incomplete, 3: unreadable) and one line.
Exit 0 = pass, 1 = fail (meson's protocol).
"""
import json
import os
import subprocess
import sys

failures = []


def fail(msg):
    failures.append(msg)


ENV = {k: v for k, v in os.environ.items() if k != "POOLMORTEM_POOLTAG"}


def run(cmd, cwd=None):
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=120, env=ENV)
    return p.returncode, p.stdout, p.stderr


def subset(want, got, path="$"):
    """Every key/value in want must be in got; lists must match element by element."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            fail("%s: expected an object, got %r" % (path, got))
            return
        for k, v in want.items():
            if k not in got:
                fail("%s.%s: missing (expected %r)" % (path, k, v))
            else:
                subset(v, got[k], path + "." + k)
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            fail("%s: expected %d items, got %r" % (path, len(want), got))
            return
        for i, (w, g) in enumerate(zip(want, got)):
            subset(w, g, "%s[%d]" % (path, i))
    elif want != got:
        fail("%s: expected %r, got %r" % (path, want, got))


def golden_text(golden, out, update):
    if update:
        open(golden, "w").write(out)
    elif not os.path.exists(golden):
        fail("no golden file %s (run with --update and review it)" % golden)
    elif open(golden).read() != out:
        exp = open(golden).read().splitlines()
        got = out.splitlines()
        for i in range(max(len(exp), len(got))):
            e = exp[i] if i < len(exp) else "<none>"
            g = got[i] if i < len(got) else "<none>"
            if e != g:
                fail("%s differs at line %d:\n  expected: %s\n  got:      %s" % (
                    os.path.basename(golden), i + 1, e, g))
                break


def scenario(pm, dump, golden, update):
    truth = json.load(open(dump[:-4] + ".truth.json"))
    d, base = os.path.dirname(dump), os.path.basename(dump)
    rc, out, err = run([pm, "info", "--json", base], cwd=d)
    if rc != 0:
        fail("info --json exit %d: %s" % (rc, err))
    else:
        subset(truth["info"], json.loads(out))
    rc, out, err = run([pm, "info", base], cwd=d)
    if rc != 0:
        fail("info exit %d: %s" % (rc, err))
    golden_text(golden, out, update)
    for cmd in ("poolused", "bigpool", "vm"):
        if cmd not in truth:
            continue
        rc, out, err = run([pm, cmd, "--json", base], cwd=d)
        if rc != 0:
            fail("%s --json exit %d: %s" % (cmd, rc, err))
        else:
            subset(truth[cmd], json.loads(out), "$" + cmd)
        args = [pm, cmd, base] + (["--all"] if cmd == "bigpool" else [])
        rc, out, err = run(args, cwd=d)
        if rc != 0:
            fail("%s exit %d: %s" % (cmd, rc, err))
        golden_text(golden.replace(".info.txt", "." + cmd + ".txt"), out, update)
    if "verdict" in truth:
        rc, out, err = run([pm, "analyze", "--json", base], cwd=d)
        # the verdict's bits: 1 at risk, 4 incomplete, 8 inconclusive (truth: exit_code, or
        # 0 when healthy, else 1)
        want_rc = truth["verdict"].get("exit_code",
                                       0 if truth["verdict"].get("healthy") else 1)
        if rc != want_rc:
            fail("analyze exit %d, expected %d: %s" % (rc, want_rc, err))
        try:
            subset(truth["verdict"], json.loads(out).get("verdict"), "$verdict")
        except ValueError:
            fail("analyze --json gave no JSON")
        if "owner_image" in truth:  # the suspect driver's link date and version resource
            try:
                fi = json.loads(out).get("findings") or [{}]
                subset(truth["owner_image"], (fi[0].get("suspect_drivers") or [{}])[0],
                       "$findings[0].suspect_drivers[0]")
            except ValueError:
                pass
        rc, out, err = run([pm, "analyze", "--color", "never", base], cwd=d)
        golden_text(golden.replace(".info.txt", ".analyze.txt"), out, update)
    if "poolused" in truth:
        rc, out, err = run([pm, "analyze", "--json", base], cwd=d)
        if rc not in (0, 1):
            fail("analyze --json exit %d: %s" % (rc, err))
        else:
            a = json.loads(out)
            for k in ("info", "vm", "poolused", "bigpool"):
                subset(truth[k], a.get(k), "$analyze." + k)
    if "scan" in truth:
        rc, out, err = run([pm, "poolused", "--scan", "--json", base], cwd=d)
        if rc != 0:
            fail("poolused --scan --json exit %d: %s" % (rc, err))
        else:
            subset(truth["scan"], json.loads(out).get("scan"), "$scan")
        rc, out, err = run([pm, "poolused", "--scan", "--sort", "nonpaged", base], cwd=d)
        golden_text(golden.replace(".info.txt", ".scan.txt"), out, update)
    for r in truth["reads"]:
        cmd = [pm, "read", "--json", base, r["addr"], str(r["len"])]
        if r["space"] == "phys":
            cmd.append("--phys")
        rc, out, err = run(cmd, cwd=d)
        try:
            got = json.loads(out)
        except ValueError:
            fail("read %s %s: no JSON (exit %d, %s)" % (r["space"], r["addr"], rc, err))
            continue
        if "hex" in r:
            if rc != 0 or got.get("hex") != r["hex"]:
                fail("read %s %s len %d: expected %s, got %s (%s)" % (
                    r["space"], r["addr"], r["len"], r["hex"], got.get("hex"), err.strip()))
        else:
            if rc != 4 or got.get("absent") != r["absent"]:
                fail("read %s %s: expected absent %s with exit 4, got %r exit %d" % (
                    r["space"], r["addr"], r["absent"], got, rc))


def mustfail(pm, dump):
    exp = json.load(open(dump[:-4] + ".truth.json"))["expect"]
    for args in (["info", dump], ["info", "--json", dump]):
        rc, out, err = run([pm] + args)
        if rc != exp["exit"]:
            fail("%s: exit %d, expected %d; stderr: %s" % (" ".join(args), rc, exp["exit"], err))
        lines = [l for l in err.splitlines() if l.strip()]
        if len(lines) != 1:
            fail("%s: expected one stderr line, got %r" % (" ".join(args), lines))
        elif dump not in lines[0]:
            fail("stderr line does not name the file: %s" % lines[0])
        for frag in exp["stderr"]:
            if lines and frag not in lines[0]:
                fail("stderr line lacks %r: %s" % (frag, lines[0]))
        if "AddressSanitizer" in err or "runtime error" in err:
            fail("sanitizer report: %s" % err)
        if "--json" in args and "json" in exp:
            try:
                subset(exp["json"], json.loads(out))
            except ValueError:
                fail("no JSON report on stdout")
    mustfail_pool_commands(pm, dump, exp)


def mustfail_pool_commands(pm, dump, exp):
    """An incomplete dump (info exits 4) makes poolused, bigpool and vm exit 4 too, each with
    one stderr line naming the file, in text and JSON; an unreadable one (3) exits 3."""
    if exp["exit"] not in (3, 4):
        return
    for cmd in ("poolused", "bigpool", "vm"):
        for args in ([cmd, dump], [cmd, "--json", dump]):
            rc, out, err = run([pm] + args)
            if rc != exp["exit"]:
                fail("%s: exit %d, expected %d; stderr: %s" % (" ".join(args), rc, exp["exit"],
                                                               err))
            lines = [l for l in err.splitlines() if l.strip()]
            if len(lines) != 1:
                fail("%s: expected one stderr line, got %r" % (" ".join(args), lines))
            elif dump not in lines[0]:
                fail("%s: stderr line does not name the file: %s" % (" ".join(args), lines[0]))
            if "--json" in args and rc == 4:
                try:
                    doc = json.loads(out)
                except ValueError:
                    fail("%s: no JSON report on stdout" % " ".join(args))
                    continue
                if cmd + "_json" in exp:  # the reason each missing table is absent
                    subset(exp[cmd + "_json"], doc, "$" + cmd)


def main(argv):
    mode = argv[1]
    argv = argv[:2] + [os.path.abspath(a) if i < 2 else a for i, a in enumerate(argv[2:])]
    if mode == "scenario":
        scenario(argv[2], argv[3], argv[4], "--update" in argv)
    elif mode == "mustfail":
        mustfail(argv[2], argv[3])
    else:
        raise SystemExit(__doc__)
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
