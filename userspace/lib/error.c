// SPDX-License-Identifier: GPL-2.0
/*
 * The reason behind the last failure, in words. Thread-local so that the
 * agent's threads (if any) cannot mix up each other's reasons.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ucap.h"

static __thread char why[512];

int ucap_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return -abs(err);
}

const char *ucap_why(int err)
{
	if (why[0])
		return why;
	return strerror(abs(err));
}

void ucap_clear_why(void)
{
	why[0] = '\0';
}
