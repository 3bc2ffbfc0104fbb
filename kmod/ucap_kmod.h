/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uploadcap.ko: what the parts of the module share.
 *
 *   budget.c  the lifetime counter, the write-once cap and the state
 *   rate.c    the write-once rate ceiling, checked before the cap
 *   reserve.c the management reserve's destinations: which packets may
 *             spend it once the cap is exhausted
 *   hook.c    the netfilter egress hook on every guarded device, and
 *             the device tracking that keeps one on each
 *   audit.c   the device audit: what each guarded device says it sent,
 *             against what its hook let through; the difference is
 *             charged
 *   down.c    on_exhaust=down: guarded devices go down at exhaustion
 *             and stay down
 *   tpm.c     the TPM 2.0 anchor: the lease kept in an NV counter
 *   sysfs.c   /sys/kernel/uploadcap/ and the state uevents
 *   main.c    init and exit only
 */
#ifndef _UCAP_KMOD_H
#define _UCAP_KMOD_H

#include <linux/bits.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>

#include "ucap_arith.h"
#include "ucap_params.h"
#include "ucap_sysfs_abi.h"

enum ucap_state {
	UCAP_UNARMED,		/* no cap yet: counting only */
	UCAP_ARMED,		/* a cap is set and not reached */
	UCAP_EXHAUSTED,		/* the cap is used up: nothing more leaves */
};

/* What sysfs shows; a consistent snapshot taken under the budget lock. */
struct ucap_totals {
	enum ucap_state state;
	u64 cap_bytes;		/* 0 while unarmed */
	u64 used_bytes;
	u64 dropped_bytes;
	u64 dropped_packets;
	u64 tamper_attempts;
	u64 bypass_bytes;	/* devices sent past their hooks (audit) */
	u64 audit_charged_bytes;	/* of those, charged (part of used) */
	u64 restored_bytes;	/* used_bytes= at load (part of used) */
	u64 lease_bytes;	/* the write-ahead lease; 0 without one */
	u64 reserve_bytes;	/* the management reserve; 0: none */
	u64 reserve_used_bytes;	/* of it spent: used past the cap */
};

/*
 * What the cap or the rate ceiling refused, per CPU: written only by its
 * own CPU in the egress path (BHs off), summed by readers.
 */
struct ucap_drops {
	u64_stats_t bytes;
	u64_stats_t packets;
	struct u64_stats_sync syncp;
};

static inline void ucap_drops_init(struct ucap_drops __percpu *d)
{
	int cpu;

	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(d, cpu)->syncp);
}

static inline void ucap_drops_add(struct ucap_drops *d, unsigned int len)
{
	u64_stats_update_begin(&d->syncp);
	u64_stats_add(&d->bytes, len);
	u64_stats_inc(&d->packets);
	u64_stats_update_end(&d->syncp);
}

static inline void ucap_drops_sum(struct ucap_drops __percpu *d, u64 *bytes, u64 *packets)
{
	unsigned int start;
	int cpu;

	*bytes = 0;
	*packets = 0;
	for_each_possible_cpu(cpu) {
		const struct ucap_drops *c = per_cpu_ptr(d, cpu);
		u64 b, p;

		do {
			start = u64_stats_fetch_begin(&c->syncp);
			b = u64_stats_read(&c->bytes);
			p = u64_stats_read(&c->packets);
		} while (u64_stats_fetch_retry(&c->syncp, start));
		*bytes += b;
		*packets += p;
	}
}

/*
 * What a guarded device's hook let through, as the audit reads it: the
 * wire length (what the budget charged, GSO headers included), skb->len,
 * and what a driver may count or not (see audit.c): the headers of the
 * segments of GSO packets the device takes whole, and on an Ethernet
 * device the padding of short frames to ETH_ZLEN and per segment an FCS
 * (and a hardware-inserted VLAN tag).
 */
struct ucap_hook_sums {
	u64 bytes;		/* wire length */
	u64 len_bytes;		/* skb->len */
	u64 hw_hdrs_bytes;	/* wire - skb->len, of hardware GSO */
	u64 pad_bytes;
	u64 fcs_bytes;
	u64 packets;
	u64 segs;		/* packets, a GSO packet as its segments */
};

/* What a device's tx counter may include besides what every driver counts. */
#define UCAP_COUNTS_HDRS	BIT(0)	/* headers of hardware GSO segments */
#define UCAP_COUNTS_PAD		BIT(1)	/* padding of short frames */
#define UCAP_COUNTS_FCS		BIT(2)	/* an FCS (and VLAN tag) per segment */
#define UCAP_COUNTS_ALL		(UCAP_COUNTS_HDRS | UCAP_COUNTS_PAD | UCAP_COUNTS_FCS)

/*
 * A driver's counter may lag its hook by up to UCAP_AUDIT_MAX_LAG_MS
 * (ucap_params.h, audit.c): the allowance still waiting for it is kept in
 * slots of UCAP_AUDIT_SLOT_MS, one more than that takes, so that what
 * arose in the last UCAP_AUDIT_MAX_LAG_MS is always kept, and nothing
 * older than one slot more.
 */
