#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Benchmark: the handle walk (issue 13) — handles per second and peak memory as one process's
handle count grows.

For each count N (default 1,000,000 and 4,000,000) the generator (fixtures/mkdump.py, spec
srv2022-x64-holders with a process "leaker.exe" holding N Event handles, one object per
handle, a level-2 table from 131,071 handles on) writes a kernel dump into a temporary
directory; then `handles --json`, `analyze --json` (which walks the handles for the verdict)
and `info --json` (no walk: the baseline) run RUNS times each. Printed: the median wall time,
the peak RSS of a run, handles per second = N / (handles median - info median) in wall time
and in CPU time (user + system; the wall time on a shared machine waits for the CPU). The walk
streams, so its memory must not grow with N: compare the peak RSS of the two counts.

usage: bench_holders.py [POOLMORTEM] [--runs N] [--handles N[,N...]]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))


def output(pm, args):
    p = subprocess.run([pm] + args, capture_output=True)
    if p.returncode not in (0, 1):
        raise SystemExit("poolmortem %s failed (%d): %s" % (args[0], p.returncode,
                                                            p.stderr.decode()))
    return p.stdout


def measure_rss(pm, args):
    """Wall time, CPU time (user + system) and peak RSS (MiB) of one run (os.wait4 gives the
    child's rusage)."""
    t0 = time.perf_counter()
    p = subprocess.Popen([pm] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit("poolmortem %s failed" % args[0])
    return dt, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def make_dump(d, n):
    spec = json.load(open(os.path.join(root, "fixtures", "specs", "srv2022-x64-holders.json")))
    spec["name"] = "bench-holders-%d" % n
    spec["ram_mb"] = 512 + (n * 0x60 >> 20) * 2
    spec["processes"]["list"].append(
        {"pid": 9000, "name": "leaker.exe", "parent": 812, "session": 1, "threads": 8,
         "commit": 1000, "handles": {"Event": n}})
    spec["processes"].pop("expect_holders", None)
    sp = os.path.join(d, spec["name"] + ".json")
    json.dump(spec, open(sp, "w"))
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, os.path.join(root, "fixtures", "mkdump.py"), sp, d],
                         check=True, capture_output=True, text=True).stdout.strip()
    return out, time.perf_counter() - t0


def main():
    args = sys.argv[1:]
    runs, counts = 5, [1000000, 4000000]
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    if "--handles" in args:
        i = args.index("--handles")
        counts = [int(x) for x in args[i + 1].split(",")]
        del args[i:i + 2]
    pm = args[0] if args else os.path.join(root, "build", "poolmortem")
    print("Handle walk: one process holding N Event handles (one object each), Server 2022 "
          "layout, no symbols")
    print("%10s %8s %8s %10s %10s %9s %12s %12s %7s" % (
        "handles", "dump MB", "info ms", "handles ms", "analyze ms", "peak MiB", "handles/s",
        "handles/cpu-s", "gen s"))
    with tempfile.TemporaryDirectory(prefix="pm-bench-holders-") as d:
        for n in counts:
            dump, gen_s = make_dump(d, n)
            size = os.path.getsize(dump) / 2**20
            res = {}
            for cmd in (["info", "--json"], ["handles", "--json"], ["analyze", "--json"]):
                measure_rss(pm, cmd + [dump])  # warm the page cache
                times, cpus, rss = [], [], 0.0
                for _ in range(runs):
                    t, c, r = measure_rss(pm, cmd + [dump])
                    times.append(t)
                    cpus.append(c)
                    rss = max(rss, r)
                res[cmd[0]] = (statistics.median(times), rss, statistics.median(cpus))
            # the walk found them all
            out = output(pm, ["handles", "--json", "--pid", "9000", dump])
            got = json.loads(out)["processes"][0]["handles"]
            if got != n:
                raise SystemExit("leaker.exe: %r handles counted, %d expected" % (got, n))
            walk = res["handles"][0] - res["info"][0]
            cpu = res["handles"][2] - res["info"][2]
            print("%10d %8.0f %8.0f %10.0f %10.0f %9.1f %12.0f %12.0f %7.1f" % (
                n, size, res["info"][0] * 1000, res["handles"][0] * 1000,
                res["analyze"][0] * 1000, res["handles"][1], n / walk if walk > 0 else 0,
                n / cpu if cpu > 0 else 0, gen_s))
            os.unlink(dump)
    return 0


if __name__ == "__main__":
    sys.exit(main())
