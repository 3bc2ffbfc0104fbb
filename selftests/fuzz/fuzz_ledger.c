// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the ledger reader (ledger verify, uploadctl load, the agent).
 * Whatever the file holds, the verdict is consistent: a bad record has a
 * reason and comes right after the good ones; the last good record is
 * reported only if there is one.
 */
#include <assert.h>

#include "fuzz.h"
#include "ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ledger_check c;
	char *buf;
	FILE *f = fuzz_stream(data, size, &buf);
	int ret;

	ret = ledger_verify_stream(f, "fuzz.ledger", &c);
	assert(!ret);
	assert(c.have_last == (c.records > 0));
	if (c.bad_record) {
		assert(c.bad_record == c.records + 1);
		assert(c.bad_why[0]);
	}
	if (c.torn)
		assert(c.torn_offset >= 0 && (size_t)c.torn_offset < size);
	ucap_clear_why();
	fclose(f);
	free(buf);
	return 0;
}
