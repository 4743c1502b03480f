// SPDX-License-Identifier: MIT
// Where real kernels keep the !vm counters and the session list that older kernels kept in
// globals of their own (fixtures/facts/ntkrnlmp-x64.json, 213 ntkrnlmp.pdb): from 14393 there is
// no MiSessionWsList, MmPteFailures or MiChargeCommitmentFailures, and the readers must take
// MiState.Vs.SessionWsList, MiState.Vs.SystemPteInfo.PteFailures and
// MiSystemPartition.Vp.ChargeCommitmentFailures[] instead; 7601 keeps MiSessionWsList. No
// kernel has MmSessionSpace: the current session is the bugcheck context's process's
// (_EPROCESS.Session), and on 22000, which has no ExpSessionPoolTrackTable, the session pool's
// tag table is that session's _MM_SESSION_SPACE.PoolTags. Each world is an ISF with the real
// offsets of one kernel of the facts (20348.2520, 7601.24540, 22000.2538) and an address
// space holding the values at them.
//
// usage: test_mistate SCRATCH_DIR
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "pool.h"
#include "profile.h"
#include "session.h"
#include "symfile.h"
#include "vmbuild.h"

#define KB UINT64_C(0xFFFFF80412000000)

/* ISF, schema 6.1: the types with the members the readers use, at the facts' offsets. */
static const char ISF_HEAD[] =
	"{\"metadata\":{\"format\":\"6.1.0\",\"producer\":{\"name\":\"test_mistate\",\"version\":"
	"\"1\"},\"windows\":{\"pdb\":{\"GUID\":\"00112233445566778899AABBCCDDEEFF\",\"age\":1,"
	"\"database\":\"ntkrnlmp.pdb\",\"machine_type\":34404}}},"
	"\"base_types\":{\"unsigned long\":{\"kind\":\"int\",\"size\":4,\"signed\":false,"
	"\"endian\":\"little\"},\"unsigned long long\":{\"kind\":\"int\",\"size\":8,\"signed\":"
	"false,\"endian\":\"little\"},\"pointer\":{\"kind\":\"int\",\"size\":8,\"signed\":false,"
	"\"endian\":\"little\"},\"void\":{\"kind\":\"void\",\"size\":0,\"signed\":false,"
	"\"endian\":\"little\"}},\"enums\":{},";

#define U32 "{\"kind\":\"base\",\"name\":\"unsigned long\"}"
#define U64 "{\"kind\":\"base\",\"name\":\"unsigned long long\"}"
#define PTR "{\"kind\":\"pointer\",\"subtype\":{\"kind\":\"base\",\"name\":\"void\"}}"
#define LE "{\"kind\":\"struct\",\"name\":\"_LIST_ENTRY\"}"

/* 20348.2520: MiState.Vs at +0x4100 here (the facts give whole paths: Vs.SessionWsList
 * +0x4200, Vs.SystemPteInfo.PteFailures +0x4268 with _MI_SYSTEM_PTE_TYPE.PteFailures +0x28),
 * Vp.ChargeCommitmentFailures ULONG[4] +0x4498, _MM_SESSION_SPACE SessionId +8, WsListEntry
 * +0x80, CommittedPages +0x30. */
