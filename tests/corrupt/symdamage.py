# SPDX-License-Identifier: MIT
"""Damaged symbol files for the corruption campaign: Volatility ISF (JSON edits, invalid UTF-8,
self-containing structs, addresses of -1 or 0.5, ...) and PDB (byte damage aimed at the MSF
superblock, the stream directory, the TPI/DBI headers, the type records of the structures the
analysis reads, the public symbols, and names).

Every mutation is a short token (no spaces) so that a reproducer is one line:
  isf.set=PATH:JSON      set the value at PATH ('/'-separated keys) to a JSON value
  isf.self=PATH          make the field at PATH (user_types/T/fields/F) of struct type T itself
  isf.loop=T1,T2         T1 gets a field of type T2 and T2 one of type T1 (by value)
  isf.del=PATH           delete the key at PATH
  isf.utf8=PATH:HEX      rename the last key of PATH: insert the raw bytes HEX after its first
                         character (invalid UTF-8 such as ff, c3, eda080, c080)
  isf.dup=PATH           write the object at PATH with its first key twice
  isf.deep=N             nest a field's type N levels deep in arrays
  isf.xz                 write the result xz-compressed (.json.xz) instead of plain JSON
  sym.flip@OFF:BIT / sym.write@OFF=HEX / sym.trunc@LEN
                         bytes of the symbol file (for an ISF: of the plain JSON text it is
                         written as, i.e. after the isf.* edits above)
"""
import json
import lzma
import struct

# The symbols and types the analysis reads (README: symbols), to aim at.
KEY_SYMBOLS = ["MiState", "MiSystemPartition", "PoolTrackTable", "PoolTrackTableSize",
               "ExPoolTagTables", "PoolBigPageTable", "PoolBigPageTableSize", "ExPoolState",
               "RtlpHpHeapGlobals", "ExPoolFailures", "PoolTrackTableExpansion",
               "PoolTrackTableExpansionSize", "ExpSessionPoolTrackTable", "KdDebuggerDataBlock",
               "NtBuildLab", "MmTotalCommittedPages", "MmAvailablePages",
               "NonPagedPoolDescriptor", "ExpPagedPoolDescriptor", "PsLoadedModuleList"]
KEY_TYPES = ["_MI_VISIBLE_STATE", "_MI_SYSTEM_INFORMATION", "_MI_PARTITION",
             "_MI_VISIBLE_PARTITION", "_MI_PARTITION_COMMIT", "_MI_POOL_STATE",
             "_MI_PAGED_POOL_INFO", "_MI_SYSTEM_PTE_INFO", "_POOL_TRACKER_TABLE",
             "_POOL_TRACKER_BIG_PAGES", "_EX_POOL_HEAP_MANAGER_STATE", "_SEGMENT_HEAP",
             "_HEAP_PAGE_SEGMENT", "_RTLP_HP_HEAP_GLOBALS", "_POOL_HEADER",
             "_HEAP_VS_SUBSEGMENT", "_HEAP_LFH_SUBSEGMENT", "_KLDR_DATA_TABLE_ENTRY"]
BAD_NUMBERS = [-1, 0.5, 2 ** 64, -(2 ** 63), 2 ** 63, 1e300, "0x10", None, True, [], {}]
BAD_UTF8 = ["ff", "c3", "eda080", "c080", "f8888080", "fe", "e282"]


# --- ISF -------------------------------------------------------------------------------------
def isf_load(path):
    data = open(path, "rb").read()
    if path.endswith(".xz"):
        data = lzma.decompress(data)
    return json.loads(data)


def _get(d, path):
    for k in path:
        d = d[k]
    return d


def _safe_get(d, path):
    try:
        return _get(d, path)
    except (KeyError, TypeError, IndexError):
        return None


def _split(path):
    return path.split("/")


