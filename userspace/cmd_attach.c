// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl attach / detach: put uploadcap's egress meter on devices of the
 * current network namespace and take it off again.
 *
 * Each attached device runs its own copy of the program with its slot in
 * .rodata (see bpf/ucap_meter_abi.h). Where the kernel has tcx, the program
 * runs in a tcx link put first in the device's egress chain and pinned in
 * the pin directory; detach detaches that link only. Elsewhere it is a
 * filter on the clsact egress hook at priority UCAP_TC_PRIO with handle
 * UCAP_TC_HANDLE; detach removes that filter only, and the clsact qdisc
 * only if uploadctl created it and no filter of anyone else is left on it.
 *
 * Every change to the slot table happens under flock() on the pin
 * directory, so concurrent uploadctl runs cannot hand out a slot twice.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "uploadctl.h"
#include "uploadcap.skel.h"

enum tc_verb { VERB_ATTACH, VERB_DETACH };

struct tc_ctx {
	enum tc_verb verb;
	enum ucap_attach mode;	/* for new attachments; chosen in run() */
	struct ucap_meter m;
	struct ucap_netns ns;
	struct ucap_links links;
	struct ucap_iface *tab;	/* the slot table, kept in step with the map */
	json_object *results;	/* --json: one object per device */
};

static const char attach_help[] =
	"Usage: uploadctl attach [--json] [--mode MODE] IFACE...\n"
	"       uploadctl attach [--json] [--mode MODE] --all\n"
	"\n"
	"Attach uploadcap's egress meter, a tc BPF program, to devices of the\n"
	"current network namespace. --all takes every device but loopback.\n"
	"MODE: tcx (first in the device's tcx egress chain, a link pinned in the\n"
	"pin directory; kernel 6.6 or later), clsact (a filter on the clsact\n"
	"egress hook, priority 1), or auto (the default: tcx where the kernel\n"
	"has it). Attaching an attached device does nothing, whatever MODE says;\n"
	"counts continue where they were. Other tcx programs, an existing clsact\n"
	"qdisc and other tc filters are left as they are and keep deciding\n"
	"packets' fate.\n"
	"\n"
	"For another network namespace: nsenter --net=/run/netns/NAME uploadctl ...\n"
	"(not 'ip netns exec', which hides the host's bpffs).\n";

static const char detach_help[] =
	"Usage: uploadctl detach [--json] IFACE...\n"
	"       uploadctl detach [--json] --all\n"
	"\n"
	"Remove uploadcap's egress meter from devices of the current network\n"
	"namespace. Only uploadcap's own tcx link or tc filter is removed; other\n"
	"programs and filters stay, and so does the clsact qdisc unless uploadctl\n"
	"created it and nothing else uses it. The device's counts are kept and\n"
	"continue on the next attach.\n";

static void report(struct tc_ctx *c, const struct ucap_link *l, const char *result,
		   int slot, enum ucap_attach attach)
{
	const char *mode = ucap_attach_name(attach);
	json_object *o;

	if (!uctl.json) {
		if (slot >= 0)
			printf("%s: %s (slot %d, %s)\n", l->name, result, slot, mode);
		else
			printf("%s: %s\n", l->name, result);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(l->name));
	json_object_object_add(o, "ifindex", json_object_new_uint64(l->ifindex));
	json_object_object_add(o, "result", json_object_new_string(result));
	json_object_object_add(o, "attach", mode ? json_object_new_string(mode) : NULL);
	json_object_array_add(c->results, o);
}

