// SPDX-License-Identifier: GPL-2.0
/*
 * The management reserve's destinations: the prefixes (reserve_dst) that
 * traffic must go to for the reserve to let it through once the cap is
 * exhausted, and the match the egress hook asks. The reserve's bytes are
 * the budget's (budget.c): this file only says which packets may use them.
 *
 * A packet matches when it is IPv4 or IPv6 to an address within one of
 * the prefixes, or is what reaching them takes on the link: ARP, and IPv6
 * router and neighbour discovery (ICMPv6 types 133 to 136 right after the
 * fixed header). Nothing else does, IPv6 with extension headers before
 * ICMPv6 or a frame whose protocol is not one of those included: unsure,
 * it is refused. An attacker can still send the reserve's bytes to these
 * destinations, or as ARP: the reserve bounds what that can carry.
 *
 * The list is set by the reserve_dst= parameter at load, or in sysfs
 * while unarmed. Once armed it may only narrow: a new list is taken only
 * if each of its prefixes lies within one of the list in force; anything
 * else is a tamper attempt.
 *
 * Locking: ucap_reserve_lock (a mutex) serialises writers. The hook reads
 * the list under RCU (netfilter hooks run in an RCU read-side section);
 * a replaced list is freed after a grace period.
 */
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/icmpv6.h>
#include <linux/inet.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "ucap_kmod.h"
#include "ucap_params.h"

static char *reserve_dst;
module_param(reserve_dst, charp, 0444);
MODULE_PARM_DESC(reserve_dst, "Comma-separated prefixes (198.18.30.0/24,2001:db8::/64) the management reserve may send to once the cap is exhausted.");

struct ucap_prefix {
	u8 family;		/* AF_INET or AF_INET6 */
	u8 len;			/* prefix length in bits */
	struct in6_addr addr;	/* IPv4 in s6_addr32[0]; host bits zero */
};

struct ucap_reserve_list {
	struct rcu_head rcu;
	unsigned int n;
	struct ucap_prefix p[UCAP_RESERVE_MAX_DST];
};

static struct ucap_reserve_list __rcu *ucap_reserve_list;
static DEFINE_MUTEX(ucap_reserve_lock);

static bool ucap_prefix_has4(const struct ucap_prefix *p, __be32 addr)
{
	return p->len == 0 ||
	       !((addr ^ p->addr.s6_addr32[0]) & htonl(~0U << (32 - p->len)));
}

/* Whether a lies within b: as long a prefix or longer, and inside it. */
static bool ucap_prefix_within(const struct ucap_prefix *a, const struct ucap_prefix *b)
{
	if (a->family != b->family || a->len < b->len)
		return false;
	if (a->family == AF_INET)
		return ucap_prefix_has4(b, a->addr.s6_addr32[0]);
	return ipv6_prefix_equal(&a->addr, &b->addr, b->len);
}

/* One "ADDR[/LEN]", in place; host bits must be zero. */
static int ucap_prefix_parse(char *s, struct ucap_prefix *p)
{
	char *slash = strchr(s, '/');
	const char *end;
	unsigned int len;
	struct in6_addr masked;

	memset(p, 0, sizeof(*p));
	if (slash)
		*slash = '\0';
	if (in4_pton(s, -1, (u8 *)&p->addr.s6_addr32[0], '\0', &end)) {
		p->family = AF_INET;
		len = 32;
	} else if (in6_pton(s, -1, p->addr.s6_addr, '\0', &end)) {
		p->family = AF_INET6;
		len = 128;
	} else {
		return -EINVAL;
	}
	if (slash) {
		unsigned int max = len;

		if (kstrtouint(slash + 1, 10, &len) || len > max)
			return -EINVAL;
	}
	p->len = len;
	if (p->family == AF_INET)
		return len == 32 || !(p->addr.s6_addr32[0] & htonl(~0U >> len)) ? 0 : -EINVAL;
	ipv6_addr_prefix(&masked, &p->addr, len);
	return ipv6_addr_equal(&masked, &p->addr) ? 0 : -EINVAL;
}

