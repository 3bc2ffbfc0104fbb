// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: threshold lists (--thresholds, thresholds = in the
 * configuration). Accepted: 1 to CONFIG_MAX_THRESHOLDS percentages,
 * strictly ascending, within 1..100. Refused: the defaults are kept.
 */
#include <assert.h>

#include "fuzz.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	struct uctl_config c, def;
	unsigned int i;
	int ret;

	config_defaults(&c);
	config_defaults(&def);
	ret = config_set(&c, "thresholds", s);
	if (ret) {
		assert(ucap_why(ret)[0]);
		assert(!memcmp(&c, &def, sizeof(c)));
	} else {
		assert(c.nthresholds >= 1 && c.nthresholds <= CONFIG_MAX_THRESHOLDS);
		for (i = 0; i < c.nthresholds; i++) {
			assert(c.thresholds[i] >= 1 && c.thresholds[i] <= 100);
			assert(!i || c.thresholds[i] > c.thresholds[i - 1]);
		}
	}
	ucap_clear_why();
	free(s);
	return 0;
}
