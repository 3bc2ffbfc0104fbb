// SPDX-License-Identifier: GPL-2.0
/*
 * The budget: the host's lifetime upload counter and its write-once cap.
 *
 * Invariant, at every instant and under any concurrency:
 *
 *	used <= granted <= cap
 *
 * where used is the sum of the wire lengths of every packet let through
 * (plus the count restored at load, plus what the device audit charged
 * for bytes devices sent past their hooks), and granted is what the global
 * budget has handed out: used plus the credit the CPUs hold but have not
 * spent yet. A packet is let through only after its length was taken from
 * credit or granted directly, so used can never pass the cap.
 *
 * With a management reserve (reserve_bytes), once the cap is exhausted
 * packets the reserve's destinations match (reserve.c) are charged on,
 * exactly, up to cap + reserve: then used <= granted <= cap + reserve, and
 * nothing else is let through past the cap. What is used beyond the cap
 * is the reserve spent; a count restored beyond the cap at load (spent in
 * an earlier boot) is thus spent already.
 *
 * With the write-ahead lease (lease=1 at load), also granted <= lease
 * for everything the hooks let through (past-hook bytes the audit charges
 * have left already: they are charged up to the cap, and the lease must
 * be raised past them before the hooks let anything more through).
 *
 * Far from the cap, each CPU takes credit from the budget in chunks and
 * spends it with a cmpxchg on its own per-CPU word: no cache line is
 * shared between CPUs per packet. Near the cap (less than two chunks per
 * possible CPU left), the budget takes every CPU's unspent credit back,
 * once, and from then on charges each packet exactly under the lock, so
 * the last bytes of the cap are not stranded on idle CPUs.
 *
 * The lease is a limit like the cap: near it charging is exact too, and
 * a raise far ahead returns to credit. A lease step should be many times
 * the two chunks per possible CPU that "near" means, or every packet
 * takes the lock.
 *
 * With the TPM anchor (tpm.c) the module raises the lease itself: once
 * less than ahead bytes of it are left, the slow path (which every CPU
 * takes at least once per chunk) asks tpm.c, once per raise, to move the
 * counter and raise it, from process context. sysfs may not raise it then.
 *
 * Locking: ucap_budget.lock (a spinlock, taken with BHs off) protects the
 * cap, the lease, granted, exact, state and the audit's two figures
 * (written under it, read locklessly: 64-bit words). Credit is atomic64
 * because the lock holder takes it back from other CPUs. charged and the
 * drop counters are per-CPU and written only by their own CPU, in the
 * egress path where BHs are already off.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>

#include "ucap_kmod.h"
#include "ucap_log_abi.h"

/* Credit a CPU takes from the budget at a time, far from the cap. */
#define UCAP_CHUNK	(256 * 1024)

static unsigned long long cap_bytes;
module_param(cap_bytes, ullong, 0444);
MODULE_PARM_DESC(cap_bytes, "Arm with this lifetime cap in bytes at load (0: unarmed). The file shows the load-time value; /sys/kernel/uploadcap/cap_bytes is authoritative.");

static unsigned long long reserve_bytes;
module_param(reserve_bytes, ullong, 0444);
MODULE_PARM_DESC(reserve_bytes, "The management reserve: bytes that may leave after the cap is exhausted, to reserve_dst only (0: none). Lowered, never raised, once armed.");

static unsigned long long used_bytes;
module_param(used_bytes, ullong, 0444);
MODULE_PARM_DESC(used_bytes, "Lifetime bytes already used, restored at load (from the agent's ledger).");

/*
 * The write-ahead lease: the hooks let bytes through only up to the lease,
 * which starts at the count restored at load and only ever rises, each
 * raise written down (the agent's ledger) before it is made. A host that
 * crashes, or whose agent is frozen, has thus recorded at least what left.
 */
static bool lease;
module_param(lease, bool, 0444);
MODULE_PARM_DESC(lease, "Let bytes through only up to lease_bytes, which starts at used_bytes and only rises (default: no lease).");

struct ucap_cpu {
	atomic64_t credit;	/* granted to this CPU, not yet spent */
	u64_stats_t charged;	/* bytes let through on this CPU */
	struct u64_stats_sync syncp;	/* of charged */
	struct ucap_drops drops;
};

