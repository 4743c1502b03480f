#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Benchmarks: the summary path on a sparse 64 GB bitmap dump next to a 1 GB one, a gzipped
dump, a batch, symbols (a kernel-sized PDB; analyze with and without the PDB), headerless
inputs (raw, ELF, kdump of a 16 GB guest, the ELF and kdump cut in half, and a 16 GB image
with nothing to discover), and the pool-page scan's throughput next to a plain sequential read.

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


def measure(pm, dump, cmd=("info", "--json")):
    t0 = time.perf_counter()
    p = subprocess.Popen([pm, *cmd, dump], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    err = p.stderr.read().decode()
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1 = analyze found exhaustion
        raise SystemExit("poolmortem failed on %s: %s" % (dump, err))
    return dt, ru.ru_maxrss / 1024.0


def main():
    args = sys.argv[1:]
    runs = 10
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    pm = args[0] if args else os.path.join(root, "build", "poolmortem")
    spec = os.path.join(root, "fixtures", "specs", "win10-22h2-x64-bitmap.json")
    with tempfile.TemporaryDirectory(prefix="pm-bench-") as d:
        mk = os.path.join(root, "fixtures", "mkdump.py")
        print("Summary path (no scan): should not depend on the dump's size")
        print("%-12s %-34s %9s %10s %8s %9s" % ("command", "dump", "size", "median ms", "max ms",
                                              "peak MiB"))
        one_gb = None
        for gb in (1, 64):
            out = subprocess.run([sys.executable, mk, spec, d, "--ram-gb", str(gb),
                                  "--dump-type", "5"],
                                 check=True, capture_output=True, text=True).stdout.strip()
            size = os.path.getsize(out)
            for cmd in (("info", "--json"), ("analyze", "--json")):
                measure(pm, out, cmd)  # warm the page cache for the header and bitmap
                times, rss = [], 0.0
                for _ in range(runs):
                    t, r = measure(pm, out, cmd)
                    times.append(t * 1000)
                    rss = max(rss, r)
                print("%-12s %-34s %6.1f GB %10.1f %8.1f %9.1f" % (
                    cmd[0], os.path.basename(out), size / 2**30, statistics.median(times),
                    max(times), rss))
            if gb == 1:
                one_gb = out
            big64 = out
        # A gzipped dump: analyze reads it through the seek index; compared with zcat, which
        # only decompresses (the index is built in one decompressing pass plus random reads).
        gz = one_gb + ".gz"
        subprocess.run("gzip -1 -c '%s' > '%s'" % (one_gb, gz), shell=True, check=True)
        t0 = time.perf_counter()
        subprocess.run("zcat '%s' > /dev/null" % gz, shell=True, check=True)
        tz = time.perf_counter() - t0
        ta, rss = measure(pm, gz, ("analyze", "--json"))
        print("\nGzipped dump (%s, %.1f MB compressed, 1 GB inside):" % (
            os.path.basename(gz), os.path.getsize(gz) / 1e6))
        print("  zcat: %.0f ms; poolmortem analyze: %.0f ms = %.2f x zcat, peak RSS %.1f MiB" % (
            tz * 1000, ta * 1000, ta / tz, rss))
        # Batch: every core busy? 40 copies of the generated fixtures, all workers.
        bdir = os.path.join(d, "batch")
        os.makedirs(bdir)
        fx = os.path.join(root, "build", "fixtures")
        small = [f for f in sorted(os.listdir(fx)) if f.endswith(".dmp") and
                 os.path.getsize(os.path.join(fx, f)) < 64 << 20]
        for i in range(40):
            f = small[i % len(small)]
            os.link(os.path.join(fx, f), os.path.join(bdir, "%02d-%s" % (i, f)))
        p = subprocess.run([pm, "batch", "--no-progress", "--output", os.path.join(d, "b.ndjson"),
                            bdir], capture_output=True, text=True)
        line = [l for l in p.stdout.splitlines() if "s wall" in l]
        print("\nBatch of 40 dumps, all cores:\n " + (line[0] if line else p.stdout[-300:]))
        # Symbols: a kernel-sized synthetic PDB (100k structures, 100k publics), and analyze
        # with the fixture kernel's PDB on the 64 GB dump (its kernel is the fixture one).
        print("\nSymbols:")
        subprocess.run([sys.executable, os.path.join(root, "fixtures", "mkpdb.py"), d, "--big",
                        "100000"], check=True)
        big = os.path.join(d, "synth-big.pdb")
        for label, cmd in (("x, 3 names", ("x", big, "Public5", "Public50000", "Public99999")),
                           ("dt, 1 type", ("dt", big, "_STRUCT_77777"))):
            t0 = time.perf_counter()
            p = subprocess.Popen([pm, *cmd], stdout=subprocess.DEVNULL)
            _, st, ru = os.wait4(p.pid, 0)
            print("  %-11s in a %.1f MB PDB: %4.0f ms, peak RSS %.1f MiB" % (
                label, os.path.getsize(big) / 1e6, (time.perf_counter() - t0) * 1000,
                ru.ru_maxrss / 1024.0))
        kx64 = os.path.join(root, "fixtures", "kernel", "x64")
        for sym in ([], ["--symbols", kx64]):
            t, rss = measure(pm, big64, ("analyze", "--json", *sym))
            print("  analyze %-40s %s: %4.0f ms, peak RSS %.1f MiB" % (
                os.path.basename(big64), "with the PDB   " if sym else "without symbols",
                t * 1000, rss))
        # Headerless inputs: discovery (page-table root, kernel, KDBG) then analyze, on a
        # 16 GB-RAM guest as a raw image, an ELF core and a kdump-compressed file; and the
        # worst case, a 16 GB raw image with nothing to find (every page read once).
        print("\nHeaderless inputs, 16 GB of guest RAM (discovery + analyze):")
        spec18 = os.path.join(root, "fixtures", "specs", "win10-1809-x64-bitmap.json")
        for cont in ("raw", "elf", "kdump"):
            out = subprocess.run([sys.executable, mk, spec18, d, "--ram-gb", "16",
                                  "--container", cont, "--encode-kdbg"],
                                 check=True, capture_output=True, text=True).stdout.strip()
            t, rss = measure(pm, out, ("analyze", "--json"))
            print("  %-5s %-44s %7.1f MB on disk: %6.0f ms, peak RSS %.1f MiB" % (
                cont, os.path.basename(out), os.stat(out).st_blocks * 512 / 1e6, t * 1000,
                rss))
            if cont != "raw":  # the same file cut in half: lost pages counted, not read
                os.truncate(out, os.path.getsize(out) // 2)
                t0 = time.perf_counter()
                p = subprocess.run([pm, "info", out], capture_output=True, text=True)
                print("  %-5s cut in half: exit %d in %.0f ms (%s)" % (
                    cont, p.returncode, (time.perf_counter() - t0) * 1000,
                    p.stderr.strip()[-90:]))
            os.unlink(out)
        zeros = os.path.join(d, "zeros.raw")
        with open(zeros, "wb") as f:
            f.truncate(16 << 30)
        t0 = time.perf_counter()
        p = subprocess.run([pm, "info", zeros], capture_output=True, text=True)
        t = time.perf_counter() - t0
        print("  nothing to find: 16 GB of zeros, full scan, exit %d in %.0f ms (%.1f GB/s)" % (
            p.returncode, t * 1000, 16 / t))
        # Scan: Windows 7 x64 complete dump of 4 GB RAM with many small-pool pages.
        spec7 = os.path.join(root, "fixtures", "specs", "win7sp1-x64-full.json")
        out = subprocess.run([sys.executable, mk, spec7, d, "--ram-gb", "4", "--dump-type", "1",
                              "--pool-scale", "1000"],
                             check=True, capture_output=True, text=True).stdout.strip()
        size = os.path.getsize(out)
        t0 = time.perf_counter()
        with open(out, "rb") as f:
            while f.read(1 << 20):
                pass
        seq = time.perf_counter() - t0
        p = subprocess.run([pm, "poolused", "--scan", "--json", out], check=True,
                           capture_output=True, text=True)
        import json
        scan = json.loads(p.stdout)["scan"]
        t, rss = measure(pm, out, ("poolused", "--scan", "--json"))
        mb = scan["bytes_read"] / 2**20
        print("\nPool-page scan (%s, %.1f GB file, %d pool pages among %d kernel pages)" % (
            os.path.basename(out), size / 2**30, scan["pool_pages"], scan["pages_examined"]))
        print("  poolused --scan: %.1f MiB of pages in %.0f ms = %.0f MB/s, peak RSS %.1f MiB" % (
            mb, t * 1000, mb / t, rss))
        print("  sequential read of the whole file: %.0f MiB in %.0f ms = %.0f MB/s" % (
            size / 2**20, seq * 1000, size / 2**20 / seq))
        os.unlink(out)
        # Segment-heap walk (19H1+, with the fixture kernel's PDB): Windows 10 22H2 x64 with
        # thousands of LFH and VS subsegments over many 1 MiB segments.
        spec22 = os.path.join(root, "fixtures", "specs", "win10-22h2-x64-bitmap.json")
        out = subprocess.run([sys.executable, mk, spec22, d, "--pool-scale", "2000"],
                             check=True, capture_output=True, text=True).stdout.strip()
        size = os.path.getsize(out)
        t0 = time.perf_counter()
        with open(out, "rb") as f:
            while f.read(1 << 20):
                pass
        seq = time.perf_counter() - t0
        sym = ("--symbols", kx64)
        p = subprocess.run([pm, "poolused", "--scan", "--json", *sym, out], check=True,
                           capture_output=True, text=True)
        scan = json.loads(p.stdout)["scan"]
        truth = json.load(open(out[:-4] + ".truth.json"))["scan_symbols"]
        ok = [{k: r[k] for k in ("tag", "nonpaged", "paged")} for r in scan["tags"]] == \
            truth["tags"]
        t, rss = measure(pm, out, ("poolused", "--scan", "--json", *sym))
        mb = scan["bytes_read"] / 2**20
        print("\nSegment-heap walk (%s, %.0f MB file, %d subsegments, %d pages, %d chunks; "
              "tags %s the generator's)" % (os.path.basename(out), size / 1e6,
                                            scan["subsegments"], scan["pool_pages"],
                                            scan["chunks"], "equal to" if ok else "DIFFER from"))
        print("  poolused --scan --symbols: %.1f MiB of subsegments in %.0f ms = %.0f MB/s "
              "(whole run, PDB load included), peak RSS %.1f MiB" % (mb, t * 1000, mb / t, rss))
        print("  sequential read of the whole file: %.0f MiB in %.0f ms = %.0f MB/s" % (
            size / 2**20, seq * 1000, size / 2**20 / seq))

if __name__ == "__main__":
    main()