/* Open the pinned maps, creating and pinning them the first time. */
static int meter_open_or_create(struct tc_ctx *c)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = uctl.pin_dir);
	struct ucap_meta meta;
	struct uploadcap *skel = NULL;
	__u32 key = 0;
	int ret;

	ret = ucap_meter_open(&c->m, uctl.pin_dir);
	if (ret != -ENOENT)
		goto check_meta;

	/* Load only the maps: libbpf creates them and pins them by name. */
	skel = uploadcap__open_opts(&oo);
	if (!skel)
		return ucap_fail(errno, "open the BPF object: %m");
	bpf_program__set_autoload(skel->progs.ucap_egress, false);
	ret = uploadcap__load(skel);
	uploadcap__destroy(skel);
	if (ret)
		return ucap_fail(ret, "create the meter's maps in %s: %s", uctl.pin_dir,
				 strerror(-ret));
	ret = ucap_meter_open(&c->m, uctl.pin_dir);
check_meta:
	if (ret)
		return ret;
	if (bpf_map_lookup_elem(c->m.meta_fd, &key, &meta))
		return ucap_fail(errno, "read %s/%s: %m", uctl.pin_dir, UCAP_MAP_META);
	if (meta.magic == 0)
		return ucap_meter_init_meta(&c->m);
	return 0;
}

static void record_device(struct ucap_iface *ifc, const struct tc_ctx *c,
			  const struct ucap_link *l)
{
	ifc->netns_cookie = c->ns.cookie;
	ifc->netns_ino = c->ns.ino;
	ifc->ifindex = l->ifindex;
	ifc->addr_len = l->addr_len;
	memset(ifc->addr, 0, sizeof(ifc->addr));
	memcpy(ifc->addr, l->addr, l->addr_len);
	memset(ifc->name, 0, sizeof(ifc->name));
	memcpy(ifc->name, l->name, strnlen(l->name, sizeof(ifc->name) - 1));
}

static int set_slot(struct tc_ctx *c, __u32 slot, const struct ucap_iface *ifc)
{
	int ret = ucap_meter_set_iface(&c->m, slot, ifc);

	if (!ret)
		c->tab[slot] = *ifc;
	return ret;
}

/*
 * Only for a slot whose program can add to it no more (!slot_live). A tcx
 * slot's dead link may still hold the program: its pin goes first.
 */
static int reclaim(struct tc_ctx *c, __u32 slot)
{
	int ret = 0;

	if (c->tab[slot].flags & UCAP_IFACE_F_TCX)
		ret = ucap_tcx_link_unpin(uctl.pin_dir, slot);
	if (!ret)
		ret = ucap_meter_reclaim(&c->m, slot);

	if (!ret)
		memset(&c->tab[slot], 0, sizeof(c->tab[slot]));
	return ret;
}

/*
 * Can this slot's program still add to it? A tcx link that its device's
 * going (or bpftool link detach) took off the device keeps the program
 * alive while pinned, but runs it nowhere. Unsure (an error): live.
 */
static bool slot_live(const struct ucap_iface *ifc)
{
	if (ifc->state != UCAP_SLOT_ATTACHED || !ucap_prog_exists(ifc->prog_id))
		return false;
	if (!(ifc->flags & UCAP_IFACE_F_TCX))
		return true;
	if (ucap_tcx_link_dead(ifc) == 1)
		return false;
	ucap_clear_why();
	return true;
}

/*
 * Fold slots of this namespace whose device is gone into the retired
 * slot: their ifindex now names nothing or another device, and their
 * program no longer exists.
 */
