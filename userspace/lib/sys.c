// SPDX-License-Identifier: GPL-2.0
/* Preconditions every command that touches the kernel checks first. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "ucap.h"

int ucap_require_root(void)
{
	if (geteuid() != 0)
		return ucap_fail(EPERM, "must run as root (needs CAP_BPF and CAP_NET_ADMIN)");
	return 0;
}

int ucap_require_bpf(void)
{
	long ret;

	/*
	 * BPF_MAP_CREATE with an empty attribute is rejected by any kernel
	 * that has bpf() (EINVAL, or EPERM without privilege) and creates
	 * nothing; only a kernel without bpf() says ENOSYS.
	 */
	ret = syscall(__NR_bpf, 0 /* BPF_MAP_CREATE */, NULL, 0);
	if (ret >= 0) {
		close((int)ret);
		return 0;
	}
	if (errno == ENOSYS)
		return ucap_fail(ENOSYS, "BPF is not supported by this kernel (bpf() returned ENOSYS; CONFIG_BPF_SYSCALL is off)");
	if (errno == EPERM)
		return ucap_fail(EPERM, "the kernel refused bpf() (needs CAP_BPF and CAP_NET_ADMIN; is a seccomp policy or LSM blocking it?)");
	return 0;
}

#define LOCKDOWN_PATH		"/sys/kernel/security/lockdown"
#define SIG_ENFORCE_PATH	"/sys/module/module/parameters/sig_enforce"
#define MODULES_DISABLED_PATH	"/proc/sys/kernel/modules_disabled"

int ucap_read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int ucap_lockdown_mode(char *mode, size_t len)
{
	char buf[128], *open_b, *close_b;
	int ret;

	/* "none [integrity] confidentiality": the bracketed one is in force. */
	ret = ucap_read_line(LOCKDOWN_PATH, buf, sizeof(buf));
	if (ret)
		return ret;
	open_b = strchr(buf, '[');
	close_b = open_b ? strchr(open_b, ']') : NULL;
	if (!close_b)
		return -EINVAL;
	*close_b = '\0';
	snprintf(mode, len, "%s", open_b + 1);
	return 0;
}

bool ucap_module_sig_enforced(void)
{
	char buf[16];

	if (!ucap_read_line(SIG_ENFORCE_PATH, buf, sizeof(buf)) && buf[0] == 'Y')
		return true;
	return !ucap_lockdown_mode(buf, sizeof(buf)) && strcmp(buf, "none");
}

bool ucap_modules_disabled(void)
{
	char buf[16];

	return !ucap_read_line(MODULES_DISABLED_PATH, buf, sizeof(buf)) && buf[0] == '1';
}
