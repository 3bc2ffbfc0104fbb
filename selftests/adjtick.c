// SPDX-License-Identifier: GPL-2.0
/*
 * adjtick: the adjtimex(2) attack on clocks, for tests.
 *   adjtick                print the kernel's tick (microseconds per tick)
 *   adjtick TICK           set it (ADJ_TICK; 9000..11000 at USER_HZ 100,
 *                          10000 the nominal), print the one it replaces
 *   adjtick --raw-ns       print CLOCK_MONOTONIC_RAW in nanoseconds: the
 *                          oscillator's time, which no adjtimex can slew
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/timex.h>

int main(int argc, char **argv)
{
	struct timex tx;
	struct timespec ts;
	long tick;
	char *end;

	memset(&tx, 0, sizeof(tx));
	if (argc == 2 && !strcmp(argv[1], "--raw-ns")) {
		if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts)) {
			perror("adjtick: clock_gettime");
			return 1;
		}
		printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		return 0;
	}
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: adjtick [TICK | --raw-ns]\n");
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
