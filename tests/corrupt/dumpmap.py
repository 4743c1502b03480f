# SPDX-License-Identifier: MIT
"""dumpmap: where each structure the parsers read lies in a dump FILE (file offsets), so the
corruption campaign can aim its damage.

A third reading of shared/reference/crashdump-format.md (and pool-internals.md for the pool
structures), written for this purpose only: it imports nothing from parsers/ nor from
fixtures/mkdump.py. What the generator's truth file says (tracker table, big-page table) is
used where it is given; everything else is found by following the same pointers a reader
follows (header -> KDBG -> variables -> tables), through the page tables.

DumpMap(path, truth, twin_header=None).targets() -> {name: [Field]}, Field = (file offset,
length, label). Containers: crash dump (PAGEDU64 / PAGEDUMP: run list, bitmap, RDMP, triage),
ELF core (PT_LOAD), raw image (offset = physical address); kdump-compressed files get their
headers only (pages are compressed).
"""
import bisect
import os
import struct

PAGE = 0x1000

# KDDEBUGGER_DATA64 fields (crashdump-format.md §4.2, pool-internals.md §4.2); x86 kernels use
# the same 64-bit layout with 32-bit values (§4.4).
KDBG_FIELDS = [
    (0x10, 4, "OwnerTag"), (0x14, 4, "Size"), (0x18, 8, "KernBase"),
    (0x48, 8, "PsLoadedModuleList"), (0x50, 8, "PsActiveProcessHead"),
    (0x68, 8, "ExpPagedPoolDescriptor"), (0x70, 8, "ExpNumberOfPagedPools"),
    (0x88, 8, "KiBugcheckData"), (0xC0, 8, "MmPfnDatabase"), (0xC8, 8, "MmSystemPtesStart"),
    (0xD0, 8, "MmSystemPtesEnd"), (0xF8, 8, "MmNumberOfPhysicalPages"),
    (0x100, 8, "MmMaximumNonPagedPoolInBytes"), (0x110, 8, "MmNonPagedPoolStart"),
    (0x118, 8, "MmNonPagedPoolEnd"), (0x120, 8, "MmPagedPoolStart"),
    (0x128, 8, "MmPagedPoolEnd"), (0x140, 8, "MmSizeOfPagedPoolInBytes"),
    (0x148, 8, "MmTotalCommitLimit"), (0x150, 8, "MmTotalCommittedPages"),
    (0x158, 8, "MmSharedCommit"), (0x160, 8, "MmDriverCommit"), (0x168, 8, "MmProcessCommit"),
    (0x170, 8, "MmPagedPoolCommit"), (0x1A8, 8, "MmAvailablePages"),
    (0x1B0, 8, "MmResidentAvailablePages"), (0x1B8, 8, "PoolTrackTable"),
    (0x1C0, 8, "NonPagedPoolDescriptor"), (0x208, 8, "NtBuildLab"),
    (0x218, 8, "KiProcessorBlock"), (0x238, 8, "MmSpecialPoolTag"),
    (0x250, 8, "MmAllocatedNonPagedPool"), (0x258, 8, "MmPeakCommitment"),
    (0x268, 8, "CmNtCSDVersion"),
]
# KDBG fields that hold the address of a variable whose value the analysis reads.
KDBG_VARS = ["MmNumberOfPhysicalPages", "MmMaximumNonPagedPoolInBytes",
             "MmSizeOfPagedPoolInBytes", "MmTotalCommitLimit", "MmTotalCommittedPages",
             "MmAvailablePages", "MmResidentAvailablePages", "MmAllocatedNonPagedPool",
             "MmPeakCommitment", "CmNtCSDVersion", "ExpNumberOfPagedPools",
             "MmSharedCommit", "MmDriverCommit", "MmProcessCommit", "MmPagedPoolCommit"]


def u(b, off, n):
    return int.from_bytes(b[off:off + n], "little")


def data_extents(path):
    """[(offset, length)] of the parts of a (sparse) file that hold data."""
    out = []
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        off = 0
        while off < size:
            try:
                d = os.lseek(fd, off, os.SEEK_DATA)
            except OSError:
                break
            h = os.lseek(fd, d, os.SEEK_HOLE)
            out.append((d, h - d))
            off = h
    finally:
        os.close(fd)
    return out


