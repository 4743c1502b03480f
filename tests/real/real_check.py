#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The real suite: poolmortem on public real files against independently derived values.

    PM_REAL_CORPUS=DIR real_check.py POOLMORTEM [FIXTURE_DUMP]
    real_check.py --consistency     (sources.json against expected/, no corpus needed)

DIR holds the files listed in sources.json (sources.py assemble DIR builds it from local git
mirrors). Without PM_REAL_CORPUS, or with none of the files in DIR, the test is skipped (exit
77). Every check prints PASS or FAIL with what was expected and what came out; a GAP line
names a behaviour no command can show yet. FIXTURE_DUMP (a generated dump with a tag tracker)
carries the real pooltag.txt checks that need pool data.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sources  # noqa: E402

results = {'PASS': 0, 'FAIL': 0, 'GAP': 0}


def report(kind, name, what, detail=''):
    results[kind] += 1
    print('%-4s %s: %s%s' % (kind, name, what, (' -- ' + detail) if detail else ''))


def check(name, what, ok, expected=None, got=None):
    if ok:
        report('PASS', name, what)
    else:
        report('FAIL', name, what, 'expected %s, got %s' % (json.dumps(expected),
                                                            json.dumps(got)[:300]))


def run(pm, *args):
    p = subprocess.run([pm] + list(args), capture_output=True, text=True, timeout=300)
    out = None
    try:
        out = json.loads(p.stdout)
    except ValueError:
        pass
    return p.returncode, out, p.stdout, p.stderr


def hexnorm(v):
    return None if v is None else '0x%x' % int(str(v), 16)