static DEFINE_PER_CPU_ALIGNED(struct ucap_cpu, ucap_cpu);

static struct {
	spinlock_t lock;	/* guards every field but tamper (atomic) */
	u64 cap;		/* U64_MAX while unarmed */
	u64 lease;		/* U64_MAX without a lease */
	u64 reserve;		/* past the cap, for reserve_dst only; 0: none */
	bool reserve_out;	/* said so */
	bool lease_out;		/* said so since the last raise */
	u64 granted;
	u64 base;		/* used_bytes restored at load */
	u64 far;		/* budget left below which charging is exact */
	bool exact;
	enum ucap_state state;	/* written under lock, read locklessly */
	u64 unhooked;		/* the audit charged, part of used */
	u64 bypass;		/* the audit found, charged or not */
	atomic64_t tamper;
	bool anchored;		/* the TPM anchor raises the lease */
	u64 ahead;		/* anchored: ask for a raise this far from it */
	bool asked;		/* anchored: asked since the last raise */
} ucap_budget = {
	.lock = __SPIN_LOCK_UNLOCKED(ucap_budget.lock),
	.cap = U64_MAX,
	.lease = U64_MAX,
};

const char *ucap_state_name(enum ucap_state state)
{
	switch (state) {
	case UCAP_UNARMED:
		return "unarmed";
	case UCAP_ARMED:
		return "armed";
	case UCAP_EXHAUSTED:
		return "exhausted";
	}
	return "unknown";
}

enum ucap_state ucap_state(void)
{
	return READ_ONCE(ucap_budget.state);
}

bool ucap_budget_exact(void)
{
	return READ_ONCE(ucap_budget.exact);
}

/* A reserve is set and not yet spent (lockless: two words). */
bool ucap_reserve_open(void)
{
	return READ_ONCE(ucap_budget.reserve) && !READ_ONCE(ucap_budget.reserve_out);
}

bool ucap_leasing(void)
{
	return lease;
}

u64 ucap_used_bytes(void)
{
	u64 sum = ucap_budget.base + READ_ONCE(ucap_budget.unhooked);
	unsigned int start;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ucap_cpu *c = per_cpu_ptr(&ucap_cpu, cpu);
		u64 v;

		do {
			start = u64_stats_fetch_begin(&c->syncp);
			v = u64_stats_read(&c->charged);
		} while (u64_stats_fetch_retry(&c->syncp, start));
		sum += v;
	}
	return sum;
}

/* Lock held. Take back every CPU's unspent credit. */
static void ucap_reclaim_credit(void)
{
	int cpu;

	lockdep_assert_held(&ucap_budget.lock);
	for_each_possible_cpu(cpu)
		ucap_budget.granted -= atomic64_xchg(&per_cpu_ptr(&ucap_cpu, cpu)->credit, 0);
}

/* Lock held. Move to state s; returns true when it changed. */
static bool ucap_set_state(enum ucap_state s)
{
	lockdep_assert_held(&ucap_budget.lock);
	if (ucap_budget.state == s)
		return false;
	WRITE_ONCE(ucap_budget.state, s);
	return true;
}

/* Lock held. The most the budget ever grants: the cap and the reserve. */
static u64 ucap_limit(void)
{
	lockdep_assert_held(&ucap_budget.lock);
	return ucap_cap_plus_reserve(ucap_budget.cap, ucap_budget.reserve);
}

/* Lock held. What is left below limit (granted may be past it: 0). */
static u64 ucap_room(u64 limit)
{
	lockdep_assert_held(&ucap_budget.lock);
	return ucap_room_below(limit, ucap_budget.granted);
}

/* Lock held. What the hooks may still let through: to the cap, or the lease. */
static u64 ucap_left(void)
{
	return ucap_room(min(ucap_budget.cap, ucap_budget.lease));
}

/*
 * Lock held, credit reclaimed. After the cap, the lease or used changed:
 * go exact if close to the cap or the lease, back to credit once a raised
 * lease is far again, exhausted if nothing is left of the cap.
 */
