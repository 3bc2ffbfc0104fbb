// SPDX-License-Identifier: GPL-2.0
/*
 * The rate ceiling: a write-once limit on the bytes per second the host
 * uploads, checked before the lifetime cap. Packets beyond it are dropped
 * and not charged to the cap. Set (rate_bytes_per_sec, with a burst
 * allowance rate_burst_bytes) by parameter at load or by the first sysfs
 * write; from then on both can be lowered, never raised or cleared.
 *
 * A token bucket of capacity B - N * C (B the burst, N the possible CPUs,
 * C the chunk) is refilled at the rate R. Each CPU takes credit from it
 * in chunks and spends that credit with plain per-CPU arithmetic: in the
 * steady state a packet touches no cache line that another CPU writes.
 *
 * Invariant: a CPU holds at most C bytes of credit of the current
 * generation, and credit of an older generation is never spent (the fast
 * path checks the generation first). So bucket plus credit never exceed
 * B - N * C + N * C = B, except that credit a CPU hands back may lift the
 * bucket above its capacity while the sum stays the same; refilling never
 * adds above capacity. What leaves in any window of W seconds is at most
 * what the bucket and the CPUs held at its start plus the refill:
 *
 *	sent(W) <= B + R * W
 *
 * exactly, for any W, not only on average. Refill rounds down and keeps
 * the remainder (we lose under a nanosecond's worth per refill, never
 * gain). Time is CLOCK_MONOTONIC_RAW
 * (ktime_get_raw_fast_ns()): adjtimex() can slew the monotonic clock
 * (ADJ_TICK runs it up to 10% fast), never the raw one.
 *
 * Bytes sent past the hooks (XDP, a tc redirect, pktgen: what the device
 * audit finds) leave without asking the bucket; the audit then takes them
 * from it, as debt: the bucket goes negative, every CPU's credit is
 * forfeited, and the hook refuses everything until the refill has paid
 * the debt back. A device that keeps sending past its hook while the
 * bucket is in debt is taken down (audit.c). Over any window of W seconds
 * longer than a few audit intervals, what leaves is then at most
 *
 *	sent(W) <= B + R * W + what one device sends in one audit interval
 *
 * (the past-hook bytes of the last audit interval, found only at its end).
 *
 * Lowering the rate or the burst bumps the generation: every CPU's credit
 * is forfeited (a packet already past the check may still go), and the
 * bucket is cut to the new capacity.
 *
 * Locking: ucap_rate.lock (a spinlock, BHs off) protects the bucket, the
 * settings and the generation; the hook reads the settings locklessly.
 * The per-CPU credit is written only by its own CPU, in the egress path
 * with BHs off (or under the lock from that same CPU), so it needs no
 * atomics. The current-rate sampler is a delayed work, once a second.
 */
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

#include "ucap_kmod.h"

/* Largest credit chunk a CPU takes at a time. */
#define UCAP_RATE_CHUNK		(64 * 1024)
/* Default burst: a tenth of a second at the rate, at least the minimum. */
#define UCAP_RATE_BURST_DIV	10

static unsigned long long rate_bytes_per_sec;
module_param(rate_bytes_per_sec, ullong, 0444);
MODULE_PARM_DESC(rate_bytes_per_sec, "Arm the upload rate ceiling at load, in bytes per second (0: none). The file shows the load-time value; /sys/kernel/uploadcap/rate_bytes_per_sec is authoritative.");

static unsigned long long rate_burst_bytes;
module_param(rate_burst_bytes, ullong, 0444);
MODULE_PARM_DESC(rate_burst_bytes, "Burst allowance of the rate ceiling in bytes (0: a tenth of a second at the rate, at least 256 KiB; at least 256 KiB).");

struct ucap_rate_cpu {
	u64 credit;		/* spendable while gen is the current one */
	u64 gen;
	struct ucap_drops drops;
};

static DEFINE_PER_CPU_ALIGNED(struct ucap_rate_cpu, ucap_rate_cpu);

/* What every packet reads; written under ucap_rate.lock, rarely. */
static struct {
	bool armed;
	u64 gen;
} ucap_rate_cfg __read_mostly = {
	.gen = 1,
};

static struct {
	spinlock_t lock;	/* the settings and the bucket; not the sampler's */
	u64 rate;		/* bytes per second, 0 while unarmed */
	u64 burst;		/* staged while unarmed (0: the default) */
	u64 chunk;
	u64 capacity;		/* of the bucket: burst - CPUs * chunk */
	s64 tokens;		/* below 0: in debt */
	u64 last_ns;		/* of the last refill */
	/* The sampler's: what the budget had counted, and when. */
	u64 sample_used;
	u64 sample_ns;
	u64 current_rate;	/* read locklessly */
} ucap_rate ____cacheline_aligned_in_smp = {
	.lock = __SPIN_LOCK_UNLOCKED(ucap_rate.lock),
};

