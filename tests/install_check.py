#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Installs like a Debian tool: install_check.py SOURCE_ROOT BUILD_ROOT WORKDIR

- `meson install --destdir` puts the binary, the man page, the bash and zsh completions, the
  JSON schema and the default rules data under the usual prefixes (bin/, share/man/man1/,
  share/bash-completion/completions/, share/zsh/vendor-completions/, share/poolmortem/);
- the man page renders without a groff warning and documents every command of `--help`,
  every option and the exit codes; the bash completion completes every command and an
  option's values; the zsh completion parses (zsh -n, when zsh is installed);
- a build configured with -Dtests=false generates no fixture but the sample dump.
"""
import json
import os
import re
import shutil
import subprocess
import sys

fails = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        fails.append(what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=240, **kw)


def main():
    src, build, work = sys.argv[1:4]
    dest = os.path.join(work, 'dest')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    p = run(['meson', 'install', '-C', build, '--no-rebuild', '--destdir', dest])
    check(p.returncode == 0, 'meson install --destdir: exit %d %s' % (p.returncode, p.stderr[-300:]))
    intro = json.loads(run(['meson', 'introspect', build, '--buildoptions']).stdout)
    opt = {o['name']: o['value'] for o in intro}
    root = dest + opt['prefix']
    share = os.path.join(root, opt['datadir'])
    want = {
        'binary': os.path.join(root, opt['bindir'], 'poolmortem'),
        'man page': os.path.join(root, opt['mandir'], 'man1', 'poolmortem.1'),
        'bash completion': os.path.join(share, 'bash-completion', 'completions', 'poolmortem'),
        'zsh completion': os.path.join(share, 'zsh', 'vendor-completions', '_poolmortem'),
        'JSON schema': os.path.join(share, 'poolmortem', 'poolmortem.schema.json'),
    }
    for d in ('thresholds', 'tags', 'bugchecks', 'limits'):
        want['rules data %s.json' % d] = os.path.join(share, 'poolmortem', 'rules', d + '.json')
    for what, path in want.items():
        check(os.path.isfile(path), '%s installed at %s' % (what, path[len(dest):]))
    pm = want['binary']
    if not os.path.isfile(pm):
        return 1
    out = run([pm, '--help']).stdout
    block = out.split('commands:\n', 1)[1].split('\n\n', 1)[0]
    cmds = [m.group(1) for m in re.finditer(r'^  (\w+) ', block, re.M)]
    man = want['man page']
    if os.path.isfile(man):
        p = run(['groff', '-man', '-Tutf8', '-ww', man]) if shutil.which('groff') else None
        if p is not None:
            check(p.returncode == 0 and not p.stderr.strip(),
                  'the man page renders without warnings: %s' % p.stderr.strip()[:200])
            text = re.sub(r'.\x08', '', p.stdout)
            missing = [c for c in cmds if not re.search(r'^   %s\b' % c, text, re.M)]
            check(not missing, 'the man page has a section for every command (missing: %s)'
                  % missing)
            for o in ('--pooltag', '--csv', '--format', '--shard', 'POOLMORTEM_POOLTAG',
                      '_NT_SYMBOL_PATH', 'EXIT STATUS'):
                check(o in text, 'the man page documents %s' % o)
    bc = want['bash completion']
    if os.path.isfile(bc):
        def complete(*words):
            script = ('source "%s"; COMP_WORDS=(%s); COMP_CWORD=%d; _poolmortem; '
                      'printf "%%s\\n" "${COMPREPLY[@]}"' % (
                          bc, ' '.join("'%s'" % w for w in words), len(words) - 1))
            return run(['bash', '-c', script]).stdout.split()
        check(sorted(complete('poolmortem', '')) == sorted(cmds + ['--help', '--version']),
              'bash completes every command')
        check(complete('poolmortem', 'poolused', '--sort', '') ==
              ['tag', 'nonpaged', 'paged', 'allocs'], 'bash completes --sort values')
        check('--pooltag' in complete('poolmortem', 'analyze', '--'),
              'bash completes analyze options')
    zc = want['zsh completion']
    if shutil.which('zsh') and os.path.isfile(zc):
        p = run(['zsh', '-n', zc])
        check(p.returncode == 0, 'the zsh completion parses: %s' % p.stderr.strip()[:200])
        text = open(zc).read()
        check(all("'%s:" % c in text for c in cmds), 'the zsh completion lists every command')
    else:
        print('skip the zsh completion check (zsh is not installed)')
    # -Dtests=false: no fixture but the sample dump
    nb = os.path.join(work, 'notests')
    p = run(['meson', 'setup', nb, src, '-Dtests=false'])
    check(p.returncode == 0, 'meson setup -Dtests=false: %s' % p.stderr[-300:])
    if p.returncode == 0:
        targets = json.loads(run(['meson', 'introspect', nb, '--targets']).stdout)
        gen = [t['name'] for t in targets if t['type'] == 'custom' and t['build_by_default']
               and re.match(r'(fixture|mustfail|holders|series|container)-', t['name'])]
        check(gen == ['fixture-win10-22h2-x64-bitmap'],
              '-Dtests=false generates only the sample dump (got %s)' % gen)
        check(not any(t['name'].startswith('test_') for t in targets),
              '-Dtests=false builds no test program')
    shutil.rmtree(work, ignore_errors=True)
    print('%d install checks failed' % len(fails) if fails else 'all install checks passed')
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