static bool ucap_update_mode(void)
{
	u64 left = ucap_left();

	WRITE_ONCE(ucap_budget.exact, left < ucap_budget.far);
	if (ucap_budget.granted >= ucap_budget.cap)
		return ucap_set_state(UCAP_EXHAUSTED);
	return false;
}

/* Any context. */
static void ucap_log_lease_out(u64 lease_bytes)
{
	pr_warn(UCAP_LOG_LEASE_OUT ": guarded devices send nothing more until it is raised\n",
		lease_bytes);
}

static void ucap_log_armed(u64 cap, u64 used)
{
	pr_notice(UCAP_LOG_ARMED "\n", cap, used);
}

/* Any context, lock not held: tell those who act on the state. */
static void ucap_state_changed(void)
{
	ucap_sysfs_state_changed();
	ucap_down_state_changed();
}

/* Any context. The uevents follow from ucap_state_changed(). */
static void ucap_log_exhausted(u64 used, u64 cap)
{
	u64 reserve = READ_ONCE(ucap_budget.reserve);

	if (reserve)
		pr_crit(UCAP_LOG_EXHAUSTED "; only the reserve (%llu bytes) to its destinations leaves this host through guarded devices\n",
			used, cap, reserve);
	else
		pr_crit(UCAP_LOG_EXHAUSTED "; nothing more leaves this host through guarded devices\n",
			used, cap);
}

/*
 * Lock held. Anchored, and less than ahead left of the lease (the cap not
 * yet covered by it): ask for a raise, once until the next one.
 */
static bool ucap_ask_raise(void)
{
	lockdep_assert_held(&ucap_budget.lock);
	if (!ucap_budget.anchored || ucap_budget.asked ||
	    ucap_budget.lease >= ucap_limit() ||
	    ucap_budget.lease - min(ucap_budget.granted, ucap_budget.lease) >= ucap_budget.ahead)
		return false;
	ucap_budget.asked = true;
	return true;
}

enum ucap_grant { UCAP_GRANT_DROP, UCAP_GRANT_CREDIT, UCAP_GRANT_CHARGED };

/*
 * The budget could not cover len from this CPU's credit. Far from the
 * cap: add a chunk of credit (the caller spends from it). Near it: charge
 * len exactly, or refuse it.
 */
static enum ucap_grant ucap_charge_slow(struct ucap_cpu *c, unsigned int len)
{
	enum ucap_grant ret = UCAP_GRANT_DROP;
	bool exhausted = false, lease_out = false, ask = false;
	u64 left, grant;

	spin_lock(&ucap_budget.lock);
	if (ucap_budget.state == UCAP_EXHAUSTED)
		goto unlock;
	ask = ucap_ask_raise();
	left = ucap_left();
	if (!ucap_budget.exact) {
		grant = ucap_credit_grant(left, len, UCAP_CHUNK, ucap_budget.far);
		if (grant) {
			atomic64_add(grant, &c->credit);
			ucap_budget.granted += grant;
			ret = UCAP_GRANT_CREDIT;
			goto unlock;
		}
		ucap_reclaim_credit();
		WRITE_ONCE(ucap_budget.exact, true);
		left = ucap_left();
	}
	if (ucap_exact_fits(left, len)) {
		ucap_budget.granted += len;
		ret = UCAP_GRANT_CHARGED;
		if (ucap_budget.granted == ucap_budget.cap)
			exhausted = ucap_set_state(UCAP_EXHAUSTED);
	} else if (ucap_budget.cap - ucap_budget.granted < len) {
		/* This packet does not fit: the cap has stopped traffic. */
		exhausted = ucap_set_state(UCAP_EXHAUSTED);
	} else if (!ucap_budget.lease_out) {
		/* It fits the cap, not the lease: wait for the next raise. */
		ucap_budget.lease_out = true;
		lease_out = true;
	}
unlock:
	/* Exact mode: granted is what was used. */
	if (exhausted)
		ucap_log_exhausted(ucap_budget.granted, ucap_budget.cap);
	if (lease_out)
		ucap_log_lease_out(ucap_budget.lease);
	spin_unlock(&ucap_budget.lock);
	if (exhausted)
		ucap_state_changed();
	if (ask)
		ucap_tpm_lease_low();
	return ret;
}

