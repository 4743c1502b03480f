#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Dumps laid out exactly like real kernels (issue 15; spec real_kernel, fixtures/gen/realkernel.py):
the truth's figures with and without symbols.

  realplace_check.py POOLMORTEM DUMP...
      each DUMP analyzed without symbols and with NAME.isf.json (the ISF the generator reduced
      from the facts table: real names, offsets, sizes, RVAs);
  realplace_check.py --real POOLMORTEM DUMP...
      the same, with the REAL ISF of the kernel each dump imitates, from $PM_REAL_CORPUS
      (tests/real/sources.json, role "isf"); exit 77 (skipped) without PM_REAL_CORPUS.

Without symbols: the tag tracker, the big allocations and every !vm line the dump gives
without symbols equal the truth; every figure only the symbols reach (the MiState /
MiSystemPartition lines, the failure counters, the session list) is absent and says it needs
symbols (or is stale) -- never a value. With symbols: the same tags and big allocations, from
the symbols; every !vm line from its exact MiState / MiSystemPartition member; the failure
counters, !vm's banners and the sessions on MiState.Vs.SessionWsList; with the real ISF, also
the whole analysis equal to the one with the reduced ISF (but for the file's name). Prints one
line per dump and form with the figures that matched.
"""
import json
import os
import subprocess
import sys

fails = []


def pick(d, path):
    for k in path.split("."):
        d = d.get(k) if isinstance(d, dict) else None
    return d


def subset(want, got, path, what):
    if isinstance(want, dict):
        if not isinstance(got, dict):
            fails.append("%s: %s: expected an object, got %r" % (what, path, got))
            return
        for k, v in want.items():
            subset(v, got.get(k), path + "." + k, what)
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            fails.append("%s: %s: expected %d items, got %r" % (what, path, len(want), got))
            return
        for i, (w, g) in enumerate(zip(want, got)):
            subset(w, g, "%s[%d]" % (path, i), what)
    elif want != got:
        fails.append("%s: %s: expected %r, got %r" % (what, path, want, got))


def analyze(pm, dump, sym, what):
    p = subprocess.run([pm, "analyze", "--json"] + (["--symbols", sym] if sym else []) + [dump],
                       capture_output=True, text=True, timeout=300)
    if p.returncode not in (0, 1):
        fails.append("%s: analyze exit %d: %s" % (what, p.returncode, p.stderr.strip()))
        return None
    return json.loads(p.stdout)


def common(a, truth, what, matched):
    """What both forms must give: identity, tags, big allocations."""
    n = len(fails)
    subset(truth["info"]["kernel"]["pdb"], pick(a, "info.kernel.pdb"), "info.kernel.pdb", what)
    subset(truth["poolused"], a.get("poolused"), "poolused", what)
    subset(truth["bigpool"], a.get("bigpool"), "bigpool", what)
    if len(fails) == n:
        matched.append("%d tags, %d big allocations" % (len(truth["poolused"]["tags"]),
                                                       len(truth["bigpool"]["allocations"])))


def without(a, truth, what, matched):
    n = len(fails)
    for line, w in truth["vm_symbols"].items():
        got, plain = pick(a, "vm." + line), truth["vm"].get(line, {})
        if "pages" in plain:  # the dump gives it without symbols (KDBG, estimate)
            if (got or {}).get("pages") != plain["pages"]:
                fails.append("%s: vm.%s %r, truth %r" % (what, line, got, plain))
        elif not isinstance(got, dict) or got.get("value", 0) is not None or \
                got.get("absent") not in ("needs_symbols", "stale") or "pages" in got:
            fails.append("%s: vm.%s is %r: a figure only the symbols give must be absent" % (
                what, line, got))
    for field in ("pool_allocations", "system_ptes", "commit_requests"):
        if pick(a, "vm.failures.%s.absent" % field) != "needs_symbols":
            fails.append("%s: vm.failures.%s %r, not needs_symbols" % (
                what, field, pick(a, "vm.failures." + field)))
    if pick(a, "vm.session_pools.absent") != "needs_symbols":
        fails.append("%s: session_pools %r, not needs_symbols" % (what, pick(a, "vm.session_pools")))
    extra = set(pick(a, "vm.banners") or []) - set(truth.get("vm_banners_symbols") or [])
    if extra:
        fails.append("%s: banners %r that the truth has not" % (what, sorted(extra)))
    if len(fails) == n:
        matched.append("%d !vm lines given or absent as they must be, failure counters and "
                       "sessions 'needs symbols'" % len(truth["vm_symbols"]))


def with_symbols(a, truth, what, fmt, matched):
    n = len(fails)
    if not pick(a, "info.symbols.found"):
        fails.append("%s: symbols not used: %r" % (what, pick(a, "info.symbols.absent")))
        return
    for k in ("poolused.tracker.size_from", "poolused.tracker.cpus_from",
              "bigpool.table.found_by"):
        if fmt not in str(pick(a, k)):
            fails.append("%s: %s is %r, not from the %s" % (what, k, pick(a, k), fmt))
    for line, w in truth["vm_symbols"].items():
        got = pick(a, "vm." + line) or {}
        if got.get("pages") != w["pages"] or got.get("source") != w["source"]:
            fails.append("%s: vm.%s %r, truth %r from %s" % (what, line, got, w["pages"],
                                                             w["source"]))
    for key, field in (("pool_failures", "pool_allocations"), ("pte_failures", "system_ptes"),
                       ("commit_failures", "commit_requests")):
        want, got = truth["vm_counters"][key], pick(a, "vm.failures." + field)
        if got != want:
            fails.append("%s: vm.failures.%s %r, truth %r" % (what, field, got, want))
    if pick(a, "vm.banners") != truth["vm_banners_symbols"]:
        fails.append("%s: banners %r, truth %r" % (what, pick(a, "vm.banners"),
                                                  truth["vm_banners_symbols"]))
    s, want = pick(a, "vm.session_pools") or {}, truth["sessions"]
    rows = [{"id": r.get("id"), "global_va": r.get("va"), "committed_pages":
             r.get("committed_pages"), "paged_pool_pages": r.get("paged_pool_pages")}
            for r in s.get("sessions") or []]
    if rows != want["list"] or s.get("source") != want["source"] or \
            s.get("current") != want["current"]:
        fails.append("%s: sessions %r from %r, truth %r" % (what, rows, s.get("source"), want))
    if pick(a, "vm.session_pools.pool_max_pages.absent") != "not_in_symbols":
        fails.append("%s: session pool maximum %r where real kernels have no MmSessionPoolSize" %
                     (what, pick(a, "vm.session_pools.pool_max_pages")))
    if len(fails) == n:
        matched.append("%d !vm lines from the symbols (exact member), 3 failure counters, %d "
                       "banners, %d sessions" % (len(truth["vm_symbols"]),
                                                 len(truth["vm_banners_symbols"]),
                                                 len(want["list"])))


def same_analysis(a, b, what):
    """The analysis with the reduced ISF and with the real one: equal but for the file's name."""
    for x in (a, b):
        for k in ("path", "file", "tried"):
            (pick(x, "info.symbols") or {}).pop(k, None)
    if a != b:
        diff = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        fails.append("%s: the analysis differs from the one with the reduced ISF in %s" % (
            what, diff))
        return False
    return True


def real_isf(corpus, truth):
    """The corpus file of the real ISF of the kernel the dump imitates (sources.json)."""
    src = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "real",
                                      "sources.json")))
    k = truth["real_kernel"]
    for f in src["files"]:
        if f["role"] == "isf" and f["path"] == k["file"]:
            return os.path.join(corpus, f["name"])
    return None