def check_dump(pm, name, path, exp):
    rc, info, _, err = run(pm, 'info', '--json', path)
    if info is None:
        check(name, 'info --json gives a report', False, 'JSON', err.strip())
        return
    c, m, b = info['container'], info['machine'], info['bugcheck']
    check(name, 'signature', c['signature'] == exp['signature'], exp['signature'], c['signature'])
    check(name, 'dump type', c['dump_type'] == exp['dump_type'], exp['dump_type'], c['dump_type'])
    check(name, 'architecture', m['arch'] == exp['arch'], exp['arch'], m['arch'])
    check(name, 'build', m['build'] == exp['build'], exp['build'], m['build'])
    check(name, 'processors', m['processors'] == exp['processors'], exp['processors'],
          m['processors'])
    check(name, 'product type', m.get('product_type') == exp['product_type'],
          exp['product_type'], m.get('product_type'))
    check(name, 'bugcheck code', hexnorm(b['code']) == exp['bugcheck']['code'],
          exp['bugcheck']['code'], b['code'])
    check(name, 'bugcheck parameters', [hexnorm(p) for p in b['parameters']] ==
          exp['bugcheck']['params'], exp['bugcheck']['params'], b['parameters'])
    check(name, 'bugcheck name (%s)' % exp['bugcheck']['code'],
          b.get('name') == exp['bugcheck']['name'], exp['bugcheck']['name'], b.get('name'))
    t = info['time']
    check(name, 'system time', t['system_time'] == exp['system_time'], exp['system_time'],
          t['system_time'])
    check(name, 'uptime', t['uptime_seconds'] == exp['uptime_seconds'], exp['uptime_seconds'],
          t['uptime_seconds'])
    k = info['kernel']
    check(name, 'kernel base', hexnorm(k['base']) == exp['kernel_base'], exp['kernel_base'],
          k['base'])
    kd = info['kdbg']
    check(name, 'KDBG address and size', (hexnorm(kd['va']), hexnorm(kd['size'])) ==
          (exp['kdbg']['va'], exp['kdbg']['size']), [exp['kdbg']['va'], exp['kdbg']['size']],
          [kd['va'], kd['size']])
    mods = info['modules']['list']
    check(name, 'module count', info['modules']['count'] == exp['modules']['count'],
          exp['modules']['count'], info['modules']['count'])
    got = [[x['name'], hexnorm(x['base']), hexnorm(x['size'])] for x in mods]
    bad = [(e, g) for e, g in zip(exp['modules']['all'], got) if e != g]
    check(name, 'every module name, base and size', not bad and len(got) ==
          len(exp['modules']['all']), bad[:1] and bad[0][0], bad[:1] and bad[0][1])
    kern = exp['modules']['kernel']
    vals = [str(v).lower() for v in mods[0].values()] if mods else []
    check(name, "kernel module named as WinDbg's lm does (module 'nt', image ntkrnlmp.exe; "
          "file ntoskrnl.exe)", 'nt' in vals or any('ntkrnlmp' in v for v in vals),
          {'lm': 'nt', 'image': 'ntkrnlmp.exe', 'file': kern['file']},
          mods[0] if mods else None)
    check(name, 'kernel image symbol-store key (ntoskrnl.exe/%s) given, the one way to its '
          'PDB without image pages' % kern['image_key'],
          kern['image_key'].lower() in json.dumps(info).lower(), kern['image_key'],
          info['kernel'].get('pdb'))
    os_ = m.get('os') or ''
    if exp['build'] == 19041:
        ok = all(r in os_ for r in ('2004', '20H2', '21H1', '21H2', '22H2'))
        check(name, 'release of a 19041 kernel: not one release but 2004..22H2 (the dump '
              'cannot tell)', ok, 'Windows 10 2004/20H2/21H1/21H2/22H2', os_)
    elif exp['build'] == 22000:
        check(name, 'release', '21H2' in os_, 'Windows 11 21H2', os_)
    diags = [d['message'] for d in info.get('diagnostics', [])]
    rds = [d for d in diags if 'RequiredDumpSpace' in d]
    check(name, 'no RequiredDumpSpace diagnostic (it is reserved space: %s > file %s = '
          'SizeOfDump %s + DumpBlob secondary data)' % (
              exp['size_accounting']['required_dump_space'], exp['size_accounting']['file_size'],
              exp['size_accounting']['size_of_dump']), not rds, [], rds)
    comp = info['completeness']
    check(name, 'size accounting covers the secondary data (%d DumpBlob records end at the end '
          'of the file)' % exp['size_accounting']['blobs'],
          comp.get('expected_size') == exp['file_size'], exp['file_size'],
          comp.get('expected_size'))
    ev = exp['evidence']
    if 'faulting_module' in ev:
        txt = json.dumps(info['bugcheck']).lower()
        check(name, 'bugcheck address named by module (amdppm.sys+0x334c, as lm a does)',
              'amdppm' in txt, 'amdppm.sys+0x334c', info['bugcheck'])
    rc, vm, _, err = run(pm, 'vm', '--json', path)
    if vm is None:
        check(name, 'vm --json gives a report', False, 'JSON', err.strip())
    else:
        lines = ['nonpaged_usage', 'nonpaged_max', 'paged_usage', 'paged_max', 'committed_pages']
        why = {ln: (vm.get(ln) or {}).get('absent') for ln in lines if ln in vm}
        check(name, 'vm: pool and commit lines of a small dump say why they are missing '
              '(MiniDumpFields %s lacks MMINFO; DUMP_MM_STORAGE64 zeroed), not "unreadable"'
              % exp['triage']['minidump_fields'],
              why and all(v not in (None, 'unreadable') for v in why.values()),
              'not_captured', why)
    rc, an, _, err = run(pm, 'analyze', '--json', path)
    if an is None:
        check(name, 'analyze --json gives a report', False, 'JSON', err.strip())
    else:
        v = an['verdict']
        check(name, 'verdict on a dump without pool data is inconclusive, not healthy',
              v.get('healthy') is not True, {'healthy': None}, v)
    rc, _, out, err = run(pm, 'poolused', '--pooltag', os.devnull, path)
    check(name, 'poolused accepts --pooltag', rc != 2, 'not a usage error', err.strip()[:80])