def isf_random(rnd, isf):
    """One random semantic edit of the ISF (a token)."""
    syms = [s for s in KEY_SYMBOLS if s in isf.get("symbols", {})]
    types = [t for t in KEY_TYPES if t in isf.get("user_types", {})]
    kind = rnd.choice(["addr", "addr", "addr", "offset", "offset", "size", "self", "self",
                       "loop", "del", "utf8", "utf8", "utf8", "dup", "deep", "type", "base",
                       "meta", "count"])
    if kind == "addr" and syms:
        return "isf.set=symbols/%s/address:%s" % (rnd.choice(syms), _num(rnd))
    if kind in ("offset", "self", "type", "count") and types:
        t = rnd.choice(types)
        fields = sorted(isf["user_types"][t].get("fields", {}))
        if not fields:
            return "isf.set=user_types/%s/size:%s" % (t, _num(rnd))
        f = rnd.choice(fields)
        if kind == "offset":
            return "isf.set=user_types/%s/fields/%s/offset:%s" % (t, f, _num(rnd))
        if kind == "self":
            return "isf.self=user_types/%s/fields/%s" % (t, f)
        if kind == "count":
            return "isf.set=user_types/%s/fields/%s/type:%s" % (t, f, json.dumps(
                {"kind": "array", "count": rnd.choice([2 ** 40, -1, 0.5, 2 ** 31]),
                 "subtype": {"kind": "base", "name": "unsigned long long"}},
                separators=(",", ":")))
        return "isf.set=user_types/%s/fields/%s/type:%s" % (t, f, json.dumps(
            rnd.choice([{"kind": "struct", "name": "_NO_SUCH_TYPE"}, {"kind": "base"},
                        {"kind": "pointer"}, {"kind": "bitfield", "bit_position": 70,
                                              "bit_length": 9, "type": {"kind": "base",
                                                                        "name": "int"}},
                        {"kind": "enum", "name": "_NO_ENUM"}, "string", 7]),
            separators=(",", ":")))
    if kind == "size" and types:
        return "isf.set=user_types/%s/size:%s" % (rnd.choice(types), _num(rnd))
    if kind == "loop" and len(types) >= 2:
        a, b = rnd.sample(types, 2)
        return "isf.loop=%s,%s" % (a, b)
    if kind == "del":
        pick = rnd.choice([("symbols", syms), ("user_types", types)])
        if pick[1]:
            return "isf.del=%s/%s" % (pick[0], rnd.choice(pick[1]))
    if kind == "utf8":
        where = rnd.choice(["symbols", "user_types", "field", "meta"])
        if where == "symbols" and syms:
            p = "symbols/" + rnd.choice(syms)
        elif where == "user_types" and types:
            p = "user_types/" + rnd.choice(types)
        elif where == "field" and types:
            t = rnd.choice(types)
            fields = sorted(isf["user_types"][t].get("fields", {}))
            p = "user_types/%s/fields/%s" % (t, rnd.choice(fields)) if fields else \
                "user_types/" + t
        else:
            p = "metadata/windows/pdb/database"
        return "isf.utf8=%s:%s" % (p, rnd.choice(BAD_UTF8))
    if kind == "dup" and types:
        return "isf.dup=user_types/%s/fields" % rnd.choice(types)
    if kind == "deep":
        return "isf.deep=%d" % rnd.choice([200, 2000, 20000])
    if kind == "base":
        b = rnd.choice(sorted(isf.get("base_types", {})) or ["int"])
        return "isf.set=base_types/%s/size:%s" % (b, _num(rnd))
    if kind == "meta":
        return "isf.set=%s" % rnd.choice(["metadata/format:\"9.0.0\"", "metadata/format:6",
                                           "metadata/windows/pdb/age:-1",
                                           "metadata/windows/pdb/GUID:\"\"",
                                           "metadata:[]", "symbols:[]", "user_types:null"])
    return "isf.set=symbols/%s/address:-1" % (syms[0] if syms else "MiState")


def _num(rnd):
    return json.dumps(rnd.choice(BAD_NUMBERS), separators=(",", ":"))


def _isf_edit(isf, tok, raw_utf8, dups):
    op, _, arg = tok.partition("=")
    if op == "isf.set":
        path, _, val = arg.partition(":")
        p = _split(path)
        _get(isf, p[:-1])[p[-1]] = json.loads(val)
    elif op == "isf.self":
        p = _split(arg)
        _get(isf, p)["type"] = {"kind": "struct", "name": p[1]}
    elif op == "isf.loop":
        a, b = arg.split(",")
        _get(isf, ["user_types", a]).setdefault("fields", {})["LoopB"] = {
            "offset": 0, "type": {"kind": "struct", "name": b}}
        _get(isf, ["user_types", b]).setdefault("fields", {})["LoopA"] = {
            "offset": 0, "type": {"kind": "struct", "name": a}}
    elif op == "isf.del":
        p = _split(arg)
        _get(isf, p[:-1]).pop(p[-1], None)
    elif op == "isf.utf8":
        path, _, hx = arg.partition(":")
        p = _split(path)
        parent = _get(isf, p[:-1])
        marker = "\u2603%d\u2603" % len(raw_utf8)
        newkey = p[-1][:1] + marker + p[-1][1:]
        parent[newkey] = parent.pop(p[-1])
        raw_utf8.append((marker, bytes.fromhex(hx)))
    elif op == "isf.dup":
        dups.append(_split(arg))


