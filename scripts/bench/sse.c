// SPDX-License-Identifier: GPL-2.0
/*
 * sse: the load an inference host sends. Many concurrent TCP connections,
 * each a response streamed as server-sent events: small chunks (a token or
 * a few, 100 to 300 bytes with the "data: " framing), one write() and so
 * one segment each (TCP_NODELAY: the flush a streaming server does after
 * every event).
 *
 *   sse --serve ADDR PORT --conns N --secs S [--cpu C]
 *   sse --client ADDR PORT --conns N
 *
 * The server accepts N connections, reads each request, answers with an
 * HTTP/1.1 event-stream header and then writes events round-robin over
 * every connection that has room, as fast as it can, for S seconds; then
 * closes them all and prints one JSON object:
 *   {"conns":N,"events":E,"bytes":B,"seconds":T,"events_per_sec":R,
 *    "cpu_ns_per_event":C}
 * cpu_ns_per_event is the busy time of CPU C (default 0, where the server
 * should be pinned) over the run from /proc/stat, softirq included: the
 * transmit path and any egress hook run there, not only the server's own
 * system calls. The client connects N times, sends a GET on each and reads
 * until the server closes, discarding what it reads.
 * Event sizes follow a fixed pseudo-random sequence: runs are comparable.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS	4096
#define EV_MIN		100
#define EV_MAX		300

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int die(const char *what)
{
	fprintf(stderr, "sse: %s: %s\n", what, strerror(errno));
	return 1;
}

static int parse_addr(struct sockaddr_in *a, const char *addr, const char *port)
{
	char *e;

	a->sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &a->sin_addr) != 1)
		return fprintf(stderr, "sse: bad address '%s'\n", addr), -1;
	a->sin_port = htons((unsigned short)strtoul(port, &e, 10));
	if (*e || !a->sin_port)
		return fprintf(stderr, "sse: bad port '%s'\n", port), -1;
	return 0;
}

/* Busy and total jiffies of one CPU, from /proc/stat. */
static int cpu_times(int cpu, unsigned long long *busy, unsigned long long *total)
{
	unsigned long long v[10] = { 0 };
	char line[512], tag[16];
	FILE *f = fopen("/proc/stat", "r");
	int ret = -1, i;

	if (!f)
		return -1;
	snprintf(tag, sizeof(tag), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, tag, strlen(tag)))
			continue;
		if (sscanf(line + strlen(tag), "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
			   &v[9]) < 8)
			break;
		*total = 0;
		for (i = 0; i < 8; i++)
			*total += v[i];
		*busy = *total - v[3] - v[4];	/* less idle and iowait */
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* One event of 100..300 bytes, the length from a fixed sequence. */
static size_t event(char *buf, unsigned int *seed)
{
	size_t len, n;

	*seed = *seed * 1103515245U + 12345U;
	len = EV_MIN + (*seed >> 16) % (EV_MAX - EV_MIN + 1);
	n = (size_t)snprintf(buf, len, "data: {\"token\":\"");
	memset(buf + n, 'x', len - n - 4);
	memcpy(buf + len - 4, "\"}\n\n", 4);
	return len;
}

static int serve(const char *addr, const char *port, int conns, double secs, int cpu)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
				   "Cache-Control: no-cache\r\n\r\n";
	unsigned long long events = 0, bytes = 0, b0, t0, b1, t1;
	struct sockaddr_in a = { 0 };
	static int fds[MAX_CONNS];
	unsigned int seed = 1;
	char buf[EV_MAX], req[1024];
	int lfd, one = 1, i;
	double start, end;
	long hz = sysconf(_SC_CLK_TCK);

	if (parse_addr(&a, addr, port))
		return 2;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, MAX_CONNS))
		return die("listen");
	for (i = 0; i < conns; i++) {
		fds[i] = accept(lfd, NULL, NULL);
		if (fds[i] < 0)
			return die("accept");
		if (read(fds[i], req, sizeof(req)) <= 0)
			return die("read the request");
		if (setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
		    write(fds[i], head, sizeof(head) - 1) != (ssize_t)(sizeof(head) - 1))
			return die("answer the request");
		if (fcntl(fds[i], F_SETFL, O_NONBLOCK))
			return die("O_NONBLOCK");
	}
	close(lfd);
	if (cpu_times(cpu, &b0, &t0))
		return fprintf(stderr, "sse: no cpu%d in /proc/stat\n", cpu), 1;
	start = now();
	end = start + secs;
	while (now() < end) {
		for (i = 0; i < conns; i++) {
			size_t len = event(buf, &seed);
			ssize_t n = write(fds[i], buf, len);

			if (n < 0 && errno == EAGAIN)
				continue;
			if (n != (ssize_t)len)
				return die("write an event");
			events++;
			bytes += len;
		}
	}
	end = now();
	cpu_times(cpu, &b1, &t1);
	for (i = 0; i < conns; i++)
		close(fds[i]);
	printf("{\"conns\":%d,\"events\":%llu,\"bytes\":%llu,\"seconds\":%.3f,"
	       "\"events_per_sec\":%.0f,\"cpu_ns_per_event\":%.1f}\n", conns, events, bytes,
	       end - start, events / (end - start),
	       events ? (double)(b1 - b0) * 1e9 / (double)hz / (double)events : 0.0);
	return 0;
}

static int client(const char *addr, const char *port, int conns)
{
	static const char get[] = "GET /v1/completions HTTP/1.1\r\nHost: bench\r\n"
				  "Accept: text/event-stream\r\n\r\n";
	struct epoll_event ev, evs[64];
	struct sockaddr_in a = { 0 };
	int ep, fd, i, n, open_conns = 0;
	char buf[65536];

	if (parse_addr(&a, addr, port))
		return 2;
	ep = epoll_create1(0);
	if (ep < 0)
		return die("epoll");
	for (i = 0; i < conns; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return die("connect");
		if (write(fd, get, sizeof(get) - 1) != (ssize_t)(sizeof(get) - 1))
			return die("send the request");
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
			return die("epoll_ctl");
		open_conns++;
	}
	while (open_conns > 0) {
		n = epoll_wait(ep, evs, 64, 30000);
		if (n <= 0)
			return n ? die("epoll_wait") : (fprintf(stderr, "sse: client: 30 s idle\n"), 1);
		for (i = 0; i < n; i++) {
			ssize_t r = read(evs[i].data.fd, buf, sizeof(buf));

			if (r > 0)
				continue;
			close(evs[i].data.fd);
			open_conns--;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int conns = 0, cpu = 0, i;
	double secs = 0;

	for (i = 4; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--conns"))
			conns = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--secs"))
			secs = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--cpu"))
			cpu = atoi(argv[i + 1]);
		else
			break;
	}
	if (argc < 4 || i != argc || conns < 1 || conns > MAX_CONNS)
		goto usage;
	if (!strcmp(argv[1], "--serve") && secs > 0)
		return serve(argv[2], argv[3], conns, secs, cpu);
	if (!strcmp(argv[1], "--client"))
		return client(argv[2], argv[3], conns);
usage:
	fprintf(stderr, "usage: sse --serve ADDR PORT --conns N --secs S [--cpu C]\n"
			"       sse --client ADDR PORT --conns N\n");
	return 2;
}
