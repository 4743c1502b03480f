#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The verdict matrix (issue 11): every fixture scenario x {without symbols, with symbols} x
{complete, cut at 95/50/10% and where processor 1's tag table starts, processor 1's tag table
missing, the header's KDBG pointer broken}, each cell's expected outcome written in
tests/verdict/matrix.txt and checked here, in one test.

verdict_matrix.py POOLMORTEM KERNEL_DIR WORKDIR MATRIX.txt DUMP...   check every cell
verdict_matrix.py --survey POOLMORTEM KERNEL_DIR WORKDIR DUMP...     print what is observed
verdict_matrix.py --detail POOLMORTEM KERNEL_DIR WORKDIR DUMP...     the same, each cell with
                                                                    its exit code and confidence

A cell is "np:Leak" (at risk: nonpaged pool, tag Leak; "np:-" no tag named; a trailing "~" when
the tag is ranked from partial data), "commit:Lkpg", "paged:MmSt", "phys:-", "corrupt:-",
"healthy", "inconc" (inconclusive) or "error" (exit 3, one error line); "n/a" where the damage
does not apply. Besides the outcome every cell checks: the exit code is the verdict's
(verdict.exit_code, bit 4 exactly when the dump is incomplete); an incomplete dump's coverage
warning heads the text, Markdown and HTML renderings (checked on the cut-at-50% cells); an
inconclusive verdict says what is missing and what would fix it; a damaged cell whose verdict
contradicts its complete twin's (another outcome, resource or named tag) is never of high
confidence.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import damage as dmg  # noqa: E402

COLUMNS = ["complete", "cut95", "cut50", "cut10", "cut-cpu1", "cpu1-missing", "kdbg-broken"]
SHORT = {"nonpaged_pool": "np", "paged_pool": "paged", "commit": "commit",
         "physical_memory": "phys", "pool_corruption": "corrupt", "system_ptes": "ptes",
         "session_pool": "session"}


def symbols_for(kdir, truth, dump):
    """The kernel's own symbols where the fixture kernel is used; the ISF reduced from the facts
    where the dump is laid out like a real kernel (real_kernel); else a symbol path whose PDB
    is another kernel's (the report must say it was not used)."""
    if "symbols" in truth:
        return os.path.join(kdir, truth["symbols"]["dir"])
    if (truth.get("real_kernel") or {}).get("isf"):
        return os.path.join(os.path.dirname(dump), truth["real_kernel"]["isf"])
    arch = truth["info"]["machine"]["arch"]
    return os.path.join(kdir, "x64" if arch == "x64" else "x86")


def analyze(pm, path, sym, fmt="json"):
    args = [pm, "analyze", "--format", fmt] + (["--symbols", sym] if sym else []) + [path]
    env = dict(os.environ)
    env.pop("_NT_SYMBOL_PATH", None)
    p = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)
    return p.returncode, p.stdout, p.stderr


def cell_of(rc, out):
    if rc == 3:
        return "error", None
    try:
        doc = json.loads(out)
        v = doc["verdict"]
        v["_findings"] = doc.get("findings", [])
    except (ValueError, KeyError):
        return "no-json(rc=%d)" % rc, None
    if v.get("outcome") == "healthy":
        return "healthy", v
    if v.get("outcome") == "inconclusive":
        return "inconc", v
    c = "%s:%s" % (SHORT.get(v.get("resource"), v.get("resource")), v.get("tag") or "-")
    return c + ("~" if v.get("tag_partial") else ""), v


def contradicts(v, twin, twin_findings=()):
    """Whether verdict @v says something its undamaged twin does not: another outcome, a
    resource none of the twin's findings found at risk, or another tag for it (naming no tag
    says less, not something else)."""
    if v.get("outcome") != twin.get("outcome"):
        return True
    if v.get("resource") == twin.get("resource"):
        return bool(v.get("tag")) and v.get("tag") != twin.get("tag")
    for f in twin_findings:  # another resource the twin also found exhausted or at risk
        if f.get("resource") == v.get("resource") and f.get("severity") != "info":
            tags = [t["tag"] for t in f.get("suspect_tags", [])[:1]]
            return bool(v.get("tag")) and v.get("tag") not in tags
    return True


