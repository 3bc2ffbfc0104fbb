// SPDX-License-Identifier: GPL-2.0
/*
 * One reading of every meter for the devices of the current network
 * namespace. The commands render it; the agent compares successive ones.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ucap.h"

/* Every slot in use into cnt; the retired slot; the sum over all. */
static int meter_read(const struct ucap_meter *m, const struct ucap_iface *tab,
		      struct ucap_counters *cnt, struct ucap_snapshot *s)
{
	struct ucap_counters *c;
	__u32 slot;
	int ret;

	for (slot = 0; slot < UCAP_MAX_SLOTS; slot++) {
		if (tab[slot].state == UCAP_SLOT_FREE)
			continue;
		c = &cnt[slot];
		ret = ucap_meter_counters(m, slot, c);
		if (ret)
			return ret;
		if (slot == UCAP_SLOT_RETIRED)
			s->retired = *c;
		s->total.bytes += c->bytes;
		s->total.wire_bytes += c->wire_bytes;
		s->total.packets += c->packets;
		s->total.segments += c->segments;
	}
	return 0;
}

int ucap_snapshot_cache_init(struct ucap_snapshot_cache *c)
{
	memset(c, 0, sizeof(*c));
	return ucap_watch_open(&c->watch);
}

static void cache_drop(struct ucap_snapshot_cache *c)
{
	ucap_links_free(&c->links);
	free(c->devs);
	c->devs = NULL;
	free(c->tab);
	c->tab = NULL;
	c->valid = false;
}

void ucap_snapshot_cache_free(struct ucap_snapshot_cache *c)
{
	cache_drop(c);
	ucap_watch_close(&c->watch);
}

static int links_copy(struct ucap_links *dst, const struct ucap_links *src)
{
	dst->n = 0;
	dst->v = malloc((src->n ? src->n : 1) * sizeof(*dst->v));
	if (!dst->v)
		return -ENOMEM;
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = src->n;
	return 0;
}

/*
 * The devices, with fresh tx counters: from the cache when it is still
 * good (*full false), else a full link dump (*full true). Notifications
 * are drained before reading, so a change during the reading is seen the
 * next time.
 */
static int links_read(struct ucap_snapshot_cache *c, struct ucap_links *links, bool *full)
{
	int ret;

	*full = true;
	if (c) {
		ret = ucap_watch_changed(&c->watch);
		if (ret < 0)
			return ret;
		if (!ret && c->valid && c->age < UCAP_SNAPSHOT_FULL_EVERY) {
			ret = links_copy(links, &c->links);
			if (ret)
				return ret;
			ret = ucap_links_refresh_stats(links);
			if (!ret) {
				*full = false;
				return 0;
			}
			ucap_links_free(links);
			if (ret != -ESTALE)
				return ret;
			ucap_clear_why();
		}
	}
	return ucap_links_get(links);
}

/* Keep a full reading's devices, programs and slot table for the next snapshots. */
static void cache_keep(struct ucap_snapshot_cache *c, const struct ucap_links *links,
		       const struct ucap_snapshot *s, const struct ucap_iface *tab)
{
	size_t i;

	cache_drop(c);
	c->devs = malloc((links->n ? links->n : 1) * sizeof(*c->devs));
	if (tab)
		c->tab = malloc(UCAP_MAX_SLOTS * sizeof(*c->tab));
	if (!c->devs || (tab && !c->tab) || links_copy(&c->links, links)) {
		cache_drop(c);	/* no cache: the next snapshot reads all */
		return;
	}
	if (tab)
		memcpy(c->tab, tab, UCAP_MAX_SLOTS * sizeof(*c->tab));
	for (i = 0; i < links->n; i++)
		c->devs[i] = (struct ucap_cached_dev){
			.hook = { s->ifs[i].prog_id, 0, s->ifs[i].attach },
			.tx_packets = s->ifs[i].link.tx_packets,
			.bpf_packets = s->ifs[i].bpf.packets,
		};
	c->valid = true;
	c->age = 0;
}

