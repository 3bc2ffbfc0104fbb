// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter egress hook, kept on every guarded device: every network
 * device in every network namespace except loopback devices and devices
 * exempted by name at load time.
 *
 * A netdevice notifier (global: it sees every namespace, and replays the
 * devices that exist when it is registered) puts a hook on each device as
 * it registers. A device moving between namespaces is unregistered from
 * the old one and registered in the new one without being freed: its
 * record, counts and guard decision are kept, and the hook is put back in
 * the new namespace. The exempt list is consulted only when a device is
 * first seen, so renaming or moving a guarded device never unguards it.
 *
 * If a hook cannot be put on a new device, its registration fails: no
 * device ever runs unguarded. A device that stops being guarded or may
 * stop counting (it goes down, leaves its namespace, is unregistered, its
 * driver unbound) is audited one last time first, so that nothing it
 * sent past its hook since the last audit leaves uncharged. A device the
 * down work must keep down may not be brought up (NETDEV_PRE_UP is
 * refused).
 *
 * Locking: the device list is changed under RTNL (the notifier) and
 * ucap_devs_lock, and read under either. The hook reaches
 * its record through nf_hook_ops.priv; records are freed only after an
 * RCU grace period, when no packet can still be in the hook.
 */
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_netdev.h>
#include <linux/percpu.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/u64_stats_sync.h>
#include <net/net_namespace.h>
#include <net/sch_generic.h>

#include "ucap_kmod.h"
#include "ucap_params.h"

static char *exempt = "";
module_param(exempt, charp, 0444);
MODULE_PARM_DESC(exempt, "Comma-separated names of devices not to guard, decided when a device is first seen (default: none). Dangerous: see uploadcap(4).");

static char ucap_exempt[UCAP_MAX_EXEMPT][IFNAMSIZ];
static unsigned int ucap_nr_exempt;

struct ucap_dev_stats {
	u64_stats_t bytes;
	u64_stats_t len_bytes;
	u64_stats_t hw_hdrs_bytes;
	u64_stats_t pad_bytes;
	u64_stats_t fcs_bytes;
	u64_stats_t packets;
	u64_stats_t segs;
	u64_stats_t dropped_bytes;
	u64_stats_t dropped_packets;
	struct u64_stats_sync syncp;
};

struct ucap_dev {
	struct list_head list;
	struct net_device *dev;
	struct nf_hook_ops ops;
	bool hooked;
	/* Copies for readers of the list, who must not touch dev. */
	char name[IFNAMSIZ];
	int ifindex;
	unsigned int netns_ino;
	struct ucap_audit audit;	/* the audit's, under ucap_devs_lock */
	struct ucap_dev_stats __percpu *stats;
	bool ether;		/* padding and FCS apply: an Ethernet device */
	struct rcu_head rcu;
};

static LIST_HEAD(ucap_devs);
static DEFINE_MUTEX(ucap_devs_lock);

/*
 * The headers of the segments beyond the first of a GSO packet the device
 * takes whole, to segment in hardware (or to count as one): a driver may
 * count them or not. Those of one the stack segments before the driver,
 * because the device cannot, are in every driver's count (each segment
 * is handed over with its headers), so they are not among them.
 */
static unsigned int ucap_hw_hdrs(struct sk_buff *skb, unsigned int wire)
{
	if (!skb_is_gso(skb) || wire <= skb->len ||
	    netif_needs_gso(skb, netif_skb_features(skb)))
		return 0;
	return wire - skb->len;
}

/*
 * What an Ethernet driver may count for skb beyond its wire length: the
 * padding of a short frame to ETH_ZLEN, and per segment the FCS and a tag
 * the hardware inserts (never more than 8 bytes per segment).
 */
static unsigned int ucap_pad(const struct sk_buff *skb)
{
	return !skb_is_gso(skb) && skb->len < ETH_ZLEN ? ETH_ZLEN - skb->len : 0;
}

static unsigned int ucap_fcs(const struct sk_buff *skb, unsigned int segs)
{
	return segs * (ETH_FCS_LEN + (skb_vlan_tag_present(skb) ? VLAN_HLEN : 0));
}

