// SPDX-License-Identifier: GPL-2.0
/*
 * uevent_listen SECONDS: print, one per line, the UPLOADCAP_STATE= value
 * of every kernel uevent from /module/uploadcap for SECONDS seconds (or
 * until killed). Prints "ready" once listening.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	struct timespec start, now;
	char buf[8192];
	int fd, secs;

	secs = argc > 1 ? atoi(argv[1]) : 10;
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("uevent_listen: netlink");
		return 1;
	}
	puts("ready");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		char *s;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= secs)
			break;
		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (!strstr(buf, "@/module/uploadcap"))
			continue;
		/* NUL-separated KEY=VALUE fields after the header. */
		for (s = buf; s < buf + n; s += strlen(s) + 1)
			if (!strncmp(s, "UPLOADCAP_STATE=", 16)) {
				puts(s + 16);
				fflush(stdout);
			}
	}
	return 0;
}