/* Egress path, BHs off: count len as let through (pass) or dropped. */
static bool ucap_account(struct ucap_cpu *c, unsigned int len, bool pass)
{
	if (!pass) {
		ucap_drops_add(&c->drops, len);
		return false;
	}
	u64_stats_update_begin(&c->syncp);
	u64_stats_add(&c->charged, len);
	u64_stats_update_end(&c->syncp);
	return true;
}

/*
 * Charge a packet of len wire bytes. Called from the egress hook, BHs
 * off. Returns false when the packet must be dropped; it is then counted
 * as dropped and not charged.
 */
bool ucap_charge(unsigned int len)
{
	struct ucap_cpu *c = this_cpu_ptr(&ucap_cpu);
	s64 credit;

	if (unlikely(READ_ONCE(ucap_budget.state) == UCAP_EXHAUSTED))
		goto drop;
	credit = atomic64_read(&c->credit);
	for (;;) {
		if (likely(credit >= len)) {
			if (atomic64_try_cmpxchg(&c->credit, &credit, credit - len))
				break;
			continue;	/* the lock holder took our credit */
		}
		switch (ucap_charge_slow(c, len)) {
		case UCAP_GRANT_CREDIT:
			credit = atomic64_read(&c->credit);
			continue;
		case UCAP_GRANT_CHARGED:
			goto charged;
		case UCAP_GRANT_DROP:
			goto drop;
		}
	}
charged:
	return ucap_account(c, len, true);
drop:
	return ucap_account(c, len, false);
}

/*
 * The cap is exhausted and the reserve's destinations match this packet:
 * charge it to the reserve, exactly (exhausted, no CPU holds credit), or
 * refuse it. Called from the egress hook, BHs off; counted as ucap_charge()
 * counts.
 */
bool ucap_charge_reserve(unsigned int len)
{
	struct ucap_cpu *c = this_cpu_ptr(&ucap_cpu);
	bool pass = false, spent = false, lease_out = false, ask = false;

	spin_lock(&ucap_budget.lock);
	if (ucap_budget.state != UCAP_EXHAUSTED || !ucap_budget.reserve)
		goto unlock;
	ask = ucap_ask_raise();
	if (ucap_room(min(ucap_limit(), ucap_budget.lease)) >= len) {
		ucap_budget.granted += len;
		pass = true;
	} else if (ucap_room(ucap_limit()) < len) {
		spent = !ucap_budget.reserve_out;
		WRITE_ONCE(ucap_budget.reserve_out, true);
	} else if (!ucap_budget.lease_out) {
		ucap_budget.lease_out = true;
		lease_out = true;
	}
unlock:
	if (spent)
		pr_crit(UCAP_LOG_RESERVE_SPENT "; nothing more leaves this host through guarded devices\n",
			ucap_budget.granted, ucap_budget.cap, ucap_budget.reserve);
	if (lease_out)
		ucap_log_lease_out(ucap_budget.lease);
	spin_unlock(&ucap_budget.lock);
	if (spent)
		ucap_state_changed();	/* on_exhaust=down waited for this */
	if (ask)
		ucap_tpm_lease_low();
	return ucap_account(c, len, pass);
}

void ucap_tamper(const char *what, const char *value)
{
	atomic64_inc(&ucap_budget.tamper);
	pr_warn_ratelimited("refused to %s (%s) for %s[%d]\n", what, value,
			    current->comm, task_pid_nr(current));
}

int ucap_refuse_change(enum ucap_change c, const char *setting, u64 want)
{
	char what[48], value[24];

	if (!ucap_change_refused(c))
		return 0;
	snprintf(what, sizeof(what), "%s %s", c == UCAP_CHANGE_CLEAR ? "clear" : "raise",
		 setting);
	snprintf(value, sizeof(value), "%llu", want);
	ucap_tamper(what, value);
	return -EPERM;
}

/*
 * Lock held. Arm with cap, or lower it. A cap below what is already used
 * becomes the used count: the invariant holds and nothing more leaves.
 * With a reserve it stays, and what is used beyond it is reserve spent.
 */
