#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The physical floor (issue 14): each path next to the plain tool that only moves the same
bytes, in one run, paired (A B A B ...), medians of CPU time (user + system of the child alone,
from wait4), the median of the pair-by-pair ratios, and each side's peak RSS (the child's own
ru_maxrss: children are started with posix_spawn, so the Python parent sets no floor).

  classic --scan        a Windows 7 x64 complete dump whose every page is real data (the pool
                        scaled up, free RAM filled: mkdump.py --fill-free)   vs cat
  segment-heap --scan   Windows 10 22H2 with the fixture kernel's PDB, dense    vs cat
  raw discovery         a raw image with nothing to find (2 GB of zeros)        vs cat
  ISF dt / x            a kernel ISF (.json.xz): PM_REAL_ISF=PATH, else a synthetic one of a
                        real one's size and shape                               vs xz -dc
  .gz analyze           a 1 GB machine's dump, gzip -1                          vs zcat
  analyze 1/64/256 GB   bitmap dumps of 1, 64 and 256 GB machines (sparse): 256 GB vs 1 GB
  batch                 40 fixture dumps, all cores: the batch's own "cores busy" line
  report                bigpool text with 128k live big allocations (500 tags) vs the same
                        dump shape with 1k: the ratio and the CPU per extra line

Bar (issue 14): classic <= 1.3x cat, segment heap <= 2x cat, raw discovery <= 1.5x cat,
ISF <= 1.5x xz -dc, analyze 256 GB <= 1.3x 1 GB, every peak RSS < 64 MiB. The figures are
printed, never judged: the machine is shared and noisy, so read the medians and the spread.

usage: bench_floor.py [POOLMORTEM] [--runs N] [--only NAME,...]
  NAME: scan, segheap, raw, isf, gz, analyze, batch, report