def isf_apply(isf, tokens):
    """Apply isf.* tokens to a parsed ISF; returns (bytes of plain JSON, compress?)."""
    isf = json.loads(json.dumps(isf))
    raw_utf8 = []  # (marker, bytes)
    dups = []
    deep = None
    xz = False
    for tok in tokens:
        try:
            _isf_edit(isf, tok, raw_utf8, dups)
        except (KeyError, TypeError, IndexError, AttributeError, ValueError):
            pass  # an earlier edit removed what this one aims at: nothing to do
        if tok == "isf.xz":
            xz = True
        elif tok.startswith("isf.deep="):
            deep = int(tok[len("isf.deep="):])
    dups = [p for p in dups if isinstance(_safe_get(isf, p), dict) and _safe_get(isf, p)]
    for i, p in enumerate(dups):
        obj = _get(isf, p)
        if isinstance(obj, dict) and obj:
            k = sorted(obj)[0]
            obj["\u2604dup%d\u2604" % i] = obj[k]
    text = json.dumps(isf, sort_keys=True, separators=(",", ":")).encode()
    for marker, b in raw_utf8:
        text = text.replace(json.dumps(marker)[1:-1].encode(), b)
    for i, p in enumerate(dups):
        obj = _get(isf, p)
        if isinstance(obj, dict) and obj:
            k = sorted(k for k in obj if not k.startswith("\u2604"))[0]
            text = text.replace(json.dumps("\u2604dup%d\u2604" % i).encode(),
                                json.dumps(k).encode())
    if deep:
        nest = b"[" * deep + b"]" * deep
        text = text.replace(b'"user_types":{', b'"user_types":{"_DEEP":{"fields":{"a":{'
                            b'"offset":0,"type":' + nest + b'}},"kind":"struct","size":8},', 1)
    return text, xz


# --- PDB -------------------------------------------------------------------------------------
def _u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