static bool ucap_apply_cap(u64 cap)
{
	bool changed = false;

	ucap_reclaim_credit();	/* now granted == used */
	if (cap < ucap_budget.granted && ucap_budget.reserve) {
		pr_notice("cap %llu is below the %llu bytes already used: %llu of the reserve's %llu spent\n",
			  cap, ucap_budget.granted, ucap_budget.granted - cap, ucap_budget.reserve);
	} else if (cap < ucap_budget.granted) {
		pr_notice("cap %llu is below the %llu bytes already used: cap set to %llu\n",
			  cap, ucap_budget.granted, ucap_budget.granted);
		cap = ucap_budget.granted;
	}
	ucap_budget.cap = cap;
	if (ucap_budget.state == UCAP_UNARMED) {
		ucap_set_state(UCAP_ARMED);
		/* Armed for good: the module stays until reboot. */
		__module_get(THIS_MODULE);
		changed = true;
	}
	return ucap_update_mode() || changed;
}

int ucap_set_cap(u64 cap)
{
	enum ucap_state before, after;
	enum ucap_change c;
	u64 old;
	bool changed;

	spin_lock_bh(&ucap_budget.lock);
	before = ucap_budget.state;
	old = ucap_budget.cap;
	c = ucap_lower_only(before != UCAP_UNARMED, old, cap, true);
	if (c == UCAP_CHANGE_NONE || ucap_change_refused(c)) {
		spin_unlock_bh(&ucap_budget.lock);
		return ucap_refuse_change(c, "the cap", cap);
	}
	changed = ucap_apply_cap(cap);
	after = ucap_budget.state;
	cap = ucap_budget.cap;
	spin_unlock_bh(&ucap_budget.lock);

	if (before == UCAP_UNARMED)
		ucap_log_armed(cap, ucap_used_bytes());
	else if (cap != old)
		pr_notice(UCAP_LOG_CAP_LOWERED "\n", old, cap);
	if (after == UCAP_EXHAUSTED && before != UCAP_EXHAUSTED)
		ucap_log_exhausted(ucap_used_bytes(), cap);
	if (changed)
		ucap_state_changed();
	return 0;
}

/*
 * Set the management reserve: anything while unarmed; once armed only
 * lower (0: none left). A raise is a tamper attempt. (Anchored, the
 * module is armed: the TPM policy's reserve is the most there is.)
 */
int ucap_set_reserve(u64 reserve)
{
	enum ucap_change c;
	u64 old;

	spin_lock_bh(&ucap_budget.lock);
	old = ucap_budget.reserve;
	c = ucap_lower_only(ucap_budget.state != UCAP_UNARMED, old, reserve, false);
	if (ucap_change_refused(c)) {
		spin_unlock_bh(&ucap_budget.lock);
		return ucap_refuse_change(c, "the reserve", reserve);
	}
	ucap_budget.reserve = reserve;
	spin_unlock_bh(&ucap_budget.lock);
	if (reserve != old) {
		pr_notice(UCAP_LOG_RESERVE_SET "\n", old, reserve);
		ucap_state_changed();	/* none left: on_exhaust=down acts */
	}
	return 0;
}

/*
 * The device audit found bytes a device sent that its hook never saw
 * (XDP, or any path past the netfilter egress hook): they have left, so
 * they are charged, as far as the cap allows; what is beyond it is still
 * counted in bypass. Process context. Returns the bytes charged.
 */
u64 ucap_charge_unhooked(u64 bytes)
{
	bool exhausted = false, ask = false;
	u64 take = 0;

	spin_lock_bh(&ucap_budget.lock);
	WRITE_ONCE(ucap_budget.bypass, ucap_budget.bypass + bytes);
	if (ucap_budget.state == UCAP_EXHAUSTED && !ucap_budget.reserve)
		goto unlock;
	/* Rare: take the CPUs' credit back so that the budget is exact. */
	ucap_reclaim_credit();
	/*
	 * They have left: charged up to the cap and the reserve (past the cap
	 * they spend the reserve, which bounds all that leaves, not only what
	 * it was meant for), past the lease if need be.
	 */
	take = min(bytes, ucap_room(ucap_limit()));
	ucap_budget.granted += take;
	WRITE_ONCE(ucap_budget.unhooked, ucap_budget.unhooked + take);
	exhausted = ucap_update_mode();
	ask = ucap_ask_raise();
unlock:
	spin_unlock_bh(&ucap_budget.lock);
	if (exhausted) {
		ucap_log_exhausted(ucap_used_bytes(), READ_ONCE(ucap_budget.cap));
		ucap_state_changed();
	}
	if (ask)
		ucap_tpm_lease_low();
	return take;
}