static const char ISF_20348[] =
	"\"user_types\":{"
	"\"_LIST_ENTRY\":{\"kind\":\"struct\",\"size\":16,\"fields\":{\"Flink\":{\"offset\":0,"
	"\"type\":" PTR "},\"Blink\":{\"offset\":8,\"type\":" PTR "}}},"
	"\"_MI_SYSTEM_PTE_TYPE\":{\"kind\":\"struct\",\"size\":96,\"fields\":{\"PteFailures\":"
	"{\"offset\":40,\"type\":" U32 "},\"TotalFreeSystemPtes\":{\"offset\":88,\"type\":" U64
	"}}},"
	"\"_MI_VISIBLE_STATE\":{\"kind\":\"struct\",\"size\":1024,\"fields\":{\"SessionWsList\":"
	"{\"offset\":256,\"type\":" LE "},\"SystemPteInfo\":{\"offset\":320,\"type\":{\"kind\":"
	"\"struct\",\"name\":\"_MI_SYSTEM_PTE_TYPE\"}}}},"
	"\"_MI_SYSTEM_INFORMATION\":{\"kind\":\"struct\",\"size\":20736,\"fields\":{\"Vs\":"
	"{\"offset\":16640,\"type\":{\"kind\":\"struct\",\"name\":\"_MI_VISIBLE_STATE\"}}}},"
	"\"_MI_VISIBLE_PARTITION\":{\"kind\":\"struct\",\"size\":4096,\"fields\":{"
	"\"ChargeCommitmentFailures\":{\"offset\":1176,\"type\":{\"kind\":\"array\",\"count\":4,"
	"\"subtype\":" U32 "}}}},"
	"\"_MI_PARTITION\":{\"kind\":\"struct\",\"size\":21440,\"fields\":{\"Vp\":{\"offset\":"
	"16384,\"type\":{\"kind\":\"struct\",\"name\":\"_MI_VISIBLE_PARTITION\"}}}},"
	"\"_MM_SESSION_SPACE\":{\"kind\":\"struct\",\"size\":20480,\"fields\":{\"SessionId\":"
	"{\"offset\":8,\"type\":" U32 "},\"WsListEntry\":{\"offset\":128,\"type\":" LE "},"
	"\"CommittedPages\":{\"offset\":48,\"type\":" U64 "}}}},"
	"\"symbols\":{\"MiState\":{\"address\":65536},\"MiSystemPartition\":{\"address\":131072}}}";

/* 7601.24540: MiSessionWsList and MiSystemPteInfo (_MI_SYSTEM_PTE_TYPE: PteFailures +0x3C,
 * TotalFreeSystemPtes +0x34) and MiChargeCommitmentFailures are globals of their own;
 * _MM_SESSION_SPACE WsListEntry +0xA8. */
static const char ISF_7601[] =
	"\"user_types\":{"
	"\"_LIST_ENTRY\":{\"kind\":\"struct\",\"size\":16,\"fields\":{\"Flink\":{\"offset\":0,"
	"\"type\":" PTR "},\"Blink\":{\"offset\":8,\"type\":" PTR "}}},"
	"\"_MI_SYSTEM_PTE_TYPE\":{\"kind\":\"struct\",\"size\":72,\"fields\":{\"PteFailures\":"
	"{\"offset\":60,\"type\":" U32 "},\"TotalFreeSystemPtes\":{\"offset\":52,\"type\":" U32
	"}}},"
	"\"_MM_SESSION_SPACE\":{\"kind\":\"struct\",\"size\":8064,\"fields\":{\"SessionId\":"
	"{\"offset\":8,\"type\":" U32 "},\"WsListEntry\":{\"offset\":168,\"type\":" LE "},"
	"\"CommittedPages\":{\"offset\":56,\"type\":" U64 "}}}},"
	"\"symbols\":{\"MiSessionWsList\":{\"address\":65536},\"MiSystemPteInfo\":{\"address\":"
	"69632},\"MiChargeCommitmentFailures\":{\"address\":73728}}}";

/* 22000.2538: no MmSessionSpace and no ExpSessionPoolTrackTable; MiState.Vs.SessionWsList
 * +0x4400 (Vs +0x4300 here, SessionWsList +0x100 in it); _EPROCESS: UniqueProcessId +0x440,
 * ActiveProcessLinks +0x448, Session +0x558, Pcb.DirectoryTableBase +0x28;
 * _MM_SESSION_SPACE: SessionId +8, WsListEntry +0x78, PoolTags +0x380 (a pointer);
 * _POOL_TRACKER_TABLE 0x50 bytes (Key +0, NonPaged* +8/+0x10/+0x18, Paged* +0x20/+0x28/+0x30). */
