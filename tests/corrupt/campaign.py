#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The corruption campaign: damage dumps, symbol files and archives the way a hostile input
would, run poolmortem on every damaged copy, and classify each run (see classify.py).

  campaign.py --pm BUILD_OR_BINARY [--fixtures DIR]... [--kernel-dir fixtures/kernel]
              [--seed N] [--budget N | --minutes M] [--jobs N] [--timeout S]
              [--phases dump,sym,both,archive,batch] [--containers]
              [--out DIR] [--allowlist FILE] [DUMP...]
  campaign.py --pm ... --fixtures DIR --replay 'RECORD'   # a JSON record, a repro string,
                                                          # or FILE.jsonl:LINE, or @FILE
                                                          # (reproducers, one a line)

Inputs are never modified: damaged copies are written under --scratch, and every input is
hashed before and after the campaign. Each bad-class run is written to OUT/records.jsonl with a
one-line reproducer ("repro"): SOURCE [sym=SYMFILE] TOKEN... :: COMMAND, where TOKEN is a
byte mutation of the dump (trunc@LEN, flip@OFF:BIT, write@OFF=HEX, stray@OFF=HEX), of the
symbol file (symdamage.py) or an archive form (archives.py), and COMMAND is info, analyze,
scan (analyze --scan), dt:TYPE or batch.
"""
import argparse
import concurrent.futures as cf
import glob
import hashlib
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import archives  # noqa: E402
import batchrun  # noqa: E402
import symdamage  # noqa: E402
from classify import BAD, CLASSES, classify  # noqa: E402
from dumpmap import DumpMap, data_extents  # noqa: E402

WRITE_VALUES = [0, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 1, 2, 3, 4, 7, 8, 0x10, 0x100, 0x1000]
# Header fields whose damage the tool cannot tell from a real value: a different verdict after
# such damage is a faithful reading (not "confident and wrong").
FAITHFUL_LABELS = {"BugCheckCode", "BugCheckParameters", "SystemTime", "SystemUpTime",
                   "ContextRecord", "ProductType"}
COMMANDS = {"info": ["info", "--json"], "analyze": ["analyze", "--json"],
            "scan": ["analyze", "--scan", "--json"]}


# --- environment ------------------------------------------------------------------------------
def find_poolmortem(arg):
    if os.path.isfile(arg) and os.access(arg, os.X_OK):
        return os.path.abspath(arg)
    hits = sorted(glob.glob(os.path.join(arg, "**", "poolmortem"), recursive=True))
    hits = [h for h in hits if os.path.isfile(h) and os.access(h, os.X_OK)]
    if not hits:
        sys.exit("campaign: no poolmortem binary under %s" % arg)
    return os.path.abspath(hits[0])


def is_sanitized(binary):
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


def run_env():
    env = {k: v for k, v in os.environ.items() if k != "_NT_SYMBOL_PATH"}
    env["ASAN_OPTIONS"] = ("detect_leaks=1:halt_on_error=1:allocator_may_return_null=0:"
                           "hard_rss_limit_mb=3072:handle_abort=1")
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=0"
    env["LC_ALL"] = "C"
    return env


def run(argv, timeout, cwd=None, env=None):
    t0 = time.time()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                         env=env, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        to = False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        to = True
    rc = p.returncode
    return {"rc": rc, "signal": -rc if rc < 0 and not to else 0, "timeout": to,
            "stdout": out, "stderr": err.decode("utf-8", "replace"), "secs": time.time() - t0}


def file_digest(path):
    """SHA-256 of a (sparse) file's size and data extents: cheap on 4 GB sparse dumps."""
    h = hashlib.sha256(str(os.path.getsize(path)).encode())
    with open(path, "rb") as f:
        for off, n in data_extents(path):
            h.update(b"@%d" % off)
            f.seek(off)
            while n > 0:
                b = f.read(min(n, 1 << 20))
                if not b:
                    break
                h.update(b)
                n -= len(b)
    return h.hexdigest()


def sparse_copy(src, dst, length=None):
    size = os.path.getsize(src)
    length = size if length is None else min(length, size)
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        for off, n in data_extents(src):
            if off >= length:
                break
            n = min(n, length - off)
            fo.seek(off)
            done = 0
            while done < n:
                try:
                    k = os.copy_file_range(fi.fileno(), fo.fileno(), n - done, off + done,
                                           off + done)
                except OSError:  # another file system, or no copy_file_range: by hand
                    k = 0
                if k <= 0:
                    fi.seek(off + done)
                    fo.seek(off + done)
                    fo.write(fi.read(n - done))
                    break
                done += k
        fo.truncate(length)


