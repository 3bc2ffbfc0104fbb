// SPDX-License-Identifier: GPL-2.0
/*
 * Taking guarded devices down, and keeping them down.
 *
 * Held devices: a device the audit finds sending past its hook while the
 * cap is exhausted or the rate ceiling's bucket is in debt (audit.c) is
 * brought down administratively, whatever on_exhaust says, and may not be
 * brought up again while that lasts: for exhaustion until reboot, for
 * debt until the refill has paid it. Past-hook traffic (XDP, tc redirect,
 * pktgen, AF_XDP) is thus stopped within one audit interval, not only
 * charged; devices that send only through their hooks stay up.
 *
 * on_exhaust=down: at exhaustion every guarded device is brought down
 * and none may come up again until reboot, for operators who want no
 * device up at all on an exhausted host (with a reserve: once it is
 * spent). With the default, on_exhaust=drop, the hook drops every packet
 * and devices stay up unless held.
 *
 * The policy is fixed at load (the parameter is read-only): it cannot be
 * relaxed later any more than the cap can be raised.
 *
 * Locking: the work walks the devices under RTNL alone (bringing one
 * down raises NETDEV_GOING_DOWN and NETDEV_DOWN, whose handlers take the
 * list's mutex); held is written under the list's mutex and RTNL is held
 * there too or by the reader (PRE_UP), so READ_ONCE/WRITE_ONCE only mark
 * the work's reads.
 */
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "ucap_kmod.h"

static char *on_exhaust = "drop";
module_param(on_exhaust, charp, 0444);
MODULE_PARM_DESC(on_exhaust, "What exhaustion does: drop (the hook drops every packet; default) or down (guarded devices are also brought down and kept down until reboot).");

static bool ucap_take_down;

/*
 * on_exhaust=down, and exhausted: every guarded device goes down; with a
 * management reserve, once it is spent too (until then only its traffic
 * leaves, and it needs the devices up).
 */
static bool ucap_down_all(void)
{
	return READ_ONCE(ucap_take_down) && ucap_state() == UCAP_EXHAUSTED &&
	       !ucap_reserve_open();
}

static void ucap_dev_down(struct net_device *dev, struct ucap_dev *ud,
			  struct ucap_audit *audit, void *arg)
{
	bool all = ucap_down_all();
	bool held = READ_ONCE(audit->held);
	int err;

	if (!(dev->flags & IFF_UP) || !(all || held))
		return;
	err = dev_change_flags(dev, dev->flags & ~IFF_UP, NULL);
	if (err)
		pr_err("cannot bring %s down (%d)\n", netdev_name(dev), err);
	else if (held)
		pr_crit("%s brought down: it sent past its hook while the hooks refuse traffic (%s)\n",
			netdev_name(dev), ucap_state() == UCAP_EXHAUSTED ?
			"the upload cap is exhausted" : "the rate ceiling is in debt");
	else
		pr_crit("%s brought down: the upload cap is exhausted (on_exhaust=down)\n",
			netdev_name(dev));
}

/* Set when a device was held since the last pass. */
static bool ucap_hold_pending;

static void ucap_down_pass(void)
{
	/* Lock order, as in the notifier: RTNL, then the device list. */
	rtnl_lock();
	WRITE_ONCE(ucap_hold_pending, false);
	ucap_devs_walk_rtnl(ucap_dev_down, NULL);
	rtnl_unlock();
}

static void ucap_down_work(struct work_struct *work)
{
	ucap_down_pass();
}

static DECLARE_WORK(ucap_down_wk, ucap_down_work);

void ucap_down_flush(void)
{
	if (READ_ONCE(ucap_hold_pending))
		ucap_down_pass();
}

const char *ucap_down_refuse_up(struct ucap_audit *audit)
{
	if (ucap_down_all())
		return "the upload cap is exhausted (on_exhaust=down)";
	if (!audit->held)
		return NULL;
	if (ucap_state() == UCAP_EXHAUSTED)
		return "the upload cap is exhausted and it sent past its hook";
	if (ucap_rate_in_debt())
		return "it sent past its hook, and the rate ceiling is in debt";
	/* The debt is paid: it may come up, and is audited as before. */
	WRITE_ONCE(audit->held, false);
	audit->held_excess = 0;
	return NULL;
}

void ucap_down_hold(struct net_device *dev, struct ucap_audit *audit)
{
	WRITE_ONCE(audit->held, true);
	WRITE_ONCE(ucap_hold_pending, true);
	/* The periodic audit flushes at once; a final audit has RTNL held. */
	schedule_work(&ucap_down_wk);
}

void ucap_down_state_changed(void)
{
	if (ucap_down_all())
		schedule_work(&ucap_down_wk);
}

int ucap_down_init(void)
{
	if (sysfs_streq(on_exhaust, "down")) {
		WRITE_ONCE(ucap_take_down, true);
		pr_notice("on_exhaust=down: guarded devices go down when the cap is exhausted\n");
	} else if (!sysfs_streq(on_exhaust, "drop")) {
		pr_err("on_exhaust=%s: must be drop or down\n", on_exhaust);
		return -EINVAL;
	}
	if (ucap_tpm_down(READ_ONCE(ucap_take_down)))
		WRITE_ONCE(ucap_take_down, true);
	return 0;
}

/* Nothing can queue the work any more (see ucap_exit()). */
void ucap_down_exit(void)
{
	cancel_work_sync(&ucap_down_wk);
}
