// SPDX-License-Identifier: GPL-2.0
/*
 * cap_race FILE N BASE STEP: N threads open FILE, meet at a barrier, and
 * write BASE + k * STEP at once, k a permutation of 0..N-1 that does not
 * give the lowest value to the thread started first. Prints one line per thread:
 * "<value> ok" or "<value> <errno name>".
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 256

struct writer {
	pthread_t tid;
	int fd;
	unsigned long long value;
	int err;
};

static pthread_barrier_t barrier;

static void *write_cap(void *arg)
{
	struct writer *w = arg;
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%llu\n", w->value);

	pthread_barrier_wait(&barrier);
	w->err = write(w->fd, buf, (size_t)len) == len ? 0 : errno;
	return NULL;
}

int main(int argc, char **argv)
{
	static struct writer w[MAX_THREADS];
	unsigned long long base, step;
	int n, i;

	if (argc != 5) {
		fprintf(stderr, "usage: cap_race FILE N BASE STEP\n");
		return 2;
	}
	n = atoi(argv[2]);
	base = strtoull(argv[3], NULL, 10);
	step = strtoull(argv[4], NULL, 10);
	if (n < 1 || n > MAX_THREADS || n % 7 == 0) {
		fprintf(stderr, "cap_race: N must be 1..%d and not a multiple of 7\n", MAX_THREADS);
		return 2;
	}
	pthread_barrier_init(&barrier, NULL, (unsigned int)n);
	for (i = 0; i < n; i++) {
		w[i].value = base + (unsigned long long)((i * 7 + 3) % n) * step;
		w[i].fd = open(argv[1], O_WRONLY);
		if (w[i].fd < 0) {
			perror("cap_race: open");
			return 1;
		}
	}
	for (i = 0; i < n; i++)
		pthread_create(&w[i].tid, NULL, write_cap, &w[i]);
	for (i = 0; i < n; i++) {
		pthread_join(w[i].tid, NULL);
		printf("%llu %s\n", w[i].value, w[i].err ? strerrorname_np(w[i].err) : "ok");
		close(w[i].fd);
	}
	return 0;
}
