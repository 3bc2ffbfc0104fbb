/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uploadcap.ko: what the parts of the module share.
 *
 *   ledger.c  the lifetime counter, the write-once cap and the state
 *   rate.c    the write-once rate ceiling, checked before the cap
 *   hook.c    the netfilter egress hook on every guarded device, and
 *             the device tracking that keeps one on each
 *   audit.c   the device audit: what each guarded device says it sent,
 *             against what its hook let through; the difference is
 *             charged
 *   down.c    on_exhaust=down: guarded devices go down at exhaustion
 *             and stay down
 *   sysfs.c   /sys/kernel/uploadcap/ and the state uevents
 *   main.c    init and exit only
 */
#ifndef _UCAP_UPLOADCAP_H
#define _UCAP_UPLOADCAP_H

#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>

enum ucap_state {
	UCAP_UNARMED,		/* no cap yet: counting only */
	UCAP_ARMED,		/* a cap is set and not reached */
	UCAP_EXHAUSTED,		/* the cap is used up: nothing more leaves */
};

/* What sysfs shows; a consistent snapshot taken under the ledger lock. */
struct ucap_totals {
	enum ucap_state state;
	u64 cap_bytes;		/* 0 while unarmed */
	u64 used_bytes;
	u64 dropped_bytes;
	u64 dropped_packets;
	u64 tamper_attempts;
	u64 bypass_bytes;	/* devices sent past their hooks (audit) */
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

/* Per guarded device, for the audit; kept in the device's record. */
struct ucap_audit {
	u64 dev_last;		/* the device's tx_bytes at the last audit */
	u64 hook_last;		/* what its hook had let through then */
	/* Let through by the hook, not (yet) reported sent by the device. */
	u64 surplus;
};

/* ledger.c */
/* Takes the cap_bytes= and used_bytes= parameters; nothing to undo. */
void ucap_ledger_init(void);
bool ucap_charge(unsigned int len);
int ucap_set_cap(u64 cap);
/* Count and log a refused change: what is e.g. "raise the cap". */
void ucap_tamper(const char *what, const char *value);
/* The lifetime count: what the ledger has let through (and restored). */
u64 ucap_used_bytes(void);
/* Process context: charge bytes a device sent past its hook. */
u64 ucap_charge_unhooked(u64 bytes);
void ucap_read_totals(struct ucap_totals *t);
enum ucap_state ucap_state(void);
const char *ucap_state_name(enum ucap_state state);

/* rate.c */
/* The smallest burst: twice the largest (GSO) packet, with headers. */
#define UCAP_RATE_MIN_BURST (256 * 1024)

struct ucap_rate_totals {
	u64 rate_bytes_per_sec;	/* 0: no ceiling */
	u64 burst_bytes;	/* the burst in force, or the one it will have */
	u64 current_bytes_per_sec;	/* let through over the last second */
	u64 dropped_bytes;
	u64 dropped_packets;
};

/* Takes the rate_ parameters and starts the sampler; exit stops it. */
int ucap_rate_init(void);
void ucap_rate_exit(void);
bool ucap_rate_admit(unsigned int len);
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
#define UCAP_DEV_LINE 128
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
/* What ud's hook has let through so far. */
u64 ucap_dev_hook_bytes(const struct ucap_dev *ud);

/* audit.c */
int ucap_audit_init(void);
void ucap_audit_exit(void);
/* RTNL held: a device is guarded from now on; take its counters. */
void ucap_audit_start(struct net_device *dev, struct ucap_audit *audit);

/* down.c */
/* Takes the on_exhaust= parameter; exit cancels the work. */
int ucap_down_init(void);
void ucap_down_exit(void);
/* The state changed (any context): take devices down if so configured. */
void ucap_down_state_changed(void);
/* Refuse to bring a guarded device up: exhausted, with on_exhaust=down. */
bool ucap_down_refuse_up(void);

/* sysfs.c */
int ucap_sysfs_init(void);
void ucap_sysfs_exit(void);
/* The state changed: queue the uevents (any context). */
void ucap_sysfs_state_changed(void);

#endif /* _UCAP_UPLOADCAP_H */
