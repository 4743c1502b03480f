# SPDX-License-Identifier: MIT
"""Damaged and unusual archives for the corruption campaign, written by hand so that every byte
is under control (member names that are not UTF-8, empty names, '::' inside a name, gzip
streams of several members, trailing garbage).

Tokens (no spaces):
  gz                      one gzip member holding the dump
  gz.multi@A[,B...]       the dump split at A, B, ... into several gzip members (valid gzip:
                          RFC 1952 §2.2, "a gzip file consists of a series of members")
  gz.trail=HEX            bytes appended after the last member
  zip.name=HEX            a zip holding the dump under the member name HEX (raw bytes)
  zip.names=HEX,HEX,...   several members (the same dump) with these names
  zip.stored              members stored instead of deflated
  arc.flip@OFF:BIT / arc.write@OFF=HEX / arc.trunc@LEN / arc.tail@K:BIT
                          bytes of the archive after it is built (tail: K bytes from its end)
"""
import struct
import zlib

VALID_TOKENS = ("gz", "gz.multi", "zip.name", "zip.names", "zip.stored")
ODD_NAMES = [b"a::b.dmp", b"", b"dir/x.dmp", b"../up.dmp", b"/abs.dmp", b"\xff\xfe.dmp",
             b"x" * 300 + b".dmp", b"name with space.dmp", b"UPPER.DMP", b"noext",
             b"a\\b.dmp", b"::", b"x.dmp::y.dmp", b"%s.dmp"]


def gzip_member(data, level=1):
    co = zlib.compressobj(level, zlib.DEFLATED, -15)
    body = co.compress(data) + co.flush()
    head = b"\x1f\x8b\x08\x00" + b"\0\0\0\0" + b"\x00\x03"  # no flags, mtime 0, OS Unix
    return head + body + struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF,
                                     len(data) & 0xFFFFFFFF)


def zip_archive(members, stored=False):
    """members: [(name bytes, data)] -> zip bytes (no ZIP64; names written as given)."""
    out = bytearray()
    central = bytearray()
    for name, data in members:
        crc = zlib.crc32(data) & 0xFFFFFFFF
        if stored:
            body, method = data, 0
        else:
            co = zlib.compressobj(1, zlib.DEFLATED, -15)
            body, method = co.compress(data) + co.flush(), 8
        off = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc,
                           len(body), len(data), len(name), 0) + name + body
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21,
                               crc, len(body), len(data), len(name), 0, 0, 0, 0, 0,
                               off) + name
    cd_off = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                       len(central), cd_off, 0)
    return bytes(out)


def build(tokens, data):
    """Apply archive tokens to the dump bytes @data: (archive bytes, kind, member names)."""
    kind, names, stored = None, [], False
    splits, trail = None, b""
    post = []
    for tok in tokens:
        op, _, arg = tok.partition("=")
        if tok == "gz":
            kind = "gz"
        elif tok.startswith("gz.multi@"):
            kind = "gz"
            splits = [int(x, 0) for x in tok[len("gz.multi@"):].split(",")]
        elif op == "gz.trail":
            kind = "gz"
            trail = bytes.fromhex(arg)
        elif op == "zip.name":
            kind, names = "zip", [bytes.fromhex(arg)]
        elif op == "zip.names":
            kind, names = "zip", [bytes.fromhex(x) for x in arg.split(",")]
        elif tok == "zip.stored":
            stored = True
        elif tok.startswith("arc."):
            post.append(tok)
    if kind == "gz":
        cuts = [0] + sorted(s for s in (splits or []) if 0 < s < len(data)) + [len(data)]
        arc = b"".join(gzip_member(data[a:b]) for a, b in zip(cuts, cuts[1:])) + trail
    else:
        arc = zip_archive([(n, data) for n in names], stored)
    arc = bytearray(arc)
    for tok in post:
        if tok.startswith("arc.flip@"):
            o, b = tok[len("arc.flip@"):].split(":")
            if int(o, 0) < len(arc):
                arc[int(o, 0)] ^= 1 << int(b)
        elif tok.startswith("arc.write@"):
            o, h = tok[len("arc.write@"):].split("=")
            o, h = int(o, 0), bytes.fromhex(h)
            arc[o:o + len(h)] = h
        elif tok.startswith("arc.tail@"):
            k, b = tok[len("arc.tail@"):].split(":")
            if 0 < int(k, 0) <= len(arc):
                arc[len(arc) - int(k, 0)] ^= 1 << int(b)
        elif tok.startswith("arc.trunc@"):
            del arc[int(tok[len("arc.trunc@"):], 0):]
    return bytes(arc), kind, names


def is_valid(tokens):
    """An archive the tool must read as its undamaged twin (no byte damage, no garbage)."""
    return all(t.split("=")[0].split("@")[0] in VALID_TOKENS for t in tokens)


def random_tokens(rnd, size):
    """A random archive mutation of a dump of @size bytes."""
    r = rnd.random()
    if r < 0.25:
        k = rnd.choice([1, 1, 2, 5])
        cuts = sorted(rnd.randrange(1, size) for _ in range(k))
        if rnd.random() < 0.3:
            cuts[0] = rnd.choice([1, 0x1000, 0x2000, 0x10000])
        return ["gz.multi@" + ",".join("0x%x" % c for c in cuts)]
    if r < 0.4:
        g = rnd.choice(["00", "00" * 512, "0a", "1f8b", "1f8b0800", "ff" * 7, "504b0304",
                        bytes(rnd.randrange(256) for _ in range(rnd.choice([1, 9, 40]))).hex()])
        return ["gz.trail=" + g]
    if r < 0.55:
        return ["gz", rnd.choice(["arc.flip@0x%x:%d" % (rnd.randrange(0, 24), rnd.randrange(8)),
                                  "arc.tail@%d:%d" % (rnd.randrange(1, 9), rnd.randrange(8)), "arc.trunc@0x%x" % rnd.randrange(10, 4000),
                                  "arc.write@0x%x=ffffffff" % rnd.randrange(10, 2000)])]
    n = rnd.choice(ODD_NAMES)
    toks = []
    if rnd.random() < 0.3:
        m = rnd.sample(ODD_NAMES, 2)
        toks.append("zip.names=" + ",".join(x.hex() or "" for x in [n] + m))
    else:
        toks.append("zip.name=" + n.hex())
    if rnd.random() < 0.4:
        toks.append("zip.stored")
    if rnd.random() < 0.25:
        toks.append(rnd.choice(["arc.flip@0x%x:%d" % (rnd.randrange(0, 60), rnd.randrange(8)),
                                "arc.trunc@0x%x" % rnd.randrange(30, 3000)]))
    return toks
