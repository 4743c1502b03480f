// SPDX-License-Identifier: MIT
// Volatility 3 ISF JSON (reference/symbols.md §6) as a pm_symtab. Opening checks the whole
// document (strict JSON) in one pass that builds no tree, only an index of where each symbol,
// type, enum and base type lies (isf_index.c); an entry is parsed by cJSON when a query first
// needs it, then kept. Every key's presence and type is checked before use, and type
// descriptors are followed with a depth limit.
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isf-priv.h"
#include "isf.h"
#include "pm-reader.h"
#include "strmap.h"

/* Policy: the largest ISF accepted (a Windows kernel's is 5-10 MB of JSON). */
static const uint64_t ISF_MAX_JSON = UINT64_C(256) << 20;

/* Type handles: a cJSON node pointer with its role in the low bits (nodes are 8-aligned). */
enum { H_DESC = 0, H_USER = 1, H_ENUM = 2, H_BASE = 3 };

struct isf {
	struct pm_symtab base;
	char *json; /* the document, kept: entries are parsed from it on demand */
	size_t jlen;
	struct isf_index ix;
	struct pm_strmap map[ISF_METADATA]; /* name -> entry index, per section */
	bool indexed[ISF_METADATA];         /* a section's names are hashed after a few lookups */
	unsigned lookups[ISF_METADATA];
	cJSON **parsed[ISF_METADATA];       /* entries parsed so far */
	char **keys;                        /* names that had escapes, decoded */
	size_t nkeys;
};

/* Lookups in a section answered by comparing names in place before its names are hashed. */
enum { ISF_LINEAR_LOOKUPS = 8 };

static const char *const section_name[ISF_NSECT] = { "symbols", "user_types", "enums",
						     "base_types", "metadata" };

static pm_tref handle(const cJSON *node, unsigned role)
{
	return (pm_tref)(uintptr_t)node | role;
}

static const cJSON *node_of(pm_tref h)
{
	return (const cJSON *)(uintptr_t)(h & ~(pm_tref)7);
}

bool pm_is_isf(const uint8_t *b, size_t n)
{
	size_t i = 0;
	while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	return i < n && b[i] == '{';
}

bool pm_is_xz(const uint8_t *b, size_t n)
{
	return n >= 6 && !memcmp(b, "\xFD" "7zXZ\0", 6);
}

static const char *pname(const struct isf *s)
{
	return s->base.path;
}

static const cJSON *obj(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsObject(v) ? v : NULL;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A non-negative integer below 2^53 (what JSON numbers carry exactly). */
static bool uint_of(const cJSON *o, const char *k, uint64_t *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble > 9007199254740992.0 ||
	    x->valuedouble != (double)(uint64_t)x->valuedouble)
		return false;
	*v = (uint64_t)x->valuedouble;
	return true;
}

/* An entry's name: its key, its escapes decoded (a NUL-terminated copy). */
static char *key_text(const struct isf *s, const struct isf_entry *e)
{
	const char *k = s->json + e->key;
	if (!memchr(k, '\\', e->key_len))
		return strndup(k, e->key_len);
	char *q = malloc(e->key_len + 2); /* the key with its quotes, parsed as a JSON string */
	if (!q)
		return NULL;
	memcpy(q, k - 1, e->key_len + 2);
	cJSON *v = cJSON_ParseWithLength(q, e->key_len + 2);
	free(q);
	char *r = cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
	cJSON_Delete(v);
	return r;
}

/* The names of a section's entries (borrowed from the document where they have no escape). */
static struct pm_error *index_section(struct isf *s, unsigned sec)
{
	const struct isf_section *x = &s->ix.sec[sec];
	struct pm_strmap *m = &s->map[sec];
	pm_strmap_borrow_keys(m);
	if (!pm_strmap_reserve(m, x->n))
		return &pm_enomem;
	for (size_t i = 0; i < x->n; i++) {
		const struct isf_entry *e = &x->e[i];
		const char *k = s->json + e->key;
		size_t len = e->key_len;
		if (memchr(k, '\\', len)) {
			char *d = key_text(s, e);
			char **ks = d ? realloc(s->keys, (s->nkeys + 1) * sizeof(*ks)) : NULL;
			if (!ks) {
				free(d);
				return &pm_enomem;
			}
			s->keys = ks;
			s->keys[s->nkeys++] = d;
			k = d;
			len = strlen(d);
		}
		if (!pm_strmap_add(m, k, len, i))
			return &pm_enomem;
	}
	return NULL;
}

