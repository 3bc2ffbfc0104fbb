// SPDX-License-Identifier: GPL-2.0
/*
 * on_exhaust=down: when the cap is exhausted, every guarded device is
 * brought down administratively, and none may be brought up again until
 * reboot (hook.c refuses NETDEV_PRE_UP). For operators who want a hard
 * stop even for paths past the egress hook, which the device audit can
 * only charge after the fact. With the default, on_exhaust=drop, the hook
 * drops every packet and devices stay up.
 *
 * The policy is fixed at load (the parameter is read-only): it cannot be
 * relaxed later any more than the cap can be raised.
 */
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "uploadcap.h"

static char *on_exhaust = "drop";
module_param(on_exhaust, charp, 0444);
MODULE_PARM_DESC(on_exhaust, "What exhaustion does: drop (the hook drops every packet; default) or down (guarded devices are also brought down and kept down until reboot).");

static bool ucap_take_down;

static void ucap_dev_down(struct net_device *dev, struct ucap_dev *ud,
			  struct ucap_audit *audit, void *arg)
{
	int err;

	if (!(dev->flags & IFF_UP))
		return;
	/* Going down raises no event that takes the device list's mutex. */
	err = dev_change_flags(dev, dev->flags & ~IFF_UP, NULL);
	if (err)
		pr_err("cannot bring %s down (%d)\n", netdev_name(dev), err);
	else
		pr_crit("%s brought down: the upload cap is exhausted (on_exhaust=down)\n",
			netdev_name(dev));
}

static void ucap_down_work(struct work_struct *work)
{
	/* Lock order, as in the notifier: RTNL, then the device list. */
	rtnl_lock();
	ucap_devs_walk(ucap_dev_down, NULL);
	rtnl_unlock();
}

static DECLARE_WORK(ucap_down_wk, ucap_down_work);

bool ucap_down_refuse_up(void)
{
	return READ_ONCE(ucap_take_down) && ucap_state() == UCAP_EXHAUSTED;
}

void ucap_down_state_changed(void)
{
	if (ucap_down_refuse_up())
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
	return 0;
}

/* Nothing can queue the work any more (see ucap_exit()). */
void ucap_down_exit(void)
{
	cancel_work_sync(&ucap_down_wk);
}
