// SPDX-License-Identifier: GPL-2.0
/*
 * The device audit: every audit_ms, each guarded device's own tx byte
 * counter is compared with what its netfilter egress hook let through.
 * Bytes a device reports sending beyond that left by a path past the hook
 * (XDP redirect or transmit, a tc redirect, pktgen, AF_XDP, a driver's
 * own queue): they are charged to the budget, so that such traffic uses
 * up the cap too, and drawn from the rate ceiling's bucket as debt. A
 * device is also audited one last time when it stops being guarded or
 * may stop counting (hook.c: going down, and gone down, leaving its
 * namespace, unregistered), so deleting it never hides what it sent.
 *
 * Like with like. Every driver counts skb->len of each packet it is
 * handed: for a GSO packet the stack segments first (the device cannot),
 * that is the wire length. Beyond that, drivers differ; the hook keeps
 * each term apart (hook.c), and each device's record says which of them
 * its counter includes (ucap_audit.counts):
 *
 *	hdrs	the headers of each further segment of a GSO packet the
 *		device takes whole (hardware counting frames on the wire;
 *		veth, virtio_net and QEMU's vmxnet3 count skb->len instead)
 *	pad	short frames padded to ETH_ZLEN
 *	fcs	an FCS, and a tag the hardware inserts, per segment
 *
 * so what a healthy device may count in an interval is
 *
 *	allowance = wire bytes - hdrs bytes + the terms it counts
 *
 * of what its hook let through. For veth and virtio_net the answer is in
 * their source: none. Any other device starts with all of them and only
 * ever loses one, when the audit has learned that the device does not
 * count it (ucap_learn()). Learning can only tighten the allowance, so no
 * traffic an attacker shapes widens it: bytes sent past the hook make the
 * device look as if it counted more, which keeps a term it does not
 * count (at worst, what it was from the start), never adds one back.
 *
 * The part of an interval's allowance the device did not count is
 * carried into the next interval only, for packets still queued between
 * the hook and the driver, and then lost: a surplus is never banked, so
 * on a device still taken to count a term it does not, traffic shaped to
 * make one (GSO headers, short frames) hides at most what that term adds
 * in the same interval. Invariant, per device, at each audit:
 *
 *	device tx_bytes in the interval <= allowance of this interval
 *					  + carry from the last one
 *					  + excess charged now
 *
 * An interval runs from one movement of the device's counter to the
 * next, not from one audit to the next: a driver that refreshes its
 * counters from the hardware every second or two (while the hook counts
 * in real time) has its jump compared with the allowance of the whole
 * time since the last one, even when a loaded host runs that refresh
 * seconds late. A counter that stands still for longer than
 * UCAP_AUDIT_MAX_LAG_MS (ucap_params.h) after the hook let traffic
 * through is not lagging but not counting: allowance is kept by when
 * it arose, in slots, and what is older than that (by at most one slot
 * more) is dropped, whenever the counter last moved.
 * The carry lives twice the lag the counter has shown (learned only from
 * time the hook let traffic through while the counter stood still, and
 * decaying, or the stand-still now if longer), at least two audits: an
 * idle gap never lets it last.
 *
 * A counter that goes backwards (a driver reset it) counts again from 0.
 *
 * Enforcement past the hook. While the cap is exhausted or the rate
 * ceiling's bucket is in debt, the hook refuses everything; a device that
 * still sends past it (more than UCAP_AUDIT_HOLD_MIN in the episode) is
 * taken down and held down (down.c): past-hook traffic is then stopped
 * within one audit, not only charged. While charging is exact (the cap is
 * near or reached) or the bucket is in debt, the audit runs every
 * UCAP_AUDIT_FINE_MS, so that the overshoot is one fine interval.
 *
 * Locking: the audit state lives in each device's record and is touched
 * only under the device list's mutex (ucap_devs_walk(), and the final
 * audits under RTNL and that mutex). dev_get_stats() is safe there:
 * drivers' ndo_get_stats64 may not sleep.
 */
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/sched.h>
#include <linux/stringify.h>
#include <net/rtnetlink.h>

#include "ucap_kmod.h"
#include "ucap_log_abi.h"
#include "ucap_params.h"

