/* SPDX-License-Identifier: MIT */
/**
 * @file pdb-priv.h
 * What the PDB reader's files share (pdb_msf.c: the MSF container; pdb.c: PDB info, DBI,
 * symbols, opening; pdb_types.c: TPI types). Not for use outside parsers/pdb*.c.
 */
#ifndef PM_PDB_PRIV_H
#define PM_PDB_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pdb.h"
#include "pm-reader.h"
#include "strmap.h"

extern const char pm_msf7_magic[32];
extern const char pm_msf2_magic[40];

/* Policy limits. */
enum {
	PDB_MAX_STREAMS = 1 << 20,
	PDB_MAX_DIR_BYTES = 64 << 20,
	PDB_MAX_FIELD_LISTS = 4096,  /* LF_INDEX continuations followed per type */
	PDB_MAX_MEMBERS = 1 << 16,
	PDB_MAX_MODIFIERS = 16,
};
#define PDB_MAX_STREAM_BYTES (UINT64_C(1) << 30)

/* Stream numbers and leaf / symbol kinds (symbols.md §1.2, §4.2, §5.5). */
enum { S_PDB = 1, S_TPI = 2, S_DBI = 3 };
enum {
	LF_MODIFIER = 0x1001, LF_POINTER = 0x1002, LF_ARRAY_ST = 0x1003, LF_CLASS_ST = 0x1004,
	LF_STRUCTURE_ST = 0x1005, LF_UNION_ST = 0x1006, LF_ENUM_ST = 0x1007,
	LF_PROCEDURE = 0x1008, LF_MFUNCTION = 0x1009, LF_ARGLIST = 0x1201, LF_FIELDLIST = 0x1203,
	LF_BITFIELD = 0x1205, LF_BCLASS = 0x1400, LF_VBCLASS = 0x1401, LF_IVBCLASS = 0x1402,
	LF_INDEX = 0x1404, LF_MEMBER_ST = 0x1405, LF_STMEMBER_ST = 0x1406, LF_METHOD_ST = 0x1407,
	LF_NESTTYPE_ST = 0x1408, LF_VFUNCTAB = 0x1409, LF_FRIENDCLS = 0x140A,
	LF_ONEMETHOD_ST = 0x140B, LF_VFUNCOFF = 0x140C, LF_ENUMERATE_ST = 0x0403,
	LF_ENUMERATE = 0x1502, LF_ARRAY = 0x1503, LF_CLASS = 0x1504, LF_STRUCTURE = 0x1505,
	LF_UNION = 0x1506, LF_ENUM = 0x1507, LF_FRIENDFCN = 0x150C, LF_MEMBER = 0x150D,
	LF_STMEMBER = 0x150E, LF_METHOD = 0x150F, LF_NESTTYPE = 0x1510, LF_ONEMETHOD = 0x1511,
	LF_NESTTYPEEX = 0x1512, LF_STRIDED_ARRAY = 0x1516, LF_INTERFACE = 0x1519,
	LF_BINTERFACE = 0x151A, LF_CLASS2 = 0x1608, LF_STRUCTURE2 = 0x1609, LF_UNION2 = 0x160A,
	LF_INTERFACE2 = 0x160B,
};
enum {
	S_PUB32 = 0x110E, S_GDATA32 = 0x110D, S_LDATA32 = 0x110C, S_PUB32_ST = 0x1009,
	S_GDATA32_ST = 0x1008, S_LDATA32_ST = 0x1007,
};
enum { PROP_FWDREF = 0x80, PROP_UNIQUE = 0x200 };
enum { TPI_V80 = 20040203, TPI_V70 = 19990903, PDB_VC70 = 20000404 };

struct sect {
	uint32_t va, vsize;
};

struct pdb {
	struct pm_symtab base;
	struct pm_source *src;
	uint32_t bs, nblocks;
	uint32_t nstreams;
	uint32_t *ssize;  /* per stream; UINT32_MAX = nil */
	uint64_t *sfirst; /* index of the stream's first block in blocks[] */
	uint32_t *blocks;
	uint16_t symrec;  /* 0xFFFF: none */
	struct sect *sec, *osec;
	size_t nsec, nosec;
	uint32_t *omap;   /* (source RVA, target RVA) pairs, sorted by source */
	size_t nomap;
	/* symbols, on first use */
	bool syms_loaded;
	struct pm_strmap pub, alias, gdata; /* name -> RVA | 1 << 32 (RVA valid) */
	/* types, on first use */
	bool tpi_loaded;
	uint8_t *tpi;
	size_t tpi_len;
	uint32_t ti_begin, ti_end;
	uint32_t *toff; /* offset of record ti - ti_begin in tpi (at its length field) */
	struct pm_strmap udt_name, udt_unique;
	unsigned nest; /* array-in-array depth while counting elements */
};

const char *pm_pdb_name(const struct pdb *p);
/** Read stream @p idx into a new buffer (*len bytes; never NULL on success). */
struct pm_error *pm_pdb_read_stream(struct pdb *p, uint32_t idx, const char *what, uint8_t **buf,
				    size_t *len);
struct pm_error *pm_pdb_read_directory(struct pdb *p, const uint8_t *hdr, uint64_t file_size);
/** A NUL-terminated (or, @p pascal, length-prefixed) name in a record. */
struct pm_error *pm_pdb_name_at(const struct pm_rd *rd, size_t off, bool pascal, const char **s,
				size_t *len, size_t *next);

/* pdb_types.c: the symtab operations on types */
struct pm_error *pm_pdb_describe(struct pm_symtab *t, pm_tref ty, struct pm_tinfo *ret);
struct pm_error *pm_pdb_find_type(struct pm_symtab *t, const char *name, pm_tref *ret);
struct pm_error *pm_pdb_members(struct pm_symtab *t, pm_tref ty, struct pm_tmember **ret,
				size_t *n);
struct pm_error *pm_pdb_enumerators(struct pm_symtab *t, pm_tref ty, struct pm_tenumerator **ret,
				    size_t *n);

#endif