def check_not_dump(pm, name, path, exp):
    rc, _, out, err = run(pm, 'info', path)
    check(name, 'refused with exit 3', rc == exp['expect_exit'], exp['expect_exit'], rc)
    check(name, 'error says what the file is', all(w in err for w in exp['expect_message']),
          exp['expect_message'], err.strip())
    if exp.get('expect_not'):
        check(name, 'error does not call it %s' % ' or '.join(exp['expect_not']),
              not any(w in err for w in exp['expect_not']), exp['expect_not'], err.strip())


def check_pdb(pm, name, path, exp):
    ident = exp['identity']
    for tname, t in exp['types'].items():
        rc, dt, _, err = run(pm, 'dt', '--json', path, tname)
        if dt is None:
            check(name, 'dt %s' % tname, False, t['size'], err.strip())
            continue
        got = [[x['name'], x['offset']] for x in dt.get('members', [])]
        check(name, 'dt %s: size %d and %d members at their offsets' % (
            tname, t['size'], len(t['members'])), dt.get('size') == t['size'] and
            got == t['members'], [t['size'], t['members'][:4]], [dt.get('size'), got[:4]])
        if tname == next(iter(exp['types'])):
            src = json.dumps(dt.get('source', {})).upper()
            check(name, 'dt names the PDB it read: GUID %s, PDB-info age %d, DBI age %d' % (
                ident['guid'], ident['pdb_info_age'], ident['dbi_age']),
                ident['guid'].replace('-', '') in src.replace('-', '') and
                ('AGE' in src), ident, dt.get('source'))
    if not exp['types']:
        report('PASS', name, 'no structures in this PDB (publics only): dt not checked')
    names = list(exp['publics'])
    if names:
        rc, x, _, err = run(pm, 'x', '--json', path, *names)
        got = {s['name']: hexnorm(s['rva']) for s in (x or {}).get('symbols', [])}
        bad = {n: [exp['publics'][n], got.get(n)] for n in names if got.get(n) != exp['publics'][n]}
        check(name, 'x: %d public symbols at their RVAs' % len(names), not bad, 'all equal', bad)


def check_isf(pm, name, path, exp):
    """A real kernel ISF (JPCERTCC/Windows-Symbol-Tables): its identity and the RVAs the facts
    table recorded for it; the dumps laid out like that kernel are checked with it by
    realplace_check.py --real (test real-isf)."""
    names = list(exp['symbols'])
    rc, x, _, err = run(pm, 'x', '--json', path, *names)
    src = (x or {}).get('source', {})
    check(name, 'x names the kernel: GUID %s age %d' % (exp['guid'], exp['age']),
          src.get('guid') == exp['guid'] and src.get('age') == exp['age'],
          [exp['guid'], exp['age']], [src.get('guid'), src.get('age'), err.strip()])
    got = {s['name']: int(s['rva'], 16) for s in (x or {}).get('symbols', [])}
    bad = {n: [exp['symbols'][n], got.get(n)] for n in names if got.get(n) != exp['symbols'][n]}
    check(name, 'x: %d pool and memory-manager globals at the facts\' RVAs (kernel %s)' % (
        len(names), exp['kernel']), not bad, 'all equal', bad)


def check_version(name, got, exp):
    """`tags --json`: the link date and the version resource against python3-pefile's."""
    if 'version' not in exp:
        return
    ld = got.get('link_date')
    ld = ld if isinstance(ld, str) else None
    check(name, 'tags: link date %s' % (exp['link_date'] or 'none (TimeDateStamp is no date)'),
          ld == exp['link_date'], exp['link_date'], got.get('link_date'))
    ev, gv = exp['version'], got.get('version') or {}
    if 'absent' in ev:
        check(name, 'tags: no version resource (%s)' % ev['absent'],
              gv.get('value', 0) is None and gv.get('absent') == ev['absent'], ev, gv)
        return
    keys = [k for k in ev]
    bad = {k: [ev[k], gv.get(k)] for k in keys if gv.get(k) != ev[k]}
    check(name, 'tags: version resource (File version %s, CompanyName %r, ProductName %r, '
          '%d facts)' % (ev['file_version'], ev['company'], ev['product'], len(keys)),
          not bad, 'all equal', bad)


