// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink readers (libmnl): the devices of the current network namespace
 * with their own tx counters, and how many tc filters a clsact holds.
 *
 * Device figures come from rtnetlink, never from /sys/class/net: sysfs shows
 * the namespace that mounted it, which is not ours under nsenter --net.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "ucap.h"

typedef int (*ucap_rtnl_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Send one dump request and feed every answer to cb. The buffer holds the
 * request on the way out and a batch of answers on the way back.
 */
/* A socket for requests; with groups, also for those notifications. */
static int rtnl_open(unsigned int groups, struct mnl_socket **out)
{
	struct mnl_socket *nl;
	int ret;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | (groups ? SOCK_NONBLOCK : 0));
	if (!nl)
		return ucap_fail(errno, "rtnetlink socket: %m");
	if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		ret = ucap_fail(errno, "rtnetlink bind: %m");
		mnl_socket_close(nl);
		return ret;
	}
	*out = nl;
	return 0;
}

static int rtnl_dump(struct nlmsghdr *req, ucap_rtnl_cb cb, void *data)
{
	size_t buflen = 32768;	/* a batch of dump answers */
	struct mnl_socket *nl = NULL;
	unsigned int seq, portid;
	char *buf;
	ssize_t n;
	int ret;

	ret = rtnl_open(0, &nl);
	if (ret)
		return ret;
	portid = mnl_socket_get_portid(nl);
	seq = req->nlmsg_seq = (unsigned int)time(NULL);

	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		ret = ucap_fail(errno, "rtnetlink send: %m");
		goto close_socket;
	}
	buf = malloc(buflen);
	if (!buf) {
		ret = -ENOMEM;
		goto close_socket;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, buflen);
		if (n < 0) {
			ret = ucap_fail(errno, "rtnetlink receive: %m");
			break;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, portid,
				 (mnl_cb_t)cb, data);
		if (ret < 0) {
			ret = ucap_fail(errno, "rtnetlink dump: %m");
			break;
		}
		if (ret == MNL_CB_STOP) {
			ret = 0;
			break;
		}
	}
	free(buf);
close_socket:
	mnl_socket_close(nl);
	return ret;
}

struct link_attrs {
	const struct nlattr *tb[IFLA_MAX + 1];
};

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct link_attrs *la = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	la->tb[type] = attr;
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct ucap_links *links = data;
	struct link_attrs la = { 0 };
	struct ucap_link *l, *v;

	mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, &la);
	if (!la.tb[IFLA_IFNAME])
		return MNL_CB_OK;

	v = realloc(links->v, (links->n + 1) * sizeof(*v));
	if (!v) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	links->v = v;
	l = &v[links->n++];
	memset(l, 0, sizeof(*l));
	l->ifindex = (__u32)ifm->ifi_index;
	l->flags = ifm->ifi_flags;
	l->type = ifm->ifi_type;
	strncpy(l->name, mnl_attr_get_str(la.tb[IFLA_IFNAME]), sizeof(l->name) - 1);
	if (la.tb[IFLA_ADDRESS]) {
		size_t alen = mnl_attr_get_payload_len(la.tb[IFLA_ADDRESS]);

		if (alen > sizeof(l->addr))
			alen = sizeof(l->addr);
		memcpy(l->addr, mnl_attr_get_payload(la.tb[IFLA_ADDRESS]), alen);
		l->addr_len = (__u32)alen;
	}
	if (la.tb[IFLA_STATS64] &&
	    mnl_attr_get_payload_len(la.tb[IFLA_STATS64]) >= sizeof(struct rtnl_link_stats64)) {
		struct rtnl_link_stats64 st;

		/* The attribute is only 4-byte aligned: copy, do not cast. */
		memcpy(&st, mnl_attr_get_payload(la.tb[IFLA_STATS64]), sizeof(st));
		l->tx_bytes = st.tx_bytes;
		l->tx_packets = st.tx_packets;
	}
	return MNL_CB_OK;
}

static int link_cmp(const void *a, const void *b)
{
	const struct ucap_link *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

int ucap_links_get(struct ucap_links *links)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	int ret;

	links->v = NULL;
	links->n = 0;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;

	ret = rtnl_dump(nlh, link_cb, links);
	if (ret < 0) {
		ucap_links_free(links);
		return ret;
	}
	qsort(links->v, links->n, sizeof(*links->v), link_cmp);
	return 0;
}

