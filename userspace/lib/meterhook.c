// SPDX-License-Identifier: GPL-2.0
/*
 * Where the meter sits on a device (see bpf/ucap_meter_abi.h): its program in
 * the device's tcx egress chain, on kernels that have tcx, or at
 * uploadcap's clsact position. Only queries and the pins of the tcx
 * links; attaching and detaching is uploadctl attach's.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ucap.h"

/* A tcx chain holds at most 64 programs (the kernel's BPF_MPROG_MAX). */
#define TCX_CHAIN_MAX	64

/* Loopback: ifindex 1 in every network namespace, always there. */
#define LOOPBACK_IFINDEX 1

const char *ucap_attach_name(enum ucap_attach a)
{
	switch (a) {
	case UCAP_ATTACH_TCX:
		return "tcx";
	case UCAP_ATTACH_CLSACT:
		return "clsact";
	default:
		return NULL;
	}
}

int ucap_tcx_supported(void)
{
	static int known = -1;
	LIBBPF_OPTS(bpf_prog_query_opts, q);
	int ret;

	if (known >= 0)
		return known;
	/* Kernels before 6.6 do not know the attach type: EINVAL. */
	ret = bpf_prog_query_opts(LOOPBACK_IFINDEX, BPF_TCX_EGRESS, &q);
	if (ret == -EINVAL) {
		known = 0;
		return 0;
	}
	if (ret)
		return ucap_fail(ret, "ask the kernel whether it has tcx: %s", strerror(-ret));
	known = 1;
	return 1;
}

/* The programs and links of a device's tcx egress chain, first to last. */
static int tcx_chain(__u32 ifindex, __u32 *progs, __u32 *links, __u32 *n)
{
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = progs, .link_ids = links,
		    .count = TCX_CHAIN_MAX);
	int ret;

	*n = 0;
	ret = bpf_prog_query_opts((int)ifindex, BPF_TCX_EGRESS, &q);
	if (ret == -ENODEV)
		return 0;	/* gone meanwhile: nothing on it */
	if (ret)
		return ucap_fail(ret, "query the tcx egress chain of ifindex %u: %s",
				 ifindex, strerror(-ret));
	*n = q.count < TCX_CHAIN_MAX ? q.count : TCX_CHAIN_MAX;
	return 0;
}

/*
 * Which program sits at uploadcap's clsact position (UCAP_TC_PRIO and
 * UCAP_TC_HANDLE on the egress hook): *prog_id is 0 when there is none.
 */
static int clsact_prog_at_position(__u32 ifindex, __u32 *prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = UCAP_TC_HANDLE,
		    .priority = UCAP_TC_PRIO);
	int ret;

	*prog_id = 0;
	ret = bpf_tc_query(&hook, &opts);
	if (ret == -ENOENT || ret == -EINVAL)
		return 0;	/* no clsact (EINVAL) or no filter there */
	if (ret)
		return ucap_fail(ret, "query tc egress filters of ifindex %u: %s",
				 ifindex, strerror(-ret));
	*prog_id = opts.prog_id;
	return 0;
}

static int slot_by_link(const struct ucap_iface *tab, __u32 link_id)
{
	__u32 slot;

	for (slot = 1; link_id && slot < UCAP_MAX_SLOTS; slot++)
		if (tab[slot].state == UCAP_SLOT_ATTACHED &&
		    (tab[slot].flags & UCAP_IFACE_F_TCX) && tab[slot].link_id == link_id)
			return (int)slot;
	return -ENOENT;
}

int ucap_meter_hook_of(__u32 ifindex, const struct ucap_iface *tab, struct ucap_hook *h)
{
	__u32 progs[TCX_CHAIN_MAX], links[TCX_CHAIN_MAX], n = 0, i, prog_id;
	struct ucap_hook replaced = { 0 };
	int ret;

	memset(h, 0, sizeof(*h));
	if (tab) {
		ret = ucap_tcx_supported();
		if (ret > 0)
			ret = tcx_chain(ifindex, progs, links, &n);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < n; i++) {
		if (ucap_meter_slot_by_prog(tab, progs[i]) >= 0) {
			*h = (struct ucap_hook){ progs[i], links[i], UCAP_ATTACH_TCX };
			return 0;
		}
		/* Our link, someone else's program in it (BPF_LINK_UPDATE). */
		if (!replaced.prog_id && slot_by_link(tab, links[i]) >= 0)
			replaced = (struct ucap_hook){ progs[i], links[i], UCAP_ATTACH_TCX };
	}
	ret = clsact_prog_at_position(ifindex, &prog_id);
	if (ret)
		return ret;
	if (prog_id)
		*h = (struct ucap_hook){ prog_id, 0, UCAP_ATTACH_CLSACT };
	else
		*h = replaced;
	return 0;
}

int ucap_tcx_holds(__u32 ifindex, __u32 prog_id)
{
	__u32 progs[TCX_CHAIN_MAX], links[TCX_CHAIN_MAX], n, i;
	int ret = tcx_chain(ifindex, progs, links, &n);

	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		if (progs[i] == prog_id)
			return 1;
	return 0;
}

int ucap_tcx_link_path(const char *pin_dir, __u32 slot, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/" UCAP_TCX_LINK_PREFIX "%u", pin_dir, slot);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ucap_tcx_link_unpin(const char *pin_dir, __u32 slot)
{
	char path[PATH_MAX];
	int ret = ucap_tcx_link_path(pin_dir, slot, path, sizeof(path));

	if (ret)
		return ucap_fail(ret, "the tcx link's pin path under %s is too long", pin_dir);
	if (unlink(path) && errno != ENOENT)
		return ucap_fail(-errno, "remove %s: %m", path);
	return 0;
}

int ucap_tcx_link_dead(const struct ucap_iface *ifc)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	int fd, ret;

	fd = bpf_link_get_fd_by_id(ifc->link_id);
	if (fd < 0)
		return errno == ENOENT ? 1 : ucap_fail(-errno, "open tcx link %u: %m",
							ifc->link_id);
	memset(&info, 0, sizeof(info));
	ret = bpf_link_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (ret)
		return ucap_fail(ret, "tcx link %u: %s", ifc->link_id, strerror(-ret));
	/* Detached (its device gone, or bpftool link detach): ifindex 0. */
	return info.type != BPF_LINK_TYPE_TCX || !info.tcx.ifindex;
}