static unsigned int ucap_hook(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	struct ucap_dev *ud = priv;
	struct ucap_dev_stats *st;
	unsigned int len, segs;
	bool pass;

	/* The wire length, GSO headers included, set before this hook. */
	len = qdisc_skb_cb(skb)->pkt_len;
	if (unlikely(!len))
		len = skb->len;
	/*
	 * The ceiling first: what it refuses must not be charged to the cap.
	 * Exhausted, the reserve may take what goes to its destinations.
	 */
	if (!ucap_rate_admit(len))
		pass = false;
	else if (unlikely(ucap_state() == UCAP_EXHAUSTED) && ucap_reserve_match(skb))
		pass = ucap_charge_reserve(len);
	else
		pass = ucap_charge(len);

	segs = skb_is_gso(skb) ? max_t(unsigned int, skb_shinfo(skb)->gso_segs, 1) : 1;
	st = this_cpu_ptr(ud->stats);
	u64_stats_update_begin(&st->syncp);
	if (pass) {
		u64_stats_add(&st->bytes, len);
		u64_stats_add(&st->len_bytes, skb->len);
		u64_stats_add(&st->hw_hdrs_bytes, ucap_hw_hdrs(skb, len));
		if (ud->ether) {
			u64_stats_add(&st->pad_bytes, ucap_pad(skb));
			u64_stats_add(&st->fcs_bytes, ucap_fcs(skb, segs));
		}
		u64_stats_inc(&st->packets);
		u64_stats_add(&st->segs, segs);
	} else {
		u64_stats_add(&st->dropped_bytes, len);
		u64_stats_inc(&st->dropped_packets);
	}
	u64_stats_update_end(&st->syncp);
	return pass ? NF_ACCEPT : NF_DROP;
}

static bool ucap_is_exempt(const char *name)
{
	unsigned int i;

	for (i = 0; i < ucap_nr_exempt; i++)
		if (!strcmp(ucap_exempt[i], name))
			return true;
	return false;
}

/* Caller holds RTNL and ucap_devs_lock. */
static struct ucap_dev *ucap_find(const struct net_device *dev)
{
	struct ucap_dev *ud;

	list_for_each_entry(ud, &ucap_devs, list)
		if (ud->dev == dev)
			return ud;
	return NULL;
}

static void ucap_note_place(struct ucap_dev *ud)
{
	strscpy(ud->name, ud->dev->name, sizeof(ud->name));
	ud->ifindex = ud->dev->ifindex;
	ud->netns_ino = dev_net(ud->dev)->ns.inum;
}

/* RTNL held. Put the hook on ud's device, in the device's namespace. */
static int ucap_hook_on(struct ucap_dev *ud)
{
	int err;

	ud->ops.dev = ud->dev;
	err = nf_register_net_hook(dev_net(ud->dev), &ud->ops);
	if (err)
		return err;
	ud->hooked = true;
	return 0;
}

/* RTNL held. Take it off again (before the device leaves its namespace). */
static void ucap_hook_off(struct ucap_dev *ud)
{
	if (!ud->hooked)
		return;
	nf_unregister_net_hook(dev_net(ud->dev), &ud->ops);
	ud->hooked = false;
}

static void ucap_dev_free_rcu(struct rcu_head *rcu)
{
	struct ucap_dev *ud = container_of(rcu, struct ucap_dev, rcu);

	free_percpu(ud->stats);
	kfree(ud);
}

static int ucap_dev_register(struct net_device *dev)
{
	struct ucap_dev *ud;
	int err, cpu;

	if (dev->flags & IFF_LOOPBACK)
		return 0;

	mutex_lock(&ucap_devs_lock);
	ud = ucap_find(dev);
	if (ud) {
		/* Moved in from another namespace: guard it here too. */
		err = ucap_hook_on(ud);
		if (!err)
			ucap_note_place(ud);
		goto unlock;
	}
	err = 0;
	if (ucap_is_exempt(dev->name)) {
		pr_info("not guarding %s (exempt)\n", dev->name);
		goto unlock;
	}

	err = -ENOMEM;
	ud = kzalloc(sizeof(*ud), GFP_KERNEL);
	if (!ud)
		goto unlock;
	ud->stats = alloc_percpu(struct ucap_dev_stats);
	if (!ud->stats)
		goto free_ud;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(ud->stats, cpu)->syncp);
	ud->dev = dev;
	ud->ether = dev->type == ARPHRD_ETHER;
	ud->ops.hook = ucap_hook;
	ud->ops.pf = NFPROTO_NETDEV;
	ud->ops.hooknum = NF_NETDEV_EGRESS;
	/* First: nothing else on the hook sees the packet before it is charged. */
	ud->ops.priority = INT_MIN;
	ud->ops.priv = ud;
	err = ucap_hook_on(ud);
	if (err)
		goto free_stats;
	ucap_audit_start(dev, &ud->audit, ud->ether);
	ucap_note_place(ud);
	list_add_tail(&ud->list, &ucap_devs);
	mutex_unlock(&ucap_devs_lock);
	return 0;

