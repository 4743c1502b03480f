#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Who holds it, end to end (issue 13): the generator's processes, handle tables, objects and
billed big pages (fixtures/gen/processes.py, truth key "holders") against what `processes`,
`handles` and `analyze` read from the dump, with the built-in layouts and with symbols: the
fixture kernel's PDB and ISF where the dump's kernel is the fixture kernel, else the ISF the
generator writes with the real layouts of the holder structures (facts table).

holders_check.py POOLMORTEM KERNEL_DIR DUMP...

For each dump: every process of the list in order (PID, name, parent, session, threads,
private commit, pool quota), each process's handle count and its handles per type, the total
per type, the billed groups, the verdict's holder and the commit finding's, and the schema of
`processes --json` and `handles --json`. A damaged dump ("damage" in the truth) must say what is
damaged, exit 4 where the list is cut, and attribute nothing it could not read: the counts
drop by exactly the damaged entries and a refused table is nobody's.
"""
import json
import os
import subprocess
import sys
import tempfile

failures = []


def fail(msg):
    failures.append(msg)


def run(pm, args, want_rc=(0, 1, 4)):
    p = subprocess.run([pm] + args, capture_output=True, text=True, timeout=300)
    if p.returncode not in want_rc:
        fail("%s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
        return None, p
    try:
        return json.loads(p.stdout), p
    except ValueError:
        fail("%s: no JSON (exit %d): %s" % (" ".join(args), p.returncode, p.stderr.strip()))
        return None, p


def check_processes(tag, doc, truth, damage):
    procs = truth["processes"]
    if damage and "processes" in damage:
        procs = procs[:damage["processes"]]
        if doc.get("complete") is not False or damage["stop"] not in doc.get("stopped", ""):
            fail("%s: a cut list must say so: %r" % (tag, doc.get("stopped")))
    elif doc.get("complete") is not True:
        fail("%s: the list is not complete: %r" % (tag, doc.get("stopped")))
    got = doc.get("processes")
    if not isinstance(got, list) or len(got) != len(procs):
        fail("%s: %d processes, expected %d" % (tag, len(got) if isinstance(got, list) else -1,
                                                 len(procs)))
        return
    for w, g in zip(procs, got):
        where = "%s: PID %d" % (tag, w["pid"])
        for k, gk in (("pid", "pid"), ("name", "name"), ("parent_pid", "parent_pid"),
                      ("threads", "threads"), ("commit_pages", "commit_pages"), ("eprocess",
                                                                               "eprocess")):
            if g.get(gk) != w[k]:
                fail("%s: %s %r, expected %r" % (where, gk, g.get(gk), w[k]))
        if g.get("pool_quota", {}).get("nonpaged") != w["quota_nonpaged"] or \
                g.get("pool_quota", {}).get("paged") != w["quota_paged"]:
            fail("%s: pool_quota %r" % (where, g.get("pool_quota")))
        if w["session"] is None:
            if not isinstance(g.get("session"), dict):
                fail("%s: session %r, expected absent" % (where, g.get("session")))
        elif g.get("session") != w["session"]:
            fail("%s: session %r, expected %r" % (where, g.get("session"), w["session"]))
        d = (damage or {}).get(str(w["pid"]))
        want = d["handles"] if d and "handles" in d else w.get("handles")
        if want is None:
            if not isinstance(g.get("handles"), dict):
                fail("%s: handles %r, expected absent" % (where, g.get("handles")))
            elif d and d.get("absent") and d["absent"] not in g["handles"].get("detail", ""):
                fail("%s: handles absent for %r, expected %r" % (where, g["handles"], d["absent"]))
        elif g.get("handles") != want:
            fail("%s: handles %r, expected %r" % (where, g.get("handles"), want))


def check_handles(tag, doc, truth, damage):
    by_pid = {p["pid"]: p for p in doc.get("processes", [])}
    for w in truth["processes"]:
        g = by_pid.get(w["pid"])
        d = (damage or {}).get(str(w["pid"]), {})
        if g is None or "types" not in w or d.get("handles", 0) is None:
            continue
        got = {t["type"]: t["handles"] for t in g.get("types", [])}
        want = d.get("types", w["types"])  # the generator's counts less the damaged entries
        if got != want:
            fail("%s: PID %d handles by type %r, expected %r" % (tag, w["pid"], got, want))
        if "unattributed" in d and g.get("unattributed", 0) + g.get("header_absent", 0) != \
                d["unattributed"]:
            fail("%s: PID %d: %r entries not attributed, expected %d" % (
                tag, w["pid"], (g.get("unattributed"), g.get("header_absent")), d["unattributed"]))
        if "unseen" in d and g.get("unseen") != d["unseen"]:
            fail("%s: PID %d unseen %r" % (tag, w["pid"], g.get("unseen")))
    if damage:
        return
    totals = {t["type"]: t["handles"] for t in doc.get("types", [])}
    for t in truth["types"]:
        if totals.get(t["name"], 0) != t["handles"]:
            fail("%s: %s: %r handles in all, expected %d" % (tag, t["name"],
                                                             totals.get(t["name"]), t["handles"]))
        tg = next((x for x in doc.get("types", []) if x["type"] == t["name"]), None)
        if tg and tg["tag"] != t["tag"]:
            fail("%s: %s: tag %r, expected %r" % (tag, t["name"], tg["tag"], t["tag"]))


def check_filters(pm, tag, extra, dump, truth, damage):
    """handles --type T lists the processes holding T, most first (then those whose table was
    not counted), each with T alone; handles --pid N lists N, the totals N's own."""
    if damage and "processes" in damage:
        return
    tn = max(truth["types"], key=lambda t: t["handles"])["name"]
    dmg = damage or {}

    def types_of(w):
        d = dmg.get(str(w["pid"]), {})
        return d.get("types", w.get("types", {})) if d.get("handles", 0) is not None else None
    rows = [w for w in truth["processes"] if "types" in w]
    held = sorted(((types_of(w) or {}).get(tn, 0), i, w["pid"]) for i, w in enumerate(rows))
    want = [pid for n, i, pid in sorted((-n, i, pid) for n, i, pid in held if n)] + \
        [w["pid"] for w in rows if types_of(w) is None]
    doc, _ = run(pm, ["handles", "--json", "--type", tn] + extra + [dump])
    if doc:
        got = [p["pid"] for p in doc.get("processes", [])]
        if got != want:
            fail("%s: handles --type %s lists %r, expected %r" % (tag, tn, got, want))
        for p in doc.get("processes", []):
            if "types" in p and [t["type"] for t in p["types"]] != [tn]:
                fail("%s: handles --type %s: PID %d shows %r" % (tag, tn, p["pid"], p["types"]))
        if [t["type"] for t in doc.get("types", [])] != [tn]:
            fail("%s: handles --type %s: types %r" % (tag, tn, doc.get("types")))
    w = next(w for w in rows if types_of(w))
    doc, _ = run(pm, ["handles", "--json", "--pid", str(w["pid"])] + extra + [dump])
    if doc:
        got = {t["type"]: t["handles"] for t in doc.get("types", []) if t["handles"]}
        if [p["pid"] for p in doc.get("processes", [])] != [w["pid"]] or got != types_of(w):
            fail("%s: handles --pid %d: %r, totals %r, expected %r" % (
                tag, w["pid"], [p["pid"] for p in doc.get("processes", [])], got, types_of(w)))


