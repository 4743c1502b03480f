# SPDX-License-Identifier: MIT
"""Expected values of a real driver image, read here independently of poolmortem.

The PE headers, CodeView record and import table are read from the bytes (symbols.md §2.2,
the PE/COFF specification); the code is disassembled by binutils' objdump (-M intel), and
each call through the import table to a pool routine is paired with the immediate that
loads its Tag argument in the instructions before it (Windows x64 calling convention:
arguments 1-4 in rcx, rdx, r8, r9, then [rsp+20h], [rsp+28h], ...).
"""
import re
import struct
import subprocess

# pool routine -> where its Tag argument goes (x64)
TAG_ARG = {
    'ExAllocatePoolWithTag': 'r8d', 'ExAllocatePool2': 'r8d', 'ExAllocatePool3': 'r8d',
    'ExAllocatePoolWithQuotaTag': 'r8d', 'ExAllocatePoolWithTagPriority': 'r8d',
    'ExAllocatePoolZero': 'r8d', 'ExAllocatePoolUninitialized': 'r8d',
    'ExAllocatePoolQuotaZero': 'r8d', 'ExAllocatePoolPriorityZero': 'r8d',
    'ExFreePoolWithTag': 'edx',
    'ExInitializeNPagedLookasideList': '[rsp+0x28]', 'ExInitializePagedLookasideList': '[rsp+0x28]',
    'ExInitializeLookasideListEx': '[rsp+0x30]',
}
ALLOCATORS = {k for k in TAG_ARG if k.startswith('ExAllocate')}


def u16(b, o):
    return struct.unpack_from('<H', b, o)[0]


def u32(b, o):
    return struct.unpack_from('<I', b, o)[0]


def u64(b, o):
    return struct.unpack_from('<Q', b, o)[0]