/* Entry @p i of section @p sec, parsed (once). Its node's string is its name. */
static struct pm_error *entry_node(struct isf *s, unsigned sec, size_t i, const cJSON **ret)
{
	if (!s->parsed[sec] &&
	    !(s->parsed[sec] = calloc(s->ix.sec[sec].n ? s->ix.sec[sec].n : 1, sizeof(cJSON *))))
		return &pm_enomem;
	cJSON *n = s->parsed[sec][i];
	if (!n) {
		const struct isf_entry *e = &s->ix.sec[sec].e[i];
		n = cJSON_ParseWithLength(s->json + e->val, e->val_len);
		char *name = n ? key_text(s, e) : NULL;
		if (!name) { /* the document was checked: only memory can fail here */
			cJSON_Delete(n);
			return &pm_enomem;
		}
		n->string = name; /* freed with the node */
		s->parsed[sec][i] = n;
	}
	*ret = n;
	return NULL;
}

/* The entry named @p name in section @p sec; *ret NULL when there is none. */
static struct pm_error *named(struct isf *s, unsigned sec, const char *name, size_t len,
			      const cJSON **ret)
{
	uint64_t v;
	*ret = NULL;
	if (!s->indexed[sec] && s->lookups[sec]++ < ISF_LINEAR_LOOKUPS) {
		/* the first few lookups compare names in place: `x` of two symbols need not hash
		 * 43,000 names (a name with escapes is compared decoded, below) */
		const struct isf_section *x = &s->ix.sec[sec];
		bool escapes = false;
		for (size_t i = 0; i < x->n; i++) {
			const struct isf_entry *e = &x->e[i];
			const char *k = s->json + e->key;
			if (e->key_len == len && !memcmp(k, name, len))
				return entry_node(s, sec, i, ret);
			escapes |= e->key_len >= len && memchr(k, '\\', e->key_len);
		}
		if (!escapes)
			return NULL;
	}
	if (!s->indexed[sec]) {
		PM_TRY(index_section(s, sec));
		s->indexed[sec] = true;
	}
	if (!pm_strmap_get(&s->map[sec], name, len, &v))
		return NULL;
	return entry_node(s, sec, (size_t)v, ret);
}

static struct pm_error *isf_symbol(struct pm_symtab *t, const char *name, uint64_t *rva)
{
	struct isf *s = (struct isf *)t;
	const cJSON *n;
	size_t len = strlen(name);
	PM_TRY(named(s, ISF_SYMBOLS, name, len, &n));
	if (!n && name[0] == '_')
		PM_TRY(named(s, ISF_SYMBOLS, name + 1, len - 1, &n));
	if (!n)
		return pm_err(PM_ERR_PROFILE, "%s: no symbol %s", pname(s), name);
	if (!uint_of(n, "address", rva))
		return pm_err(PM_ERR_FORMAT, "%s: symbols.%s.address is not an address", pname(s),
			      name);
	return NULL;
}

static struct pm_error *isf_find_type(struct pm_symtab *t, const char *name, pm_tref *ret)
{
	struct isf *s = (struct isf *)t;
	const cJSON *n;
	size_t len = strlen(name);
	PM_TRY(named(s, ISF_USER_TYPES, name, len, &n));
	if (n) {
		*ret = handle(n, H_USER);
		return NULL;
	}
	PM_TRY(named(s, ISF_ENUMS, name, len, &n));
	if (!n)
		return pm_err(PM_ERR_PROFILE, "%s: no type %s", pname(s), name);
	*ret = handle(n, H_ENUM);
	return NULL;
}

static struct pm_error *describe_base(struct isf *s, const cJSON *b, const char *name,
				      struct pm_tinfo *t)
{
	uint64_t size;
	const char *kind = str(b, "kind");
	if (!uint_of(b, "size", &size) || !kind)
		return pm_err(PM_ERR_FORMAT, "%s: base_types.%s lacks a size or kind", pname(s), name);
	snprintf(t->name, sizeof(t->name), "%s", name);
	if (!strcmp(kind, "void")) {
		t->kind = PM_TK_VOID;
		return NULL;
	}
	t->kind = PM_TK_BASE;
	t->has_size = true;
	t->size = size;
	t->is_signed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "signed"));
	t->base_class = !strcmp(kind, "float")  ? PM_BC_FLOAT
			: !strcmp(kind, "bool") ? PM_BC_BOOL
			: !strcmp(kind, "char") ? (size == 1 ? PM_BC_CHAR : PM_BC_WCHAR)
						: PM_BC_INT;
	return NULL;
}

