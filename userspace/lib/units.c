// SPDX-License-Identifier: GPL-2.0
/* Sizes: formatting for people. */
#include <stdio.h>

#include "ucap.h"

const char *ucap_fmt_iec(__u64 v, char *buf, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = (double)v;
	int i = -1;

	if (v < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)v);
		return buf;
	}
	while (d >= 1024.0 && i < 5) {
		d /= 1024.0;
		i++;
	}
	snprintf(buf, len, "%.2f %s", d, unit[i]);
	return buf;
}