/* A comma-separated list, at most UCAP_RESERVE_MAX_DST; "" is none. */
static int ucap_reserve_parse(const char *text, struct ucap_reserve_list *l)
{
	char *copy, *cur, *tok;
	int err = 0;

	l->n = 0;
	copy = kstrdup(text, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cur = strim(copy);
	while (!err && (tok = strsep(&cur, ",")) != NULL) {
		tok = strim(tok);
		if (!*tok && !cur && !l->n)
			break;		/* the empty list */
		if (l->n == UCAP_RESERVE_MAX_DST)
			err = -E2BIG;
		else
			err = ucap_prefix_parse(tok, &l->p[l->n++]);
	}
	kfree(copy);
	return err;
}

/* Lock held. Each of n's prefixes within one of o's. */
static bool ucap_reserve_narrows(const struct ucap_reserve_list *n,
				 const struct ucap_reserve_list *o)
{
	unsigned int i, j;

	for (i = 0; i < n->n; i++) {
		for (j = 0; o && j < o->n; j++)
			if (ucap_prefix_within(&n->p[i], &o->p[j]))
				break;
		if (!o || j == o->n)
			return false;
	}
	return true;
}

/* Replace the list; only narrowing it once armed, unless at load. */
static int ucap_reserve_replace(const char *text, bool at_load)
{
	struct ucap_reserve_list *l, *old;
	char value[48];
	int err;

	snprintf(value, sizeof(value), "'%.40s'", text);
	strreplace(value, '\n', ' ');
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	err = ucap_reserve_parse(text, l);
	if (err) {
		kfree(l);
		ucap_tamper("set the reserve's destinations", value);
		return err;
	}
	mutex_lock(&ucap_reserve_lock);
	old = rcu_dereference_protected(ucap_reserve_list, lockdep_is_held(&ucap_reserve_lock));
	if (!at_load && ucap_state() != UCAP_UNARMED && !ucap_reserve_narrows(l, old)) {
		mutex_unlock(&ucap_reserve_lock);
		kfree(l);
		ucap_tamper("widen the reserve's destinations", value);
		return -EPERM;
	}
	rcu_assign_pointer(ucap_reserve_list, l);
	mutex_unlock(&ucap_reserve_lock);
	if (old)
		kfree_rcu(old, rcu);
	pr_notice("reserve destinations: %u prefix%s\n", l->n, l->n == 1 ? "" : "es");
	return 0;
}

int ucap_reserve_set_dst(const char *text)
{
	return ucap_reserve_replace(text, false);
}

ssize_t ucap_reserve_show_dst(char *buf)
{
	const struct ucap_reserve_list *l;
	ssize_t n = 0;
	unsigned int i;

	rcu_read_lock();
	l = rcu_dereference(ucap_reserve_list);
	for (i = 0; l && i < l->n; i++) {
		const struct ucap_prefix *p = &l->p[i];

		if (p->family == AF_INET)
			n += sysfs_emit_at(buf, n, "%s%pI4/%u", i ? "," : "",
					   &p->addr.s6_addr32[0], p->len);
		else
			n += sysfs_emit_at(buf, n, "%s%pI6c/%u", i ? "," : "", &p->addr, p->len);
	}
	rcu_read_unlock();
	n += sysfs_emit_at(buf, n, "\n");
	return n;
}

static bool ucap_reserve_has(const struct ucap_reserve_list *l, u8 family,
			     const struct in6_addr *a6, __be32 a4)
{
	unsigned int i;

	for (i = 0; i < l->n; i++) {
		const struct ucap_prefix *p = &l->p[i];

		if (p->family != family)
			continue;
		if (family == AF_INET ? ucap_prefix_has4(p, a4) :
		    ipv6_prefix_equal(a6, &p->addr, p->len))
			return true;
	}
	return false;
}

/* The egress hook, RCU read side: may this packet use the reserve? */
bool ucap_reserve_match(const struct sk_buff *skb)
{
	const struct ucap_reserve_list *l = rcu_dereference(ucap_reserve_list);
	int off = skb_network_offset(skb);

	if (!l || !l->n)
		return false;
	switch (skb->protocol) {
	case htons(ETH_P_ARP):
		return true;
	case htons(ETH_P_IP): {
		struct iphdr _iph;
		const struct iphdr *iph;

		iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
		return iph && iph->version == 4 && ucap_reserve_has(l, AF_INET, NULL, iph->daddr);
	}
	case htons(ETH_P_IPV6): {
		struct ipv6hdr _ip6h;
		const struct ipv6hdr *ip6h;
		u8 _type;
		const u8 *type;

		ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
		if (!ip6h || ip6h->version != 6)
			return false;
		if (ucap_reserve_has(l, AF_INET6, &ip6h->daddr, 0))
			return true;
		if (ip6h->nexthdr != IPPROTO_ICMPV6)
			return false;
		type = skb_header_pointer(skb, off + sizeof(*ip6h), 1, &_type);
		return type && *type >= NDISC_ROUTER_SOLICITATION &&
		       *type <= NDISC_NEIGHBOUR_ADVERTISEMENT;
	}
	}
	return false;
}

/* Whether text is a list the parameter would take (tpm.c: the policy's). */
int ucap_reserve_check_dst(const char *text)
{
	struct ucap_reserve_list *l;
	int err;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	err = ucap_reserve_parse(text, l);
	kfree(l);
	return err;
}

/*
 * At load, before any hook (tpm.c): the TPM policy holds the reserve's
 * destinations to policy_text (checked). A list not within it is replaced
 * by the policy's, which is then the widest there is.
 */
void ucap_reserve_hold_dst(const char *policy_text)
{
	struct ucap_reserve_list *held, *cur;
	unsigned int n = 0;
	bool within;

	held = kzalloc(sizeof(*held), GFP_KERNEL);
	if (!held || ucap_reserve_parse(policy_text, held)) {
		kfree(held);
		held = NULL;	/* unsure: none */
	}
	mutex_lock(&ucap_reserve_lock);
	cur = rcu_dereference_protected(ucap_reserve_list, lockdep_is_held(&ucap_reserve_lock));
	within = !cur || (held && ucap_reserve_narrows(cur, held));
	if (!within) {
		n = held ? held->n : 0;
		rcu_assign_pointer(ucap_reserve_list, held);
		held = NULL;
	}
	mutex_unlock(&ucap_reserve_lock);
	if (!within) {
		pr_warn("TPM anchor: reserve_dst is not within the policy's: the policy's (%u prefix%s) applies\n",
			n, n == 1 ? "" : "es");
		/* No hook yet, and no sysfs file: nothing reads the old list. */
		kfree(cur);
	}
	kfree(held);
}

int ucap_reserve_init(void)
{
	int err;

	if (!reserve_dst || !*reserve_dst)
		return 0;
	/* Armed by cap_bytes= already: the parameter sets the list first. */
	err = ucap_reserve_replace(reserve_dst, true);
	if (err)
		pr_err("reserve_dst=%s: not a list of at most %d prefixes: %d\n", reserve_dst,
		       UCAP_RESERVE_MAX_DST, err);
	return err;
}

void ucap_reserve_exit(void)
{
	/* No hook and no sysfs file is left: nothing reads the list. */
	kfree(rcu_dereference_protected(ucap_reserve_list, true));
	RCU_INIT_POINTER(ucap_reserve_list, NULL);
}