free_stats:
	free_percpu(ud->stats);
free_ud:
	kfree(ud);
unlock:
	mutex_unlock(&ucap_devs_lock);
	if (err)
		pr_err("cannot guard %s (%d): refusing the device\n", dev->name, err);
	return err;
}

/* RTNL held. The device may stop counting: audit it now (see audit.c). */
static void ucap_dev_audit_now(struct net_device *dev, const char *why)
{
	struct ucap_dev *ud;

	mutex_lock(&ucap_devs_lock);
	ud = ucap_find(dev);
	if (ud)
		ucap_audit_final(dev, ud, &ud->audit, why);
	mutex_unlock(&ucap_devs_lock);
}

static void ucap_dev_unregister(struct net_device *dev)
{
	struct ucap_dev *ud;
	bool leaving;

	mutex_lock(&ucap_devs_lock);
	ud = ucap_find(dev);
	if (!ud)
		goto unlock;
	/* Only leaving its namespace: keep the record for its next one. */
	leaving = dev->reg_state != NETREG_UNREGISTERING;
	/* Its counters are still there; what it sent since is charged. */
	ucap_audit_final(dev, ud, &ud->audit, leaving ? "leaving its namespace" : "unregistered");
	ucap_hook_off(ud);
	if (leaving)
		goto unlock;
	list_del(&ud->list);
	call_rcu(&ud->rcu, ucap_dev_free_rcu);
unlock:
	mutex_unlock(&ucap_devs_lock);
}

/* RTNL held. A guarded device the down work keeps down stays down. */
static int ucap_dev_pre_up(struct net_device *dev)
{
	const char *why = NULL;
	struct ucap_dev *ud;

	mutex_lock(&ucap_devs_lock);
	ud = ucap_find(dev);
	if (ud)
		why = ucap_down_refuse_up(&ud->audit);
	mutex_unlock(&ucap_devs_lock);
	if (!why)
		return 0;
	pr_warn_ratelimited("refused to bring %s up: %s\n", dev->name, why);
	return -EPERM;
}

static int ucap_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct ucap_dev *ud;

	switch (event) {
	case NETDEV_PRE_UP:
		return notifier_from_errno(ucap_dev_pre_up(dev));
	case NETDEV_REGISTER:
		return notifier_from_errno(ucap_dev_register(dev));
	case NETDEV_GOING_DOWN:
		/* Some drivers reset their counters when they stop. */
		ucap_dev_audit_now(dev, "going down");
		break;
	case NETDEV_DOWN:
		/*
		 * Others read their hardware counters one last time in their
		 * stop (e1000e_down()): what a counter that lags had not shown
		 * yet shows only now.
		 */
		ucap_dev_audit_now(dev, "gone down");
		break;
	case NETDEV_UNREGISTER:
		ucap_dev_unregister(dev);
		break;
	case NETDEV_CHANGENAME:
		mutex_lock(&ucap_devs_lock);
		ud = ucap_find(dev);
		if (ud)
			ucap_note_place(ud);
		mutex_unlock(&ucap_devs_lock);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block ucap_netdev_nb = {
	.notifier_call = ucap_netdev_event,
};

struct ucap_dev_sums {
	struct ucap_hook_sums hook;
	u64 dropped_bytes, dropped_packets;
};

static void ucap_dev_sum(const struct ucap_dev *ud, struct ucap_dev_sums *sum)
{
	unsigned int start;
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct ucap_dev_stats *st = per_cpu_ptr(ud->stats, cpu);
		u64 b, lb, hb, pb, fb, p, sg, db, dp;

		do {
			start = u64_stats_fetch_begin(&st->syncp);
			b = u64_stats_read(&st->bytes);
			lb = u64_stats_read(&st->len_bytes);
			hb = u64_stats_read(&st->hw_hdrs_bytes);
			pb = u64_stats_read(&st->pad_bytes);
			fb = u64_stats_read(&st->fcs_bytes);
			p = u64_stats_read(&st->packets);
			sg = u64_stats_read(&st->segs);
			db = u64_stats_read(&st->dropped_bytes);
			dp = u64_stats_read(&st->dropped_packets);
		} while (u64_stats_fetch_retry(&st->syncp, start));
		sum->hook.bytes += b;
		sum->hook.len_bytes += lb;
		sum->hook.hw_hdrs_bytes += hb;
		sum->hook.pad_bytes += pb;
		sum->hook.fcs_bytes += fb;
		sum->hook.packets += p;
		sum->hook.segs += sg;
		sum->dropped_bytes += db;
		sum->dropped_packets += dp;
	}
}

