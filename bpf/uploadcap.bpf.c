// SPDX-License-Identifier: GPL-2.0
/*
 * uploadcap egress meter: a tc egress program that counts what leaves a
 * device. It only observes: it always returns TC_ACT_UNSPEC, which is
 * TCX_NEXT too: on tcx the next program in the chain runs, on clsact
 * cls_bpf goes on to the next filter, so every other tc program on the
 * hook still runs and decides the packet's fate exactly as it would
 * without us. The same object serves both attachments (bpf/ucap_meter_abi.h).
 *
 * One copy of this program is loaded per metered device, with the device's
 * slot in .rodata (ucap_slot); see ucap_meter_abi.h for why.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "ucap_meter_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UCAP_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct ucap_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ucap_counters SEC(".maps");

/* Slot owners; read and written by uploadctl only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, UCAP_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct ucap_iface);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ucap_ifaces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ucap_meta);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ucap_meta SEC(".maps");

/* Set by uploadctl before load; constant for the verifier. */
const volatile __u32 ucap_slot = UCAP_SLOT_RETIRED;

SEC("tc")
int ucap_egress(struct __sk_buff *skb)
{
	__u32 slot = ucap_slot;
	struct ucap_counters *c;
	__u32 len, wire, segs;

	c = bpf_map_lookup_elem(&ucap_counters, &slot);
	if (!c)
		return TC_ACT_UNSPEC;

	len = skb->len;
	wire = skb->wire_len;
	segs = skb->gso_segs;

	/*
	 * Per-CPU value, only this CPU writes it, and tc runs with bottom
	 * halves disabled so no other packet interleaves here: plain adds.
	 */
	c->bytes += len;
	c->wire_bytes += wire ? wire : len;
	c->packets++;
	c->segments += segs ? segs : 1;

	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