def main(argv):
    real = argv[1:2] == ["--real"]
    if real:
        argv = argv[1:]
        corpus = os.environ.get("PM_REAL_CORPUS")
        if not corpus:
            print("PM_REAL_CORPUS not set: skipped")
            return 77
    pm, dumps = argv[1], argv[2:]
    checked = 0
    for dump in dumps:
        truth = json.load(open(dump[:-4] + ".truth.json"))
        k = truth["real_kernel"]
        name = os.path.basename(dump)
        if real:
            isf = real_isf(corpus, truth)
            if not isf:
                print("NOTE %s: no real ISF of %s in sources.json; not checked" % (
                    name, k["version"]))
                continue
            if not os.path.exists(isf):
                fails.append("%s: the real ISF of %s (%s) is not in the corpus (%s)" % (
                    name, k["version"], k["file"], isf))
                continue
            forms = [("real ISF", isf)]
            reduced = analyze(pm, dump, os.path.join(os.path.dirname(dump), k["isf"]),
                              name + ", reduced ISF")
        else:
            forms = [("no symbols", None),
                     ("reduced ISF", os.path.join(os.path.dirname(dump), k["isf"]))]
        for label, sym in forms:
            what = "%s (%s), %s" % (name, k["version"], label)
            a = analyze(pm, dump, sym, what)
            if a is None:
                continue
            checked += 1
            matched = []
            common(a, truth, what, matched)
            if sym:
                with_symbols(a, truth, what, "ISF", matched)
                if real and reduced is not None and same_analysis(reduced, a, what):
                    matched.append("the whole analysis equal to the reduced ISF's")
            else:
                without(a, truth, what, matched)
            print("%s: %s; verdict %s %s (%s)" % (what, "; ".join(matched) or "MISMATCH",
                                                   pick(a, "verdict.outcome"),
                                                   pick(a, "verdict.resource"),
                                                   pick(a, "verdict.confidence")))
    for f in fails:
        print("FAIL:", f)
    print("%d analyses checked; %s" % (checked, "ok" if not fails else "%d failures" % len(fails)))
    return 1 if fails or not checked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