/* Below this, a device's excess waits for more, or its last audit, to be logged. */
#define UCAP_AUDIT_LOG_MIN	4096
/* Past-hook bytes in one episode of exhaustion or debt that take a device down. */
#define UCAP_AUDIT_HOLD_MIN	4096
/* The audit's interval while the cap is near or the bucket in debt. */
#define UCAP_AUDIT_FINE_MS	10
/*
 * Learning what a device counts: a quiet spell (neither the hook nor the
 * counter moved) this long, so that every counter has caught up; then a
 * term stops being allowed if the evidence holds at least this much of it
 * and no model that includes it fits what the device counted, within the
 * tolerance (plus 1/4096 of what it counted).
 */
#define UCAP_LEARN_QUIET_MS	(UCAP_AUDIT_MAX_LAG_MS + 500)
#define UCAP_LEARN_MIN		16384
#define UCAP_LEARN_TOL		2048

static unsigned int audit_ms = UCAP_AUDIT_MS_DEFAULT;
module_param(audit_ms, uint, 0444);
MODULE_PARM_DESC(audit_ms, "Interval in ms at which each guarded device's tx counter is compared with its hook, and bytes sent past the hook charged ("
		 __stringify(UCAP_AUDIT_MS_MIN) ".." __stringify(UCAP_AUDIT_MS_MAX)
		 ", default " __stringify(UCAP_AUDIT_MS_DEFAULT) ").");

/*
 * When the audit runs. A flood past the hooks keeps the CPUs busy in
 * softirq and in the sending thread, and an audit queued as delayed work
 * (a timer_list, fired from the timer softirq that ksoftirqd then runs
 * at normal priority) was seen to start 0.4 s late under a tc redirect
 * flood and a second late under pktgen, even on the high-priority
 * workqueue. So the interval is kept by an hrtimer, which fires from the
 * hard interrupt, and the audit runs on its own kthread worker at the
 * lowest SCHED_FIFO priority, which no normal thread, ksoftirqd included,
 * delays. The timer queues the work, the work re-arms the timer: one of
 * the two is pending at any time until ucap_audit_exit() sets
 * ucap_audit_stopping.
 */
static struct kthread_worker *ucap_audit_worker;
static struct hrtimer ucap_audit_timer;
static bool ucap_audit_stopping;
static void ucap_audit_work(struct kthread_work *work);
static DEFINE_KTHREAD_WORK(ucap_audit_kw, ucap_audit_work);

static u64 ucap_pending_sum(const struct ucap_audit *a)
{
	unsigned int i;
	u64 sum = 0;

	for (i = 0; i < UCAP_AUDIT_LAG_SLOTS; i++)
		sum += a->pending[i];
	return sum;
}

/*
 * How long an unused allowance may wait for the device to count it:
 * twice the lag the counter has shown, and while it stands still with
 * allowance waiting, twice this stand-still: a refresh that comes later
 * than the ones before is still lagging, up to UCAP_AUDIT_MAX_LAG_MS.
 * (A refresh 2.5 s late on a 2 s counter otherwise outlived the carry
 * of the interval before, and charged what it held as bypass.) Idle,
 * nothing waits, and the learned lag alone counts.
 */
static unsigned long ucap_carry_life(const struct ucap_audit *a)
{
	unsigned long lag = a->lag;

	if (ucap_pending_sum(a) && time_after(jiffies, a->pending_since))
		lag = max(lag, jiffies - a->pending_since);
	lag = min(lag, msecs_to_jiffies(UCAP_AUDIT_MAX_LAG_MS));
	return 2 * max(lag, msecs_to_jiffies(audit_ms));
}

/*
 * Add this audit's allowance to what waits for the counter, first
 * dropping the slots that have grown too old; returns all that waits.
 */
static u64 ucap_pending_add(struct ucap_audit *a, u64 allowance)
{
	unsigned long slot = msecs_to_jiffies(UCAP_AUDIT_SLOT_MS);
	unsigned int turns;

	for (turns = 0; time_after_eq(jiffies, a->pending_start + slot); turns++) {
		if (turns == UCAP_AUDIT_LAG_SLOTS) {
			/* Idle longer than all the slots: all are empty now. */
			a->pending_start = jiffies;
			break;
		}
		a->pending_slot = (a->pending_slot + 1) % UCAP_AUDIT_LAG_SLOTS;
		a->pending[a->pending_slot] = 0;
		a->pending_start += slot;
	}
	if (allowance && !ucap_pending_sum(a))
		a->pending_since = jiffies;
	a->pending[a->pending_slot] += allowance;
	return ucap_pending_sum(a);
}

