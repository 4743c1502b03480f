#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Issue 16 items 5 and 6, from their reproducers: batch drops no input and resumes with any
spelling of the paths.

batch_inputs_check.py POOLMORTEM FIXTURE_DIR WORK_DIR
A folder holds 10 dumps, a zip whose members are named "" and "a::b.dmp" (which `info` reads)
and twice "twin.dmp" (read as twin.dmp#1 and twin.dmp#2, each with its own record; the bare
name is the first),
a 0-byte .dmp, a 0-byte MEMORY.DMP and a .dmp with one flipped bit in its signature. A batch
over the absolute path is killed with SIGKILL after its first records; --resume then runs with
a relative spelling ("./dumps/"), then through a symlink to the folder. Checks: `info` reads
both odd members; the output ends with exactly one complete record per input (by
canonical_path), each with the expected status; the resumes analyze only what was missing.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
import zipfile

fails = []
GOOD = ["win10-22h2-x64-bitmap", "win10-1607-x64-bitmap", "win10-1809-x64-bitmap",
        "srv2022-x64-bitmap", "win7sp1-x64-full"]


def check(cond, msg):
    if not cond:
        fails.append(msg)
        print("FAIL:", msg)


def build(fx, d):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d + "/sub")
    want = {}
    for i in range(10):
        b = GOOD[i % len(GOOD)]
        p = "%s/%s%02d-%s.dmp" % (d, "sub/" if i % 2 else "", i, b)
        os.link(os.path.join(fx, b + ".dmp"), p)
        want[p] = "analyzed"
    with zipfile.ZipFile(d + "/pack.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        empty = zipfile.ZipInfo("", date_time=(2026, 1, 1, 0, 0, 0))
        empty.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(empty, open(os.path.join(fx, GOOD[0] + ".dmp"), "rb").read())
        z.write(os.path.join(fx, GOOD[1] + ".dmp"), "a::b.dmp")
        with warnings.catch_warnings():  # two members named alike: zipfile warns, and writes
            warnings.simplefilter("ignore")
            z.write(os.path.join(fx, GOOD[2] + ".dmp"), "twin.dmp")
            z.write(os.path.join(fx, GOOD[3] + ".dmp"), "twin.dmp")
    want[d + "/pack.zip::"] = "analyzed"
    want[d + "/pack.zip::a::b.dmp"] = "analyzed"
    want[d + "/pack.zip::twin.dmp#1"] = "analyzed"
    want[d + "/pack.zip::twin.dmp#2"] = "analyzed"
    open(d + "/zero.dmp", "wb").close()
    open(d + "/sub/MEMORY.DMP", "wb").close()
    data = bytearray(open(os.path.join(fx, GOOD[0] + ".dmp"), "rb").read(1 << 16))
    data[1] ^= 0x04  # "PAGE" -> "PEGE": one bit
    open(d + "/flipped.dmp", "wb").write(bytes(data))
    for p in ("zero.dmp", "sub/MEMORY.DMP", "flipped.dmp"):
        want[d + "/" + p] = "error"
    return want


def complete_records(path):
    if not os.path.exists(path):
        return []
    return [json.loads(ln) for ln in open(path) if ln.endswith("\n")]


def run(pm, *args, cwd=None):
    return subprocess.run([pm, *args], capture_output=True, text=True, cwd=cwd, timeout=1200)


def main():
    pm, fx, work = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    os.makedirs(work, exist_ok=True)
    d = os.path.realpath(work) + "/dumps"
    want = build(fx, d)
    for member in ("pack.zip::", "pack.zip::a::b.dmp"):
        p = run(pm, "info", d + "/" + member)
        check(p.returncode == 0, "info %s: exit %d %s" % (member, p.returncode, p.stderr))
    # members that share a name: NAME#K is the K-th of them; NAME alone is ambiguous
    for k, g in ((1, GOOD[2]), (2, GOOD[3])):
        p = run(pm, "info", "--json", d + "/pack.zip::twin.dmp#%d" % k)
        plain = run(pm, "info", "--json", os.path.join(fx, g + ".dmp"))
        same = p.returncode == 0 and json.loads(p.stdout).get("kernel") == \
            json.loads(plain.stdout).get("kernel")
        check(same, "info pack.zip::twin.dmp#%d is not %s: exit %d %s" % (
            k, g, p.returncode, p.stderr))
    p = run(pm, "info", "--json", d + "/pack.zip::twin.dmp")
    first = run(pm, "info", "--json", os.path.join(fx, GOOD[2] + ".dmp"))
    check(p.returncode == 0 and json.loads(p.stdout).get("kernel") ==
          json.loads(first.stdout).get("kernel"),
          "info pack.zip::twin.dmp (two members of that name) is not the first: %d %r" % (
              p.returncode, p.stderr))
    out = work + "/out.ndjson"
    if os.path.exists(out):
        os.unlink(out)
    killed = subprocess.Popen([pm, "batch", "--jobs", "1", "--no-progress", "--output", out, d],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while len(complete_records(out)) < 2 and killed.poll() is None and \
            time.monotonic() < deadline:
        time.sleep(0.01)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    first = len(complete_records(out))
    print("killed after %d of %d records" % (first, len(want)))
    check(first < len(want), "the batch finished before it was killed (%d records)" % first)
    r1 = run(pm, "batch", "--jobs", "2", "--no-progress", "--output", out, "--resume",
             "./dumps/", cwd=work)
    # exit 1: a dump has findings (the fixtures' leak), which comes before 4 (inputs in error)
    check(r1.returncode == 1, "resume (relative): exit %d, expected 1: %s" % (
        r1.returncode, r1.stderr[-300:]))
    after = complete_records(out)
    link = work + "/link-to-dumps"
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(d, link)
    r2 = run(pm, "batch", "--no-progress", "--output", out, "--resume", link)
    check(r2.returncode == 1, "resume (symlink): exit %d, expected 1" % r2.returncode)
    recs = complete_records(out)
    check(len(recs) == len(after), "the resume through a symlink re-ran %d inputs" %
          (len(recs) - len(after)))
    check(" 0 analyzed now" in r2.stdout, "resume through a symlink: %r" % r2.stdout[-300:])
    by = {}
    for r in recs:
        by.setdefault(r.get("canonical_path"), []).append(r)
    got = {k: [r["status"] for r in v] for k, v in by.items()}
    check(got == {k: [v] for k, v in want.items()},
          "records by canonical path: %r" % {k: v for k, v in got.items()
                                             if [want.get(k)] != v})
    check(len(recs) == len(want), "%d records for %d inputs" % (len(recs), len(want)))
    for p in ("zero.dmp", "sub/MEMORY.DMP"):
        r = by.get(d + "/" + p, [{}])[0]
        check(r.get("input") == "empty", "%s: input %r" % (p, r.get("input")))
    r = by.get(d + "/flipped.dmp", [{}])[0]
    check("PAGEDU64" in json.dumps(r), "flipped.dmp: the record does not say what was "
          "expected: %r" % r.get("error"))
    print("issue 16 items 5 and 6: %d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
