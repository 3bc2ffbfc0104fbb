// SPDX-License-Identifier: GPL-2.0
/*
 * nobpf CMD [ARGS...]: run CMD as if the kernel had no bpf() system call
 * (seccomp makes it fail with ENOSYS), to test how uploadctl reports a
 * kernel without BPF.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <seccomp.h>

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx;
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: nobpf CMD [ARGS...]\n");
		return 2;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		fprintf(stderr, "nobpf: seccomp_init failed\n");
		return 1;
	}
	ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(bpf), 0);
	if (!ret)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	if (ret) {
		fprintf(stderr, "nobpf: install seccomp filter: %s\n", strerror(-ret));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "nobpf: exec %s: %s\n", argv[1], strerror(errno));
	return 127;
}
