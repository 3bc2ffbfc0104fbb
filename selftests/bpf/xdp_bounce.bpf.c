// SPDX-License-Identifier: GPL-2.0
/*
 * XDP programs for tests: traffic that leaves a device without passing its
 * netfilter or tc egress hooks. xdp_redirect sends every frame it receives
 * out of out_ifindex (ndo_xdp_xmit); xdp_pass lets a veth receive such
 * frames (a veth takes XDP frames only when its peer runs XDP or GRO).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 out_ifindex;

SEC("xdp")
int xdp_redirect(struct xdp_md *ctx)
{
	return bpf_redirect(out_ifindex, 0);
}

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
