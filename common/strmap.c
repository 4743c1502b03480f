// SPDX-License-Identifier: MIT
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

static uint32_t hash(const char *k, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)k[i];
		h *= 0x100000001b3ull;
	}
	return (uint32_t)(h ^ h >> 32);
}

void pm_strmap_borrow_keys(struct pm_strmap *m)
{
	m->borrowed = true;
}

static bool resize(struct pm_strmap *m, size_t cap)
{
	struct pm_strmap_slot *s = calloc(cap, sizeof(*s));
	if (!s)
		return false;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		size_t j = m->slots[i].hash & (cap - 1);
		while (s[j].key)
			j = (j + 1) & (cap - 1);
		s[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = s;
	m->cap = cap;
	return true;
}

static bool grow(struct pm_strmap *m)
{
	return resize(m, m->cap ? m->cap * 2 : 64);
}

bool pm_strmap_reserve(struct pm_strmap *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 64;
	while (cap < 2 * n && cap < SIZE_MAX / 4)
		cap *= 2;
	return cap == m->cap || resize(m, cap);
}

static struct pm_strmap_slot *find(const struct pm_strmap *m, const char *key, size_t len,
				   uint32_t h)
{
	if (!m->cap)
		return NULL;
	size_t j = h & (m->cap - 1);
	while (m->slots[j].key) {
		const struct pm_strmap_slot *s = &m->slots[j];
		if (s->hash == h && s->len == len && !memcmp(s->key, key, len))
			return &m->slots[j];
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

bool pm_strmap_add(struct pm_strmap *m, const char *key, size_t len, uint64_t val)
{
	if (len > UINT32_MAX)
		return false;
	uint32_t h = hash(key, len);
	if (find(m, key, len, h))
		return true;
	if ((m->n + 1) * 2 > m->cap && !grow(m))
		return false;
	const char *k = key;
	if (!m->borrowed) {
		char *c = malloc(len + 1);
		if (!c)
			return false;
		memcpy(c, key, len);
		c[len] = 0;
		k = c;
	}
	size_t j = h & (m->cap - 1);
	while (m->slots[j].key)
		j = (j + 1) & (m->cap - 1);
	m->slots[j] = (struct pm_strmap_slot){ k, (uint32_t)len, h, val };
	m->n++;
	return true;
}

bool pm_strmap_get(const struct pm_strmap *m, const char *key, size_t len, uint64_t *val)
{
	const struct pm_strmap_slot *s = len <= UINT32_MAX ? find(m, key, len, hash(key, len)) : NULL;
	if (s && val)
		*val = s->val;
	return s != NULL;
}

void pm_strmap_free(struct pm_strmap *m)
{
	if (!m->borrowed)
		for (size_t i = 0; i < m->cap; i++)
			free((char *)m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
