// SPDX-License-Identifier: MIT
// An image's version resource (peversion.h): the resource directory walked to RT_VERSION,
// then VS_VERSIONINFO (PE/COFF specification, "The .rsrc Section"; VS_VERSIONINFO,
// VS_FIXEDFILEINFO, StringFileInfo, StringTable, String, VarFileInfo, Var).
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "peversion.h"
#include "pm-utf.h"

enum {
	RSRC_DIR_SIZE = 16,   /* IMAGE_RESOURCE_DIRECTORY */
	RSRC_ENTRY_SIZE = 8,  /* IMAGE_RESOURCE_DIRECTORY_ENTRY */
	RSRC_DATA_SIZE = 16,  /* IMAGE_RESOURCE_DATA_ENTRY */
	BLOCK_HDR = 6,        /* wLength, wValueLength, wType */
	FIXED_SIZE = 52,      /* VS_FIXEDFILEINFO */
};

static const uint32_t FIXED_SIGNATURE = 0xFEEF04BDu;
static const uint32_t RSRC_HIGH_BIT = 0x80000000u;

/* A block of the version resource: [off, end), its key and where its value and children
 * start (each on a 32-bit boundary, clamped to the block). */
struct blk {
	size_t off, end;
	uint16_t value_len, type;
	size_t key_off, key_chars;
	size_t value_off, children_off;
};

static size_t align4(size_t x)
{
	return (x + 3) & ~(size_t)3;
}

static struct pm_error *block_at(const struct pm_rd *rd, size_t off, size_t limit, struct blk *b)
{
	uint16_t len;
	PM_TRY(pm_rd_u16(rd, off, &len));
	PM_TRY(pm_rd_u16(rd, off + 2, &b->value_len));
	PM_TRY(pm_rd_u16(rd, off + 4, &b->type));
	if (len < BLOCK_HDR || off > limit || len > limit - off)
		return pm_err(PM_ERR_FORMAT, "%s at %s %#" PRIx64 ": the block at +%#zx is %u "
			      "bytes long, outside its parent (which ends at +%#zx)", rd->what,
			      pm_as_name(rd->as), rd->base, off, len, limit);
	b->off = off;
	b->end = off + len;
	b->key_off = off + BLOCK_HDR;
	for (size_t n = 0;; n++) {
		uint16_t c;
		if (b->key_off + 2 * n + 2 > b->end)
			return pm_err(PM_ERR_FORMAT, "%s at %s %#" PRIx64 ": the key of the block "
				      "at +%#zx has no terminating NUL inside the block", rd->what,
				      pm_as_name(rd->as), rd->base, off);
		PM_TRY(pm_rd_u16(rd, b->key_off + 2 * n, &c));
		if (!c) {
			b->key_chars = n;
			break;
		}
	}
	b->value_off = align4(b->key_off + 2 * b->key_chars + 2);
	if (b->value_off > b->end)
		b->value_off = b->end;
	/* wValueLength counts words for a text value (wType 1), bytes otherwise */
	size_t vbytes = b->type == 1 ? 2 * (size_t)b->value_len : b->value_len;
	b->children_off = vbytes > b->end - b->value_off ? b->end : align4(b->value_off + vbytes);
	if (b->children_off > b->end)
		b->children_off = b->end;
	return NULL;
}

/* The block's key equals the ASCII @p s. */
static bool key_is(const struct pm_rd *rd, const struct blk *b, const char *s)
{
	size_t n = strlen(s);
	if (b->key_chars != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = rd->buf + b->key_off + 2 * i; /* inside: block_at read it */
		if (p[0] != (uint8_t)s[i] || p[1])
			return false;
	}
	return true;
}

