/* SPDX-License-Identifier: MIT */
/**
 * @file rules.h
 * Diagnosis rules: pure functions from a summary (summary.h) to findings. No I/O, no
 * globals, deterministic order. Thresholds and knowledge (tags, bugchecks, limits) are data
 * (rules/data/ JSON files, embedded at build time, overridable with --rules FILE).
 */
#ifndef PM_RULES_H
#define PM_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm-error.h"
#include "summary.h"

enum pm_severity { PM_SEV_INFO, PM_SEV_WARNING, PM_SEV_CRITICAL };
enum pm_confidence { PM_CONF_LOW, PM_CONF_MEDIUM, PM_CONF_HIGH };
enum pm_resource {
	PM_RES_NONE,
	PM_RES_NONPAGED,
	PM_RES_PAGED,
	PM_RES_SESSION,
	PM_RES_COMMIT,
	PM_RES_PTES,
	PM_RES_PHYSICAL,
	PM_RES_POOL_CORRUPTION,
	_PM_RES_MAX
};
const char *pm_severity_name(enum pm_severity s);
const char *pm_confidence_name(enum pm_confidence c);
const char *pm_resource_name(enum pm_resource r);
bool pm_resource_parse(const char *s, enum pm_resource *ret);

enum { PM_MAX_EVIDENCE = 10, PM_MAX_STEPS = 6, PM_MAX_RANKED = 8 };

/** A tag ranked as a likely leaker, with its reasons. */
struct pm_ranked_tag {
	uint32_t tag;
	enum pm_resource pool; /**< NONPAGED, PAGED, or COMMIT (both pools) */
	bool partial; /**< ranked from partial tables (not every processor's): never "high" */
	uint64_t bytes, outstanding;
	double share; /**< of the pool's usage */
	char description[200]; /**< pooltag.txt's (or the knowledge base's); "" if none */
	char reasons[4][160];
	unsigned nreasons;
};

/** The "how" of an owner found only through a shared library tag: never blamed alone. */
#define PM_HOW_SHARED "shared library tag"

/** A driver ranked as the likely owner of a tag. */
struct pm_ranked_driver {
	uint32_t tag;
	char name[64];
	const char *how; /**< "code immediate", "code", "data", "pooltag.txt", "knowledge base",
			      "name", PM_HOW_SHARED */
	unsigned strength; /**< for ordering: higher is stronger */
	char detail[160];
	/** A module of that name is loaded in the dump: its image's facts for the vendor ticket
	 * (lm v: the link date and the version resource, or why that is not in the dump). */
	bool loaded;
	uint32_t timestamp;        /**< its TimeDateStamp, 0 = unknown */
	struct pm_verinfo version;
};

/** How a process is tied to a finding's resource. */
enum pm_holder_kind {
	PM_HOLD_HANDLES, /**< holds handles to objects of a type whose pool tag leaks */
	PM_HOLD_BILLED,  /**< big allocations of the tag are billed to it */
	PM_HOLD_QUOTA,   /**< pool quota of the pool is charged to it */
	PM_HOLD_COMMIT,  /**< its private commit */
};
const char *pm_holder_kind_name(enum pm_holder_kind k);

enum { PM_MAX_HOLDERS = 5 };

/** A process ranked as holding (or being charged for) what a finding is about. */
struct pm_ranked_holder {
	enum pm_holder_kind kind;
	uint32_t pid;
	char name[16];
	uint32_t tag;      /**< handles, billed: the tag; quota, commit: 0 */
	char type[32];     /**< handles: the object type */
	uint64_t count;    /**< handles held / allocations billed / quota bytes / commit pages */
	uint64_t total;    /**< of the type's handles / of the tag's billed allocations / the pool's
			      usage in bytes / committed pages (0: not known) */
	uint64_t bytes;    /**< billed bytes; quota bytes; commit bytes */
	enum pm_confidence confidence;
	char detail[400];  /**< the sentence, with the figures */
};

struct pm_finding {
	const char *rule; /**< stable id, e.g. "POOL-NONPAGED" */
	enum pm_severity severity;
	enum pm_confidence confidence;
	enum pm_resource resource;
	char title[200];
	char evidence[PM_MAX_EVIDENCE][240];
	unsigned nevidence;
	char steps[PM_MAX_STEPS][320];
	unsigned nsteps;
	struct pm_ranked_tag tags[PM_MAX_RANKED];
	unsigned ntags;
	struct pm_ranked_driver drivers[PM_MAX_RANKED];
	unsigned ndrivers;
	struct pm_ranked_holder holders[PM_MAX_HOLDERS]; /**< who holds it, most first */
	unsigned nholders;
	char holders_absent[400]; /**< why no holder could be named, when that was asked */
	const char *refs; /**< "[KB312362] [RUSS]" */
};

/** How a resource's rule judged it: not at all, from partial tables, from estimates (tag
 * sums, RAM from a bitmap's length), or from figures that were read whole. */
enum pm_judged { PM_JUDGED_NOT, PM_JUDGED_PARTIAL, PM_JUDGED_ESTIMATE, PM_JUDGED_FULL };
const char *pm_judged_name(enum pm_judged j);

