// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the reader of uploadcap.ko's devices table
 * (/sys/kernel/uploadcap/devices). Accepted: one entry per non-empty line
 * after the header, names that fit; refused: a reason naming the line.
 */
#include <assert.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ucap_module mod;
	size_t i, lines = 0;
	char *buf;
	FILE *f = fuzz_stream(data, size, &buf);
	int ret;

	memset(&mod, 0, sizeof(mod));
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	ret = ucap_module_parse_devices(&mod, f, "fuzz.devices");
	if (ret) {
		assert(!strncmp(ucap_why(ret), "fuzz.devices", 12) || ret == -ENOMEM);
	} else {
		assert(mod.ndevs <= lines);
		for (i = 0; i < mod.ndevs; i++)
			assert(strlen(mod.devs[i].name) < sizeof(mod.devs[i].name));
	}
	ucap_module_free(&mod);
	ucap_clear_why();
	fclose(f);
	free(buf);
	return 0;
}