/* The next child of @p parent at *pos: false at the end (or at zero padding). */
static struct pm_error *next_child(const struct pm_rd *rd, const struct blk *parent, size_t *pos,
				   unsigned *count, struct blk *ret, bool *more)
{
	*more = false;
	if (*pos >= parent->end || parent->end - *pos < BLOCK_HDR)
		return NULL;
	uint16_t len;
	PM_TRY(pm_rd_u16(rd, *pos, &len));
	if (!len)
		return NULL; /* zero padding after the last child */
	if (++*count > PM_PEVER_MAX_CHILDREN)
		return pm_err(PM_ERR_LIMIT, "%s at %s %#" PRIx64 ": the block at +%#zx has more "
			      "than %u children", rd->what, pm_as_name(rd->as), rd->base, parent->off,
			      (unsigned)PM_PEVER_MAX_CHILDREN);
	PM_TRY(block_at(rd, *pos, parent->end, ret));
	*pos = align4(ret->end);
	*more = true;
	return NULL;
}

/* A String's value: UTF-16 from its value to its NUL or the block's end, as repaired UTF-8
 * cut on a character boundary. */
static struct pm_error *take_string(const struct pm_rd *rd, const struct blk *b,
				    struct pm_verinfo *v, enum pm_ver_str i)
{
	size_t n = 0, max = (b->end - b->value_off) / 2;
	PM_TRY(pm_rd_need(rd, b->value_off, 2 * max));
	while (n < max && (rd->buf[b->value_off + 2 * n] || rd->buf[b->value_off + 2 * n + 1]))
		n++;
	if (!n)
		return NULL; /* an empty value says nothing: the string is not held */
	char *s = pm_utf16le_to_utf8(rd->buf + b->value_off, n);
	if (!s)
		return &pm_enomem;
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			*p = '?'; /* a control character would break a report's line */
	size_t len = strlen(s);
	if (len >= PM_VER_STR_MAX) {
		len = PM_VER_STR_MAX - 1;
		while (len && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
		v->str_cut[i] = true;
	}
	memcpy(v->str[i], s, len);
	v->str[i][len] = 0;
	v->has_str[i] = true;
	free(s);
	return NULL;
}

static struct pm_error *read_table(const struct pm_rd *rd, const struct blk *table,
				   struct pm_verinfo *v)
{
	size_t pos = table->children_off;
	unsigned count = 0;
	struct blk s;
	bool more;
	for (;;) {
		PM_TRY(next_child(rd, table, &pos, &count, &s, &more));
		if (!more)
			return NULL;
		for (unsigned i = 0; i < PM_VER_NSTR; i++)
			if (!v->has_str[i] && key_is(rd, &s, pm_ver_key((enum pm_ver_str)i)))
				PM_TRY(take_string(rd, &s, v, (enum pm_ver_str)i));
	}
}

/* A StringTable's key ("040904B0") in ASCII; non-hex characters become '?'. */
static void table_key(const struct pm_rd *rd, const struct blk *t, char out[9])
{
	size_t k = 0;
	for (; k < 8 && k < t->key_chars; k++) {
		const uint8_t *p = rd->buf + t->key_off + 2 * k;
		char c = (char)p[0];
		out[k] = !p[1] && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
				   (c >= 'A' && c <= 'F')) ? c : '?';
	}
	out[k] = 0;
}

struct children {
	struct blk tables[PM_PEVER_MAX_TABLES];
	unsigned ntables;
	bool has_translation;
	char translation[9]; /* VarFileInfo's first language and code page, "%04X%04X" */
};

static struct pm_error *string_file_info(const struct pm_rd *rd, const struct blk *sfi,
					 struct children *c)
{
	size_t pos = sfi->children_off;
	unsigned count = 0;
	bool more;
	for (;;) {
		struct blk t;
		PM_TRY(next_child(rd, sfi, &pos, &count, &t, &more));
		if (!more)
			return NULL;
		if (c->ntables >= PM_PEVER_MAX_TABLES)
			return pm_err(PM_ERR_LIMIT, "%s at %s %#" PRIx64 ": more than %u "
				      "StringTables", rd->what, pm_as_name(rd->as), rd->base,
				      (unsigned)PM_PEVER_MAX_TABLES);
		c->tables[c->ntables++] = t;
	}
}

