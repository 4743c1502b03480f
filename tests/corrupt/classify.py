# SPDX-License-Identifier: MIT
"""How one run of poolmortem on a damaged input is judged.

The report's field access is kept in verdict_view() and coverage_view() so that it is easy to
adapt when the verdict gains an "inconclusive" outcome and coverage fields (issue 11).

Classes. Good: ok, partial, clear-error. Bad: everything in BAD.
"""
import json
import os
import re

GOOD = ["ok", "partial", "clear-error"]
BAD = ["crash", "hang", "sanitizer", "silent-failure", "invalid-json", "confident-wrong",
       "unclear-error", "unexpected-exit", "refused-valid", "batch-dropped", "batch-duplicate"]
CLASSES = GOOD + BAD

SAN_RE = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)"
                    r"(: ([\w-]+))?|runtime error: (.*)")
SKIP_FRAMES = ("__interceptor", "__asan", "__lsan", "__ubsan", "malloc", "calloc", "realloc",
               "free", "strdup", "strndup", "__libc", "_start", "__sanitizer", "operator")


def verdict_view(report):
    """The verdict as the classifier needs it; None when the report has none."""
    v = report.get("verdict") if isinstance(report, dict) else None
    if not isinstance(v, dict):
        return None
    outcome = v.get("outcome")  # "healthy" | "at_risk" | "inconclusive" (rules/verdict.c)
    if outcome is None:
        outcome = "healthy" if v.get("healthy") else "at_risk"
    return {"outcome": outcome, "resource": v.get("resource"), "tag": v.get("tag"),
            "driver": v.get("driver"), "confidence": v.get("confidence"),
            "partial": bool(v.get("partial") or v.get("tag_partial") or v.get("coverage")
                            or v.get("incomplete"))}


def coverage_view(report, twin):
    """Reasons the report gives for being incomplete that its undamaged twin does not give."""
    out = []
    if not isinstance(report, dict):
        return out
    info = report.get("info", report)
    twin_info = twin.get("info", twin) if isinstance(twin, dict) else {}

    def diag_set(i):
        d = i.get("diagnostics") if isinstance(i, dict) else None
        return {(x.get("code"), x.get("message")) for x in d or [] if isinstance(x, dict)}
    new = diag_set(info) - diag_set(twin_info)
    if new:
        out.append("diagnostic " + sorted(str(c) for c, _ in new)[0])
    comp = info.get("completeness") if isinstance(info, dict) else None
    if isinstance(comp, dict) and comp.get("complete") is False:
        out.append("incomplete dump")
    tr = (report.get("summary") or {}).get("tracker") if "summary" in report else None
    if isinstance(tr, dict) and isinstance(tr.get("cpus_read"), int) and \
            isinstance(tr.get("cpus_expected"), int) and tr["cpus_read"] < tr["cpus_expected"]:
        out.append("tracker partial")
    cov = report.get("coverage")  # issue 11/16: a coverage section
    if isinstance(cov, dict) and (cov.get("complete") is False or cov.get("warnings")):
        out.append("coverage")
    vv = verdict_view(report)
    if vv and (vv["outcome"] == "inconclusive" or vv["partial"]):
        out.append("verdict partial/inconclusive")
    return out


VOLATILE = re.compile(r"^(info\.)?file\.|^summary\.dump$|\.path$|^path$|sha256|"
                      r"completeness\.file_size|^symbols?\.|^info\.symbols|elapsed|"
                      r"^summary\.figures\.|^(findings|not_evaluated|verdict)")
HEX = re.compile(r"^0x[0-9a-fA-F]+$")
# Reasons for a missing value that are a faithful reading of the input, not a failure to read
# it (a KDBG variable holding 0 on Windows 10 is "stale"; without symbols "needs_symbols").
FAITHFUL_ABSENT = {"stale", "not_applicable", "needs_symbols", "not_in_symbols"}
SYMBOL_BLAME = {"needs_symbols"}


def leaves(o, p=""):
    if isinstance(o, dict):
        for k, v in o.items():
            yield from leaves(v, p + "." + k if p else k)
    elif isinstance(o, list):
        yield p + "#len", len(o)
    else:
        yield p, o