static int reclaim_gone_here(struct tc_ctx *c)
{
	const struct ucap_link *l;
	__u32 s;
	size_t i;
	int ret;

	for (s = 1; s < UCAP_MAX_SLOTS; s++) {
		struct ucap_iface *ifc = &c->tab[s];

		if ((ifc->state != UCAP_SLOT_ATTACHED && ifc->state != UCAP_SLOT_DETACHED) ||
		    ifc->netns_cookie != c->ns.cookie || slot_live(ifc))
			continue;
		l = NULL;
		for (i = 0; i < c->links.n; i++)
			if (c->links.v[i].ifindex == ifc->ifindex)
				l = &c->links.v[i];
		if (l && ucap_iface_is(ifc, &c->ns, l))
			continue;
		ret = reclaim(c, s);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Last resort when every slot is taken: slots of other namespaces whose
 * program is gone. Their device may still exist (its filter removed by
 * hand); its counts then continue in the retired slot, never lost.
 */
static int reclaim_gone_anywhere(struct tc_ctx *c)
{
	__u32 s;
	int ret;

	for (s = 1; s < UCAP_MAX_SLOTS; s++) {
		if (c->tab[s].state != UCAP_SLOT_ATTACHED || slot_live(&c->tab[s]))
			continue;
		ret = reclaim(c, s);
		if (ret)
			return ret;
	}
	return 0;
}

static int free_slot(const struct tc_ctx *c)
{
	__u32 s;

	for (s = 1; s < UCAP_MAX_SLOTS; s++)
		if (c->tab[s].state == UCAP_SLOT_FREE)
			return (int)s;
	return -ENOSPC;
}

/* The slot to continue in, or a new one. */
static int pick_slot(struct tc_ctx *c, const struct ucap_link *l)
{
	int ret;
	__u32 s;

	for (s = 1; s < UCAP_MAX_SLOTS; s++)
		if (ucap_iface_is(&c->tab[s], &c->ns, l) && !slot_live(&c->tab[s]))
			return (int)s;

	ret = reclaim_gone_here(c);
	if (ret)
		return ret;
	ret = free_slot(c);
	if (ret >= 0)
		return ret;
	ret = reclaim_gone_anywhere(c);
	if (ret)
		return ret;
	ret = free_slot(c);
	if (ret < 0)
		return ucap_fail(ENOSPC, "all %u meter slots are in use by attached devices; "
				 "detach devices that no longer need metering",
				 UCAP_MAX_SLOTS - 1);
	return ret;
}

/*
 * One copy of the program for slot. For tcx libbpf links it with the
 * program's expected attach type; the kernel checks only the link's.
 */
static int load_prog(__u32 slot, enum ucap_attach mode, struct uploadcap **skelp,
		     __u32 *prog_id)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = uctl.pin_dir);
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	struct uploadcap *skel = NULL;
	int ret;

	skel = uploadcap__open_opts(&oo);
	if (!skel)
		return ucap_fail(errno, "open the BPF object: %m");
	skel->rodata->ucap_slot = slot;
	if (mode == UCAP_ATTACH_TCX)
		bpf_program__set_expected_attach_type(skel->progs.ucap_egress, BPF_TCX_EGRESS);
	ret = uploadcap__load(skel);
	if (ret) {
		ret = ucap_fail(ret, "load the BPF program: %s%s", strerror(-ret),
				ret == -EPERM ? " (needs CAP_BPF and CAP_NET_ADMIN)" : "");
		goto destroy;
	}
	ret = bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.ucap_egress), &info, &len);
	if (ret) {
		ret = ucap_fail(errno, "BPF program info: %m");
		goto destroy;
	}
	*prog_id = info.id;
	*skelp = skel;
	return 0;
destroy:
	uploadcap__destroy(skel);
	return ret;
}

/* Remove a clsact that we created if nothing of anyone else is on it. */
static int drop_own_clsact(__u32 ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	unsigned int filters;
	int ret;

	ret = ucap_tc_count_filters(ifindex, &filters);
	if (ret || filters)
		return ret;
	ret = bpf_tc_hook_destroy(&hook);
	if (ret && ret != -ENOENT && ret != -EINVAL)
		return ucap_fail(ret, "remove the clsact qdisc: %s", strerror(-ret));
	return 0;
}

/*
 * An existing attachment of ours on the device, or someone else's program
 * where ours would be: 1 when the device is done (already ours, re-keyed
 * after a move between namespaces), 0 when it has none, < 0 to refuse.
 */
