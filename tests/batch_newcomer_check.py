#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The batch part of a newcomer's first hour, scripted: batch_newcomer_check.py POOLMORTEM
FIXTURE_DIR WORK

A support engineer's folder (two dumps, a gzipped copy, an empty MEMORY.DMP, a user-mode
minidump, a .dmp with one flipped signature bit, notes) plus a text file and a path that does
not exist named on the command line. Every batch option the README documents is used and its
documented effect checked: records (one per input, each saying why it was or was not analyzed),
NDJSON when piped and rows on a terminal (a pseudo-terminal), the progress line naming the dump
being worked on, --output, --summary, --resume with another spelling, --shard + merge, --csv,
--full-hash (equal to hashlib's SHA-256 of the content), --timeout, --trend, --scan, --jobs,
--no-progress, the exit codes (2 for a missing path, 3 when nothing is found).
"""
import csv
import gzip
import hashlib
import io
import json
import os
import pty
import shutil
import subprocess
import sys

fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)


def run(pm, *args, cwd=None):
    return subprocess.run([pm] + list(args), capture_output=True, text=True, timeout=900,
                          cwd=cwd)


def in_pty(pm, *args, cwd=None):
    """Run with stdout and stderr on a pseudo-terminal (80 columns): what a person sees."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd or ".")
        os.execv(pm, [pm] + list(args))
    out = b""
    while True:
        try:
            b = os.read(fd, 65536)
        except OSError:
            break
        if not b:
            break
        out += b
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


def build(fx, d):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d + "/case-1234")
    a = os.path.join(fx, "win10-22h2-x64-bitmap.dmp")
    os.link(a, d + "/case-1234/MEMORY.DMP")
    os.link(os.path.join(fx, "srv2022-x64-bitmap.dmp"), d + "/server.dmp")
    with open(a, "rb") as f, gzip.open(d + "/case-1234/MEMORY-copy.DMP.gz", "wb", 1) as o:
        shutil.copyfileobj(f, o)
    os.makedirs(d + "/failed")
    open(d + "/failed/MEMORY.DMP", "wb").close()
    open(d + "/app.dmp", "wb").write(b"MDMP\x93\xa7" + bytes(100))
    data = bytearray(open(a, "rb").read(8192))
    data[3] ^= 0x10
    open(d + "/flipped.dmp", "wb").write(bytes(data))
    open(d + "/notes.txt", "w").write("customer says it hung\n")
    open(d + "/../ticket.txt", "w").write("not a dump\n")


def records(text):
    return [json.loads(l) for l in text.splitlines() if l.startswith("{")]