static struct pm_error *var_file_info(const struct pm_rd *rd, const struct blk *vfi,
				      struct children *c)
{
	size_t pos = vfi->children_off;
	unsigned count = 0;
	bool more;
	for (;;) {
		struct blk var;
		PM_TRY(next_child(rd, vfi, &pos, &count, &var, &more));
		if (!more)
			return NULL;
		uint16_t lang, cp;
		if (c->has_translation || !key_is(rd, &var, "Translation") || var.value_len < 4 ||
		    var.end - var.value_off < 4)
			continue;
		PM_TRY(pm_rd_u16(rd, var.value_off, &lang));
		PM_TRY(pm_rd_u16(rd, var.value_off + 2, &cp));
		snprintf(c->translation, sizeof(c->translation), "%04X%04X", lang, cp);
		c->has_translation = true;
	}
}

static void fixed_info(const struct pm_rd *rd, const struct blk *top, struct pm_verinfo *v)
{
	uint32_t sig, f[4];
	if (top->value_len < FIXED_SIZE || top->end - top->value_off < FIXED_SIZE ||
	    pm_rd_u32(rd, top->value_off, &sig) || sig != FIXED_SIGNATURE)
		return; /* no VS_FIXEDFILEINFO (the reads above are inside the block) */
	for (unsigned i = 0; i < 4; i++)
		if (pm_rd_u32(rd, top->value_off + 8 + 4 * i, &f[i]))
			return;
	uint16_t fv[4] = { (uint16_t)(f[0] >> 16), (uint16_t)f[0], (uint16_t)(f[1] >> 16),
			   (uint16_t)f[1] };
	uint16_t pv[4] = { (uint16_t)(f[2] >> 16), (uint16_t)f[2], (uint16_t)(f[3] >> 16),
			   (uint16_t)f[3] };
	memcpy(v->file_version, fv, sizeof(fv));
	memcpy(v->product_version, pv, sizeof(pv));
	v->has_fixed = true;
}

struct pm_error *pm_verinfo_parse(const struct pm_rd *rd, struct pm_verinfo *ret)
{
	struct blk top;
	PM_TRY(block_at(rd, 0, rd->len, &top));
	if (!key_is(rd, &top, "VS_VERSION_INFO"))
		return pm_err(PM_ERR_FORMAT, "%s at %s %#" PRIx64 ": the first block's key is not "
			      "VS_VERSION_INFO", rd->what, pm_as_name(rd->as), rd->base);
	struct pm_verinfo v;
	memset(&v, 0, sizeof(v));
	fixed_info(rd, &top, &v);
	struct children *c = calloc(1, sizeof(*c));
	if (!c)
		return &pm_enomem;
	size_t pos = top.children_off;
	unsigned count = 0;
	bool more = true;
	struct pm_error *err = NULL;
	while (!err && more) {
		struct blk ch;
		err = next_child(rd, &top, &pos, &count, &ch, &more);
		if (err || !more)
			break;
		if (key_is(rd, &ch, "StringFileInfo"))
			err = string_file_info(rd, &ch, c);
		else if (key_is(rd, &ch, "VarFileInfo"))
			err = var_file_info(rd, &ch, c);
	}
	const struct blk *pick = c->ntables ? &c->tables[0] : NULL;
	for (unsigned i = 0; !err && c->has_translation && i < c->ntables; i++) {
		char k[9];
		table_key(rd, &c->tables[i], k);
		if (!strcasecmp(k, c->translation)) {
			pick = &c->tables[i];
			break;
		}
	}
	if (!err && pick) {
		table_key(rd, pick, v.lang);
		err = read_table(rd, pick, &v);
	}
	free(c);
	if (err)
		return err;
	v.absent = PM_ABSENT_PRESENT;
	*ret = v;
	return NULL;
}