static int already_attached(struct tc_ctx *c, const struct ucap_link *l)
{
	struct ucap_hook h;
	struct ucap_iface ifc;
	int ret, slot;
	__u32 s;

	ret = ucap_meter_hook_of(l->ifindex, c->tab, &h);
	if (ret || !h.prog_id)
		return ret;
	slot = ucap_meter_slot_by_prog(c->tab, h.prog_id);
	if (slot < 0 && h.attach == UCAP_ATTACH_TCX)
		return ucap_fail(EEXIST, "uploadcap's tcx link (id %u) runs another program "
				 "(id %u); not touching it", h.link_id, h.prog_id);
	if (slot < 0)
		return ucap_fail(EEXIST, "uploadcap's tc position (egress, priority %u, "
				 "handle 0x%x) holds another program (id %u); not touching it",
				 UCAP_TC_PRIO, UCAP_TC_HANDLE, h.prog_id);
	s = (__u32)slot;
	if (!ucap_iface_is(&c->tab[s], &c->ns, l) ||
	    strncmp(c->tab[s].name, l->name, sizeof(c->tab[s].name))) {
		ifc = c->tab[s];
		record_device(&ifc, c, l);
		ret = set_slot(c, s, &ifc);
		if (ret)
			return ret;
	}
	report(c, l, "already attached", (int)s, h.attach);
	return 1;
}

/*
 * Give the slot to the device and its new program, before the program is
 * attached: a running program always has its slot. *ifc: what was written.
 */
static int claim_slot(struct tc_ctx *c, const struct ucap_link *l, __u32 slot, __u32 prog_id,
		      __u32 flags, struct ucap_iface *ifc)
{
	memset(ifc, 0, sizeof(*ifc));
	record_device(ifc, c, l);
	ifc->state = UCAP_SLOT_ATTACHED;
	ifc->prog_id = prog_id;
	ifc->flags = flags;
	return set_slot(c, slot, ifc);
}

static int attach_clsact(struct tc_ctx *c, const struct ucap_link *l, int slot)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)l->ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = UCAP_TC_HANDLE,
		    .priority = UCAP_TC_PRIO);
	struct ucap_iface old = c->tab[slot], ifc;
	struct uploadcap *skel = NULL;
	bool own_clsact;
	__u32 prog_id;
	int ret;

	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST)
		return ucap_fail(ret, "create the clsact qdisc: %s", strerror(-ret));
	/*
	 * Only a clsact made right here is ours to remove later: one that
	 * exists may be someone else's, even if we once made one on this
	 * device (it may have been removed and made again since).
	 */
	own_clsact = !ret;

	ret = load_prog((__u32)slot, UCAP_ATTACH_CLSACT, &skel, &prog_id);
	if (ret)
		goto undo_clsact;

	ret = claim_slot(c, l, (__u32)slot, prog_id, own_clsact ? UCAP_IFACE_F_OWN_CLSACT : 0,
			 &ifc);
	if (ret)
		goto destroy_skel;

	opts.prog_fd = bpf_program__fd(skel->progs.ucap_egress);
	ret = bpf_tc_attach(&hook, &opts);
	if (ret) {
		ret = ucap_fail(ret, "attach to tc egress (priority %u, handle 0x%x): %s%s",
				UCAP_TC_PRIO, UCAP_TC_HANDLE, strerror(-ret),
				ret == -EINVAL ? " (is priority 1 held by a filter of another kind?)" : "");
		goto restore_slot;
	}
	/* The filter holds the program now; our descriptors can go. */
	uploadcap__destroy(skel);
	report(c, l, "attached", slot, UCAP_ATTACH_CLSACT);
	return 0;

restore_slot:
	set_slot(c, (__u32)slot, &old);
destroy_skel:
	uploadcap__destroy(skel);
undo_clsact:
	if (own_clsact)
		drop_own_clsact(l->ifindex);
	return ret;
}

static int link_id_of(const struct bpf_link *link, __u32 *id)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	int ret;

	memset(&info, 0, sizeof(info));
	ret = bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len);
	if (ret)
		return ucap_fail(ret, "BPF link info: %s", strerror(-ret));
	*id = info.id;
	return 0;
}