/*
 * Is it time to ask a cached device's tcx chain whether it still holds
 * the meter? Detaching a tcx link sends no notification, and asking costs
 * a bpf() call under the kernel's rtnl lock: each snapshot asks a third
 * of the devices in turn, so each within UCAP_TCX_SWEEP snapshots, and
 * at once any device that sent more packets than the meter counted since
 * the last snapshot (the meter runs first: all it sends passes it).
 */
static bool tcx_due(const struct ucap_snapshot_cache *c, size_t i,
		    const struct ucap_if_stat *st)
{
	const struct ucap_cached_dev *d = &c->devs[i];

	if (st->attach != UCAP_ATTACH_TCX || !st->prog_id)
		return false;
	if (i % UCAP_TCX_SWEEP == c->age % UCAP_TCX_SWEEP)
		return true;
	if (st->link.tx_packets < d->tx_packets || st->bpf.packets < d->bpf_packets)
		return true;
	return st->link.tx_packets - d->tx_packets > st->bpf.packets - d->bpf_packets;
}

/* The device's slot and what the meter counted there, from its program. */
static void meter_fill(struct ucap_if_stat *st, const struct ucap_iface *tab,
		       const struct ucap_counters *cnt, const struct ucap_netns *ns)
{
	int slot;

	st->slot = -1;
	st->attached = false;
	memset(&st->bpf, 0, sizeof(st->bpf));
	if (!tab)
		return;
	slot = ucap_meter_slot_of(tab, ns, &st->link, st->prog_id);
	if (slot < 0)
		return;
	st->slot = slot;
	st->attached = st->prog_id && tab[slot].prog_id == st->prog_id;
	st->bpf = cnt[slot];
}

/* The device's program, read from the kernel: tcx chain, clsact position. */
static int hook_read(struct ucap_if_stat *st, const struct ucap_iface *tab, bool denied)
{
	struct ucap_hook hook;
	int ret = ucap_meter_hook_of(st->link.ifindex, tab, &hook);

	if (ret && denied && (ret == -EPERM || ret == -EACCES)) {
		ucap_clear_why();
		ret = 0;
		memset(&hook, 0, sizeof(hook));
	}
	if (ret)
		return ret;
	st->prog_id = hook.prog_id;
	st->attach = hook.attach;
	return 0;
}

/*
 * The counters are read one right after the other (module devices,
 * devices, BPF meter, module) and only then come the tc queries, which
 * are slow: the three meters are seen as nearly at one instant as
 * userspace can, and both the devices' counters and the BPF meter's are
 * bracketed by two readings of the module's (mod_bytes_lo before them,
 * mod after).
 */
