# SPDX-License-Identifier: MIT
"""Expected values of a real pooltag.txt (Debugging Tools' triage/pooltag.txt), read here
independently of poolmortem. Format (the file's own header): `<PoolTag> - <binary-name> -
<Description>`; `rem` and `//` comment lines; blank lines. What real files also hold, and
what a reader must cope with, is counted here: tags shorter than four characters (the pool
pads them with spaces: 'PX1' is 'PX1 ' in the tracker), wildcards (`*` trailing, `?` one
character), columns padded with spaces, `<unknown>` in place of a binary, lines with only two
fields, a line of prose, an indented continuation line and a DOS end-of-file byte (0x1A)."""
import collections
import re


def classify(line):
    s = line.strip()
    if not s:
        return 'blank'
    if s == '\x1a':
        return 'eof_byte'
    # `rem` is a comment only as a word: 'ReMo - refs.sys - ...' is an entry
    if (s.lower().startswith('rem') and (len(s) == 3 or s[3] in ' \t')) or s.startswith('//'):
        return 'comment'
    if line[0] in ' \t':
        return 'indented'
    if ' - ' not in line:
        return 'prose'
    return 'entry'


def parse_entry(line):
    parts = line.split(' - ', 2)
    tag_raw = parts[0]
    tag = tag_raw.rstrip()
    if '*' not in tag and len(tag) < 4:
        tag = tag.ljust(4)  # the pool pads short tags with spaces ('CM' is 'CM  ')
    binary_raw = parts[1] if len(parts) == 3 else None
    desc = (parts[2] if len(parts) == 3 else parts[1]).strip()
    binary = binary_raw.strip() if binary_raw is not None else None
    return tag, tag_raw, binary, binary_raw, desc


def pooltag_facts(path):
    raw = open(path, 'rb').read()
    text = raw.decode('latin-1')
    lines = text.split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    kinds = collections.Counter(classify(ln) for ln in lines)
    entries, samples = [], collections.defaultdict(list)
    for n, ln in enumerate(lines, 1):
        k = classify(ln)
        if k != 'entry':
            if k in ('prose', 'indented', 'eof_byte'):
                samples[k].append([n, ln])
            continue
        tag, tag_raw, binary, binary_raw, desc = parse_entry(ln)
        entries.append({'line': n, 'tag': tag, 'binary': binary, 'desc': desc,
                        'padded_binary': binary_raw is not None and
                        binary_raw != ' ' + binary + ' ',
                        'short_tag': len(tag_raw.rstrip()) < 4 and '*' not in tag_raw})
    by_tag = collections.defaultdict(list)
    for e in entries:
        by_tag[e['tag']].append(e)
    wild = [e for e in entries if '*' in e['tag'] or '?' in e['tag']]
    short = [e for e in entries if e['short_tag']]
    no_binary = [e for e in entries if e['binary'] is None]
    unknown = [e for e in entries if e['binary'] == '<unknown>']
    dups = {t: len(v) for t, v in by_tag.items() if len(v) > 1}

    def pick(name):
        es = by_tag.get(name, [])
        return [{'binary': e['binary'], 'desc': e['desc']} for e in es]

    return {
        'kind': 'pooltag',
        'bytes': len(raw),
        'line_endings': 'CRLF' if b'\r\n' in raw else 'LF',
        'lines': len(lines),
        'line_kinds': dict(sorted(kinds.items())),
        'entries': len(entries),
        'distinct_tags': len(by_tag),
        'wildcard_entries': len(wild),
        'wildcard_star': sum('*' in e['tag'] for e in wild),
        'wildcard_question_only': sum('*' not in e['tag'] for e in wild),
        'wildcard_examples': [e['tag'] for e in wild[:12]],
        'short_tag_entries': len(short),
        'short_tag_examples': [e['tag'] for e in short[:8]],
        'tags_with_inner_space': sorted({e['tag'] for e in entries
                                         if ' ' in e['tag'].rstrip()}),
        'padded_binary_field': sum(e['padded_binary'] for e in entries),
        'unknown_binary': len(unknown),
        'without_binary': len(no_binary),
        'without_binary_examples': [[e['tag'], e['desc']] for e in no_binary[:6]],
        'duplicate_tags': len(dups),
        'duplicate_examples': dict(sorted(dups.items())[:10]),
        'special_lines': {k: v[:4] for k, v in samples.items()},
        'lookup': {t: pick(t) for t in ('Proc', 'Prcr', 'Aml*', 'CM??', 'CM  ', 'PX1 ', 'I4e ', 'SeAl',
                                       'PpRb', 'SeTs', 'FxDr', 'Wdf ', 'amdp', 'VPDO', 'UDbg')},
    }


def glob_match(pattern, tag):
    """WinDbg-style: '?' one character, '*' any run (here: trailing)."""
    rx = '^' + ''.join('.' if c == '?' else '.*' if c == '*' else re.escape(c)
                       for c in pattern) + '$'
    return re.match(rx, tag) is not None