#define TRK(name, off) "\"" name "\":{\"offset\":" #off ",\"type\":" U64 "}"
static const char ISF_22000[] =
	"\"user_types\":{"
	"\"_LIST_ENTRY\":{\"kind\":\"struct\",\"size\":16,\"fields\":{\"Flink\":{\"offset\":0,"
	"\"type\":" PTR "},\"Blink\":{\"offset\":8,\"type\":" PTR "}}},"
	"\"_MI_VISIBLE_STATE\":{\"kind\":\"struct\",\"size\":1024,\"fields\":{\"SessionWsList\":"
	"{\"offset\":256,\"type\":" LE "}}},"
	"\"_MI_SYSTEM_INFORMATION\":{\"kind\":\"struct\",\"size\":20736,\"fields\":{\"Vs\":"
	"{\"offset\":17152,\"type\":{\"kind\":\"struct\",\"name\":\"_MI_VISIBLE_STATE\"}}}},"
	"\"_KPROCESS\":{\"kind\":\"struct\",\"size\":1080,\"fields\":{\"DirectoryTableBase\":"
	"{\"offset\":40,\"type\":" U64 "}}},"
	"\"_EPROCESS\":{\"kind\":\"struct\",\"size\":2624,\"fields\":{\"Pcb\":{\"offset\":0,"
	"\"type\":{\"kind\":\"struct\",\"name\":\"_KPROCESS\"}},\"UniqueProcessId\":{\"offset\":"
	"1088,\"type\":" PTR "},\"ActiveProcessLinks\":{\"offset\":1096,\"type\":" LE "},"
	"\"Session\":{\"offset\":1368,\"type\":" PTR "}}},"
	"\"_MM_SESSION_SPACE\":{\"kind\":\"struct\",\"size\":960,\"fields\":{\"SessionId\":"
	"{\"offset\":8,\"type\":" U32 "},\"WsListEntry\":{\"offset\":120,\"type\":" LE "},"
	"\"PoolTags\":{\"offset\":896,\"type\":" PTR "}}},"
	"\"_POOL_TRACKER_TABLE\":{\"kind\":\"struct\",\"size\":80,\"fields\":{\"Key\":{"
	"\"offset\":0,\"type\":" U32 "}," TRK("NonPagedBytes", 8) "," TRK("NonPagedAllocs", 16) ","
	TRK("NonPagedFrees", 24) "," TRK("PagedBytes", 32) "," TRK("PagedAllocs", 40) ","
	TRK("PagedFrees", 48) "}}},"
	"\"symbols\":{\"MiState\":{\"address\":65536},\"PsActiveProcessHead\":{\"address\":"
	"196608},\"ExpSessionPoolTrackTableSize\":{\"address\":200704}}}";

static struct pm_symtab *open_isf(const char *dir, const char *name, const char *body)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(ISF_HEAD, f);
	fputs(body, f);
	fclose(f);
	struct pm_symtab *t = NULL;
	struct pm_error *err = pm_symfile_open(path, &t);
	if (err) {
		fprintf(stderr, "%s: %s\n", path, pm_err_msg(err));
		pm_error_destroy(err);
		exit(1);
	}
	return t;
}

/* Sessions @p ids linked on the list whose head is at @p head (WsListEntry at @p ws). */
static void sessions(struct vmb *b, uint64_t head, unsigned ws, const uint32_t *ids, unsigned n)
{
	uint64_t prev = head;
	for (unsigned i = 0; i < n; i++) {
		uint64_t s = UINT64_C(0xFFFFB80000000000) + (uint64_t)i * 0x10000;
		vmb_zero(b, s, 0x2000);
		vmb_w(b, s + 8, ids[i], 4);
		vmb_w(b, s + 0x30, 100 + i, 8); /* CommittedPages (20348; 7601 reads +0x38) */
		vmb_w(b, prev, s + ws, 8);     /* prev.Flink */
		vmb_w(b, s + ws + 8, prev, 8); /* Blink */
		prev = s + ws;
	}
	vmb_w(b, prev, head, 8);
	vmb_w(b, head + 8, prev, 8);
}

