// SPDX-License-Identifier: GPL-2.0
/*
 * The module's pure arithmetic (kmod/ucap_arith.h), the same source the
 * module compiles, in userspace: the set-once, lower-only rule; the
 * budget's credit and exact charging, driven by a model of several CPUs
 * each spending its own credit; the rate ceiling's token bucket against
 * its bound over every window; and the audit's settling, which never
 * banks a surplus. Boundaries first, then seeded random sequences with
 * the invariants checked after every step. Seconds, not minutes: the VM
 * tests still check the module itself.
 *
 * arith_test [SEED]: the seed is printed, so that a failure repeats.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"

/* What the kernel gives kmod/ucap_arith.h, for userspace. */
typedef uint64_t u64;
typedef int64_t s64;
#define U64_MAX		UINT64_MAX
#define NSEC_PER_SEC	1000000000ULL
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)	((t)(a) > (t)(b) ? (t)(a) : (t)(b))
static inline u64 div64_u64(u64 a, u64 b) { return a / b; }
static inline u64 mul_u64_u64_div_u64(u64 a, u64 b, u64 c)
{
	return (u64)((unsigned __int128)a * b / c);
}

#include "ucap_arith.h"

/* xorshift64*: small, seeded, the same sequence on every machine. */
static u64 rng_state;

static u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [lo, hi]. */
static u64 rnd_in(u64 lo, u64 hi)
{
	return lo + rnd() % (hi - lo + 1);
}

/* ---- the set-once, lower-only rule ---- */

static void test_lower_only(void)
{
	static const struct {
		bool fixed;
		u64 old, want;
		bool zero_clears;
		enum ucap_change c;
		const char *what;
	} cases[] = {
		{ false, 0, 5, true, UCAP_CHANGE_SET, "unarmed: any value is taken" },
		{ false, 9, U64_MAX, true, UCAP_CHANGE_SET, "unarmed: even the largest" },
		{ false, 0, 0, true, UCAP_CHANGE_CLEAR, "unarmed: 0 (no limit) is refused" },
		{ true, 5, 0, true, UCAP_CHANGE_CLEAR, "armed: clearing is refused" },
		{ true, 5, 6, true, UCAP_CHANGE_RAISE, "armed: a raise by one is refused" },
		{ true, 5, U64_MAX, true, UCAP_CHANGE_RAISE, "armed: a raise to 2^64-1 is refused" },
		{ true, 5, 5, true, UCAP_CHANGE_NONE, "armed: the same value changes nothing" },
		{ true, 5, 4, true, UCAP_CHANGE_LOWER, "armed: lower by one" },
		{ true, 5, 1, true, UCAP_CHANGE_LOWER, "armed: lower to the least" },
		{ true, 5, 0, false, UCAP_CHANGE_LOWER, "the reserve: 0 is none left, a lowering" },
		{ true, 0, 1, false, UCAP_CHANGE_RAISE, "the reserve: from none, a raise" },
		{ true, 0, 0, false, UCAP_CHANGE_NONE, "the reserve: none again" },
	};
	unsigned int i, bad = 0;
	u64 v, w;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_ok(ucap_lower_only(cases[i].fixed, cases[i].old, cases[i].want,
				       cases[i].zero_clears) == cases[i].c,
		       "lower-only: %s", cases[i].what);
	/* Every pair of small values: accepted exactly when not higher (and not 0). */
	for (v = 0; v < 64; v++)
		for (w = 0; w < 64; w++) {
			enum ucap_change c = ucap_lower_only(true, v, w, true);

			if (ucap_change_refused(c) != (w > v || w == 0))
				bad++;
		}
	tap_eq(bad, 0, "lower-only: every pair below 64 is accepted iff 0 < new <= old");
}

/* ---- the budget: credit and exact charging ---- */

#define MODEL_CPUS	8
#define MODEL_CHUNK	(256 * 1024)