/* The counter moved: all that waited (and is not too old) is due now. */
static u64 ucap_pending_take(struct ucap_audit *a)
{
	u64 sum = ucap_pending_add(a, 0);

	memset(a->pending, 0, sizeof(a->pending));
	return sum;
}

static u64 ucap_dev_tx(struct net_device *dev, u64 *packets)
{
	struct rtnl_link_stats64 st;

	dev_get_stats(dev, &st);
	*packets = st.tx_packets;
	return st.tx_bytes;
}

/*
 * Drivers that count skb->len of what the stack hands them, in software,
 * and nothing else: veth (veth_xmit()) and virtio_net (its tx completion)
 * take GSO packets whole, and neither pads nor counts an FCS.
 */
static bool ucap_counts_len_only(const struct net_device *dev)
{
	const char *drv = "";

	if (dev->dev.parent && dev->dev.parent->driver)
		drv = dev->dev.parent->driver->name;
	else if (dev->rtnl_link_ops)
		drv = dev->rtnl_link_ops->kind;
	return !strcmp(drv, "veth") || !strcmp(drv, "virtio_net");
}

void ucap_audit_start(struct net_device *dev, struct ucap_audit *a, bool ether)
{
	memset(a, 0, sizeof(*a));
	a->dev_last = ucap_dev_tx(dev, &a->dev_last_packets);
	a->moved = jiffies;
	a->pending_start = jiffies;
	a->busy = jiffies;
	if (ucap_counts_len_only(dev))
		a->counts = 0;
	else
		a->counts = ether ? UCAP_COUNTS_ALL : UCAP_COUNTS_HDRS;
}

/* Indexed by UCAP_COUNTS_* bits. */
static const char *const ucap_counts_names[UCAP_COUNTS_ALL + 1] = {
	"len", "len+hdrs", "len+pad", "len+hdrs+pad",
	"len+fcs", "len+hdrs+fcs", "len+pad+fcs", "len+hdrs+pad+fcs",
};

const char *ucap_audit_counts_name(const struct ucap_audit *a)
{
	return ucap_counts_names[a->counts & UCAP_COUNTS_ALL];
}

static void ucap_hook_growth(const struct ucap_hook_sums *now, const struct ucap_hook_sums *then,
			     struct ucap_hook_sums *d)
{
	d->bytes = now->bytes - then->bytes;
	d->len_bytes = now->len_bytes - then->len_bytes;
	d->hw_hdrs_bytes = now->hw_hdrs_bytes - then->hw_hdrs_bytes;
	d->pad_bytes = now->pad_bytes - then->pad_bytes;
	d->fcs_bytes = now->fcs_bytes - then->fcs_bytes;
	d->packets = now->packets - then->packets;
	d->segs = now->segs - then->segs;
}

/* The terms a driver may count or not, in UCAP_COUNTS_* bit order. */
static void ucap_terms(const struct ucap_hook_sums *d, u64 term[3])
{
	term[0] = d->hw_hdrs_bytes;
	term[1] = d->pad_bytes;
	term[2] = d->fcs_bytes;
}

/* What of d a device counts whose counter includes the terms in counts. */
static u64 ucap_model(unsigned int counts, const struct ucap_hook_sums *d)
{
	u64 term[3], sum = d->bytes - d->hw_hdrs_bytes;
	unsigned int bit;

	ucap_terms(d, term);
	for (bit = 0; bit < 3; bit++)
		if (counts & BIT(bit))
			sum += term[bit];
	return sum;
}

/*
 * A quiet spell: judge the evidence since the last judgement. It counts
 * only if the device counted exactly the packets the hook let through,
 * per packet or per segment: none was dropped between the two (a full
 * qdisc, a driver's drop) and none sent past the hook, either of which
 * would make the device look as if it counted less, or more. Then every
 * model (a subset of the terms still allowed) that fits what the device
 * counted is kept; a term in none of them, with enough of it in the
 * evidence to tell, is not counted by this device and no longer allowed.
 * With too little of every term, the evidence is kept to grow; else it
 * starts anew, so that a spell of bypass hidden in a term (which fits no
 * model, or the loosest) does not stop later learning.
 */
