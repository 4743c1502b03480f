#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Benchmark: batch throughput (dumps per second, memory) and batch against analyze.

Two parts, each generating its dumps with fixtures/mkdump.py in a temporary directory:

many  A folder of N generated dumps (N = 64 and 512 by default: hard links to one dump of each
      of 7 scenarios of 5 Windows releases, x86 and x64, complete, kernel-bitmap and triage
      dumps; plus N/4 gzipped copies in a second run). For each folder and --jobs 1 / all
      cores: wall and CPU time (the batch and its workers), dumps per second, CPU ms per dump,
      the peak RSS of the batch process itself (its VmHWM, sampled every 5 ms in a separate
      run) and of the largest process of the batch (its own or a worker's: GNU time's %M);
      next to `analyze` run on each dump one after the other (the floor: what batch adds is
      a fork per dump, the identity, the record and the summary). The batch's own memory must
      not grow much with N: it keeps one small record per dump for the summary.
big   Complete bitmap dumps (DumpType 5, every RAM page present, sparse on disk) of 1, 4, 16
      and 64 GB machines plus a gzipped 1 GB one: `analyze --json` on each one after the
      other against `batch --jobs 1` over the folder (the default identity: the analysis's
      reads, hashed) and `batch --jobs 1 --full-hash` (every byte read and hashed: what
      batch did before the default identity). The page cache is warm for the pages the
      analysis reads; the full hash reads the holes of the sparse files, which cost no disk
      I/O here, so on real dumps on disk it is far slower than shown.

Figures are medians of RUNS runs (default 3), printed, never judged: the machine is shared.

usage: bench_batch.py [POOLMORTEM] [--runs N] [--only many,big] [--sizes 64,512]
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
MK = os.path.join(root, "fixtures", "mkdump.py")
SPECS = os.path.join(root, "fixtures", "specs")
TIME = "/usr/bin/time"  # GNU time (Debian package "time")
SCENARIOS = ["win10-22h2-x64-bitmap", "win10-1607-x64-bitmap", "win10-1809-x64-bitmap",
             "srv2022-x64-bitmap", "win11-22h2-x64-triage", "winxp-sp3-x86-full",
             "win7sp1-x64-full"]
OK_CODES = (0, 1, 4, 5, 8, 12)  # analyze: 1, 4 and 8 are bits


def spawn(argv):
    fa = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
          (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
    return os.posix_spawnp(argv[0], argv, os.environ, file_actions=fa)


def check(argv, status):
    rc = os.waitstatus_to_exitcode(status)
    if rc not in OK_CODES:
        raise SystemExit("%s: exit %d" % (" ".join(argv), rc))


def timed(argv):
    """(wall s, CPU s of the process and every child it waited for, largest process's peak
    RSS in MiB). The peak comes from GNU time when installed (a process posix_spawned from
    Python carries Python's resident set into its ru_maxrss), else wait4's."""
    tf = tempfile.NamedTemporaryFile(prefix="pm-time-", delete=False)
    tf.close()
    full = [TIME, "-q", "-f", "%M", "-o", tf.name, *argv] if os.path.exists(TIME) else argv
    t0 = time.perf_counter()
    pid = spawn(full)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    check(argv, status)
    peak = ru.ru_maxrss / 1024.0
    if full is not argv:
        with open(tf.name) as f:
            peak = int(f.read().split()[-1]) / 1024.0
    os.unlink(tf.name)
    return wall, ru.ru_utime + ru.ru_stime, peak


def own_peak(argv):
    """The process's own peak RSS in MiB (VmHWM, sampled every 5 ms until it exits)."""
    pid = spawn(argv)
    hwm = 0
    while True:
        try:
            with open("/proc/%d/status" % pid) as f:
                for ln in f:
                    if ln.startswith("VmHWM:"):
                        hwm = max(hwm, int(ln.split()[1]))
        except OSError:
            pass
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            check(argv, status)
            return hwm / 1024.0
        time.sleep(0.005)


def median_of(runs, fn):
    rows = [fn() for _ in range(runs)]
    return tuple(statistics.median(col) for col in zip(*rows))


def generate(spec, outdir, *extra):
    return subprocess.run([sys.executable, MK, os.path.join(SPECS, spec + ".json"), outdir,
                           *extra], check=True, capture_output=True, text=True).stdout.strip()


def batch_argv(pm, d, jobs, folder, *extra):
    out = os.path.join(d, "b.ndjson")
    if os.path.exists(out):
        os.unlink(out)
    return [pm, "batch", "--jobs", str(jobs), "--no-progress", "--output", out, *extra, folder]


def many(pm, runs, sizes):
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="pm-bench-many-") as d:
        gen = os.path.join(d, "gen")
        src = [generate(s, gen) for s in SCENARIOS]
        gz = []
        for p in src:
            subprocess.run("gzip -1 -c '%s' > '%s.gz'" % (p, p), shell=True, check=True)
            gz.append(p + ".gz")
        print("Throughput: folders of N dumps (hard links to %d generated dumps, %.1f MB "
              "apparent, %.1f MB on disk, in all)" % (
                  len(src), sum(os.path.getsize(p) for p in src) / 1e6,
                  sum(os.stat(p).st_blocks * 512 for p in src) / 1e6))
        for p in src + gz:  # warm the page cache
            timed([pm, "analyze", "--json", p])
        one = [median_of(runs, lambda p=p: timed([pm, "analyze", "--json", p])) for p in src]
        print("%-34s %6s %8s %8s %9s %8s %10s %10s" % (
            "", "jobs", "wall s", "CPU s", "dumps/s", "CPU ms", "batch MiB", "max MiB"))
        print("%-34s %6s %8.3f %8.3f %9.1f %8.1f %10s %10.1f" % (
            "analyze, each of the %d once" % len(src), "-", sum(w for w, _, _ in one),
            sum(c for _, c, _ in one), len(one) / sum(w for w, _, _ in one),
            1000 * sum(c for _, c, _ in one) / len(one), "-", max(m for _, _, m in one)))
        folders = [(n, "raw", src) for n in sizes] + [(sizes[0], "gz", gz)]
        for n, kind, pool in folders:
            folder = os.path.join(d, "%s-%d" % (kind, n))
            os.makedirs(folder)
            for i in range(n):
                p = pool[i % len(pool)]
                os.link(p, os.path.join(folder, "%04d-%s" % (i, os.path.basename(p))))
            for jobs in sorted({1, cores}):
                w, c, m = median_of(runs, lambda: timed(batch_argv(pm, d, jobs, folder)))
                mine = own_peak(batch_argv(pm, d, jobs, folder))
                print("%-34s %6d %8.3f %8.3f %9.1f %8.1f %10.1f %10.1f" % (
                    "batch, %d %s dumps" % (n, kind), jobs, w, c, n / w, 1000 * c / n,
                    mine, m))
            shutil.rmtree(folder)