/*
 * The budget as budget.c keeps it, under its lock: granted is what the
 * CPUs' credit and the exact charges took; each CPU spends its credit
 * without the lock. exact: every credit taken back, packets charged one
 * by one. Returns whether the packet passes.
 */
struct budget_model {
	u64 cap, granted, far, used;
	u64 credit[MODEL_CPUS];
	bool exact, exhausted;
};

static void model_reclaim(struct budget_model *b)
{
	unsigned int i;

	for (i = 0; i < MODEL_CPUS; i++) {
		b->granted -= b->credit[i];
		b->credit[i] = 0;
	}
}

static bool model_charge(struct budget_model *b, unsigned int cpu, u64 len)
{
	u64 left, grant;

	if (b->exhausted)
		return false;
	for (;;) {
		if (b->credit[cpu] >= len) {
			b->credit[cpu] -= len;
			b->used += len;
			return true;
		}
		left = ucap_room_below(b->cap, b->granted);
		if (!b->exact) {
			grant = ucap_credit_grant(left, len, MODEL_CHUNK, b->far);
			if (grant) {
				b->credit[cpu] += grant;
				b->granted += grant;
				continue;
			}
			model_reclaim(b);
			b->exact = true;
			left = ucap_room_below(b->cap, b->granted);
		}
		if (ucap_exact_fits(left, len)) {
			b->granted += len;
			b->used += len;
			if (b->granted == b->cap)
				b->exhausted = true;
			return true;
		}
		b->exhausted = true;	/* it does not fit: the cap stops traffic */
		return false;
	}
}

static void test_budget_bounds(void)
{
	u64 far = 2ULL * MODEL_CHUNK * MODEL_CPUS;

	tap_eq(ucap_room_below(10, 3), 7, "room: below the limit");
	tap_eq(ucap_room_below(10, 12), 0, "room: granted past the limit is 0, not a wrap");
	tap_eq(ucap_cap_plus_reserve(U64_MAX - 1, 5), U64_MAX, "cap + reserve saturates");
	tap_eq(ucap_cap_plus_reserve(10, 5), 15, "cap + reserve");
	tap_eq(ucap_credit_grant(far + MODEL_CHUNK, 100, MODEL_CHUNK, far), MODEL_CHUNK,
	       "credit: exactly a chunk above far: a chunk");
	tap_eq(ucap_credit_grant(far + MODEL_CHUNK - 1, 100, MODEL_CHUNK, far), 0,
	       "credit: one byte less: go exact");
	tap_eq(ucap_credit_grant(U64_MAX, 1 << 20, MODEL_CHUNK, far), 1 << 20,
	       "credit: a packet larger than a chunk takes its own length");
	tap_ok(ucap_exact_fits(100, 100) && !ucap_exact_fits(99, 100),
	       "exact: the last byte is used, one more is not");
}

/*
 * Random packets from random CPUs until the cap stops them: used never
 * exceeds the cap, the CPUs' credit never reaches past it, and at the end
 * the cap is used to within one packet (the last bytes are not stranded
 * on idle CPUs' credit).
 */
static void test_budget_random(unsigned int runs)
{
	unsigned int r, broke = 0, stranded = 0;

	for (r = 0; r < runs; r++) {
		struct budget_model b = { 0 };
		u64 len = 0, steps = 0, maxlen;

		b.cap = rnd_in(1, 16ULL << 20);
		b.far = 2ULL * MODEL_CHUNK * MODEL_CPUS;
		maxlen = rnd_in(64, 65536 + 66);
		while (steps++ < 10000000) {
			len = rnd_in(1, maxlen);
			model_charge(&b, rnd() % MODEL_CPUS, len);
			if (b.used > b.cap || b.granted > b.cap || b.used > b.granted) {
				broke++;
				break;
			}
			if (b.exhausted)
				break;
		}
		/* Exhausted by a packet that did not fit: less than it was left. */
		if (!b.exhausted || b.cap - b.used >= len)
			stranded++;
	}
	tap_eq(broke, 0, "budget: random packets from 8 CPUs: used <= granted <= cap at every step");
	tap_eq(stranded, 0, "budget: at exhaustion less than the last packet is left unused");
}