int ucap_snapshot_take(struct ucap_snapshot *s, const char *pin_dir,
		       const char *sysfs_dir, struct ucap_snapshot_cache *cache)
{
	struct ucap_counters *cnt = NULL;
	struct ucap_iface *tab = NULL;
	struct ucap_links links = { 0 };
	struct ucap_module lo = { 0 };
	const struct ucap_mod_dev *md;
	struct ucap_meter m;
	bool full, stale = false, dev_stale;
	size_t i;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = ucap_netns_self(&s->ns);
	if (ret)
		return ret;
	/*
	 * Only a reader comparing growths (the agent, with a cache) needs the
	 * lower bounds. Absent or unreadable: every one is 0.
	 */
	if (cache && ucap_module_read_devices(&lo, sysfs_dir))
		ucap_clear_why();
	ret = links_read(cache, &links, &full);
	if (ret)
		goto free_lo;

	ret = ucap_meter_open(&m, pin_dir);
	if (ret == 0) {
		s->meter_present = true;
		tab = malloc(UCAP_MAX_SLOTS * sizeof(*tab));
		cnt = calloc(UCAP_MAX_SLOTS, sizeof(*cnt));
		if (!tab || !cnt) {
			ret = -ENOMEM;
			goto free_tab;
		}
		ret = ucap_meter_ifaces(&m, tab);
		if (!ret)
			ret = meter_read(&m, tab, cnt, s);
		if (ret)
			goto free_tab;
	} else if (ret == -EPERM || ret == -EACCES) {
		/* The kernel lets only CAP_BPF read maps: counted, not shown. */
		s->meter_denied = true;
		ucap_clear_why();
	} else if (ret != -ENOENT) {
		goto free_links;
	}

	/*
	 * uploadctl attach or detach changed the slot table (on tcx that is
	 * all that shows): every device's program is read again.
	 */
	if (!full && (!tab != !cache->tab ||
		      (tab && memcmp(tab, cache->tab, UCAP_MAX_SLOTS * sizeof(*tab)))))
		stale = true;

	ret = ucap_module_read(&s->module, sysfs_dir);
	if (ret && ret != -ENOENT)
		goto free_tab;
	s->module_present = !ret;
	ucap_clear_why();

	s->ifs = calloc(links.n ? links.n : 1, sizeof(*s->ifs));
	if (!s->ifs) {
		ret = -ENOMEM;
		goto free_tab;
	}
	for (i = 0; i < links.n; i++) {
		struct ucap_if_stat *st = &s->ifs[i];

		st->link = links.v[i];
		if (s->module_present)
			st->mod = ucap_module_dev(&s->module, s->ns.ino, st->link.ifindex);
		md = ucap_module_dev(&lo, s->ns.ino, st->link.ifindex);
		if (md && st->mod && md->bytes <= st->mod->bytes)
			st->mod_bytes_lo = md->bytes;
		dev_stale = stale;
		if (full || dev_stale) {
			ret = hook_read(st, tab, s->meter_denied);
			if (ret)
				goto free_ifs;
		} else {
			st->prog_id = cache->devs[i].hook.prog_id;
			st->attach = cache->devs[i].hook.attach;
		}
		meter_fill(st, tab, cnt, &s->ns);
		if (!full && !dev_stale && tcx_due(cache, i, st)) {
			ret = ucap_tcx_holds(st->link.ifindex, st->prog_id);
			if (ret < 0)
				goto free_ifs;
			if (!ret) {
				/* Its chain changed: read it in full. */
				dev_stale = true;
				ret = hook_read(st, tab, s->meter_denied);
				if (ret)
					goto free_ifs;
				meter_fill(st, tab, cnt, &s->ns);
			}
		}
		stale |= dev_stale;
		if (cache && !full) {
			cache->devs[i].tx_packets = st->link.tx_packets;
			cache->devs[i].bpf_packets = st->bpf.packets;
		}
	}
	s->n = links.n;
	if (cache && full)
		cache_keep(cache, &links, s, tab);
	else if (cache && stale)
		cache_drop(cache);	/* the next snapshot reads everything */
	else if (cache)
		cache->age++;
	ret = 0;
	goto free_tab;

free_ifs:
	free(s->ifs);
	s->ifs = NULL;
free_tab:
	free(cnt);
	free(tab);
	if (s->meter_present)
		ucap_meter_close(&m);
free_links:
	ucap_links_free(&links);
	if (ret)
		ucap_module_free(&s->module);
free_lo:
	ucap_module_free(&lo);
	return ret;
}

void ucap_snapshot_free(struct ucap_snapshot *s)
{
	free(s->ifs);
	s->ifs = NULL;
	s->n = 0;
	ucap_module_free(&s->module);
}

int ucap_snapshot_take_any_user(struct ucap_snapshot *s, const char *pin_dir,
				const char *sysfs_dir)
{
	int ret = ucap_require_bpf();

	/* bpf() refused (kernels before 6.5, unprivileged BPF off): no meter. */
	if (ret == -EPERM) {
		ucap_clear_why();
		ret = 0;
	}
	return ret ?: ucap_snapshot_take(s, pin_dir, sysfs_dir, NULL);
}
