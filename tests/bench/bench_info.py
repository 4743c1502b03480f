#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Benchmark: `poolmortem info` on a sparse 64 GB bitmap dump next to a 1 GB one.

Generates both dumps (DumpType 5, every RAM page present, sparse on disk) with
fixtures/mkdump.py into a temporary directory, runs `info` RUNS times on each, and prints the
median and worst wall time and the peak RSS of one run.  The summary path must not depend on
the dump's size: target well under 100 ms and 50 MB for both.

usage: bench_info.py [POOLMORTEM] [--runs N]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))


def measure(pm, dump):
    t0 = time.perf_counter()
    p = subprocess.Popen([pm, "info", "--json", dump], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    err = p.stderr.read().decode()
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("poolmortem failed on %s: %s" % (dump, err))
    return dt, ru.ru_maxrss / 1024.0


def main():
    args = sys.argv[1:]
    runs = 10
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    pm = args[0] if args else os.path.join(root, "build", "analyzer", "poolmortem")
    spec = os.path.join(root, "fixtures", "specs", "win10-22h2-x64-bitmap.json")
    with tempfile.TemporaryDirectory(prefix="pm-bench-") as d:
        print("%-34s %14s %10s %10s %10s" % ("dump", "size", "median ms", "max ms", "peak MiB"))
        for gb in (1, 64):
            out = subprocess.run([sys.executable, os.path.join(root, "fixtures", "mkdump.py"),
                                  spec, d, "--ram-gb", str(gb), "--dump-type", "5"],
                                 check=True, capture_output=True, text=True).stdout.strip()
            size = os.path.getsize(out)
            measure(pm, out)  # warm the page cache for the header and bitmap
            times, rss = [], 0.0
            for _ in range(runs):
                t, r = measure(pm, out)
                times.append(t * 1000)
                rss = max(rss, r)
            print("%-34s %11.1f GB %10.1f %10.1f %10.1f" % (
                os.path.basename(out), size / 2**30, statistics.median(times), max(times), rss))


if __name__ == "__main__":
    main()