/* ---- the rate ceiling's token bucket ---- */

static void test_bucket_bounds(void)
{
	s64 tokens = 0;
	u64 last = 1000;

	ucap_bucket_refill(&tokens, &last, 1000000, 1000, 1000 + NSEC_PER_SEC);
	tap_ok(tokens == 1000 && last == 1000 + NSEC_PER_SEC, "bucket: a second at 1000 B/s earns 1000");
	ucap_bucket_refill(&tokens, &last, 1000000, 1000, 1000 + NSEC_PER_SEC - 5);
	tap_ok(tokens == 1000, "bucket: a clock read older than the last earns nothing");
	tokens = 0;
	last = 0;
	ucap_bucket_refill(&tokens, &last, 1000000, 3, 1);
	tap_ok(tokens == 0 && last == 0, "bucket: less than a byte: the time carries on");
	tokens = 10;
	last = 0;
	ucap_bucket_refill(&tokens, &last, 100, 1, 3600 * NSEC_PER_SEC);
	tap_eq(tokens, 100, "bucket: a long pause fills it to capacity, no further");
	tokens = -500;
	last = 0;
	ucap_bucket_refill(&tokens, &last, 100, 1000, NSEC_PER_SEC / 2);
	tap_eq(tokens, 0, "bucket: in debt, the refill pays the debt first");
	tokens = 50;
	last = 0;
	ucap_bucket_refill(&tokens, &last, 100, U64_MAX / 2, U64_MAX / 2);
	tap_eq(tokens, 100, "bucket: rate * dt beyond 64 bits saturates at capacity");
	tokens = 100;
	tap_ok(ucap_bucket_take(&tokens, 60, 40) == 40 && tokens == 0,
	       "take: len and a chunk when both fit");
	tokens = 99;
	tap_ok(ucap_bucket_take(&tokens, 60, 40) == 0 && tokens == 39,
	       "take: len alone when the chunk does not fit");
	tokens = 59;
	tap_ok(ucap_bucket_take(&tokens, 60, 40) == -1 && tokens == 59,
	       "take: refused, nothing taken");
}

#define WINDOW_EVENTS	4096

/*
 * A flood at random times of random sizes against one bucket, one CPU's
 * credit spent first as rate.c does: over every window [t_i, t_j] of the
 * sequence, what passed is at most rate * (t_j - t_i) + burst, where the
 * bucket starts full and burst = capacity + chunk (the bucket and the
 * CPU's credit). And the time the refills used up never runs ahead of
 * the clock.
 */
static void test_bucket_random(unsigned int runs)
{
	static u64 at[WINDOW_EVENTS], passed[WINDOW_EVENTS + 1];
	unsigned int r, i, j, over = 0, ahead = 0, neg = 0;

	for (r = 0; r < runs; r++) {
		u64 rate = rnd_in(1, 1ULL << 33), capacity = rnd_in(2 * 65536, 1ULL << 26);
		u64 chunk = rnd_in(0, capacity / 4), burst = capacity + chunk;
		u64 now = rnd_in(0, 1ULL << 40), last = now, credit = 0, maxgap;
		s64 tokens = (s64)capacity;

		maxgap = rnd_in(1, 2 * NSEC_PER_SEC / 1000);
		passed[0] = 0;
		for (i = 0; i < WINDOW_EVENTS; i++) {
			u64 len = rnd_in(1, 65536 + 66);
			s64 got;
			bool pass = false;

			now += rnd_in(0, maxgap);
			at[i] = now;
			if (credit >= len) {
				credit -= len;
				pass = true;
			} else {
				/* The slow path hands back what is left first. */
				tokens += (s64)credit;
				credit = 0;
				ucap_bucket_refill(&tokens, &last, capacity, rate, now);
				got = ucap_bucket_take(&tokens, len, chunk);
				if (got >= 0) {
					credit = (u64)got;
					pass = true;
				}
			}
			passed[i + 1] = passed[i] + (pass ? len : 0);
			if (last > now)
				ahead++;
			if (tokens < 0)
				neg++;
		}
		/* Window from event i's instant to event j's, both included. */
		for (i = 0; i < WINDOW_EVENTS; i += 1 + rnd() % 16)
			for (j = i; j < WINDOW_EVENTS; j += 1 + rnd() % 64) {
				u64 sent = passed[j + 1] - passed[i];
				unsigned __int128 bound = (unsigned __int128)rate *
					(at[j] - at[i]) / NSEC_PER_SEC + burst + 1;

				if (sent > bound)
					over++;
			}
	}
	tap_eq(over, 0, "bucket: random flood: every window passes at most rate * W + burst");
	tap_eq(ahead, 0, "bucket: the refill's clock never runs ahead of now");
	tap_eq(neg, 0, "bucket: taking never leaves it in debt (only the audit's debt does)");
}

