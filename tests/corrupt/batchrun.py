# SPDX-License-Identifier: MIT
"""Batch scenarios of the corruption campaign: every input file gets exactly one record, through
damaged inputs, odd archive members, SIGKILL and a resume that spells the paths differently.

Tokens:
  batch.mix            a folder of good dumps, a 0-byte .dmp, a .dmp with one flipped signature
                       bit, a header-only .dmp, a .DMP, a multi-member .gz, a .gz with trailing
                       garbage and a zip whose members are named 'a::b.dmp', '', 'dir/x.dmp',
                       and twice 'twin.dmp'
  batch.kill@K:SPELL   a folder of dumps; batch --jobs 1 killed with SIGKILL after K records,
                       then --resume with the folder spelled otherwise: abs2rel, rel2abs, dot
                       (./DIR), slash (DIR/), dotdot (DIR/../DIR), double (DIR//)
"""
import json
import os
import re
import signal
import subprocess
import time

import archives

SPELLINGS = ["abs2rel", "rel2abs", "dot", "slash", "dotdot", "double"]


def random_token(rnd):
    if rnd.random() < 0.4:
        return "batch.mix"
    return "batch.kill@%d:%s" % (rnd.randrange(1, 5), rnd.choice(SPELLINGS))


def records(text):
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def worker_crashes(recs):
    """Records of a worker that died: the error is {code, message} (older lines: a string);
    only a worker's own failure counts, not a dump's message that says "signature"."""
    out = []
    for r in recs:
        e = r.get("error")
        if isinstance(e, dict):
            if e.get("code") == "WORKER" and re.search(r"\bsignal\b|crash|killed",
                                                       str(e.get("message", "")), re.I):
                out.append(r)
        elif re.search(r"\bsignal\b|crash|killed", str(e or ""), re.I):
            out.append(r)
    return out


def judge_archive_batch(res, members, damaged=False):
    """`batch ZIP` (archive phase): one record per member that is not a folder. A damaged
    archive (@damaged: arc.* bytes changed or cut) may instead get one error record of its own:
    a zip cut before its central directory no longer says which members it had."""
    if res["timeout"]:
        return "hang", "timeout"
    from classify import sanitizer_sig
    sig = sanitizer_sig(res["stderr"])
    if sig:
        return "sanitizer", sig
    if res["signal"]:
        return "crash", "signal %d" % res["signal"]
    try:
        text = res["stdout"].decode("utf-8")
    except UnicodeDecodeError as e:
        return "invalid-json", "batch output: invalid UTF-8 at byte %d" % e.start
    recs = records(text)
    wc = worker_crashes(recs)
    if wc:
        return "crash", "worker: " + str(wc[0].get("error"))[:200]
    if res["rc"] not in (0, 1, 4):
        return "unexpected-exit", "batch exit %d" % res["rc"]
    want = len([m for m in members or [] if not m.endswith(b"/")]) if members else 1
    if len(recs) < want:
        whole = [r for r in recs if r.get("status") == "error" and "::" not in str(r.get("path"))]
        if damaged and whole:
            return "clear-error", "the damaged archive: one error record (%s)" % str(
                (whole[0].get("error") or {}).get("message", ""))[:120]
        return "batch-dropped", "%d records for %d members" % (len(recs), want)
    return "ok", "%d records" % len(recs)


def _copy(c, src, dst):
    from campaign import sparse_copy
    sparse_copy(src.path, dst)


