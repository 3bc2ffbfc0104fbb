// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF meter's pinned maps: opening them with a layout check, reading
 * counters and the slot table, and the few writes uploadctl attach/detach
 * make to the slot table (under flock() on the pin directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ucap.h"

static bool on_bpffs(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC;
}

/* Are we in the mount namespace of PID 1 (the host's, as far as we see)? */
static bool in_init_mntns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/mnt", &self) || stat("/proc/1/ns/mnt", &init))
		return false;
	return self.st_ino == init.st_ino && self.st_dev == init.st_dev;
}

static int parent_dir(const char *path, char *out, size_t len)
{
	char *slash;

	if (snprintf(out, len, "%s", path) >= (int)len)
		return ucap_fail(ENAMETOOLONG, "pin directory %s: name too long", path);
	while ((slash = strrchr(out, '/')) && slash[1] == '\0' && slash != out)
		*slash = '\0';		/* trailing slashes */
	slash = strrchr(out, '/');
	if (!slash)
		snprintf(out, len, ".");
	else if (slash == out)
		out[1] = '\0';
	else
		*slash = '\0';
	return 0;
}

int ucap_bpffs_prepare(const char *pin_dir, bool create)
{
	char parent[PATH_MAX];
	int ret;

	ret = parent_dir(pin_dir, parent, sizeof(parent));
	if (ret)
		return ret;

	if (!on_bpffs(parent)) {
		if (strcmp(parent, UCAP_BPFFS_DIR))
			return ucap_fail(ENOTSUP, "%s is not on a bpf filesystem (mount -t bpf bpf %s)",
					 parent, parent);
		if (!in_init_mntns())
			return ucap_fail(ENOENT,
					 "no bpf filesystem is mounted at %s in this mount namespace; "
					 "a new one here would be private and its pins invisible to the host "
					 "(under 'ip netns exec' use 'nsenter --net=/run/netns/NAME' instead)",
					 parent);
		if (!create)
			return ucap_fail(ENOENT, "no bpf filesystem is mounted at %s", parent);
		if (mount("bpf", parent, "bpf", 0, "mode=0700"))
			return ucap_fail(errno, "no bpf filesystem at %s and mounting one failed: %m",
					 parent);
	}
	if (create && mkdir(pin_dir, 0700) && errno != EEXIST)
		return ucap_fail(errno, "mkdir %s: %m", pin_dir);
	return 0;
}

struct map_spec {
	const char *name;
	enum bpf_map_type type;
	__u32 value_size;
	__u32 max_entries;
};

static const struct map_spec map_specs[] = {
	{ UCAP_MAP_COUNTERS, BPF_MAP_TYPE_PERCPU_ARRAY,
	  sizeof(struct ucap_counters), UCAP_MAX_SLOTS },
	{ UCAP_MAP_IFACES, BPF_MAP_TYPE_ARRAY,
	  sizeof(struct ucap_iface), UCAP_MAX_SLOTS },
	{ UCAP_MAP_META, BPF_MAP_TYPE_ARRAY, sizeof(struct ucap_meta), 1 },
};

static int open_pinned(const struct ucap_meter *m, const struct map_spec *spec)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", m->dir, spec->name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			return ucap_fail(ENOENT, "no meter: %s does not exist", path);
		return ucap_fail(err, "open %s: %m", path);
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = ucap_fail(errno, "%s: %m", path);
		close(fd);
		return err;
	}
	if (info.type != spec->type || info.key_size != sizeof(__u32) ||
	    info.value_size != spec->value_size ||
	    info.max_entries != spec->max_entries) {
		err = ucap_fail(EPROTO,
				"%s has an incompatible layout (type %u, key %u, value %u, entries %u; "
				"this uploadctl expects type %u, key %zu, value %u, entries %u): "
				"it was made by another uploadcap version; move %s aside to start a new meter",
				path, info.type, info.key_size, info.value_size, info.max_entries,
				spec->type, sizeof(__u32), spec->value_size, spec->max_entries,
				m->dir);
		close(fd);
		return err;
	}
	return fd;
}

void ucap_meter_close(struct ucap_meter *m)
{
	if (m->counters_fd >= 0)
		close(m->counters_fd);
	if (m->ifaces_fd >= 0)
		close(m->ifaces_fd);
	if (m->meta_fd >= 0)
		close(m->meta_fd);
	m->counters_fd = m->ifaces_fd = m->meta_fd = -1;
}