def check_cell(pm, path, sym, rc, out, err, v, damage, twin, fails, where):
    """The invariants every cell keeps."""
    if rc == 3:
        lines = [l for l in err.splitlines() if l.strip()]
        if len(lines) != 1:
            fails.append("%s: exit 3 with %d stderr lines" % (where, len(lines)))
        return
    if v is None:
        fails.append("%s: no verdict (exit %d): %s" % (where, rc, err.strip()[:200]))
        return
    if rc != v.get("exit_code"):
        fails.append("%s: exit %d but verdict.exit_code %r" % (where, rc, v.get("exit_code")))
    if bool(rc & 4) != bool(v.get("incomplete")):
        fails.append("%s: exit %d, verdict.incomplete %r" % (where, rc, v.get("incomplete")))
    if v.get("outcome") == "inconclusive" and not all(m.get("what") and m.get("fix")
                                                     for m in v.get("missing", [])):
        fails.append("%s: inconclusive without what is missing and what would fix it" % where)
    if v.get("outcome") == "inconclusive" and not v.get("missing"):
        fails.append("%s: inconclusive, nothing said missing" % where)
    if twin is not None and damage != "complete" and v.get("confidence") == "high":
        if contradicts(v, twin, twin.get("_findings", [])):
            fails.append("%s: confidence high, yet %s/%s/%s differs from the complete dump's "
                         "%s/%s/%s" % (where, v.get("outcome"), v.get("resource"), v.get("tag"),
                                       twin.get("outcome"), twin.get("resource"), twin.get("tag")))
    if damage == "cut50" and v.get("incomplete"):
        rc2, text, _ = analyze(pm, path, sym, "text")
        first = text.splitlines()[0] if text else ""
        if "INCOMPLETE DUMP" not in first or "COVERAGE: incomplete dump" not in text:
            fails.append("%s: the text headline lacks the coverage warning: %r" % (where, first))
        rc2, md, _ = analyze(pm, path, sym, "md")
        if "INCOMPLETE DUMP" not in md.splitlines()[0] or "**Coverage:**" not in md:
            fails.append("%s: the Markdown headline lacks the coverage warning" % where)
        rc2, html, _ = analyze(pm, path, sym, "html")
        head = html[html.find('id="verdict"'):html.find("</div>", html.find('id="verdict"'))]
        if "INCOMPLETE DUMP" not in head or 'class="coverage"' not in head:
            fails.append("%s: the HTML verdict box lacks the coverage warning" % where)


def run(pm, kdir, work, dumps, expected=None, detail=False):
    os.makedirs(work, exist_ok=True)
    fails, rows, ncells = [], [], 0
    for dump in dumps:
        truth = dmg.truth_of(dump)
        name = os.path.basename(dump)[:-4]
        applicable = dict(dmg.damages(truth))
        for symmode in ("none", "symbols"):
            sym = symbols_for(kdir, truth, dump) if symmode == "symbols" else None
            row, twin = [], None
            for col in COLUMNS:
                if col not in applicable:
                    row.append("n/a")
                    continue
                path = dmg.make(dump, truth, col, os.path.join(work, "m-" + name + "-" + col +
                                                                    ".dmp"))
                rc, out, err = analyze(pm, path, sym)
                cell, v = cell_of(rc, out)
                if col == "complete":
                    twin = v
                where = "%s/%s/%s" % (name, symmode, col)
                check_cell(pm, path, sym, rc, out, err, v, col, twin, fails, where)
                if detail and v is not None:
                    cell += "/%d/%s" % (rc, v.get("confidence", "?"))
                row.append(cell)
                ncells += 1
                if path != dump:
                    os.unlink(path)
            rows.append((name, symmode, row))
            if expected is not None:
                want = expected.get((name, symmode))
                if want is None:
                    fails.append("%s/%s: not in the matrix file" % (name, symmode))
                    continue
                for col, w, g in zip(COLUMNS, want, row):
                    if w != g:
                        fails.append("%s/%s/%s: expected %s, got %s" % (name, symmode, col, w, g))
    return fails, rows, ncells


def read_matrix(path):
    out = {}
    for line in open(path):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        f = line.split()
        if len(f) != 2 + len(COLUMNS):
            raise SystemExit("%s: bad line %r" % (path, line))
        out[(f[0], f[1])] = f[2:]
    return out


def main(argv):
    survey = argv[1] in ("--survey", "--detail")
    detail = argv[1] == "--detail"
    if survey:
        argv = argv[1:]
    pm, kdir, work = (os.path.abspath(a) for a in argv[1:4])
    if survey:
        dumps, expected = [os.path.abspath(a) for a in argv[4:]], None
    else:
        expected = read_matrix(argv[4])
        dumps = [os.path.abspath(a) for a in argv[5:]]
    fails, rows, ncells = run(pm, kdir, work, dumps, expected, detail)
    if survey:
        w = max(len(r[0]) for r in rows)
        cw = 24 if detail else 13
        print("%-*s %-8s %s" % (w, "# scenario", "symbols", " ".join("%-*s" % (cw, c)
                                                                  for c in COLUMNS)))
        for name, symmode, row in rows:
            print("%-*s %-8s %s" % (w, name, symmode, " ".join("%-*s" % (cw, c) for c in row)))
    if expected is not None:
        seen = {(r[0], r[1]) for r in rows}
        for k in sorted(set(expected) - seen):
            fails.append("%s/%s: in the matrix file but not given" % k)
    for f in fails:
        print("FAIL:", f)
    print("%d cells (%d scenarios), %d failures" % (ncells, len(dumps), len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
