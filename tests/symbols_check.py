#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The analysis with the kernel's symbols against the analysis without, on fixture dumps whose
kernel is the clang/lld-built one (fixtures/kernel/):

- every place the symbols can be (flat directory, one- and two-tier symbol stores, file.ptr,
  ISF tree, windows.zip pack, srv*STORE*URL, cache*DIR, _NT_SYMBOL_PATH) finds them;
- every figure the no-symbol path also produces is equal (tags, totals, big allocations, and
  the verdict's resource, tag and driver), and the report says the tracker and big table came
  from the symbols; the tags in PoolTrackTableExpansion and the session pool's table
  (ExpSessionPoolTrackTable), which only the symbols reach, are there with the generator's
  counts;
- the Windows 10 !vm figures that need MiState/MiSystemPartition, and Server 2003's free
  system PTEs, equal the generator's truth; so do the failure counters (ExPoolFailures,
  MmPteFailures, MiChargeCommitmentFailures), !vm's banners and the sessions of `!vm 4`
  (MiSessionWsList: descriptors, paged pool, commit, failures, the current session checked
  against its tag table); without symbols each of them says it needs them; the paged-pool
  descriptors are read with the symbols' _POOL_DESCRIPTOR where the kernel declares one;
- on 19H1+ the pool scan walks the segment heap (ExPoolState, RtlpHpHeapGlobals) and finds the
  generator's subsegments and chunks per tag; without symbols it says it needs them; with a
  damaged HeapKey the undecodable subsegments are reported, not counted;
- where the kernel's layout differs from the built-in profile for its build, the symbols' is
  used and the report names the difference (and only there);
- a symbol file of another kernel is refused, naming both identities, and the analysis goes on
  without symbols; a URL is never used and says so.

symbols_check.py POOLMORTEM KERNEL_DIR DUMP...
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

fails = []
counted = {"places": 0, "vm_lines": 0, "segheap": 0, "counters": 0, "sessions": 0,
           "descriptors": 0}