def big(pm, runs):
    with tempfile.TemporaryDirectory(prefix="pm-bench-batch-") as d:
        folder = os.path.join(d, "dumps")
        os.makedirs(folder)
        dumps = []
        for gb in (1, 4, 16, 64):
            out = generate("win10-22h2-x64-bitmap", os.path.join(d, "gen%d" % gb),
                           "--ram-gb", str(gb), "--dump-type", "5")
            p = os.path.join(folder, "machine-%02dgb.dmp" % gb)
            os.rename(out, p)
            dumps.append(p)
        gz = os.path.join(folder, "machine-01gb-copy.dmp.gz")
        subprocess.run("gzip -1 -c '%s' > '%s'" % (dumps[0], gz), shell=True, check=True)
        dumps.append(gz)
        apparent = sum(os.path.getsize(p) for p in dumps[:-1])
        print("\nBatch vs analyze: %d dumps in one folder, %.1f GB apparent (sparse), %.1f MB "
              "on disk, + a gzipped 1 GB dump (%.1f MB)" % (
                  len(dumps), apparent / 2**30,
                  sum(os.stat(p).st_blocks * 512 for p in dumps) / 1e6,
                  os.path.getsize(gz) / 1e6))
        for p in dumps:  # warm the page cache for what the analysis reads
            timed([pm, "analyze", "--json", p])
        print("%-46s %10s %10s %8s %9s" % ("", "wall s", "CPU s", "x sum", "max MiB"))
        per = []
        for p in dumps:
            w, c, m = median_of(runs, lambda p=p: timed([pm, "analyze", "--json", p]))
            per.append((w, c))
            print("  analyze %-38s %10.3f %10.3f %8s %9.1f" % (os.path.basename(p), w, c, "",
                                                               m))
        sw, sc = sum(w for w, _ in per), sum(c for _, c in per)
        print("%-46s %10.3f %10.3f %8.2f" % ("sum of the analyses", sw, sc, 1.0))
        for name, extra in (("batch --jobs 1 (default identity)", []),
                            ("batch --jobs 1 --full-hash", ["--full-hash"])):
            w, c, m = median_of(runs, lambda extra=extra: timed(
                batch_argv(pm, d, 1, folder, *extra)))
            print("%-46s %10.3f %10.3f %8.2f %9.1f" % (name, w, c, w / sw, m))


def main():
    args = sys.argv[1:]
    opts = {"--runs": "3", "--only": "many,big", "--sizes": "64,512"}
    for k in opts:
        if k in args:
            i = args.index(k)
            opts[k] = args[i + 1]
            del args[i:i + 2]
    pm = os.path.abspath(args[0] if args else os.path.join(root, "build", "poolmortem"))
    runs = int(opts["--runs"])
    only = opts["--only"].split(",")
    if "many" in only:
        many(pm, runs, [int(n) for n in opts["--sizes"].split(",")])
    if "big" in only:
        big(pm, runs)


if __name__ == "__main__":
    main()