static u64 ucap_rate_default_burst(u64 rate)
{
	return max_t(u64, rate / UCAP_RATE_BURST_DIV, UCAP_RATE_MIN_BURST);
}

/* Lock held, settings changed: size the chunk and the bucket again. */
static void ucap_rate_resize(void)
{
	u64 ncpu = num_possible_cpus();

	lockdep_assert_held(&ucap_rate.lock);
	/* At least half the burst stays in the bucket: the largest packets fit. */
	ucap_rate.chunk = min_t(u64, UCAP_RATE_CHUNK, ucap_rate.burst / (2 * ncpu));
	ucap_rate.capacity = ucap_rate.burst - ncpu * ucap_rate.chunk;
	ucap_rate.tokens = min_t(s64, ucap_rate.tokens, ucap_rate.capacity);
	/* Forfeit every CPU's credit: it was sized for the old settings. */
	WRITE_ONCE(ucap_rate_cfg.gen, ucap_rate_cfg.gen + 1);
}

/* Lock held. Add what the time since the last refill earned (ucap_arith.h). */
static void ucap_rate_refill(u64 now)
{
	lockdep_assert_held(&ucap_rate.lock);
	ucap_bucket_refill(&ucap_rate.tokens, &ucap_rate.last_ns, ucap_rate.capacity,
			   ucap_rate.rate, now);
}

/* This CPU's credit does not cover len (or is stale). BHs off. */
static bool ucap_rate_slow(struct ucap_rate_cpu *c, unsigned int len)
{
	bool pass = true;
	s64 credit;

	spin_lock(&ucap_rate.lock);
	if (!ucap_rate_cfg.armed)
		goto unlock;
	ucap_rate_refill(ktime_get_raw_fast_ns());
	/* Hand back what is left of a current chunk: the sum is unchanged. */
	if (c->gen == ucap_rate_cfg.gen)
		ucap_rate.tokens += c->credit;
	c->credit = 0;
	c->gen = ucap_rate_cfg.gen;
	credit = ucap_bucket_take(&ucap_rate.tokens, len, ucap_rate.chunk);
	if (credit < 0)
		pass = false;
	else
		c->credit = credit;
unlock:
	spin_unlock(&ucap_rate.lock);
	return pass;
}

/*
 * May a packet of len wire bytes leave now? Called from the egress hook,
 * BHs off, before the packet is charged to the cap. A packet refused here
 * is counted as rate-dropped and must not be charged.
 */
bool ucap_rate_admit(unsigned int len)
{
	struct ucap_rate_cpu *c;

	if (likely(!READ_ONCE(ucap_rate_cfg.armed)))
		return true;
	c = this_cpu_ptr(&ucap_rate_cpu);
	if (likely(c->gen == READ_ONCE(ucap_rate_cfg.gen) && c->credit >= len)) {
		c->credit -= len;
		return true;
	}
	if (ucap_rate_slow(c, len))
		return true;
	ucap_drops_add(&c->drops, len);
	return false;
}

/* Lock held, not armed yet: arm with rate and the staged or given burst. */
static void ucap_rate_arm(u64 rate)
{
	lockdep_assert_held(&ucap_rate.lock);
	if (!ucap_rate.burst)
		ucap_rate.burst = ucap_rate_default_burst(rate);
	ucap_rate.rate = rate;
	ucap_rate.tokens = 0;
	ucap_rate_resize();
	/* Start with a full bucket: the burst is allowed at once. */
	ucap_rate.tokens = ucap_rate.capacity;
	ucap_rate.last_ns = ktime_get_raw_fast_ns();
	WRITE_ONCE(ucap_rate_cfg.armed, true);
	/* Armed for good: the module stays until reboot. */
	__module_get(THIS_MODULE);
}

/* The most debt the bucket records (a PiB): rate * dt stays in range. */
#define UCAP_RATE_MAX_DEBT	((s64)BIT_ULL(50))

bool ucap_rate_charge_debt(u64 bytes)
{
	bool in_debt = false, started = false;

	spin_lock_bh(&ucap_rate.lock);
	if (!ucap_rate_cfg.armed)
		goto unlock;
	ucap_rate_refill(ktime_get_raw_fast_ns());
	bytes = min_t(u64, bytes, UCAP_RATE_MAX_DEBT);
	started = ucap_rate.tokens >= 0 && ucap_rate.tokens < (s64)bytes;
	ucap_rate.tokens = max_t(s64, ucap_rate.tokens - (s64)bytes, -UCAP_RATE_MAX_DEBT);
	in_debt = ucap_rate.tokens < 0;
	/* Forfeit every CPU's credit: the hook must ask the bucket, and be refused. */
	if (in_debt)
		WRITE_ONCE(ucap_rate_cfg.gen, ucap_rate_cfg.gen + 1);
unlock:
	spin_unlock_bh(&ucap_rate.lock);
	if (started)
		pr_warn_ratelimited("rate ceiling in debt: bytes sent past the hooks exceeded it; the hooks refuse traffic until it is paid\n");
	return in_debt;
}

