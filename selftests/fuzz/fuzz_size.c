// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: ucap_parse_size (every SIZE argument and configuration value).
 * A value it accepts prints and parses back to itself; a refusal has a
 * reason.
 */
#include <assert.h>
#include <inttypes.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), buf[64];
	__u64 v, back;
	int ret;

	ret = ucap_parse_size(s, &v);
	if (ret) {
		assert(ret < 0 && ucap_why(ret)[0]);
	} else {
		ucap_fmt_iec(v, buf, sizeof(buf));
		snprintf(buf, sizeof(buf), "%" PRIu64, (uint64_t)v);
		assert(!ucap_parse_size(buf, &back) && back == v);
		assert(ucap_parse_u64(buf, &back) && back == v);
	}
	ucap_clear_why();
	free(s);
	return 0;
}
