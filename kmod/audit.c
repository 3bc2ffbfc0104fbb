// SPDX-License-Identifier: GPL-2.0
/*
 * The device audit: every audit_ms, each guarded device's own tx byte
 * counter is compared with what its netfilter egress hook let through.
 * Bytes a device reports sending beyond that left by a path past the hook
 * (XDP redirect or transmit, a driver's own queue, anything that does not
 * go through __dev_queue_xmit or af_packet's hook): they are charged to
 * the ledger, so that such traffic uses up the cap too, at most audit_ms
 * late.
 *
 * Invariant, per device, after each audit:
 *
 *	device tx_bytes since guarded <= hook bytes + charged by the audit
 *
 * The hook usually sees more than the device counts (the wire length of a
 * GSO packet has a header per segment, and packets dropped after the hook
 * are not sent); that surplus is kept and set against later excess, so
 * legitimately charged traffic is never charged twice, and what a device
 * ever sent never exceeds what the ledger charged for it. A driver that
 * counts more than the wire length the hook takes (padding short frames,
 * say) gets the difference charged: small, and erring on the cap's side.
 * A counter that goes backwards (a driver reset it) counts again from 0.
 *
 * Locking: the audit state lives in each device's record and is touched
 * only under the device list's mutex (ucap_devs_walk(), and at
 * registration under RTNL and that mutex). dev_get_stats() is safe there:
 * drivers' ndo_get_stats64 may not sleep.
 */
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/workqueue.h>

#include "uploadcap.h"

/* Below this in one audit, a device's excess is charged without a log line. */
#define UCAP_AUDIT_LOG_MIN	4096

static unsigned int audit_ms = 100;
module_param(audit_ms, uint, 0444);
MODULE_PARM_DESC(audit_ms, "Interval in ms at which each guarded device's tx counter is compared with its hook, and bytes sent past the hook charged (10..60000, default 100).");

static void ucap_audit_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(ucap_audit_wk, ucap_audit_work);

static u64 ucap_dev_tx_bytes(struct net_device *dev)
{
	struct rtnl_link_stats64 st;

	dev_get_stats(dev, &st);
	return st.tx_bytes;
}

void ucap_audit_start(struct net_device *dev, struct ucap_audit *a)
{
	a->dev_last = ucap_dev_tx_bytes(dev);
	a->hook_last = 0;
	a->surplus = 0;
}

static void ucap_audit_dev(struct net_device *dev, struct ucap_dev *ud,
			   struct ucap_audit *a, void *arg)
{
	u64 now, hook_bytes, sent, excess, charged;

	/*
	 * The device's counter first, then the hook's: a packet passes the
	 * hook before the device counts it, so one in flight between the two
	 * reads is in the hook's figure and only adds to the surplus; read
	 * the other way round it would look like excess and be charged twice.
	 */
	now = ucap_dev_tx_bytes(dev);
	smp_rmb();
	hook_bytes = ucap_dev_hook_bytes(ud);

	sent = now >= a->dev_last ? now - a->dev_last : now;
	a->dev_last = now;
	a->surplus += hook_bytes - a->hook_last;
	a->hook_last = hook_bytes;
	if (sent <= a->surplus) {
		a->surplus -= sent;
		return;
	}
	excess = sent - a->surplus;
	a->surplus = 0;
	charged = ucap_charge_unhooked(excess);
	if (excess >= UCAP_AUDIT_LOG_MIN)
		pr_warn_ratelimited("%s sent %llu bytes its hook did not see (XDP or another path past it): %llu charged\n",
				    netdev_name(dev), excess, charged);
}

static void ucap_audit_work(struct work_struct *work)
{
	ucap_devs_walk(ucap_audit_dev, NULL);
	schedule_delayed_work(&ucap_audit_wk, msecs_to_jiffies(audit_ms));
}

int ucap_audit_init(void)
{
	if (audit_ms < 10 || audit_ms > 60000) {
		pr_err("audit_ms=%u: must be 10..60000\n", audit_ms);
		return -EINVAL;
	}
	schedule_delayed_work(&ucap_audit_wk, msecs_to_jiffies(audit_ms));
	return 0;
}

void ucap_audit_exit(void)
{
	/* The work re-queues itself: cancel_delayed_work_sync() stops that. */
	cancel_delayed_work_sync(&ucap_audit_wk);
}