struct pm_findings {
	struct pm_finding *items;
	size_t n, cap;
	char not_evaluated[10][300]; /**< rules whose inputs were missing, and what was missing */
	unsigned nnot;
	enum pm_judged judged[_PM_RES_MAX]; /**< per resource, what its rule could do */
};

/** Record that a rule judged @p r (the better of two records stands). */
void pm_findings_judged(struct pm_findings *f, enum pm_resource r, enum pm_judged how);

/* ---- knowledge (data) ---- */

struct pm_tag_info {
	uint32_t tag;
	char owner[96];
	char meaning[160];
	char advice[400];
	char ref[32];
	char source[16]; /**< "knowledge base" or "pooltag.txt" */
	bool expected;   /**< allocator bookkeeping, not a leak */
};

/** A tag that statically linked library code puts into many drivers (rules/data/
 * shared_tags.json, with its evidence): found in a driver's image, weak evidence for it. */
struct pm_shared_tag {
	uint32_t tag;
	char library[96];
	char evidence[240];
};

struct pm_bugcheck_info {
	uint32_t code;
	char name[64];
	enum pm_resource resource;
	char meaning[200];
};

struct pm_limit {
	uint32_t build_min, build_max;
	bool is64;
	unsigned np_pct_ram;
	uint64_t np_cap_mb, p_cap_mb, three_gb_np_mb;
	char ref[48];
};

/** One line of a pooltag.txt ("<Tag> - <binary> - <Description>"). */
struct pm_pooltag_entry {
	char pattern[5]; /**< the tag as written, padded with spaces to 4 characters unless it
			      holds '*'; '?' and '*' are wildcards */
	bool wild;
	uint32_t tag;    /**< the tag (not wild) as the pool stores it */
	char binary[96]; /**< "" when the line names none or says "<unknown>" */
	char desc[200];
	unsigned line;   /**< in its file */
	unsigned seq;    /**< order of reading (for a stable sort) */
};

/** What a pooltag.txt held, line by line. */
struct pm_pooltag_stats {
	unsigned entries, wildcards, short_tags, no_binary, unknown_binary, duplicates;
	unsigned blank, comments, prose, continuations;
};

/** A tag's description: from pooltag.txt (first line of the tag, else of the most specific
 * wildcard pattern matching it), else from the knowledge base. */
struct pm_tag_desc {
	const char *desc;
	const char *binary;  /**< NULL: not named */
	const char *source;  /**< "pooltag.txt" or "knowledge base" */
	unsigned line;       /**< pooltag.txt: its line */
	const char *pattern; /**< pooltag.txt: the wildcard pattern that matched, else NULL */
};

struct pm_rule_params {
	unsigned pool_warn_pct, pool_crit_pct, np_ram_warn_pct, np_ram_crit_pct, p_ram_warn_pct;
	unsigned commit_warn_pct, commit_crit_pct, avail_warn_pct, avail_crit_pct;
	unsigned pool_ram_commit_warn_pct, pool_ram_commit_crit_pct; /**< both pools vs RAM */
	unsigned commit_tag_min_share_pct; /**< a tag named as commit's cause holds this much */
	unsigned partial_tag_min_share_pct; /**< a tag from partial tables is named above this */
	unsigned ptes_low; /**< free system PTEs below which !vm says "Running out" */
	unsigned suspect_tag_min_share_pct, suspect_tags_max;
	uint64_t small_fixed_size_bytes, many_allocations;
	struct pm_tag_info *tags;
	size_t ntags;
	struct pm_shared_tag *shared;
	size_t nshared;
	struct pm_bugcheck_info *bugchecks;
	size_t nbugchecks;
	struct pm_limit *limits;
	size_t nlimits;
	struct pm_pooltag_entry *pooltag; /**< exact tags sorted by tag, then wildcards */
	size_t npooltag, nexact;
	struct pm_pooltag_stats pooltag_stats;
	char pooltag_src[256];
};

/** Defaults from the embedded data files. */
struct pm_error *pm_rule_params_init(struct pm_rule_params *p);
/** Merge a user's JSON file ({"thresholds": {...}, "tags": {...}, "bugchecks": {...}}). */
struct pm_error *pm_rule_params_merge_file(struct pm_rule_params *p, const char *path);
/** Merge rules JSON held in memory (@p what names it in errors). */
struct pm_error *pm_rule_params_merge_json(struct pm_rule_params *p, const char *text,
					   const char *what);
