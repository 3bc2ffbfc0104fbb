// SPDX-License-Identifier: GPL-2.0
/*
 * tcx_ctl: what someone else does to a device's tcx egress chain, for the
 * coexistence and attack tests. Run in the device's network namespace
 * (nsenter --net, not ip netns exec: that hides the host's bpffs).
 *
 *   tcx_ctl attach DEV PROG_PIN first|last   attach a pinned program (no
 *                                            link: it stays after exit)
 *   tcx_ctl detach DEV PROG_PIN              detach it again
 *   tcx_ctl replace LINK_ID PROG_PIN         put it into a link
 *                                            (BPF_LINK_UPDATE)
 *   tcx_ctl chain DEV                        the chain, first to last:
 *                                            "prog_id link_id name" lines
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define CHAIN_MAX 64

static int usage(void)
{
	fprintf(stderr, "usage: tcx_ctl attach DEV PROG_PIN first|last | detach DEV PROG_PIN |\n"
			"       replace LINK_ID PROG_PIN | chain DEV\n");
	return 2;
}

static int die(const char *what)
{
	fprintf(stderr, "tcx_ctl: %s: %s\n", what, strerror(errno));
	return 1;
}

static int ifindex_of(const char *dev)
{
	int i = (int)if_nametoindex(dev);

	if (!i)
		fprintf(stderr, "tcx_ctl: %s: no such device\n", dev);
	return i;
}

static int chain(int ifindex)
{
	__u32 progs[CHAIN_MAX], links[CHAIN_MAX], i;
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = progs, .link_ids = links,
		    .count = CHAIN_MAX);

	if (bpf_prog_query_opts(ifindex, BPF_TCX_EGRESS, &q))
		return die("query the tcx egress chain");
	for (i = 0; i < q.count && i < CHAIN_MAX; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(progs[i]);

		memset(&info, 0, sizeof(info));
		if (fd < 0 || bpf_prog_get_info_by_fd(fd, &info, &len))
			return die("program info");
		close(fd);
		printf("%u %u %s\n", progs[i], links[i], info.name);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ifindex, prog_fd, link_fd;

	if (argc == 3 && !strcmp(argv[1], "chain")) {
		ifindex = ifindex_of(argv[2]);
		return ifindex ? chain(ifindex) : 1;
	}
	if (argc == 4 && !strcmp(argv[1], "replace")) {
		link_fd = bpf_link_get_fd_by_id((__u32)strtoul(argv[2], NULL, 0));
		if (link_fd < 0)
			return die("open the link");
		prog_fd = bpf_obj_get(argv[3]);
		if (prog_fd < 0)
			return die(argv[3]);
		if (bpf_link_update(link_fd, prog_fd, NULL))
			return die("update the link");
		return 0;
	}
	if ((argc == 5 && !strcmp(argv[1], "attach")) ||
	    (argc == 4 && !strcmp(argv[1], "detach"))) {
		LIBBPF_OPTS(bpf_prog_attach_opts, a);
		LIBBPF_OPTS(bpf_prog_detach_opts, d);

		ifindex = ifindex_of(argv[2]);
		if (!ifindex)
			return 1;
		prog_fd = bpf_obj_get(argv[3]);
		if (prog_fd < 0)
			return die(argv[3]);
		if (argv[1][0] == 'd')
			return bpf_prog_detach_opts(prog_fd, ifindex, BPF_TCX_EGRESS, &d) ?
			       die("detach") : 0;
		if (!strcmp(argv[4], "first"))
			a.flags = BPF_F_BEFORE;
		else if (!strcmp(argv[4], "last"))
			a.flags = BPF_F_AFTER;
		else
			return usage();
		return bpf_prog_attach_opts(prog_fd, ifindex, BPF_TCX_EGRESS, &a) ?
		       die("attach") : 0;
	}
	return usage();
}