"""
import json
import lzma
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
MK = os.path.join(root, "fixtures", "mkdump.py")
SPECS = os.path.join(root, "fixtures", "specs")
KX64 = os.path.join(root, "fixtures", "kernel", "x64")


TIME = "/usr/bin/time"  # GNU time (Debian package "time")


def run_once(argv, stdout_path=os.devnull):
    """One child: (cpu seconds, wall seconds, peak RSS MiB, exit code). CPU time is wait4's
    (user + system, fine-grained). The peak is the child's own ru_maxrss as GNU time reports
    it: time is a small process, so a child it forks inherits no resident set, where one
    forked or vforked from this Python process carries the parent's 15 MiB into its ru_maxrss.
    Without /usr/bin/time, wait4's peak, with that floor."""
    timed = os.path.exists(TIME)
    tf = tempfile.NamedTemporaryFile(prefix="pm-time-", delete=False) if timed else None
    full = [TIME, "-q", "-f", "%U %S %M", "-o", tf.name, *argv] if timed else argv
    fa = [(os.POSIX_SPAWN_OPEN, 1, stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
          (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
    t0 = time.perf_counter()
    pid = os.posix_spawnp(full[0], full, os.environ, file_actions=fa)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    cpu, peak = ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0
    if timed:
        with open(tf.name) as f:
            peak = int([ln for ln in f.read().splitlines() if ln.strip()][-1].split()[2]) / 1024.0
        os.unlink(tf.name)
    return cpu, wall, peak, rc


def paired(a, b, runs, a_codes=(0, 1, 4, 5, 8, 12), b_codes=(0,)):
    """Warm both, then A B A B ...: medians and the median of the ratios A/B. The accepted exit
    codes: analyze's verdict bits, 1 a finding (exhausted or at risk), 4 a partial report, 8
    inconclusive, and their sums 5 and 12."""
    for argv, codes in ((a, a_codes), (b, b_codes)):
        rc = run_once(argv)[3]
        if rc not in codes:
            raise SystemExit("%s: exit %d" % (" ".join(argv), rc))
    ra, rb, ratio, wratio = [], [], [], []
    for _ in range(runs):
        x, y = run_once(a), run_once(b)
        ra.append(x)
        rb.append(y)
        ratio.append(x[0] / y[0] if y[0] > 0 else float("nan"))
        wratio.append(x[1] / y[1] if y[1] > 0 else float("nan"))

    def med(rs, i):
        return statistics.median(r[i] for r in rs)
    return dict(a_cpu=med(ra, 0), a_wall=med(ra, 1), a_rss=max(r[2] for r in ra),
                b_cpu=med(rb, 0), b_wall=med(rb, 1), b_rss=max(r[2] for r in rb),
                ratio=statistics.median(ratio), ratio_min=min(ratio), ratio_max=max(ratio),
                wratio=statistics.median(wratio))


def show(label, what_a, what_b, r, bar):
    print("%-22s %-28s %7.1f ms cpu %7.1f ms wall  peak %5.1f MiB" % (
        label, what_a, r["a_cpu"] * 1e3, r["a_wall"] * 1e3, r["a_rss"]))
    print("%-22s %-28s %7.1f ms cpu %7.1f ms wall  peak %5.1f MiB" % (
        "", what_b, r["b_cpu"] * 1e3, r["b_wall"] * 1e3, r["b_rss"]))
    print("%-22s ratio (cpu, median of pairs) %.2fx  [%.2f .. %.2f], wall %.2fx;  bar %s\n" % (
        "", r["ratio"], r["ratio_min"], r["ratio_max"], r["wratio"], bar))


def mkdump(d, spec, *args):
    out = subprocess.run([sys.executable, MK, os.path.join(SPECS, spec), d, *args],
                         check=True, capture_output=True, text=True).stdout.strip()
    return out


def sh(cmd):
    return ["sh", "-c", "exec " + cmd]


def bench_scan(pm, d, runs):
    dump = mkdump(d, "win7sp1-x64-full.json", "--pool-scale", "1600", "--fill-free")
    blocks = os.stat(dump).st_blocks * 512
    p = subprocess.run([pm, "poolused", "--scan", "--json", dump], capture_output=True, text=True)
    scan = json.loads(p.stdout)["scan"]
    print("Classic pool scan: %s, %.0f MB (%.0f MB on disk: every page real data), %d pool "
          "pages among %d kernel pages examined" % (os.path.basename(dump),
                                                     os.path.getsize(dump) / 1e6, blocks / 1e6,
                                                     scan["pool_pages"], scan["pages_examined"]))
    r = paired([pm, "poolused", "--scan", "--json", dump], sh("cat '%s' >/dev/null" % dump), runs)
    show("classic --scan", "poolused --scan --json", "cat", r, "<= 1.3x")
    os.unlink(dump)


def bench_segheap(pm, d, runs):
    dump = mkdump(d, "win10-22h2-x64-bitmap.json", "--pool-scale", "2000", "--fill-free")
    p = subprocess.run([pm, "poolused", "--scan", "--json", "--symbols", KX64, dump],
                       capture_output=True, text=True)
    scan = json.loads(p.stdout)["scan"]
    truth = json.load(open(dump[:-4] + ".truth.json"))["scan_symbols"]
    ok = [{k: t[k] for k in ("tag", "nonpaged", "paged")} for t in scan["tags"]] == truth["tags"]
    print("Segment-heap walk: %s, %.0f MB, %d subsegments, %d pages, %d chunks; tags %s the "
          "generator's" % (os.path.basename(dump), os.path.getsize(dump) / 1e6,
                           scan["subsegments"], scan["pool_pages"], scan["chunks"],
                           "equal to" if ok else "DIFFER from"))
    r = paired([pm, "poolused", "--scan", "--json", "--symbols", KX64, dump],
               sh("cat '%s' >/dev/null" % dump), runs)
    show("segment-heap --scan", "poolused --scan --symbols", "cat", r, "<= 2x (PDB load included)")
    os.unlink(dump)


def bench_raw(pm, d, runs):
    zeros = os.path.join(d, "zeros.raw")
    with open(zeros, "wb") as f:
        f.truncate(2 << 30)
    print("Raw image with nothing to find: 2 GB of zeros (every page read once by discovery)")
    r = paired([pm, "info", "raw:" + zeros], sh("cat '%s' >/dev/null" % zeros), runs,
               a_codes=(3,))
    show("raw discovery", "info raw:zeros.raw", "cat", r, "<= 1.5x")
    os.unlink(zeros)


def synthetic_isf(path):
    """An ISF of a real kernel's size and shape (about 43,000 symbols, 1,800 structures with
    20,000 fields, 330 enums; 6-7 MB of JSON), as Volatility writes it (indent 2, sorted)."""
    rnd = random.Random(14)
    base = {"char": ("char", 1, True), "unsigned char": ("char", 1, False),
            "short": ("int", 2, True), "unsigned short": ("int", 2, False),
            "int": ("int", 4, True), "unsigned int": ("int", 4, False),
            "long": ("int", 4, True), "unsigned long": ("int", 4, False),
            "long long": ("int", 8, True), "unsigned long long": ("int", 8, False),
            "pointer": ("int", 8, False), "void": ("void", 0, True), "bool": ("bool", 1, False),
            "double": ("float", 8, True), "float": ("float", 4, True), "wchar": ("char", 2, False)}
    bt = {n: {"endian": "little", "kind": k, "signed": s, "size": z} for n, (k, z, s) in base.items()}
    def word():
        return "".join(rnd.choice("ABCDEFGHIKLMNOPRSTUVWabcdeghiklmnoprstuvxyz")
                       for _ in range(rnd.randint(4, 14)))
    names = ["_STRUCT_%04d" % i for i in range(1800)]
    ut = {}
    for i, n in enumerate(names):
        fields, off = {}, 0
        for k in range(rnd.randint(2, 22)):
            r = rnd.random()
            if r < 0.5:
                t = {"kind": "base", "name": rnd.choice(["unsigned long", "unsigned char",
                                                         "unsigned long long", "int"])}
            elif r < 0.8:
                t = {"kind": "pointer", "subtype": {"kind": "struct", "name": rnd.choice(names)}}
            else:
                t = {"count": rnd.randint(1, 16), "kind": "array",
                     "subtype": {"kind": "base", "name": "unsigned char"}}
            fields["%s%02d" % (word(), k)] = {"offset": off, "type": t}
            off += 8
        ut[n] = {"fields": fields, "kind": "struct", "size": off}
    en = {"_ENUM_%03d" % i: {"base": "int", "constants": {word() + str(k): k for k in range(20)},
                              "size": 4} for i in range(330)}
    sy = {}
    for i in range(43000):
        e = {"address": rnd.randrange(0x1000, 0x1000000)}
        if i % 10 == 0:
            e["type"] = {"kind": "struct", "name": rnd.choice(names)}
        sy["Symbol%05d" % i if i in (5, 42000) else "%s%s%05d" % (word(), word(), i)] = e
    doc = {"base_types": bt, "enums": en,
           "metadata": {"format": "6.1.0", "producer": {"name": "synthetic", "version": "1"},
                        "windows": {"pdb": {"GUID": "0123456789ABCDEF0123456789ABCDEF",
                                            "age": 1, "database": "ntkrnlmp.pdb"}}},
           "symbols": sy, "user_types": ut}
    text = json.dumps(doc, indent=2, sort_keys=True).encode()
    with open(path, "wb") as f:
        f.write(lzma.compress(text, preset=9))
    return len(text), "_STRUCT_0777", ("Symbol00005", "Symbol42000")


def bench_isf(pm, d, runs):
    real = os.environ.get("PM_REAL_ISF")
    if real:
        isf, jlen = real, len(lzma.decompress(open(real, "rb").read()))
        ty, syms = "_EPROCESS", ("ExPoolState", "PsLoadedModuleList")
        what = "real ISF %s" % os.path.basename(real)
    else:
        isf = os.path.join(d, "synthetic.json.xz")
        jlen, ty, syms = synthetic_isf(isf)
        what = "synthetic ISF (set PM_REAL_ISF=PATH for a real kernel's)"
    print("Symbol file: %s, %.1f MB of JSON, %.2f MB as .json.xz" % (
        what, jlen / 1e6, os.path.getsize(isf) / 1e6))
    xz = sh("xz -dc '%s' >/dev/null" % isf)
    show("ISF dt", "dt " + ty, "xz -dc", paired([pm, "dt", isf, ty], xz, runs), "<= 1.5x")
    show("ISF x", "x " + " ".join(syms), "xz -dc", paired([pm, "x", isf, *syms], xz, runs),
         "<= 1.5x")


def bench_analyze(pm, d, runs):
    spec = "win10-22h2-x64-bitmap.json"
    dumps = {gb: mkdump(d, spec, "--ram-gb", str(gb), "--dump-type", "5") for gb in (1, 64, 256)}
    print("analyze --json on bitmap dumps of 1, 64 and 256 GB machines (sparse files):")
    for gb in (64, 256):
        r = paired([pm, "analyze", "--json", dumps[gb]], [pm, "analyze", "--json", dumps[1]],
                   runs, b_codes=(0, 1, 4))
        show("analyze %d GB" % gb, os.path.basename(dumps[gb]), os.path.basename(dumps[1]), r,
             "<= 1.3x (256 GB vs 1 GB)")
    return dumps


def bench_gz(pm, d, runs, one_gb=None):
    if not one_gb:
        one_gb = mkdump(d, "win10-22h2-x64-bitmap.json", "--ram-gb", "1", "--dump-type", "5")
    gz = one_gb + ".gz"
    subprocess.run("gzip -1 -c '%s' > '%s'" % (one_gb, gz), shell=True, check=True)
    print("Gzipped dump: %s, %.1f MB compressed, 1 GB inside" % (
        os.path.basename(gz), os.path.getsize(gz) / 1e6))
    r = paired([pm, "analyze", "--json", gz], sh("zcat '%s' >/dev/null" % gz), runs)
    show(".gz analyze", "analyze --json x.dmp.gz", "zcat", r, "(0.54x before issue 14)")
    os.unlink(gz)


def bench_batch(pm, d):
    bdir = os.path.join(d, "batch")
    os.makedirs(bdir)
    fx = os.path.join(os.path.dirname(pm), "fixtures")  # the build's fixture dumps
    if not os.path.isdir(fx):
        fx = os.path.join(root, "build", "fixtures")
    # the scenarios themselves, not their damaged variants (those end in errors, not work)
    whole = {n[:-5] for n in os.listdir(SPECS) if n.endswith(".json")}
    small = [f for f in sorted(os.listdir(fx)) if f.endswith(".dmp") and
             (f[:-4] in whole or f.startswith("series-")) and
             os.path.getsize(os.path.join(fx, f)) < 64 << 20]
    for i in range(40):
        f = small[i % len(small)]
        os.link(os.path.join(fx, f), os.path.join(bdir, "%02d-%s" % (i, f)))
    p = subprocess.run([pm, "batch", "--no-progress", "--output", os.path.join(d, "b.ndjson"),
                        bdir], capture_output=True, text=True)
    line = [ln for ln in p.stdout.splitlines() if "s wall" in ln]
    print("Batch of 40 dumps, all cores:\n  " + (line[0] if line else p.stdout[-300:]))


def big_spec(d, n):
    """The 22H2 spec with n live big allocations over 500 tags (a table of 2n slots, at
    least 4096) instead of its own few."""
    spec = json.load(open(os.path.join(SPECS, "win10-22h2-x64-bitmap.json")))
    spec["name"] = "bigpool-%d" % n
    pool = spec["pool"]
    ntag = min(500, n)
    pool["big"] = [{"tag": "B%03d" % i, "bytes": 4096 * (3 + i % 7), "count": n // ntag,
                    "type": 0} for i in range(ntag)]
    size = 4096
    while size < 2 * n:
        size *= 2
    pool["big_table_size"] = size
    path = os.path.join(d, "bigpool-%d.json" % n)
    with open(path, "w") as f:
        json.dump(spec, f)
    out = subprocess.run([sys.executable, MK, path, d], check=True, capture_output=True,
                         text=True).stdout.strip()
    return out


def bench_report(pm, d, runs):
    small, large = big_spec(d, 1024), big_spec(d, 131072)
    text = os.path.join(d, "bigpool.txt")
    lines = []
    for dump in (small, large):
        with open(text, "w") as out:
            subprocess.run([pm, "bigpool", dump], stdout=out, check=True)
        lines.append(sum(1 for _ in open(text)))
    print("Text report: bigpool of %d and %d live big allocations (%d and %d lines, %.1f MB)"
          % (1024, 131072, lines[0], lines[1], os.path.getsize(text) / 1e6))
    r = paired([pm, "bigpool", large], [pm, "bigpool", small], runs)
    show("bigpool 128k vs 1k", "bigpool (128k allocations)", "bigpool (1k allocations)", r,
         "linear: %.0fx the lines" % (lines[1] / lines[0]))
    per_line = (r["a_cpu"] - r["b_cpu"]) / (lines[1] - lines[0])
    print("%-22s %.2f us of CPU per extra line\n" % ("", per_line * 1e6))


def main():
    args = sys.argv[1:]
    runs, only = 7, None
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    if "--only" in args:
        i = args.index("--only")
        only = set(args[i + 1].split(","))
        del args[i:i + 2]
    pm = os.path.abspath(args[0] if args else os.path.join(root, "build", "poolmortem"))
    print("poolmortem at the physical floor: %d paired runs each, CPU medians\n" % runs)

    def want(n):
        return only is None or n in only
    with tempfile.TemporaryDirectory(prefix="pm-floor-") as d:
        if want("scan"):
            bench_scan(pm, d, runs)
        if want("segheap"):
            bench_segheap(pm, d, runs)
        if want("raw"):
            bench_raw(pm, d, runs)
        if want("isf"):
            bench_isf(pm, d, runs)
        dumps = bench_analyze(pm, d, runs) if want("analyze") else {}
        if want("gz"):
            bench_gz(pm, d, runs, dumps.get(1))
        if want("batch"):
            bench_batch(pm, d)
        if want("report"):
            bench_report(pm, d, runs)


if __name__ == "__main__":
    main()