/* Raise the lease to lease_bytes; by says who asks, for the log. */
static int ucap_lease_raise(u64 lease_bytes, const char *by)
{
	char value[24];
	u64 old, used;

	snprintf(value, sizeof(value), "%llu", lease_bytes);
	spin_lock_bh(&ucap_budget.lock);
	old = ucap_budget.lease;
	if (lease_bytes < old) {
		spin_unlock_bh(&ucap_budget.lock);
		ucap_tamper("lower the lease", value);
		return -EPERM;
	}
	if (lease_bytes == old) {
		spin_unlock_bh(&ucap_budget.lock);
		return 0;
	}
	ucap_budget.lease = lease_bytes;
	ucap_budget.lease_out = false;
	ucap_budget.asked = false;
	ucap_reclaim_credit();	/* granted == used: exact or not, anew */
	used = ucap_budget.granted;
	ucap_update_mode();
	spin_unlock_bh(&ucap_budget.lock);
	pr_notice(UCAP_LOG_LEASE_RAISED "%s\n", old, lease_bytes, used, by);
	return 0;
}

/*
 * Raise the lease to lease_bytes (sysfs): only upwards, only with a lease,
 * and not when the TPM anchor keeps it. The caller has written the raise
 * down before.
 */
int ucap_raise_lease(u64 lease_bytes)
{
	char value[24];

	snprintf(value, sizeof(value), "%llu", lease_bytes);
	if (!lease) {
		ucap_tamper("set a lease the module was not loaded with", value);
		return -EPERM;
	}
	if (READ_ONCE(ucap_budget.anchored)) {
		ucap_tamper("raise the lease the TPM anchor keeps", value);
		return -EPERM;
	}
	return ucap_lease_raise(lease_bytes, "");
}

/* Process context, anchored: the counter has moved; raise to lease_bytes. */
int ucap_anchor_raise_lease(u64 lease_bytes)
{
	return ucap_lease_raise(lease_bytes, ", TPM counter moved");
}

/*
 * The lease (U64_MAX without one), the cap, and what has been granted
 * against them: used and the credit the CPUs hold. Granted, not used, is
 * what ucap_ask_raise() judges by: a raise asked for is then always seen
 * as due by the one who answers it.
 */
void ucap_read_lease(u64 *lease_bytes, u64 *cap_bytes, u64 *granted)
{
	spin_lock_bh(&ucap_budget.lock);
	*lease_bytes = ucap_budget.lease;
	*cap_bytes = ucap_budget.cap;
	*granted = ucap_budget.granted;
	spin_unlock_bh(&ucap_budget.lock);
}

/*
 * At load, before any hook (tpm.c): the TPM shows at least floor bytes
 * used and holds the cap at cap and the reserve at reserve. Restore used
 * to at least floor, arm with at most cap, keep at most that reserve, and
 * keep a lease at lease, raised from now on by tpm.c when less than ahead
 * of it is left.
 */