static int attach_tcx(struct tc_ctx *c, const struct ucap_link *l, int slot)
{
	/* First in the chain: the meter sees what every later program sees. */
	LIBBPF_OPTS(bpf_tcx_opts, opts, .flags = BPF_F_BEFORE);
	struct ucap_iface old = c->tab[slot], ifc;
	struct uploadcap *skel = NULL;
	struct bpf_link *link;
	char path[PATH_MAX];
	__u32 prog_id;
	int ret;

	ret = ucap_tcx_link_path(uctl.pin_dir, (__u32)slot, path, sizeof(path));
	if (ret)
		return ucap_fail(ret, "the tcx link's pin path under %s is too long", uctl.pin_dir);
	/* A pin left by this slot's last link, if a reclaim was cut short. */
	ret = ucap_tcx_link_unpin(uctl.pin_dir, (__u32)slot);
	if (ret)
		return ret;
	ret = load_prog((__u32)slot, UCAP_ATTACH_TCX, &skel, &prog_id);
	if (ret)
		return ret;

	ret = claim_slot(c, l, (__u32)slot, prog_id, UCAP_IFACE_F_TCX, &ifc);
	if (ret)
		goto destroy_skel;

	link = bpf_program__attach_tcx(skel->progs.ucap_egress, (int)l->ifindex, &opts);
	if (!link) {
		ret = ucap_fail(errno, "attach to tcx egress: %m");
		goto restore_slot;
	}
	/*
	 * The link's id is in the slot before the pin makes the link outlive
	 * us: a slot whose link is pinned always names it (ucap_tcx_link_dead).
	 * Until the pin, our descriptor is the link's only reference.
	 */
	ret = link_id_of(link, &ifc.link_id);
	if (!ret)
		ret = set_slot(c, (__u32)slot, &ifc);
	if (ret)
		goto destroy_link;
	ret = bpf_link__pin(link, path);
	if (ret) {
		ret = ucap_fail(ret, "pin the tcx link at %s: %s", path, strerror(-ret));
		goto destroy_link;
	}
	/* The pin holds the link, the link the program: our descriptors can go. */
	bpf_link__destroy(link);
	uploadcap__destroy(skel);
	report(c, l, "attached", slot, UCAP_ATTACH_TCX);
	return 0;

destroy_link:
	/* The last reference: closing it detaches the link. */
	bpf_link__destroy(link);
restore_slot:
	set_slot(c, (__u32)slot, &old);
destroy_skel:
	uploadcap__destroy(skel);
	return ret;
}

static int attach_one(struct tc_ctx *c, const struct ucap_link *l)
{
	int ret, slot;

	ret = already_attached(c, l);
	if (ret)
		return ret < 0 ? ret : 0;
	slot = pick_slot(c, l);
	if (slot < 0)
		return slot;
	if (c->mode == UCAP_ATTACH_TCX)
		return attach_tcx(c, l, slot);
	return attach_clsact(c, l, slot);
}