def run(pm, *args, env=None):
    p = subprocess.run([pm] + list(args), capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


def analyze(pm, dump, sym=None, env=None):
    args = ["analyze", "--json"] + (["--symbols", sym] if sym is not None else []) + [dump]
    rc, out, err = run(pm, *args, env=env)
    if rc not in (0, 1, 4):
        fails.append("analyze %s with %r: exit %d: %s" % (os.path.basename(dump), sym, rc, err))
        return None
    return json.loads(out)


def pick(d, path):
    for k in path.split("."):
        d = d.get(k) if isinstance(d, dict) else None
    return d


def places(kdir, sub, truth, tmp):
    """(label, symbol path) for every layout, built in @tmp from the committed files."""
    pdb = truth["pdb"]
    src = os.path.join(kdir, sub, pdb)
    isf = os.path.join(kdir, sub, pdb[:-4] + ".isf.json.xz")
    g = truth["guid"].replace("-", "")
    key = g + "%X" % truth["age"]
    out = [("flat directory", os.path.join(kdir, sub)), ("the PDB file", src)]
    one = os.path.join(tmp, "store1")
    os.makedirs(os.path.join(one, pdb, key))
    shutil.copy(src, os.path.join(one, pdb, key, pdb))
    out.append(("one-tier store", one))
    two = os.path.join(tmp, "store2")
    os.makedirs(os.path.join(two, pdb[:2], pdb, key))
    open(os.path.join(two, "index2.txt"), "w").close()
    shutil.copy(src, os.path.join(two, pdb[:2], pdb, key, pdb))
    out.append(("two-tier store", two))
    ptr = os.path.join(tmp, "store3")
    os.makedirs(os.path.join(ptr, pdb, key))
    open(os.path.join(ptr, pdb, key, "file.ptr"), "w").write("PATH:" + os.path.abspath(src))
    out.append(("file.ptr", ptr))
    lower = os.path.join(tmp, "store4")  # a store copied from Windows: other letter case
    os.makedirs(os.path.join(lower, pdb.upper(), key.lower()))
    shutil.copy(src, os.path.join(lower, pdb.upper(), key.lower(), pdb.upper()))
    out.append(("store in another letter case", lower))
    tree = os.path.join(tmp, "isf")
    os.makedirs(os.path.join(tree, "windows", pdb))
    shutil.copy(isf, os.path.join(tree, "windows", pdb, "%s-%d.json.xz" % (g, truth["age"])))
    out.append(("ISF tree", tree))
    pack = os.path.join(tmp, "pack")
    os.makedirs(pack)
    with zipfile.ZipFile(os.path.join(pack, "windows.zip"), "w") as z:
        z.write(isf, "windows/%s/%s-%d.json.xz" % (pdb, g, truth["age"]))
    out.append(("windows.zip pack", pack))
    out.append(("srv*STORE*URL", "srv*%s*https://msdl.microsoft.com/download/symbols" % one))
    out.append(("cache*DIR;list", "cache*%s;%s" % (os.path.join(tmp, "nowhere"), tree)))
    return out


def check_dump(pm, kdir, dump):
    truth = json.load(open(dump[:-4] + ".truth.json"))
    t = truth.get("symbols")
    if not t:
        fails.append("%s: its truth names no symbols" % dump)
        return
    base = analyze(pm, dump)
    if base is None:
        return
    if pick(base, "info.symbols.requested"):
        fails.append("%s: symbols requested without a path" % dump)
    with tempfile.TemporaryDirectory() as tmp:
        for label, path in places(kdir, t["dir"], t, tmp):
            a = analyze(pm, dump, path)
            if a is None:
                continue
            counted["places"] += 1
            what = "%s, %s" % (os.path.basename(dump), label)
            if not pick(a, "info.symbols.found"):
                fails.append("%s: not found: %s" % (what, pick(a, "info.symbols.absent")))
                continue
            fmt = pick(a, "info.symbols.format")
            # the verdict's answers (resource, tag, driver) stand; its severity may rise with
            # the figures only the symbols give (a real maximum instead of "judged vs RAM")
            # the tags in PoolTrackTableExpansion are seen only with symbols (truth
            # expansion_tags); every other tag and figure is the same
            xt = {r["tag"]: r for r in truth.get("expansion_tags", [])}
            tags = [r for r in (pick(a, "poolused.tags") or []) if r.get("tag") not in xt]
            if tags != pick(base, "poolused.tags"):
                fails.append("%s: the main table's tags differ from the analysis without "
                             "symbols" % what)
            got_x = {r["tag"]: r for r in (pick(a, "poolused.tags") or []) if r.get("tag") in xt}
            for tag, r in xt.items():
                g = got_x.get(tag, {})
                for k in ("nonpaged", "paged"):
                    if {f: (g.get(k) or {}).get(f) for f in ("allocs", "frees", "bytes")} != \
                            {f: r[k][f] for f in ("allocs", "frees", "bytes")}:
                        fails.append("%s: expansion tag %s %s %r, truth %r" % (what, tag, k,
                                                                            g.get(k), r[k]))
            if xt and pick(a, "poolused.tracker.expansion_table.entries") != len(xt):
                fails.append("%s: expansion_table %r" % (what, pick(
                    a, "poolused.tracker.expansion_table")))
            for k in ("bigpool.allocations", "verdict.resource", "verdict.tag",
                      "verdict.driver", "info.modules", "info.kernel"):
                if pick(a, k) != pick(base, k):
                    fails.append("%s: %s differs from the analysis without symbols" % (what, k))
            if not xt and pick(a, "poolused.totals") != pick(base, "poolused.totals"):
                fails.append("%s: poolused.totals differs" % what)
            for k, want in (("poolused.tracker.size_from", fmt),
                            ("poolused.tracker.cpus_from", fmt)):
                if want not in (pick(a, k) or ""):
                    fails.append("%s: %s is %r, not from the %s" % (what, k, pick(a, k), fmt))
            if fmt not in (pick(a, "bigpool.table.found_by") or ""):
                fails.append("%s: big table found_by %r" % (what, pick(a, "bigpool.table.found_by")))
            if not pick(a, "info.symbols.used"):
                fails.append("%s: the report does not say what was used" % what)
            # the session pool's tags (ExpSessionPoolTrackTable): only with symbols
            want_s = truth.get("session_tags", [])
            got_s = pick(a, "poolused.session_pool.tags")
            if want_s:
                g = [{"tag": r["tag"], "paged": {k: r["paged"][k] for k in
                                                 ("allocs", "frees", "outstanding", "bytes")}}
                     for r in (got_s or [])]
                if g != want_s:
                    fails.append("%s: session pool %r, truth %r" % (what, got_s, want_s))
                if pick(base, "poolused.session_pool.absent") != "needs_symbols":
                    fails.append("%s: without symbols the session pool is %r" % (
                        what, pick(base, "poolused.session_pool")))
            elif got_s is not None or pick(a, "poolused.session_pool.absent") != "not_present":
                fails.append("%s: a session pool where the truth has none: %r" % (
                    what, pick(a, "poolused.session_pool")))
            diffs = " ".join(pick(a, "info.symbols.differences") or [])
            if t.get("layout_differs") != ("_POOL_TRACKER_TABLE" in diffs):
                fails.append("%s: differences %r, truth layout_differs %r" % (
                    what, diffs, t.get("layout_differs")))
            for line, v in truth.get("vm_symbols", {}).items():
                got = pick(a, "vm." + line)
                counted["vm_lines"] += 1
                src = str((got or {}).get("source", "")) if isinstance(got, dict) else ""
                if not isinstance(got, dict) or got.get("pages") != v["pages"] or \
                        not (src == v["source"] if "source" in v else src.startswith("Mi")):
                    fails.append("%s: vm.%s %r, truth %r from %s" % (
                        what, line, got, v["pages"], v.get("source", "MiState/MiSystemPartition")))
            check_vm_extras(what, a, base, truth)
            # the paged-pool descriptors: the symbols' _POOL_DESCRIPTOR where the kernel
            # declares one, the same figures either way
            if "paged_pools" in truth.get("vm", {}):
                lay = str(pick(a, "vm.descriptor_layout"))
                if pick(a, "vm.paged_pools") != truth["vm"]["paged_pools"] or \
                        lay.startswith(fmt) != bool(t.get("pool_descriptor_type")):
                    fails.append("%s: descriptors %r with layout %r, truth %r" % (
                        what, pick(a, "vm.paged_pools"), lay, truth["vm"]["paged_pools"]))
                counted["descriptors"] += 1
        check_segheap(pm, kdir, dump, truth, tmp)
        # _NT_SYMBOL_PATH, when --symbols is not given
        env = dict(os.environ, _NT_SYMBOL_PATH="srv*%s" % os.path.join(kdir, t["dir"]))
        a = analyze(pm, dump, env=env)
        if a is not None and not pick(a, "info.symbols.found"):
            fails.append("%s: _NT_SYMBOL_PATH not used" % os.path.basename(dump))


COUNTERS = {"pool_failures": "pool_allocations", "pte_failures": "system_ptes",
            "commit_failures": "commit_requests"}


def check_vm_extras(what, a, base, truth):
    """The failure counters, banners and sessions (!vm, !vm 4) that only the symbols reach."""
    for key, field in COUNTERS.items():
        want = truth.get("vm_counters", {}).get(key)
        got = pick(a, "vm.failures." + field)
        if want is None:
            continue
        counted["counters"] += 1
        ok = got == want if "count" in want else \
            isinstance(got, dict) and got.get("absent") == want["absent"]
        if not ok:
            fails.append("%s: vm.failures.%s %r, truth %r" % (what, field, got, want))
        if pick(base, "vm.failures.%s.absent" % field) != "needs_symbols":
            fails.append("%s: without symbols vm.failures.%s is %r" % (
                what, field, pick(base, "vm.failures." + field)))
    if pick(a, "vm.banners") != truth.get("vm_banners_symbols"):
        fails.append("%s: vm.banners %r, truth %r" % (what, pick(a, "vm.banners"),
                                                     truth.get("vm_banners_symbols")))
    want = truth.get("sessions")
    got = pick(a, "vm.session_pools") or {}
    if pick(base, "vm.session_pools.absent") != "needs_symbols":
        fails.append("%s: without symbols session_pools is %r" % (
            what, pick(base, "vm.session_pools")))
    if not want:
        if got.get("absent") != "not_in_symbols":
            fails.append("%s: session_pools %r where the symbols have no session list" % (
                what, got))
        return
    counted["sessions"] += 1
    if got.get("pool_max_pages") != want["pool_max_pages"] or \
            got.get("current") != want["current"]:
        fails.append("%s: session_pools max/current %r/%r, truth %r/%r" % (
            what, got.get("pool_max_pages"), got.get("current"), want["pool_max_pages"],
            want["current"]))
    rows = [{"id": r["id"], "global_va": r["va"], "descriptor": r["descriptor"],
             "paged_pool_pages": r["paged_pool_pages"], "committed_pages": r["committed_pages"],
             "allocation_failures": r["allocation_failures"]}
            for r in got.get("sessions") or []]
    if rows != want["list"]:
        fails.append("%s: sessions %r, truth %r" % (what, rows, want["list"]))
    cur = [r["id"] for r in got.get("sessions") or [] if r.get("current")]
    if cur != ([want["current"]] if want["current"] is not None else []):
        fails.append("%s: current session %r, truth %r" % (what, cur, want["current"]))
    chk = got.get("tag_table_check") or {}
    if want["current"] is not None and (chk.get("session") != want["current"] or
                                        chk.get("consistent") is not True):
        fails.append("%s: session tag-table check %r" % (what, chk))


def scan(pm, dump, sym=None):
    args = ["poolused", "--scan", "--json"] + (["--symbols", sym] if sym else []) + [dump]
    rc, out, err = run(pm, *args)
    if rc not in (0, 4):
        fails.append("%s: poolused --scan exit %d: %s" % (os.path.basename(dump), rc, err))
        return {}, ""
    return json.loads(out).get("scan") or {}, err


def check_segheap(pm, kdir, dump, truth, tmp):
    """19H1+: the pool scan is the segment-heap walk, only with symbols (truth scan_symbols);
    with a damaged HeapKey the VS subsegments are refused and said, never miscounted."""
    want = truth.get("scan_symbols")
    if not want:
        return
    name = os.path.basename(dump)
    counted["segheap"] += 1
    sym = os.path.join(kdir, truth["symbols"]["dir"])
    got, _ = scan(pm, dump, sym)
    g = {k: got.get(k) for k in ("method", "subsegments", "pool_pages")}
    if g != {k: want[k] for k in g}:
        fails.append("%s: segment-heap scan %r, truth %r" % (name, g, {k: want[k] for k in g}))
    tags = [{"tag": r["tag"], "nonpaged": r["nonpaged"], "paged": r["paged"]}
            for r in got.get("tags") or []]
    if tags != want["tags"]:
        fails.append("%s: segment-heap tags %r, truth %r" % (name, tags, want["tags"]))
    plain, _ = scan(pm, dump)
    if plain.get("absent") != "needs_symbols" or "symbols" not in str(plain.get("detail")):
        fails.append("%s: without symbols the scan is %r" % (name, plain))
    # the same dump with HeapKey changed: the VS chunk headers no longer decode
    data = bytearray(open(dump, "rb").read())
    key = (0x5A5A1234DEADBEEF).to_bytes(8, "little")
    if data.count(key) != 1:
        fails.append("%s: HeapKey found %d times in the dump" % (name, data.count(key)))
        return
    at = data.index(key)
    data[at + 3] ^= 0x70  # bits 28..30: the chunk sizes decode out of their subsegment
    bad = os.path.join(tmp, "badkey.dmp")
    open(bad, "wb").write(bytes(data))
    rc, out, err = run(pm, "poolused", "--scan", "--json", "--symbols", sym, bad)
    got = json.loads(out).get("scan") or {} if out.startswith("{") else {}
    if rc != 4 or "did not decode" not in err:
        fails.append("%s with a wrong HeapKey: exit %d, %r (want 4, naming what did not "
                     "decode)" % (name, rc, err.strip()))
    vs = {r["tag"] for r in want["tags"]} - {r["tag"] for r in got.get("tags") or []}
    rc, out, _ = run(pm, "analyze", "--scan", "--json", "--symbols", sym, bad)
    diags = " ".join(str(d) for d in (pick(json.loads(out), "info.diagnostics") or [])) \
        if out.startswith("{") else ""
    if not vs or got.get("method") != "segment_heap" or "did not decode" not in diags:
        fails.append("%s with a wrong HeapKey: tags %r, diagnostics %r" % (
            name, [r["tag"] for r in got.get("tags") or []], diags[:300]))


def check_refused(pm, kdir, dump, other):
    """The other architecture's PDB: refused with both identities; the analysis goes on."""
    base = analyze(pm, dump)
    a = analyze(pm, dump, other)
    if a is None or base is None:
        return
    absent = pick(a, "info.symbols.absent") or ""
    tried = " ".join(pick(a, "info.symbols.tried") or [])
    if pick(a, "info.symbols.found") or "refused" not in absent or "GUID" not in absent:
        fails.append("%s with %s: not refused clearly: %r" % (dump, other, absent))
    if tried.count("GUID") < 2:
        fails.append("refusal does not name both identities: %r" % tried)
    for k in ("poolused.tags", "bigpool.allocations", "verdict"):
        x, y = pick(a, k), pick(base, k)
        if k == "verdict" and isinstance(x, dict) and isinstance(y, dict):
            # what would fix a missing figure says the symbols given were not used: the
            # rest of the verdict stays
            x, y = dict(x, missing=None), dict(y, missing=None)
            if not all("not used" in m["fix"] for m in pick(a, k).get("missing", [])):
                fails.append("%s: a fix in the verdict does not say the symbols given were "
                             "not used: %r" % (dump, pick(a, k).get("missing")))
        if x != y:
            fails.append("%s: %s changed by a refused symbol file" % (dump, k))
    rc, out, err = run(pm, "symbols", "--symbols", other, dump)
    if rc != 4 or "refused" not in out or "incomplete" not in err:
        fails.append("symbols with a foreign PDB: exit %d, %r" % (rc, err.strip()))
    rc, out, err = run(pm, "symbols", "--symbols", "srv*%s/none*https://example.invalid/sym" %
                       kdir, dump)
    if "never uses the network" not in out:
        fails.append("a URL in the symbol path is not reported as unused")


def main():
    pm, kdir, dumps = sys.argv[1], sys.argv[2], sys.argv[3:]
    for d in dumps:
        check_dump(pm, kdir, d)
    x64 = [d for d in dumps if "x64" in os.path.basename(d)]
    if x64:
        check_refused(pm, kdir, x64[0], os.path.join(kdir, "x86", "ntkrpamp.pdb"))
    for f in fails:
        print("FAIL:", f)
    print("%d symbol places x dumps, %d !vm lines from the symbols, %d failure counters, %d "
          "session lists, %d descriptor sets, %d segment-heap scans checked; %s" % (
              counted["places"], counted["vm_lines"], counted["counters"], counted["sessions"],
              counted["descriptors"], counted["segheap"],
              "ok" if not fails else "%d failures" % len(fails)))
    if not counted["places"]:
        print("FAIL: nothing was checked")
        return 1
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