void ucap_dev_hook_sums(const struct ucap_dev *ud, struct ucap_hook_sums *sums)
{
	struct ucap_dev_sums sum;

	ucap_dev_sum(ud, &sum);
	*sums = sum.hook;
}

void ucap_devs_walk(ucap_dev_fn fn, void *arg)
{
	struct ucap_dev *ud;

	mutex_lock(&ucap_devs_lock);
	list_for_each_entry(ud, &ucap_devs, list)
		fn(ud->dev, ud, &ud->audit, arg);
	mutex_unlock(&ucap_devs_lock);
}

/*
 * The list changes only under RTNL, so RTNL alone keeps it stable; fn may
 * then raise events (a device going down) whose handlers take the mutex.
 */
void ucap_devs_walk_rtnl(ucap_dev_fn fn, void *arg)
{
	struct ucap_dev *ud;

	ASSERT_RTNL();
	list_for_each_entry(ud, &ucap_devs, list)
		fn(ud->dev, ud, &ud->audit, arg);
}

enum ucap_dev_col {
#define X(id, name, width) UCAP_DEV_COL_##id,
	UCAP_DEV_COLUMNS(X)
#undef X
	UCAP_DEV_NCOLS
};

static const struct {
	const char *name;
	int width;
} ucap_dev_cols[UCAP_DEV_NCOLS] = {
#define X(id, name, width) { name, width },	/* in enum ucap_dev_col order */
	UCAP_DEV_COLUMNS(X)
#undef X
};

/* Column c of ud's line, or of the header for NULL, at line + n. */
static int ucap_dev_cell(char *line, int n, const struct ucap_dev *ud,
			 const struct ucap_dev_sums *sum, enum ucap_dev_col c)
{
	int w = ucap_dev_cols[c].width;
	size_t room = UCAP_DEV_LINE - n;
	u64 v;

	if (!ud)
		return scnprintf(line + n, room, "%*s", w, ucap_dev_cols[c].name);
	switch (c) {
	case UCAP_DEV_COL_NETNS:
		v = ud->netns_ino;
		break;
	case UCAP_DEV_COL_IFINDEX:
		v = ud->ifindex;
		break;
	case UCAP_DEV_COL_NAME:
		return scnprintf(line + n, room, "%*s", w, ud->name);
	case UCAP_DEV_COL_BYTES:
		v = sum->hook.bytes;
		break;
	case UCAP_DEV_COL_PACKETS:
		v = sum->hook.packets;
		break;
	case UCAP_DEV_COL_DROPPED_PACKETS:
		v = sum->dropped_packets;
		break;
	case UCAP_DEV_COL_DROPPED_BYTES:
		v = sum->dropped_bytes;
		break;
	case UCAP_DEV_COL_LEN_BYTES:
		v = sum->hook.len_bytes;
		break;
	case UCAP_DEV_COL_BYPASS_BYTES:
		v = ud->audit.bypass_bytes;
		break;
	case UCAP_DEV_COL_HELD:
		v = ud->audit.held;
		break;
	case UCAP_DEV_COL_COUNTS:
	default:
		return scnprintf(line + n, room, "%*s", w, ucap_audit_counts_name(&ud->audit));
	}
	return scnprintf(line + n, room, "%*llu", w, v);
}

/*
 * Format ud's line of the devices table, or the header for NULL: the
 * columns of UCAP_DEV_COLUMNS, one space apart. The audit's figures are
 * read under the list's mutex, as here.
 */