def check_driver(pm, name, path, exp):
    """`tags DRIVER.sys` against the tags objdump pairs with calls to the pool routines."""
    tags = exp.get('immediate_tags', {})
    rc, got, _, err = run(pm, 'tags', '--json', path)
    if got is None:
        check(name, 'tags --json gives a report', False, 'JSON', err.strip()[:200])
        return
    found = {t['tag']: t for t in got.get('immediate_tags', [])}
    missing = sorted(t for t in tags if t not in found)
    how = {t: ('r8d' if found[t]['r8d'] else 'edx' if found[t]['edx'] else 'other')
           for t in tags if t in found}
    check(name, 'tags: the %d tag(s) passed to pool routines as immediates are found (%s)' % (
        len(tags), ', '.join('%s:%s' % (t, how[t]) for t in sorted(how)[:6]) or 'none'),
        not missing, sorted(tags), missing and {'missing': missing})
    imports = sorted(exp.get('pool_imports', []))
    allocs = sorted(x for x in got.get('pool_imports', []) if x.startswith('ExAllocate'))
    check(name, 'tags: pool allocators imported (%s)' % (', '.join(imports) or 'none'),
          allocs == imports, imports, allocs)
    check_version(name, got, exp)
    kt = (got.get('kmdf_derived_tag') or {}).get('tag')
    if exp.get('kmdf'):
        check(name, "tags: KMDF client, the framework's tag %r derived from its name" %
              exp['kmdf_derived_tag'], got.get('kmdf') and kt == exp['kmdf_derived_tag'],
              exp['kmdf_derived_tag'], kt)
    else:
        check(name, 'tags: not a KMDF client (no derived tag)', not got.get('kmdf') and not kt,
              None, kt)


def summary_case(base_tags, modules, hits):
    return {
        'schema': 'poolmortem.summary/1', 'dump': 'real-pooltag-case', 'build': 19041,
        'is64': True, 'arch': 'x64', 'os': 'Windows 10', 'processors': 4, 'product_type': 1,
        'bugcheck': '0xe2', 'parameters': ['0x0'] * 4, 'triage': False,
        'figures': {'ram': {'pages': 1048576, 'source': 'KDBG'},
                    'available': {'pages': 400000, 'source': 'KDBG'},
                    'np_usage': {'pages': 600000, 'source': 'KDBG'},
                    'np_max': {'pages': 786432, 'source': 'KDBG'},
                    'p_usage': {'pages': 40000, 'source': 'KDBG'},
                    'p_max': {'pages': 33554432, 'source': 'KDBG'},
                    'committed': {'pages': 500000, 'source': 'KDBG'},
                    'commit_limit': {'pages': 2000000, 'source': 'KDBG'},
                    'commit_peak': None, 'free_ptes': None},
        'tracker': {'cpus_read': 4, 'cpus_expected': 4}, 'bigtable': True,
        'tags': [{'tag': t, 'np_outstanding': 1000, 'np_bytes': b, 'p_outstanding': 0,
                  'p_bytes': 0, 'big_count': 0, 'big_bytes': 0} for t, b in base_tags],
        'modules': [{'name': n, 'base': hex(bs), 'size': sz, 'timestamp': 0, 'image_read': True}
                    for n, bs, sz in modules],
        'tag_hits': hits,
    }


