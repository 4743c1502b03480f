// SPDX-License-Identifier: MIT
// Fuzz target: the untrusted text inputs of the diagnosis: a summary JSON (then every rule
// and every report rendering over it), a --rules JSON file, and pooltag.txt lines. The first
// byte picks which.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "strbuf.h"
#include "summary_json.h"
#include "verdict_view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	struct pm_rule_params p;
	if (pm_rule_params_init(&p)) {
		free(text);
		return 0;
	}
	struct pm_error *err = NULL;
	switch (data[0] % 3) {
	case 0: {
		struct pm_summary s;
		err = pm_summary_from_json(text, "fuzz", &s);
		if (!err) {
			struct pm_findings f;
			struct pm_verdict v;
			pm_rules_evaluate(&s, &p, &f, &v);
			struct pm_strbuf sb = { 0 };
			pm_verdict_text(&sb, &v, &f, true);
			pm_verdict_markdown(&sb, &s, &v, &f, NULL, "a part is missing");
			pm_verdict_html(&sb, &s, &v, &f, NULL, NULL);
			pm_sb_free(&sb);
			cJSON *t = cJSON_CreateObject();
			if (t)
				pm_error_destroy(pm_json_verdict(&v, &f, t));
			cJSON_Delete(t);
			char *j = NULL;
			pm_error_destroy(pm_summary_to_json(&s, &j));
			free(j);
			pm_findings_deinit(&f);
			pm_summary_deinit(&s);
		}
		break;
	}
	case 1:
		err = pm_rule_params_merge_json(&p, text, "fuzz");
		break;
	default:
		err = pm_rule_params_merge_pooltag_text(&p, text);
		for (size_t i = 0; !err && i < p.npooltag + 2; i++) {
			/* every entry's own tag, its neighbours and two that match nothing */
			uint32_t tag = i < p.npooltag ? p.pooltag[i].tag ^ (uint32_t)(i & 1)
						      : (uint32_t)(i * 0x9E3779B9u);
			const struct pm_pooltag_entry *e[4];
			char d[320];
			(void)pm_rule_pooltag(&p, tag, e, 4);
			(void)pm_rule_tag_description(&p, tag, d, sizeof(d));
		}
		break;
	}
	pm_error_destroy(err);
	pm_rule_params_deinit(&p);
	free(text);
	return 0;
}