int ucap_meter_open(struct ucap_meter *m, const char *pin_dir)
{
	struct ucap_meta meta;
	__u32 key = 0;
	int fd;

	memset(m, 0, sizeof(*m));
	m->counters_fd = m->ifaces_fd = m->meta_fd = -1;
	if (snprintf(m->dir, sizeof(m->dir), "%s", pin_dir) >= (int)sizeof(m->dir))
		return ucap_fail(ENAMETOOLONG, "pin directory %s: name too long", pin_dir);

	m->ncpus = libbpf_num_possible_cpus();
	if (m->ncpus <= 0)
		return ucap_fail(m->ncpus ? m->ncpus : EINVAL, "cannot count possible CPUs");

	fd = open_pinned(m, &map_specs[0]);
	if (fd < 0)
		goto fail;
	m->counters_fd = fd;
	fd = open_pinned(m, &map_specs[1]);
	if (fd < 0)
		goto fail;
	m->ifaces_fd = fd;
	fd = open_pinned(m, &map_specs[2]);
	if (fd < 0)
		goto fail;
	m->meta_fd = fd;

	if (bpf_map_lookup_elem(m->meta_fd, &key, &meta)) {
		fd = ucap_fail(errno, "read %s/%s: %m", pin_dir, UCAP_MAP_META);
		goto fail;
	}
	/* All zero: created by an uploadctl that died before writing it. */
	if (meta.magic == 0 && meta.layout_version == 0)
		return 0;
	if (meta.magic != UCAP_LAYOUT_MAGIC || meta.layout_version != UCAP_LAYOUT_VERSION ||
	    meta.max_slots != UCAP_MAX_SLOTS) {
		fd = ucap_fail(EPROTO,
			       "the meter in %s has layout version %u (magic 0x%x, %u slots); "
			       "this uploadctl reads version %u: it was made by another uploadcap version; "
			       "move %s aside to start a new meter",
			       pin_dir, meta.layout_version, meta.magic, meta.max_slots,
			       UCAP_LAYOUT_VERSION, pin_dir);
		goto fail;
	}
	return 0;
fail:
	ucap_meter_close(m);
	return fd;
}

int ucap_meter_init_meta(const struct ucap_meter *m)
{
	struct ucap_meta meta = {
		.magic = UCAP_LAYOUT_MAGIC,
		.layout_version = UCAP_LAYOUT_VERSION,
		.max_slots = UCAP_MAX_SLOTS,
	};
	struct ucap_iface reserved = { .state = UCAP_SLOT_RESERVED };
	__u32 key = 0;
	int ret;

	ret = ucap_meter_set_iface(m, UCAP_SLOT_RETIRED, &reserved);
	if (ret)
		return ret;
	if (bpf_map_update_elem(m->meta_fd, &key, &meta, BPF_ANY))
		return ucap_fail(errno, "write %s/%s: %m", m->dir, UCAP_MAP_META);
	return 0;
}

int ucap_meter_counters(const struct ucap_meter *m, __u32 slot,
			struct ucap_counters *sum)
{
	struct ucap_counters *pc;
	int i;

	pc = calloc((size_t)m->ncpus, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->counters_fd, &slot, pc)) {
		i = ucap_fail(errno, "read %s/%s[%u]: %m", m->dir, UCAP_MAP_COUNTERS, slot);
		free(pc);
		return i;
	}
	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < m->ncpus; i++) {
		sum->bytes += pc[i].bytes;
		sum->wire_bytes += pc[i].wire_bytes;
		sum->packets += pc[i].packets;
		sum->segments += pc[i].segments;
	}
	free(pc);
	return 0;
}

int ucap_meter_ifaces(const struct ucap_meter *m, struct ucap_iface *tab)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 keys[UCAP_MAX_SLOTS], batch, done = 0, count, slot;
	void *in = NULL;
	int ret;

	/* One syscall for the table where the kernel has batch lookups. */
	while (done < UCAP_MAX_SLOTS) {
		count = UCAP_MAX_SLOTS - done;
		ret = bpf_map_lookup_batch(m->ifaces_fd, in, &batch, keys + done,
					   tab + done, &count, &opts);
		done += count;
		if (ret == -ENOENT)
			break;		/* reached the end */
		if (ret)
			goto one_by_one;
		in = &batch;
	}
	if (done == UCAP_MAX_SLOTS)
		return 0;
one_by_one:
	for (slot = 0; slot < UCAP_MAX_SLOTS; slot++)
		if (bpf_map_lookup_elem(m->ifaces_fd, &slot, &tab[slot]))
			return ucap_fail(errno, "read %s/%s[%u]: %m", m->dir,
					 UCAP_MAP_IFACES, slot);
	return 0;
}