static void ucap_dev_line(char *line, const struct ucap_dev *ud)
{
	struct ucap_dev_sums sum;
	enum ucap_dev_col c;
	int n = 0;

	if (ud)
		ucap_dev_sum(ud, &sum);
	for (c = 0; c < UCAP_DEV_NCOLS; c++) {
		if (c)
			n += scnprintf(line + n, UCAP_DEV_LINE - n, " ");
		n += ucap_dev_cell(line, n, ud, &sum, c);
	}
	/* Pad to the fixed width so that line i always starts at i * width. */
	memset(line + n, ' ', UCAP_DEV_LINE - 1 - n);
	line[UCAP_DEV_LINE - 1] = '\n';
}

/*
 * The table is longer than the one page a sysfs read may fill, so it is
 * produced at any offset: fixed-width lines make line i start at byte
 * i * UCAP_DEV_LINE, and each line is formatted whole, so a reader whose
 * reads start on line boundaries never sees a torn number.
 */
ssize_t ucap_devices_read(char *buf, loff_t off, size_t count)
{
	char line[UCAP_DEV_LINE];
	const struct ucap_dev *ud = NULL;
	loff_t pos = 0, end = off + count;
	size_t done = 0;
	unsigned int i = 0;

	mutex_lock(&ucap_devs_lock);
	ud = list_prepare_entry(ud, &ucap_devs, list);
	for (;;) {
		if (pos + UCAP_DEV_LINE > off) {
			size_t from = off > pos ? off - pos : 0;
			size_t n = min_t(size_t, UCAP_DEV_LINE - from, end - (pos + from));

			ucap_dev_line(line, i ? ud : NULL);
			memcpy(buf + done, line + from, n);
			done += n;
		}
		pos += UCAP_DEV_LINE;
		if (pos >= end)
			break;
		ud = list_next_entry(ud, list);
		if (list_entry_is_head(ud, &ucap_devs, list))
			break;
		i++;
	}
	mutex_unlock(&ucap_devs_lock);
	return done;
}

static int ucap_parse_exempt(void)
{
	char *list, *cur, *name;
	int err = 0;

	list = kstrdup(exempt, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	cur = list;
	while ((name = strsep(&cur, ",")) != NULL) {
		if (!*name)
			continue;
		if (strlen(name) >= IFNAMSIZ || ucap_nr_exempt == UCAP_MAX_EXEMPT) {
			pr_err("exempt=: '%s' is not a device name, or more than %d names\n",
			       name, UCAP_MAX_EXEMPT);
			err = -EINVAL;
			break;
		}
		if (!ucap_tpm_may_exempt(name))
			continue;
		strscpy(ucap_exempt[ucap_nr_exempt++], name, IFNAMSIZ);
		pr_warn("devices named %s are exempt: their traffic is not capped\n", name);
	}
	kfree(list);
	return err;
}

/*
 * With the notifier gone (its removal replays NETDEV_UNREGISTER for every
 * device, which unhooks them, as does a failed registration's rollback),
 * drop every record.
 */
static void ucap_free_devs(void)
{
	struct ucap_dev *ud, *tmp;

	rtnl_lock();
	mutex_lock(&ucap_devs_lock);
	list_for_each_entry_safe(ud, tmp, &ucap_devs, list) {
		ucap_hook_off(ud);
		list_del(&ud->list);
		call_rcu(&ud->rcu, ucap_dev_free_rcu);
	}
	mutex_unlock(&ucap_devs_lock);
	rtnl_unlock();
	/* The callbacks run module code: wait for them before unloading. */
	rcu_barrier();
}

int ucap_hook_init(void)
{
	int err;

	err = ucap_parse_exempt();
	if (err)
		return err;
	/* Replays NETDEV_REGISTER for every device in every namespace. */
	err = register_netdevice_notifier(&ucap_netdev_nb);
	if (err) {
		ucap_free_devs();
		return err;
	}
	/* Exhausted at load (cap_bytes= below used_bytes=), on_exhaust=down. */
	ucap_down_state_changed();
	return 0;
}

void ucap_hook_exit(void)
{
	unregister_netdevice_notifier(&ucap_netdev_nb);
	ucap_free_devs();
}