struct stats_refresh {
	struct ucap_links *links;
	size_t seen;
	bool stale;
};

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct if_stats_msg *ism = mnl_nlmsg_get_payload(nlh);
	struct stats_refresh *r = data;
	struct ucap_link key = { .ifindex = ism->ifindex }, *l;
	const struct nlattr *attr;

	l = bsearch(&key, r->links->v, r->links->n, sizeof(key), link_cmp);
	if (!l) {
		r->stale = true;	/* a device we do not know of */
		return MNL_CB_OK;
	}
	r->seen++;
	mnl_attr_for_each(attr, nlh, sizeof(*ism)) {
		struct rtnl_link_stats64 st;

		if (mnl_attr_get_type(attr) != IFLA_STATS_LINK_64 ||
		    mnl_attr_get_payload_len(attr) < sizeof(st))
			continue;
		memcpy(&st, mnl_attr_get_payload(attr), sizeof(st));
		l->tx_bytes = st.tx_bytes;
		l->tx_packets = st.tx_packets;
	}
	return MNL_CB_OK;
}

int ucap_links_refresh_stats(struct ucap_links *links)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct stats_refresh r = { .links = links };
	struct if_stats_msg *ism;
	struct nlmsghdr *nlh;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETSTATS;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ism = mnl_nlmsg_put_extra_header(nlh, sizeof(*ism));
	ism->family = AF_UNSPEC;
	ism->filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64);
	ret = rtnl_dump(nlh, stats_cb, &r);
	if (ret < 0)
		return ret;
	if (r.stale || r.seen != links->n)
		return -ESTALE;
	return 0;
}

int ucap_watch_open(struct ucap_watch *w)
{
	w->nl = NULL;
	return rtnl_open(RTMGRP_LINK | RTMGRP_TC, &w->nl);
}

/*
 * Notifications are only a hint that something changed; what matters is
 * that none is missed: an overrun (ENOBUFS) counts as a change.
 */
int ucap_watch_changed(struct ucap_watch *w)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool changed = false;
	ssize_t n;

	for (;;) {
		n = mnl_socket_recvfrom(w->nl, buf, sizeof(buf));
		if (n > 0) {
			changed = true;
			continue;
		}
		if (n < 0 && errno == ENOBUFS) {
			changed = true;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return ucap_fail(errno, "rtnetlink notifications: %m");
		if (n < 0 && errno == EINTR)
			continue;
		return changed;
	}
}

void ucap_watch_close(struct ucap_watch *w)
{
	if (w->nl)
		mnl_socket_close(w->nl);
	w->nl = NULL;
}

void ucap_links_free(struct ucap_links *links)
{
	free(links->v);
	links->v = NULL;
	links->n = 0;
}

const struct ucap_link *ucap_links_find(const struct ucap_links *links,
					const char *name)
{
	size_t i;

	for (i = 0; i < links->n; i++)
		if (!strcmp(links->v[i].name, name))
			return &links->v[i];
	return NULL;
}

bool ucap_link_is_loopback(const struct ucap_link *link)
{
	return (link->flags & IFF_LOOPBACK) || link->type == ARPHRD_LOOPBACK;
}

static int filter_cb(const struct nlmsghdr *nlh, void *data)
{
	unsigned int *count = data;

	if (nlh->nlmsg_type == RTM_NEWTFILTER)
		(*count)++;
	return MNL_CB_OK;
}

int ucap_tc_count_filters(__u32 ifindex, unsigned int *count)
{
	static const __u32 hooks[] = { TC_H_MIN_INGRESS, TC_H_MIN_EGRESS };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;
	unsigned int i;
	int ret;

	*count = 0;
	for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETTFILTER;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
		tcm->tcm_family = AF_UNSPEC;
		tcm->tcm_ifindex = (int)ifindex;
		tcm->tcm_parent = TC_H_MAKE(TC_H_CLSACT, hooks[i]);
		ret = rtnl_dump(nlh, filter_cb, count);
		if (ret < 0)
			return ret;
	}
	return 0;
}
