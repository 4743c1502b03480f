# SPDX-License-Identifier: MIT
"""Expected values of a real crash dump, read here from the bytes, independently of poolmortem.

Layouts: crashdump-format.md §1.2 (DUMP_HEADER64), §2.6 (TRIAGE_DUMP64, DUMP_DRIVER_ENTRY64,
DUMP_STRING, DUMP_MM_STORAGE64, TRIAGE_DATA_BLOCK), §4.1 (KDBG header); secondary data after
the triage dump: DUMP_BLOB_FILE_HEADER {'Dump','Blob', HeaderSize, BuildNumber} then
DUMP_BLOB_HEADER {HeaderSize, GUID Tag, DataSize, PrePad, PostPad} + data, streamed to the end
(Singularity base/Windows/Inc/Dump.h, lastweek/source-singularity@2624cdf7).
"""
import datetime
import struct

MACHINES = {0x8664: 'x64', 0xAA64: 'arm64', 0x14C: 'x86'}
PAGE = 0x45474150
# Microsoft's bug check code reference (learn.microsoft.com, bug-check-code-reference2);
# 0x10000000 set = the same check raised through KeBugCheckEx's "_M" variant (WinDbg and
# rizin print the name with an _M suffix, e.g. SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M).
BUGCHECK_NAMES = {
    0x7E: 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED',
    0x1C8: 'MANUALLY_INITIATED_POWER_BUTTON_HOLD',
    0x4A: 'IRQL_GT_ZERO_AT_SYSTEM_SERVICE',
}
TRIAGE_FLAGS = {0x1: 'CONTEXT', 0x2: 'EXCEPTION', 0x4: 'PRCB', 0x8: 'PROCESS', 0x10: 'THREAD',
                0x20: 'STACK', 0x40: 'DRIVER_LIST', 0x80: 'BROKEN_DRIVER', 0x100: 'MMINFO',
                0x200: 'DATAPAGE', 0x400: 'DEBUGGER_DATA', 0x800: 'DATA_BLOCKS'}
KUSER_SHARED_DATA = 0xFFFFF78000000000


def u32(b, o):
    return struct.unpack_from('<I', b, o)[0]


def u64(b, o):
    return struct.unpack_from('<Q', b, o)[0]


def hx(v):
    return '0x%x' % v


