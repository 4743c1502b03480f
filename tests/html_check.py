#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Render `analyze --format html` (and check `--format md`) as a person would read them.

html_check.py POOLMORTEM SHOTDIR DUMP [HEALTHY_DUMP]

For the leaking DUMP, a truncated copy of it (a partial dump) and, when given, a healthy dump:
- the page is self-contained (no http(s) references, no scripts) and holds the verdict, the
  bugcheck's name, the two charts with bars, and the figures in people's units (MiB/GiB with
  the exact figure beside them);
- no internal reference key ([RUSS], [KB312362], "pool-internals.md §...") is shown: sources
  are cited as a reader can find them;
- the partial dump's page shows the coverage warning, above the charts;
- tag bars are scaled against the pool's maximum (or RAM), not against the largest tag: each
  bar's length is the share of the limit its label gives;
- the Markdown has the same: bugcheck name, coverage warning, "Not evaluated", citations.
Each page is rendered in headless Chromium; the screenshots are kept in SHOTDIR (named in the
test's output) and the rendered DOM must still hold the charts, the verdict and, for the
partial dump, the warning. Rendering is skipped (exit 77 if nothing else failed) without Chromium.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

fails = []
KEYS = re.compile(r"\[(RUSS|EXCH|KB\d+|SDMP|L|M|H)\]|\w+\.md §")


def analyze(pm, dump, fmt):
    p = subprocess.run([pm, "analyze", "--format", fmt, dump], capture_output=True, text=True)
    # any verdict's exit code (README, Exit codes); 2 and 3 give no report
    if p.returncode in (2, 3) or not p.stdout:
        fails.append("%s %s: exit %d: %s" % (fmt, dump, p.returncode, p.stderr.strip()))
    return p.stdout


def check_page(name, html, partial):
    if not html.startswith("<!DOCTYPE html>"):
        fails.append("%s: no HTML" % name)
        return
    for needle in ('id="chart-pools"', 'id="chart-tags"', 'class="bar"', 'id="verdict"'):
        if needle not in html:
            fails.append("%s: page lacks %s" % (name, needle))
    for bad in ("http://", "https://", "<script", "src=\""):
        if bad in html.replace("http://www.w3.org/2000/svg", ""):
            fails.append("%s: page is not self-contained: contains %r" % (name, bad))
    m = KEYS.search(html)
    if m:
        fails.append("%s: internal reference key shown: %r" % (name, m.group(0)))
    if not re.search(r"0x[0-9A-F]{8} [A-Z_]{4,}", html):
        fails.append("%s: the bugcheck is not named" % name)
    if not re.search(r"\d+(\.\d+)? (MiB|GiB) \([\d,]+ bytes\)", html):
        fails.append("%s: no size in people's units with its exact figure" % name)
    cov = html.find('id="coverage"')
    if partial and (cov < 0 or cov > html.find('id="chart-pools"')):
        fails.append("%s: no coverage warning above the charts" % name)
    if not partial and cov >= 0:
        fails.append("%s: a coverage warning for a complete dump" % name)


def check_md(name, md, partial):
    m = KEYS.search(md)
    if m:
        fails.append("%s.md: internal reference key shown: %r" % (name, m.group(0)))
    if not re.search(r"\| Bugcheck \| 0x[0-9A-F]{8} [A-Z_]{4,}", md):
        fails.append("%s.md: the bugcheck is not named" % name)
    if partial != ("the dump is incomplete" in md):
        fails.append("%s.md: coverage warning %s" % (name, "missing" if partial else "wrong"))
    if "### Not evaluated" not in md:
        fails.append("%s.md: no 'Not evaluated' list" % name)


def tag_rows(html):
    """[(nonpaged width, paged width, percentage in the label or None)] of the tag chart."""
    chart = html.split('id="chart-tags"', 1)[1].split("</svg>", 1)[0]
    rows = []
    for line in chart.splitlines():
        w = [float(x) for x in re.findall(r'class="bar" x="[\d.]+" y="\d+" width="([\d.]+)"', line)]
        pct = re.search(r"\((\d+)% of ", line)
        if len(w) == 2:
            rows.append((w[0], w[1], int(pct.group(1)) if pct else None))
    return rows


def check_scale(name, html):
    """Bars are the tag's share of its pool's limit (or RAM): a one-pool tag's bar is 5 x the
    percentage its label gives (500 is the full width), and no bar is full unless the tag
    holds all of the resource."""
    rows = tag_rows(html)
    if not rows:
        fails.append("%s: no tag bars" % name)
    for wn, wp, pct in rows:
        if pct is None:
            fails.append("%s: a tag bar without its share of the limit" % name)
        elif (wn == 0 or wp == 0) and abs(wn + wp - 5 * pct) > 3:
            fails.append("%s: bar %.1f of 500 for %d%% of the limit" % (name, wn + wp, pct))
    if rows and max(r[0] + r[1] for r in rows) >= 499 and max(r[2] or 0 for r in rows) < 99:
        fails.append("%s: the largest tag fills the bar (scaled to itself)" % name)


def render(chrome, page, png, tmp):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--user-data-dir=" + os.path.join(tmp, "profile")]
    r = subprocess.run([chrome] + flags + ["--window-size=1200,1600", "--screenshot=" + png,
                                            "file://" + page],
                       capture_output=True, text=True, timeout=120)
    if not os.path.exists(png) or os.path.getsize(png) < 5000:
        fails.append("no screenshot (exit %d): %s" % (r.returncode, r.stderr[-500:]))
    elif open(png, "rb").read(8) != b"\x89PNG\r\n\x1a\n":
        fails.append("screenshot is not a PNG")
    r = subprocess.run([chrome] + flags + ["--dump-dom", "file://" + page],
                       capture_output=True, text=True, timeout=120)
    return r.stdout


def main():
    pm, shots, dump = sys.argv[1:4]
    healthy = sys.argv[4] if len(sys.argv) > 4 else None
    chrome = shutil.which("chromium") or shutil.which("chromium-browser")
    os.makedirs(shots, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cut = os.path.join(tmp, "partial.dmp")
        data = open(dump, "rb").read()
        open(cut, "wb").write(data[:len(data) * 3 // 4])
        cases = [("leak", dump, False), ("partial", cut, True)]
        if healthy:
            cases.append(("healthy", healthy, False))
        pages = []
        for name, path, partial in cases:
            html = analyze(pm, path, "html")
            check_page(name, html, partial)
            check_md(name, analyze(pm, path, "md"), partial)
            page = os.path.join(shots, name + ".html")
            open(page, "w").write(html)
            pages.append((name, page, partial))
            check_scale(name, html)
        if chrome:
            for name, page, partial in pages:
                png = os.path.join(shots, name + ".png")
                dom = render(chrome, page, png, tmp)
                print("screenshot: %s" % png)
                if "chart-pools" not in dom or "chart-tags" not in dom or dom.count("<rect") < 3:
                    fails.append("%s: rendered DOM lacks the charts" % name)
                if "VERDICT" not in dom.upper():
                    fails.append("%s: rendered DOM lacks the verdict" % name)
                if partial and "the dump is incomplete" not in dom:
                    fails.append("%s: rendered DOM lacks the coverage warning" % name)
    for f in fails:
        print("FAIL:", f)
    if not chrome and not fails:
        print("chromium not installed: rendering skipped")
        return 77
    if not fails:
        print("ok")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
