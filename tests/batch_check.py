#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Batch over a folder of 200 dumps: raw, gzipped and zipped copies, duplicates, 10% corrupt,
and a zip member whose name holds "::" (analyzed like any other: issue 16 item 6).

batch_check.py POOLMORTEM FIXTURE_DIR WORK_DIR
Checks: every good dump's verdict equals its scenario's truth; every corrupt one has an error
line; duplicates (same identity) are counted once; the batch never dies; a batch killed midway
and run again with --resume finishes the rest without repeating any dump.
"""
import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile

BASES = ["win10-22h2-x64-bitmap", "win10-1607-x64-bitmap", "win10-1809-x64-bitmap",
         "srv2022-x64-bitmap", "win11-22h2-x64-triage", "winxp-sp3-x86-full"]
SMALL = BASES[:5]
CORRUPT = ["win10-22h2-x64-bitmap-truncated-header", "win7sp1-x64-full-run-overflow",
           "win10-22h2-x64-bitmap-bitmap-huge"]
fails = []


def build_folder(fx, work):
    rnd = random.Random(2026)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work + "/raw/deeper")
    os.makedirs(work + "/gz")
    os.makedirs(work + "/zip")
    os.makedirs(work + "/bad")
    expect = {}  # path as batch prints it -> scenario (None = must be an error)
    src = {b: os.path.join(fx, b + ".dmp") for b in BASES}
    for i in range(100):  # raw: hard links, so duplicates cost nothing
        b = BASES[i % len(BASES)]
        d = work + ("/raw/deeper" if i % 3 == 0 else "/raw")
        p = "%s/%s--%03d.dmp" % (d, b, i)
        os.link(src[b], p)
        expect[p] = b
    gzd = {}
    for b in SMALL:
        g = "%s/../%s.dmp.gz" % (work, b)  # the original outside the folder
        with open(src[b], "rb") as f, gzip.open(g, "wb", compresslevel=1) as o:
            shutil.copyfileobj(f, o)
        gzd[b] = g
    for i in range(40):
        b = SMALL[i % len(SMALL)]
        p = "%s/gz/%s--%03d.dmp.gz" % (work, b, i)
        os.link(gzd[b], p)
        expect[p] = b
    for z in range(8):
        zp = "%s/zip/batch%02d.zip" % (work, z)
        with zipfile.ZipFile(zp, "w", zipfile.ZIP_DEFLATED if z % 2 else zipfile.ZIP_STORED,
                             compresslevel=1) as zf:
            for k in range(5):
                b = SMALL[(z + k) % len(SMALL)]
                name = "dumps/%s--%d.dmp" % (b, k)
                zf.write(src[b], name)
                expect["%s::%s" % (zp, name)] = b
            zf.writestr("README.txt", "not a dump")
            if z == 0:  # "::" in a member's name: found by its exact name
                zf.write(src[SMALL[0]], "odd::name.dmp")
                expect["%s::odd::name.dmp" % zp] = SMALL[0]
    for i in range(20):
        if i < 12:
            b = CORRUPT[i % len(CORRUPT)]
            p = "%s/bad/%s--%02d.dmp" % (work, b, i)
            shutil.copy(os.path.join(fx, b + ".dmp"), p)
        elif i < 16:  # the right magic, then junk
            p = "%s/bad/junk--%02d.dmp" % (work, i)
            open(p, "wb").write(b"PAGEDU64" + bytes(rnd.getrandbits(8) for _ in range(3000)))
        else:  # a gzip whose data is damaged
            p = "%s/bad/damaged--%02d.dmp.gz" % (work, i)
            data = bytearray(open(gzd[SMALL[0]], "rb").read())
            for k in range(200, len(data) - 20, 997):
                data[k] ^= 0xA5
            open(p, "wb").write(bytes(data))
        expect[p] = None
    open(work + "/raw/notes.txt", "w").write("not a dump either\n")
    return expect


def run_batch(pm, work, out, extra=(), kill_after=None):
    args = [pm, "batch", "--jobs", "2", "--no-progress", "--output", out] + list(extra) + [work]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    if kill_after is not None:
        while True:
            time.sleep(0.05)
            n = sum(1 for _ in open(out)) if os.path.exists(out) else 0
            if n >= kill_after or p.poll() is not None:
                break
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        return None, "", ""
    o, e = p.communicate(timeout=900)
    return p.returncode, o, e


def main():
    pm, fx, work = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    expect = build_folder(fx, work + "/in")
    truth = {b: json.load(open(os.path.join(fx, b + ".truth.json")))["verdict"] for b in BASES}
    out = work + "/out.ndjson"
    if os.path.exists(out):
        os.unlink(out)
    rc, so, se = run_batch(pm, work + "/in", out)
    if rc not in (0, 1, 4):
        fails.append("batch exit %s: %s" % (rc, se[-500:]))
    lines = [json.loads(l) for l in open(out)]
    by_path = {l["path"]: l for l in lines}
    if len(lines) != len(by_path):
        fails.append("some dump appears twice")
    if set(by_path) != set(expect):
        fails.append("results %d, expected %d; missing %s; extra %s" % (
            len(by_path), len(expect), sorted(set(expect) - set(by_path))[:3],
            sorted(set(by_path) - set(expect))[:3]))
    good = 0
    for p, scen in expect.items():
        l = by_path.get(p)
        if l is None:
            continue
        if scen is None:
            if "error" not in l:
                fails.append("%s: corrupt, yet no error line" % p)
            continue
        good += 1
        if "error" in l:
            fails.append("%s: error %s" % (p, l["error"]))
            continue
        for k, v in truth[scen].items():
            if l["verdict"].get(k) != v:
                fails.append("%s: verdict.%s = %r, truth %r" % (p, k, l["verdict"].get(k), v))
    # duplicates counted once: the summary's unique count is the number of distinct scenarios
    m = [x for x in so.splitlines() if x.startswith("Batch summary")]
    want = "%d unique dumps, %d duplicates" % (len(BASES), good - len(BASES))
    if not m or want not in m[0]:
        fails.append("summary: %r, expected %r" % (m, want))
    if "20 errors" not in (m[0] if m else ""):
        fails.append("summary does not count the 20 errors: %r" % m)
    # kill midway, then resume
    out2 = work + "/out2.ndjson"
    if os.path.exists(out2):
        os.unlink(out2)
    run_batch(pm, work + "/in", out2, kill_after=60)
    first = [json.loads(l)["path"] for l in open(out2) if l.endswith("\n") and l.strip()]
    rc, so, se = run_batch(pm, work + "/in", out2, extra=["--resume"])
    paths = [json.loads(l)["path"] for l in open(out2)]
    if len(paths) != len(set(paths)) or set(paths) != set(expect):
        fails.append("resume: %d lines, %d distinct, %d expected" % (len(paths), len(set(paths)),
                                                                     len(expect)))
    import re
    m2 = re.search(r"(\d+) analyzed now, (\d+) errors, \d+ skipped, (\d+) already done", so)
    if not m2:
        fails.append("no run statistics after --resume: %r" % so[-300:])
    else:
        now_n, err_n, done_n = (int(x) for x in m2.groups())
        if done_n != len(first) or now_n + err_n != len(expect) - len(first):
            fails.append("resume: %d done before, then %d + %d errors now, %d skipped; "
                         "expected %d skipped and %d now" % (len(first), now_n, err_n, done_n,
                                                             len(first), len(expect) - len(first)))
    if not (0 < len(first) < len(expect)):
        fails.append("the kill did not happen midway (%d lines)" % len(first))
    for f in fails[:20]:
        print("FAIL:", f)
    print("%d results checked, %d failures" % (len(expect), len(fails)))
    shutil.rmtree(work + "/in", ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
