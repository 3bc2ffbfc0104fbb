// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: a collector's file, as verify-log reads it (each line
 * parsed, the agent's and the module's checked per host). Truncated, reordered or
 * interleaved lines give verdicts or errors, never a crash; each finding
 * has a kind and a line of the file.
 */
#include <assert.h>

#include "fuzz.h"
#include "logcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), *line, *save = NULL;
	struct ucap_syslog_line l;
	struct log_set set = { 0 };
	struct log_report rep;
	size_t lineno = 0, i, j;

	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (!ucap_syslog_parse(line, 1796278170LL, &l) && log_line_wanted(l.program, l.msg))
			assert(!log_set_add(&set, l.host, l.time, 0, lineno, l.msg));
		ucap_clear_why();
	}
	assert(!log_check(&set, 1800, &rep));
	for (i = 0; i < rep.n; i++) {
		assert(rep.hosts[i].records <= rep.hosts[i].lines);
		for (j = 0; j < rep.hosts[i].nfindings; j++) {
			assert(rep.hosts[i].findings[j].kind < LOG_KINDS);
			assert(rep.hosts[i].findings[j].line >= 1 &&
			       rep.hosts[i].findings[j].line <= lineno);
		}
	}
	log_report_free(&rep);
	log_set_free(&set);
	free(s);
	return 0;
}