static void check_ids(const struct pm_sessions *ss, const uint32_t *ids, unsigned n)
{
	CHECK_EQ_U64(ss->n, n);
	for (unsigned i = 0; i < n && i < ss->n; i++)
		CHECK_EQ_U64(ss->items[i].id, ids[i]);
}

static void world_20348(const char *dir)
{
	struct pm_symtab *t = open_isf(dir, "w20348", ISF_20348);
	struct vmb b;
	vmb_init(&b);
	const uint64_t st = KB + 0x10000, part = KB + 0x20000;
	vmb_zero(&b, st, 0x5100);
	vmb_zero(&b, part, 0x5400);
	vmb_w(&b, st + 0x4268, 7, 4);           /* Vs.SystemPteInfo.PteFailures */
	vmb_w(&b, st + 0x4298, 123456, 8);      /* Vs.SystemPteInfo.TotalFreeSystemPtes */
	vmb_w(&b, part + 0x4498, 3, 4);         /* Vp.ChargeCommitmentFailures[0] */
	vmb_w(&b, part + 0x449C, 4, 4);         /* [1] */
	vmb_w(&b, part + 0x44A0, 1000, 4);      /* [2]: not a commit failure count */
	static const uint32_t ids[] = { 0, 1, 2 };
	sessions(&b, st + 0x4200, 0x80, ids, 3);
	CHECK_OK(vmb_open(&b));
	uint64_t v = 0;
	/* the old globals are not there: PM_ERR_PROFILE-class absence, not a failure to read */
	struct pm_error *err = pm_sym_read_u32(t, &b.vm, KB, "MmPteFailures", 0, &v);
	CHECK(err != NULL);
	pm_error_destroy(err);
	CHECK_OK(pm_sym_read_member_u32(t, &b.vm, KB, "MiState", "_MI_SYSTEM_INFORMATION",
					"Vs.SystemPteInfo.PteFailures", 0, &v));
	CHECK_EQ_U64(v, 7);
	CHECK_OK(pm_sym_read_field(t, &b.vm, KB, "MiState", "_MI_SYSTEM_INFORMATION",
				   "Vs.SystemPteInfo.TotalFreeSystemPtes", &v));
	CHECK_EQ_U64(v, 123456);
	uint64_t sum = 0;
	for (unsigned i = 0; i < 2; i++) {
		CHECK_OK(pm_sym_read_member_u32(t, &b.vm, KB, "MiSystemPartition", "_MI_PARTITION",
						"Vp.ChargeCommitmentFailures", i, &v));
		sum += v;
	}
	CHECK_EQ_U64(sum, 7);
	/* past the array's end: refused, never read beyond it */
	err = pm_sym_read_member_u32(t, &b.vm, KB, "MiSystemPartition", "_MI_PARTITION",
				     "Vp.ChargeCommitmentFailures", 4, &v);
	CHECK(err != NULL && pm_err_code(err) == PM_ERR_PROFILE);
	pm_error_destroy(err);
	struct pm_sessions ss;
	struct pm_diags d;
	pm_diags_init(&d);
	CHECK_OK(pm_sessions_read(t, &b.vm, KB, 0, &ss, &d));
	check_ids(&ss, ids, 3);
	CHECK(ss.list_source && !strcmp(ss.list_source, "MiState.Vs.SessionWsList"));
	CHECK(ss.n == 3 && ss.items[2].has_committed && ss.items[2].committed == 102);
	pm_sessions_deinit(&ss);
	pm_diags_deinit(&d);
	vmb_free(&b);
	pm_symtab_destroy(t);
}

