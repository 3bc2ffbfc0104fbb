/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the BPF egress meter and userspace share: pin names, map layout,
 * tc attachment point. Fixed-width types only; this header is included by
 * both the BPF object and uploadctl.
 *
 * Layout rules: a pinned map outlives every uploadctl that created it, so
 * any change to a struct below, to a map's type or to UCAP_MAX_SLOTS must
 * bump UCAP_LAYOUT_VERSION. uploadctl refuses to use pinned maps whose
 * layout differs instead of silently restarting the counts.
 */
#ifndef UPLOADCAP_H
#define UPLOADCAP_H

#include <linux/types.h>

/* Directory under bpffs where the maps are pinned, each by its map name. */
#define UCAP_PIN_DIR		"/sys/fs/bpf/uploadcap"
#define UCAP_BPFFS_DIR		"/sys/fs/bpf"
#define UCAP_MAP_COUNTERS	"ucap_counters"
#define UCAP_MAP_IFACES		"ucap_ifaces"
#define UCAP_MAP_META		"ucap_meta"
#define UCAP_PROG_NAME		"ucap_egress"

#define UCAP_LAYOUT_MAGIC	0x75636170U	/* "ucap" */
#define UCAP_LAYOUT_VERSION	1U

/*
 * Counters live in a per-CPU array indexed by a slot number that uploadctl
 * assigns to each metered device. Every attached device gets its own copy
 * of the program with its slot baked into .rodata, so the per-packet path
 * is a constant-key per-CPU array update: no hashing, no shared cache line,
 * and no dependence on ifindex values or on which namespace the device is
 * in. Slot 0 is never given to a device: it accumulates the counts of
 * devices whose slots were reclaimed, so the sum over all slots only grows.
 */
#define UCAP_MAX_SLOTS		1024U
#define UCAP_SLOT_RETIRED	0U

/*
 * Two ways onto a device's egress, chosen per kernel at attach time:
 *
 * tcx (kernels >= 6.6): a BPF link, inserted first in the device's tcx
 * egress chain (BPF_F_BEFORE), pinned in the pin directory as
 * UCAP_TCX_LINK_PREFIX<slot> so that it outlives uploadctl. The program
 * returns TCX_NEXT, so every later program (and the classic clsact
 * filters, which run after the tcx chain) still runs.
 *
 * clsact (older kernels): a cls_bpf filter on the clsact egress hook at
 * the first priority with our own handle; TC_ACT_UNSPEC goes on to the
 * next filter. TCX_NEXT and TC_ACT_UNSPEC are both -1: one program serves
 * both.
 */
#define UCAP_TC_PRIO		1U
#define UCAP_TC_HANDLE		0x75636170U
#define UCAP_TCX_LINK_PREFIX	"tcx_egress_"

#define UCAP_IFNAMSIZ		16
#define UCAP_MAX_ADDR_LEN	32

/* Value of ucap_counters, per CPU. Only the BPF program adds to a slot. */
struct ucap_counters {
	__u64 bytes;		/* skb->len, what veth and most virtual devices count */
	__u64 wire_bytes;	/* wire length incl. replicated GSO headers */
	__u64 packets;		/* skbs seen by the hook */
	__u64 segments;		/* on-wire segments: gso_segs, at least 1 */
};

enum ucap_slot_state {
	UCAP_SLOT_FREE = 0,	/* never used, or reclaimed and zeroed */
	UCAP_SLOT_ATTACHED,	/* prog_id is (or was) attached to the device */
	UCAP_SLOT_DETACHED,	/* detached by uploadctl; kept for re-attach */
	UCAP_SLOT_RESERVED,	/* slot 0 */
};

/* ucap_iface flags */
#define UCAP_IFACE_F_OWN_CLSACT	0x1U	/* uploadctl created the clsact qdisc */
#define UCAP_IFACE_F_TCX	0x2U	/* attached by the tcx link link_id */

/*
 * Value of ucap_ifaces, indexed by slot: who the slot belongs to. Written
 * only by uploadctl, under flock() on the pin directory. A device is
 * identified by its network namespace (cookie: unique for the boot, never
 * reused), its ifindex in that namespace and its link-layer address, so a
 * new device that is given a deleted device's ifindex does not inherit its
 * counts.
 */
struct ucap_iface {
	__u64 netns_cookie;
	__u64 netns_ino;	/* inode of the netns, as stat /proc/self/ns/net shows */
	__u32 ifindex;
	__u32 prog_id;		/* id of the program instance attached for this slot */
	__u32 state;		/* enum ucap_slot_state */
	__u32 flags;		/* UCAP_IFACE_F_* */
	__u32 addr_len;
	/*
	 * The tcx link's id (UCAP_IFACE_F_TCX), else 0. This was padding,
	 * always 0, before tcx: a slot written then reads as clsact, and the
	 * layout (UCAP_LAYOUT_VERSION) is unchanged.
	 */
	__u32 link_id;
	__u8 addr[UCAP_MAX_ADDR_LEN];
	char name[UCAP_IFNAMSIZ];	/* name when last attached, for display */
};

/* Single entry of ucap_meta: identifies the layout of the pinned maps. */
struct ucap_meta {
	__u32 magic;
	__u32 layout_version;
	__u32 max_slots;
	__u32 pad;
};

#endif /* UPLOADCAP_H */