/* The entry of the resource directory at @p dir (offset from the resource directory's
 * start) at @p level (1 type, 2 name, 3 language): RT_VERSION at level 1, the first entry
 * below. Its OffsetToData (high bit cleared) in *ret. */
static struct pm_error *dir_entry(pm_read_fn read, void *ctx, uint64_t base,
				  const struct pm_pe_info *pe, uint32_t dir, int level,
				  uint32_t *ret)
{
	uint64_t va = base + pe->rsrc_rva + dir;
	if ((uint64_t)dir + RSRC_DIR_SIZE > pe->rsrc_size)
		return pm_err(PM_ERR_FORMAT, "resource directory (level %d) at +%#x lies outside "
			      "the resource directory's %#x bytes", level, dir, pe->rsrc_size);
	uint8_t hdr[RSRC_DIR_SIZE];
	PM_TRY(read(ctx, va, hdr, sizeof(hdr)));
	struct pm_rd rd = pm_rd_make(hdr, sizeof(hdr), PM_AS_VIRT, va, "IMAGE_RESOURCE_DIRECTORY");
	uint16_t named, ids;
	PM_TRY(pm_rd_u16(&rd, 12, &named));
	PM_TRY(pm_rd_u16(&rd, 14, &ids));
	uint32_t n = (uint32_t)named + ids;
	if (n > PM_PEVER_MAX_ENTRIES)
		return pm_err(PM_ERR_LIMIT, "IMAGE_RESOURCE_DIRECTORY at VA %#" PRIx64 ": %u "
			      "entries exceed the limit of %u", va, n, (unsigned)PM_PEVER_MAX_ENTRIES);
	if ((uint64_t)dir + RSRC_DIR_SIZE + (uint64_t)n * RSRC_ENTRY_SIZE > pe->rsrc_size)
		return pm_err(PM_ERR_FORMAT, "IMAGE_RESOURCE_DIRECTORY at VA %#" PRIx64 ": its %u "
			      "entries run past the resource directory's %#x bytes", va, n,
			      pe->rsrc_size);
	uint8_t ents[PM_PEVER_MAX_ENTRIES * RSRC_ENTRY_SIZE];
	if (n)
		PM_TRY(read(ctx, va + RSRC_DIR_SIZE, ents, (size_t)n * RSRC_ENTRY_SIZE));
	rd = pm_rd_make(ents, (size_t)n * RSRC_ENTRY_SIZE, PM_AS_VIRT, va + RSRC_DIR_SIZE,
			"IMAGE_RESOURCE_DIRECTORY_ENTRY");
	for (uint32_t i = level == 1 ? named : 0; i < n; i++) {
		uint32_t name, off;
		PM_TRY(pm_rd_u32(&rd, (size_t)i * RSRC_ENTRY_SIZE, &name));
		PM_TRY(pm_rd_u32(&rd, (size_t)i * RSRC_ENTRY_SIZE + 4, &off));
		if (level == 1 && name != PM_RT_VERSION)
			continue;
		bool sub = off & RSRC_HIGH_BIT;
		if (sub != (level < 3))
			return pm_err(PM_ERR_FORMAT, "IMAGE_RESOURCE_DIRECTORY_ENTRY at VA %#" PRIx64
				      ": level %d entry %u points to a %s where a %s belongs", va,
				      level, i, sub ? "directory" : "data entry",
				      sub ? "data entry" : "directory");
		*ret = off & ~RSRC_HIGH_BIT;
		return NULL;
	}
	if (level == 1)
		return pm_err(PM_ERR_NOT_FOUND, "the image's resource directory holds no RT_VERSION "
			      "(type 16) entry");
	return pm_err(PM_ERR_FORMAT, "IMAGE_RESOURCE_DIRECTORY at VA %#" PRIx64 " (level %d) "
		      "is empty", va, level);
}

