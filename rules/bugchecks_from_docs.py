#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Rebuild the names in rules/data/bugchecks.json from Microsoft's bug check reference.

    bugchecks_from_docs.py DOCS_GIT_DIR [COMMIT] > rules/data/bugchecks.json

DOCS_GIT_DIR is a git directory of MicrosoftDocs/windows-driver-docs (a bare mirror is
enough). Two readings of it are merged:
  * the table of windows-driver-docs-pr/debugger/bug-check-code-reference2.md ("Code | Name");
  * the title of every page windows-driver-docs-pr/debugger/bug-check-0x*.md
    ("# Bug Check 0x1C8: MANUALLY_INITIATED_POWER_BUTTON_HOLD"): some documented codes have a
    page but no table row.
Where both name a code they must agree. The entries that carry rule knowledge ("resource",
"meaning") are kept from the current file; every other entry is a name only, and a code
documented as having "the same meaning and parameters" as another (the _M variants, code |
0x10000000) says so in "same_as". Only facts (codes and names) are taken, never prose.
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, 'data', 'bugchecks.json')
DIR = 'windows-driver-docs-pr/debugger/'


def git(gd, *args):
    return subprocess.run(['git', '--git-dir', gd] + list(args), check=True,
                          capture_output=True, text=True).stdout


def clean(name):
    return name.replace('\\_', '_').replace('*', '').strip()


def main(argv):
    gd = argv[1]
    commit = argv[2] if len(argv) > 2 else git(gd, 'rev-parse', 'HEAD').strip()
    table = {}
    ref = git(gd, 'show', '%s:%sbug-check-code-reference2.md' % (commit, DIR))
    for m in re.finditer(r'^\|\s*(0x[0-9A-Fa-f]+)\s*\|\s*\[\*\*([A-Z0-9_\\]+)\*\*\]', ref, re.M):
        table[int(m.group(1), 16)] = clean(m.group(2))
    pages, same = {}, {}
    files = git(gd, 'ls-tree', '--name-only', commit, DIR).split()
    for f in files:
        if not re.match(DIR + r'bug-check-0x[0-9a-f]+--', f):
            continue
        text = git(gd, 'show', '%s:%s' % (commit, f))
        m = re.search(r'^# Bug [Cc]heck (?:0x)?([0-9A-Fa-f]+): ([A-Z0-9_\\]+)', text, re.M)
        if not m:
            raise SystemExit('%s: no "# Bug Check 0xN: NAME" title' % f)
        code = int(m.group(1), 16)
        pages[code] = clean(m.group(2))
        s = re.search(r'same meaning and parameters as \[\*\*bug check (0x[0-9A-Fa-f]+)\*\*\]',
                      text)
        if s:
            same[code] = int(s.group(1), 16)
    for code in set(table) & set(pages):
        if table[code] != pages[code]:
            sys.stderr.write('0x%X: table says %s, page says %s (the page is kept)\n' %
                             (code, table[code], pages[code]))
    names = dict(table)
    names.update(pages)
    old = json.load(open(DATA))
    out = {'_comment': old['_comment'],
           '_source': 'names: MicrosoftDocs/windows-driver-docs@%s, %sbug-check-code-reference2.md '
                      '(table) and %sbug-check-0x*.md (page titles); %d codes (%d in the table, '
                      '%d with a page only); written by rules/bugchecks_from_docs.py' % (
                          commit, DIR, DIR, len(names), len(table),
                          len(set(pages) - set(table)))}
    for code in sorted(names):
        key = '0x%x' % code
        e = {k: v for k, v in old.get(key, {}).items() if k not in ('name', 'same_as')}
        e = dict({'name': names[code]}, **e)
        if code in same:
            e['same_as'] = '0x%x' % same[code]
        out[key] = e
    for key in old:
        if not key.startswith('_') and int(key, 16) not in names:
            raise SystemExit('%s carries rule knowledge but is not documented' % key)
    lines = ['{']
    items = list(out.items())
    for i, (k, v) in enumerate(items):
        sep = ',' if i + 1 < len(items) else ''
        lines.append(' %s: %s%s' % (json.dumps(k, ensure_ascii=False),
                                     json.dumps(v, ensure_ascii=False), sep))
    lines.append('}')
    sys.stdout.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main(sys.argv)
