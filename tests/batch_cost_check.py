#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""batch costs what analyze costs (issue 12): over large sparse dumps, batch with the default
identity reads about the bytes `analyze` reads on each dump, not the dump; --full-hash reads
every byte of a plain dump, and of a .gz member nothing beyond what the seek index inflates.

batch_cost_check.py POOLMORTEM SMALL_DUMP LARGE_DUMP... WORK_DIR
SMALL_DUMP is gzipped here; the first LARGE_DUMP is also read with --full-hash.
The bytes are counted, not timed: the rchar of this process's /proc/self/io, to which a child
it waits for adds what it and its own reaped children (batch's workers) read through read(2)
and pread(2). A dump of G bytes that batch read in full would add G.
"""
import gzip
import os
import shutil
import subprocess
import sys

fails = []
SLACK = 4 << 20  # the rules data, the pooltag file, batch's own output read back


def check(cond, msg):
    if not cond:
        fails.append(msg)
        print("FAIL:", msg)


def rchar():
    with open("/proc/self/io") as f:
        return int([ln for ln in f if ln.startswith("rchar:")][0].split()[1])


def read_by(argv):
    """Bytes read by the command and every process it waited for; its exit code."""
    before = rchar()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return rchar() - before, p.returncode, p.stderr


def batch(pm, work, dump, *extra):
    out = os.path.join(work, "out.ndjson")
    if os.path.exists(out):
        os.unlink(out)
    n, rc, err = read_by([pm, "batch", "--jobs", "1", "--no-progress", "--output", out,
                          *extra, dump])
    check(rc in (0, 1), "batch %s %s: exit %d (%s)" % (" ".join(extra), dump, rc,
                                                       err.strip()[-300:]))
    return n


def main():
    pm, small, large, work = sys.argv[1], sys.argv[2], sys.argv[3:-1], sys.argv[-1]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    gz = os.path.join(work, os.path.basename(small) + ".gz")
    with open(small, "rb") as f, gzip.open(gz, "wb", compresslevel=1) as o:
        shutil.copyfileobj(f, o)
    for dump in large + [gz]:
        size = os.path.getsize(dump)
        a, rc, err = read_by([pm, "analyze", "--json", dump])
        check(rc in (0, 1, 4, 5, 8, 12),  # analyze's exit codes 1, 4 and 8 are bits
              "analyze %s: exit %d (%s)" % (dump, rc, err.strip()[-300:]))
        b = batch(pm, work, dump)
        print("%-36s %11d bytes: analyze read %10d, batch %10d" % (
            os.path.basename(dump), size, a, b))
        check(b <= 2 * a + SLACK, "%s: batch read %d bytes, analyze %d" % (dump, b, a))
        if dump != gz:
            check(size > 64 * b, "%s: batch read %d of its %d bytes" % (dump, b, size))
        if dump in (gz, large[0]):
            f = batch(pm, work, dump, "--full-hash")
            print("%-36s %17s batch --full-hash read %10d" % ("", "", f))
            if dump == gz:  # computed while the seek index inflates the member
                check(f <= 2 * a + SLACK, "%s --full-hash: read %d, analyze %d" % (dump, f, a))
            else:
                check(f >= size, "%s --full-hash: read %d bytes of %d" % (dump, f, size))
    if fails:
        print("%d failure(s)" % len(fails))
        sys.exit(1)
    print("ok: batch reads what analyze reads")


if __name__ == "__main__":
    main()