def check_analyze(tag, doc, truth, damage):
    exp = truth.get("expect")
    if not exp:
        return
    v = doc.get("verdict", {})
    if v.get("resource") != exp["resource"] or v.get("tag") != exp["tag"]:
        fail("%s: verdict %r %r, expected %r %r" % (tag, v.get("resource"), v.get("tag"),
                                                    exp["resource"], exp["tag"]))
    if damage and "processes" in damage:
        # the list is cut before the holder: nobody is named in the verdict, and whoever is
        # listed is of low confidence
        if v.get("holder") is not None:
            fail("%s: a cut list names %r in the verdict" % (tag, v.get("holder")))
        for f in doc.get("findings", []):
            for x in f.get("holders", []):
                if x["confidence"] != "low":
                    fail("%s: %s holder %r is not of low confidence" % (tag, f["rule"], x))
        return
    h = exp["holder"]
    vh = v.get("holder") or {}
    if (vh.get("pid"), vh.get("name"), vh.get("kind")) != (h["pid"], h["name"], h["kind"]):
        fail("%s: verdict holder %r, expected %r" % (tag, vh, h))
    f = next((f for f in doc.get("findings", []) if f["resource"] == exp["resource"]), {})
    hs = f.get("holders", [])
    want_count = h["count"]
    d = (damage or {}).get(str(h["pid"]), {})
    if "types" in d and hs and h["kind"] == "handles":  # its handles less the damaged ones
        want_count = d["types"].get(hs[0].get("type"), 0)
    if not hs or hs[0]["pid"] != h["pid"] or hs[0]["count"] != want_count or \
            ("of" in h and hs[0].get("of") != h["of"]):  # a damaged walk: the type's count
        fail("%s: first holder %r, expected %r (count %d)" % (tag, hs[:1], h, want_count))
    if "second" in exp and not damage:
        s = exp["second"]
        if len(hs) < 2 or (hs[1]["pid"], hs[1]["count"]) != (s["pid"], s["count"]):
            fail("%s: second holder %r, expected %r" % (tag, hs[1:2], s))
    if damage:  # a refused table is nobody's: its process is not named for the tag
        for pid, d in damage.items():
            if pid.isdigit() and d.get("handles", 0) is None and any(x["pid"] == int(pid) and x["kind"] == "handles"
                                                   for x in hs):
                fail("%s: PID %s is named although its table was refused" % (tag, pid))
    if "commit_holder" in exp:
        c = exp["commit_holder"]
        cf = next((f for f in doc.get("findings", []) if f["rule"] == "COMMIT"), {})
        ch = cf.get("holders", [])
        if not ch or (ch[0]["pid"], ch[0]["kind"], ch[0]["count"]) != (c["pid"], c["kind"],
                                                                       c["count"]):
            fail("%s: commit holder %r, expected %r" % (tag, ch[:1], c))