static void ucap_learn(struct net_device *dev, struct ucap_audit *a,
		       const struct ucap_hook_sums *hook)
{
	unsigned int s, bit, fit = 0, enough = 0, drop = 0;
	struct ucap_hook_sums w;
	u64 term[3], tol, model;
	bool any = false;

	ucap_hook_growth(hook, &a->ev_hook, &w);
	if (a->ev_tainted || (a->ev_dev_packets != w.packets && a->ev_dev_packets != w.segs))
		goto restart;
	ucap_terms(&w, term);
	tol = UCAP_LEARN_TOL + a->ev_dev / 4096;
	for (bit = 0; bit < 3; bit++)
		if ((a->counts & BIT(bit)) && term[bit] >= max_t(u64, UCAP_LEARN_MIN, 4 * tol))
			enough |= BIT(bit);
	if (!enough)
		return;
	for (s = 0; s <= UCAP_COUNTS_ALL; s++) {
		if (s & ~a->counts)
			continue;
		model = ucap_model(s, &w);
		if (model + tol >= a->ev_dev && a->ev_dev + tol >= model) {
			fit |= s;
			any = true;
		}
	}
	if (any)
		drop = a->counts & ~fit & enough;
	if (drop) {
		a->counts &= ~drop;
		pr_info("%s counts %s: learned from %llu bytes it sent\n",
			netdev_name(dev), ucap_audit_counts_name(a), a->ev_dev);
	}
restart:
	a->ev_dev = 0;
	a->ev_dev_packets = 0;
	a->ev_tainted = false;
	a->ev_hook = *hook;
}

/*
 * Tell what a device sent past its hook, all of it, in at most one line
 * every UCAP_LOG_BYPASS_EVERY_MS (ucap_log_abi.h): the first at once, the
 * rest added up; why: the device goes, say what is left now.
 */
static void ucap_audit_log(struct net_device *dev, struct ucap_audit *a, const char *why)
{
	if (!a->unlogged_bytes)
		return;
	if (why) {
		pr_warn(UCAP_LOG_BYPASS_GONE "\n", netdev_name(dev), why, a->unlogged_bytes);
	} else {
		if (a->unlogged_bytes < UCAP_AUDIT_LOG_MIN ||
		    (a->logged_at &&
		     time_before(jiffies, a->logged_at +
				 msecs_to_jiffies(UCAP_LOG_BYPASS_EVERY_MS))))
			return;
		pr_warn(UCAP_LOG_BYPASS "\n", netdev_name(dev), a->unlogged_bytes,
			a->unlogged_charged);
	}
	a->unlogged_bytes = 0;
	a->unlogged_charged = 0;
	a->logged_at = jiffies ?: 1;
}

/* Audit one device: charge what it sent past its hook since the last. */
static void ucap_audit_one(struct net_device *dev, struct ucap_dev *ud, struct ucap_audit *a)
{
	struct ucap_hook_sums hook, d;
	u64 now, now_packets, sent, allowance, excess, charged, waited;
	bool episode;

	/*
	 * The device's counter first, then the hook's: a packet passes the
	 * hook before the device counts it, so one in flight between the two
	 * reads is in the hook's figure and only adds to the allowance; read
	 * the other way round it would look like excess.
	 */
	now = ucap_dev_tx(dev, &now_packets);
	/* The device's counter before the hook's (see above). */
	smp_rmb();
	ucap_dev_hook_sums(ud, &hook);

	ucap_hook_growth(&hook, &a->hook_last, &d);
	allowance = ucap_model(a->counts, &d);
	a->hook_last = hook;
	if (d.bytes || now != a->dev_last) {
		a->busy = jiffies;
		a->judged = false;
	} else if (!a->judged &&
		   time_after(jiffies, a->busy + msecs_to_jiffies(UCAP_LEARN_QUIET_MS))) {
		a->judged = true;
		ucap_learn(dev, a, &hook);
	}
	if (now == a->dev_last) {
		/* Not counted yet, or a counter refreshed now and then. */
		ucap_pending_add(a, allowance);
		if (time_after(jiffies, a->moved + ucap_carry_life(a)))
			a->carry = 0;
		excess = 0;
	} else {
		sent = now > a->dev_last ? now - a->dev_last : now;
		if (now > a->dev_last && now_packets >= a->dev_last_packets)
			a->ev_dev_packets += now_packets - a->dev_last_packets;
		else
			a->ev_tainted = true;
		a->dev_last = now;
		a->dev_last_packets = now_packets;
		/*
		 * Learn the lag only from traffic the counter did not show
		 * yet: how long the oldest of it waited.
		 */
		waited = ucap_pending_take(a);
		if (waited)
			a->lag = max(jiffies - a->pending_since, a->lag - a->lag / 8);
		else
			a->lag -= a->lag / 8;
		if (time_after(jiffies, a->moved + ucap_carry_life(a)))
			a->carry = 0;
		a->moved = jiffies;
		allowance += waited;
		/* Unused, what is left of this interval's allowance carries. */
		excess = ucap_audit_settle(sent, allowance, &a->carry);
		a->ev_dev += sent - excess;
		if (excess)
			a->ev_tainted = true;
	}

	if (!excess) {
		/* Ended: neither exhausted nor in debt any more. */
		if (a->held_excess && ucap_state() != UCAP_EXHAUSTED && !ucap_rate_in_debt())
			a->held_excess = 0;
		return;
	}
	a->bypass_bytes += excess;
	charged = ucap_charge_unhooked(excess);
	/* Bytes beyond the cap (charged < excess) left while it was reached. */
	episode = ucap_rate_charge_debt(excess) || charged < excess;
	a->unlogged_bytes += excess;
	a->unlogged_charged += charged;
	/* An episode: the hook refuses everything, so nothing should leave. */
	if (episode) {
		a->held_excess += excess;
		if (a->held_excess >= UCAP_AUDIT_HOLD_MIN && !a->held)
			ucap_down_hold(dev, a);
	}
}