# --- sources ------------------------------------------------------------------------------------
class Source:
    def __init__(self, path, kdir):
        self.path = os.path.abspath(path)
        self.name = os.path.basename(path)
        tp = (path[:-4] if path.endswith(".dmp") else path) + ".truth.json"
        self.truth = json.load(open(tp)) if os.path.exists(tp) else {}
        self.size = os.path.getsize(path)
        # symbol files that belong to this dump: relative to the kernel dir, or "@NAME" for
        # the ISF the generator writes next to the dump (NAME.isf.json)
        self.syms = []
        s = self.truth.get("symbols")
        if s and kdir:
            for f in (s["pdb"], s["pdb"][:-4] + ".isf.json.xz"):
                if os.path.exists(os.path.join(kdir, s["dir"], f)):
                    self.syms.append(s["dir"] + "/" + f)
        base = self.name[:-4] if self.name.endswith(".dmp") else None
        if base and os.path.exists(os.path.join(os.path.dirname(self.path), base + ".isf.json")):
            self.syms.append("@" + base + ".isf.json")
        self.kdir = kdir
        self._targets = None
        self.lock = threading.Lock()

    def sym_file(self, rel):
        if rel.startswith("@"):
            return os.path.join(os.path.dirname(self.path), rel[1:])
        return os.path.join(self.kdir, rel)

    def twin_header(self):
        if self.name.endswith(".dmp"):
            return None
        base = self.name
        for cut in ("-raw", "-elf", "-kdump"):
            base = base.split(cut)[0]
        p = os.path.join(os.path.dirname(self.path), base + ".dmp")
        return open(p, "rb").read(0x2000) if os.path.exists(p) else None

    def targets(self):
        with self.lock:
            if self._targets is None:
                isf = None
                for s in self.syms:
                    if s.endswith((".xz", ".json")):
                        isf = symdamage.isf_load(self.sym_file(s))
                m = DumpMap(self.path, self.truth, self.twin_header())
                t = m.targets(isf)
                self.empty_slots = getattr(m, "tracker_empty", [])
                t["anywhere"] = [(o, n, "data") for o, n in data_extents(self.path)]
                self._targets = {k: v for k, v in t.items() if v}
                self.faithful = [(o, n) for o, n, lab in t.get("header", [])
                                 if lab in FAITHFUL_LABELS]
                # symbolic names, TARGET/LABEL#K: reproducers that survive a generator change
                self.names, self.where = {}, {}
                for tg, fields in self._targets.items():
                    seen = {}
                    for o, n, lab in fields:
                        lab = lab.replace(" ", "_")
                        k = seen[lab] = seen.get(lab, -1) + 1
                        name = "%s/%s#%d" % (tg, lab, k)
                        self.names.setdefault((tg, o), name)
                        self.where[name] = o
            return self._targets

    def sym_token(self, op, target, field_off, pos, rest=""):
        """op@TARGET/LABEL#K+DELTA[rest] for a byte at @pos in the field at @field_off."""
        return "%s@%s+0x%x%s" % (op, self.names[(target, field_off)], pos - field_off, rest)

    def resolve(self, tok):
        """A token with a symbolic place -> the same token with its file offset."""
        op, at, arg = tok.partition("@")
        if not at or op not in ("trunc", "flip", "write", "stray") or arg[:1].isdigit():
            return tok
        self.targets()
        rest = ""
        for sep in ("=", ":"):
            if sep in arg:
                arg, _, r = arg.rpartition(sep)
                rest = sep + r
                break
        name, _, delta = arg.rpartition("+")
        if name not in self.where:
            raise KeyError("%s: no structure %s in %s" % (tok, name, self.name))
        return "%s@0x%x%s" % (op, self.where[name] + int(delta, 0), rest)

    def is_faithful(self, tokens):
        """Every byte token lands in a field whose value cannot be checked."""
        self.targets()
        offs = []
        for tok in tokens:
            op, _, arg = tok.partition("@")
            if op in ("flip", "write", "stray"):
                offs.append(int(arg.split(":")[0].split("=")[0], 0))
            elif op == "trunc":
                return False
        return bool(offs) and all(any(o <= x < o + n for o, n in self.faithful) for x in offs)