static void world_7601(const char *dir)
{
	struct pm_symtab *t = open_isf(dir, "w7601", ISF_7601);
	struct vmb b;
	vmb_init(&b);
	vmb_zero(&b, KB + 0x10000, 0x4000);
	vmb_w(&b, KB + 0x11000 + 0x3C, 5, 4);   /* MiSystemPteInfo.PteFailures */
	vmb_w(&b, KB + 0x11000 + 0x34, 999, 4); /* MiSystemPteInfo.TotalFreeSystemPtes */
	vmb_w(&b, KB + 0x12000, 1, 4);          /* MiChargeCommitmentFailures[0] */
	vmb_w(&b, KB + 0x12004, 2, 4);
	static const uint32_t ids[] = { 0, 1 };
	sessions(&b, KB + 0x10000, 0xA8, ids, 2);
	CHECK_OK(vmb_open(&b));
	uint64_t v = 0;
	CHECK_OK(pm_sym_read_member_u32(t, &b.vm, KB, "MiSystemPteInfo", "_MI_SYSTEM_PTE_TYPE",
					"PteFailures", 0, &v));
	CHECK_EQ_U64(v, 5);
	CHECK_OK(pm_sym_read_field(t, &b.vm, KB, "MiSystemPteInfo", "_MI_SYSTEM_PTE_TYPE",
				   "TotalFreeSystemPtes", &v));
	CHECK_EQ_U64(v, 999);
	CHECK_OK(pm_sym_read_u32(t, &b.vm, KB, "MiChargeCommitmentFailures", 1, &v));
	CHECK_EQ_U64(v, 2);
	struct pm_error *err = pm_sym_read_field(t, &b.vm, KB, "MiState", "_MI_SYSTEM_INFORMATION",
						 "Vs.SystemPteInfo.PteFailures", &v);
	CHECK(err != NULL);
	pm_error_destroy(err);
	struct pm_sessions ss;
	struct pm_diags d;
	pm_diags_init(&d);
	CHECK_OK(pm_sessions_read(t, &b.vm, KB, 0, &ss, &d));
	check_ids(&ss, ids, 2);
	CHECK(ss.list_source && !strcmp(ss.list_source, "MiSessionWsList"));
	pm_sessions_deinit(&ss);
	pm_diags_deinit(&d);
	vmb_free(&b);
	pm_symtab_destroy(t);
}

/* Processes on PsActiveProcessHead (at @p head): System (PID 4, no session, CR3 0x1AD000),
 * then one for each of the @p n sessions of sessions(): session k's has CR3
 * 0x200000 + k * 0x1000 | 2 (flag bits the comparison ignores). */
static void processes_22000(struct vmb *b, uint64_t head, unsigned n)
{
	uint64_t prev = head;
	for (unsigned i = 0; i <= n; i++) {
		uint64_t ep = UINT64_C(0xFFFFC00000000000) + (uint64_t)i * 0x1000;
		vmb_zero(b, ep, 0xA40);
		vmb_w(b, ep + 0x28, i ? 0x200000 + (uint64_t)(i - 1) * 0x1000 + 2 : 0x1AD000, 8);
		vmb_w(b, ep + 0x440, i ? 0x100 + 4 * i : 4, 8);
		if (i) /* the session structures of sessions(): system-space addresses */
			vmb_w(b, ep + 0x558, UINT64_C(0xFFFFB80000000000) + (uint64_t)(i - 1) * 0x10000,
			      8);
		vmb_w(b, prev, ep + 0x448, 8);
		vmb_w(b, ep + 0x448 + 8, prev, 8);
		prev = ep + 0x448;
	}
	vmb_w(b, prev, head, 8);
	vmb_w(b, head + 8, prev, 8);
}

/* Windows 11 21H2: the current session from the process in the bugcheck context, and the
 * session pool's tag table from that session's PoolTags. */