/* ---- the audit's settling ---- */

static void test_settle_bounds(void)
{
	u64 carry = 0, excess;

	tap_ok(ucap_audit_settle(100, 100, &carry) == 0 && carry == 0,
	       "settle: the device counted what the hook allowed: no excess");
	tap_ok(ucap_audit_settle(101, 100, &carry) == 1 && carry == 0,
	       "settle: one byte more is one byte of excess");
	tap_ok(ucap_audit_settle(60, 100, &carry) == 0 && carry == 40,
	       "settle: the unused part of this interval carries");
	tap_ok(ucap_audit_settle(140, 100, &carry) == 0 && carry == 0,
	       "settle: ...and covers the next interval's lag");
	carry = 0;
	ucap_audit_settle(0, 100, &carry);
	ucap_audit_settle(0, 100, &carry);
	tap_eq(carry, 100, "settle: idle intervals never bank more than one allowance");
	excess = ucap_audit_settle(300, 0, &carry);
	tap_eq(excess, 200, "settle: a burst past the hook later is excess beyond that one allowance");
}

/*
 * Random intervals: each carry is at most its interval's allowance; what
 * is let off (sent - excess) never exceeds the allowances; and over the
 * sequence the excess is at least what the device sent beyond all
 * allowances (nothing sent past the hook goes uncharged).
 */
static void test_settle_random(unsigned int runs)
{
	unsigned int r, i, bad_carry = 0, bad_sum = 0, bad_step = 0;

	for (r = 0; r < runs; r++) {
		u64 carry = 0, allowed = 0, sent_all = 0, excess_all = 0;

		for (i = 0; i < 1000; i++) {
			u64 allowance = rnd() % 4 ? rnd_in(0, 1 << 20) : 0;
			u64 sent = rnd() % 3 ? rnd_in(0, 1 << 21) : allowance;
			u64 before = carry, excess = ucap_audit_settle(sent, allowance, &carry);

			if (carry > allowance)
				bad_carry++;
			if (sent - excess > allowance + before)
				bad_step++;
			allowed += allowance;
			sent_all += sent;
			excess_all += excess;
		}
		if (sent_all > allowed && excess_all < sent_all - allowed)
			bad_sum++;
	}
	tap_eq(bad_carry, 0, "settle: random intervals: a carry is never more than its allowance");
	tap_eq(bad_step, 0, "settle: what is let off is within this allowance and the last carry");
	tap_eq(bad_sum, 0, "settle: all sent beyond all allowances is charged");
}

int main(int argc, char **argv)
{
	u64 seed = argc > 1 ? strtoull(argv[1], NULL, 0) : (u64)time(NULL);

	rng_state = seed ? seed : 1;
	tap_diag("seed %llu (arith_test %llu repeats this run)", (unsigned long long)seed,
		 (unsigned long long)seed);
	test_lower_only();
	test_budget_bounds();
	test_budget_random(2000);
	test_bucket_bounds();
	test_bucket_random(200);
	test_settle_bounds();
	test_settle_random(2000);
	return tap_done();
}