static struct pm_error *lookup(struct isf *s, unsigned sec, const char *name, const char *what,
			       const cJSON **ret)
{
	*ret = NULL;
	if (name)
		PM_TRY(named(s, sec, name, strlen(name), ret));
	if (!*ret)
		return pm_err(PM_ERR_FORMAT, "%s: %s %s is not defined", pname(s), what,
			      name ? name : "(no name)");
	return NULL;
}

static struct pm_error *isf_describe(struct pm_symtab *t, pm_tref h, struct pm_tinfo *ti)
{
	struct isf *s = (struct isf *)t;
	memset(ti, 0, sizeof(*ti));
	const cJSON *n = node_of(h);
	if (!n)
		return pm_err(PM_ERR_FORMAT, "%s: no type", pname(s));
	const cJSON *d;
	const char *name = n->string ? n->string : "";
	switch (h & 7) {
	case H_BASE:
		return describe_base(s, n, name, ti);
	case H_USER: {
		const char *kind = str(n, "kind");
		uint64_t size;
		if (!kind || !uint_of(n, "size", &size))
			return pm_err(PM_ERR_FORMAT, "%s: user_types.%s lacks a kind or size", pname(s),
				      name);
		ti->kind = !strcmp(kind, "union") ? PM_TK_UNION : PM_TK_STRUCT;
		ti->has_size = true;
		ti->size = size;
		snprintf(ti->name, sizeof(ti->name), "%s", name);
		ti->anonymous = !strncmp(name, "__unnamed", 9) || !strncmp(name, "unnamed", 7) ||
				strstr(name, "<unnamed") != NULL;
		return NULL;
	}
	case H_ENUM:
		ti->kind = PM_TK_ENUM;
		snprintf(ti->name, sizeof(ti->name), "%s", name);
		PM_TRY(lookup(s, ISF_BASE_TYPES, str(n, "base"), "enum base type", &d));
		ti->target = handle(d, H_BASE);
		return NULL;
	case H_DESC:
		break;
	default:
		return pm_err(PM_ERR_FORMAT, "%s: bad type handle", pname(s));
	}
	const char *kind = str(n, "kind");
	if (!kind)
		return pm_err(PM_ERR_FORMAT, "%s: a type descriptor has no kind", pname(s));
	if (!strcmp(kind, "base")) {
		PM_TRY(lookup(s, ISF_BASE_TYPES, str(n, "name"), "base type", &d));
		return describe_base(s, d, d->string, ti);
	}
	if (!strcmp(kind, "pointer")) {
		const char *b = str(n, "base");
		PM_TRY(lookup(s, ISF_BASE_TYPES, b ? b : "pointer", "pointer base type", &d));
		const cJSON *sub = obj(n, "subtype");
		if (!sub || !uint_of(d, "size", &ti->size))
			return pm_err(PM_ERR_FORMAT, "%s: a pointer descriptor lacks a subtype or the "
				      "pointer size", pname(s));
		ti->kind = PM_TK_POINTER;
		ti->has_size = true;
		ti->target = handle(sub, H_DESC);
		return NULL;
	}
	if (!strcmp(kind, "array")) {
		const cJSON *sub = obj(n, "subtype");
		if (!sub || !uint_of(n, "count", &ti->count))
			return pm_err(PM_ERR_FORMAT, "%s: an array descriptor lacks a count or subtype",
				      pname(s));
		ti->kind = PM_TK_ARRAY;
		ti->target = handle(sub, H_DESC); /* the size follows from the element's */
		return NULL;
	}
	if (!strcmp(kind, "bitfield")) {
		const cJSON *sub = obj(n, "type");
		uint64_t pos, len;
		if (!sub || !uint_of(n, "bit_position", &pos) || !uint_of(n, "bit_length", &len) ||
		    pos > 127 || len > 128)
			return pm_err(PM_ERR_FORMAT, "%s: a bitfield descriptor lacks its type, position "
				      "or length", pname(s));
		ti->kind = PM_TK_BITFIELD;
		ti->bitpos = (unsigned)pos;
		ti->bitlen = (unsigned)len;
		ti->target = handle(sub, H_DESC);
		return NULL;
	}
	bool is_enum = !strcmp(kind, "enum");
	if (is_enum || !strcmp(kind, "struct") || !strcmp(kind, "union") || !strcmp(kind, "class")) {
		const char *tn = str(n, "name");
		const cJSON *def = NULL;
		if (tn)
			PM_TRY(named(s, is_enum ? ISF_ENUMS : ISF_USER_TYPES, tn, strlen(tn), &def));
		if (def)
			return isf_describe(t, handle(def, is_enum ? H_ENUM : H_USER), ti);
		/* named but not defined here (a forward declaration): no size, no members */
		ti->kind = is_enum ? PM_TK_ENUM : !strcmp(kind, "union") ? PM_TK_UNION : PM_TK_STRUCT;
		snprintf(ti->name, sizeof(ti->name), "%.200s", tn ? tn : "");
		return NULL;
	}
	if (!strcmp(kind, "function")) {
		ti->kind = PM_TK_FUNCTION;
		snprintf(ti->name, sizeof(ti->name), "function");
		return NULL;
	}
	ti->kind = PM_TK_OTHER;
	snprintf(ti->name, sizeof(ti->name), "%.200s", kind);
	return NULL;
}

