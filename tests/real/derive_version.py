#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The expected link date and version resource of each real driver, read with Debian's
python3-pefile (pefile 2023.2.7: `apt-get install python3-pefile`), never with poolmortem:

    /usr/bin/python3 derive_version.py DIR     (adds "link_date" and "version" to
                                                expected/NAME.json of every driver in DIR)

derive.py calls version_facts() too when it rewrites expected/. The StringTable read is the
one VarFileInfo's first Translation names (language and code page as 8 hex digits), else the
first: the rule poolmortem follows, applied here to pefile's parse. An empty string counts as
not held. The link date is the TimeDateStamp as a UTC day when it lies in 1990..2039 (most of
Windows' own images since 10 carry a reproducible build's hash there).
"""
import datetime
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sources  # noqa: E402

KEYS = [('CompanyName', 'company'), ('ProductName', 'product'),
        ('FileDescription', 'description'), ('FileVersion', 'file_version_string'),
        ('OriginalFilename', 'original_filename')]


def link_date(ts):
    if 631152000 <= ts < 2208988800:
        return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime('%Y-%m-%d')
    return None


def _quad(ms, ls):
    return '%d.%d.%d.%d' % (ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF)


def version_facts(path):
    import pefile  # Debian's python3-pefile; only needed to derive, never to test
    pe = pefile.PE(path, fast_load=True)
    pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY['IMAGE_DIRECTORY_ENTRY_RESOURCE']])
    ts = pe.FILE_HEADER.TimeDateStamp
    out = {'link_date': link_date(ts)}
    if not hasattr(pe, 'VS_FIXEDFILEINFO') and not hasattr(pe, 'FileInfo'):
        out['version'] = {'absent': 'not_found'}
        return out
    v = {}
    fixed = getattr(pe, 'VS_FIXEDFILEINFO', [None])[0]
    v['file_version'] = fixed and _quad(fixed.FileVersionMS, fixed.FileVersionLS)
    v['product_version'] = fixed and _quad(fixed.ProductVersionMS, fixed.ProductVersionLS)
    tables, translation = [], None
    for fi in getattr(pe, 'FileInfo', []):
        for e in fi:
            if e.Key == b'StringFileInfo':
                tables += e.StringTable
            elif e.Key == b'VarFileInfo':
                for var in e.Var:
                    t = var.entry.get(b'Translation')
                    if t and translation is None:
                        lang, cp = (int(x, 16) for x in t.split()[:2])
                        translation = '%04X%04X' % (lang, cp)
    pick = next((t for t in tables if translation and t.LangID.decode().upper() == translation),
                tables[0] if tables else None)
    entries = {k.decode(): val.decode() for k, val in pick.entries.items()} if pick else {}
    for key, name in KEYS:
        v[name] = entries.get(key) or None
    v['string_table'] = pick.LangID.decode() if pick else None
    out['version'] = v
    return out


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    for e in sources.load():
        if e['role'] not in ('driver', 'image') or sources.status(argv[1], e) != 'present':
            continue
        ep = os.path.join(HERE, 'expected', e['name'] + '.json')
        facts = json.load(open(ep))
        ev = facts.pop('evidence', {})
        facts.update(version_facts(os.path.join(argv[1], e['name'])))
        facts['evidence'] = ev
        with open(ep, 'w') as f:
            json.dump(facts, f, indent=1, sort_keys=False)
            f.write('\n')
        print('%s: %s' % (e['name'], json.dumps(facts['version'])))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
