/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the libFuzzer harnesses: the input as a NUL-terminated string
 * (parsers of text take strings), and as a stream (those that read files).
 */
#ifndef UCAP_FUZZ_H
#define UCAP_FUZZ_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ucap.h"

/* A copy of data with a NUL after it; free() it. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* data as a read-only stream (fmemopen refuses size 0: an empty file). */
static inline FILE *fuzz_stream(const uint8_t *data, size_t size, char **buf)
{
	FILE *f;

	*buf = fuzz_string(data, size);
	f = size ? fmemopen(*buf, size, "r") : fopen("/dev/null", "r");
	if (!f)
		abort();
	return f;
}

/* A parser must say why it refused, and must not leave a reason when it did not. */
static inline void fuzz_clear(void)
{
	ucap_clear_why();
}

#endif
