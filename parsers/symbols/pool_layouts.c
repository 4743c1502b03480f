// SPDX-License-Identifier: MIT
// Pool structure layouts as data: POOL_TRACKER_TABLE (pool-internals.md §2.1) and
// POOL_TRACKER_BIG_PAGES (§3.1). Offsets in bytes; widths 4 or 8. Also the builds where the
// kernel changed something the parsers depend on (pm_build_has()).
//
// The x64 rows are checked against the real-kernel facts table (fixtures/facts/, 213
// ntkrnlmp.pdb of 7601..22000; tests/unit/test_facts_place.c): tracker entries 0x28 on
// 7601/9600/14393, 0x38 on 17763..19041, 0x50 on every 20348 and 22000 kernel (AvailableLimit
// at 0x38, LimitInfo at 0x48 after the same counters); big-page entries 0x18 with a ULONG
// PoolType on 7601/9600, with PoolType bits 8..19 on 14393..19041, 0x20 with ProcessBilled at
// 0x18 from 20348. No layout changes within a build family in the facts.
#include "profile.h"

const struct pm_tracker_layout pm_tracker_layouts32[PM_N_TRACKER_LAYOUTS] = {
	{ "x86 0x1C (2003..1703)", 0x1C, { 0, 4 }, { 4, 4 }, { 8, 4 }, { 0xC, 4 },
	  { 0x10, 4 }, { 0x14, 4 }, { 0x18, 4 } },
	{ "x86 0x30 (1709..19041)", 0x30, { 0, 4 }, { 8, 8 }, { 0x10, 8 }, { 4, 4 },
	  { 0x20, 8 }, { 0x28, 8 }, { 0x18, 4 } },
	{ "x86 0x40 (21292+)", 0x40, { 0, 4 }, { 8, 8 }, { 0x10, 8 }, { 4, 4 },
	  { 0x20, 8 }, { 0x28, 8 }, { 0x18, 4 } },
};

const struct pm_tracker_layout pm_tracker_layouts64[PM_N_TRACKER_LAYOUTS] = {
	{ "x64 0x28 (2003..1703)", 0x28, { 0, 4 }, { 4, 4 }, { 8, 4 }, { 0x10, 8 },
	  { 0x18, 4 }, { 0x1C, 4 }, { 0x20, 8 } },
	{ "x64 0x38 (1709..19041)", 0x38, { 0, 4 }, { 0x10, 8 }, { 0x18, 8 }, { 8, 8 },
	  { 0x28, 8 }, { 0x30, 8 }, { 0x20, 8 } },
	{ "x64 0x50 (20348..)", 0x50, { 0, 4 }, { 0x10, 8 }, { 0x18, 8 }, { 8, 8 },
	  { 0x28, 8 }, { 0x30, 8 }, { 0x20, 8 } },
};

const struct pm_big_layout pm_big_layouts32[PM_N_BIG_LAYOUTS32] = {
	{ "x86 0xC pages (XP)", 0xC, 4, PM_BIG_PAGES, { 8, 4 }, PM_BIG_TYPE_NONE, 0 },
	{ "x86 0x10 pages (2003)", 0x10, 4, PM_BIG_PAGES, { 8, 4 }, PM_BIG_TYPE_NONE, 0 },
	{ "x86 0x10 bytes (Vista..8.1)", 0x10, 4, PM_BIG_BYTES, { 0xC, 4 }, PM_BIG_TYPE_U32, 8 },
	{ "x86 0x10 bytes, type bits 8-19 (10)", 0x10, 4, PM_BIG_BYTES, { 0xC, 4 },
	  PM_BIG_TYPE_BITS8_19, 8 },
};

const struct pm_big_layout pm_big_layouts64[PM_N_BIG_LAYOUTS64] = {
	{ "x64 0x18 pages (2003)", 0x18, 8, PM_BIG_PAGES, { 0xC, 4 }, PM_BIG_TYPE_NONE, 0 },
	{ "x64 0x18 bytes (Vista..8.1)", 0x18, 8, PM_BIG_BYTES, { 0x10, 8 }, PM_BIG_TYPE_U32, 0xC },
	{ "x64 0x18 bytes, type bits 8-19 (10 1507..19041)", 0x18, 8, PM_BIG_BYTES, { 0x10, 8 },
	  PM_BIG_TYPE_BITS8_19, 0xC },
	{ "x64 0x20 bytes + ProcessBilled (20348+)", 0x20, 8, PM_BIG_BYTES, { 0x10, 8 },
	  PM_BIG_TYPE_BITS8_19, 0xC },
};

/* The first build of each change (the order of enum pm_build_feature). */
static const uint32_t feature_first_build[_PM_FEAT_MAX] = {
	[PM_FEAT_L1TF_PTE_BIT] = 18362,
	[PM_FEAT_NO_POOL_DESCRIPTORS] = 19041,
	[PM_FEAT_BIG_POOL_FLAGS] = 26100,
	[PM_FEAT_SEGMENT_SIG_UNKEYED] = 26100,
};

bool pm_build_has(uint32_t build, enum pm_build_feature f)
{
	return (unsigned)f < _PM_FEAT_MAX && build && build >= feature_first_build[f];
}

unsigned pm_expected_tracker_layout(uint32_t build, bool is64)
{
	if (build < 16299)
		return 0;
	if (is64)
		return build >= 20348 ? 2 : 1; /* 0x50 on every 20348 and 22000 kernel (facts) */
	return build > 19045 ? 2 : 1;
}

unsigned pm_expected_big_layout(uint32_t build, bool is64)
{
	if (is64) {
		if (build <= 3790)
			return 0;
		if (build < 10240)
			return 1;
		return build < 20348 ? 2 : 3;
	}
	if (build <= 2600)
		return 0;
	if (build <= 3790)
		return 1;
	return build < 10240 ? 2 : 3;
}

bool pm_desc_layout_valid(const struct pm_desc_layout *L)
{
	const struct pm_desc_field *f[] = { &L->ra, &L->rd, &L->pages, &L->big,
					    &L->pa, &L->pd, &L->ba, &L->bd };
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		bool used = i < 2 || (L->split ? i >= 4 : i < 4);
		if (used && ((f[i]->width != 4 && f[i]->width != 8) || f[i]->off + f[i]->width > 0x100))
			return false;
	}
	return true;
}
