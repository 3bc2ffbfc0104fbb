// SPDX-License-Identifier: GPL-2.0
/*
 * ucap_lagdev: a network device for uploadcap's tests only, whose tx
 * counters lag behind what it sends, the way a NIC's do when its driver
 * refreshes them from the hardware's statistics registers on a timer
 * every second or two instead of counting in its transmit path.
 *
 *	ip link add NAME type ucaplag
 *
 * Every frame it is handed is counted at once in its live counters and
 * consumed: it goes nowhere (so it needs no peer, and with IFF_NOARP no
 * neighbour either). What ndo_get_stats64 reports is a copy of the live
 * counters taken every refresh_ms milliseconds, and once more when the
 * device goes down, as drivers that read hardware counters do in their
 * down path (e1000e_down() updates its statistics one last time). With
 * late_ms, every third refresh comes that much later, as a driver's
 * statistics work does on a loaded host (a workqueue's work waits for a
 * CPU like any other thread).
 *
 * Locking: the live counters are atomics, written from the transmit path
 * (any CPU) and read by the refresh work. The published copy is written by
 * the refresh work and by ndo_stop (the work is cancelled first) under
 * stats_lock, and read under it by ndo_get_stats64, which may not sleep.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/workqueue.h>
#include <net/rtnetlink.h>

#define DRV_NAME	"ucap_lagdev"

static unsigned int refresh_ms = 2000;
module_param(refresh_ms, uint, 0444);
MODULE_PARM_DESC(refresh_ms, "How often the tx counters ndo_get_stats64 reports are refreshed, in ms (100..10000, default 2000).");

static unsigned int late_ms;
module_param(late_ms, uint, 0444);
MODULE_PARM_DESC(late_ms, "How much later every third refresh comes, in ms (0..10000, default 0).");

struct ucap_lagdev {
	struct net_device *dev;
	atomic64_t live_bytes;
	atomic64_t live_packets;
	spinlock_t stats_lock;		/* protects shown_* */
	u64 shown_bytes;
	u64 shown_packets;
	struct delayed_work refresh;
	unsigned int refreshes;		/* ndo_open and the refresh work, never both at once */
};

/* When the next refresh is due, from now. */
static unsigned long ucap_lagdev_next(struct ucap_lagdev *ld)
{
	unsigned int ms = refresh_ms;

	if (++ld->refreshes % 3 == 0)
		ms += late_ms;
	return msecs_to_jiffies(ms);
}

static void ucap_lagdev_publish(struct ucap_lagdev *ld)
{
	spin_lock_bh(&ld->stats_lock);
	ld->shown_bytes = atomic64_read(&ld->live_bytes);
	ld->shown_packets = atomic64_read(&ld->live_packets);
	spin_unlock_bh(&ld->stats_lock);
}

static void ucap_lagdev_refresh(struct work_struct *work)
{
	struct ucap_lagdev *ld = container_of(to_delayed_work(work), struct ucap_lagdev, refresh);

	ucap_lagdev_publish(ld);
	schedule_delayed_work(&ld->refresh, ucap_lagdev_next(ld));
}

static netdev_tx_t ucap_lagdev_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ucap_lagdev *ld = netdev_priv(dev);

	atomic64_add(skb->len, &ld->live_bytes);
	atomic64_inc(&ld->live_packets);
	consume_skb(skb);
	return NETDEV_TX_OK;
}

static int ucap_lagdev_open(struct net_device *dev)
{
	struct ucap_lagdev *ld = netdev_priv(dev);

	schedule_delayed_work(&ld->refresh, ucap_lagdev_next(ld));
	netif_start_queue(dev);
	return 0;
}

static int ucap_lagdev_stop(struct net_device *dev)
{
	struct ucap_lagdev *ld = netdev_priv(dev);

	netif_stop_queue(dev);
	cancel_delayed_work_sync(&ld->refresh);
	ucap_lagdev_publish(ld);
	return 0;
}

static void ucap_lagdev_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *st)
{
	struct ucap_lagdev *ld = netdev_priv(dev);

	spin_lock_bh(&ld->stats_lock);
	st->tx_bytes = ld->shown_bytes;
	st->tx_packets = ld->shown_packets;
	spin_unlock_bh(&ld->stats_lock);
}

static const struct net_device_ops ucap_lagdev_ops = {
	.ndo_open		= ucap_lagdev_open,
	.ndo_stop		= ucap_lagdev_stop,
	.ndo_start_xmit		= ucap_lagdev_xmit,
	.ndo_get_stats64	= ucap_lagdev_get_stats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

static void ucap_lagdev_setup(struct net_device *dev)
{
	struct ucap_lagdev *ld = netdev_priv(dev);

	ether_setup(dev);
	dev->netdev_ops = &ucap_lagdev_ops;
	dev->needs_free_netdev = true;
	dev->flags |= IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	eth_hw_addr_random(dev);
	ld->dev = dev;
	atomic64_set(&ld->live_bytes, 0);
	atomic64_set(&ld->live_packets, 0);
	spin_lock_init(&ld->stats_lock);
	INIT_DELAYED_WORK(&ld->refresh, ucap_lagdev_refresh);
}

static struct rtnl_link_ops ucap_lagdev_link_ops __read_mostly = {
	.kind		= "ucaplag",
	.priv_size	= sizeof(struct ucap_lagdev),
	.setup		= ucap_lagdev_setup,
};

static int __init ucap_lagdev_init(void)
{
	if (refresh_ms < 100 || refresh_ms > 10000) {
		pr_err("refresh_ms=%u: must be 100..10000\n", refresh_ms);
		return -EINVAL;
	}
	if (late_ms > 10000) {
		pr_err("late_ms=%u: must be 0..10000\n", late_ms);
		return -EINVAL;
	}
	return rtnl_link_register(&ucap_lagdev_link_ops);
}

static void __exit ucap_lagdev_exit(void)
{
	rtnl_link_unregister(&ucap_lagdev_link_ops);
}

module_init(ucap_lagdev_init);
module_exit(ucap_lagdev_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("uploadcap test device whose tx counters lag (tests only)");
MODULE_ALIAS_RTNL_LINK("ucaplag");
