/* SPDX-License-Identifier: MIT */
/* Back-end interface of the crash-dump container (private to parsers/). */
#ifndef PM_DMP_PRIV_H
#define PM_DMP_PRIV_H

#include "dmp.h"

/** Policy limits on counts read from a dump header (never silently clamped). */
enum {
	PM_MAX_RDMP_RANGES = 1u << 20,
	PM_MAX_TRIAGE_DRIVERS = 4096,
	PM_MAX_DUMP_STRING = 1024,
	PM_MAX_DUMP_BLOBS = 4096, /* secondary-data records after a triage dump (real: 20, 42) */
};

struct pm_dmp_ops {
	const char *name;
	/** NULL if this back-end handles @p hdr's DumpType, &pm_noprobe otherwise. No side effects. */
	struct pm_error *(*probe)(const struct pm_dmp_header *hdr);
	/** Build dmp->map (and dmp->triage, dmp->subformat, dmp->expected_size). */
	struct pm_error *(*build)(struct pm_dmp *dmp, const uint8_t *hdrbuf);
};

extern const struct pm_dmp_ops pm_dmp_full_ops;
extern const struct pm_dmp_ops pm_dmp_bitmap_ops;
extern const struct pm_dmp_ops pm_dmp_rdmp_ops;
extern const struct pm_dmp_ops pm_dmp_triage_ops;

void pm_triage_destroy(struct pm_triage *t);

#endif
