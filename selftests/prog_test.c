// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the egress program with BPF_PROG_TEST_RUN: what it adds to
 * its own slot for crafted packets, that it touches no other slot, and that
 * its verdict is always the pass-on action (TC_ACT_UNSPEC).
 *
 * Two program instances (slots 3 and 7) share one set of maps, as two
 * attached devices do; nothing is pinned.
 */
#include <errno.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tap.h"
#include "ucap.h"
#include "uploadcap.skel.h"

#define SLOT_A 3
#define SLOT_B 7

static struct uploadcap *load(__u32 slot, const struct uploadcap *share)
{
	struct uploadcap *skel = uploadcap__open();
	struct bpf_map *map;

	if (!skel)
		return NULL;
	bpf_object__for_each_map(map, skel->obj)
		bpf_map__set_pin_path(map, NULL);
	if (share) {
		bpf_map__reuse_fd(skel->maps.ucap_counters, bpf_map__fd(share->maps.ucap_counters));
		bpf_map__reuse_fd(skel->maps.ucap_ifaces, bpf_map__fd(share->maps.ucap_ifaces));
		bpf_map__reuse_fd(skel->maps.ucap_meta, bpf_map__fd(share->maps.ucap_meta));
	}
	skel->rodata->ucap_slot = slot;
	if (uploadcap__load(skel)) {
		uploadcap__destroy(skel);
		return NULL;
	}
	return skel;
}

/* A frame of len bytes: Ethernet + IPv4 + UDP headers, zero payload. */
static void frame(unsigned char *buf, size_t len)
{
	memset(buf, 0, len);
	buf[12] = 0x08;		/* ETH_P_IP */
	buf[14] = 0x45;		/* IPv4, IHL 5 */
	buf[14 + 9] = 17;	/* UDP */
}

struct run {
	__u32 len;		/* packet length */
	__u32 wire_len;		/* 0: let the kernel use len */
	__u32 gso_segs;
	__u32 gso_size;
	__u32 repeat;
};

static int run(const struct uploadcap *skel, const struct run *r, __u32 *retval)
{
	static unsigned char pkt[4096];
	struct __sk_buff ctx = { 0 };	/* zeroed: the kernel fills wire_len */
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = pkt,
		    .data_size_in = r->len,
		    .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .repeat = r->repeat);
	int ret;

	frame(pkt, r->len);
	ctx.wire_len = r->wire_len;
	ctx.gso_segs = r->gso_segs;
	ctx.gso_size = r->gso_size;
	ret = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.ucap_egress), &opts);
	*retval = opts.retval;
	return ret;
}

static void counters(const struct uploadcap *skel, __u32 slot, struct ucap_counters *c)
{
	struct ucap_meter m = {
		.counters_fd = bpf_map__fd(skel->maps.ucap_counters),
		.ncpus = libbpf_num_possible_cpus(),
	};

	if (ucap_meter_counters(&m, slot, c))
		memset(c, 0xff, sizeof(*c));
}

static void check(const struct uploadcap *skel, __u32 slot, const struct ucap_counters *want,
		  const char *what)
{
	struct ucap_counters got;
	char buf[160];

	counters(skel, slot, &got);
	snprintf(buf, sizeof(buf), "%s: slot %u bytes", what, slot);
	tap_eq(got.bytes, want->bytes, buf);
	snprintf(buf, sizeof(buf), "%s: slot %u wire_bytes", what, slot);
	tap_eq(got.wire_bytes, want->wire_bytes, buf);
	snprintf(buf, sizeof(buf), "%s: slot %u packets", what, slot);
	tap_eq(got.packets, want->packets, buf);
	snprintf(buf, sizeof(buf), "%s: slot %u segments", what, slot);
	tap_eq(got.segments, want->segments, buf);
}

static void step(const struct uploadcap *skel, const struct run *r,
		 struct ucap_counters *want, const char *what)
{
	__u32 retval = 0;
	int ret;

	ret = run(skel, r, &retval);
	tap_ok(ret == 0, "%s: BPF_PROG_TEST_RUN succeeds (%s)", what, ret ? strerror(-ret) : "ok");
	tap_ok(retval == (__u32)TC_ACT_UNSPEC,
	       "%s: verdict is TC_ACT_UNSPEC, the pass-on action (got %d)", what, (int)retval);
	want->bytes += (__u64)r->len * r->repeat;
	want->wire_bytes += (__u64)(r->wire_len ? r->wire_len : r->len) * r->repeat;
	want->packets += r->repeat;
	want->segments += (__u64)(r->gso_segs ? r->gso_segs : 1) * r->repeat;
}

int main(void)
{
	struct ucap_counters want_a = { 0 }, want_b = { 0 }, zero = { 0 }, c;
	struct uploadcap *a, *b;
	__u32 slot, dirty = 0;

	libbpf_set_print(NULL);
	a = load(SLOT_A, NULL);
	if (!a)
		tap_bail("load the egress program (slot %u): %s", SLOT_A, strerror(errno));
	b = load(SLOT_B, a);
	if (!b)
		tap_bail("load a second instance (slot %u): %s", SLOT_B, strerror(errno));
	tap_ok(1, "two program instances share one set of maps");

	step(a, &(struct run){ .len = 64, .repeat = 1 }, &want_a, "64-byte frame");
	check(a, SLOT_A, &want_a, "64-byte frame");

	step(a, &(struct run){ .len = 1514, .repeat = 1000 }, &want_a, "1000 x 1514-byte frame");
	check(a, SLOT_A, &want_a, "1000 x 1514-byte frame");

	/*
	 * A TSO super-packet: 2 segments of 1448 bytes payload, 66 bytes of
	 * headers each on the wire (test runs take at most a page of data).
	 */
	step(a, &(struct run){ .len = 66 + 2 * 1448, .wire_len = 2 * (66 + 1448),
			       .gso_segs = 2, .gso_size = 1448, .repeat = 5 },
	     &want_a, "GSO packet, 2 segments");
	check(a, SLOT_A, &want_a, "GSO packet, 2 segments");

	step(b, &(struct run){ .len = 60, .repeat = 7 }, &want_b, "second instance");
	check(b, SLOT_B, &want_b, "second instance");
	check(a, SLOT_A, &want_a, "first slot unchanged by second instance");

	for (slot = 0; slot < UCAP_MAX_SLOTS; slot++) {
		if (slot == SLOT_A || slot == SLOT_B)
			continue;
		counters(a, slot, &c);
		if (memcmp(&c, &zero, sizeof(c)))
			dirty++;
	}
	tap_eq(dirty, 0, "no slot other than the instances' own was written");

	uploadcap__destroy(b);
	uploadcap__destroy(a);
	return tap_done();
}