#define UCAP_AUDIT_SLOT_MS	1000
#define UCAP_AUDIT_LAG_SLOTS	(UCAP_AUDIT_MAX_LAG_MS / UCAP_AUDIT_SLOT_MS + 1)

/* Per guarded device, for the audit; kept in the device's record. */
struct ucap_audit {
	u64 dev_last;		/* the device's tx_bytes at the last audit */
	u64 dev_last_packets;	/* and its tx_packets */
	struct ucap_hook_sums hook_last;	/* the hook's figures then */
	/*
	 * Allowance since the device's counter last moved, by when it arose:
	 * a counter the driver refreshes only now and then is compared when
	 * it moves. Slot pending_slot holds what arose since pending_start;
	 * each slot is UCAP_AUDIT_SLOT_MS long, and allowance older than
	 * UCAP_AUDIT_LAG_SLOTS slots is dropped (audit.c).
	 */
	u64 pending[UCAP_AUDIT_LAG_SLOTS];
	unsigned int pending_slot;
	unsigned long pending_start;
	unsigned long pending_since;	/* jiffies: the oldest still pending arose */
	unsigned long moved;	/* jiffies when the counter last moved */
	/*
	 * How long the counter has been seen to stand still while the hook
	 * let traffic through (a driver refreshing from the hardware),
	 * decaying; the carry lives twice that, at least two audits.
	 */
	unsigned long lag;
	/*
	 * Allowance of the last interval the device has not counted yet:
	 * packets still queued between the hook and the driver. Usable in
	 * the next interval only, never banked beyond it.
	 */
	u64 carry;
	/* Sent past the hook while exhausted or in rate debt, this episode. */
	u64 held_excess;
	/* Taken down for it; may come up again only once that has ended. */
	bool held;
	u64 bypass_bytes;	/* all it was found to send past its hook */
	/*
	 * Of it, what no kernel line has told yet, and what of that was
	 * charged; logged_at: jiffies of the last line (audit.c).
	 */
	u64 unlogged_bytes;
	u64 unlogged_charged;
	unsigned long logged_at;
	/*
	 * What its counter may include (UCAP_COUNTS_*): known for some
	 * drivers, else all at first, then only ever fewer as the audit
	 * learns (audit.c). The evidence since the last judgement: what the
	 * device counted that was not charged, and the hook's figures then.
	 */
	unsigned int counts;
	u64 ev_dev;
	u64 ev_dev_packets;
	bool ev_tainted;	/* excess found, or the counter went back */
	struct ucap_hook_sums ev_hook;
	unsigned long busy;	/* jiffies: the hook or the counter last moved */
	bool judged;		/* this quiet spell was judged */
};

/* budget.c */
/* Takes the cap_bytes= and used_bytes= parameters; nothing to undo. */
void ucap_budget_init(void);
bool ucap_charge(unsigned int len);
/* Exhausted, and reserve.c matched the packet: charge it to the reserve. */
bool ucap_charge_reserve(unsigned int len);
int ucap_set_cap(u64 cap);
int ucap_set_reserve(u64 reserve);
/* A reserve is set and not yet spent: on_exhaust=down waits (down.c). */
bool ucap_reserve_open(void);
/* Count and log a refused change: what is e.g. "raise the cap". */
void ucap_tamper(const char *what, const char *value);
/*
 * A refused change of a lower-only setting (ucap_lower_only()) is a
 * tamper attempt: counted and logged as "raise SETTING" or "clear
 * SETTING". Returns -EPERM for those, else 0.
 */
int ucap_refuse_change(enum ucap_change c, const char *setting, u64 want);
/* The lifetime count: what the budget has let through (and restored). */
u64 ucap_used_bytes(void);
/* Process context: charge bytes a device sent past its hook. */
u64 ucap_charge_unhooked(u64 bytes);
/* Charging is exact: the cap is near, or reached (the audit runs finer). */
bool ucap_budget_exact(void);
void ucap_read_totals(struct ucap_totals *t);
int ucap_raise_lease(u64 lease_bytes);
bool ucap_leasing(void);
/* tpm.c's side of the budget: see there. */
int ucap_anchor_raise_lease(u64 lease_bytes);
void ucap_read_lease(u64 *lease_bytes, u64 *cap_bytes, u64 *granted);
void ucap_budget_anchor(u64 floor, u64 cap, u64 reserve, u64 lease_bytes, u64 ahead);
void ucap_budget_fail_closed(void);
enum ucap_state ucap_state(void);
const char *ucap_state_name(enum ucap_state state);

/* reserve.c: which packets may spend the reserve (its bytes: budget.c). */
int ucap_reserve_init(void);
void ucap_reserve_exit(void);
struct sk_buff;
bool ucap_reserve_match(const struct sk_buff *skb);
int ucap_reserve_set_dst(const char *text);
int ucap_reserve_check_dst(const char *text);
void ucap_reserve_hold_dst(const char *policy_text);
ssize_t ucap_reserve_show_dst(char *buf);