def build_mix(c, srcs, d):
    """The batch.mix folder; returns {identity: expected record count}."""
    os.makedirs(d)
    expect = {}
    good = srcs[:4]
    for s in good:
        p = os.path.join(d, s.name)
        _copy(c, s, p)
        expect[os.path.realpath(p)] = 1
    s0 = srcs[0]
    data = open(s0.path, "rb").read()
    p = os.path.join(d, "empty.dmp")
    open(p, "wb").close()
    expect[os.path.realpath(p)] = 1
    p = os.path.join(d, "sigflip.dmp")
    open(p, "wb").write(bytes([data[0] ^ 0x01]) + data[1:])
    expect[os.path.realpath(p)] = 1
    p = os.path.join(d, "header-only.dmp")
    open(p, "wb").write(data[:0x2000])
    expect[os.path.realpath(p)] = 1
    p = os.path.join(d, "UPPER.DMP")
    open(p, "wb").write(data)
    expect[os.path.realpath(p)] = 1
    p = os.path.join(d, "multi.dmp.gz")
    open(p, "wb").write(archives.build(["gz.multi@0x1000,0x%x" % (len(data) // 2)], data)[0])
    expect[os.path.realpath(p)] = 1
    p = os.path.join(d, "trail.dmp.gz")
    open(p, "wb").write(archives.build(["gz.trail=00000000"], data)[0])
    expect[os.path.realpath(p)] = 1
    # two members share a name: each gets its own record (as NAME#1, NAME#2)
    names = [b"a::b.dmp", b"", b"dir/x.dmp", b"twin.dmp", b"twin.dmp"]
    p = os.path.join(d, "odd.zip")
    open(p, "wb").write(archives.zip_archive([(n, data) for n in names], stored=True))
    expect[os.path.realpath(p) + "::"] = len(names)
    return expect


def identity(path, cwd):
    i = path.find(".zip::")
    if i < 0:
        i = path.find(".ZIP::")
    if i >= 0:
        return os.path.realpath(os.path.join(cwd, path[:i + 4])) + "::"
    return os.path.realpath(os.path.join(cwd, path))


def check_records(recs, expect, cwd):
    got, paths = {}, set()
    for r in recs:
        p = r.get("path")
        if p is None or p in paths:  # two records with one path: one input lost its own
            continue
        paths.add(p)
        k = identity(p, cwd)
        got[k] = got.get(k, 0) + 1
    dropped = [k for k, n in expect.items() if got.get(k, 0) < n]
    dup = [k for k, n in expect.items() if got.get(k, 0) > n]
    extra = [k for k in got if k not in expect]
    return dropped, dup, extra


def run_batch(c, args, cwd, kill_after=None, out=None):
    argv = [c.pm, "batch", "--jobs", "1", "--no-progress", "--output", out] + args
    t0 = time.time()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                         env=c.env, start_new_session=True)
    killed = False
    if kill_after is not None:
        while p.poll() is None and time.time() - t0 < c.a.timeout:
            n = 0
            if os.path.exists(out):
                with open(out, "rb") as f:
                    n = f.read().count(b"\n")
            if n >= kill_after:
                os.killpg(p.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.01)
    try:
        so, se = p.communicate(timeout=max(1, c.a.timeout * 4 - (time.time() - t0)))
        to = False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        so, se = p.communicate()
        to = True
    rc = p.returncode
    return {"rc": rc, "signal": -rc if rc < 0 and not killed and not to else 0,
            "timeout": to, "stdout": so, "stderr": se.decode("utf-8", "replace"),
            "secs": time.time() - t0, "killed": killed}, argv


def judge(res, out, expect, cwd):
    from classify import sanitizer_sig
    if res["timeout"]:
        return "hang", "timeout"
    sig = sanitizer_sig(res["stderr"])
    if sig:
        return "sanitizer", sig
    if res["signal"]:
        return "crash", "signal %d" % res["signal"]
    try:
        text = open(out, "rb").read().decode("utf-8") if os.path.exists(out) else ""
    except UnicodeDecodeError as e:
        return "invalid-json", "batch output: invalid UTF-8 at byte %d" % e.start
    recs = records(text)
    wc = worker_crashes(recs)
    if wc:
        return "crash", "worker: %s: %s" % (wc[0].get("path"), str(wc[0].get("error"))[:160])
    if res["rc"] not in (0, 1, 4):
        return "unexpected-exit", "batch exit %d" % res["rc"]
    dropped, dup, extra = check_records(recs, expect, cwd)
    if dup:
        return "batch-duplicate", "%d inputs with more than one record, e.g. %s" % (
            len(dup), os.path.basename(dup[0]))
    if dropped:
        return "batch-dropped", "%d inputs without a record: %s" % (
            len(dropped), ", ".join(sorted(os.path.basename(k) or k for k in dropped)))
    return "ok", "%d records" % len(recs)


def spell(mode, d, cwd, first):
    rel = os.path.relpath(d, cwd)
    table = {"abs2rel": (d, rel), "rel2abs": (rel, d), "dot": (d, "./" + rel),
             "slash": (d, rel + "/"), "dotdot": (d, rel + "/../" + os.path.basename(d)),
             "double": (d, rel + "//")}
    return table[mode][0 if first else 1]


def scenario(c, token, srcs, work):
    """Yields (class, detail, result, argv) for one batch scenario."""
    base = os.path.join(work, "batch")
    import shutil
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    d = os.path.join(base, "in")
    out = os.path.join(base, "out.ndjson")
    if token == "batch.mix":
        expect = build_mix(c, srcs, d)
        res, argv = run_batch(c, [d], base, out=out)
        cls, detail = judge(res, out, expect, base)
        yield cls, detail, res, argv
        return
    k, mode = token[len("batch.kill@"):].split(":")
    os.makedirs(d)
    expect = {}
    for i in range(12):
        s = srcs[i % min(len(srcs), 5)]
        p = os.path.join(d, "%02d-%s" % (i, s.name))
        _copy(c, s, p)
        expect[os.path.realpath(p)] = 1
    res, argv = run_batch(c, [spell(mode, d, base, True)], base, kill_after=int(k), out=out)
    if not res["killed"]:
        cls, detail = judge(res, out, expect, base)
        yield (cls if cls != "ok" else "ok"), "not killed midway; " + detail, res, argv
        return
    res, argv = run_batch(c, ["--resume", spell(mode, d, base, False)], base, out=out)
    cls, detail = judge(res, out, expect, base)
    yield cls, detail, res, argv
