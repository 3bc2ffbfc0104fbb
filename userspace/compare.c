// SPDX-License-Identifier: GPL-2.0
/*
 * Two meters of one device, compared tick by tick, for the agent's
 * meter_divergence and bypass_suspected alarms (compare.h).
 */
#include "compare.h"

/* Ticks of agreement before a divergence or bypass alarm is re-armed. */
#define CMP_REARM_TICKS		3

static __u64 min_u64(__u64 x, __u64 y)
{
	return x < y ? x : y;
}

/* Whether the growth since base disagrees; a's and b's growth in *da, *db. */
static bool cmp_window(const struct cmp_base *base, __u64 a, __u64 b_lo, __u64 b_hi,
		       __u64 packets, cmp_over_fn over_tol, __u64 *da, __u64 *db)
{
	struct growth g;

	*da = a - base->a;
	g.min = b_lo > base->hi ? b_lo - base->hi : 0;
	g.max = b_hi - base->lo + base->carry;
	*db = b_hi - base->lo;
	return over_tol(*da, g, packets - base->packets);
}

static bool cmp_base_usable(const struct cmp_state *c, unsigned int i, __u64 a, __u64 b_hi,
			    __u64 packets)
{
	const struct cmp_base *base = &c->base[i];

	return c->valid[i] && a >= base->a && b_hi >= base->lo && packets >= base->packets;
}

/*
 * One step of a comparison: a and b are the two counters now (packets: a
 * packet count for the tolerance), over_tol says whether their growth
 * since a baseline disagrees. b_lo <= b is a reading of b taken just
 * before a was read (b itself just after): both become the baseline, so
 * that b's growth is never underestimated by traffic between the reads.
 * With lag > 0, a is a counter that may be refreshed only now and then
 * (a NIC's, read from the hardware every second or two): while it stands
 * still, the baseline is kept, for at most lag seconds after b grew, so
 * that its next jump is compared with all of b's growth since it last
 * moved, as the module's audit does (kmod/audit.c, UCAP_AUDIT_MAX_LAG_MS).
 * Returns true when the alarm is due.
 */
bool cmp_step(struct cmp_state *c, double now, bool usable, __u64 a, __u64 b_lo, __u64 b_hi,
	      __u64 packets, double lag, cmp_over_fn over_tol, __u64 *da, __u64 *db)
{
	struct cmp_base *base = &c->base[0];
	bool due = false, forget = false, over;
	__u64 da2, db2;

	if (!usable || !cmp_base_usable(c, 0, a, b_hi, packets)) {
		c->pending = false;
		c->valid[0] = false;
		goto rebase;
	}
	/*
	 * A counter that lags, standing still: what b counted since a last
	 * moved may yet show in a, for lag seconds after it began; then a
	 * is not lagging but not counting, and nothing carries. The carry
	 * waits for a's next move, at most twice lag.
	 */
	if (lag > 0 && a == base->a) {
		if (!c->grow_t && b_lo > base->hi)
			c->grow_t = now;
		if (now - c->base_t >= 2 * lag)
			base->carry = 0;
		if (!c->grow_t || now - c->grow_t < lag)
			return false;
		c->pending = false;
		forget = true;
		goto rebase;
	}
	over = cmp_window(base, a, b_lo, b_hi, packets, over_tol, da, db);
	if (!over && cmp_base_usable(c, 1, a, b_hi, packets) &&
	    cmp_window(&c->base[1], a, b_lo, b_hi, packets, over_tol, &da2, &db2)) {
		over = true;
		*da = da2;
		*db = db2;
	}
	if (!over) {
		c->pending = false;
		if (c->alarmed && ++c->agree_ticks >= CMP_REARM_TICKS)
			c->alarmed = false;
		goto rebase;
	}
	c->agree_ticks = 0;
	if (!c->pending) {
		c->pending = true;	/* keep the baselines: look again next tick */
		return false;
	}
	c->pending = false;
	due = !c->alarmed;
	c->alarmed = true;
rebase:
	/*
	 * Counted by b, not shown by a yet: at most what b counted since
	 * the baseline, never banked beyond it.
	 */
	c->base[1] = *base;
	c->valid[1] = c->valid[0];
	if (c->valid[0] && !forget && b_hi - base->lo + base->carry > a - base->a)
		base->carry = min_u64(b_hi - base->lo + base->carry - (a - base->a),
				      b_hi - base->lo);
	else
		base->carry = 0;
	c->valid[0] = usable;
	c->base_t = now;
	c->grow_t = 0;
	base->a = a;
	base->lo = b_lo;
	base->hi = b_hi;
	base->packets = packets;
	return due;
}

/*
 * Module and meter count the same packets, both the wire length, one
 * right after the other on the same path: the meter's growth must lie
 * within the module's, give or take what the stack drops in between.
 */
bool cmp_diverges(__u64 dbpf, struct growth dm, __u64 dp)
{
	__u64 tol = 65536 + dm.max / 50;

	(void)dp;
	return dbpf > dm.max + tol || dbpf + tol < dm.min;
}

/*
 * The device's own counter may count a little more than the wire length
 * the module charged (drivers pad short frames to 60 bytes, may add an
 * FCS or a VLAN tag), never much more: veth counts skb length, which is
 * less.
 */
bool cmp_bypassed(__u64 dd, struct growth dm, __u64 dp)
{
	return dd > dm.max + 4096 + 24 * dp + dm.max / 50;
}