def losses(twin, mut, symbols_given=False):
    """Figures the twin has that the damaged run lost: null, missing, emptied, or absent for
    a reason that is not a faithful reading (with symbols given, "needs symbols" blames the
    wrong thing). The caller has already found no report-level warning."""
    if not isinstance(twin, dict) or not isinstance(mut, dict):
        return []
    m = dict(leaves(mut))
    reason = {k[:-len(".absent")]: v for k, v in m.items() if k.endswith(".absent")}
    out = []
    for p, v in leaves(twin):
        if v is None or VOLATILE.search(p):
            continue
        if isinstance(v, str) and not HEX.match(v):
            continue  # words (detail, source, names) are not figures
        parent = p.rsplit(".", 1)[0]
        if p.endswith("#len"):
            if v and m.get(p, 0) == 0:
                out.append(p[:-4] + " emptied")
            continue
        if m.get(p) is not None:
            continue
        why = reason.get(parent)
        if why in FAITHFUL_ABSENT and not (symbols_given and why in SYMBOL_BLAME):
            continue
        out.append("%s %s" % (p, "absent: " + str(why) if why else "lost"))
    return out


def _get(d, path):
    for k in path.split("."):
        d = d.get(k) if isinstance(d, dict) else None
    return d


CONTEXT = [("tracker", "poolused.tracker.entries", "poolused.tracker.size_from"),
           ("cpus", "poolused.tracker.cpus_read", "poolused.tracker.cpus_from"),
           ("tags", "poolused.tags", None), ("bigtable", "bigpool.table.entries", None),
           ("ram", "summary.figures.ram.pages", "summary.figures.ram.source"),
           ("available", "summary.figures.available.pages", None),
           ("np_max", "summary.figures.np_max.pages", None),
           ("p_max", "summary.figures.p_max.pages", None),
           ("commit_limit", "summary.figures.commit_limit.pages", None),
           ("np", "summary.figures.np_usage.pages", None),
           ("paged", "summary.figures.p_usage.pages", None),
           ("committed", "summary.figures.committed.pages", None),
           ("free_ptes", "summary.figures.free_ptes.pages", None)]


def context_diff(twin, mut):
    """What changed in the figures behind the verdict: 'tracker 4097->513 (statistical fit
    ...)', 'cpus 8->1 (single processor)', 'tags 5->2', 'ram ...'."""
    out = []
    for name, path, how in CONTEXT:
        a, b = _get(twin, path), _get(mut, path)
        if isinstance(a, list) or isinstance(b, list):
            a, b = len(a or []), len(b or [])
        if a != b:
            out.append("%s %s->%s%s" % (name, a, b, " (%s)" % _get(mut, how)
                                          if how and _get(mut, how) else ""))
    return "; ".join(out)


def sanitizer_sig(stderr):
    m = None
    for line in stderr.splitlines():
        m = SAN_RE.search(line)
        if m:
            break
    if not m:
        return None
    if m.group(4) is not None:
        kind = "ubsan:" + re.sub(r"0x[0-9a-f]+|-?\d+", "N", m.group(4))[:60]
    else:
        summ = re.search(r"SUMMARY: \w+: ([\w-]+)", stderr)
        kind = {"AddressSanitizer": "asan", "LeakSanitizer": "lsan",
                "UndefinedBehaviorSanitizer": "ubsan"}[m.group(1)] + ":" + (
                    summ.group(1) if summ else (m.group(3) or ""))
    where = ""
    for fm in re.finditer(r"#\d+ 0x[0-9a-f]+\s+(?:in (\S+) (\S+)|\((\S+)\+0x)", stderr):
        fn, loc, lib = fm.groups()
        if lib:  # a frame without symbols: name the library
            if "libsanitizer" in lib or "libasan" in lib or "libubsan" in lib:
                continue
            where = os.path.basename(lib)
            break
        if fn.startswith(SKIP_FRAMES) or "libsanitizer" in loc or "/libc" in loc:
            continue
        where = fn
        break
    if not where:  # UBSan: file:line: runtime error
        ub = re.search(r"(\S+\.c):\d+:\d+: runtime error", stderr)
        where = ub.group(1).rsplit("/", 1)[-1] if ub else "?"
    return kind + ":" + where