def check_quota(tag, doc, truth, damage):
    if damage:
        return
    for pool, key in (("nonpaged", "quota_nonpaged"), ("paged", "quota_paged")):
        want = sorted((p for p in truth["processes"] if p[key]), key=lambda p: (-p[key], p["pid"]))
        got = doc.get("quota_rank", {}).get(pool, [])
        if [(g["pid"], g["bytes"]) for g in got] != [(p["pid"], p[key]) for p in want[:10]]:
            fail("%s: quota rank %s %r" % (tag, pool, got))


def check_billed(tag, doc, truth):
    want = truth.get("billed") or []
    b = doc.get("billed")
    if not want:
        return
    got = [dict(pid=g["pid"], tag=g["tag"], count=g["count"], bytes=g["bytes"])
           for g in (b or {}).get("groups", [])]
    if got != want:
        fail("%s: billed %r, expected %r" % (tag, got, want))
    if (b or {}).get("unexplained") != 0:
        fail("%s: %r billed entries unexplained" % (tag, (b or {}).get("unexplained")))


def one(pm, kdir, dump):
    truth_all = json.load(open(dump[:-4] + ".truth.json"))
    truth = truth_all["holders"]
    damage = truth.get("damage")
    name = os.path.basename(dump)
    sym = truth_all.get("symbols")
    forms = [("built-in", [])]
    if sym:
        d = os.path.join(kdir, sym["dir"])
        forms += [("PDB", ["--symbols", d]),
                  ("ISF", ["--symbols", os.path.join(d, "ntkrnlmp.isf.json.xz")])]
    if truth.get("isf"):  # the generator's ISF of this made-up kernel (real layouts)
        forms += [("ISF", ["--symbols", os.path.join(os.path.dirname(dump), truth["isf"])])]
    for form, extra in forms:
        tag = "%s (%s)" % (name, form)
        doc, p = run(pm, ["processes", "--json"] + extra + [dump])
        if doc:
            src = doc.get("layout", {}).get("source")
            if src != form:
                fail("%s: layout source %r, expected %r" % (tag, src, form))
            check_processes(tag, doc, truth, damage)
            check_quota(tag, doc, truth, damage)
            check_billed(tag, doc, truth)
            cut = damage and "processes" in damage
            if (p.returncode == 4) != bool(cut):
                fail("%s: processes exit %d" % (tag, p.returncode))
        doc, _ = run(pm, ["handles", "--json"] + extra + [dump])
        if doc:
            check_handles(tag, doc, truth, damage)
        if form == "built-in":
            check_filters(pm, tag, extra, dump, truth, damage)
        doc, _ = run(pm, ["analyze", "--json"] + extra + [dump])
        if doc:
            check_analyze(tag, doc, truth, damage)
    # vm ends with the per-process commit list, as plain !vm does: largest first, PID in hex
    p = subprocess.run([pm, "vm", dump], capture_output=True, text=True, timeout=300)
    lines = p.stdout.split("Private commit by process (as !vm lists it):\n")[-1].splitlines()
    procs = truth["processes"]
    if damage and "processes" in damage:
        procs = procs[:damage["processes"]]
    want = sorted(procs, key=lambda r: (-r["commit_pages"], r["pid"]))
    got = [ln.split() for ln in lines[:len(want)]]
    if [(int(g[0], 16), g[1], int(g[2])) for g in got if len(g) >= 3] != \
            [(w["pid"], w["name"], w["commit_pages"]) for w in want]:
        fail("%s: vm's commit list %r" % (name, lines[:3]))
    # every rendering names the holder: text, Markdown, HTML; a damaged table's too, and never
    # a process whose table was refused (a cut list names nobody: checked above)
    exp = truth.get("expect")
    if not exp or (damage and "processes" in damage):
        return
    who = "%s (PID %d)" % (exp["holder"]["name"], exp["holder"]["pid"])
    refused = [int(k) for k, d in (damage or {}).items() if k.isdigit() and
               d.get("handles", 0) is None]
    for fmt, marks in (("text", ["who holds it:", who]), ("md", ["**Who holds it**", who]),
                       ("html", ['class="holders"', "%s (PID %d)</b>" % (
                           exp["holder"]["name"], exp["holder"]["pid"])])):
        p = subprocess.run([pm, "analyze", "--format", fmt, dump], capture_output=True, text=True,
                           timeout=300)
        for m in marks:
            if m not in p.stdout:
                fail("%s: analyze --format %s lacks %r" % (name, fmt, m))
        for pid in refused:
            if "(PID %d) holds" % pid in p.stdout:
                fail("%s: analyze --format %s names PID %d, whose table was refused" % (
                    name, fmt, pid))


