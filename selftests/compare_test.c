// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's meter comparison (userspace/compare.c), tick by tick with
 * made-up readings and a made-up clock: what it must alarm on (a meter
 * that misses traffic, a burst sent while the agent reads, bypass on a
 * counter that lags, a counter that stops counting) and what it must
 * not (meters that agree, packets still queued, a counter refreshed
 * every 2 s, after a quiet spell too), once per episode.
 */
#include <string.h>

#include "compare.h"
#include "tap.h"

#define TICK	0.5

/* One simulated pair of meters: a, and b read before (lo) and after (hi). */
struct sim {
	struct cmp_state c;
	double now;
	__u64 a, lo, hi, packets;
	unsigned int alarms;
	double lag;
	cmp_over_fn over;
};

static void sim_init(struct sim *s, double lag, cmp_over_fn over)
{
	memset(s, 0, sizeof(*s));
	s->now = 100;
	s->lag = lag;
	s->over = over;
}

/* One tick with these readings; returns whether it alarmed. */
static bool sim_tick(struct sim *s, __u64 a, __u64 lo, __u64 hi)
{
	__u64 da, db;
	bool due;

	s->a = a;
	s->lo = lo;
	s->hi = hi;
	due = cmp_step(&s->c, s->now, true, a, lo, hi, s->packets, s->lag, s->over, &da, &db);
	s->now += TICK;
	if (due)
		s->alarms++;
	return due;
}

/* n ticks in which both grow by step, read at one instant. */
static void sim_agree(struct sim *s, unsigned int n, __u64 step)
{
	while (n--) {
		s->packets += step / 1000;
		sim_tick(s, s->a + step, s->hi + step, s->hi + step);
	}
}

static void test_divergence(void)
{
	struct sim s;
	unsigned int i;

	sim_init(&s, 0, cmp_diverges);
	sim_agree(&s, 40, 1000000);
	tap_eq(s.alarms, 0, "meters that agree: no alarm");

	/* The module counts 200 kB the BPF meter never sees (AF_PACKET). */
	sim_tick(&s, s.a, s.hi + 200000, s.hi + 200000);
	for (i = 0; i < 3; i++)
		sim_tick(&s, s.a, s.hi, s.hi);
	tap_eq(s.alarms, 1, "200 kB the BPF meter missed: alarmed, once");

	sim_agree(&s, 3, 1000);
	sim_tick(&s, s.a, s.hi + 200000, s.hi + 200000);
	sim_agree(&s, 3, 0);
	tap_eq(s.alarms, 2, "re-armed after 3 agreeing ticks: the next one alarmed too");

	/*
	 * The same 200 kB, but sent between the tick's two readings of the
	 * module: lo misses it, hi has it. Over one window it is in neither
	 * bound; the comparison over two ticks must see it.
	 */
	sim_init(&s, 0, cmp_diverges);
	sim_agree(&s, 10, 50000);
	sim_tick(&s, s.a, s.hi, s.hi + 200000);
	for (i = 0; i < 4; i++)
		sim_tick(&s, s.a, s.hi, s.hi);
	tap_eq(s.alarms, 1, "200 kB sent while the agent read: alarmed");

	/* And no alarm where the BPF meter did count a burst like that. */
	sim_init(&s, 0, cmp_diverges);
	sim_agree(&s, 10, 50000);
	sim_tick(&s, s.a + 200000, s.hi, s.hi + 200000);
	for (i = 0; i < 4; i++)
		sim_tick(&s, s.a, s.hi, s.hi);
	tap_eq(s.alarms, 0, "a burst between the readings that both counted: no alarm");
}

static void test_bypass_prompt(void)
{
	struct sim s;
	unsigned int i;
	__u64 q = 0;

	/* Packets queued between hook and driver: shown one tick late. */
	sim_init(&s, CMP_DEV_COUNTER_LAG_S, cmp_bypassed);
	for (i = 0; i < 40; i++) {
		s.packets += 300;
		sim_tick(&s, s.a + q, s.hi + 300000, s.hi + 300000);
		q = 300000;
	}
	tap_eq(s.alarms, 0, "a device one tick behind its hook: no alarm");

	/* 1 MB more than the hook let through (XDP). */
	s.packets += 1000;
	sim_tick(&s, s.a + q + 1000000, s.hi, s.hi);
	sim_tick(&s, s.a, s.hi, s.hi);
	tap_eq(s.alarms, 1, "1 MB past the hook: alarmed");
}

