#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Render `analyze --format html` in headless Chromium and check the page.

html_check.py POOLMORTEM DUMP: the page must be self-contained (no http(s) references, no
scripts), hold the two charts with bars, render to a non-empty screenshot, and its rendered DOM
must still contain the charts and the verdict. Exit 77 (skipped) when Chromium is not installed.
"""
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    pm, dump = sys.argv[1], sys.argv[2]
    chrome = shutil.which("chromium") or shutil.which("chromium-browser")
    p = subprocess.run([pm, "analyze", "--format", "html", dump], capture_output=True, text=True)
    html = p.stdout
    fails = []
    if p.returncode not in (0, 1) or not html.startswith("<!DOCTYPE html>"):
        fails.append("no HTML (exit %d): %s" % (p.returncode, p.stderr))
    for needle in ('id="chart-pools"', 'id="chart-tags"', 'class="bar"', 'id="verdict"'):
        if needle not in html:
            fails.append("page lacks %s" % needle)
    for bad in ("http://", "https://", "<script", "src=\""):
        if bad in html.replace("http://www.w3.org/2000/svg", ""):
            fails.append("page is not self-contained: contains %r" % bad)
    if fails or not chrome:
        for f in fails:
            print("FAIL:", f)
        if not fails:
            print("chromium not installed: rendering skipped")
            return 77
        return 1
    with tempfile.TemporaryDirectory() as d:
        page = os.path.join(d, "report.html")
        open(page, "w").write(html)
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--user-data-dir=" + os.path.join(d, "profile")]
        png = os.path.join(d, "shot.png")
        r = subprocess.run([chrome] + flags + ["--window-size=1200,1600", "--screenshot=" + png,
                                                "file://" + page],
                           capture_output=True, text=True, timeout=120)
        if not os.path.exists(png) or os.path.getsize(png) < 5000:
            fails.append("no screenshot (exit %d): %s" % (r.returncode, r.stderr[-500:]))
        elif open(png, "rb").read(8) != b"\x89PNG\r\n\x1a\n":
            fails.append("screenshot is not a PNG")
        r = subprocess.run([chrome] + flags + ["--dump-dom", "file://" + page],
                           capture_output=True, text=True, timeout=120)
        dom = r.stdout
        if "chart-pools" not in dom or "chart-tags" not in dom or dom.count("<rect") < 3:
            fails.append("rendered DOM lacks the charts")
        if "VERDICT" not in dom.upper():
            fails.append("rendered DOM lacks the verdict")
        if os.environ.get("PM_KEEP_SCREENSHOT"):
            shutil.copy(png, os.environ["PM_KEEP_SCREENSHOT"])
    for f in fails:
        print("FAIL:", f)
    if not fails:
        print("ok")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