/** Merge pooltag.txt lines held in memory. */
struct pm_error *pm_rule_params_merge_pooltag_text(struct pm_rule_params *p, const char *text);
/** Merge a pooltag.txt ("Tag - binary - description" lines). */
struct pm_error *pm_rule_params_merge_pooltag(struct pm_rule_params *p, const char *path);
void pm_rule_params_deinit(struct pm_rule_params *p);
/** The knowledge base's entry for @p tag (built in, or --rules), or NULL. */
const struct pm_tag_info *pm_rule_tag(const struct pm_rule_params *p, uint32_t tag);
/** @p tag's entry among the shared library tags, or NULL. */
const struct pm_shared_tag *pm_rule_shared_tag(const struct pm_rule_params *p, uint32_t tag);
/** Parse pooltag.txt @p text (modified in place; @p src names it) into p->pooltag. */
struct pm_error *pm_pooltag_parse(struct pm_rule_params *p, char *text, const char *src);
/**
 * The pooltag.txt lines for @p tag into @p ret (at most @p max): every line of the exact tag
 * in file order, else every line of the most specific wildcard pattern that matches it (most
 * literal characters; the first in the file on a tie). Returns how many.
 */
size_t pm_rule_pooltag(const struct pm_rule_params *p, uint32_t tag,
		       const struct pm_pooltag_entry **ret, size_t max);
/** @p tag's description (pooltag.txt, else the knowledge base); false when none is known. */
bool pm_rule_tag_describe(const struct pm_rule_params *p, uint32_t tag, struct pm_tag_desc *ret);
/** The description column as WinDbg's !poolused prints it: "Desc , Binary: x.sys", "Desc "
 * (no binary) or "UNKNOWN pooltag 'Tag ', please update pooltag.txt". Returns @p buf. */
const char *pm_rule_tag_description(const struct pm_rule_params *p, uint32_t tag, char *buf,
				    size_t n);

/* ---- rules ---- */

struct pm_rule {
	const char *id;
	const char *title;
	void (*eval)(const struct pm_summary *s, const struct pm_rule_params *p,
		     struct pm_findings *out);
};

extern const struct pm_rule *const pm_rules[]; /**< NULL-terminated */

/** Append a finding (NULL on OOM, counted as not evaluated). */
struct pm_finding *pm_finding_add(struct pm_findings *f, const char *rule);
void pm_finding_evidence(struct pm_finding *fi, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pm_finding_step(struct pm_finding *fi, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pm_findings_not_evaluated(struct pm_findings *f, const char *rule, const char *why);
void pm_findings_deinit(struct pm_findings *f);

/** The three outcomes: a resource exhausted or at risk; healthy (each resource's rule
 * judged it from figures that were read); inconclusive (the dump lacks what a verdict needs). */
enum pm_outcome { PM_OUTCOME_HEALTHY, PM_OUTCOME_AT_RISK, PM_OUTCOME_INCONCLUSIVE };
const char *pm_outcome_name(enum pm_outcome o);

/** What a verdict lacked, and what would supply it. */
struct pm_missing {
	char what[240];
	char fix[320];
};

enum { PM_MAX_MISSING = 6, PM_MAX_COVERAGE = 6 };

struct pm_verdict {
	enum pm_outcome outcome;
	bool healthy;       /**< outcome == PM_OUTCOME_HEALTHY */
	enum pm_resource resource; /**< AT_RISK: the resource; otherwise PM_RES_NONE */
	enum pm_severity severity;
	enum pm_confidence confidence;
	char summary[400];
	uint32_t tag;       /**< top suspect tag, 0 if none */
	bool tag_partial;   /**< the tag was ranked from partial tables ("from partial data") */
	char driver[64];    /**< its top-ranked owner, "" if none */
	bool has_holder;
	struct pm_ranked_holder holder; /**< the verdict finding's top holder */
	bool estimate;      /**< the figures judged are estimates (tag sums, RAM upper bound) */
	/** Coverage warnings (the headline of every rendering carries the first): a truncated
	 * file, tables read in part, a header pointer that was wrong, a figure contradicted by
	 * another (implausible: not used, and the confidence is at most medium). */
	char coverage[PM_MAX_COVERAGE][340];
	unsigned ncoverage;
	bool incomplete;    /**< the dump is incomplete (exit code bit 4) */
	bool partial;       /**< the tag counts are partial data (tables missing or inconsistent) */
	/** Inconclusive: what is missing and what would fix it; otherwise what limited the
	 * confidence (resources not judged). */
	struct pm_missing missing[PM_MAX_MISSING];
	unsigned nmissing;
};

/** The exit code a verdict carries (README "Exit codes"): bits 1 = a resource is exhausted or
 * at risk, 4 = the dump is incomplete, 8 = inconclusive; 0 = healthy and complete. */
int pm_verdict_exit_code(const struct pm_verdict *v);

/** Draw the verdict from findings already evaluated (verdict.c). */
void pm_verdict_draw(const struct pm_summary *s, const struct pm_rule_params *p,
		     const struct pm_findings *f, struct pm_verdict *v);

/** Rank the processes holding what @p fi is about (rule_holders.c): handles of the object
 * types whose pool tag is among fi->tags, big allocations billed, pool quota charged, private
 * commit for a commit finding. */
void pm_rank_holders(const struct pm_summary *s, struct pm_finding *fi);

/** Run every rule, then derive the verdict from the findings. */
void pm_rules_evaluate(const struct pm_summary *s, const struct pm_rule_params *p,
		       struct pm_findings *out, struct pm_verdict *verdict);

#endif