static struct pm_error *find_and_parse(pm_read_fn read, void *ctx, uint64_t base,
				       const struct pm_pe_info *pe, struct pm_verinfo *v)
{
	if (!pe->rsrc_rva || !pe->rsrc_size)
		return pm_err(PM_ERR_NOT_FOUND, "the image has no resource directory");
	if ((uint64_t)pe->rsrc_rva + pe->rsrc_size > pe->size_of_image)
		return pm_err(PM_ERR_FORMAT, "the resource directory (RVA %#x, %#x bytes) lies "
			      "outside SizeOfImage %#x", pe->rsrc_rva, pe->rsrc_size,
			      pe->size_of_image);
	uint32_t off = 0;
	for (int level = 1; level <= 3; level++) {
		struct pm_error *err = dir_entry(read, ctx, base, pe, off, level, &off);
		if (err && pm_err_code(err) != PM_ERR_NOMEM && pm_err_code(err) != PM_ERR_NOT_FOUND)
			return pm_err_wrap(err, "the resource directory at RVA %#x", pe->rsrc_rva);
		PM_TRY(err);
	}
	if ((uint64_t)off + RSRC_DATA_SIZE > pe->rsrc_size)
		return pm_err(PM_ERR_FORMAT, "RT_VERSION's IMAGE_RESOURCE_DATA_ENTRY at +%#x lies "
			      "outside the resource directory's %#x bytes", off, pe->rsrc_size);
	uint8_t de[RSRC_DATA_SIZE];
	uint64_t va = base + pe->rsrc_rva + off;
	PM_TRY(read(ctx, va, de, sizeof(de)));
	struct pm_rd rd = pm_rd_make(de, sizeof(de), PM_AS_VIRT, va, "IMAGE_RESOURCE_DATA_ENTRY");
	uint32_t rva, size;
	PM_TRY(pm_rd_u32(&rd, 0, &rva));
	PM_TRY(pm_rd_u32(&rd, 4, &size));
	if (size < BLOCK_HDR || size > PM_PEVER_MAX_SIZE)
		return pm_err(size > PM_PEVER_MAX_SIZE ? PM_ERR_LIMIT : PM_ERR_FORMAT,
			      "IMAGE_RESOURCE_DATA_ENTRY at VA %#" PRIx64 ": RT_VERSION's size %#x "
			      "is outside %#x..%#x", va, size, (unsigned)BLOCK_HDR,
			      (unsigned)PM_PEVER_MAX_SIZE);
	if ((uint64_t)rva + size > pe->size_of_image)
		return pm_err(PM_ERR_FORMAT, "IMAGE_RESOURCE_DATA_ENTRY at VA %#" PRIx64 ": "
			      "RT_VERSION at RVA %#x (%#x bytes) lies outside SizeOfImage %#x", va,
			      rva, size, pe->size_of_image);
	uint8_t *buf = malloc(size);
	if (!buf)
		return &pm_enomem;
	struct pm_error *err = read(ctx, base + rva, buf, size);
	if (!err) {
		rd = pm_rd_make(buf, size, PM_AS_VIRT, base + rva, "VS_VERSIONINFO");
		err = pm_verinfo_parse(&rd, v);
	}
	free(buf);
	if (err && pm_err_code(err) != PM_ERR_NOMEM)
		err = pm_err_wrap(err, "RT_VERSION at RVA %#x (%#x bytes)", rva, size);
	return err;
}

struct pm_error *pm_pe_version(pm_read_fn read, void *ctx, uint64_t base,
			       const struct pm_pe_info *pe, struct pm_verinfo *ret)
{
	struct pm_verinfo v;
	memset(&v, 0, sizeof(v));
	struct pm_error *err = find_and_parse(read, ctx, base, pe, &v);
	if (err && pm_err_code(err) == PM_ERR_NOMEM)
		return err;
	if (err) {
		memset(&v, 0, sizeof(v));
		v.absent = pm_absent_of(err);
		snprintf(v.why, sizeof(v.why), "%s", pm_err_msg(err));
		pm_error_destroy(err);
	}
	*ret = v;
	return NULL;
}