def classify(res, json_cmd, damaged_names, twin, valid_input, faithful=False,
             symbols_given=False):
    """@res: dict(rc, signal, timeout, stdout bytes, stderr str). @twin: the undamaged twin's
    (rc, report or None). @valid_input: the input is not damaged, only unusual (it must give
    the twin's answer). @faithful: the damage hit a field whose value the tool cannot check
    (a bugcheck code): a different verdict, or a value dropped as unknown, is then a
    faithful reading, not a failure.
    Returns (class, detail, report)."""
    stderr = res["stderr"]
    lines = [l for l in stderr.splitlines() if l.strip()]
    if res["timeout"]:
        return "hang", "timeout", None
    sig = sanitizer_sig(stderr)
    if sig:
        return "sanitizer", sig, None
    if res["signal"]:
        return "crash", "signal %d" % res["signal"], None
    rc = res["rc"]
    # analyze and rules give the verdict as bits: 1 at risk, 4 incomplete, 8 inconclusive
    # (README, Exit codes); 3 (unreadable input) never combines; 2 (usage) is never right here
    if rc not in (0, 1, 3, 4, 5, 8, 12):
        return "unexpected-exit", "exit %d: %s" % (rc, lines[0] if lines else ""), None
    incomplete = rc in (4, 5, 12)
    if rc == 3:
        if valid_input and twin and twin[0] != 3:
            return "refused-valid", lines[0] if lines else "(no message)", None
        if len(lines) != 1:
            return "unclear-error", "exit 3 with %d stderr lines" % len(lines), None
        if not any(n and n in lines[0] for n in damaged_names):
            return "unclear-error", "exit 3, the line names no file: " + lines[0], None
        return "clear-error", lines[0], None
    if incomplete and json_cmd and not res["stdout"].strip() and len(lines) == 1 and \
            " not found: " in lines[0] and any(n and n in lines[0] for n in damaged_names):
        # dt/x: the file has no such type (exit 4 "not found", no report): a clear answer
        return "clear-error", lines[0], None
    report = None
    if json_cmd:
        try:
            text = res["stdout"].decode("utf-8")
        except UnicodeDecodeError as e:
            return "invalid-json", "invalid UTF-8 at byte %d" % e.start, None
        try:
            report = json.loads(text)
        except ValueError as e:
            return "invalid-json", "not JSON: %s" % e, None
    if len(lines) > 1:
        return "unclear-error", "exit %d with %d stderr lines" % (rc, len(lines)), report
    if incomplete and not lines:
        return "unclear-error", "exit %d (incomplete) and nothing on stderr" % rc, report
    twin_report = twin[1] if twin else None
    warned = coverage_view(report, twin_report) if report is not None else []
    if lines:
        warned.append("stderr")
    mv, tv = verdict_view(report or {}), verdict_view(twin_report or {})
    if mv and tv and not warned and not valid_input and not faithful and \
            mv["confidence"] in ("medium", "high") and mv["outcome"] != "inconclusive":
        a = (mv["resource"], mv["tag"], mv["driver"])
        b = (tv["resource"], tv["tag"], tv["driver"])
        if a != b:
            return "confident-wrong", "%s -> %s (%s) [%s]" % (
                "/".join(map(str, b)), "/".join(map(str, a)), mv["confidence"],
                context_diff(twin_report, report)), report
    if valid_input and twin_report is not None and report is not None and \
            (mv or {}).get("resource") != (tv or {}).get("resource"):
        return "refused-valid", "verdict differs from the plain file's", report
    if incomplete or warned or rc == 8:
        return "partial", (lines[0] if lines else warned[0] if warned else "inconclusive"), report
    if report is not None and twin_report is not None and not valid_input and not faithful:
        lost = losses(twin_report, report, symbols_given)
        if lost:
            return "silent-failure", lost[0] + (" (+%d more)" % (len(lost) - 1)
                                                if len(lost) > 1 else "") + " [%s]" % (
                context_diff(twin_report, report)), report
    return "ok", "", report