def check_batch(pm, dumps):
    """batch buckets are resource | tag | driver | holder (the holder's image name): a damaged
    table's dump goes to its holder's bucket too, a cut list's to the one that names nobody
    ('-'), and every dump to exactly one bucket."""
    with tempfile.TemporaryDirectory(prefix="pm-holders-") as t:
        p = subprocess.run([pm, "batch", "--no-progress", "--jobs", "2", "--output",
                            os.path.join(t, "out.ndjson"), "--summary", os.path.join(t, "sum.json")]
                           + dumps, capture_output=True, text=True, timeout=600)
        try:
            buckets = {b["bucket"]: b for b in json.load(open(os.path.join(t, "sum.json")))["buckets"]}
        except (OSError, ValueError, KeyError):
            fail("batch: no summary (exit %d): %s" % (p.returncode, p.stderr.strip()))
            return
    want = {}
    for d in dumps:
        h = json.load(open(d[:-4] + ".truth.json"))["holders"]
        e = h.get("expect")
        if not e:
            continue
        who = "-" if "processes" in h.get("damage", {}) else e["holder"]["name"]
        b = next((b for b in buckets if b.startswith("%s | %s | " % (e["resource"], e["tag"]))
                  and b.endswith(" | " + who)), None)
        if b is None:
            fail("batch: %s: no bucket %s | %s | ... | %s in %r" % (
                os.path.basename(d), e["resource"], e["tag"], who, list(buckets)))
        else:
            want[b] = want.get(b, 0) + 1
    for b, n in want.items():
        got = buckets[b].get("dumps", buckets[b].get("count"))
        got = len(got) if isinstance(got, list) else got
        if got is not None and got != n:
            fail("batch: bucket %r holds %r dumps, expected %d" % (b, got, n))


def main():
    pm, kdir, dumps = sys.argv[1], sys.argv[2], sys.argv[3:]
    for d in dumps:
        one(pm, kdir, d)
    check_batch(pm, dumps)
    for m in failures:
        print("FAIL:", m)
    print("ok" if not failures else "%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