bool ucap_rate_in_debt(void)
{
	bool in_debt;

	if (!READ_ONCE(ucap_rate_cfg.armed))
		return false;
	spin_lock_bh(&ucap_rate.lock);
	ucap_rate_refill(ktime_get_raw_fast_ns());
	in_debt = ucap_rate.tokens < 0;
	spin_unlock_bh(&ucap_rate.lock);
	return in_debt;
}

static void ucap_rate_log(const char *what)
{
	pr_notice("rate ceiling %s: %llu bytes per second, burst %llu bytes\n", what,
		  READ_ONCE(ucap_rate.rate), READ_ONCE(ucap_rate.burst));
}

int ucap_set_rate(u64 rate)
{
	const char *what = NULL;
	enum ucap_change c;

	spin_lock_bh(&ucap_rate.lock);
	c = ucap_lower_only(ucap_rate_cfg.armed, ucap_rate.rate, rate, true);
	if (c == UCAP_CHANGE_SET) {
		ucap_rate_arm(rate);
		what = "armed";
	} else if (c == UCAP_CHANGE_LOWER) {
		ucap_rate_refill(ktime_get_raw_fast_ns());
		ucap_rate.rate = rate;
		ucap_rate_resize();
		what = "lowered";
	}
	spin_unlock_bh(&ucap_rate.lock);
	if (what)
		ucap_rate_log(what);
	return ucap_refuse_change(c, "the rate ceiling", rate);
}

int ucap_set_rate_burst(u64 burst)
{
	const char *what = NULL;
	enum ucap_change c;

	if (burst < UCAP_RATE_MIN_BURST)
		return -EINVAL;
	spin_lock_bh(&ucap_rate.lock);
	c = ucap_lower_only(ucap_rate_cfg.armed, ucap_rate.burst, burst, false);
	if (c == UCAP_CHANGE_SET) {
		/* Staged: applies when the ceiling is armed. */
		ucap_rate.burst = burst;
	} else if (c == UCAP_CHANGE_LOWER) {
		ucap_rate_refill(ktime_get_raw_fast_ns());
		ucap_rate.burst = burst;
		ucap_rate_resize();
		what = "lowered";
	}
	spin_unlock_bh(&ucap_rate.lock);
	if (what)
		ucap_rate_log(what);
	return ucap_refuse_change(c, "the rate burst", burst);
}

void ucap_read_rate(struct ucap_rate_totals *t)
{
	memset(t, 0, sizeof(*t));
	spin_lock_bh(&ucap_rate.lock);
	t->rate_bytes_per_sec = ucap_rate.rate;
	t->rate_burst_bytes = ucap_rate.burst ? ucap_rate.burst :
			 ucap_rate_default_burst(ucap_rate.rate);
	if (ucap_rate_cfg.armed)
		ucap_rate_refill(ktime_get_raw_fast_ns());
	t->rate_debt_bytes = ucap_rate.tokens < 0 ? -ucap_rate.tokens : 0;
	spin_unlock_bh(&ucap_rate.lock);
	t->rate_current_bytes_per_sec = READ_ONCE(ucap_rate.current_rate);
	ucap_drops_sum(&ucap_rate_cpu.drops, &t->rate_dropped_bytes, &t->rate_dropped_packets);
}

/*
 * Once a second: the bytes the budget counted since the last sample, per
 * second of the time that actually passed (the work may run late).
 */
static void ucap_rate_sample(struct work_struct *work);
static DECLARE_DELAYED_WORK(ucap_rate_wk, ucap_rate_sample);

static void ucap_rate_sample(struct work_struct *work)
{
	u64 now = ktime_get_raw_ns(), used = ucap_used_bytes();
	u64 dt = now - ucap_rate.sample_ns;

	if (dt)
		WRITE_ONCE(ucap_rate.current_rate,
			   mul_u64_u64_div_u64(used - ucap_rate.sample_used, NSEC_PER_SEC, dt));
	ucap_rate.sample_used = used;
	ucap_rate.sample_ns = now;
	schedule_delayed_work(&ucap_rate_wk, HZ);
}

int ucap_rate_init(void)
{
	ucap_drops_init(&ucap_rate_cpu.drops);
	if (rate_burst_bytes) {
		int err = ucap_set_rate_burst(rate_burst_bytes);

		if (err) {
			pr_err("rate_burst_bytes=%llu: below the minimum of %u bytes\n",
			       rate_burst_bytes, UCAP_RATE_MIN_BURST);
			return err;
		}
	}
	if (rate_bytes_per_sec)
		ucap_set_rate(rate_bytes_per_sec);
	ucap_rate.sample_used = ucap_used_bytes();
	ucap_rate.sample_ns = ktime_get_raw_ns();
	schedule_delayed_work(&ucap_rate_wk, HZ);
	return 0;
}

void ucap_rate_exit(void)
{
	cancel_delayed_work_sync(&ucap_rate_wk);
}