static int member_cmp(const void *a, const void *b)
{
	const struct pm_tmember *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static struct pm_error *isf_members(struct pm_symtab *t, pm_tref h, struct pm_tmember **ret,
				    size_t *nret)
{
	struct isf *s = (struct isf *)t;
	const cJSON *n = node_of(h);
	if ((h & 7) == H_DESC) { /* a struct/union descriptor: its definition */
		struct pm_tinfo ti;
		PM_TRY(isf_describe(t, h, &ti));
		PM_TRY(named(s, ISF_USER_TYPES, ti.name, strlen(ti.name), &n));
		if (!n)
			return pm_err(PM_ERR_PROFILE, "%s: %s has no members", pname(s), ti.name);
	} else if ((h & 7) != H_USER) {
		return pm_err(PM_ERR_PROFILE, "%s: not a structure", pname(s));
	}
	const cJSON *f = obj(n, "fields");
	if (!f)
		return pm_err(PM_ERR_FORMAT, "%s: user_types.%s has no fields object", pname(s),
			      n->string ? n->string : "?");
	size_t cnt = (size_t)cJSON_GetArraySize(f);
	struct pm_tmember *m = calloc(cnt ? cnt : 1, sizeof(*m));
	if (!m)
		return &pm_enomem;
	size_t i = 0;
	for (const cJSON *it = f->child; it && i < cnt; it = it->next, i++) {
		const cJSON *ty = obj(it, "type");
		if (!it->string || !ty || !uint_of(it, "offset", &m[i].offset)) {
			free(m);
			return pm_err(PM_ERR_FORMAT, "%s: user_types.%s.fields.%s lacks an offset or "
				      "type", pname(s), n->string ? n->string : "?",
				      it->string ? it->string : "?");
		}
		snprintf(m[i].name, sizeof(m[i].name), "%.255s", it->string);
		m[i].type = handle(ty, H_DESC);
		m[i].anonymous = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "anonymous"));
	}
	if (i > 1) /* declaration order is not kept in JSON objects: offset order */
		qsort(m, i, sizeof(*m), member_cmp);
	*ret = m;
	*nret = i;
	return NULL;
}

static int enum_cmp(const void *a, const void *b)
{
	const struct pm_tenumerator *x = a, *y = b;
	return x->value < y->value ? -1 : x->value > y->value;
}

