#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Messages on damaged inputs name the structure, the offset and the figures (issue 16 item 7),
on copies of the fixtures damaged at test time.

  messages.py POOLMORTEM FIXTURES_DIR WORKDIR [KERNEL_DIR]

- a full x64 dump whose NumberOfRuns (PHYSICAL_MEMORY_DESCRIPTOR64 at file offset 0x88)
  exceeds the runs the descriptor holds: the error names 0x88, the count and the limit
  (it named 0x98, the offset of Run[]);
- an RDMP dump whose second range overlaps the first: the error names the RDMP range list at
  0x2030 and both runs' PFNs (it named no structure);
- a dump cut in the middle: the completeness problem says where the file ends and how many
  pages are missing (it said "the file is truncated" with no figures);
- gzip: two members give the plain file's answer; bytes after the last member are called
  trailing garbage, with the offset where the gzip data ends (it was called a CRC mismatch);
  a file cut inside the last trailer says so;
- with KERNEL_DIR (fixtures/kernel): a truncated ntkrnlmp.pdb in the --symbols folder is
  "unreadable" with the MSF reason (it was "no symbol file for the kernel ... in DIR").

Exit 0 = pass, 1 = fail (meson's protocol).
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def run(pm, *args):
    p = subprocess.run([pm] + list(args), capture_output=True, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def patched(src, dst, edits, size=None):
    data = bytearray(open(src, "rb").read() if size is None else open(src, "rb").read(size))
    for off, b in edits:
        data[off:off + len(b)] = b
    open(dst, "wb").write(data)
    return dst


def main():
    pm, fx, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    full = os.path.join(fx, "win7sp1-x64-full.dmp")
    rdmp = os.path.join(fx, "win11-24h2-x64-rdmp.dmp")

    # NumberOfRuns at 0x88 (the 64-bit descriptor holds (704 - 16) / 16 = 43 runs)
    d = patched(full, os.path.join(work, "runs.dmp"), [(0x88, struct.pack("<I", 1000))])
    rc, out, err = run(pm, "info", d)
    check(rc == 3 and "0x88" in err and "NumberOfRuns 1000" in err and "43" in err
          and "0x98: NumberOfRuns" not in err, "NumberOfRuns named at 0x88: %d %s" % (rc, err))

    # RDMP: range 1 moved to start inside range 0 (PFN 1, 0x9f pages)
    hdr = open(rdmp, "rb").read(0x2050)
    p0, n0, p1 = struct.unpack_from("<QQQ", hdr, 0x2030)
    check(hdr[0x2004:0x200C] == b"RDMPDUMP" and n0 > 2, "the RDMP fixture has its ranges")
    d = patched(rdmp, os.path.join(work, "rdmp.dmp"), [(0x2040, struct.pack("<Q", p0 + 1))])
    rc, out, err = run(pm, "info", d)
    check(rc == 3 and "RDMP range list at file offset 0x2030" in err and "overlap" in err
          and ("PFN %#x" % p0) in err and ("PFN %#x" % (p0 + 1)) in err,
          "RDMP overlap names the range list and both runs: %d %s" % (rc, err))

    # cut in the middle: where it ends, how many pages are missing
    size = os.path.getsize(full)
    d = patched(full, os.path.join(work, "cut.dmp"), [], size // 2)
    rc, out, err = run(pm, "info", "--json", d)
    problem = (json.loads(out).get("completeness") or {}).get("problem", "") if out else ""
    check("ends at %#x" % (size // 2) in problem and "pages" in problem and
          any(c.isdigit() for c in problem.split("ends at")[1][8:]),
          "truncation figures in the completeness problem: %r" % problem)

    # gzip: two members = the plain file; trailing garbage; a cut trailer
    raw = open(full, "rb").read()
    g = os.path.join(work, "two.dmp.gz")
    open(g, "wb").write(gzip.compress(raw[:1 << 20], 1) + gzip.compress(raw[1 << 20:], 1))
    rc1, plain, _ = run(pm, "info", "--json", full)
    rc2, two, err = run(pm, "info", "--json", g)
    strip = lambda s: {k: v for k, v in json.loads(s).items() if k not in ("file", "completeness")}
    check(rc2 == rc1 and two and strip(two) == strip(plain),
          "two gzip members give the plain file's answer: %d %s" % (rc2, err))
    one = gzip.compress(raw, 1)
    g = os.path.join(work, "trail.dmp.gz")
    open(g, "wb").write(one + b"\0garbage")
    rc, out, err = run(pm, "info", g)
    check(rc == 3 and "trailing garbage" in err and ("%#x" % len(one)) in err
          and "8 bytes" in err, "trailing garbage named with its offset: %d %s" % (rc, err))
    g = os.path.join(work, "cut.dmp.gz")
    open(g, "wb").write(one[:-3])
    rc, out, err = run(pm, "info", g)
    check(rc == 3 and "trailer" in err and "ends at" in err, "a cut trailer: %d %s" % (rc, err))

    # a damaged PDB where one is looked for: "unreadable", not "no symbol file in DIR"
    if len(sys.argv) > 4:
        sd = os.path.join(work, "symdir")
        os.makedirs(sd)
        pdb = open(os.path.join(sys.argv[4], "x64", "ntkrnlmp.pdb"), "rb").read()
        open(os.path.join(sd, "ntkrnlmp.pdb"), "wb").write(pdb[:70000])
        rc, out, err = run(pm, "info", "--json", "--symbols", sd,
                           os.path.join(fx, "win10-22h2-x64-bitmap.dmp"))
        diags = [d.get("message", "") for d in json.loads(out).get("diagnostics", [])] \
            if rc in (0, 1, 4) and out else []
        check(any("unreadable" in d and "ntkrnlmp.pdb" in d and "MSF" in d for d in diags)
              and not any(d.startswith("no symbol file") for d in diags),
              "a damaged PDB is called unreadable: %d %s" % (rc, diags))

    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