class PdbMap:
    """Where the MSF superblock, directory and the streams' bytes are (file offsets)."""

    def __init__(self, data):
        self.data = data
        self.fields = {}
        bs = _u32(data, 0x20)
        self.bs = bs
        ndir = _u32(data, 0x2C)
        self.add("pdb-superblock", 0, 0x38, "MSF superblock")
        bmap = _u32(data, 0x34)
        nblk = (ndir + bs - 1) // bs
        self.add("pdb-directory", bmap * bs, 4 * nblk, "block map")
        dblocks = [_u32(data, bmap * bs + 4 * i) for i in range(nblk)]
        d = b"".join(data[b * bs:(b + 1) * bs] for b in dblocks)[:ndir]
        for b in dblocks:
            self.add("pdb-directory", b * bs, min(bs, ndir), "directory block")
        n = _u32(d, 0)
        sizes = [_u32(d, 4 + 4 * i) for i in range(n)]
        self.streams = []
        o = 4 + 4 * n
        for s in sizes:
            cnt = 0 if s == 0xFFFFFFFF else (s + bs - 1) // bs
            self.streams.append((s, [_u32(d, o + 4 * i) for i in range(cnt)]))
            o += 4 * cnt

    def add(self, target, off, n, label):
        if 0 <= off < len(self.data) and n > 0:
            self.fields.setdefault(target, []).append((off, min(n, len(self.data) - off), label))

    def stream(self, i):
        if i >= len(self.streams) or self.streams[i][0] == 0xFFFFFFFF:
            return b""
        s, blocks = self.streams[i]
        return b"".join(self.data[b * self.bs:(b + 1) * self.bs] for b in blocks)[:s]

    def soff(self, i, off):
        """File offset of byte @off of stream @i."""
        s, blocks = self.streams[i]
        return blocks[off // self.bs] * self.bs + off % self.bs

    def add_s(self, target, i, off, n, label):
        while n > 0:
            k = min(n, self.bs - off % self.bs)
            self.add(target, self.soff(i, off), k, label)
            off += k
            n -= k

    def targets(self):
        info = self.stream(1)
        self.add_s("pdb-info", 1, 0, min(len(info), 0x1C), "PDB info (version, age, GUID)")
        tpi = self.stream(2)
        if len(tpi) >= 56:
            self.add_s("pdb-tpi", 2, 0, 56, "TPI header")
            self._types(tpi)
        dbi = self.stream(3)
        if len(dbi) >= 64:
            self.add_s("pdb-dbi", 3, 0, 64, "DBI header")
            symrec = struct.unpack_from("<H", dbi, 20)[0]
            self._publics(symrec)
        return self.fields

    def _types(self, tpi):
        hs, ti0 = _u32(tpi, 4), _u32(tpi, 8)
        off, ti = hs, ti0
        recs = {}
        while off + 4 <= len(tpi):
            ln, leaf = struct.unpack_from("<HH", tpi, off)
            recs[ti] = (off, ln, leaf)
            off += 2 + ln
            ti += 1
        for ti, (off, ln, leaf) in recs.items():
            if leaf not in (0x1505, 0x1504, 0x1609):
                continue
            p = off + 4
            fl = _u32(tpi, p + 4)
            szo = p + (18 if leaf == 0x1609 else 16)
            name_off = szo + (2 if struct.unpack_from("<H", tpi, szo)[0] < 0x8000 else 6)
            name = tpi[name_off:tpi.index(b"\0", name_off)].decode("latin-1")
            if name not in KEY_TYPES:
                continue
            self.add_s("pdb-types", 2, szo, 2, "%s size" % name)
            self.add_s("pdb-types", 2, p + 4, 4, "%s field list TI" % name)
            self.add_s("pdb-names", 2, name_off, len(name), "%s name" % name)
            if fl in recs and recs[fl][2] == 0x1203:
                self._fieldlist(tpi, recs[fl], name, ti)

    def _fieldlist(self, tpi, rec, sname, sti):
        off, ln, _ = rec
        p, end = off + 4, off + 2 + ln
        self.self_ti = getattr(self, "self_ti", [])
        while p + 2 <= end:
            leaf = struct.unpack_from("<H", tpi, p)[0]
            if leaf >= 0xF0 and leaf & 0xFF >= 0xF0:
                p += leaf & 0xF
                continue
            if leaf != 0x150D:
                return
            tio = p + 4
            no = p + 8
            v = struct.unpack_from("<H", tpi, no)[0]
            nlen = 2 if v < 0x8000 else 2 + {0x8000: 1, 0x8001: 2, 0x8002: 2, 0x8003: 4,
                                             0x8004: 4, 0x8009: 8, 0x800A: 8}.get(v, 0)
            nm = no + nlen
            nm_end = tpi.index(b"\0", nm)
            fname = tpi[nm:nm_end].decode("latin-1")
            self.add_s("pdb-types", 2, tio, 4, "%s.%s type" % (sname, fname))
            self.add_s("pdb-types", 2, no, nlen, "%s.%s offset" % (sname, fname))
            self.add_s("pdb-names", 2, nm, len(fname), "%s.%s name" % (sname, fname))
            self.self_ti.append((self.soff(2, tio), sti))
            p = nm_end + 1
            while p < end and tpi[p] >= 0xF0:
                p += tpi[p] & 0xF

    def _publics(self, si):
        if si == 0xFFFF or si >= len(self.streams):
            return
        s = self.stream(si)
        off = 0
        while off + 4 <= len(s):
            ln, kind = struct.unpack_from("<HH", s, off)
            if kind in (0x110E, 0x110D, 0x110C) and off + 14 <= len(s):
                end = s.find(b"\0", off + 14)
                name = s[off + 14:end].decode("latin-1")
                if name.lstrip("_") in KEY_SYMBOLS or name in KEY_SYMBOLS:
                    self.add_s("pdb-publics", si, off + 8, 4, "%s offset" % name)
                    self.add_s("pdb-publics", si, off + 12, 2, "%s segment" % name)
                    self.add_s("pdb-names", si, off + 14, len(name), "%s name" % name)
            if ln < 2:
                break
            off += 2 + ln


def pdb_random(rnd, pm):
    """A byte-level token aimed at a PDB structure; or a self-containing member."""
    targets = pm.fields
    if getattr(pm, "self_ti", None) and rnd.random() < 0.12:
        off, ti = rnd.choice(pm.self_ti)
        return "pdb-types", "sym.write@0x%x=%s" % (off, struct.pack("<I", ti).hex())
    t = rnd.choice(sorted(targets))
    off, n, _ = rnd.choice(targets[t])
    r = rnd.random()
    if t == "pdb-names":
        pos = off + rnd.randrange(n)
        return t, "sym.write@0x%x=%s" % (pos, rnd.choice(BAD_UTF8))
    if r < 0.1:
        return t, "sym.trunc@0x%x" % (off + rnd.randrange(n + 1))
    if r < 0.55:
        pos = off + rnd.randrange(n)
        return t, "sym.flip@0x%x:%d" % (pos, rnd.randrange(8))
    pos = off + (rnd.randrange(max(1, n - 3)) & ~3 if n >= 4 else 0)
    v = rnd.choice([0, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 1, 2, 3, 7, 0x1000, 0xFFFF])
    return t, "sym.write@0x%x=%s" % (pos, struct.pack("<I", v).hex())