static struct pm_error *isf_enumerators(struct pm_symtab *t, pm_tref h,
					struct pm_tenumerator **ret, size_t *nret)
{
	struct isf *s = (struct isf *)t;
	struct pm_tinfo ti;
	PM_TRY(isf_describe(t, h, &ti));
	const cJSON *def = NULL;
	if (ti.kind == PM_TK_ENUM)
		PM_TRY(named(s, ISF_ENUMS, ti.name, strlen(ti.name), &def));
	if (!def)
		return pm_err(PM_ERR_PROFILE, "%s: not an enum", pname(s));
	const cJSON *c = obj(def, "constants");
	if (!c)
		return pm_err(PM_ERR_FORMAT, "%s: enums.%s has no constants", pname(s), ti.name);
	size_t cnt = (size_t)cJSON_GetArraySize(c), i = 0;
	struct pm_tenumerator *e = calloc(cnt ? cnt : 1, sizeof(*e));
	if (!e)
		return &pm_enomem;
	for (const cJSON *it = c->child; it && i < cnt; it = it->next) {
		/* an integer an int64 holds; anything else (5e21, 0.5) is not an enumerator */
		if (!it->string || !cJSON_IsNumber(it) || !(it->valuedouble >= -9.2e18) ||
		    !(it->valuedouble <= 9.2e18) || it->valuedouble != (double)(int64_t)it->valuedouble)
			continue;
		snprintf(e[i].name, sizeof(e[i].name), "%.255s", it->string);
		e[i].value = (int64_t)it->valuedouble;
		i++;
	}
	if (i > 1) /* JSON keeps no declaration order: value order */
		qsort(e, i, sizeof(*e), enum_cmp);
	*ret = e;
	*nret = i;
	return NULL;
}

static void isf_destroy(struct pm_symtab *t)
{
	struct isf *s = (struct isf *)t;
	for (unsigned k = 0; k < ISF_METADATA; k++) {
		for (size_t i = 0; s->parsed[k] && i < s->ix.sec[k].n; i++)
			cJSON_Delete(s->parsed[k][i]);
		free(s->parsed[k]);
		pm_strmap_free(&s->map[k]);
	}
	for (size_t i = 0; i < s->nkeys; i++)
		free(s->keys[i]);
	free(s->keys);
	pm_isf_index_free(&s->ix);
	free(s->json);
	free(s->base.path);
	free(s);
}

static const struct pm_symtab_ops isf_ops = { isf_symbol, isf_find_type, isf_describe,
					      isf_members, isf_enumerators, isf_destroy };

/* metadata.windows.pdb: GUID text (key form, symbols.md §6.1) -> raw bytes. */
static bool guid_from_text(const char *g, uint8_t out[16])
{
	uint8_t h[16];
	if (!g || strlen(g) != 32)
		return false;
	for (int i = 0; i < 16; i++) {
		unsigned v;
		if (sscanf(g + 2 * i, "%2x", &v) != 1)
			return false;
		h[i] = (uint8_t)v;
	}
	/* Data1 (4 bytes), Data2, Data3 are little-endian in the raw GUID */
	const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	for (int i = 0; i < 16; i++)
		out[i] = h[order[i]];
	return true;
}

static struct pm_error *read_all(struct pm_source *src, const char *path, uint8_t **buf,
				 size_t *len)
{
	if (src->size > ISF_MAX_JSON)
		return pm_err(PM_ERR_LIMIT, "%s: %" PRIu64 " bytes: larger than the %" PRIu64
			      "-byte limit for an ISF file", path, src->size, ISF_MAX_JSON);
	uint8_t *b = malloc((size_t)src->size + 1);
	if (!b)
		return &pm_enomem;
	struct pm_error *err = pm_source_read_exact(src, 0, b, (size_t)src->size, "ISF file");
	if (err) {
		free(b);
		return err;
	}
	*buf = b;
	*len = (size_t)src->size;
	return NULL;
}

static struct pm_error *unxz(const uint8_t *in, size_t inlen, const char *path, uint8_t **out,
			     size_t *outlen)
{
	lzma_stream z = LZMA_STREAM_INIT;
	if (lzma_stream_decoder(&z, UINT64_MAX, 0) != LZMA_OK)
		return &pm_enomem;
	/* ISF JSON compresses about 11:1: room for 16:1 at once (pages not written cost nothing) */
	size_t cap = inlen < ISF_MAX_JSON / 16 ? inlen * 16 + 4096 : (size_t)ISF_MAX_JSON, n = 0;
	uint8_t *b = NULL;
	struct pm_error *err = NULL;
	z.next_in = in;
	z.avail_in = inlen;
	for (;;) {
		if (n == cap || !b) {
			if (cap > ISF_MAX_JSON) {
				err = pm_err(PM_ERR_LIMIT, "%s: xz data expands beyond the %" PRIu64
					     "-byte limit for an ISF file", path, ISF_MAX_JSON);
				break;
			}
			if (b)
				cap *= 2;
			uint8_t *b2 = realloc(b, cap + 1);
			if (!b2) {
				err = &pm_enomem;
				break;
			}
			b = b2;
		}
		z.next_out = b + n;
		z.avail_out = cap - n;
		lzma_ret r = lzma_code(&z, LZMA_FINISH);
		n = cap - z.avail_out;
		if (r == LZMA_STREAM_END)
			break;
		if (r != LZMA_OK && r != LZMA_BUF_ERROR) {
			err = pm_err(PM_ERR_FORMAT, "%s: xz data damaged at compressed offset %#zx "
				     "(liblzma error %d)", path, inlen - z.avail_in, (int)r);
			break;
		}
		if (r == LZMA_BUF_ERROR && z.avail_out) {
			err = pm_err(PM_ERR_TRUNCATED, "%s: xz data ends early (at %#zx)", path,
				     inlen - z.avail_in);
			break;
		}
	}
	lzma_end(&z);
	if (err) {
		free(b);
		return err;
	}
	*out = b;
	*outlen = n;
	return NULL;
}