def filetime(ft):
    t = datetime.datetime(1601, 1, 1) + datetime.timedelta(microseconds=ft // 10)
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')


def dump_string(b, off):
    n = u32(b, off)  # UTF-16 characters, without the NUL (§2.6, checked below by the NUL)
    s = b[off + 4:off + 4 + 2 * n].decode('utf-16-le')
    assert b[off + 4 + 2 * n:off + 6 + 2 * n] == b'\0\0', 'DUMP_STRING without its NUL'
    return s


def lm_name(path):
    """WinDbg's lm module name: the file's base name without extension; the kernel is 'nt'."""
    base = path.replace('/', '\\').split('\\')[-1]
    stem = base.rsplit('.', 1)[0]
    return 'nt' if base.lower() in ('ntoskrnl.exe', 'ntkrnlmp.exe', 'ntkrnlpa.exe',
                                    'ntkrpamp.exe') else stem


def drivers(b, t):
    lo, hi = t['StringPoolOffset'], t['StringPoolOffset'] + t['StringPoolSize']
    count, first = t['DriverCount'], t['DriverListOffset']
    for stride in (0x90, 0x98, 0xA0, 0xA8):
        ok = all(lo <= u32(b, first + i * stride) < hi and
                 u64(b, first + i * stride + 0x38) % 0x1000 == 0 for i in range(count))
        if ok:
            break
    else:
        raise ValueError('no driver-entry stride fits')
    mods = []
    for i in range(count):
        e = first + i * stride
        name = dump_string(b, u32(b, e))
        mods.append({'path': name, 'lm': lm_name(name), 'base': u64(b, e + 0x38),
                     'size': u32(b, e + 0x48), 'checksum': u32(b, e + 0x80),
                     'timestamp': u32(b, e + 0x88)})
    return stride, mods


def blobs(b, at):
    """Secondary dump data after the triage dump; returns (build field, blobs, end offset)."""
    if b[at:at + 8] != b'DumpBlob':
        return None, [], at
    hsize, build = u32(b, at + 8), u32(b, at + 12)
    o, out = at + hsize, []
    while o + 0x20 <= len(b):
        h = u32(b, o)
        guid = b[o + 4:o + 20]
        size, pre, post = u32(b, o + 20), u32(b, o + 24), u32(b, o + 28)
        if h != 0x20 or o + h + pre + size + post > len(b):
            break
        g = '%08X-%04X-%04X-%s-%s' % (struct.unpack_from('<IHH', guid) +
                                       (guid[8:10].hex().upper(), guid[10:].hex().upper()))
        out.append({'tag': g, 'offset': o, 'data_size': size, 'prepad': pre, 'postpad': post})
        o += h + pre + size + post
    return build, out, o


def dump_facts(path):
    b = open(path, 'rb').read()
    assert b[:8] == b'PAGEDU64', 'only 64-bit dumps in this corpus'
    h = {'signature': b[:8].decode(), 'major': u32(b, 8), 'build': u32(b, 0xC),
         'dtb': u64(b, 0x10), 'pfn_database': u64(b, 0x18), 'ps_loaded_module_list': u64(b, 0x20),
         'machine': u32(b, 0x30), 'processors': u32(b, 0x34), 'bugcheck': u32(b, 0x38),
         'params': [u64(b, 0x40 + 8 * i) for i in range(4)], 'kdbg_va': u64(b, 0x80),
         'dump_type': u32(b, 0xF98), 'required_dump_space': u64(b, 0xFA0),
         'system_time': u64(b, 0xFA8), 'uptime_100ns': u64(b, 0x1030),
         'minidump_fields': u32(b, 0x1038), 'product_type': u32(b, 0x1040),
         'suite_mask': u32(b, 0x1044), 'attributes': u32(b, 0x1050)}
    assert h['dump_type'] == 4, 'only triage dumps in this corpus'
    names = ['ServicePackBuild', 'SizeOfDump', 'ValidOffset', 'ContextOffset', 'ExceptionOffset',
             'MmOffset', 'UnloadedDriversOffset', 'PrcbOffset', 'ProcessOffset', 'ThreadOffset',
             'CallStackOffset', 'SizeOfCallStack', 'DriverListOffset', 'DriverCount',
             'StringPoolOffset', 'StringPoolSize', 'BrokenDriverOffset', 'TriageOptions']
    t = {n: u32(b, 0x2000 + 4 * i) for i, n in enumerate(names)}
    t.update(TopOfStack=u64(b, 0x2048), DebuggerDataOffset=u32(b, 0x2070),
             DebuggerDataSize=u32(b, 0x2074), DataBlocksOffset=u32(b, 0x2078),
             DataBlocksCount=u32(b, 0x207C))
    assert b[t['ValidOffset']:t['ValidOffset'] + 4] == b'TRGD'
    kd = t['DebuggerDataOffset']
    assert b[kd + 0x10:kd + 0x14] == b'KDBG'
    stride, mods = drivers(b, t)
    mm = t['MmOffset']
    mm_names = ['MmMaximumNonPagedPool', 'MmAllocatedNonPagedPool', 'PagedPoolMaximum',
                'PagedPoolAllocated', 'CommittedPages', 'CommittedPagesPeak', 'CommitLimitMaximum']
    mm_block = {'offset': mm, 'Version': u32(b, mm), 'Size': u32(b, mm + 4),
                'MmSpecialPoolTag': u32(b, mm + 8), 'MiTriageActionTaken': u32(b, mm + 12),
                'MmVerifyDriverLevel': u32(b, mm + 16), 'KernelVerifier': u32(b, mm + 20)}
    mm_block.update({n: u64(b, mm + 0x18 + 8 * i) for i, n in enumerate(mm_names)})
    blocks = [(u64(b, t['DataBlocksOffset'] + 16 * i), u32(b, t['DataBlocksOffset'] + 16 * i + 8),
               u32(b, t['DataBlocksOffset'] + 16 * i + 12)) for i in range(t['DataBlocksCount'])]
    kusd = [blk for blk in blocks if blk[0] <= KUSER_SHARED_DATA + 0x260 < blk[0] + blk[2]]
    blob_build, blob_list, blob_end = blobs(b, t['SizeOfDump'])
    code = h['bugcheck']
    name = BUGCHECK_NAMES.get(code & ~0x10000000)
    if name and code & 0x10000000:
        name += '_M'
    unl = t['UnloadedDriversOffset']
    kernel = mods[0]
    amdppm = [m for m in mods if m['lm'].lower() == 'amdppm']
    flags = h['minidump_fields']
    return {
        'kind': 'dump',
        'file_size': len(b),
        'signature': h['signature'],
        'dump_type': 4,
        'dump_type_name': 'DUMP_TYPE_TRIAGE',
        'arch': MACHINES[h['machine']],
        'machine': hx(h['machine']),
        'build': h['build'],
        'checked_build': h['major'] == 0xC,
        'product_type': h['product_type'],
        'suite_mask': hx(h['suite_mask']),
        'processors': h['processors'],
        'bugcheck': {'code': hx(code), 'name': name, 'params': [hx(p) for p in h['params']]},
        'system_time': filetime(h['system_time']),
        'uptime_seconds': h['uptime_100ns'] // 10**7,
        'directory_table_base': hx(h['dtb']),
        'kdbg': {'va': hx(h['kdbg_va']), 'in_dump': True, 'size': hx(u32(b, kd + 0x14)),
                 'copy_offset': hx(kd), 'kern_base': hx(u64(b, kd + 0x18)),
                 'ps_loaded_module_list': hx(u64(b, kd + 0x48))},
        'kernel_base': hx(u64(b, kd + 0x18)),
        'header_ps_loaded_module_list': hx(h['ps_loaded_module_list']),
        'triage': {
            'minidump_fields': hx(flags),
            'minidump_fields_set': [n for bit, n in sorted(TRIAGE_FLAGS.items()) if flags & bit],
            'size_of_dump': hx(t['SizeOfDump']), 'valid_offset': hx(t['ValidOffset']),
            'driver_count': t['DriverCount'], 'driver_entry_stride': hx(stride),
            'debugger_data_size': hx(t['DebuggerDataSize']),
            'data_blocks': t['DataBlocksCount'],
            'data_block_bytes': sum(blk[2] for blk in blocks),
            'kuser_shared_data_in_blocks': bool(kusd),
            'unloaded_drivers': u32(b, unl),
            'top_of_stack': hx(t['TopOfStack']),
        },
        'size_accounting': {
            'required_dump_space': hx(h['required_dump_space']),
            'size_of_dump': hx(t['SizeOfDump']),
            'file_size': hx(len(b)),
            'secondary_data_bytes': hx(len(b) - t['SizeOfDump']),
            'blob_file_build_field': hx(blob_build) if blob_build is not None else None,
            'blobs': len(blob_list),
            'blobs_end_at_file_end': blob_end == len(b),
            'blob_tags': sorted({x['tag'] for x in blob_list}),
            'required_minus_file': h['required_dump_space'] - len(b),
        },
        'mm_block': dict(mm_block, minidump_mminfo_flag=bool(flags & 0x100),
                         all_counters_zero=all(mm_block[n] == 0 for n in mm_names)),
        'modules': {
            'count': len(mods),
            'kernel': {'lm': kernel['lm'], 'file': kernel['path'].split('\\')[-1],
                       'base': hx(kernel['base']), 'size': hx(kernel['size']),
                       'timestamp': hx(kernel['timestamp']),
                       'image_key': '%08X%x' % (kernel['timestamp'], kernel['size'])},
            'first': [{'lm': m['lm'], 'path': m['path'], 'base': hx(m['base']),
                       'size': hx(m['size'])} for m in mods[:6]],
            'amdppm': [{'path': m['path'], 'base': hx(m['base']), 'size': hx(m['size']),
                        'timestamp': hx(m['timestamp'])} for m in amdppm],
            'all': [[m['path'], hx(m['base']), hx(m['size'])] for m in mods],
        },
    }
