/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's arithmetic that holds no lock and touches no kernel state:
 * the set-once, lower-only rule of its settings, the credit and exact
 * charging decisions of the budget, the token bucket's refill and take,
 * and the audit's settling of what a device sent against its allowance.
 *
 * Static inline functions on plain integers only, so that the same source
 * is compiled into the module and into selftests/arith_test.c, which
 * checks them against boundaries and random sequences in userspace. The
 * callers (budget.c, rate.c, audit.c) hold their locks around them.
 * Outside the kernel the includer provides u64, s64, bool, min_t, max_t,
 * div64_u64 and mul_u64_u64_div_u64 first.
 */
#ifndef _UCAP_ARITH_H
#define _UCAP_ARITH_H

#ifdef __KERNEL__
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/time64.h>
#include <linux/types.h>
#endif

/* ---- settings: set once, then only lowered ---- */

enum ucap_change {
	UCAP_CHANGE_SET,	/* not fixed yet: any value is taken */
	UCAP_CHANGE_NONE,	/* the value it has: accepted, nothing changes */
	UCAP_CHANGE_LOWER,	/* accepted */
	UCAP_CHANGE_RAISE,	/* refused: a tamper attempt */
	UCAP_CHANGE_CLEAR,	/* refused: 0 where 0 would mean "none" */
};

/*
 * The one rule of the cap, the rate ceiling, its burst and the reserve:
 * until fixed (armed) a setting takes any value; after, only a lower one.
 * zero_clears: 0 means "no limit" for this setting, so writing it is
 * always refused, before or after arming (the cap, the ceiling); for the
 * reserve 0 is "none left", a lowering like any other.
 */
static inline enum ucap_change ucap_lower_only(bool fixed, u64 old, u64 want, bool zero_clears)
{
	if (zero_clears && !want)
		return UCAP_CHANGE_CLEAR;
	if (!fixed)
		return UCAP_CHANGE_SET;
	if (want > old)
		return UCAP_CHANGE_RAISE;
	return want < old ? UCAP_CHANGE_LOWER : UCAP_CHANGE_NONE;
}

static inline bool ucap_change_refused(enum ucap_change c)
{
	return c == UCAP_CHANGE_RAISE || c == UCAP_CHANGE_CLEAR;
}

/* ---- the budget: credit far from the cap, exact near it ---- */

/* What is left below limit once granted is taken (granted may be past: 0). */
static inline u64 ucap_room_below(u64 limit, u64 granted)
{
	return limit > granted ? limit - granted : 0;
}

/* The most ever granted: the cap and the reserve, saturated. */
static inline u64 ucap_cap_plus_reserve(u64 cap, u64 reserve)
{
	return cap > U64_MAX - reserve ? U64_MAX : cap + reserve;
}

/*
 * Far from the limit, a CPU whose credit does not cover len takes a chunk
 * (at least len) from what is left, if that leaves at least far (the
 * credit all CPUs may hold) behind: the credit of every CPU together then
 * never reaches past the limit. Returns the grant, or 0: too close, go
 * exact (take every credit back and charge packet by packet).
 */
static inline u64 ucap_credit_grant(u64 left, u64 len, u64 chunk, u64 far)
{
	u64 grant = max_t(u64, len, chunk);

	return left >= grant && left - grant >= far ? grant : 0;
}

/* Exact: a packet of len passes only whole, from what is left. */
static inline bool ucap_exact_fits(u64 left, u64 len)
{
	return left >= len;
}

/* ---- the rate ceiling's token bucket ---- */

/*
 * Add what the time since *last_ns earned to *tokens, at rate bytes per
 * second, up to capacity. Only the time the added whole bytes paid for is
 * used up, rounded up to the next nanosecond; the rest carries to the next
 * refill (used up whole, a refill on every refused packet of a flood
 * would lose the fraction of a byte each time). Time spent with a full
 * bucket earns nothing; a clock read older than the last earns nothing.
 * In debt (*tokens < 0) the room includes the debt. rate > 0.
 */
static inline void ucap_bucket_refill(s64 *tokens, u64 *last_ns, u64 capacity, u64 rate,
				      u64 now)
{
	u64 dt, add, room, paid;

	if (now <= *last_ns)
		return;
	dt = now - *last_ns;
	if (*tokens >= (s64)capacity) {
		*last_ns = now;
		return;
	}
	room = (s64)capacity - *tokens;
	/* A long pause fills the bucket; this also keeps rate * dt in range. */
	if (div64_u64(dt, NSEC_PER_SEC) > div64_u64(room, rate))
		add = room;
	else
		add = mul_u64_u64_div_u64(rate, dt, NSEC_PER_SEC);
	if (!add)
		return;	/* not a whole byte yet: the time carries on */
	if (add >= room) {
		*tokens += room;
		*last_ns = now;
		return;
	}
	/* add * NSEC_PER_SEC / rate <= dt: the time add bytes took, rounded up. */
	paid = min_t(u64, dt, mul_u64_u64_div_u64(add, NSEC_PER_SEC, rate) + 1);
	*tokens += add;
	*last_ns += paid;
}

/*
 * Take len from the bucket, with a chunk of credit for the CPU when the
 * bucket has that much more: returns the credit (0 or chunk), or -1 when
 * len does not fit (the packet is refused and nothing is taken).
 */
static inline s64 ucap_bucket_take(s64 *tokens, u64 len, u64 chunk)
{
	if (*tokens >= (s64)(len + chunk)) {
		*tokens -= len + chunk;
		return chunk;
	}
	if (*tokens >= (s64)len) {
		*tokens -= len;
		return 0;
	}
	return -1;
}

/* ---- the audit: what a device sent against what its hook allowed ---- */

/*
 * The device's counter moved by sent; its hook allowed allowance since
 * the last movement (what waited included), and *carry is what the
 * interval before left unused. Returns the excess, sent past the hook, to
 * be charged. What is left unused of this interval's allowance (never
 * more than it) carries into the next interval only: a surplus is never
 * banked, so unused allowance cannot cover a later burst past the hook.
 */
static inline u64 ucap_audit_settle(u64 sent, u64 allowance, u64 *carry)
{
	u64 avail = allowance + *carry;
	u64 excess = sent > avail ? sent - avail : 0;

	*carry = excess ? 0 : min_t(u64, avail - sent, allowance);
	return excess;
}

#endif /* _UCAP_ARITH_H */
