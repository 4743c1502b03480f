// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

static uint64_t hash(const char *k, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)k[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static bool grow(struct pm_strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct pm_strmap_slot *s = calloc(cap, sizeof(*s));
	if (!s)
		return false;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		size_t j = (size_t)hash(m->slots[i].key, strlen(m->slots[i].key)) & (cap - 1);
		while (s[j].key)
			j = (j + 1) & (cap - 1);
		s[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = s;
	m->cap = cap;
	return true;
}

static struct pm_strmap_slot *find(const struct pm_strmap *m, const char *key, size_t len)
{
	if (!m->cap)
		return NULL;
	size_t j = (size_t)hash(key, len) & (m->cap - 1);
	while (m->slots[j].key) {
		if (!strncmp(m->slots[j].key, key, len) && !m->slots[j].key[len])
			return &m->slots[j];
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

bool pm_strmap_add(struct pm_strmap *m, const char *key, size_t len, uint64_t val)
{
	if (find(m, key, len))
		return true;
	if ((m->n + 1) * 2 > m->cap && !grow(m))
		return false;
	char *k = malloc(len + 1);
	if (!k)
		return false;
	memcpy(k, key, len);
	k[len] = 0;
	size_t j = (size_t)hash(key, len) & (m->cap - 1);
	while (m->slots[j].key)
		j = (j + 1) & (m->cap - 1);
	m->slots[j].key = k;
	m->slots[j].val = val;
	m->n++;
	return true;
}

bool pm_strmap_get(const struct pm_strmap *m, const char *key, size_t len, uint64_t *val)
{
	const struct pm_strmap_slot *s = find(m, key, len);
	if (s && val)
		*val = s->val;
	return s != NULL;
}

void pm_strmap_free(struct pm_strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
