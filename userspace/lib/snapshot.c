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
	free(c->hooks);
	c->hooks = NULL;
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
	c->hooks = malloc((links->n ? links->n : 1) * sizeof(*c->hooks));
	if (tab)
		c->tab = malloc(UCAP_MAX_SLOTS * sizeof(*c->tab));
	if (!c->hooks || (tab && !c->tab) || links_copy(&c->links, links)) {
		cache_drop(c);	/* no cache: the next snapshot reads all */
		return;
	}
	if (tab)
		memcpy(c->tab, tab, UCAP_MAX_SLOTS * sizeof(*c->tab));
	for (i = 0; i < links->n; i++)
		c->hooks[i] = (struct ucap_hook){ s->ifs[i].prog_id, 0, s->ifs[i].attach };
	c->valid = true;
	c->age = 0;
}

/*
 * A cached device's program. Detaching a tcx link sends no notification:
 * each snapshot asks the device's tcx chain whether it still holds the
 * program, one bpf() call; a device whose chain changed is read in full
 * (*stale), and so is everything at the next snapshot.
 */
static int cached_hook(const struct ucap_snapshot_cache *c, size_t i, struct ucap_if_stat *st,
		       bool *stale)
{
	const struct ucap_hook *h = &c->hooks[i];
	int ret;

	st->prog_id = h->prog_id;
	st->attach = h->attach;
	if (h->attach != UCAP_ATTACH_TCX || !h->prog_id)
		return 0;
	ret = ucap_tcx_holds(st->link.ifindex, h->prog_id);
	if (ret == 0)
		*stale = true;
	return ret < 0 ? ret : 0;
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
	struct ucap_hook hook;
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
		st->slot = -1;
		if (s->module_present)
			st->mod = ucap_module_dev(&s->module, s->ns.ino, st->link.ifindex);
		md = ucap_module_dev(&lo, s->ns.ino, st->link.ifindex);
		if (md && st->mod && md->bytes <= st->mod->bytes)
			st->mod_bytes_lo = md->bytes;
		dev_stale = stale;
		ret = full || dev_stale ? 0 : cached_hook(cache, i, st, &dev_stale);
		if (full || dev_stale)
			ret = ucap_meter_hook_of(st->link.ifindex, tab, &hook);
		if (ret && s->meter_denied && (ret == -EPERM || ret == -EACCES)) {
			ucap_clear_why();
			ret = 0;
		}
		if (ret)
			goto free_ifs;
		if (full || dev_stale) {
			st->prog_id = hook.prog_id;
			st->attach = hook.attach;
		}
		stale |= dev_stale;
		if (!tab)
			continue;
		ret = ucap_meter_slot_of(tab, &s->ns, &st->link, st->prog_id);
		if (ret < 0)
			continue;
		st->slot = ret;
		st->attached = st->prog_id && tab[ret].prog_id == st->prog_id;
		st->bpf = cnt[ret];
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