int ucap_pin_dir_lock(const char *pin_dir)
{
	int fd, err;

	fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ucap_fail(errno, "open %s: %m", pin_dir);
	if (flock(fd, LOCK_EX)) {
		err = ucap_fail(errno, "lock %s: %m", pin_dir);
		close(fd);
		return err;
	}
	return fd;
}

int ucap_meter_set_iface(const struct ucap_meter *m, __u32 slot,
			 const struct ucap_iface *ifc)
{
	if (bpf_map_update_elem(m->ifaces_fd, &slot, ifc, BPF_ANY))
		return ucap_fail(errno, "write %s/%s[%u]: %m", m->dir, UCAP_MAP_IFACES, slot);
	return 0;
}

/*
 * Only called for a slot whose program no longer exists: its tc filter was
 * freed after an RCU grace period, so no packet can still be adding to the
 * slot while we fold and zero it.
 */
int ucap_meter_reclaim(const struct ucap_meter *m, __u32 slot)
{
	struct ucap_counters *from, *to;
	struct ucap_iface free_ifc = { .state = UCAP_SLOT_FREE };
	__u32 retired = UCAP_SLOT_RETIRED;
	size_t sz = (size_t)m->ncpus * sizeof(*from);
	int i, ret = 0;

	if (slot == UCAP_SLOT_RETIRED || slot >= UCAP_MAX_SLOTS)
		return -EINVAL;
	from = calloc(1, sz);
	to = calloc(1, sz);
	if (!from || !to) {
		ret = -ENOMEM;
		goto out;
	}
	if (bpf_map_lookup_elem(m->counters_fd, &slot, from) ||
	    bpf_map_lookup_elem(m->counters_fd, &retired, to)) {
		ret = ucap_fail(errno, "read %s/%s: %m", m->dir, UCAP_MAP_COUNTERS);
		goto out;
	}
	for (i = 0; i < m->ncpus; i++) {
		to[i].bytes += from[i].bytes;
		to[i].wire_bytes += from[i].wire_bytes;
		to[i].packets += from[i].packets;
		to[i].segments += from[i].segments;
	}
	/* Retired first: a crash in between double-counts, never loses. */
	if (bpf_map_update_elem(m->counters_fd, &retired, to, BPF_ANY)) {
		ret = ucap_fail(errno, "write %s/%s: %m", m->dir, UCAP_MAP_COUNTERS);
		goto out;
	}
	memset(from, 0, sz);
	if (bpf_map_update_elem(m->counters_fd, &slot, from, BPF_ANY)) {
		ret = ucap_fail(errno, "write %s/%s: %m", m->dir, UCAP_MAP_COUNTERS);
		goto out;
	}
	ret = ucap_meter_set_iface(m, slot, &free_ifc);
out:
	free(from);
	free(to);
	return ret;
}

bool ucap_iface_is(const struct ucap_iface *ifc, const struct ucap_netns *ns,
		   const struct ucap_link *link)
{
	if (ifc->state != UCAP_SLOT_ATTACHED && ifc->state != UCAP_SLOT_DETACHED)
		return false;
	if (ifc->netns_cookie != ns->cookie || ifc->ifindex != link->ifindex)
		return false;
	/*
	 * Same namespace, same ifindex: a device created later with a deleted
	 * device's ifindex (ip link add ... index N) still has another
	 * link-layer address (random for veth, dummy, bridges...).
	 */
	return ifc->addr_len == link->addr_len &&
	       !memcmp(ifc->addr, link->addr, link->addr_len);
}

bool ucap_prog_exists(__u32 prog_id)
{
	int fd;

	if (!prog_id)
		return false;
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return errno != ENOENT;
	close(fd);
	return true;
}

int ucap_meter_slot_by_prog(const struct ucap_iface *tab, __u32 prog_id)
{
	__u32 slot;

	for (slot = 1; prog_id && slot < UCAP_MAX_SLOTS; slot++)
		if (tab[slot].state == UCAP_SLOT_ATTACHED && tab[slot].prog_id == prog_id)
			return (int)slot;
	return -ENOENT;
}

int ucap_meter_slot_of(const struct ucap_iface *tab, const struct ucap_netns *ns,
		       const struct ucap_link *link, __u32 prog_id)
{
	int ret = ucap_meter_slot_by_prog(tab, prog_id);
	__u32 slot;

	if (ret >= 0)
		return ret;
	for (slot = 1; slot < UCAP_MAX_SLOTS; slot++)
		if (ucap_iface_is(&tab[slot], ns, link))
			return (int)slot;
	return -ENOENT;
}
