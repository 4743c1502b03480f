#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seeds for tests/fuzz/fuzz_tagsearch.c: small driver images laid out as mapped, with a pool
tag used the ways real drivers use it, prefixed by the tags to look for.

  seed_tagsearch.py OUTDIR

Each image: MZ/PE headers (PE32+ or PE32) with a .text section (code) at RVA 0x1000 and a
.data section at RVA 0x2000. In .text the tag 'Leak' is the immediate of `mov r8d, imm32`
(41 B8), `push imm32` (68), `mov dword [rsp+0x20], imm32` (C7 44 24 20) and
`cmp dword [rbp-8], imm32` (81 7D F8), and appears once more inside other code bytes; in .data
it appears plainly and with the protected-pool bit set. 'Abcd' appears only in .data; 'None'
nowhere. Written by this script, not taken from any real driver.
"""
import os
import struct
import sys

TAGS = [b"Leak", b"Abcd", b"None"]


def image(pe32plus):
    img = bytearray(0x3000)
    img[0:2] = b"MZ"
    struct.pack_into("<I", img, 0x3C, 0x80)
    img[0x80:0x84] = b"PE\0\0"
    opt_size = 0xF0 if pe32plus else 0xE0
    struct.pack_into("<HHIIIHH", img, 0x84, 0x8664 if pe32plus else 0x14C, 2, 0x5F000001, 0,
                     0, opt_size, 0x22)
    opt = 0x98
    struct.pack_into("<H", img, opt, 0x20B if pe32plus else 0x10B)
    struct.pack_into("<I", img, opt + 0x38, 0x3000)  # SizeOfImage
    struct.pack_into("<I", img, opt + (0x6C if pe32plus else 0x5C), 16)  # NumberOfRvaAndSizes
    sec = opt + opt_size
    for i, (name, rva, ch) in enumerate(((b".text", 0x1000, 0x60000020),
                                         (b".data", 0x2000, 0xC0000040))):
        o = sec + 40 * i
        img[o:o + 8] = name.ljust(8, b"\0")
        struct.pack_into("<IIII", img, o + 8, 0x1000, rva, 0x1000, rva)
        struct.pack_into("<I", img, o + 36, ch)
    code = (b"\x48\x83\xEC\x28" + b"\x41\xB8" + b"Leak" + b"\x68" + b"Leak" +
            b"\xC7\x44\x24\x20" + b"Leak" + b"\x81\x7D\xF8" + b"Leak" + b"\x90\x90" + b"Leak" +
            b"\xC3")
    img[0x1000:0x1000 + len(code)] = code
    data = b"Leak" + b"\0" * 4 + struct.pack("<I", struct.unpack("<I", b"Leak")[0] | 0x80000000)
    data += b"\0" * 4 + b"Abcd"
    img[0x2000:0x2000 + len(data)] = data
    return bytes(img)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    head = bytes([len(TAGS) - 1]) + b"".join(TAGS)
    for name, plus in (("pe32plus-immediates.bin", True), ("pe32-immediates.bin", False)):
        with open(os.path.join(out, name), "wb") as f:
            f.write(head + image(plus))
    return 0


if __name__ == "__main__":
    sys.exit(main())
