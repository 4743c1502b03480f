#!/usr/bin/env python3
"""The layering of the tree, checked.

Usage: check_layers.py SOURCE_ROOT BUILD_ROOT [KNOWN]

KNOWN (tests/layers-known.txt) lists problems accepted for now, one per line, while the work
that removes them is under way: they are printed but do not fail; an entry that no longer
occurs fails, so the list can only shrink.

1. Every #include "x.h" in a layer's folder names a header of that folder or of a layer the
   folder may use (LAYERS below, the same order as DESIGN.md and the meson libraries).
2. The build enforces it: for every layer, a probe file compiled with exactly the flags meson
   uses for that layer's sources (compile_commands.json) must FAIL to include a header of the
   layer above it, and must compile when it includes one of its own headers. This proves an
   upward include does not build, not only that none exists today.
3. Only parsers/ (and common/, which defines it) use the reader idiom (pm-reader.h): above the
   trust boundary nothing interprets dump bytes.
4. Size limits: no C file over 800 lines, no function over 120 lines.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

# folder -> folders it may include from (besides itself), lowest first
BELOW = {}
_ORDER = ['common', 'parsers/io', 'parsers/container', 'parsers/memory', 'parsers/symbols',
          'parsers/kernel']
for i, f in enumerate(_ORDER):
    BELOW[f] = _ORDER[:i]
BELOW['rules'] = ['common']  # the rules see the summary contract only
BELOW['analyzer/analysis'] = _ORDER + ['rules']
BELOW['analyzer/report'] = BELOW['analyzer/analysis'] + ['analyzer/analysis']
BELOW['analyzer/cli'] = BELOW['analyzer/report'] + ['analyzer/report']
# the next layer up, whose header a probe in each layer must fail to include
ABOVE = {'common': 'parsers/io', 'parsers/io': 'parsers/container',
         'parsers/container': 'parsers/memory', 'parsers/memory': 'parsers/symbols',
         'parsers/symbols': 'parsers/kernel', 'parsers/kernel': 'analyzer/analysis',
         'rules': 'analyzer/analysis', 'analyzer/analysis': 'analyzer/report',
         'analyzer/report': 'analyzer/cli'}
READER_OK = ('common', 'parsers/')
MAX_FILE_LINES = 800
MAX_FUNC_LINES = 120

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def sources(root):
    for folder in BELOW:
        d = os.path.join(root, folder)
        for name in sorted(os.listdir(d)):
            if name.endswith(('.c', '.h')):
                yield folder, os.path.join(d, name)


def headers_of(root):
    where = {}
    for folder, path in sources(root):
        if path.endswith('.h'):
            where.setdefault(os.path.basename(path), []).append(folder)
    return where


def check_includes(root, problems):
    where = headers_of(root)
    for name, folders in where.items():
        if len(folders) > 1:
            problems.append(f'header {name} exists in {", ".join(folders)}: names must be unique')
    for folder, path in sources(root):
        rel = os.path.relpath(path, root)
        for n, line in enumerate(open(path, encoding='utf-8', errors='replace'), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            inc = os.path.basename(m.group(1))
            if inc not in where:
                continue  # generated (rules_data) or external
            home = where[inc][0]
            if home != folder and home not in BELOW[folder]:
                problems.append(f'{rel}:{n}: includes "{inc}" of {home}/, which {folder}/ '
                                'may not use (upward or sideways)')
            if inc == 'pm-reader.h' and not folder.startswith(READER_OK):
                problems.append(f'{rel}:{n}: the reader idiom outside parsers/: only the trust '
                                'boundary interprets dump bytes')


def functions(text):
    """(name, first line, length) of each top-level function body ('{' and '}' in column 0)."""
    lines = text.split('\n')
    start = None
    for i, line in enumerate(lines):
        if line == '{' and start is None:
            j = i - 1
            while j > 0 and (not lines[j] or lines[j][0] in ' \t'):
                j -= 1  # back to the signature's first line (column 0)
            m = re.search(r'(\w+)\s*\(', ' '.join(lines[j:i]))
            start, name = i, (m.group(1) if m else '?')
        elif line == '}' and start is not None:
            yield name, start + 1, i - start + 1
            start = None


def check_sizes(root, problems):
    for folder, path in sources(root):
        if not path.endswith('.c'):
            continue
        rel = os.path.relpath(path, root)
        text = open(path, encoding='utf-8', errors='replace').read()
        n = text.count('\n')
        if n > MAX_FILE_LINES:
            problems.append(f'{rel}: {n} lines (limit {MAX_FILE_LINES})')
        for name, at, length in functions(text):
            if length > MAX_FUNC_LINES:
                problems.append(f'{rel}:{at}: {name}() is {length} lines '
                                f'(limit {MAX_FUNC_LINES})')


def compile_probe(entry, folder, probe_header, build):
    """Compile a probe including probe_header with entry's flags; True if it compiled."""
    args = shlex.split(entry['command']) if 'command' in entry else list(entry['arguments'])
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ('-o', '-MF', '-MQ', '-MT'):
            skip = True
            continue
        if a in ('-c', '-MD', '-MMD') or a == entry['file'] or a.endswith(entry['file']):
            continue
        out.append(a)
    with tempfile.TemporaryDirectory() as tmp:
        probe = os.path.join(tmp, 'probe.c')
        with open(probe, 'w') as f:
            f.write(f'#include "{probe_header}"\nint pm_layer_probe(void);\n'
                    'int pm_layer_probe(void) { return 0; }\n')
        r = subprocess.run(out + ['-fsyntax-only', probe], cwd=entry['directory'],
                           capture_output=True, text=True)
        return r.returncode == 0, r.stderr