static int detach_one(struct tc_ctx *c, const struct ucap_link *l)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)l->ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = UCAP_TC_HANDLE,
		    .priority = UCAP_TC_PRIO);
	struct ucap_iface ifc;
	struct ucap_hook h;
	int ret, slot, fd;

	ret = ucap_meter_hook_of(l->ifindex, c->tab, &h);
	if (ret)
		return ret;
	slot = ucap_meter_slot_of(c->tab, &c->ns, l, h.prog_id);
	if (h.prog_id && (slot < 0 || c->tab[slot].prog_id != h.prog_id))
		return h.attach == UCAP_ATTACH_TCX ?
		       ucap_fail(EEXIST, "uploadcap's tcx link (id %u) runs another program "
				 "(id %u), not uploadcap's; not touching it", h.link_id, h.prog_id) :
		       ucap_fail(EEXIST, "the program at uploadcap's tc position (egress, "
				 "priority %u, handle 0x%x) is not uploadcap's (id %u); not "
				 "touching it", UCAP_TC_PRIO, UCAP_TC_HANDLE, h.prog_id);
	if (slot < 0) {
		report(c, l, "not attached", -1, UCAP_ATTACH_NONE);
		return 0;
	}
	ifc = c->tab[slot];
	if (h.prog_id && h.attach == UCAP_ATTACH_TCX) {
		fd = bpf_link_get_fd_by_id(h.link_id);
		if (fd < 0 && errno != ENOENT)
			return ucap_fail(errno, "open tcx link %u: %m", h.link_id);
		ret = fd < 0 ? 0 : bpf_link_detach(fd);
		if (fd >= 0)
			close(fd);
		if (ret && ret != -ENOLINK)
			return ucap_fail(ret, "detach tcx link %u: %s", h.link_id, strerror(-ret));
	} else if (h.prog_id) {
		ret = bpf_tc_detach(&hook, &opts);
		if (ret && ret != -ENOENT)
			return ucap_fail(ret, "detach from tc egress: %s", strerror(-ret));
	}
	/* Our pin, detached or dead: the link object goes with it. */
	if (ifc.flags & UCAP_IFACE_F_TCX) {
		ret = ucap_tcx_link_unpin(uctl.pin_dir, (__u32)slot);
		if (ret)
			return ret;
		ifc.flags &= ~UCAP_IFACE_F_TCX;
		ifc.link_id = 0;
	}
	/* In use by others: it stays, and from now on it is theirs. */
	if (ifc.flags & UCAP_IFACE_F_OWN_CLSACT) {
		ret = drop_own_clsact(l->ifindex);
		if (ret)
			return ret;
		ifc.flags &= ~UCAP_IFACE_F_OWN_CLSACT;
	}
	ifc.state = UCAP_SLOT_DETACHED;
	ifc.prog_id = 0;
	ret = set_slot(c, (__u32)slot, &ifc);
	if (ret)
		return ret;
	report(c, l, h.prog_id ? "detached" : "not attached", -1, UCAP_ATTACH_NONE);
	return 0;
}