class DumpMap:
    def __init__(self, path, truth=None, twin_header=None):
        self.path = path
        self.truth = truth or {}
        self.size = os.path.getsize(path)
        self.f = open(path, "rb")
        self.fields = {}  # target name -> [(file offset, length, label)]
        self.ptw = []  # page-table entries used by the walks: (file offset, size)
        self.kind = None
        self.mode = None
        self.dtb = None
        self.runs = []  # (first pfn, count, file offset) sorted
        self.run_keys = []
        self.ps = 8
        head = self.read(0, 8)
        if head in (b"PAGEDU64", b"PAGEDUMP"):
            self._crash_dump(head == b"PAGEDU64")
        elif head[:4] == b"\x7fELF":
            self._elf(twin_header)
        elif head == b"KDUMP   ":
            self.kind = "kdump"
            self.add("container", 0, min(self.size, 0x2000), "kdump headers and bitmaps")
        else:
            self.kind = "raw"
            self.runs = [(0, self.size // PAGE, 0)]
            self._mode_from(twin_header)
        self.run_keys = [r[0] for r in self.runs]

    # --- bytes ----------------------------------------------------------------------------
    def read(self, off, n):
        self.f.seek(off)
        return self.f.read(n)

    def add(self, target, off, n, label):
        if off is None or n <= 0 or off >= self.size:
            return
        n = min(n, self.size - off)
        self.fields.setdefault(target, []).append((off, n, label))

    def pa2off(self, pa):
        pfn = pa >> 12
        i = bisect.bisect_right(self.run_keys, pfn) - 1
        if i < 0:
            return None
        b, c, fo = self.runs[i]
        if pfn >= b + c:
            return None
        off = fo + (pfn - b) * PAGE + (pa & 0xFFF)
        return off if off < self.size else None

    def read_pa(self, pa, n):
        off = self.pa2off(pa)
        if off is None:
            return None
        b = self.read(off, n)
        return b if len(b) == n else None

    def _entry(self, pa, n):
        off = self.pa2off(pa)
        if off is None:
            return None
        self.ptw.append((off, n))
        b = self.read(off, n)
        return u(b, 0, n) if len(b) == n else None

    def va2pa(self, va, record=False):
        mark = len(self.ptw)
        pa = self._walk(va)
        if not record:
            del self.ptw[mark:]
        return pa

    def _walk(self, va):
        if self.dtb is None:
            return None
        if self.mode == "x64":
            m = 0x000FFFFFFFFFF000
            t = self.dtb
            for lvl, shift in ((4, 39), (3, 30), (2, 21), (1, 12)):
                e = self._entry(t + ((va >> shift) & 0x1FF) * 8, 8)
                if e is None or not e & 1:
                    return None
                if lvl in (3, 2) and e & 0x80:
                    size = 1 << shift
                    return (e & m & ~(size - 1)) | (va & (size - 1))
                t = e & m
            return t | (va & 0xFFF)
        if self.mode == "pae":
            m = 0x000FFFFFFFFFF000
            e = self._entry((self.dtb & ~0x1F) + ((va >> 30) & 3) * 8, 8)
            if e is None or not e & 1:
                return None
            e = self._entry((e & m) + ((va >> 21) & 0x1FF) * 8, 8)
            if e is None or not e & 1:
                return None
            if e & 0x80:
                return (e & m & ~0x1FFFFF) | (va & 0x1FFFFF)
            e = self._entry((e & m) + ((va >> 12) & 0x1FF) * 8, 8)
            if e is None or not e & 1:
                return None
            return (e & m) | (va & 0xFFF)
        e = self._entry((self.dtb & ~0xFFF) + ((va >> 22) & 0x3FF) * 4, 4)
        if e is None or not e & 1:
            return None
        if e & 0x80:
            return (e & 0xFFC00000) | (va & 0x3FFFFF)
        e = self._entry((e & 0xFFFFF000) + ((va >> 12) & 0x3FF) * 4, 4)
        if e is None or not e & 1:
            return None
        return (e & 0xFFFFF000) | (va & 0xFFF)

    def va2off(self, va, record=False):
        pa = self.va2pa(va, record)
        return None if pa is None else self.pa2off(pa)

    def read_va(self, va, n):
        out = b""
        while n > 0:
            k = min(n, PAGE - (va & 0xFFF))
            off = self.va2off(va)
            if off is None:
                return None
            b = self.read(off, k)
            if len(b) != k:
                return None
            out += b
            va += k
            n -= k
        return out

    def ptr(self, va):
        b = self.read_va(va, self.ps)
        return None if b is None else u(b, 0, self.ps)

    def add_va(self, target, va, n, label, record=True):
        """Add [va, va+n) as file ranges (page by page)."""
        while n > 0:
            k = min(n, PAGE - (va & 0xFFF))
            self.add(target, self.va2off(va, record), k, label)
            va += k
            n -= k

    # --- containers -----------------------------------------------------------------------
    def _crash_dump(self, is64):
        self.kind = "crashdump"
        h = self.read(0, 0x2000 if is64 else 0x1000)
        self.header = h
        if is64:
            hs, self.mode, self.ps = 0x2000, "x64", 8
            self.dtb = u(h, 0x10, 8) & ~0xFFF
            self.kdbg_va, self.ncpu, self.dump_type = u(h, 0x80, 8), u(h, 0x34, 4), u(h, 0xF98, 4)
            for off, n, lab in ((0, 8, "Signature/ValidDump"), (8, 8, "Major/MinorVersion"),
                                (0x10, 8, "DirectoryTableBase"), (0x20, 8, "PsLoadedModuleList"),
                                (0x30, 4, "MachineImageType"), (0x34, 4, "NumberProcessors"),
                                (0x38, 4, "BugCheckCode"), (0x40, 32, "BugCheckParameters"),
                                (0x80, 8, "KdDebuggerDataBlock"), (0xF98, 4, "DumpType"),
                                (0xFA0, 8, "RequiredDumpSpace"), (0xFA8, 8, "SystemTime"),
                                (0x1030, 8, "SystemUpTime"), (0x1040, 4, "ProductType"),
                                (0x1050, 4, "Attributes"), (0x348, 0x100, "ContextRecord")):
                self.add("header", off, n, lab)
        else:
            hs, self.ps = 0x1000, 4
            self.mode = "pae" if h[0x5C] == 1 else "x86"
            self.dtb = u(h, 0x10, 4)
            self.kdbg_va, self.ncpu, self.dump_type = u(h, 0x60, 4), u(h, 0x24, 4), u(h, 0xF88, 4)
            for off, n, lab in ((0, 8, "Signature/ValidDump"), (8, 8, "Major/MinorVersion"),
                                (0x10, 4, "DirectoryTableBase"), (0x18, 4, "PsLoadedModuleList"),
                                (0x20, 4, "MachineImageType"), (0x24, 4, "NumberProcessors"),
                                (0x28, 4, "BugCheckCode"), (0x2C, 16, "BugCheckParameters"),
                                (0x5C, 1, "PaeEnabled"), (0x60, 4, "KdDebuggerDataBlock"),
                                (0x8A0, 4, "Attributes"), (0xF88, 4, "DumpType"),
                                (0xFA0, 8, "RequiredDumpSpace"), (0xFB8, 8, "SystemUpTime"),
                                (0xFC0, 8, "SystemTime")):
                self.add("header", off, n, lab)
        self.hs = hs
        dt = self.dump_type
        if dt == 1:
            base = 0x88 if is64 else 0x64
            if is64:
                nruns = u(h, base, 4)
                self.add("runs", base, 4, "NumberOfRuns")
                self.add("runs", base + 8, 8, "NumberOfPages")
                ent, first = 16, base + 0x10
            else:
                nruns = u(h, base, 4)
                self.add("runs", base, 4, "NumberOfRuns")
                self.add("runs", base + 4, 4, "NumberOfPages")
                ent, first = 8, base + 8
            off = hs
            for i in range(min(nruns, 43 if is64 else 86)):
                b = u(h, first + i * ent, ent // 2)
                c = u(h, first + i * ent + ent // 2, ent // 2)
                self.add("runs", first + i * ent, ent // 2, "Run[%d].BasePage" % i)
                self.add("runs", first + i * ent + ent // 2, ent // 2, "Run[%d].PageCount" % i)
                self.runs.append((b, c, off))
                off += c * PAGE
        elif dt in (5, 6):
            sub = self.read(hs, 0x38)
            first, present, nbits = u(sub, 0x20, 8), u(sub, 0x28, 8), u(sub, 0x30, 8)
            for o, n, lab in ((0, 8, "SDMP/FDMP DUMP"), (0x20, 8, "FirstPage"),
                              (0x28, 8, "TotalPresentPages"), (0x30, 8, "BitmapBits")):
                self.add("bitmap", hs + o, n, lab)
            nbytes = (min(nbits, 1 << 32) + 7) // 8
            bm = self.read(hs + 0x38, nbytes)
            self.add("bitmap", hs + 0x38, len(bm), "bitmap bits")
            off = first
            for i, byte in enumerate(bm):
                if not byte:
                    continue
                for bit in range(8):
                    if byte >> bit & 1:
                        pfn = i * 8 + bit
                        if self.runs and self.runs[-1][0] + self.runs[-1][1] == pfn:
                            b, c, fo = self.runs[-1]
                            self.runs[-1] = (b, c + 1, fo)
                        else:
                            self.runs.append((pfn, 1, off))
                        off += PAGE
        elif dt in (8, 9, 10):
            meta, first = u(self.read(0x2010, 8), 0, 8), u(self.read(0x2018, 8), 0, 8)
            for o, n, lab in ((0x2000, 4, "RDMP marker"), (0x2004, 8, "RDMPDUMP"),
                              (0x2010, 8, "MetadataSize"), (0x2018, 8, "FirstPageOffset"),
                              (0x2020, 4, "NumberOfRanges"), (0x2028, 8, "TotalNumberOfPages")):
                self.add("ranges", o, n, lab)
            nr = u(self.read(0x2020, 4), 0, 4) if dt == 10 else max(0, (meta - 0x10) // 16)
            off = first
            for i in range(min(nr, 4096)):
                b, c = struct.unpack("<QQ", self.read(0x2030 + 16 * i, 16))
                self.add("ranges", 0x2030 + 16 * i, 8, "Range[%d].FirstPfn" % i)
                self.add("ranges", 0x2038 + 16 * i, 8, "Range[%d].PageCount" % i)
                self.runs.append((b, c, off))
                off += c * PAGE
        elif dt == 4:
            self.add("triage", hs, min(self.size - hs, 0x400), "TRIAGE_DUMP header")
            self.add("triage", hs + 0x400, max(0, self.size - hs - 0x400), "triage data")
        self.runs.sort()

    def _elf(self, twin_header):
        self.kind = "elf"
        e = self.read(0, 64)
        is64 = e[4] == 2
        if is64:
            phoff, phentsize, phnum = u(e, 0x20, 8), u(e, 0x36, 2), u(e, 0x38, 2)
        else:
            phoff, phentsize, phnum = u(e, 0x1C, 4), u(e, 0x2A, 2), u(e, 0x2C, 2)
        self.add("container", 0, 64 if is64 else 52, "ELF header")
        for i in range(min(phnum, 4096)):
            p = self.read(phoff + i * phentsize, phentsize)
            self.add("container", phoff + i * phentsize, phentsize, "Phdr[%d]" % i)
            if is64:
                typ, off, paddr, filesz = u(p, 0, 4), u(p, 8, 8), u(p, 0x18, 8), u(p, 0x20, 8)
            else:
                typ, off, paddr, filesz = u(p, 0, 4), u(p, 4, 4), u(p, 0xC, 4), u(p, 0x10, 4)
            if typ == 1 and paddr % PAGE == 0 and off % PAGE == 0:
                self.runs.append((paddr >> 12, filesz // PAGE, off))
            elif typ == 4:
                self.add("container", off, min(filesz, 0x4000), "PT_NOTE")
        self.runs.sort()
        self._mode_from(twin_header)

    def _mode_from(self, twin_header):
        """Headerless inputs: the paging mode and DTB from the crash-dump twin's header."""
        if not twin_header:
            return
        h = twin_header
        if h[:8] == b"PAGEDU64":
            self.mode, self.ps, self.dtb = "x64", 8, u(h, 0x10, 8) & ~0xFFF
            self.kdbg_va, self.ncpu = u(h, 0x80, 8), u(h, 0x34, 4)
        elif h[:8] == b"PAGEDUMP":
            self.mode, self.ps = ("pae" if h[0x5C] == 1 else "x86"), 4
            self.dtb, self.kdbg_va, self.ncpu = u(h, 0x10, 4), u(h, 0x60, 4), u(h, 0x24, 4)

    # --- kernel structures ----------------------------------------------------------------
    def targets(self, isf=None):
        if self.dtb is not None and getattr(self, "kdbg_va", None):
            self._kernel(isf)
        if self.ptw:
            seen = set()
            for off, n in self.ptw:
                if off not in seen:
                    seen.add(off)
                    self.add("pagetables", off, n, "page-table entry")
        return self.fields

    def _kernel(self, isf):
        kd = self.kdbg_va
        hdr = self.read_va(kd, 0x18)
        if hdr is None or hdr[0x10:0x14] != b"KDBG":
            self.add_va("kdbg", kd, 0x340, "KDBG (encoded or absent)")
            return
        size = min(u(hdr, 0x14, 4), 0x1000)
        self.add_va("kdbg", kd, 0x18, "KDBG header")
        for off, n, lab in KDBG_FIELDS:
            if off + n <= size:
                self.add_va("kdbg", kd + off, n, "KDBG." + lab)
        vals = {lab: self.ptr(kd + off) for off, n, lab in KDBG_FIELDS
                if n == 8 and off + 8 <= size}
        bl = vals.get("NtBuildLab")
        if bl:
            self.add_va("ntbuildlab", kd + 0x208, self.ps, "KDBG.NtBuildLab pointer")
            self.add_va("ntbuildlab", bl, 48, "NtBuildLab string")
        for name in KDBG_VARS:
            if vals.get(name):
                self.add_va("kvars", vals[name], self.ps, name)
        kb = vals.get("KernBase")
        self.kernbase = kb
        self._kernel_image(kb)
        self._modules(vals.get("PsLoadedModuleList"))
        ptt = vals.get("PoolTrackTable")
        table0 = self.ptr(ptt) if ptt else None
        tr = self.truth.get("poolused", {}).get("tracker", {})
        if ptt:
            self.add_va("tracker-vars", ptt, self.ps, "PoolTrackTable")
            self.add_va("tracker-vars", ptt - self.ps, self.ps, "PoolTrackTableSize (before)")
        if table0 and tr.get("entries"):
            self._tracker(table0, tr["entries"], int(tr["entry_size"], 16))
        bt = self.truth.get("bigpool", {}).get("table", {})
        if bt.get("va"):
            self._bigtable(int(bt["va"], 16), bt["entries"], int(bt["entry_size"], 16))
        if isf is not None and kb:
            self._symbol_vars(isf, kb)

    def _kernel_image(self, kb):
        if not kb:
            return
        pe = self.read_va(kb, 0x400)
        if pe is None or pe[:2] != b"MZ":
            return
        lf = u(pe, 0x3C, 4)
        self.add_va("kernel-pe", kb, 0x40, "DOS header")
        if lf + 0x58 <= 0x400:
            self.add_va("kernel-pe", kb + lf, 0xF8, "PE headers")
            self.size_of_image = min(u(pe, lf + 0x50, 4), 0x4000000)
        else:
            self.size_of_image = 0x40000
        # the CodeView record (RSDS) somewhere in the first pages
        for pg in range(0, min(self.size_of_image, 0x10000), PAGE):
            b = self.read_va(kb + pg, PAGE)
            if b and b"RSDS" in b:
                i = b.index(b"RSDS")
                self.add_va("kernel-pe", kb + pg + i, 0x40, "CodeView RSDS")
                break

    def _modules(self, head):
        if not head:
            return
        esz = 0xA0 if self.ps == 8 else 0x50
        self.add_va("modules", head, 2 * self.ps, "PsLoadedModuleList head")
        e = self.ptr(head)
        seen = set()
        while e and e != head and e not in seen and len(seen) < 64:
            seen.add(e)
            self.add_va("modules", e, esz, "KLDR_DATA_TABLE_ENTRY")
            e = self.ptr(e)

    def _kernel_pages(self):
        kb = getattr(self, "kernbase", None)
        if not kb:
            return
        for pg in range(0, getattr(self, "size_of_image", 0x40000), PAGE):
            b = self.read_va(kb + pg, PAGE)
            if b:
                yield kb + pg, b

    def _tracker(self, table0, entries, stride):
        keys = []
        for i in range(entries):
            k = self.read_va(table0 + i * stride, 4)
            keys.append(u(k, 0, 4) if k else None)
        occupied = [i for i, k in enumerate(keys) if k]
        empty = [i for i, k in enumerate(keys) if k == 0]
        self.tracker_empty = []
        for i in occupied:
            self.add_va("tracker0", table0 + i * stride, stride, "entry %d (%08x)" % (i, keys[i]))
        for i in empty[:: max(1, len(empty) // 64)]:
            self.add_va("tracker-empty", table0 + i * stride, 4, "empty slot %d key" % i)
            off = self.va2off(table0 + i * stride)
            if off is not None:
                self.tracker_empty.append(off)
        # ExPoolTagTables: a pointer array in nt's image whose element 0 is table 0
        ncpu = getattr(self, "ncpu", 1)
        fmt = "<Q" if self.ps == 8 else "<I"
        for va, b in self._kernel_pages():
            for o in range(0, PAGE - self.ps + 1, self.ps):
                if struct.unpack_from(fmt, b, o)[0] != table0:
                    continue
                arr = self.read_va(va + o, self.ps * max(ncpu, 1))
                if arr is None:
                    continue
                ptrs = [u(arr, j * self.ps, self.ps) for j in range(len(arr) // self.ps)]
                if ncpu > 1 and (len(set(ptrs)) != len(ptrs) or 0 in ptrs):
                    continue
                self.add_va("tracker-vars", va + o, self.ps * len(ptrs), "ExPoolTagTables")
                for cpu, t in enumerate(ptrs[1:], 1):
                    for i in occupied:
                        self.add_va("tracker-cpu", t + i * stride, stride,
                                    "cpu %d entry %d" % (cpu, i))
                    for i in empty[:: max(1, len(empty) // 16)]:
                        off = self.va2off(t + i * stride)
                        if off is not None:
                            self.add("tracker-empty", off, 4,
                                     "cpu %d empty slot %d key" % (cpu, i))
                            self.tracker_empty.append(off)
                return

    def _bigtable(self, va, entries, stride):
        kofs = 8 if self.ps == 8 else 4
        for i in range(entries):
            e = self.read_va(va + i * stride, stride)
            if e is None:
                continue
            v = u(e, 0, self.ps)
            if v and not v & 1:
                self.add_va("bigpage", va + i * stride, stride,
                            "entry %d (%s)" % (i, e[kofs:kofs + 4].decode("latin-1")))
            elif v & 1 and i % 97 == 0:
                self.add_va("bigpage", va + i * stride, stride, "free entry %d" % i)
        fmt = "<Q" if self.ps == 8 else "<I"
        for kva, b in self._kernel_pages():
            for o in range(0, PAGE - self.ps + 1, self.ps):
                if struct.unpack_from(fmt, b, o)[0] == va:
                    self.add_va("bigpage-vars", kva + o, self.ps, "PoolBigPageTable")
                    for d in (-2, -1, 1, 2):
                        self.add_va("bigpage-vars", kva + o + d * self.ps, self.ps,
                                    "neighbour %+d (PoolBigPageTableSize?)" % d)

    def _symbol_vars(self, isf, kb):
        """The variables the symbols lead to (MiState, ExPoolState, ...), at their RVAs."""
        types = isf.get("user_types", {})
        for name, sym in sorted(isf.get("symbols", {}).items()):
            addr = sym.get("address")
            if not isinstance(addr, int) or not name.startswith(("Mi", "ExPool", "Rtlp", "Mm",
                                                                 "ExpSession", "PoolTrack")):
                continue
            t = sym.get("type", {})
            size = self.ps
            if isinstance(t, dict) and t.get("kind") == "struct":
                size = min(types.get(t.get("name"), {}).get("size", 0x100), 0x800)
            self.add_va("symbol-vars", kb + addr, size, name)
