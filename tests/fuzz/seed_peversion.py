#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seeds for tests/fuzz/fuzz_peversion.c, written with the fixture generator's own version
resource writer (fixtures/gen/verres.py) and PE writer (fixtures/gen/pe.py); test_peversion
checks what the parser reads from each.

  seed_peversion.py OUTDIR

pe32plus-version.bin   PE32+ driver image (also a file: raw data at each RVA) with .rsrc at
                       0x6000: File version 1.2.3.4, Product version 5.6.7.8, five strings
pe32-two-tables.bin    PE32 image; StringTables 040904B0 and 040704B0, Translation 0407/04B0
pe32plus-no-rsrc.bin   PE32+ image without a resource directory
vs-repair.bin          VS_VERSIONINFO alone: CompanyName with an unpaired surrogate, a
                       surrogate pair and a control character; ProductName of 200 'é'
vs-child-overflow.bin  VS_VERSIONINFO alone whose StringFileInfo claims more bytes than its
                       parent holds
pe32plus-rsrc-loop.bin PE32+ image whose name directory points back to the root directory
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "fixtures"))
from gen.pe import make_pe  # noqa: E402
from gen.verres import resource_section, version_info  # noqa: E402

GUID = "12345678-9abc-4def-8123-456789abcdef"
STRINGS = [("CompanyName", "Contoso Ltd."), ("FileDescription", "Leaky test driver"),
           ("FileVersion", "1.2.3.4 (fixture.221203-1800)"), ("InternalName", "leaky.sys"),
           ("OriginalFilename", "leaky.sys"), ("ProductName", "Contoso Leak Suite")]


def driver(is64, vi, rva=0x6000):
    return make_pe(is64, rva + 0x1000, 0x4E000002, "leaky.pdb", GUID, 1, b"\xc3", b"data",
                   rsrc=(rva, resource_section(rva, vi)))


def seeds():
    yield "pe32plus-version.bin", driver(True, version_info((1, 2, 3, 4), (5, 6, 7, 8),
                                                            [("040904B0", STRINGS)]))
    two = [("040904B0", [("CompanyName", "First Inc.")]),
           ("040704B0", [("CompanyName", "Zweite GmbH"), ("ProductName", "Zweites")])]
    yield "pe32-two-tables.bin", driver(False, version_info((2, 0, 0, 1), None, two,
                                                            (0x0407, 0x04B0)))
    yield "pe32plus-no-rsrc.bin", make_pe(True, 0x6000, 0x4E000003, "none.pdb", GUID, 1,
                                          b"\xc3", b"data")
    bad = b"A\0" + b"\x00\xd8" + b"B\0" + b"\x3d\xd8\x00\xde" + b"\x07\0" + b"C\0\0\0"
    yield "vs-repair.bin", version_info((3, 1, 4, 1), None, [
        ("040904B0", [("CompanyName", bad), ("ProductName", "\u00e9" * 200)])])
    vi = bytearray(version_info((1, 0, 0, 0), None, [("040904B0", STRINGS)]))
    sfi = vi.find("StringFileInfo".encode("utf-16-le")) - 6
    struct.pack_into("<H", vi, sfi, len(vi) - sfi + 0x40)
    yield "vs-child-overflow.bin", bytes(vi)
    img = bytearray(driver(True, version_info()))
    struct.pack_into("<I", img, 0x6000 + 0x18 + 16 + 4, 0x80000000)  # name dir -> root
    yield "pe32plus-rsrc-loop.bin", bytes(img)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