/* Resolve names first: a typo attaches nothing rather than half. */
static int resolve(struct tc_ctx *c, int n, char **names, bool all,
		   const struct ucap_link ***out, size_t *count)
{
	const struct ucap_link **v;
	size_t i, k = 0;

	v = calloc(all ? c->links.n + 1 : (size_t)n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (all) {
		for (i = 0; i < c->links.n; i++)
			if (!ucap_link_is_loopback(&c->links.v[i]))
				v[k++] = &c->links.v[i];
	} else {
		for (i = 0; i < (size_t)n; i++) {
			const struct ucap_link *l = ucap_links_find(&c->links, names[i]);

			if (!l) {
				free(v);
				return uctl_errf("%s %s: no such interface in this network namespace",
						 c->verb == VERB_ATTACH ? "attach" : "detach",
						 names[i]);
			}
			if (c->verb == VERB_ATTACH && ucap_link_is_loopback(l)) {
				free(v);
				return uctl_errf("attach %s: loopback devices are not metered "
						 "(their traffic never leaves the host)", names[i]);
			}
			v[k++] = l;
		}
	}
	*out = v;
	*count = k;
	return 0;
}

/* auto: tcx where the kernel has it (6.6 and later), else clsact. */
static int choose_mode(const char *mode, enum ucap_attach *out)
{
	int tcx;

	*out = UCAP_ATTACH_CLSACT;
	if (!strcmp(mode, "clsact"))
		return 0;
	tcx = ucap_tcx_supported();
	if (tcx < 0)
		return tcx;
	if (!tcx && !strcmp(mode, "tcx"))
		return ucap_fail(EOPNOTSUPP, "--mode tcx: this kernel has no tcx "
				 "(Linux 6.6 or later); use --mode clsact or auto");
	if (tcx)
		*out = UCAP_ATTACH_TCX;
	return 0;
}

static int run(enum tc_verb verb, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "mode", required_argument, NULL, 'm' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = verb == VERB_ATTACH ? "attach" : "detach";
	struct tc_ctx c = { .verb = verb, .m = { .counters_fd = -1, .ifaces_fd = -1,
						  .meta_fd = -1 } };
	const struct ucap_link **devs = NULL;
	int opt, ret, lock_fd, status = UCTL_OK;
	const char *mode = "auto";
	bool all = false;
	size_t i, n = 0;

	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS "am:", longopts, NULL)) != -1) {
		if (opt == 'a') {
			all = true;
			continue;
		}
		if (opt == 'm' && verb == VERB_ATTACH) {
			mode = optarg;
			continue;
		}
		if (opt == 'm')
			return uctl_usage_err(cmd, "--mode is for attach");
		ret = uctl_common_opt(opt, argv, cmd, verb == VERB_ATTACH ? attach_help : detach_help);
		if (ret >= 0)
			return ret;
	}
	if (all && optind < argc)
		return uctl_usage_err(cmd, "give interfaces or --all, not both");
	if (!all && optind >= argc)
		return uctl_usage_err(cmd, "no interface given (IFACE... or --all)");
	if (strcmp(mode, "auto") && strcmp(mode, "tcx") && strcmp(mode, "clsact"))
		return uctl_usage_err(cmd, "--mode: '%s' is not auto, tcx or clsact", mode);

	ret = ucap_require_root();
	if (!ret)
		ret = ucap_require_bpf();
	if (ret)
		return uctl_err(cmd, ret);
	ret = choose_mode(mode, &c.mode);
	if (ret)
		return uctl_err(cmd, ret);
	ret = ucap_netns_self(&c.ns);
	if (!ret)
		ret = ucap_links_get(&c.links);
	if (ret)
		return uctl_err(cmd, ret);
	ret = resolve(&c, argc - optind, argv + optind, all, &devs, &n);
	if (ret)
		goto free_links;

	ret = ucap_bpffs_prepare(uctl.pin_dir, true);
	if (ret) {
		ret = uctl_err(cmd, ret);
		goto free_devs;
	}
	lock_fd = ucap_pin_dir_lock(uctl.pin_dir);
	if (lock_fd < 0) {
		ret = uctl_err(cmd, lock_fd);
		goto free_devs;
	}
	ret = meter_open_or_create(&c);
	if (ret) {
		ret = uctl_err(cmd, ret);
		goto unlock;
	}
	c.tab = malloc(UCAP_MAX_SLOTS * sizeof(*c.tab));
	if (!c.tab) {
		ret = uctl_err(cmd, -ENOMEM);
		goto close_meter;
	}
	ret = ucap_meter_ifaces(&c.m, c.tab);
	if (ret) {
		ret = uctl_err(cmd, ret);
		goto free_tab;
	}

	if (uctl.json)
		c.results = json_object_new_array();
	/* Go on past a failing device so one bad device blocks no other. */
	for (i = 0; i < n; i++) {
		ret = verb == VERB_ATTACH ? attach_one(&c, devs[i]) : detach_one(&c, devs[i]);
		if (ret) {
			uctl_errf("%s %s: %s", cmd, devs[i]->name, ucap_why(ret));
			ucap_clear_why();
			status = UCTL_FAIL;
		}
	}
	if (uctl.json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "interfaces", c.results);
		uctl_json_print(o);
		json_object_put(o);
	}
	ret = status;
free_tab:
	free(c.tab);
close_meter:
	ucap_meter_close(&c.m);
unlock:
	close(lock_fd);
free_devs:
	free(devs);
free_links:
	ucap_links_free(&c.links);
	return ret;
}

int cmd_attach(int argc, char **argv)
{
	return run(VERB_ATTACH, argc, argv);
}

int cmd_detach(int argc, char **argv)
{
	return run(VERB_DETACH, argc, argv);
}