def rules_owners(pm, pooltag, summ):
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
        json.dump(summ, f)
        sp = f.name
    try:
        args = [pm, 'rules', '--json'] + (['--pooltag', pooltag] if pooltag else []) + [sp]
        p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(sp)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        return None, p.stdout + p.stderr
    drivers = [d for f in out['findings'] for d in f.get('suspect_drivers') or []]
    return drivers, p.stdout


def check_pooltag(pm, name, path, exp, corpus, fixture):
    lk = exp['lookup']
    mods = [('ntoskrnl.exe', 0xfffff80002a00000, 0x1000000)]
    cases = [
        ('CMa1', 'wildcard CM?? -> nt!cm', lambda d, t: any(x['name'] == 'nt!cm' for x in d)),
        ('AmlH', 'wildcard Aml* (binary <unknown>): description shown, <unknown> not an owner',
         lambda d, t: 'ACPI AMLI' in t and not any('unknown' in x['name'] for x in d)),
        ('TcpE', "padded binary column: owner exactly 'tcpip.sys'",
         lambda d, t: [x['name'] for x in d] == ['tcpip.sys']),
        ('ATmp', 'line without a binary: description shown, no owner invented',
         lambda d, t: 'AppTag mount point' in t and not d),
        ('PX1 ', 'three-character tag padded with a space; listed twice (ndis, ndproxy.sys)',
         lambda d, t: any(x['name'] == 'ndproxy.sys' for x in d)),
        ('_ATI', "binary '<unknown>': description shown, '<unknown>' not ranked as an owner",
         lambda d, t: 'ATI video driver' in t and not any('unknown' in x['name'] for x in d)),
        ('CM  ', "two-character tag 'CM' padded: owner exactly 'nt!cm'",
         lambda d, t: [x['name'] for x in d] == ['nt!cm']),
        ('Dh 0', "tag with an inner space: its description, no owner from '<unknown>'",
         lambda d, t: 'DirectDraw/3D default object' in t and not d),
        ('ReMo', "a tag beginning with 'Rem' is an entry, not a 'rem' comment",
         lambda d, t: any(x['name'] == 'refs.sys' for x in d)),
    ]
    for tag, what, ok in cases:
        drivers, text = rules_owners(pm, path, summary_case([(tag, 2 * 10**9)], mods, []))
        check(name, 'rules --pooltag, tag %r: %s' % (tag, what),
              drivers is not None and ok(drivers, text), what, drivers)
    amd = os.path.join(HERE, 'expected', 'amdppm.sys.json')
    if os.path.exists(amd):
        a = json.load(open(amd))
        n = a['immediate_tags'].get('Prcr', {}).get('calls', 0)
        mods2 = mods + [('amdppm.sys', 0xfffff8048b580000, 0x3b000)]
        drivers, _ = rules_owners(pm, path, summary_case(
            [('Prcr', 2 * 10**9)], mods2,
            [{'tag': 'Prcr', 'module': 'amdppm.sys', 'immediates': n, 'code': 0, 'data': 0}]))
        check(name, "'Prcr': amdppm.sys (immediate %d times in its code) ranks above "
              "pooltag.txt's processr.sys" % n,
              drivers and drivers[0]['name'] == 'amdppm.sys', 'amdppm.sys first', drivers)
        drivers, _ = rules_owners(pm, path, summary_case([(a['kmdf_derived_tag'], 2 * 10**9)],
                                                         mods2, []))
        check(name, "KMDF derived tag %r names amdppm.sys (a KMDF client: the tag is in no "
              "code)" % a['kmdf_derived_tag'],
              bool(drivers) and drivers[0]['name'] == 'amdppm.sys', 'amdppm.sys', drivers)
    if fixture and os.path.exists(fixture):
        rc, js, _, err = run(pm, 'poolused', '--json', '--pooltag', path, fixture)
        st = (js or {}).get('pooltag') or {}
        want = {'entries': exp['entries'], 'wildcards': exp['wildcard_entries'],
                'short_tags': exp['short_tag_entries'], 'unknown_binary': exp['unknown_binary'],
                'without_binary': exp['without_binary'],
                'tags_on_several_lines': exp['duplicate_tags'],
                'prose_lines': exp['line_kinds'].get('prose', 0),
                'continuation_lines': exp['line_kinds'].get('indented', 0)}
        got = {k: st.get(k) for k in want}
        check(name, 'every line read as what it is: %d entries, %d wildcards, %d short tags, '
              '%d tags on several lines, prose and continuation lines apart' % (
                  exp['entries'], exp['wildcard_entries'], exp['short_tag_entries'],
                  exp['duplicate_tags']), got == want, want, got)
        rc, out, txt, err = run(pm, 'poolused', '--pooltag', path, fixture)
        check(name, 'poolused --pooltag shows descriptions as !poolused does', rc == 0 and
              'File objects' in txt, 'descriptions (e.g. File -> File objects)',
              (err or txt).strip()[:120])


