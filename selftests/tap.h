/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TAP output for the C selftests: "ok N - what" / "not ok N - what",
 * diagnostics as "# ...", and the plan at the end. selftests/run.sh
 * gathers these into the suite's numbering and final counts.
 */
#ifndef UCAP_TAP_H
#define UCAP_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned int tap_n, tap_failed;

static inline __attribute__((format(printf, 2, 3)))
int tap_ok(int pass, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %u - ", pass ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!pass)
		tap_failed++;
	return pass;
}

static inline __attribute__((format(printf, 1, 2)))
void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Compare two 64-bit figures, showing both when they differ. */
#define tap_eq(got, want, what)						\
	tap_ok((unsigned long long)(got) == (unsigned long long)(want),	\
	       "%s (got %llu, want %llu)", what,			\
	       (unsigned long long)(got), (unsigned long long)(want))

/* A prerequisite failed: record it as a failure and stop. */
#define tap_bail(...)							\
	do {								\
		tap_ok(0, __VA_ARGS__);					\
		return tap_done();					\
	} while (0)

static inline int tap_done(void)
{
	printf("1..%u\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* UCAP_TAP_H */
