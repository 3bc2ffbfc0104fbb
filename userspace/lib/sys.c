// SPDX-License-Identifier: GPL-2.0
/* Preconditions every command that touches the kernel checks first. */
#include <errno.h>
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
