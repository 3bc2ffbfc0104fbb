// SPDX-License-Identifier: GPL-2.0
/*
 * udpflood: send UDP datagrams as fast as one thread can, for a time or a
 * count, and print one JSON object: {"packets":N,"seconds":S,"pps":P}.
 *
 *   udpflood DST_ADDR PORT PAYLOAD_BYTES (--secs S | --count N)
 *   udpflood --sink ADDR PORT
 *
 * The sink binds ADDR:PORT and never reads, until killed: datagrams are
 * dropped at its full socket buffer and no ICMP goes back.
 * sendmmsg in batches of 64. Datagrams the stack refuses (ENOBUFS, a
 * hook's drop: EPERM) are not counted as sent; the run goes on, so a
 * count-bounded run ends after N attempts, not N successes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int parse_addr(struct sockaddr_in *a, const char *addr, const char *port)
{
	char *e;

	if (inet_pton(AF_INET, addr, &a->sin_addr) != 1)
		return fprintf(stderr, "udpflood: bad address '%s'\n", addr), -1;
	a->sin_port = htons((unsigned short)strtoul(port, &e, 10));
	if (*e || !a->sin_port)
		return fprintf(stderr, "udpflood: bad port '%s'\n", port), -1;
	return 0;
}

static int sink(const char *addr, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd;

	if (parse_addr(&a, addr, port))
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)))
		return fprintf(stderr, "udpflood: sink: %s\n", strerror(errno)), 1;
	for (;;)
		pause();
}

static int usage(void)
{
	fprintf(stderr, "usage: udpflood DST_ADDR PORT PAYLOAD_BYTES (--secs S | --count N)\n"
		"       udpflood --sink ADDR PORT\n");
	return 2;
}

int main(int argc, char **argv)
{
	static char payload[65507];
	unsigned long long sent = 0, refused = 0, tried = 0, count = 0, iter = 0;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	double secs = 0, t0, end, t;
	unsigned long len;
	char *e;
	int fd, i, n;

	if (argc == 4 && !strcmp(argv[1], "--sink"))
		return sink(argv[2], argv[3]);
	if (argc != 6)
		return usage();
	if (parse_addr(&dst, argv[1], argv[2]))
		return 2;
	len = strtoul(argv[3], &e, 10);
	if (*e || len > sizeof(payload))
		return fprintf(stderr, "udpflood: bad payload size '%s'\n", argv[3]), 2;
	if (!strcmp(argv[4], "--secs"))
		secs = strtod(argv[5], &e);
	else if (!strcmp(argv[4], "--count"))
		count = strtoull(argv[5], &e, 10);
	else
		return usage();
	if (*e || (secs <= 0 && !count) || secs > 3600)
		return fprintf(stderr, "udpflood: bad %s '%s'\n", argv[4], argv[5]), 2;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst)))
		return fprintf(stderr, "udpflood: socket: %s\n", strerror(errno)), 1;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = payload;
		iov[i].iov_len = len;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	t0 = now();
	end = t0 + secs;
	for (;;) {
		unsigned int want = BATCH;

		if (count) {
			if (tried >= count)
				break;
			if (count - tried < want)
				want = (unsigned int)(count - tried);
		} else if (iter++ % 16 == 0 && now() >= end) {
			break;
		}
		n = sendmmsg(fd, msgs, want, 0);
		if (n < 0) {
			if (errno != ENOBUFS && errno != EPERM && errno != EAGAIN)
				return fprintf(stderr, "udpflood: send: %s\n", strerror(errno)), 1;
			/* The first datagram of the batch was refused: step past it. */
			refused++;
			n = 1;
		} else {
			sent += n;
		}
		tried += n;
	}
	t = now() - t0;
	close(fd);
	printf("{\"packets\":%llu,\"refused\":%llu,\"seconds\":%.6f,\"pps\":%.1f}\n",
	       sent, refused, t, sent / t);
	return 0;
}
