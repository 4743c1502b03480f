# SPDX-License-Identifier: MIT
"""Damage made at test time from a fixture dump and its truth (`locations`): truncations, a
processor's tag table made unreachable, the header's KDBG pointer broken. Damaged copies are
sparse; the fixture is never modified. Shared by verdict_matrix.py and verdict_property.py."""
import json
import os
import shutil
import struct
import subprocess

# A kernel VA with no mapping in any fixture (the must-fail variant used it too).
UNMAPPED = {8: 0xFFFFF80012340000, 4: 0xB0000000}
PAGE = 0x1000


def truth_of(dump):
    return json.load(open(dump[:-4] + ".truth.json"))


def copy_sparse(src, dst, size=None):
    """A sparse copy of @src, cut to @size bytes when given."""
    if os.path.exists(dst):
        os.unlink(dst)
    subprocess.run(["cp", "--sparse=always", src, dst], check=True)
    if size is not None:
        os.truncate(dst, size)


def poke(path, off, data):
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(data)


def damages(truth):
    """(name, description) of every damage that applies to a dump with this truth."""
    loc = truth.get("locations")
    out = [("complete", "as generated")]
    if not loc:  # a small memory dump: only the cuts
        return out + [("cut50", "cut at 50% of the file")]
    out += [("cut95", "cut at 95%"), ("cut50", "cut at 50%"), ("cut10", "cut at 10%")]
    tables = loc.get("cpu_tables", [])
    if len(tables) > 1 and tables[1]:
        out.append(("cut-cpu1", "cut where processor 1's tag table starts"))
    ptrs = loc.get("tag_table_ptrs", [])
    if len(ptrs) > 1 and ptrs[1] is not None:
        out.append(("cpu1-missing", "processor 1's tag table not in the dump (its "
                                    "ExPoolTagTables entry leads to an unmapped page)"))
    out.append(("kdbg-broken", "the header's KdDebuggerDataBlock leads to an unmapped page"))
    return out


def make(dump, truth, damage, dst):
    """Write @dump damaged by @damage into @dst (a path); returns @dst or the fixture itself."""
    if damage == "complete":
        return dump
    loc = truth.get("locations", {})
    size = os.path.getsize(dump)
    ps = 8 if truth["info"]["machine"]["arch"] == "x64" else 4
    if damage.startswith("cut") and damage[3:].isdigit():
        copy_sparse(dump, dst, size * int(damage[3:]) // 100 // PAGE * PAGE)
    elif damage == "cut-cpu1":
        copy_sparse(dump, dst, loc["cpu_tables"][1][0][0])
    elif damage.startswith("cut-at:"):
        copy_sparse(dump, dst, int(damage[7:]))
    elif damage == "cpu1-missing":
        copy_sparse(dump, dst)
        poke(dst, loc["tag_table_ptrs"][1], UNMAPPED[ps].to_bytes(ps, "little"))
    elif damage == "kdbg-broken":
        copy_sparse(dump, dst)
        off, n = loc["kdbg_pointer"]
        poke(dst, off, UNMAPPED[n].to_bytes(n, "little"))
    else:
        raise SystemExit("unknown damage " + damage)
    return dst
