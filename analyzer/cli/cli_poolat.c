// SPDX-License-Identifier: MIT
// pool DUMP ADDR...: which pool allocation each address belongs to, as WinDbg's !pool answers
// (a big allocation of the big-page table, or a chunk of a small-pool page shown among its
// neighbours, '*' marking it; on 19H1+ a VS chunk or LFH block of the segment heap), each tag
// with its description.
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "fmt.h"
#include "poolfind.h"

/* 19H1+: the subsegment, its allocations on the address's page ('*' the one holding it),
 * and what could not be told without the keys. */
static void print_segheap(const struct pm_pool_at *r)
{
	const struct pm_sh_at *sh = &r->sh;
	char heap[64] = "heap not known without the kernel's symbols";
	if (sh->heap >= 0)
		snprintf(heap, sizeof(heap), "%s heap of pool node %u", pm_segheap_name(sh->heap),
			 sh->node);
	if (sh->kind == PM_SH_LFH)
		printf("%s: segment heap (%s), LFH subsegment %s: %u blocks of %#x bytes%s\n",
		       PM_ADDR(r->addr), heap, PM_ADDR(sh->subsegment), sh->block_count,
		       sh->block_size, sh->keyed ? "" : " (read without LfhKey)");
	else
		printf("%s: segment heap (%s), VS subsegment %s of %#" PRIx64 " bytes%s\n",
		       PM_ADDR(r->addr), heap, PM_ADDR(sh->subsegment), sh->sub_bytes,
		       sh->keyed ? "" : sh->nblocks ? " (chunk sizes from their chain, without "
		       "HeapKey)" : " (chunks not decoded without HeapKey)");
	for (size_t i = 0; i < sh->nblocks; i++) {
		const struct pm_sh_block *b = &sh->blocks[i];
		unsigned size = b->pool_bytes ? b->pool_bytes : b->bytes;
		printf("%c%s size: %5u previous size: %5u  (%s) %c%s\n", i == sh->hit ? '*' : ' ',
		       PM_ADDR(b->va), size, i ? sh->blocks[i - 1].bytes : 0,
		       b->state_unknown ? "Unknown" : b->allocated ? "Allocated" : "Free",
		       i == sh->hit ? '*' : ' ',
		       b->header_ok ? PM_TAG(b->tag) : "----");
	}
	if (r->where == PM_POOL_NONE)
		printf("%s: %s\n", PM_ADDR(r->addr), r->why);
	if (sh->limits[0])
		printf("  note: %s\n", sh->limits);
}

static void print_at(const struct pm_pool_at *r, const struct pm_rule_params *p)
{
	char desc[300];
	if (r->where == PM_POOL_SEGHEAP || (r->where == PM_POOL_NONE && r->sh.kind != PM_SH_NONE)) {
		print_segheap(r);
		if (r->where == PM_POOL_NONE || !r->tag)
			return;
	} else if (r->where == PM_POOL_NONE) {
		printf("%s: %s\n", PM_ADDR(r->addr), r->why);
		return;
	}
	if (r->where == PM_POOL_BIG || r->where == PM_POOL_BIG_FREED) {
		printf("%s is %s big allocation (big-page table):\n  %s  %s, tag %s, %s pool, "
		       "offset +%#" PRIx64 "%s\n", PM_ADDR(r->addr),
		       r->where == PM_POOL_BIG ? "inside a" : "inside a FREED", PM_ADDR(r->base),
		       PM_HUMAN(r->bytes), PM_TAG(r->tag), r->pool ? r->pool : "(type not recorded)",
		       r->addr - r->base, r->where == PM_POOL_BIG ? "" : " (the slot's tag and size "
		       "are stale)");
	} else if (r->where == PM_POOL_SMALL) {
		printf("Pool page %s region is %s pool\n", PM_ADDR(r->page), r->pool);
		for (size_t i = 0; i < r->nchunks; i++) {
			const struct pm_chunk *c = &r->chunks[i];
			printf("%c%s size: %5u previous size: %5u  (%s) %c%s\n", i == r->hit ? '*' : ' ',
			       PM_ADDR(r->page + c->offset), c->size,
			       i ? r->chunks[i - 1].size : 0, c->allocated ? "Allocated" : "Free",
			       i == r->hit ? '*' : ' ', PM_TAG(c->tag));
		}
	}
	printf("\t\tPooltag %s : %s\n", PM_TAG(r->tag),
	       pm_rule_tag_description(p, r->tag, desc, sizeof(desc)));
}

int pm_cmd_pool(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	uint64_t addrs[64];
	int n = a->npos - 1;
	for (int i = 0; i < n; i++)
		if (i >= 64 || !pm_cli_parse_u64(a->pos[i + 1], &addrs[i])) {
			fprintf(stderr, "poolmortem: pool: '%s' is not an address (hex, 0x optional; "
				"at most 64)\n", a->pos[i + 1]);
			return PM_EXIT_USAGE;
		}
	struct pm_rule_params params;
	struct pm_error *err = pm_cli_load_params(&params, NULL, a->pooltag);
	if (err)
		return pm_cli_fail(a->pooltag, err);
	struct pm_info *in;
	err = pm_info_gather(a->pos[0], &a->info, &in);
	if (err) {
		pm_rule_params_deinit(&params);
		return pm_cli_fail(a->pos[0], err);
	}
	pm_info_gather_pool(in);
	int rc = PM_EXIT_OK;
	for (int i = 0; i < n; i++) {
		struct pm_pool_at r;
		pm_pool_at(in, addrs[i], &r);
		print_at(&r, &params);
		/* none found, or found without knowing whether it is busy: incomplete */
		if (r.where == PM_POOL_NONE || (r.where == PM_POOL_SEGHEAP &&
						r.sh.blocks[r.sh.hit].state_unknown))
			rc = PM_EXIT_INCOMPLETE;
	}
	pm_info_destroy(in);
	pm_rule_params_deinit(&params);
	return rc;
}
