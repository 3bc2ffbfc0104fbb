// SPDX-License-Identifier: GPL-2.0
/* Identity of the calling thread's network namespace. */
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "ucap.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int ucap_netns_self(struct ucap_netns *ns)
{
	socklen_t len = sizeof(ns->cookie);
	struct stat st;
	int fd, err = 0;

	/* A socket belongs to the netns it was made in: ours. */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ucap_fail(errno, "socket: %m");
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &ns->cookie, &len) < 0)
		err = ucap_fail(errno, "network namespace cookie (SO_NETNS_COOKIE needs Linux 5.14): %m");
	close(fd);
	if (err)
		return err;
	if (stat("/proc/self/ns/net", &st) < 0)
		return ucap_fail(errno, "stat /proc/self/ns/net: %m");
	ns->ino = st.st_ino;
	return 0;
}
