// SPDX-License-Identifier: GPL-2.0
/*
 * adjtick: the adjtimex(2) attack on clocks, for tests.
 *   adjtick                print the kernel's tick (microseconds per tick)
 *   adjtick TICK           set it (ADJ_TICK; 9000..11000 at USER_HZ 100,
 *                          10000 the nominal), print the one it replaces
 *   adjtick --raw-ns       print CLOCK_MONOTONIC_RAW in nanoseconds: the
 *                          oscillator's time, which no adjtimex can slew
 *   adjtick --raw-read FILE
 *                          print the raw clock, FILE's contents read in one
 *                          go, then the raw clock again: the two stamps
 *                          bracket the moment the figures were taken, to
 *                          microseconds, where a shell's forks take 100s of
 *                          milliseconds under emulation
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/timex.h>

static long long raw_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts)) {
		perror("adjtick: clock_gettime");
		exit(1);
	}
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Sysfs hands a file over in one read of up to a page; take 64 KiB. */
static int raw_read(const char *path)
{
	static char buf[65536];
	long long before, after;
	size_t len;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "adjtick: %s: %s\n", path, strerror(errno));
		return 1;
	}
	before = raw_ns();
	len = fread(buf, 1, sizeof(buf), f);
	after = raw_ns();
	if (ferror(f) || len == sizeof(buf)) {
		fprintf(stderr, "adjtick: %s: %s\n", path,
			ferror(f) ? strerror(errno) : "larger than 64 KiB");
		fclose(f);
		return 1;
	}
	fclose(f);
	printf("%lld %lld\n", before, after);
	fwrite(buf, 1, len, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct timex tx;
	long tick;
	char *end;

	memset(&tx, 0, sizeof(tx));
	if (argc == 2 && !strcmp(argv[1], "--raw-ns")) {
		printf("%lld\n", raw_ns());
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--raw-read"))
		return raw_read(argv[2]);
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: adjtick [TICK | --raw-ns | --raw-read FILE]\n");
		return 2;
	}
	if (adjtimex(&tx) < 0) {
		perror("adjtick: adjtimex");
		return 1;
	}
	if (argc == 1) {
		printf("%ld\n", tx.tick);
		return 0;
	}
	errno = 0;
	tick = strtol(argv[1], &end, 10);
	if (errno || *end || end == argv[1]) {
		fprintf(stderr, "adjtick: not a tick: %s\n", argv[1]);
		return 2;
	}
	printf("%ld\n", tx.tick);
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_TICK;
	tx.tick = tick;
	if (adjtimex(&tx) < 0) {
		fprintf(stderr, "adjtick: adjtimex(ADJ_TICK %ld): %s\n", tick, strerror(errno));
		return 1;
	}
	return 0;
}