static void world_22000(const char *dir)
{
	struct pm_symtab *t = open_isf(dir, "w22000", ISF_22000);
	struct vmb b;
	vmb_init(&b);
	const uint64_t st = KB + 0x10000, head = KB + 0x30000, size = KB + 0x31000;
	const uint64_t table = UINT64_C(0xFFFFB90000000000);
	vmb_zero(&b, st, 0x5100);
	vmb_zero(&b, head, 0x2000);
	static const uint32_t ids[] = { 0, 1, 2 };
	sessions(&b, st + 0x4400, 0x78, ids, 3);
	processes_22000(&b, head, 3);
	vmb_w(&b, size, 16, 8);                               /* ExpSessionPoolTrackTableSize */
	vmb_w(&b, UINT64_C(0xFFFFB80000020000) + 0x380, table, 8); /* session 2's PoolTags */
	vmb_zero(&b, table, 16 * 0x50);
	vmb_w(&b, table + 3 * 0x50, 0x6E697347, 4);           /* 'Gsin' */
	vmb_w(&b, table + 3 * 0x50 + 0x20, 40960, 8);         /* PagedBytes */
	vmb_w(&b, table + 3 * 0x50 + 0x28, 12, 8);            /* PagedAllocs */
	vmb_w(&b, table + 3 * 0x50 + 0x30, 2, 8);             /* PagedFrees */
	CHECK_OK(vmb_open(&b));
	struct pm_sessions ss;
	struct pm_diags d;
	pm_diags_init(&d);
	/* the bugcheck context: session 2's process (its CR3 with flag bits 0x002) */
	CHECK_OK(pm_sessions_read(t, &b.vm, KB, 0x202000, &ss, &d));
	check_ids(&ss, ids, 3);
	CHECK(ss.has_current && ss.current_id == 2 && ss.items[2].current && !ss.items[1].current);
	CHECK_EQ_U64(ss.current_pid, 0x10C);
	CHECK_EQ_U64(ss.current_va, UINT64_C(0xFFFFB80000020000));
	CHECK(ss.current_source && strstr(ss.current_source, "_EPROCESS.Session"));
	struct pm_pool_syms sy;
	pm_pool_syms_build(t, KB, &sy, &d);
	CHECK(!sy.has_session && sy.has_session_tags_member && sy.session_tags_off == 0x380);
	CHECK(sy.has_tracker && sy.tracker.stride == 0x50);
	sy.session_var = ss.current_va + sy.session_tags_off;
	sy.has_session = true;
	struct pm_pool_ctx ctx = { .vm = &b.vm, .build = 22000, .nprocs = 1, .kernel_base = KB,
				   .diags = &d, .syms = &sy };
	struct pm_session_pool sp;
	CHECK_OK(pm_session_pool_read(&ctx, &sy.tracker, &sp));
	CHECK(sp.table == table && sp.entries == 16 && sp.ntags == 1);
	if (sp.ntags == 1)
		CHECK(sp.tags[0].tag == 0x6E697347 && sp.tags[0].p_bytes == 40960 &&
		      sp.tags[0].p_allocs - sp.tags[0].p_frees == 10);
	pm_session_pool_deinit(&sp);
	pm_sessions_deinit(&ss);
	/* the bugcheck context is System's: no session is current, and that is said */
	CHECK_OK(pm_sessions_read(t, &b.vm, KB, 0x1AD000, &ss, &d));
	CHECK(!ss.has_current && strstr(ss.current_absent, "no session"));
	pm_sessions_deinit(&ss);
	/* no process has the header's CR3: said, nothing marked */
	CHECK_OK(pm_sessions_read(t, &b.vm, KB, 0x7770000, &ss, &d));
	CHECK(!ss.has_current && strstr(ss.current_absent, "DirectoryTableBase"));
	pm_sessions_deinit(&ss);
	pm_diags_deinit(&d);
	vmb_free(&b);
	pm_symtab_destroy(t);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_mistate SCRATCH_DIR\n");
		return 2;
	}
	world_20348(argv[1]);
	world_7601(argv[1]);
	world_22000(argv[1]);
	return test_failures != 0;
}
