// SPDX-License-Identifier: MIT
// pooltag.txt reading (rules/pooltag.c) on the fuzz seed pooltag-shapes.bin, which holds every
// shape of line real copies have: padded columns, short tags, an inner space, wildcards ('?'
// and '*'), '<unknown>' binaries, a line without a binary, a tag on two lines, a tag that
// begins like a 'rem' comment, prose, indented continuation lines, CRLF and a 0x1A byte.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "rules.h"

static uint32_t tag(const char *s)
{
	uint32_t t = 0;
	CHECK(pm_sum_tag_parse(s, &t));
	return t;
}

/* The entries for @p t: their count, and binary/description of the first two. */
static size_t look(const struct pm_rule_params *p, const char *t,
		   const struct pm_pooltag_entry **e)
{
	return pm_rule_pooltag(p, tag(t), e, 4);
}

int main(int argc, char **argv)
{
	CHECK(argc == 2);
	FILE *f = argc == 2 ? fopen(argv[1], "rb") : NULL;
	CHECK(f != NULL);
	if (!f)
		return 1;
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	struct pm_rule_params p;
	CHECK_OK(pm_rule_params_init(&p));
	CHECK_OK(pm_rule_params_merge_pooltag_text(&p, buf + 1)); /* byte 0 picks the fuzz case */
	const struct pm_pooltag_stats *st = &p.pooltag_stats;
	CHECK_EQ_U64(st->entries, 12);
	CHECK_EQ_U64(st->wildcards, 3);
	CHECK_EQ_U64(st->short_tags, 1);      /* Ab (Ab* is a wildcard, not a short tag) */
	CHECK_EQ_U64(st->duplicates, 2);      /* Abcd and Ab?? */
	CHECK_EQ_U64(st->prose, 3);           /* the sentence, TooLong, the non-printable tag */
	CHECK_EQ_U64(st->continuations, 2);
	CHECK_EQ_U64(st->no_binary, 1);       /* Xyz1 */
	CHECK_EQ_U64(st->unknown_binary, 3);  /* Ab, Ab*, Ab 1 */
	CHECK_EQ_U64(st->comments, 4);

	const struct pm_pooltag_entry *e[4];
	CHECK_EQ_U64(look(&p, "Abcd", e), 2); /* both lines, in file order */
	CHECK(!strcmp(e[0]->binary, "abcd.sys") && !strcmp(e[0]->desc, "plain entry"));
	CHECK(!strcmp(e[1]->binary, "other.sys"));
	CHECK_EQ_U64(look(&p, "Ab", e), 1); /* 'Ab' is 'Ab  ' in the pool */
	CHECK(!e[0]->wild && !e[0]->binary[0] && !strcmp(e[0]->desc, "two-character tag, padded"));
	CHECK_EQ_U64(look(&p, "AbXY", e), 2); /* Ab?? and Ab* tie on literals: the first wins */
	CHECK(!strcmp(e[0]->pattern, "Ab??") && !strcmp(e[0]->binary, "abwild.sys"));
	CHECK(!strcmp(e[1]->binary, "abwild2.sys"));
	CHECK_EQ_U64(look(&p, "Ab 1", e), 1); /* inner space: exact, not the wildcards */
	CHECK(!strcmp(e[0]->desc, "a tag with an inner space"));
	CHECK_EQ_U64(look(&p, "Xyz1", e), 1);
	CHECK(!e[0]->binary[0] && !strcmp(e[0]->desc, "only a description here"));
	CHECK_EQ_U64(look(&p, "Xyz2", e), 1); /* a lone image name is the binary */
	CHECK(!strcmp(e[0]->binary, "xyz2.sys") && !e[0]->desc[0]);
	CHECK_EQ_U64(look(&p, "ReMo", e), 1);
	CHECK(!strcmp(e[0]->binary, "refs.sys"));
	CHECK_EQ_U64(look(&p, "Cont", e), 1);
	CHECK(!strcmp(e[0]->desc, "described on the next line as well"));
	CHECK_EQ_U64(look(&p, "Crlf", e), 1);
	CHECK(!strcmp(e[0]->desc, "a CRLF line"));
	CHECK_EQ_U64(look(&p, "Zzzz", e), 0);
	CHECK_EQ_U64(look(&p, "TooL", e), 0);

	char d[320];
	pm_rule_tag_description(&p, tag("Abcd"), d, sizeof(d));
	CHECK(!strcmp(d, "plain entry , Binary: abcd.sys"));
	pm_rule_tag_description(&p, tag("Ab"), d, sizeof(d));
	CHECK(!strcmp(d, "two-character tag, padded "));
	pm_rule_tag_description(&p, tag("Zzzz"), d, sizeof(d));
	CHECK(!strcmp(d, "UNKNOWN pooltag 'Zzzz', please update pooltag.txt"));
	pm_rule_tag_description(&p, tag("File"), d, sizeof(d)); /* the knowledge base */
	CHECK(strstr(d, "file objects") != NULL);
	pm_rule_params_deinit(&p);
	return test_failures ? 1 : 0;
}