static void ucap_audit_dev(struct net_device *dev, struct ucap_dev *ud,
			   struct ucap_audit *a, void *arg)
{
	ucap_audit_one(dev, ud, a);
	ucap_audit_log(dev, a, NULL);
}

void ucap_audit_final(struct net_device *dev, struct ucap_dev *ud,
		      struct ucap_audit *a, const char *why)
{
	ucap_audit_one(dev, ud, a);
	ucap_audit_log(dev, a, why);
}

static unsigned int ucap_audit_delay_ms(void)
{
	unsigned int ms = audit_ms;

	if (ucap_budget_exact() || ucap_rate_in_debt())
		ms = min_t(unsigned int, ms, UCAP_AUDIT_FINE_MS);
	return ms;
}

static void ucap_audit_arm(unsigned int ms)
{
	if (!READ_ONCE(ucap_audit_stopping))
		hrtimer_start(&ucap_audit_timer, ms_to_ktime(ms), HRTIMER_MODE_REL);
}

/* Hard interrupt: only hand over to the worker. */
static enum hrtimer_restart ucap_audit_fire(struct hrtimer *timer)
{
	if (!READ_ONCE(ucap_audit_stopping))
		kthread_queue_work(ucap_audit_worker, &ucap_audit_kw);
	return HRTIMER_NORESTART;
}

static void ucap_audit_work(struct kthread_work *work)
{
	ucap_devs_walk(ucap_audit_dev, NULL);
	/* A device it held goes down now: one scheduling delay less. */
	ucap_down_flush();
	ucap_audit_arm(ucap_audit_delay_ms());
}

int ucap_audit_init(void)
{
	if (audit_ms < UCAP_AUDIT_MS_MIN || audit_ms > UCAP_AUDIT_MS_MAX) {
		pr_err("audit_ms=%u: must be %u..%u\n", audit_ms, UCAP_AUDIT_MS_MIN,
		       UCAP_AUDIT_MS_MAX);
		return -EINVAL;
	}
	/* The parameter shows what applies: no longer than the TPM policy's. */
	audit_ms = ucap_tpm_audit_ms(audit_ms);
	ucap_audit_worker = kthread_create_worker(0, "uploadcap_audit");
	if (IS_ERR(ucap_audit_worker))
		return PTR_ERR(ucap_audit_worker);
	sched_set_fifo_low(ucap_audit_worker->task);
	hrtimer_init(&ucap_audit_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	ucap_audit_timer.function = ucap_audit_fire;
	ucap_audit_arm(audit_ms);
	return 0;
}

/*
 * Stop the cycle: once ucap_audit_stopping is seen, neither the timer
 * queues the work nor the work arms the timer. The work may have armed
 * the timer just before it saw the flag, so the timer is cancelled again
 * after the work is done with; a callback that fires meanwhile sees the
 * flag and queues nothing.
 */
void ucap_audit_exit(void)
{
	WRITE_ONCE(ucap_audit_stopping, true);
	hrtimer_cancel(&ucap_audit_timer);
	kthread_cancel_work_sync(&ucap_audit_kw);
	hrtimer_cancel(&ucap_audit_timer);
	kthread_destroy_worker(ucap_audit_worker);
}