def consistency():
    """Without the corpus: sources.json and expected/ agree (same files, same SHA-256)."""
    bad = []
    names = set()
    for e in sources.load():
        names.add(e['name'])
        for k in ('name', 'role', 'repo', 'commit', 'path', 'size', 'sha256'):
            if k not in e:
                bad.append('%s: no %s' % (e.get('name'), k))
        ep = os.path.join(HERE, 'expected', e['name'] + '.json')
        if not os.path.exists(ep):
            bad.append('%s: no expected values' % e['name'])
            continue
        x = json.load(open(ep))
        if x.get('sha256') != e['sha256'] or x.get('role') != e['role']:
            bad.append('%s: expected values are for another file' % e['name'])
    for f in os.listdir(os.path.join(HERE, 'expected')):
        if f[:-5] not in names:
            bad.append('expected/%s: no such corpus file' % f)
    for b in bad:
        print('FAIL ' + b)
    print('%d corpus files, %d problems' % (len(names), len(bad)))
    return 1 if bad else 0


def main(argv):
    if len(argv) == 2 and argv[1] == '--consistency':
        return consistency()
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    pm = os.path.abspath(argv[1])
    fixture = argv[2] if len(argv) > 2 else None
    corpus = os.environ.get('PM_REAL_CORPUS')
    if not corpus:
        print('SKIP: PM_REAL_CORPUS is not set (tests/real/sources.py assemble DIR, then '
              'PM_REAL_CORPUS=DIR)')
        return 77
    present = [e for e in sources.load() if sources.status(corpus, e) == 'present']
    wrong = [e['name'] for e in sources.load() if sources.status(corpus, e) == 'wrong']
    for w in wrong:
        print('NOTE %s: a file of that name with another SHA-256 is ignored' % w)
    if not present:
        print('SKIP: none of the corpus files is in %s' % corpus)
        return 77
    for e in present:
        path = os.path.join(corpus, e['name'])
        ep = os.path.join(HERE, 'expected', e['name'] + '.json')
        if not os.path.exists(ep):
            print('NOTE %s: no expected values (derive.py)' % e['name'])
            continue
        exp = json.load(open(ep))
        if e['role'] == 'dump':
            check_dump(pm, e['name'], path, exp)
        elif e['role'] in ('not-a-kernel-dump', 'linux-kernel-dump'):
            check_not_dump(pm, e['name'], path, exp)
        elif e['role'] == 'pdb':
            check_pdb(pm, e['name'], path, exp)
        elif e['role'] in ('driver', 'image'):
            check_driver(pm, e['name'], path, exp)
        elif e['role'] == 'isf':
            check_isf(pm, e['name'], path, exp)
        elif e['role'] == 'pooltag':
            check_pooltag(pm, e['name'], path, exp, corpus, fixture)
    print('%d passed, %d failed, %d gaps; %d of %d corpus files present' % (
        results['PASS'], results['FAIL'], results['GAP'], len(present), len(sources.load())))
    return 1 if results['FAIL'] else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
