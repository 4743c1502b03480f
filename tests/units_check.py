#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Units in findings (issue 12, "Reports fit for a ticket"): one finding never mixes pages, KB
and bytes, and its figures are in human units with the exact figure beside them.

Usage: units_check.py POOLMORTEM [--summaries DIR] [--summary CASE.json]... DUMP...

For every dump, `analyze --json` and `analyze` (text); for every rules case (each CASE.json
of DIR but the *.rules.json it names), `rules --json` on its summary. Each finding's texts
(title, evidence, suspect tags' reasons, drivers' and holders' details, next steps; in text,
the finding's block) are scanned for figures:

  bytes family  "6.03 MiB (6,320,128 bytes)", "512 bytes" (under 1 KiB), and, in a title or a
                next step only, a bare "6.03 MiB" (the headline; the evidence has the exact
                figure)
  pages family  "1,543 pages (6.03 MiB)", "0 pages" (WinDbg's own page counts, with their size
                beside)

Anything else with a unit ("6172 KB", "128 MB", "1543 pages" alone, "775946240 bytes" without
the human figure) is a defect, and so is a finding with figures of both families.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

NUM = r'\d{1,3}(?:,\d{3})*'
HUMAN = r'\d+(?:\.\d+)? (?:KiB|MiB|GiB|TiB)'
EXACT = r'%s \(%s bytes\)' % (HUMAN, NUM)
PAGES = r'%s pages? \(%s\)|\b0 pages\b' % (NUM, HUMAN)
# the canonical forms, longest first; then anything else that carries a unit
CANON = re.compile(r'(?P<pages>%s)|(?P<exact>%s)|(?P<human>%s)|(?P<small>\b%s bytes\b)'
                   % (PAGES, EXACT, HUMAN, NUM))
# "/3GB" is a boot option, not a size
ANY_UNIT = re.compile(r'(?<!/)\b\d[\d,.]*\s*(pages?|bytes?|KB|Kb|KiB|MB|MiB|GB|GiB|TB|TiB)\b')
FAMILY = {'page': 'pages', 'pages': 'pages', 'byte': 'bytes', 'bytes': 'bytes', 'KB': 'KB',
          'Kb': 'KB', 'KiB': 'KB', 'MB': 'MB', 'MiB': 'MB', 'GB': 'GB', 'GiB': 'GB', 'TB': 'TB',
          'TiB': 'TB'}


def figures(text, headline):
    """[(family, figure)] and [bad figure] of one string."""
    fams, bad = [], []
    for m in CANON.finditer(text):
        kind = m.lastgroup
        fig = m.group(0)
        if kind == 'small':
            n = int(fig.split()[0].replace(',', ''))
            if n >= 1024:
                bad.append(fig + ' (not in human units)')
                fams.append(('bytes', fig))
                continue
        if kind == 'human' and not headline:
            bad.append(fig + ' (no exact figure beside it)')
            fams.append(('bytes', fig))
            continue
        fams.append(('pages' if kind == 'pages' else 'bytes', fig))
    rest = CANON.sub(' ', text)
    for m in ANY_UNIT.finditer(rest):
        bad.append(m.group(0) + ' (not a canonical form)')
        fams.append((FAMILY[m.group(1)], m.group(0)))
    return fams, bad


def finding_texts(f):
    """(text, headline) pairs of one JSON finding."""
    out = [(f.get('title', ''), True)]
    out += [(e, False) for e in f.get('evidence', [])]
    for t in f.get('suspect_tags', []):
        out += [(r, False) for r in t.get('reasons', [])]
    out += [(d.get('detail', ''), False) for d in f.get('suspect_drivers', [])]
    out += [(h.get('detail', ''), False) for h in f.get('holders', [])]
    out += [(s, True) for s in f.get('next_steps', [])]
    return out


def check_finding(where, texts):
    fails = []
    fams = {}
    for text, headline in texts:
        fs, bad = figures(text, headline)
        for b in bad:
            fails.append('%s: %s in %r' % (where, b, text))
        for fam, fig in fs:
            fams.setdefault(fam, fig)
    if len(fams) > 1:
        fails.append('%s: mixes unit families: %s' % (
            where, ', '.join('%s (%r)' % kv for kv in sorted(fams.items()))))
    return fails


def text_blocks(report):
    """The findings' blocks of a text report: from ' [severity] RULE:' to the blank line."""
    blocks, cur = [], None
    for line in report.splitlines():
        if re.match(r'^ \[(info|warning|critical)\] ', line):
            cur = [line]
            blocks.append(cur)
        elif cur is not None and line.strip():
            cur.append(line)
        else:
            cur = None
    return blocks


def check_json(name, out):
    fails = []
    for i, f in enumerate(out.get('findings', [])):
        fails += check_finding('%s finding %d %s' % (name, i, f.get('rule')), finding_texts(f))
    return fails


def main():
    pm = os.path.abspath(sys.argv[1])
    args = sys.argv[2:]
    dumps, cases = [], []
    while args:
        a = args.pop(0)
        if a == '--summary':
            cases.append(args.pop(0))
        elif a == '--summaries':
            d = args.pop(0)
            cases += sorted(os.path.join(d, n) for n in os.listdir(d)
                            if n.endswith('.json') and not n.endswith('.rules.json'))
        else:
            dumps.append(a)
    fails, nfind = [], 0
    for d in dumps:
        name = os.path.basename(d)
        p = subprocess.run([pm, 'analyze', '--json', d], capture_output=True, text=True)
        try:
            out = json.loads(p.stdout)
        except ValueError:
            fails.append('%s: analyze --json printed no JSON (exit %d): %s'
                         % (name, p.returncode, p.stderr.strip()[:200]))
            continue
        nfind += len(out.get('findings', []))
        fails += check_json(name, out)
        p = subprocess.run([pm, 'analyze', d], capture_output=True, text=True)
        for b in text_blocks(p.stdout):
            # a title is a headline, the rest is evidence (steps are checked in the JSON)
            texts = [(b[0], True)]
            steps = False
            for line in b[1:]:
                if line.strip() in ('next steps:', 'references:') or \
                        line.strip().startswith('references:'):
                    steps = True
                texts.append((line, steps))
            fails += check_finding('%s text %s' % (name, b[0].strip()[:40]), texts)
    for c in cases:
        case = json.load(open(c))
        with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
            json.dump(case['summary'], f)
            sp = f.name
        try:
            extra = case.get('expect', {}).get('args', [])
            p = subprocess.run([pm, 'rules', '--json'] + extra + [sp], capture_output=True,
                               text=True, cwd=os.path.dirname(os.path.abspath(c)))
        finally:
            os.unlink(sp)
        try:
            out = json.loads(p.stdout)
        except ValueError:
            fails.append('%s: rules --json printed no JSON' % c)
            continue
        nfind += len(out.get('findings', []))
        fails += check_json(os.path.basename(c), out)
    for f in fails:
        print('FAIL: ' + f)
    print('%d dumps, %d rules cases, %d findings checked: %d problems'
          % (len(dumps), len(cases), nfind, len(fails)))
    if not nfind:
        print('FAIL: no finding was checked')
        return 1
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