# --- mutations ----------------------------------------------------------------------------------
def dump_tokens(rnd, src):
    """One seeded damage of a dump: (target, [token]), the place named symbolically."""
    t = src.targets()
    names = sorted(t)
    if src.empty_slots and rnd.random() < 0.1:
        off = rnd.choice(src.empty_slots)
        tag = rnd.choice([b"Leak", b"Pool", b"Even", b"ZZZZ", b"ab\0\0", bytes([0x41, 0, 0, 0]),
                          bytes(rnd.randrange(0x20, 0x7F) for _ in range(4))])
        return "tracker-empty", [src.sym_token("stray", "tracker-empty", off, off,
                                               "=" + tag.hex())]
    target = rnd.choice(names)
    off, n, _ = rnd.choice(t[target])
    r = rnd.random()
    if r < 0.15:
        pos = rnd.choice([off, off + n, off + rnd.randrange(n + 1), off & ~0xFFF,
                          rnd.randrange(src.size + 1)])
        pos = min(pos, src.size)
        if pos < off:
            return target, ["trunc@0x%x" % pos]
        return target, [src.sym_token("trunc", target, off, pos)]
    if r < 0.6:
        return target, [src.sym_token("flip", target, off, off + rnd.randrange(n),
                                      ":%d" % rnd.randrange(8))]
    pos = off + (rnd.randrange(max(1, n - 3)) if n > 4 else 0)
    if n >= 4 and rnd.random() < 0.6:
        pos = off + (rnd.randrange(n // 4) * 4 if n >= 8 else 0)
    v = rnd.choice(WRITE_VALUES)
    return target, [src.sym_token("write", target, off, pos,
                                  "=" + v.to_bytes(4, "little").hex())]


def isf_target(tok):
    """isf.set=symbols/X/address:-1 -> isf-address; isf.self=... -> isf-self; ..."""
    op, _, arg = tok.partition("=")
    if op != "isf.set":
        return "isf-" + op[4:]
    path = arg.split(":")[0].split("/")
    if path[0] == "symbols":
        return "isf-address"
    if path[0] == "user_types":
        return "isf-" + (path[-1] if path[-1] in ("offset", "type", "size") else "type")
    return "isf-" + path[0]


def apply_bytes(path, tokens, prefix=""):
    """Apply trunc/flip/write/stray tokens (with @prefix) to the file at @path in place;
    return the undo list [(offset, old bytes)] and the truncation length or None."""
    undo, trunc = [], None
    with open(path, "r+b") as f:
        for tok in tokens:
            if not tok.startswith(prefix):
                continue
            op, _, arg = tok[len(prefix):].partition("@")
            if op == "trunc":
                trunc = int(arg, 0)
            elif op == "flip":
                o, b = arg.split(":")
                o = int(o, 0)
                f.seek(o)
                old = f.read(1)
                if old:
                    undo.append((o, old))
                    f.seek(o)
                    f.write(bytes([old[0] ^ (1 << int(b))]))
            elif op in ("write", "stray"):
                o, h = arg.split("=")
                o, new = int(o, 0), bytes.fromhex(h)
                f.seek(o)
                old = f.read(len(new))
                undo.append((o, old))
                f.seek(o)
                f.write(new[:len(old)])
    return undo, trunc


def undo_bytes(path, undo):
    with open(path, "r+b") as f:
        for o, old in reversed(undo):
            f.seek(o)
            f.write(old)


def parse_repro(s):
    left, _, cmd = s.partition(" :: ")
    parts = left.split()
    rep = {"source": parts[0], "sym": None, "tokens": [], "cmd": cmd.strip()}
    for p in parts[1:]:
        if p.startswith("sym="):
            rep["sym"] = p[4:]
        else:
            rep["tokens"].append(p)
    return rep


def make_repro(source, sym, tokens, cmd):
    return " ".join([source] + (["sym=" + sym] if sym else []) + tokens) + " :: " + cmd


# --- the campaign -------------------------------------------------------------------------------
class Campaign:
    def __init__(self, a):
        self.a = a
        self.pm = find_poolmortem(a.pm)
        self.sanitized = is_sanitized(self.pm)
        self.env = run_env()
        self.kdir = os.path.abspath(a.kernel_dir) if a.kernel_dir else None
        self.scratch = a.scratch or tempfile.mkdtemp(prefix="pm-corrupt-")
        os.makedirs(self.scratch, exist_ok=True)
        paths = list(a.dumps)
        for d in a.fixtures or []:
            paths += sorted(glob.glob(os.path.join(d, "*.dmp")))
            if a.containers:
                paths += sorted(glob.glob(os.path.join(d, "*.raw")) +
                                glob.glob(os.path.join(d, "*.elf")) +
                                glob.glob(os.path.join(d, "*.kdump")))
        self.sources = {}
        for p in paths:
            s = Source(p, self.kdir)
            self.sources.setdefault(s.name, s)
        self.twins = {}
        self.twin_lock = threading.Lock()
        self.local = threading.local()
        self.counts = {}
        self.records = []
        self.lock = threading.Lock()
        self.runs = 0
        self.harness_errors = []

    # inputs -------------------------------------------------------------------------------
    def sym_path(self, rel):
        if rel.startswith("@"):  # generated next to the dumps
            for d in self.a.fixtures or [os.path.dirname(s.path) for s in self.sources.values()]:
                if os.path.exists(os.path.join(d, rel[1:])):
                    return os.path.abspath(os.path.join(d, rel[1:]))
        return os.path.join(self.kdir, rel)

    def workdir(self):
        w = getattr(self.local, "dir", None)
        if w is None:
            w = tempfile.mkdtemp(prefix="w", dir=self.scratch)
            self.local.dir = w
            self.local.bases = {}
        return w

    def base_copy(self, src):
        """This worker's private copy of @src, damaged in place and restored after each run."""
        w = self.workdir()
        b = self.local.bases.get(src.name)
        if b is None:
            b = os.path.join(w, "base", src.name)
            os.makedirs(os.path.dirname(b), exist_ok=True)
            sparse_copy(src.path, b)
            self.local.bases[src.name] = b
        return b

    def command(self, cmd, target, sym):
        if cmd.startswith("dt:"):
            return ["dt", "--json", sym, cmd[3:]]
        if cmd == "batch":
            return ["batch", "--jobs", "1", "--no-progress", target]
        argv = list(COMMANDS[cmd])
        if sym:
            argv[1:1] = ["--symbols", sym]
        return argv + [target]

    def twin(self, src, sym, cmd):
        key = (src.name, sym, cmd)
        with self.twin_lock:
            ev = self.twins.get(key)
            if ev is None:
                ev = self.twins[key] = [threading.Event(), None]
                mine = True
            else:
                mine = False
        if mine:
            argv = [self.pm] + self.command(cmd, src.path, self.sym_path(sym) if sym else None)
            r = run(argv, self.a.timeout, env=self.env)
            rep = None
            try:
                rep = json.loads(r["stdout"].decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                pass
            ev[1] = (r["rc"], rep)
            ev[0].set()
        ev[0].wait()
        return ev[1]

    # one damaged input --------------------------------------------------------------------
    def execute(self, src, sym, tokens, cmds, target, seed_info):
        """Materialise the damaged input, run each command, classify."""
        w = self.workdir()
        dump_toks = [src.resolve(t) for t in tokens
                     if t.split("@")[0] in ("trunc", "flip", "write", "stray")]
        sym_toks = [t for t in tokens if t.startswith(("isf.", "sym."))]
        arc_toks = [t for t in tokens if t.startswith(("gz", "zip", "arc."))]
        undo, base, damaged = [], None, []
        dump = src.path
        valid = False
        faithful = bool(dump_toks) and not sym_toks and src.is_faithful(dump_toks)
        try:
            if dump_toks:
                base = self.base_copy(src)
                undo, trunc = apply_bytes(base, dump_toks)
                dump = base
                if trunc is not None:
                    dump = os.path.join(w, "cut", src.name)
                    os.makedirs(os.path.dirname(dump), exist_ok=True)
                    sparse_copy(base, dump, trunc)
                damaged.append(src.name)
            sympath = self.sym_path(sym) if sym else None
            symdir = None
            if sym_toks:
                sympath, symdir = self.damaged_symbols(w, src, sym, sym_toks)
                damaged.append(os.path.basename(sympath))
            members = None
            if arc_toks:
                dump, members = self.archive(w, src, dump, arc_toks)
                damaged.append(os.path.basename(dump.split("::")[0]))
                valid = archives.is_valid(arc_toks)
            for cmd in cmds:
                target_path = dump
                if cmd == "batch":
                    target_path = dump.split("::")[0]
                argv = [self.pm] + self.command(
                    cmd, target_path, symdir if symdir and not cmd.startswith("dt:")
                    else sympath)
                res = run(argv, self.a.timeout, cwd=w, env=self.env)
                twin = self.twin(src, sym, cmd) if cmd != "batch" else None
                if cmd == "batch":
                    cls, detail = batchrun.judge_archive_batch(res, members, not valid)
                else:
                    cls, detail, _ = classify(res, True, damaged, twin, valid, faithful,
                                              symbols_given=bool(sym))
                self.note(src, sym, tokens, cmd, target, argv, res, cls, detail, seed_info)
        finally:
            if undo:
                undo_bytes(base, undo)

    def damaged_symbols(self, w, dsrc, sym, toks):
        """The damaged symbol file; with sym.dir also a folder holding it where a symbol
        path finds it (flat for a PDB, a Volatility tree for an ISF): (file, folder)."""
        src = self.sym_path(sym)
        isf_toks = [t for t in toks if t.startswith("isf.")]
        d = os.path.join(w, "sym")
        os.makedirs(d, exist_ok=True)
        name = os.path.basename(sym).lstrip("@")
        if sym.endswith((".json.xz", ".json")):
            text, xz = symdamage.isf_apply(symdamage.isf_load(src), isf_toks)
            name = name.replace(".json.xz", ".json")
            out = os.path.join(d, name)
            open(out, "wb").write(text)
        else:
            out = os.path.join(d, name)
            shutil.copyfile(src, out)
            xz = False
        undo, trunc = apply_bytes(out, toks, "sym.")
        if trunc is not None:
            os.truncate(out, trunc)
        if xz:
            import lzma
            data = open(out, "rb").read()
            os.unlink(out)
            out += ".xz"
            open(out, "wb").write(lzma.compress(data))
        if "sym.dir" not in toks:
            return out, None
        sd = os.path.join(w, "symdir")
        shutil.rmtree(sd, ignore_errors=True)
        t = dsrc.truth.get("symbols", {})
        if not t and not sym.endswith(".pdb"):  # the identity from the ISF itself
            md = symdamage.isf_load(src).get("metadata", {}).get("windows", {}).get("pdb", {})
            t = {"pdb": md.get("database"), "guid": md.get("GUID", ""), "age": md.get("age", 1)}
        if sym.endswith(".pdb"):
            where = os.path.join(sd, os.path.basename(sym))
        else:
            where = os.path.join(sd, "windows", t.get("pdb", "ntkrnlmp.pdb"), "%s-%d.json%s" % (
                t.get("guid", "").replace("-", ""), t.get("age", 1),
                ".xz" if out.endswith(".xz") else ""))
        os.makedirs(os.path.dirname(where))
        shutil.copyfile(out, where)
        return out, sd

    def archive(self, w, src, dump, toks):
        with open(dump, "rb") as f:
            data = f.read()
        arc, kind, names = archives.build(toks, data)
        d = os.path.join(w, "arc")
        os.makedirs(d, exist_ok=True)
        base = src.name[:-4] if src.name.endswith(".dmp") else src.name
        if kind == "gz":
            p = os.path.join(d, src.name + ".gz")
            open(p, "wb").write(arc)
            return p, None
        p = os.path.join(d, base + ".zip")
        open(p, "wb").write(arc)
        first = names[0].decode("utf-8", "surrogateescape") if names else ""
        return p + "::" + first, names

    def note(self, src, sym, tokens, cmd, target, argv, res, cls, detail, seed_info):
        first = next((l for l in res["stderr"].splitlines() if l.strip()), "")
        try:
            offsets = [src.resolve(t) for t in tokens]
        except (AttributeError, KeyError):
            offsets = tokens
        rec = {"class": cls, "detail": detail, "repro": make_repro(src.name, sym, tokens, cmd),
               "at": " ".join(t for t, o in zip(offsets, tokens) if t != o),
               "source": src.path, "target": target, "tokens": tokens, "command": cmd,
               "argv": [os.path.basename(argv[0])] + argv[1:], "exit": res["rc"],
               "signal": res["signal"], "stderr": first[:400], "seed": seed_info[0],
               "index": seed_info[1], "secs": round(res["secs"], 3)}
        with self.lock:
            self.runs += 1
            key = (cls, target)
            self.counts[key] = self.counts.get(key, 0) + 1
            if cls in BAD:
                self.records.append(rec)
                if self.a.out:
                    with open(os.path.join(self.a.out, "records.jsonl"), "a") as f:
                        f.write(json.dumps(rec) + "\n")
            if self.a.verbose or (cls in BAD and not self.a.quiet):
                print("%-16s %-14s %s  [%s]" % (cls, target, rec["repro"], detail[:120]),
                      flush=True)
            if self.a.verbose:
                print("    exit %s, stderr: %s" % (res["rc"], first), flush=True)

    # the plan -----------------------------------------------------------------------------
    def plan(self, i):
        """The @i-th damaged input of this seed (deterministic)."""
        rnd = random.Random("%d:%d" % (self.a.seed, i))
        phases = [p for p in self.a.phases.split(",")]
        weights = {"dump": 60, "sym": 20, "both": 5, "archive": 12, "batch": 3}
        srcs = sorted(self.sources.values(), key=lambda s: s.name)
        with_syms = [s for s in srcs if s.syms]
        if not with_syms:
            phases = [p for p in phases if p not in ("sym", "both")]
        small = [s for s in srcs if s.size <= 64 << 20 and s.name.endswith(".dmp")]
        if not small:
            phases = [p for p in phases if p not in ("archive", "batch")]
        ph = rnd.choices(phases, [weights[p] for p in phases])[0]
        if ph == "batch":
            return ("batch", None, None, [batchrun.random_token(rnd)], ["batch"], "batch")
        if ph == "archive":
            s = rnd.choice(small)
            toks = archives.random_tokens(rnd, s.size)
            cmds = ["info", "analyze"] + (["batch"] if toks[0].startswith("zip") else [])
            kind = toks[0].split("@")[0].split("=")[0]
            kind = {"zip.names": "zip.name"}.get(kind, kind)
            if any(t.startswith("arc.") for t in toks):
                kind += "+damage"
            return ("archive", s, None, toks, cmds, kind)
        if ph in ("sym", "both"):
            s = rnd.choice(with_syms)
            sym = rnd.choice(s.syms)
            if sym.endswith(".pdb"):
                pm = self.pdbmap(sym)
                target, tok = symdamage.pdb_random(rnd, pm)
                toks = [tok]
            else:
                isf = self.isf(sym)
                toks = [symdamage.isf_random(rnd, isf)]
                if rnd.random() < 0.15:
                    toks.append(symdamage.isf_random(rnd, isf))
                if rnd.random() < 0.2:
                    toks.append("isf.xz")
                target = isf_target(toks[0])
            cmds = ["analyze", "scan"]
            if rnd.random() < 0.25:
                toks.append("sym.dir")
            if rnd.random() < 0.2:
                cmds.append("dt:" + rnd.choice(symdamage.KEY_TYPES[:9]))
            if ph == "both":
                t2, dt = dump_tokens(rnd, s)
                toks = dt + toks
                target = target + "+dump"
            return (ph, s, sym, toks, cmds, target)
        s = rnd.choice(srcs)
        target, toks = dump_tokens(rnd, s)
        cmds = ["info", "analyze", "scan"]
        sym = None
        if s.syms and rnd.random() < 0.5:
            sym = rnd.choice(s.syms)
            cmds = ["analyze", "scan"]
        return ("dump", s, sym, toks, cmds, target)

    def pdbmap(self, sym):
        with self.twin_lock:
            cache = self.__dict__.setdefault("_pdbmaps", {})
            if sym not in cache:
                pm = symdamage.PdbMap(open(self.sym_path(sym), "rb").read())
                pm.targets()
                cache[sym] = pm
            return cache[sym]

    def isf(self, sym):
        with self.twin_lock:
            cache = self.__dict__.setdefault("_isfs", {})
            if sym not in cache:
                cache[sym] = symdamage.isf_load(self.sym_path(sym))
            return cache[sym]

    def one(self, i):
        try:
            self.one_(i)
        except Exception:  # a defect of the campaign itself: counted, and the test fails
            import traceback
            with self.lock:
                self.harness_errors.append("input %d: %s" % (i, traceback.format_exc()))
            print("campaign: harness error on input %d:\n%s" % (i, traceback.format_exc()),
                  file=sys.stderr, flush=True)

    def one_(self, i):
        ph, s, sym, toks, cmds, target = self.plan(i)
        if ph == "batch":
            srcs = sorted((x for x in self.sources.values() if x.size <= 64 << 20
                           and x.name.endswith(".dmp")), key=lambda x: x.name)
            for cls, detail, res, argv in batchrun.scenario(self, toks[0], srcs,
                                                             self.workdir()):
                fake = Source.__new__(Source)
                fake.name, fake.path = "batch", ""
                self.note(fake, None, toks, "batch", "batch", argv, res, cls, detail,
                          (self.a.seed, i))
            return
        self.execute(s, sym, toks, cmds, target, (self.a.seed, i))

    def main(self):
        a = self.a
        if a.out:
            os.makedirs(a.out, exist_ok=True)
            open(os.path.join(a.out, "records.jsonl"), "w").close()
        inputs = [s.path for s in self.sources.values()]
        if self.kdir:
            inputs += sorted(glob.glob(os.path.join(self.kdir, "*", "*.pdb")) +
                             glob.glob(os.path.join(self.kdir, "*", "*.json.xz")))
        inputs += sorted({self.sym_path(y) for s in self.sources.values() for y in s.syms
                          if y.startswith("@")})
        before = {p: file_digest(p) for p in inputs}
        t0 = time.time()
        deadline = t0 + a.minutes * 60 if a.minutes else None
        n = a.budget if a.budget else 10 ** 9
        with cf.ThreadPoolExecutor(a.jobs) as ex:
            futs = set()
            i = 0
            last = t0
            while i < n and (deadline is None or time.time() < deadline):
                if a.minutes and time.time() - last >= 60:
                    last = time.time()
                    print("[%.0f min] %d damaged inputs, %d runs, %d bad" % (
                        (last - t0) / 60, i, self.runs, len(self.records)),
                        file=sys.stderr, flush=True)
                while len(futs) >= 2 * a.jobs:
                    done, futs = cf.wait(futs, return_when=cf.FIRST_COMPLETED)
                    for f in done:
                        f.result()
                futs.add(ex.submit(self.one, i))
                i += 1
            for f in cf.as_completed(futs):
                f.result()
        after = {p: file_digest(p) for p in inputs}
        changed = [p for p in inputs if before[p] != after[p]]
        self.report(i, time.time() - t0, changed)
        return self.verdict(changed)

    def cleanup(self):
        """Remove the damaged copies (the whole scratch folder if it was ours)."""
        if self.a.keep_scratch:
            return
        if self.a.scratch:
            for d in glob.glob(os.path.join(self.scratch, "w*")):
                shutil.rmtree(d, ignore_errors=True)
        else:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def report(self, n, secs, changed):
        a = self.a
        targets = sorted({t for _, t in self.counts})
        by_class = {c: sum(v for (k, _), v in self.counts.items() if k == c) for c in CLASSES}
        lines = ["corruption campaign: %d damaged inputs, %d runs in %.0f s (%s, %s build), "
                 "seed %d" % (n, self.runs, secs, os.path.basename(self.pm),
                              "ASan+UBSan" if self.sanitized else "plain", a.seed),
                 "inputs modified: %d" % len(changed), ""]
        used = [c for c in CLASSES if by_class[c]] or ["ok"]
        w = max([len(t) for t in targets] + [8])
        lines.append("%-*s " % (w, "target") + " ".join("%*s" % (max(len(c), 5), c)
                                                      for c in used))
        for t in targets + ["TOTAL"]:
            row = [by_class[c] if t == "TOTAL" else self.counts.get((c, t), 0) for c in used]
            lines.append("%-*s " % (w, t) + " ".join("%*d" % (max(len(c), 5), v)
                                                  for c, v in zip(used, row)))
        text = "\n".join(lines)
        print(text, flush=True)
        if a.out:
            open(os.path.join(a.out, "table.txt"), "w").write(text + "\n")
            json.dump({"runs": self.runs, "inputs": n, "seconds": round(secs),
                       "by_class": by_class,
                       "by_target": {t: {c: self.counts.get((c, t), 0) for c in CLASSES}
                                     for t in targets},
                       "inputs_modified": changed}, open(os.path.join(a.out, "table.json"),
                                                        "w"), indent=1)

    def verdict(self, changed):
        if changed:
            print("FAIL: inputs modified: %s" % changed)
            return 1
        if self.harness_errors:
            print("FAIL: %d harness errors (defects of the campaign)" % len(self.harness_errors))
            return 1
        if not self.a.allowlist:
            return 1 if self.records else 0
        allow = load_allowlist(self.a.allowlist)
        new, hit = [], set()
        for r in self.records:
            m = [i for i, al in enumerate(allow) if allow_match(al, r)]
            if m:
                hit.update(m)
            else:
                new.append(r)
        for i, al in enumerate(allow):
            if i not in hit:
                print("note: allowlist line %d matched nothing in this run (fixed? then "
                      "remove it): %s" % (al["line"], al["text"][:100]))
        for r in new[:50]:
            print("NEW %s: %s [%s] exit %s: %s" % (r["class"], r["repro"], r["detail"][:100],
                                                   r["exit"], r["stderr"][:160]))
        print("%d bad-class runs: %d on the allowlist, %d new" % (len(self.records),
                                                                  len(self.records) - len(new),
                                                                  len(new)))
        return 1 if new else 0


# --- allowlist ----------------------------------------------------------------------------------
def load_allowlist(path):
    """One line per known defect: ITEM CLASS[|CLASS...] [key=value | key~regex]... [# comment]
    keys: target, command, source, detail, stderr, repro, token (any token's prefix)."""
    import re
    out = []
    for n, line in enumerate(open(path), 1):
        text = line.split(" #", 1)[0].strip()
        if not text or text.startswith("#"):
            continue
        parts = shlex.split(text)
        al = {"line": n, "text": line.strip(), "item": parts[0], "class": parts[1],
              "filters": []}
        for f in parts[2:]:
            if "~" in f and ("=" not in f or f.index("~") < f.index("=")):
                k, v = f.split("~", 1)
                al["filters"].append((k, re.compile(v)))
            else:
                k, v = f.split("=", 1)
                al["filters"].append((k, v))
        out.append(al)
    return out


def allow_match(al, rec):
    if rec["class"] not in al["class"].split("|"):
        return False
    for k, v in al["filters"]:
        if k == "token":
            vals = rec["tokens"]
        elif k == "source":
            vals = [os.path.basename(rec["source"])]
        else:
            vals = [str(rec.get(k, ""))]
        if isinstance(v, str):
            if k == "token":
                if not any(x.startswith(v) for x in vals):
                    return False
            elif v not in vals:
                return False
        elif not any(v.search(x) for x in vals):
            return False
    return True


# --- replay -------------------------------------------------------------------------------------
def replay(c, what):
    if what.startswith("@"):  # a file of reproducers, one a line (# comments)
        recs = [{"repro": x.split(" #", 1)[0].strip()} for x in open(what[1:])
                if x.strip() and not x.lstrip().startswith("#")]
    elif what.endswith(".jsonl") or ".jsonl:" in what:
        path, _, ln = what.partition(".jsonl")
        lines = open(path + ".jsonl").read().splitlines()
        recs = [json.loads(lines[int(ln[1:]) - 1])] if ln else [json.loads(x) for x in lines]
    elif what.lstrip().startswith("{"):
        recs = [json.loads(what)]
    else:
        recs = [{"repro": what}]
    bad = 0
    for r in recs:
        rep = parse_repro(r["repro"])
        if rep["source"] == "batch":
            srcs = sorted((x for x in c.sources.values() if x.size <= 64 << 20
                           and x.name.endswith(".dmp")), key=lambda x: x.name)
            for cls, detail, res, argv in batchrun.scenario(c, rep["tokens"][0], srcs,
                                                            c.workdir()):
                print("%s: %s [%s]" % (r["repro"], cls, detail))
                bad += cls in BAD
            continue
        src = c.sources.get(rep["source"])
        if src is None:
            sys.exit("replay: %s is not among the inputs (give --fixtures or the dump)"
                     % rep["source"])
        c.a.verbose = True
        before = len(c.records)
        try:
            c.execute(src, rep["sym"], rep["tokens"], [rep["cmd"]], r.get("target", "replay"),
                      (r.get("seed", 0), r.get("index", 0)))
        except KeyError as e:  # a symbolic place the dump does not have (any more)
            sys.exit("replay: %s" % e.args[0])
        bad += len(c.records) - before
    return 1 if bad else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dumps", nargs="*")
    ap.add_argument("--pm", required=True, help="the poolmortem binary or a build directory")
    ap.add_argument("--fixtures", action="append", help="a folder of dumps (*.dmp + truth)")
    ap.add_argument("--containers", action="store_true", help="also *.raw, *.elf, *.kdump")
    ap.add_argument("--kernel-dir", help="fixtures/kernel (symbol files: x64/, x86/)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--budget", type=int, default=0, help="damaged inputs (default: 200)")
    ap.add_argument("--minutes", type=float, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--phases", default="dump,sym,both,archive,batch")
    ap.add_argument("--scratch")
    ap.add_argument("--keep-scratch", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--allowlist")
    ap.add_argument("--replay")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    if not a.budget and not a.minutes:
        a.budget = 200
    c = Campaign(a)
    try:
        if a.replay:
            return replay(c, a.replay)
        if not c.sources:
            sys.exit("campaign: no input dumps")
        return c.main()
    finally:
        c.cleanup()


if __name__ == "__main__":
    sys.exit(main())