/* rate.c (its smallest burst, UCAP_RATE_MIN_BURST: ucap_sysfs_abi.h) */

struct ucap_rate_totals {
	u64 rate_bytes_per_sec;	/* 0: no ceiling */
	u64 rate_burst_bytes;	/* the burst in force, or the one it will have */
	u64 rate_current_bytes_per_sec;	/* let through over the last second */
	u64 rate_dropped_bytes;
	u64 rate_dropped_packets;
	u64 rate_debt_bytes;	/* past-hook bytes the refill has not paid yet */
};

/* Takes the rate_ parameters and starts the sampler; exit stops it. */
int ucap_rate_init(void);
void ucap_rate_exit(void);
bool ucap_rate_admit(unsigned int len);
/*
 * Process context: bytes the audit found sent past a hook draw on the
 * bucket too, as debt; while it is in debt the hook refuses everything.
 * Returns whether the bucket is in debt now.
 */
bool ucap_rate_charge_debt(u64 bytes);
bool ucap_rate_in_debt(void);
int ucap_set_rate(u64 rate);
int ucap_set_rate_burst(u64 burst);
void ucap_read_rate(struct ucap_rate_totals *t);

/* hook.c */
int ucap_hook_init(void);
void ucap_hook_exit(void);
/*
 * Fill buf with the devices table, fixed-width lines of UCAP_DEV_LINE
 * bytes (header first), from byte offset off; returns bytes written.
 */
ssize_t ucap_devices_read(char *buf, loff_t off, size_t count);
struct net_device;
struct ucap_dev;
/*
 * Call fn for every guarded device, in the order they were first seen,
 * under the device list's mutex (the device cannot go away meanwhile).
 * fn must not register, unregister or rename devices, nor bring them up.
 */
typedef void (*ucap_dev_fn)(struct net_device *dev, struct ucap_dev *ud,
			    struct ucap_audit *audit, void *arg);
void ucap_devs_walk(ucap_dev_fn fn, void *arg);
/* RTNL held (not the list's mutex): fn may change the devices' flags. */
void ucap_devs_walk_rtnl(ucap_dev_fn fn, void *arg);
/* What ud's hook has let through so far. */
void ucap_dev_hook_sums(const struct ucap_dev *ud, struct ucap_hook_sums *sums);

/* audit.c */
int ucap_audit_init(void);
void ucap_audit_exit(void);
/* RTNL held: a device is guarded from now on; take its counters. */
void ucap_audit_start(struct net_device *dev, struct ucap_audit *audit, bool ether);
/* What the device's counter is taken to include: "len+hdrs+pad+fcs". */
const char *ucap_audit_counts_name(const struct ucap_audit *audit);
/*
 * RTNL and the device list's mutex held: audit one device now, because it
 * stops being guarded (why: "unregistered", "going down", ...).
 */
void ucap_audit_final(struct net_device *dev, struct ucap_dev *ud,
		      struct ucap_audit *audit, const char *why);

/* down.c */
/* Takes the on_exhaust= parameter; exit cancels the work. */
int ucap_down_init(void);
void ucap_down_exit(void);
/* The state changed (any context): take devices down if so configured. */
void ucap_down_state_changed(void);
/*
 * RTNL held. Refuse to bring a guarded device up: exhausted with
 * on_exhaust=down, or the device is held down (it sent past its hook
 * while exhausted or in rate debt, and that has not ended). Returns why,
 * or NULL: it may come up.
 */
const char *ucap_down_refuse_up(struct ucap_audit *audit);
/* The device list's mutex held: take this device down and hold it. */
void ucap_down_hold(struct net_device *dev, struct ucap_audit *audit);
/* No lock held: take the held devices down now, not in the work. */
void ucap_down_flush(void);

/* tpm.c */
/* After ucap_budget_init(), before any hook; exit cancels the raises. */
int ucap_tpm_init(void);
void ucap_tpm_exit(void);
/* Any context: less than a quarter step of the lease is left. */
void ucap_tpm_lease_low(void);
const char *ucap_tpm_state_name(void);
bool ucap_tpm_anchored(void);
/* The anchor's figures as sysfs shows them: 0 unless anchored. */
struct ucap_tpm_totals {
	u64 tpm_floor_bytes;	/* used, as the counter showed it at load */
	u64 lease_step_bytes;	/* bytes per counter increment */
};

void ucap_read_tpm(struct ucap_tpm_totals *t);
/* The boot settings, held to the TPM policy when anchored. */
unsigned int ucap_tpm_audit_ms(unsigned int audit_ms);
bool ucap_tpm_down(bool down);
bool ucap_tpm_may_exempt(const char *name);

/* sysfs.c */
int ucap_sysfs_init(void);
void ucap_sysfs_exit(void);
/* The state changed: queue the uevents (any context). */
void ucap_sysfs_state_changed(void);

#endif /* _UCAP_KMOD_H */