struct pm_error *pm_isf_open(struct pm_source *src, const char *path, struct pm_symtab **ret)
{
	uint8_t *raw = NULL, *json = NULL;
	size_t rawlen = 0, jlen = 0;
	struct pm_error *err = read_all(src, path, &raw, &rawlen);
	pm_source_destroy(src);
	if (err)
		return err;
	if (pm_is_xz(raw, rawlen)) {
		err = unxz(raw, rawlen, path, &json, &jlen);
		free(raw);
		if (err)
			return err;
	} else {
		json = raw;
		jlen = rawlen;
	}
	struct isf *s = calloc(1, sizeof(*s));
	char *pp = strdup(path);
	if (!s || !pp) {
		free(s);
		free(pp);
		free(json);
		return &pm_enomem;
	}
	s->base.ops = &isf_ops;
	s->base.path = pp;
	s->json = (char *)json;
	s->jlen = jlen;
	snprintf(s->base.id.format, sizeof(s->base.id.format), "ISF");
	size_t at = 0, at_len = 0;
	unsigned which = 0;
	switch (pm_isf_scan(s->json, jlen, &s->ix, &at, &at_len, &which)) {
	case ISF_SCAN_OK:
		break;
	case ISF_SCAN_SYNTAX:
		err = pm_err(PM_ERR_FORMAT, "%s: not valid JSON (error near byte %zu)", path, at);
		goto fail;
	case ISF_SCAN_NOT_OBJECT:
		err = pm_err(PM_ERR_FORMAT, "%s: %s: entry %.*s is not an object", path,
			     section_name[which], (int)(at_len < 200 ? at_len : 200), s->json + at);
		goto fail;
	case ISF_SCAN_NOMEM:
		err = &pm_enomem;
		goto fail;
	}
	for (unsigned k = 0; k < ISF_NSECT; k++)
		if (!s->ix.sec[k].present || !s->ix.sec[k].is_object) {
			err = pm_err(PM_ERR_FORMAT, "%s: not an ISF file: metadata, base_types, "
				     "user_types, enums and symbols must all be objects", path);
			goto fail;
		}
	const struct isf_section *ms = &s->ix.sec[ISF_METADATA];
	cJSON *meta = cJSON_ParseWithLength(s->json + ms->val, ms->val_len);
	if (!meta) {
		err = &pm_enomem;
		goto fail;
	}
	const cJSON *pdb = obj(obj(meta, "windows"), "pdb");
	uint64_t age, ps;
	if (pdb && guid_from_text(str(pdb, "GUID"), s->base.id.guid) && uint_of(pdb, "age", &age) &&
	    age <= UINT32_MAX) {
		s->base.id.has_guid = true;
		s->base.id.age = (uint32_t)age;
	}
	if (pdb && str(pdb, "database"))
		snprintf(s->base.id.pdb_name, sizeof(s->base.id.pdb_name), "%s", str(pdb, "database"));
	cJSON_Delete(meta);
	const cJSON *pt;
	if ((err = named(s, ISF_BASE_TYPES, "pointer", 7, &pt)))
		goto fail;
	if (pt && uint_of(pt, "size", &ps) && (ps == 4 || ps == 8))
		s->base.id.ptr_size = (unsigned)ps;
	*ret = &s->base;
	return NULL;
fail:
	isf_destroy(&s->base);
	return err;
}
