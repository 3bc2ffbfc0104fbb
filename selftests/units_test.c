// SPDX-License-Identifier: GPL-2.0
/*
 * ucap_parse_size() and ucap_parse_rate(): every accepted form, and every
 * kind of bad input.
 */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "ucap.h"

static const struct {
	const char *in;
	unsigned long long want;
} good[] = {
	{ "1", 1 },
	{ "1000", 1000 },
	{ "18446744073709551615", 18446744073709551615ULL },
	{ "1B", 1 },
	{ "1K", 1000 }, { "1k", 1000 }, { "1KB", 1000 }, { "1kb", 1000 },
	{ "1KiB", 1024 }, { "1kib", 1024 }, { "1 KiB", 1024 }, { "1 k", 1000 },
	{ "2M", 2000000 }, { "2MB", 2000000 }, { "2MiB", 2097152 },
	{ "3G", 3000000000ULL }, { "3GiB", 3221225472ULL },
	{ "4T", 4000000000000ULL }, { "4TiB", 4398046511104ULL },
	{ "5P", 5000000000000000ULL }, { "5PB", 5000000000000000ULL },
	{ "5PiB", 5629499534213120ULL },
	{ "1E", 1000000000000000000ULL }, { "15EiB", 17293822569102704640ULL },
	{ "1.5G", 1500000000ULL }, { "1.5GiB", 1610612736ULL }, { "0.5K", 500 },
	{ "1.000K", 1000 }, { "1.50000000000000000000000G", 1500000000ULL },
	{ "8e14", 800000000000000ULL }, { "8E14", 800000000000000ULL },
	{ "1.5e3", 1500 }, { "2000e-3", 2 }, { "1e3K", 1000000 }, { "1e+3", 1000 },
	{ " 42 ", 42 }, { "800GB", 800000000000ULL }, { "1e", 1000000000000000000ULL },
};

static const struct {
	const char *in;
	int err;
	const char *why;	/* a word the reason must contain */
} bad[] = {
	{ "", EINVAL, "empty" },
	{ "   ", EINVAL, "empty" },
	{ "-1", EINVAL, "negative" },
	{ "-1G", EINVAL, "negative" },
	{ "0", EINVAL, "zero" },
	{ "0K", EINVAL, "zero" },
	{ "0.0001", EINVAL, "whole number" },
	{ "1.5", EINVAL, "whole number" },
	{ "1.0001K", EINVAL, "whole number" },
	{ "1500e-3", EINVAL, "whole number" },
	{ "18446744073709551616", ERANGE, "2^64" },
	{ "16EiB", ERANGE, "2^64" },
	{ "19E", ERANGE, "2^64" },
	{ "1e400", ERANGE, "range" },
	{ "5Q", EINVAL, "unknown unit" },
	{ "5 QB", EINVAL, "unknown unit" },
	{ "5KiBB", EINVAL, "unknown unit" },
	{ "5KBx1", EINVAL, "unexpected" },
	{ "5 K B", EINVAL, "unexpected" },
	{ "1.2.3", EINVAL, "unexpected" },
	{ "12abc", EINVAL, "unknown unit" },
	{ "abc", EINVAL, "not a size" },
	{ "K", EINVAL, "not a size" },
	{ "+5", EINVAL, "not a size" },
	{ ".", EINVAL, "not a size" },
};

/* Rates: a size, with or without "/s". */
static const struct {
	const char *in;
	int err;		/* 0: accepted */
	unsigned long long want;
} rates[] = {
	{ "10MB/s", 0, 10000000 }, { "10MB", 0, 10000000 }, { "1 MiB/s", 0, 1048576 },
	{ "2e6/S", 0, 2000000 }, { "500 /s ", 0, 500 },
	{ "0/s", EINVAL, 0 }, { "/s", EINVAL, 0 }, { "10MB/h", EINVAL, 0 },
	{ "-1MB/s", EINVAL, 0 }, { "10MB//s", EINVAL, 0 },
	/* tc(8)'s units: bit (bits) and bps (bytes) per second. */
	{ "100mbit", 0, 12500000 }, { "100Mbit/s", 0, 12500000 }, { "8bit", 0, 1 },
	{ "1gbit", 0, 125000000 }, { "8kibit", 0, 1024 }, { "1.5mbit", 0, 187500 },
	{ "10mbps", 0, 10000000 }, { "10MBps", 0, 10000000 }, { "2kibps", 0, 2048 },
	{ "500bps", 0, 500 }, { "1bit", EINVAL, 0 }, { "0mbit", EINVAL, 0 },
	/* Ambiguous: refused, not guessed. */
	{ "10Mb/s", EINVAL, 0 }, { "10mb", EINVAL, 0 }, { "10 kb/s", EINVAL, 0 },
	{ "1Gb", EINVAL, 0 }, { "10mbits", EINVAL, 0 },
};

int main(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		__u64 v = 0;
		int ret = ucap_parse_size(good[i].in, &v);

		tap_ok(ret == 0 && v == good[i].want, "'%s' = %llu (got %d, %llu%s%s)",
		       good[i].in, good[i].want, ret, (unsigned long long)v,
		       ret ? ": " : "", ret ? ucap_why(ret) : "");
		ucap_clear_why();
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		__u64 v = 12345;
		int ret = ucap_parse_size(bad[i].in, &v);
		const char *why = ret ? ucap_why(ret) : "";

		tap_ok(ret == -bad[i].err && strstr(why, bad[i].why) && v == 12345,
		       "'%s' refused: %s (want %s, '%s')", bad[i].in, why,
		       strerror(bad[i].err), bad[i].why);
		ucap_clear_why();
	}
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		__u64 v = 0;
		int ret = ucap_parse_rate(rates[i].in, &v);

		if (rates[i].err)
			tap_ok(ret == -rates[i].err, "rate '%s' refused: %s", rates[i].in,
			       ret ? ucap_why(ret) : "accepted");
		else
			tap_ok(ret == 0 && v == rates[i].want, "rate '%s' = %llu B/s (got %llu)",
			       rates[i].in, rates[i].want, (unsigned long long)v);
		ucap_clear_why();
	}
	return tap_done();
}