class PE:
    def __init__(self, data):
        self.b = data
        pe = u32(data, 0x3C)
        assert data[pe:pe + 4] == b'PE\0\0'
        self.machine = u16(data, pe + 4)
        nsec = u16(data, pe + 6)
        self.timestamp = u32(data, pe + 8)
        opt = pe + 24
        self.magic = u16(data, opt)
        self.is64 = self.magic == 0x20B
        self.image_base = u64(data, opt + 24) if self.is64 else u32(data, opt + 28)
        self.size_of_image = u32(data, opt + 56)
        self.subsystem = u16(data, opt + 68)
        dd = opt + (112 if self.is64 else 96)
        self.dirs = [(u32(data, dd + 8 * i), u32(data, dd + 8 * i + 4)) for i in range(16)]
        so = opt + u16(data, pe + 20)
        self.sections = []
        for i in range(nsec):
            s = so + 40 * i
            self.sections.append({'name': data[s:s + 8].rstrip(b'\0').decode('latin-1'),
                                  'vsize': u32(data, s + 8), 'rva': u32(data, s + 12),
                                  'rawsize': u32(data, s + 16), 'raw': u32(data, s + 20),
                                  'flags': u32(data, s + 36)})

    def off(self, rva):
        for s in self.sections:
            if s['rva'] <= rva < s['rva'] + max(s['vsize'], s['rawsize']):
                return s['raw'] + rva - s['rva']
        if rva < self.sections[0]['raw'] if self.sections else 0x1000:
            return rva
        raise ValueError('rva %#x in no section' % rva)

    def cstr(self, rva):
        o = self.off(rva)
        return self.b[o:self.b.index(b'\0', o)].decode('latin-1')

    def codeview(self):
        rva, size = self.dirs[6]
        for i in range(size // 28):
            d = self.off(rva) + 28 * i
            if u32(self.b, d + 12) != 2:
                continue
            p = u32(self.b, d + 24)
            if self.b[p:p + 4] != b'RSDS':
                continue
            g = self.b[p + 4:p + 20]
            guid = '%08X-%04X-%04X-%s-%s' % (struct.unpack_from('<IHH', g) +
                                             (g[8:10].hex().upper(), g[10:].hex().upper()))
            age = u32(self.b, p + 20)
            name = self.b[p + 24:self.b.index(b'\0', p + 24)].decode('latin-1')
            key = guid.replace('-', '') + '%X' % age
            return {'guid': guid, 'age': age,
                    'pdb_name': re.split(r'[\\/]', name)[-1], 'symbol_key': key}
        return None

    def imports(self):
        """{iat slot VA: (dll, function)}"""
        rva, size = self.dirs[1]
        out = {}
        if not rva:
            return out
        d = self.off(rva)
        ptr = 8 if self.is64 else 4
        while True:
            oft, name, ft = u32(self.b, d), u32(self.b, d + 12), u32(self.b, d + 16)
            if not name and not ft:
                break
            dll = self.cstr(name)
            lookup = oft or ft
            i = 0
            while True:
                o = self.off(lookup) + ptr * i
                v = u64(self.b, o) if self.is64 else u32(self.b, o)
                if not v:
                    break
                ordinal = v >> (63 if self.is64 else 31)
                fn = '#%d' % (v & 0xFFFF) if ordinal else self.cstr((v & 0x7FFFFFFF) + 2)
                out[self.image_base + ft + ptr * i] = (dll, fn)
                i += 1
            d += 20
        return out


def tag_text(v):
    bs = struct.pack('<I', v & 0x7FFFFFFF)
    return bs.decode('latin-1') if all(32 <= c < 127 for c in bs) else None


INSN = re.compile(r'^\s*([0-9a-f]+):\s+(.*)$')


def disasm(path):
    r = subprocess.run(['objdump', '-d', '-M', 'intel', '--no-show-raw-insn', '-w', path],
                       capture_output=True, text=True, check=True)
    out = []
    for line in r.stdout.splitlines():
        m = INSN.match(line)
        if m:
            out.append((int(m.group(1), 16), m.group(2).strip()))
    return out


def tag_uses(path, pe):
    """Calls to the pool routines and the tag immediates that feed them."""
    imps = pe.imports()
    insns = disasm(path)
    calls, tags, wrappers = [], {}, []
    call_re = re.compile(r'call\s+QWORD PTR \[rip\+0x[0-9a-f]+\]\s+#\s*0x([0-9a-f]+)')
    for i, (addr, text) in enumerate(insns):
        m = call_re.search(text)
        if not m:
            continue
        slot = int(m.group(1), 16)
        if slot not in imps or imps[slot][1] not in TAG_ARG:
            continue
        fn = imps[slot][1]
        where = TAG_ARG[fn]
        tag = None
        for j in range(i - 1, max(-1, i - 16), -1):
            t = insns[j][1]
            if t.startswith(('call', 'ret', 'jmp')):
                break
            if where.startswith('['):
                m2 = re.match(r'mov\s+DWORD PTR \[rsp\+(0x[0-9a-f]+)\],(0x[0-9a-f]+)$', t)
                if m2 and int(m2.group(1), 16) == int(where[5:-1], 16):
                    tag = int(m2.group(2), 16)
                    break
            else:
                m2 = re.match(r'mov\s+(\w+),(0x[0-9a-f]+)$', t)
                if m2 and m2.group(1) in (where, where.replace('d', '') if where == 'r8d'
                                          else where):
                    tag = int(m2.group(2), 16)
                    break
                if re.match(r'\w+\s+%s,' % where, t):  # set some other way
                    break
        calls.append({'at': '0x%x' % addr, 'routine': fn, 'tag': tag_text(tag) if tag else None})
        if tag and tag_text(tag):
            e = tags.setdefault(tag_text(tag), {'routines': set(), 'calls': 0})
            e['routines'].add(fn)
            e['calls'] += 1
        elif not tag and where in ('r8d', 'edx'):
            src = wrapper_arg(insns, i, where)
            if src:
                wrappers.append((addr, fn, src))
    # one level of wrapper: a function that passes its own argument register on as the Tag
    # (e.g. Alloc(size, tag) -> ExAllocatePoolWithTag(type, size, tag)); its callers load
    # the tag as an immediate into that register.
    targets = sorted({int(m.group(1), 16) for _, t in insns
                      for m in [re.match(r'call\s+0x([0-9a-f]+)$', t)] if m})
    for addr, fn, src in wrappers:
        starts = [t for t in targets if t <= addr and addr - t < 0x100]
        if not starts:
            continue
        func = starts[-1]
        for i, (a, t) in enumerate(insns):
            if not re.match(r'call\s+0x%x$' % func, t):
                continue
            for j in range(i - 1, max(-1, i - 16), -1):
                tj = insns[j][1]
                if tj.startswith(('call', 'ret', 'jmp')):
                    break
                m2 = re.match(r'mov\s+%s,(0x[0-9a-f]+)$' % src, tj)
                if m2:
                    v = tag_text(int(m2.group(1), 16))
                    if v:
                        e = tags.setdefault(v, {'routines': set(), 'calls': 0})
                        e['routines'].add(fn + ' via wrapper 0x%x' % func)
                        e['calls'] += 1
                    break
    return imps, calls, {k: {'routines': sorted(v['routines']), 'calls': v['calls']}
                         for k, v in sorted(tags.items())}


ARG_REGS = ('ecx', 'edx', 'r8d', 'r9d')


def wrapper_arg(insns, i, where):
    """The incoming argument register a pool call's Tag is copied from, if any."""
    for j in range(i - 1, max(-1, i - 16), -1):
        t = insns[j][1]
        m = re.match(r'mov\s+%s,(\w+)$' % where, t)
        if m:
            return m.group(1) if m.group(1) in ARG_REGS else None
    return where if where in ARG_REGS else None


def kmdf_tag(image_name):
    """KMDF's default pool tag for a client driver: the first four characters of its name,
    after a leading 'WDF' (any case); 2 characters or fewer -> the framework's own tag
    (microsoft/Windows-Driver-Frameworks src/framework/shared/core/fxdriver.cpp)."""
    stem = image_name.rsplit('.', 1)[0]
    if stem[:3].lower() == 'wdf':
        stem = stem[3:]
    return None if len(stem) <= 2 else stem[:4]


def pe_facts(path, name):
    data = open(path, 'rb').read()
    pe = PE(data)
    imps, calls, tags = tag_uses(path, pe) if pe.machine == 0x8664 else (pe.imports(), [], {})
    fns = {f for _, f in imps.values()}
    dlls = sorted({d.lower() for d, _ in imps.values()})
    kmdf = 'WdfVersionBind' in fns
    alloc = sorted(fns & ALLOCATORS)
    by_routine = {}
    for c in calls:
        r = by_routine.setdefault(c['routine'], {'calls': 0, 'with_immediate_tag': 0})
        r['calls'] += 1
        r['with_immediate_tag'] += c['tag'] is not None
    return {
        'kind': 'driver',
        'machine': '0x%x' % pe.machine,
        'timestamp': '0x%x' % pe.timestamp,
        'size_of_image': '0x%x' % pe.size_of_image,
        'image_key': '%08X%x' % (pe.timestamp, pe.size_of_image),
        'codeview': pe.codeview(),
        'import_dlls': dlls,
        'pool_imports': alloc,
        'kmdf': kmdf,
        'kmdf_derived_tag': kmdf_tag(name) if kmdf else None,
        'calls_to_pool_routines': by_routine,
        'immediate_tags': tags,
    }
