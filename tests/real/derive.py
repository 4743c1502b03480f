#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write tests/real/expected/<file>.json for every corpus file present in DIR:

    derive.py DIR

The values are read from the files by the small independent readers beside this script
(derive_dump.py, derive_pe.py, derive_pooltag.py), by Debian's python3-pefile
(derive_version.py: link dates, version resources) and by LLVM's llvm-pdbutil and binutils'
objdump — never by poolmortem. Each file also records the published evidence that settles
what its bytes cannot (WinDbg/rizin output beside the dump, Microsoft's documentation).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import derive_dump  # noqa: E402
import derive_pdb  # noqa: E402
import derive_pe  # noqa: E402
import derive_pooltag  # noqa: E402
import derive_version  # noqa: E402
import sources  # noqa: E402

RIZIN_TESTDB = ('rizinorg/rizin test/db/formats/dmp/dmp @052e7481 ("Triage Dump Debug x64/arm64": '
                'iH header fields, bugcheck names, backtraces through pdb.ntkrnlmp and pdb.amdppm)')
EVIDENCE = {
    **{'ntkrnlmp-%s.json.xz' % b: {
        'facts': 'fixtures/facts/ntkrnlmp-x64.json (the same file, same SHA-256: its kernel %s)' % v,
        'imitated_by': 'the generator\'s real_kernel %s fixture (tests/realplace_check.py --real)'
                       % v}
       for b, v in (('2B2A15FA1FE2122BB1A39ED3572741D2-1', '10.0.19041.2364'),
                    ('BA02CB8F36DB1DACC5DB9F1ED97AAC96-1', '10.0.20348.2520'),
                    ('EF84DCF2B16BB881EBE4BD7C8FE7AA8E-1', '10.0.22000.1936'),
                    ('339E74133576439CBCDF7E0229DA3773-1', '6.1.7601.24540'))},
    'triage_x64.dmp': {
        'bugcheck_name': 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M: rizin prints this for 0x1000007e '
                         '(' + RIZIN_TESTDB + '); 0x7E in Microsoft\'s bug check reference; the '
                         '0x10000000 bit is the _M variant',
        'faulting_module': 'P2 0xfffff8048b58334c lies in amdppm.sys (base 0xfffff8048b580000, size '
                           '0x3b000): `cdb -z triage_x64.dmp -c "lm a fffff8048b58334c"` as quoted '
                           'by a public test that checks this file by its SHA-256; rizin\'s '
                           'backtrace shows pdb.amdppm.WriteIoMemRawEx+112 at that address',
        'kernel_image': 'the kernel resolves to ntkrnlmp.pdb (rizin backtrace frames '
                        'pdb.ntkrnlmp.*); its image is ntkrnlmp.exe installed as ntoskrnl.exe; '
                        'rizinorg/test-pdb-repository files the image under '
                        'ntoskrnl.exe/0d8333e61046000 = TimeDateStamp 0x0d8333e6 (driver entry '
                        '+0x88) + SizeOfImage 0x1046000; WinDbg names the module "nt"',
        'release': 'build 19041 is the kernel of Windows 10 2004, 20H2, 21H1, 21H2 and 22H2 '
                   '(releases 19042-19045 are enablement packages over the same kernel); the '
                   'dump header, the DumpBlob header (0xf0004a61) and the KDBG say 19041 only',
        'size': 'RequiredDumpSpace is the space the writer reserved (triage size + secondary '
                'data: the public videoport code sets it to TRIAGE_DUMP_SIZE + secondary size); '
                'the file is SizeOfDump bytes of TRIAGE_DUMP followed by DumpBlob secondary data '
                'that ends exactly at the end of the file (blobs_end_at_file_end)',
        'mm_units': 'DUMP_MM_STORAGE64 counters are pages: MI_TRIAGE_STORAGE is filled with '
                    'MmMaximumNonPagedPoolInBytes >> PAGE_SHIFT, MmAllocatedNonPagedPool (a '
                    'PFN_NUMBER), MmSizeOfPagedPoolInBytes >> PAGE_SHIFT, MmTotalCommittedPages '
                    '(a public copy of the NT mm triage source, MmWriteTriageInformation); the '
                    'debugger maps MmAllocatedNonPagedPool to KDBG.MmAllocatedNonPagedPool, a '
                    'page count. In THIS dump the block is Version 1, Size 0x50 and every '
                    'counter is 0, and MiniDumpFields lacks MMINFO (0x100): not filled',
    },
    'triage_arm64.dmp': {
        'bugcheck_name': 'MANUALLY_INITIATED_POWER_BUTTON_HOLD: rizin prints this for 0x1c8 (' +
                         RIZIN_TESTDB + '); Microsoft\'s bug check reference 0x1C8',
        'kernel_image': 'rizinorg/test-pdb-repository files this kernel as '
                        'ntoskrnl.exe/df291b09103e000 (TimeDateStamp 0xdf291b09, SizeOfImage '
                        '0x103e000); rizin\'s backtrace resolves through pdb.ntkrnlmp',
        'release': 'build 22000 is Windows 11 21H2 only',
        'size': 'as triage_x64.dmp: SizeOfDump + DumpBlob secondary data = the file; '
                'RequiredDumpSpace is larger (reserved space)',
        'mm_units': 'block present (Version 1, Size 0x50) but zeroed; MiniDumpFields lacks MMINFO',
    },
    'amdppm.pdb': {
        'ages': 'PDB-info age 3, DBI age 1, image (amdppm.sys RSDS) age 1, store key ...F31: '
                'Microsoft\'s rule (symbols.md §2.3): GUID equal, image age <= info age, DBI '
                'age == image age -> matches; the age that matched is the DBI age',
    },
    'user32.pdb': {
        'ages': 'PDB-info age 3, DBI age 2, store key ...792 (image age 2): matches through '
                'the DBI age, like amdppm.pdb',
    },
    'amdppm.sys': {
        'kmdf': 'imports WdfVersionBind (WDFLDR.SYS): a KMDF client; the framework tags its '
                'allocations for the driver with the first four characters of the driver name '
                '(microsoft/Windows-Driver-Frameworks src/framework/shared/core/fxdriver.cpp), '
                '"amdp", which appears nowhere in the image',
        'shared_tag': '"Prcr" is listed in pooltag.txt for processr.sys; amdppm.sys (the same '
                      'processor-driver code base) passes it as an immediate 167 times',
    },
    'Wdf01000.sys': {
        'wdk_tags': 'SeAl, SeSd, SeTs, PpRb, PpUc are immediates here and absent from '
                    'pooltag.txt; in this corpus they occur in no other driver, so the claim '
                    'that statically linked WDK code spreads them is not measured here',
    },
    'virtualstoragevss.sys': {
        'pool2': 'imports ExAllocatePool2 only (no ExAllocatePoolWithTag); its tags VPDO, VDis, '
                 'Vdcr are r8d immediates before those calls',
    },
}


ISF_SYMBOLS = ("PoolTrackTable", "PoolBigPageTable", "ExPoolTagTables", "MiState",
               "MiSystemPartition", "KdDebuggerDataBlock", "MiSystemPteInfo",
               "MiChargeCommitmentFailures", "MiSessionWsList")


def isf_facts(path):
    """A Volatility ISF (.json.xz), read with Python's lzma and json: the PDB identity and the
    RVAs of the globals the realplace fixtures place; the kernel's version from the facts
    table (fixtures/facts/, the same file by SHA-256)."""
    import hashlib
    import lzma
    isf = json.loads(lzma.open(path).read())
    pdb = isf["metadata"]["windows"]["pdb"]
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    facts = json.load(open(os.path.join(HERE, "..", "..", "fixtures", "facts",
                                        "ntkrnlmp-x64.json")))
    k = next(k for k in facts["kernels"] if k["sha256"] == sha)
    return {"kind": "isf", "kernel": k["version"], "guid": pdb["GUID"], "age": pdb["age"],
            "symbols": {n: isf["symbols"][n]["address"] for n in ISF_SYMBOLS
                        if n in isf["symbols"]}}


def linux_kdump_facts(path):
    """A kdump-compressed file written on Linux: its header's signature and the crashed
    kernel's utsname (sysname, release, machine: 65 bytes each from offset 12), read here from
    the bytes; poolmortem must say it is a Linux kernel dump (never 'truncated or damaged')."""
    h = open(path, 'rb').read(512)
    uts = [h[12 + 65 * i:12 + 65 * (i + 1)].split(b'\0')[0].decode('ascii') for i in range(6)]
    return {'kind': 'linux-kernel-dump', 'signature': h[:8].decode('ascii'),
            'header_version': int.from_bytes(h[8:12], 'little'),
            'sysname': uts[0], 'release': uts[2], 'machine': uts[4],
            'expect_exit': 3, 'expect_message': ['Linux kernel crash dump', uts[2], uts[4]],
            'expect_not': ['truncated or damaged']}


def derive(name, role, path):
    if role == 'dump':
        facts = derive_dump.dump_facts(path)
    elif role == 'not-a-kernel-dump':
        facts = {'kind': 'not-a-kernel-dump', 'signature': open(path, 'rb').read(4).decode(),
                 'expect_exit': 3, 'expect_message': ['MDMP', 'user-mode']}
    elif role == 'linux-kernel-dump':
        facts = linux_kdump_facts(path)
    elif role == 'pdb':
        facts = derive_pdb.pdb_facts(path)
    elif role in ('driver', 'image'):
        facts = derive_pe.pe_facts(path, name)
        facts.update(derive_version.version_facts(path))  # needs Debian's python3-pefile
    elif role == 'pooltag':
        facts = derive_pooltag.pooltag_facts(path)
    elif role == 'isf':
        facts = isf_facts(path)
    else:
        raise ValueError(role)
    facts['evidence'] = EVIDENCE.get(name, {})
    return facts


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    d = argv[1]
    out = os.path.join(HERE, 'expected')
    os.makedirs(out, exist_ok=True)
    for e in sources.load():
        p = os.path.join(d, e['name'])
        if sources.status(d, e) != 'present':
            print('skip %s (%s)' % (e['name'], sources.status(d, e)))
            continue
        facts = derive(e['name'], e['role'], p)
        facts = dict({'file': e['name'], 'sha256': e['sha256'], 'role': e['role']}, **facts)
        with open(os.path.join(out, e['name'] + '.json'), 'w') as f:
            json.dump(facts, f, indent=1, sort_keys=False)
            f.write('\n')
        print('wrote expected/%s.json' % e['name'])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
