/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's comparison of two meters of one device, tick by tick
 * (compare.c): the module against the BPF meter (meter_divergence) and
 * the device's own counter against the module (bypass_suspected).
 */
#ifndef UCTL_COMPARE_H
#define UCTL_COMPARE_H

#include <stdbool.h>

#include <linux/types.h>

#include "ucap_params.h"

/*
 * The longest a device's tx counter may stand still while its hook lets
 * traffic through, and still be lagging rather than not counting: the
 * module's own bound (kmod/ucap_params.h).
 */
#define CMP_DEV_COUNTER_LAG_S	(UCAP_AUDIT_MAX_LAG_MS / 1000.0)

/*
 * Two meters of one device compared from a baseline: the tick they last
 * agreed. The module's side is bracketed (read before and after the
 * other meter), so its growth since the baseline lies between
 * lo - base hi and hi - base lo. What the module had charged at the
 * baseline that the other meter had not shown yet (packets still queued
 * between the hook and the driver) is carried into the next comparison
 * only. One tick of disagreement may still be noise, which the next
 * tick makes up for; a disagreement that holds over two ticks is real.
 *
 * Growth that falls between a tick's two readings of the module is in
 * neither bound of that tick's window (its lo missed it) nor of the next
 * (the baseline's hi has it): over one window at a time, a burst sent
 * while the agent reads would never be seen. So each tick is also
 * compared from the baseline before, base[1], a window of two ticks in
 * which that tick's readings lie inside.
 */
struct cmp_base {
	__u64 a, lo, hi, packets;
	__u64 carry;		/* counted by b, not shown by a yet */
};

struct cmp_state {
	bool valid[2];		/* base[i] can be compared against */
	struct cmp_base base[2];	/* the last baseline, and the one before */
	double base_t;		/* when base[0] was taken */
	double grow_t;		/* when b first grew past it, a standing still */
	bool pending;		/* one tick of disagreement so far */
	bool alarmed;
	unsigned int agree_ticks;
};

/* The module's growth since the baseline, at least and at most. */
struct growth {
	__u64 min, max;
};

typedef bool (*cmp_over_fn)(__u64 da, struct growth db, __u64 dp);

/*
 * One tick: now (seconds, monotonic), whether a and b can be compared,
 * the two counters, a packet count for the tolerance, how long a may lag
 * (0: it does not), the tolerance. True when the alarm is due; then *da
 * and *db are the two growths it is about.
 */
bool cmp_step(struct cmp_state *c, double now, bool usable, __u64 a, __u64 b_lo, __u64 b_hi,
	      __u64 packets, double lag, cmp_over_fn over_tol, __u64 *da, __u64 *db);

/* The tolerances: BPF meter against the module, device against the module. */
bool cmp_diverges(__u64 dbpf, struct growth dm, __u64 dp);
bool cmp_bypassed(__u64 dd, struct growth dm, __u64 dp);

#endif
