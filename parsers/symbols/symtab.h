/* SPDX-License-Identifier: MIT */
/**
 * @file symtab.h
 * A kernel's symbols and types, whatever file they came from (a PDB, a Volatility ISF): the
 * backends implement a few primitive queries on opaque type handles, and the generic code
 * here answers what the analysis needs — a global's RVA, a type's size, a member's offset by
 * dotted path (through anonymous unions and structs), a type's member list for `dt`.
 *
 * Every query on untrusted data returns an error value; nothing is cached outside the
 * backend, and recursion over the type graph is depth-limited (types may refer to
 * themselves).
 */
#ifndef PM_SYMTAB_H
#define PM_SYMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm-error.h"

/** A backend's type handle (PDB: a type index; ISF: a descriptor's place). 0 = none. */
typedef uint64_t pm_tref;

enum pm_tkind {
	PM_TK_BASE,     /**< integer, char, bool, float */
	PM_TK_VOID,
	PM_TK_POINTER,
	PM_TK_ARRAY,
	PM_TK_STRUCT,   /**< struct, class, interface */
	PM_TK_UNION,
	PM_TK_ENUM,
	PM_TK_BITFIELD,
	PM_TK_FUNCTION,
	PM_TK_OTHER,
};

enum pm_base_class { PM_BC_INT, PM_BC_CHAR, PM_BC_WCHAR, PM_BC_BOOL, PM_BC_FLOAT };

/** One level of a type: what it is, and the handle of what it refers to. */
struct pm_tinfo {
	enum pm_tkind kind;
	bool has_size;     /**< false: a forward reference with no definition, void, function */
	uint64_t size;     /**< bytes (a bitfield: its storage unit's) */
	char name[256];    /**< struct/union/enum name; base: the C name ("unsigned long") */
	enum pm_base_class base_class;
	bool is_signed;
	pm_tref target;    /**< pointer: pointee; array: element; bitfield/enum: underlying */
	uint64_t count;    /**< array: elements */
	unsigned bitpos, bitlen; /**< bitfield */
	bool anonymous;    /**< a struct/union with no real name (<unnamed-tag>, __unnamed...) */
};

struct pm_tmember {
	char name[256];
	uint64_t offset;
	pm_tref type;
	bool anonymous; /**< an unnamed struct/union member whose fields belong to the parent */
};

struct pm_tenumerator {
	char name[256];
	int64_t value;
};

struct pm_symtab;

struct pm_symtab_ops {
	/** RVA of the global or function @p name (undecorated; backends try decorations). */
	struct pm_error *(*symbol)(struct pm_symtab *t, const char *name, uint64_t *rva);
	/** The struct/union/enum named @p name (full definition, not a forward reference). */
	struct pm_error *(*find_type)(struct pm_symtab *t, const char *name, pm_tref *ret);
	struct pm_error *(*describe)(struct pm_symtab *t, pm_tref ty, struct pm_tinfo *ret);
	/** The data members of struct/union @p ty in declaration order (caller frees *ret). */
	struct pm_error *(*members)(struct pm_symtab *t, pm_tref ty, struct pm_tmember **ret,
				    size_t *n);
	/** The constants of enum @p ty in declaration order (caller frees *ret). */
	struct pm_error *(*enumerators)(struct pm_symtab *t, pm_tref ty, struct pm_tenumerator **ret,
					size_t *n);
	void (*destroy)(struct pm_symtab *t);
};

/** What the file says it belongs to. */
struct pm_symtab_id {
	char format[8];      /**< "PDB" or "ISF" */
	char pdb_name[256];  /**< "ntkrnlmp.pdb" (ISF: metadata.windows.pdb.database, may be empty) */
	bool has_guid;
	uint8_t guid[16];    /**< raw GUID bytes, as in the RSDS record */
	uint32_t age;        /**< the age that must equal the image's (PDB: the DBI age) */
	bool has_info_age;   /**< PDB: the PDB-info stream's age was read */
	uint32_t info_age;   /**< PDB: the PDB-info stream's age, which real PDBs may hold above the
			      *   DBI's and the image's (amdppm.pdb: 3 against 1); also accepted */
	uint16_t machine;    /**< PDB: the DBI's machine (0x8664, 0xAA64, 0x14C); 0 unknown */
	unsigned ptr_size;   /**< 4 or 8; 0 unknown */
};

struct pm_symtab {
	const struct pm_symtab_ops *ops;
	struct pm_symtab_id id;
	char *path; /**< where it was read from, for reports */
};

void pm_symtab_destroy(struct pm_symtab *t);

/**
 * Which of the file's ages equals @p image_age: "DBI" (PDB) or "ISF" first, then "PDB-info";
 * NULL when none does. Real PDBs carry two ages that may differ (amdppm.pdb: PDB-info 3, DBI 1;
 * user32.pdb: 3 and 2); images name the DBI's (amdppm.sys: 1), so it is tried first.
 */
const char *pm_symtab_age_match(const struct pm_symtab_id *id, uint32_t image_age);

/** A member found by dotted path. */
struct pm_field {
	uint64_t offset; /**< bytes from the start of the outer type */
	uint64_t size;   /**< bytes of the member (bitfield: its storage unit) */
	bool is_bitfield;
	unsigned bitpos, bitlen;
	struct pm_tinfo type; /**< the member's type, modifiers stripped */
};

struct pm_error *pm_sym_rva(struct pm_symtab *t, const char *name, uint64_t *rva);
struct pm_error *pm_sym_sizeof(struct pm_symtab *t, const char *type, uint64_t *size);
/** @p path: "Vs.SystemPteInfo.TotalFreeSystemPtes"; anonymous members are searched too. */
struct pm_error *pm_sym_field(struct pm_symtab *t, const char *type, const char *path,
			      struct pm_field *ret);
/** Size of any type handle (arrays: element size × count, with a depth limit). */
struct pm_error *pm_sym_tsize(struct pm_symtab *t, pm_tref ty, uint64_t *size);

#endif
