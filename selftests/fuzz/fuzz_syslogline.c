// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: a line of a collector's syslog file (what a host, or anyone
 * who can write to the collector, sent). An accepted line has a host, a
 * program and a message inside the line; a refusal has a reason.
 */
#include <assert.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ucap_syslog_line l;
	char *s = fuzz_string(data, size);
	size_t len = strlen(s);
	int ret;

	ret = ucap_syslog_parse(s, 1796278170LL, &l);
	if (ret) {
		assert(ret == -EINVAL && ucap_why(ret)[0]);
	} else {
		assert(l.host[0] && l.program[0]);
		assert(l.msg >= s && l.msg <= s + len);
		assert(!strchr(l.host, ' ') && !strchr(l.program, ' '));
	}
	ucap_clear_why();
	free(s);
	return 0;
}