/*
 * A counter refreshed every 2 s (every 4 ticks), every third refresh
 * late more ticks, showing what the hook had let through at the
 * refresh, which falls at the given phase within a tick: burst bytes
 * through the hook on each of the first n ticks.
 */
static unsigned int lagging_late(__u64 burst, unsigned int quiet, unsigned int n,
				 unsigned int phase, __u64 extra, unsigned int late)
{
	__u64 hook[256] = { 0 }, shown = 0, past = 0;
	unsigned int t, next = 4, refreshes = 0;
	struct sim s;

	sim_init(&s, CMP_DEV_COUNTER_LAG_S, cmp_bypassed);
	for (t = 1; t < 256; t++) {
		bool traffic = t > quiet && t <= quiet + n;

		hook[t] = hook[t - 1] + (traffic ? burst : 0);
		/* The refresh: phase/4 of the way into tick t's traffic. */
		if (t == next) {
			next += 4 + (++refreshes % 3 == 0 ? late : 0);
			/* Past the hook, at the first refresh after the traffic. */
			if (t > quiet + n)
				past = extra;
			shown = hook[t - 1] + (hook[t] - hook[t - 1]) * phase / 4 + past;
		}
		s.packets = shown / 1000;
		sim_tick(&s, shown, hook[t], hook[t]);
	}
	return s.alarms;
}

static unsigned int lagging(__u64 burst, unsigned int quiet, unsigned int n,
			    unsigned int phase, __u64 extra)
{
	return lagging_late(burst, quiet, n, phase, extra, 0);
}

static void test_bypass_lagging(void)
{
	unsigned int phase, bad = 0;

	/*
	 * The agent starts before the traffic: started in the middle of it,
	 * what the counter shows first may be older than the first baseline
	 * (its first refresh can then raise one alarm: docs/threat-model.md).
	 */
	for (phase = 0; phase < 4; phase++) {
		bad += lagging(58400, 1, 60, phase, 0);
		bad += lagging(58400, 21, 40, phase, 0);
		bad += lagging(58400, 22, 1, phase, 0);
		bad += lagging(1500000, 23, 3, phase, 0);
		if (bad)
			tap_diag("phase %u: %u, %u, %u, %u", phase, lagging(58400, 1, 60, phase, 0),
				 lagging(58400, 21, 40, phase, 0), lagging(58400, 22, 1, phase, 0),
				 lagging(1500000, 23, 3, phase, 0));
	}
	tap_eq(bad, 0, "a counter refreshed every 2 s, at every phase, after quiet spells too: no alarm");
	bad = 0;
	for (phase = 0; phase < 4; phase++)
		bad += !lagging(58400, 21, 40, phase, 1000000) + !lagging(58400, 21, 40, phase, 300000);
	tap_eq(bad, 0, "1 MB or 300 kB past the hook on that counter: alarmed at every phase");
	bad = 0;
	for (phase = 0; phase < 4; phase++)
		bad += lagging_late(58400, 1, 60, phase, 0, 7);
	tap_eq(bad, 0, "every third refresh 3.5 s late (5.5 s still): no alarm");
	bad = 0;
	for (phase = 0; phase < 4; phase++)
		bad += !lagging_late(58400, 21, 40, phase, 1000000, 7);
	tap_eq(bad, 0, "and 1 MB past the hook on it: alarmed at every phase");
}

static void test_not_counting(void)
{
	struct sim s;
	unsigned int i;

	/*
	 * The hook lets 10 MB through while the counter stands still for
	 * 10 s, past the longest lag: not lagging but not counting. What
	 * it shows after that is not covered by what the hook let through
	 * before.
	 */
	sim_init(&s, CMP_DEV_COUNTER_LAG_S, cmp_bypassed);
	sim_agree(&s, 4, 1000);
	for (i = 0; i < 20; i++)
		sim_tick(&s, s.a, s.hi + 500000, s.hi + 500000);
	s.packets += 10000;
	sim_tick(&s, s.a + 10000000, s.hi, s.hi);
	sim_tick(&s, s.a, s.hi, s.hi);
	tap_eq(s.alarms, 1, "a counter still for 10 s, then 10 MB at once: alarmed");
}

int main(void)
{
	test_divergence();
	test_bypass_prompt();
	test_bypass_lagging();
	test_not_counting();
	return tap_done();
}
