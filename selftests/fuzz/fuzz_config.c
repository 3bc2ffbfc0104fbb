// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: /etc/uploadcap/uploadcap.conf. A refusal names the line;
 * what is accepted stays within each key's range.
 */
#include <assert.h>

#include "fuzz.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uctl_config c;
	char *buf;
	FILE *f = fuzz_stream(data, size, &buf);
	int ret;

	config_defaults(&c);
	ret = config_parse(&c, f, "fuzz.conf");
	if (ret) {
		assert(!strncmp(ucap_why(ret), "fuzz.conf:", 10));
	} else {
		assert(c.interval >= 0.05 && c.interval <= 86400);
		assert(c.nthresholds >= 1 && c.nthresholds <= CONFIG_MAX_THRESHOLDS);
		assert(c.rate_history >= 3 && c.rate_history <= 1440);
		assert(c.rate_multiple > 1.0);
		assert(c.ledger[0] == '/');
		assert(!strcmp(c.on_exhaust, "drop") || !strcmp(c.on_exhaust, "down"));
	}
	ucap_clear_why();
	fclose(f);
	free(buf);
	return 0;
}
