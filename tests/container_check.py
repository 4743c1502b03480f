#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Headerless forms of a scenario (raw image, ELF core, kdump-compressed) against its crash
dump: info and analyze must agree on everything that does not come from a dump header, and
the report must say what was discovered and how.

container_check.py POOLMORTEM CRASHDUMP CONTAINER_FILE
container_check.py --must-fail POOLMORTEM CONTAINER_FILE FRAGMENT...
container_check.py --batch POOLMORTEM CRASHDUMP CONTAINER_FILE...
    `batch` over a folder holding the crash dump and its headerless forms: every line is a
    report (no error) with the crash dump's pool totals and verdict.
container_check.py --must-fail-derived POOLMORTEM SOURCE HOW FRAGMENT...
    HOW makes a damaged input from SOURCE in a temporary directory first: "zeros" (a raw
    image of SOURCE's size holding only zeros), "half" (SOURCE cut to half its size),
    "gzip" (SOURCE inside a gzip file).
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile

fails = []


def run(pm, *args):
    p = subprocess.run([pm] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def pick(d, path):
    for k in path.split("."):
        d = d.get(k) if isinstance(d, dict) else None
    return d


def compare(pm, dump, cont):
    truth = json.load(open(cont + ".truth.json"))
    rc1, a, e1 = run(pm, "analyze", "--json", dump)
    rc2, b, e2 = run(pm, "analyze", "--json", cont)
    if rc2 not in (0, 1):
        fails.append("analyze %s: exit %d: %s" % (cont, rc2, e2))
        return
    a, b = json.loads(a), json.loads(b)
    # a page a kernel (bitmap) dump leaves out is in a capture, which holds every RAM page: a
    # version resource not captured in the crash dump may be read from the capture
    for ma, mb in zip(pick(a, "info.modules.list") or [], pick(b, "info.modules.list") or []):
        if (ma.get("version") or {}).get("absent") == "not_captured" and "version" in mb:
            mb["version"] = ma["version"]
    same = ["info.machine.arch", "info.machine.build", "info.machine.os",
            "info.machine.processors", "info.machine.build_lab", "info.time.system_time",
            "info.time.uptime_seconds", "info.kernel.base", "info.kernel.pdb",
            "info.kdbg.va", "info.kdbg.size", "info.modules.count", "info.modules.list",
            "info.memory.ram_pages", "poolused.tags", "poolused.totals",
            "poolused.tracker.entries", "poolused.tracker.entry_size",
            "poolused.tracker.cpus_read", "bigpool.allocations", "vm.nonpaged_usage",
            "vm.paged_usage", "vm.committed_pages", "vm.commit_limit"]
    # the verdict too, unless the crash dump's bugcheck drove it (a capture has none)
    if not pick(a, "findings") or not any("bugcheck" in ev for f in a["findings"]
                                           for ev in f["evidence"]):
        same += ["verdict"]
    for k in same:
        if pick(a, k) != pick(b, k):
            fails.append("%s: crash dump %r, %s %r" % (k, str(pick(a, k))[:120], truth["container"],
                                                        str(pick(b, k))[:120]))
    disc = pick(b, "info.discovered")
    if not disc:
        fails.append("no 'discovered' section")
    else:
        for k in ("directory_table_base_how", "kernel_base_how", "kdbg_how", "build_how"):
            if not isinstance(disc.get(k), str) or not disc[k]:
                fails.append("discovered.%s missing" % k)
        if disc.get("kdbg_was_encoded") != bool(truth.get("encoded")):
            fails.append("kdbg_was_encoded %r, truth %r" % (disc.get("kdbg_was_encoded"),
                                                           truth.get("encoded")))
    if pick(b, "info.kdbg.found_by") != "discovered":
        fails.append("kdbg.found_by %r" % pick(b, "info.kdbg.found_by"))
    # ELF and kdump captures store every RAM page (QEMU style), and say so
    if truth["container"] in ("elf", "kdump"):
        if pick(b, "info.memory.pages_in_dump") != truth["info"]["memory"]["ram_pages"]:
            fails.append("pages_in_dump %r, RAM pages %r" % (pick(b, "info.memory.pages_in_dump"),
                                                           truth["info"]["memory"]["ram_pages"]))
    if not isinstance(pick(b, "info.bugcheck"), dict) or pick(b, "info.bugcheck.value") is not None \
            or pick(b, "info.bugcheck.absent") != "not_applicable":
        fails.append("bugcheck of a capture %r" % pick(b, "info.bugcheck"))
    want_fmt = {"raw": "raw", "elf": "ELF", "kdump": "kdump"}[truth["container"]]
    if want_fmt not in (pick(b, "info.container.format") or ""):
        fails.append("container.format %r" % pick(b, "info.container.format"))


def must_fail(pm, cont, frags):
    rc, out, err = run(pm, "info", cont)
    lines = [l for l in err.splitlines() if l.strip()]
    if rc != 3 or len(lines) != 1:
        fails.append("exit %d, stderr %r" % (rc, lines))
    for f in frags:
        if lines and f not in lines[0]:
            fails.append("error lacks %r: %s" % (f, lines[0] if lines else ""))


def derived(pm, src, how, frags):
    with tempfile.TemporaryDirectory() as tmp:
        ext = os.path.splitext(src)[1]
        if how == "zeros":
            path = os.path.join(tmp, "zeros.raw")
            with open(path, "wb") as f:
                f.truncate(os.path.getsize(src))
        elif how == "half":
            path = os.path.join(tmp, "half" + ext)
            with open(src, "rb") as f, open(path, "wb") as o:
                o.write(f.read(os.path.getsize(src) // 2))
        elif how == "gzip":
            path = os.path.join(tmp, "in" + ext + ".gz")
            with open(src, "rb") as f, gzip.open(path, "wb", compresslevel=1) as o:
                shutil.copyfileobj(f, o)
        else:
            raise SystemExit("unknown HOW " + how)
        must_fail(pm, path, frags)


def batch(pm, dump, conts):
    # hard links (batch does not follow symlinks) in a folder on the fixtures' file system
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(dump))) as tmp:
        folder = os.path.join(tmp, "in")
        os.mkdir(folder)
        for f in [dump] + conts:
            os.link(f, os.path.join(folder, os.path.basename(f)))
        out = os.path.join(tmp, "out.ndjson")
        p = subprocess.run([pm, "batch", "--no-progress", "--jobs", "2", "--output", out, folder],
                           capture_output=True, text=True)
        if p.returncode not in (0, 1):
            fails.append("batch exit %d: %s" % (p.returncode, p.stderr[-300:]))
        lines = [json.loads(l) for l in open(out)] if os.path.exists(out) else []
        by = {os.path.basename(l["path"]): l for l in lines}
        if len(by) != 1 + len(conts):
            fails.append("batch wrote %d lines for %d inputs" % (len(by), 1 + len(conts)))
        ref = by.get(os.path.basename(dump), {})
        for c in conts:
            l = by.get(os.path.basename(c))
            if not l or "error" in l:
                fails.append("%s: %s" % (c, l and l.get("error")))
                continue
            for k in ("poolused.totals", "info.machine.build", "verdict.healthy", "verdict.tag"):
                if pick(l, k) != pick(ref, k):
                    fails.append("%s: %s %r, crash dump %r" % (os.path.basename(c), k, pick(l, k),
                                                               pick(ref, k)))


def main(argv):
    if argv[1] == "--batch":
        batch(argv[2], argv[3], argv[4:])
    elif argv[1] == "--must-fail":
        must_fail(argv[2], argv[3], argv[4:])
    elif argv[1] == "--must-fail-derived":
        derived(argv[2], argv[3], argv[4], argv[5:])
    else:
        compare(argv[1], argv[2], argv[3])
    for f in fails:
        print("FAIL:", f)
    print("ok" if not fails else "%d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