def main():
    pm, fx, work = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    d = work + "/dumps"
    os.makedirs(work, exist_ok=True)
    build(fx, d)
    named = [d, work + "/ticket.txt", work + "/no-such-folder"]
    # piped, no --output: NDJSON on stdout, the summary on stderr; a missing path: exit 2
    p = run(pm, "batch", "--jobs", "2", *named)
    recs = records(p.stdout)
    check(p.returncode == 2, "a missing path: exit %d, expected 2" % p.returncode)
    check(len(p.stdout.splitlines()) == len(recs), "stdout is not only NDJSON when piped")
    check("Batch summary:" in p.stderr, "no summary on stderr when the records are piped")
    by = {os.path.relpath(r["path"], work): r for r in recs}
    want = {"dumps/case-1234/MEMORY.DMP": "analyzed", "dumps/server.dmp": "analyzed",
            "dumps/case-1234/MEMORY-copy.DMP.gz": "analyzed", "dumps/failed/MEMORY.DMP": "error",
            "dumps/app.dmp": "skipped", "dumps/flipped.dmp": "error", "ticket.txt": "skipped",
            "no-such-folder": "error"}
    check({k: v["status"] for k, v in by.items()} == want,
          "records: %r" % {k: v["status"] for k, v in by.items()})
    for k, inp in (("dumps/failed/MEMORY.DMP", "empty"), ("dumps/app.dmp", "user-mode minidump"),
                   ("ticket.txt", "not a dump"), ("no-such-folder", "missing")):
        check(by.get(k, {}).get("input") == inp, "%s: input %r" % (k, by.get(k, {}).get("input")))
    check("QAGEDU64" not in json.dumps(by.get("dumps/flipped.dmp")) and
          "PAGEDU64" in json.dumps(by.get("dumps/flipped.dmp")),
          "the flipped signature's record does not name what was expected")
    # on a terminal, no --output: rows for people, then the summary; progress names the dump
    rc, screen = in_pty(pm, "batch", "--jobs", "1", d)
    check("BUILD" in screen and "VERDICT" in screen and "{" not in screen,
          "no rows for people on a terminal (or JSON there)")
    check("19041" in screen and "Leak" in screen and "leakydrv.sys" in screen,
          "a row lacks build, tag or driver")
    check("Batch summary:" in screen and "Buckets" in screen, "no summary on the terminal")
    slow = work + "/slow"
    shutil.rmtree(slow, ignore_errors=True)
    os.makedirs(slow)
    with open(slow + "/hung-vm.raw", "wb") as f:  # 16 GB of zeros: discovery reads them all
        f.truncate(16 << 30)
    rc, screen = in_pty(pm, "batch", "--jobs", "1", "--timeout", "2", slow)
    check(" on " in screen and "hung-vm.raw" in screen,
          "the progress line does not name the dump being worked on: %r" % screen[-300:])
    check("ERROR" in screen, "--timeout: the hung input is not an error row")
    rc, screen = in_pty(pm, "batch", "--jobs", "1", "--no-progress", d)
    check("ETA" not in screen, "--no-progress still draws the progress line")
    # --output, --summary, --csv, --full-hash, --trend, --scan
    out, summ = work + "/out.ndjson", work + "/summary.json"
    for f in (out, summ):
        if os.path.exists(f):
            os.unlink(f)
    p = run(pm, "batch", "--jobs", "2", "--output", out, "--summary", summ, "--full-hash",
            "--trend", "--scan", d)
    check(p.returncode == 4 or p.returncode == 1, "batch --output exit %d" % p.returncode)
    check(p.stdout.startswith("\nBatch summary:"), "--output: the summary is not on stdout")
    check("Trend by machine" in p.stdout, "--trend: no trend report")
    nrec = len(records(open(out).read()))
    fr = {os.path.basename(r["path"]): r for r in records(open(out).read())}
    raw = open(d + "/case-1234/MEMORY.DMP", "rb").read()
    sha = hashlib.sha256(raw).hexdigest()
    for n in ("MEMORY.DMP", "MEMORY-copy.DMP.gz"):
        check(fr.get(n, {}).get("sha256") == sha, "--full-hash of %s is not the content's" % n)
    check(fr["MEMORY.DMP"].get("id") == fr["MEMORY-copy.DMP.gz"].get("id"),
          "a dump and its .gz copy have different identities")
    s = json.load(open(summ))
    check(s.get("schema") == "poolmortem.batch-summary/1" and s.get("duplicates") == 1,
          "--summary: %r" % {k: s.get(k) for k in ("schema", "duplicates")})
    check(any(b["dumps"] and b["members"] for b in s.get("buckets", [])),
          "--summary: buckets without members")
    # --resume with another spelling: nothing re-run
    p = run(pm, "batch", "--output", out, "--resume", "./dumps/", cwd=work)
    check(" 0 analyzed now" in p.stdout and open(out).read().count("\n") == nrec,
          "--resume with a relative spelling re-ran inputs: %r" % p.stdout[-200:])
    # --csv: a header and one row per record, the README's columns
    p = run(pm, "batch", "--csv", d)
    rows = list(csv.reader(io.StringIO(p.stdout)))
    check(rows and rows[0][:4] == ["path", "canonical_path", "status", "input"] and
          len(rows) == 1 + 6, "--csv: %d rows, header %r" % (len(rows), rows[:1]))
    # --shard + merge: the same summary as one batch
    shards = [work + "/s%d.ndjson" % i for i in range(2)]
    for i, f in enumerate(shards):
        if os.path.exists(f):
            os.unlink(f)
        run(pm, "batch", "--shard", "%d/2" % i, "--output", f, d)
    if os.path.exists(work + "/one.ndjson"):
        os.unlink(work + "/one.ndjson")
    one = run(pm, "batch", "--output", work + "/one.ndjson", "--summary", work + "/one.json", d)
    m = run(pm, "merge", "--json", *shards)
    check(json.loads(m.stdout) == json.load(open(work + "/one.json")) if m.stdout else False,
          "merge of the shards differs from one batch")
    check(m.returncode == one.returncode, "merge exit %d, batch %d" % (m.returncode,
                                                                      one.returncode))
    # nothing to analyze: exit 3
    os.makedirs(work + "/empty", exist_ok=True)
    p = run(pm, "batch", work + "/empty")
    check(p.returncode == 3 and "no dumps found" in p.stderr, "an empty folder: exit %d %r" %
          (p.returncode, p.stderr))
    for f in fails:
        print("FAIL:", f)
    print("newcomer's batch hour: %d failures" % len(fails))
    shutil.rmtree(slow, ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
