// SPDX-License-Identifier: GPL-2.0
/*
 * Foreign tc programs for tests and benchmarks: they stand for other
 * people's filters on the same hook (and, tc_ok, for the empty program the
 * meter's cost is compared against).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int tc_ok(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

SEC("tc")
int tc_shot(struct __sk_buff *skb)
{
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
