# SPDX-License-Identifier: MIT
"""Expected values of a real PDB, from LLVM's llvm-pdbutil (an implementation independent of
poolmortem's reader): identity (GUID, PDB-info age, DBI age, machine), a few structure
layouts as `dt` shows them (members with offsets, size) and public symbols' RVAs
(segment:offset through the PDB's own section headers)."""
import bisect
import os
import re
import struct
import subprocess
import tempfile

# types worth a layout check when the PDB has them (kernel-mode structures first)
PREFERRED = ['_LIST_ENTRY', '_UNICODE_STRING', '_KDPC', '_KEVENT', '_DEVICE_OBJECT',
             '_DRIVER_OBJECT', '_IRP', '_MDL', '_KAPC', '_FAST_MUTEX', '_GUID',
             '_RTL_BITMAP', '_LARGE_INTEGER', '_CONTEXT', '_POINT']
MAX_TYPES = 8
MAX_PUBLICS = 12


def pdbutil(*args):
    r = subprocess.run(['llvm-pdbutil'] + list(args), capture_output=True, text=True,
                       check=True)
    return r.stdout


def identity(path):
    y = pdbutil('pdb2yaml', '-pdb-stream', '-dbi-stream', path)
    def field(section, name):
        m = re.search(r'^%s:\n(?:  .*\n)*?  %s:\s+(\S+)' % (section, name), y, re.M)
        return m.group(1).strip("'") if m else None
    return {'guid': field('PdbStream', 'Guid').strip('{}'),
            'pdb_info_age': int(field('PdbStream', 'Age')),
            'dbi_age': int(field('DbiStream', 'Age')),
            'machine': field('DbiStream', 'MachineType'),
            'pdb_version': field('PdbStream', 'Version')}


REC = re.compile(r'^\s*(0x[0-9A-F]+) \| (LF_\w+) \[size = \d+\](?: `(.*)`)?$')
MEMBER = re.compile(r'- LF_MEMBER \[name = `(.*)`, Type = (0x[0-9A-F]+).*, offset = (\d+), ')
BCLASS = re.compile(r'- LF_BCLASS.*offset = (\d+)')


def types(path):
    """{name: {'size', 'members': [(name, offset)]}} for full (non-forward) definitions."""
    out = pdbutil('dump', '-types', path).splitlines()
    fieldlists, structs, cur = {}, [], None
    for line in out:
        m = REC.match(line)
        if m:
            cur = {'ti': m.group(1), 'kind': m.group(2), 'name': m.group(3), 'lines': []}
            if cur['kind'] == 'LF_FIELDLIST':
                fieldlists[cur['ti']] = cur
            elif cur['kind'] in ('LF_STRUCTURE', 'LF_CLASS', 'LF_UNION'):
                structs.append(cur)
            continue
        if cur is not None:
            cur['lines'].append(line.strip())
    result = {}
    for s in structs:
        text = ' '.join(s['lines'])
        if 'forward ref' in text or not s['name'] or s['name'].startswith('<'):
            continue
        m = re.search(r'field list: (0x[0-9A-F]+)', text)
        z = re.search(r'sizeof (\d+)', text)
        if not m or not z or m.group(1) not in fieldlists:
            continue
        members = []
        for ln in fieldlists[m.group(1)]['lines']:
            mm = MEMBER.search(ln)
            if mm:
                members.append([mm.group(1), int(mm.group(3))])
        if s['name'] not in result:
            result[s['name']] = {'kind': s['kind'], 'size': int(z.group(1)), 'members': members}
    return result


def sections(path):
    """Section RVAs that segment numbers index: the original (pre-optimization) headers when
    the image was rearranged after linking (OMAP), else the image's own."""
    out = pdbutil('dump', '-section-headers', path)
    parts = re.split(r'Original Section Headers', out)
    va = lambda t: [int(v, 16) for v in re.findall(r'^\s*([0-9A-F]+) virtual address$', t, re.M)]
    return va(parts[1]) if len(parts) > 1 else va(parts[0])


def omap_from_src(path):
    """The OMAP 'from source' table as sorted (rva, target) pairs, or None (symbols.md §3.4:
    RVA = target + (rva - entry rva) of the last entry at or below it; target 0 = removed)."""
    m = re.search(r'Stream\s+(\d+) \(\s*\d+ bytes\): \[Omap From Source Data\]',
                  pdbutil('dump', '-streams', path))
    if not m:
        return None
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 'omap')
        pdbutil('export', '--stream=' + m.group(1), '--out=' + out, path)
        raw = open(out, 'rb').read()
    return [struct.unpack_from('<II', raw, i) for i in range(0, len(raw) - 7, 8)]


def omap_map(table, rva):
    i = bisect.bisect_right(table, (rva, 0xFFFFFFFF)) - 1
    if i < 0 or table[i][1] == 0:
        return None
    return table[i][1] + rva - table[i][0]


def publics(path):
    secs = sections(path)
    omap = omap_from_src(path)
    out = pdbutil('dump', '-publics', path)
    res = {}
    for name, flags, seg, off in re.findall(
            r'S_PUB32 \[size = \d+\] `(.*)`\n\s+flags = (.*), addr = (\d+):(\d+)', out):
        seg, off = int(seg), int(off)
        if 1 <= seg <= len(secs):
            rva = secs[seg - 1] + off
            if omap is not None:
                rva = omap_map(omap, rva)
                if rva is None:
                    continue
            res[name] = {'rva': rva, 'function': 'function' in flags}
    return res


def pdb_facts(path):
    ident = identity(path)
    ts = types(path)
    chosen = [n for n in PREFERRED if n in ts]
    rest = sorted(n for n, t in ts.items() if len(t['members']) >= 3 and n not in chosen
                  and re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', n))
    chosen = (chosen + rest)[:MAX_TYPES]
    pubs = publics(path)
    names = sorted(n for n, p in pubs.items() if p['function'] and
                   re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', n))
    step = max(1, len(names) // MAX_PUBLICS)
    picked = names[::step][:MAX_PUBLICS]
    data = sorted(n for n, p in pubs.items() if not p['function'] and
                  re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', n))[:4]
    return {
        'kind': 'pdb',
        'identity': ident,
        'structures': len(ts),
        'types': {n: ts[n] for n in chosen},
        'omap': omap_from_src(path) is not None,
        'publics_total': len(pubs),
        'publics': {n: '0x%x' % pubs[n]['rva'] for n in picked + data},
    }