void ucap_budget_anchor(u64 floor, u64 cap, u64 reserve, u64 lease_bytes, u64 ahead)
{
	bool armed;

	spin_lock_bh(&ucap_budget.lock);
	if (floor > ucap_budget.granted) {
		pr_notice("TPM floor %llu bytes is above the %llu restored: restored %llu\n",
			  floor, ucap_budget.base, floor);
		ucap_budget.granted += floor - ucap_budget.base;
		ucap_budget.base = floor;
	}
	if (ucap_budget.reserve > reserve) {
		pr_warn("TPM anchor: reserve_bytes=%llu is above the policy's %llu: %llu applies\n",
			ucap_budget.reserve, reserve, reserve);
		ucap_budget.reserve = reserve;
	}
	lease = true;
	ucap_budget.anchored = true;
	ucap_budget.ahead = ahead;
	ucap_budget.lease = lease_bytes;
	ucap_budget.lease_out = false;
	WRITE_ONCE(ucap_budget.exact, true);
	armed = ucap_budget.state != UCAP_UNARMED;
	if (!armed || cap < ucap_budget.cap)
		ucap_apply_cap(cap);
	ucap_update_mode();
	spin_unlock_bh(&ucap_budget.lock);
	pr_notice("TPM anchor: %llu bytes used, cap %llu, lease %llu\n", ucap_budget.base,
		  ucap_budget.cap, lease_bytes);
	if (!armed)
		ucap_log_armed(ucap_budget.cap, ucap_budget.base);
	if (ucap_budget.state == UCAP_EXHAUSTED)
		ucap_log_exhausted(ucap_used_bytes(), ucap_budget.cap);
}

/*
 * At load, before any hook: the TPM anchor is provisioned but cannot be
 * trusted. Nothing leaves: armed with a cap of what is used, exhausted.
 */
void ucap_budget_fail_closed(void)
{
	u64 reserve;

	spin_lock_bh(&ucap_budget.lock);
	/*
	 * No reserve either: its cap moves up to what is used at every such
	 * boot, so a reserve would let that much more out each time.
	 */
	reserve = ucap_budget.reserve;
	ucap_budget.reserve = 0;
	ucap_apply_cap(ucap_budget.granted);
	spin_unlock_bh(&ucap_budget.lock);
	if (reserve)
		pr_warn("TPM anchor failed: reserve of %llu bytes off\n", reserve);
	ucap_log_exhausted(ucap_budget.granted, ucap_budget.cap);
}

void ucap_read_totals(struct ucap_totals *t)
{
	memset(t, 0, sizeof(*t));
	t->state = READ_ONCE(ucap_budget.state);
	t->cap_bytes = t->state == UCAP_UNARMED ? 0 : READ_ONCE(ucap_budget.cap);
	t->used_bytes = ucap_used_bytes();
	t->tamper_attempts = atomic64_read(&ucap_budget.tamper);
	t->bypass_bytes = READ_ONCE(ucap_budget.bypass);
	t->audit_charged_bytes = READ_ONCE(ucap_budget.unhooked);
	t->restored_bytes = ucap_budget.base;
	t->lease_bytes = lease ? READ_ONCE(ucap_budget.lease) : 0;
	t->reserve_bytes = READ_ONCE(ucap_budget.reserve);
	/* Used past the cap: the reserve spent (0 while unarmed). */
	t->reserve_used_bytes = t->state != UCAP_UNARMED && t->used_bytes > t->cap_bytes ?
				t->used_bytes - t->cap_bytes : 0;
	ucap_drops_sum(&ucap_cpu.drops, &t->dropped_bytes, &t->dropped_packets);
}

void ucap_budget_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(&ucap_cpu, cpu)->syncp);
	ucap_drops_init(&ucap_cpu.drops);

	/* Two chunks per possible CPU: what the CPUs may hold between them. */
	ucap_budget.far = 2ULL * UCAP_CHUNK * num_possible_cpus();
	ucap_budget.base = used_bytes;
	ucap_budget.granted = used_bytes;
	if (used_bytes)
		pr_info("restored %llu bytes used\n", used_bytes);
	if (lease) {
		ucap_budget.lease = used_bytes;
		WRITE_ONCE(ucap_budget.exact, true);
		pr_notice("write-ahead lease at %llu bytes: nothing leaves until it is raised\n",
			  used_bytes);
	}
	ucap_budget.reserve = reserve_bytes;
	if (reserve_bytes)
		pr_notice(UCAP_LOG_RESERVE_SET "\n", 0ULL, reserve_bytes);
	if (cap_bytes) {
		spin_lock_bh(&ucap_budget.lock);
		ucap_apply_cap(cap_bytes);
		spin_unlock_bh(&ucap_budget.lock);
		ucap_log_armed(ucap_budget.cap, used_bytes);
		if (ucap_budget.state == UCAP_EXHAUSTED)
			ucap_log_exhausted(used_bytes, ucap_budget.cap);
	}
}