def check_build(root, build, problems):
    cc_path = os.path.join(build, 'compile_commands.json')
    entries = json.load(open(cc_path))
    where = headers_of(root)
    own = {}
    for h, folders in sorted(where.items()):
        own.setdefault(folders[0], h)
    proved = 0
    for folder, above in ABOVE.items():
        entry = next((e for e in entries
                      if os.path.relpath(os.path.join(e['directory'], e['file']), root)
                      .startswith(folder + '/')), None)
        if entry is None:
            problems.append(f'no compile command for a source of {folder}/')
            continue
        ok, err = compile_probe(entry, folder, own[folder], build)
        if not ok:
            problems.append(f'probe in {folder}/ could not include its own "{own[folder]}":\n'
                            + err)
            continue
        ok, err = compile_probe(entry, folder, own[above], build)
        if ok:
            problems.append(f'an upward include builds: {folder}/ included "{own[above]}" '
                            f'of {above}/')
        elif 'No such file' not in err and 'not found' not in err:
            problems.append(f'probe in {folder}/ failed for another reason:\n{err}')
        else:
            proved += 1
    return proved


def main():
    root, build = sys.argv[1], sys.argv[2]
    problems = []
    check_includes(root, problems)
    check_sizes(root, problems)
    proved = check_build(root, build, problems)
    known = set()
    if len(sys.argv) > 3:
        known = {line.strip() for line in open(sys.argv[3])
                 if line.strip() and not line.startswith('#')}
    def key(p):  # line numbers move; the problem does not
        return re.sub(r'^([^:]+):\d+:', r'\1:', p)
    keys = {key(p) for p in problems}
    stale = [f'{k}: listed in {sys.argv[3]} but no longer a problem: remove the line'
             for k in sorted(known) if k not in keys]
    for p in problems:
        if key(p) in known:
            print('known:', p)
    problems = [p for p in problems if key(p) not in known] + stale
    for p in problems:
        print(p)
    if problems:
        print(f'{len(problems)} layering problem(s)')
        return 1
    print(f'ok: includes follow the layers; {proved} upward includes tried, none builds')
    return 0


if __name__ == '__main__':
    sys.exit(main())
