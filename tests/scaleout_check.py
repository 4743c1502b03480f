#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The map/reduce of batch, run by GNU parallel: scaleout_check.py POOLMORTEM FIXTURE_DIR WORK

A fixture folder (good dumps, copies as .gz and zip members, duplicates, damaged, empty and
user-mode files, and one slow input: a sparse raw image of zeros) is analyzed
- once, by a single `batch` process;
- as 4 shards, each a separate `poolmortem batch --shard I/4` process started by GNU parallel,
  after one shard was started alone and killed with SIGKILL midway (while it works on the slow
  input), then run again by parallel with --resume;
and `merge` of the shard outputs must give the same summary (JSON, and the text) as the single
batch, the same records (one per input, same status and identity), and the shards together
exactly one record per input. Exit 77 when GNU parallel is not installed.
"""
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile

GOOD = ["win10-22h2-x64-bitmap", "win10-1809-x64-bitmap", "srv2022-x64-bitmap",
        "win7sp1-x64-full", "winxp-sp3-x86-full", "series-srv2019-t0", "series-srv2019-t1",
        "series-srv2019-t2"]
BAD = ["win10-22h2-x64-bitmap-truncated-header", "win7sp1-x64-full-run-overflow"]
N = 4
fails = []


def build(fx, d):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d + "/sub")
    for i, b in enumerate(GOOD):
        os.link(os.path.join(fx, b + ".dmp"), "%s/%s%s.dmp" % (d, "sub/" if i % 2 else "", b))
    os.link(os.path.join(fx, GOOD[0] + ".dmp"), d + "/copy-of-first.dmp")  # a duplicate
    with open(os.path.join(fx, GOOD[1] + ".dmp"), "rb") as f, \
            gzip.open(d + "/second.dmp.gz", "wb", compresslevel=1) as o:
        shutil.copyfileobj(f, o)
    with zipfile.ZipFile(d + "/pack.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.write(os.path.join(fx, GOOD[2] + ".dmp"), "a/third.dmp")
        z.write(os.path.join(fx, GOOD[3] + ".dmp"), "odd::name.dmp")
        z.writestr("README.txt", "not a dump")
    for b in BAD:
        shutil.copy(os.path.join(fx, b + ".dmp"), d + "/sub/" + b + ".dmp")
    open(d + "/MEMORY.DMP", "wb").close()
    open(d + "/user.dmp", "wb").write(b"MDMP\x93\xa7" + bytes(200))
    open(d + "/notes.txt", "w").write("not a dump\n")
    with open(d + "/zz-slow.raw", "wb") as f:  # sorts last: the last input of its shard
        f.truncate(1 << 30)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=1800, **kw)


def records(path):
    return [json.loads(l) for l in open(path) if l.endswith("\n")]


def key(r):
    return (r["canonical_path"], r["status"], r.get("id", ""), r.get("input"))


def kill_midway(pm, d, out, shard):
    """Start shard `shard` alone and SIGKILL it once it has written a record and works on the
    slow input; returns how many complete records it left."""
    p = subprocess.Popen([pm, "batch", "--jobs", "1", "--no-progress", "--shard",
                          "%d/%d" % (shard, N), "--output", out, d], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    t0 = time.time()
    while p.poll() is None and time.time() - t0 < 600:
        n = open(out).read().count("\n") if os.path.exists(out) else 0
        if n >= 1 and "zz-slow" not in open(out).read():
            time.sleep(0.2)  # inside the slow input now
            os.killpg(p.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    p.wait()
    if p.returncode != -signal.SIGKILL:
        fails.append("the shard was not killed midway (exit %s)" % p.returncode)
    return open(out).read().count("\n") if os.path.exists(out) else 0


def main():
    pm, fx, work = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    if not shutil.which("parallel"):
        print("GNU parallel is not installed (scripts/deps.sh --test installs it): skipped")
        return 77
    d = work + "/in"
    build(fx, d)
    single = work + "/single.ndjson"
    for f in [single] + ["%s/shard%d.ndjson" % (work, i) for i in range(N)]:
        if os.path.exists(f):
            os.unlink(f)
    s = run([pm, "batch", "--jobs", "2", "--no-progress", "--output", single, "--summary",
             work + "/single.json", d])
    if s.returncode not in (1, 4):
        fails.append("single batch exit %d: %s" % (s.returncode, s.stderr[-300:]))
    recs = records(single)
    order = sorted(r["canonical_path"] for r in recs)
    slow = [i for i, c in enumerate(order) if c.endswith("zz-slow.raw")]
    victim = slow[0] % N if slow else 0
    if len(recs) != len(set(r["canonical_path"] for r in recs)):
        fails.append("the single batch wrote two records for one input")
    left = kill_midway(pm, d, "%s/shard%d.ndjson" % (work, victim), victim)
    # the map: every shard a separate process, started by GNU parallel (the killed one resumes)
    p = run(["parallel", "--will-cite", "-j", "2", pm, "batch", "--jobs", "1", "--no-progress",
             "--resume", "--shard", "{}/%d" % N, "--output", work + "/shard{}.ndjson", d,
             ":::"] + [str(i) for i in range(N)])
    if p.returncode not in (0, 1, 2, 3, 4, 5, 6, 7, 8):  # parallel: how many jobs failed
        fails.append("parallel exit %d: %s" % (p.returncode, p.stderr[-300:]))
    shards = ["%s/shard%d.ndjson" % (work, i) for i in range(N)]
    got = [r for f in shards for r in records(f)]
    if sorted(map(key, got)) != sorted(map(key, recs)):
        a, b = set(map(key, got)), set(map(key, recs))
        fails.append("shards' records differ from the single batch's: only in shards %s, only "
                     "in single %s" % (sorted(a - b)[:2], sorted(b - a)[:2]))
    victim_recs = records(shards[victim])
    if not 0 < left < len(victim_recs):
        fails.append("killed shard: %d records before the kill, %d after --resume" %
                     (left, len(victim_recs)))
    # the reduce
    m = run([pm, "merge", "--summary", work + "/merged.json"] + shards)
    if m.returncode != s.returncode:
        fails.append("merge exit %d, single batch exit %d" % (m.returncode, s.returncode))
    a, b = json.load(open(work + "/single.json")), json.load(open(work + "/merged.json"))
    if a != b:
        diff = [k for k in a if a.get(k) != b.get(k)]
        fails.append("merged summary differs from the single batch's in %s" % diff)
    text = s.stdout.rsplit("\n  ", 1)[0] + "\n"  # without the run's statistics line
    if m.stdout != text:
        fails.append("merge's text differs from batch's:\n%s\n----\n%s" % (m.stdout[-600:],
                                                                       text[-600:]))
    for k, want in (("duplicates", 4), ("errors", 4), ("skipped", 1), ("machines", 6),
                    ("snapshots_of_one_boot", 2)):
        if a.get(k) != want:
            fails.append("summary %s = %r, expected %d" % (k, a.get(k), want))
    csv = run([pm, "merge", "--csv"] + shards).stdout.splitlines()
    if len(csv) != 1 + len(recs):
        fails.append("merge --csv: %d lines for %d records" % (len(csv), len(recs)))
    for f in fails[:20]:
        print("FAIL:", f)
    print("%d records, %d shards (shard %d killed after %d records and resumed): %d failures"
          % (len(recs), N, victim, left, len(fails)))
    shutil.rmtree(d, ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
