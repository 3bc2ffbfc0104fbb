/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libucap: reads uploadcap's meters and parses sizes. Used by the uploadctl
 * commands and by the agent alike; it knows nothing of presentation or of
 * alarm policy.
 *
 * Conventions: functions return 0 or a negative errno. Where the errno
 * alone would not tell an operator what went wrong, the reason in words is
 * left for ucap_why().
 */
#ifndef UCAP_H
#define UCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "ucap_params.h"
#include "ucap_sysfs_abi.h"
#include "ucap_meter_abi.h"

/* ---- errors (error.c) ---- */

/* Record a reason for the failure being returned; returns -abs(err). */
int ucap_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The reason for the last failure, or strerror(err) when none was given. */
const char *ucap_why(int err);
void ucap_clear_why(void);

/* ---- privileges and kernel support (sys.c) ---- */

/* Fails with a reason unless we run as root and the kernel offers bpf(). */
int ucap_require_root(void);
int ucap_require_bpf(void);
/*
 * Kernel lockdown's mode ("none", "integrity", "confidentiality") into
 * mode; -ENOENT when the kernel has no lockdown LSM (or securityfs is not
 * mounted).
 */
int ucap_lockdown_mode(char *mode, size_t len);
/* The first line of a small file (a sysfs or procfs one), or -errno. */
int ucap_read_line(const char *path, char *buf, size_t len);
/* Module signatures enforced: module.sig_enforce=1, or lockdown. */
bool ucap_module_sig_enforced(void);
/* kernel.modules_disabled is 1: no module loads until reboot. */
bool ucap_modules_disabled(void);

/* ---- network namespace (netns.c) ---- */

struct ucap_netns {
	__u64 cookie;	/* SO_NETNS_COOKIE: unique for the boot */
	__u64 ino;	/* inode of /proc/self/ns/net */
};

int ucap_netns_self(struct ucap_netns *ns);

/* ---- devices of the current network namespace (rtnl.c) ---- */

struct ucap_link {
	char name[UCAP_IFNAMSIZ];
	__u32 ifindex;
	__u32 flags;		/* IFF_* */
	__u16 type;		/* ARPHRD_* */
	__u32 addr_len;
	__u8 addr[UCAP_MAX_ADDR_LEN];
	__u64 tx_bytes;		/* the device's own counters (IFLA_STATS64) */
	__u64 tx_packets;
};

struct ucap_links {
	struct ucap_link *v;	/* sorted by ifindex */
	size_t n;
};

/* Every device of the calling thread's network namespace, via rtnetlink. */
int ucap_links_get(struct ucap_links *links);
void ucap_links_free(struct ucap_links *links);
const struct ucap_link *ucap_links_find(const struct ucap_links *links,
					const char *name);
bool ucap_link_is_loopback(const struct ucap_link *link);

/*
 * Refresh only the tx counters of links (one RTM_GETSTATS dump, far
 * cheaper than a link dump). -ESTALE: the namespace's devices are no
 * longer the ones in links.
 */
int ucap_links_refresh_stats(struct ucap_links *links);

/*
 * Link and tc change notifications of the current network namespace: a
 * reader that keeps what it read may reuse it until this says otherwise.
 */
struct mnl_socket;

struct ucap_watch {
	struct mnl_socket *nl;
};

int ucap_watch_open(struct ucap_watch *w);
/* 1: something changed (or notifications were lost) since last asked. */
int ucap_watch_changed(struct ucap_watch *w);
void ucap_watch_close(struct ucap_watch *w);

/* Number of tc filters on a device's clsact ingress and egress hooks. */
int ucap_tc_count_filters(__u32 ifindex, unsigned int *count);

/* ---- the BPF meter (bpfmeter.c) ---- */

struct ucap_meter {
	int counters_fd;
	int ifaces_fd;
	int meta_fd;
	int ncpus;		/* possible CPUs: entries per per-CPU value */
	char dir[256];
};

/*
 * Make sure pin_dir can be used: its parent must be a bpf filesystem. When
 * the default /sys/fs/bpf is not mounted and we are in the host's mount
 * namespace, mount it; elsewhere (ip netns exec, containers) a fresh bpffs
 * would be a private instance whose pins nobody else sees, so refuse.
 * With create, also make pin_dir.
 */
int ucap_bpffs_prepare(const char *pin_dir, bool create);

/* Open the pinned maps and check their layout. -ENOENT: no meter yet. */
int ucap_meter_open(struct ucap_meter *m, const char *pin_dir);
void ucap_meter_close(struct ucap_meter *m);

/* Sum of one slot's per-CPU counters. */
int ucap_meter_counters(const struct ucap_meter *m, __u32 slot,
			struct ucap_counters *sum);
/* The whole slot table: UCAP_MAX_SLOTS entries. */
int ucap_meter_ifaces(const struct ucap_meter *m, struct ucap_iface *tab);

/*
 * Writers serialise on flock() of the pin directory: ucap_pin_dir_lock()
 * returns the locked descriptor; close it to unlock. The functions below
 * are for lock holders only.
 */
int ucap_pin_dir_lock(const char *pin_dir);
int ucap_meter_init_meta(const struct ucap_meter *m);
int ucap_meter_set_iface(const struct ucap_meter *m, __u32 slot,
			 const struct ucap_iface *ifc);
/* Add a slot's counts to the retired slot, zero it and mark it free. */
int ucap_meter_reclaim(const struct ucap_meter *m, __u32 slot);

/* Does slot record ifc describe this device of namespace ns? */
bool ucap_iface_is(const struct ucap_iface *ifc, const struct ucap_netns *ns,
		   const struct ucap_link *link);

/* Does a program with this id still exist? */
bool ucap_prog_exists(__u32 prog_id);

/* The slot whose program has this id; -ENOENT: none (a foreign program). */
int ucap_meter_slot_by_prog(const struct ucap_iface *tab, __u32 prog_id);

/*
 * The slot a device's counts are in: the slot whose program is attached to
 * it (prog_id from ucap_meter_hook_of), else the slot it had
 * when last attached. -ENOENT when it has none.
 */
int ucap_meter_slot_of(const struct ucap_iface *tab, const struct ucap_netns *ns,
		       const struct ucap_link *link, __u32 prog_id);

/* ---- where the meter sits on a device (meterhook.c) ---- */

enum ucap_attach { UCAP_ATTACH_NONE, UCAP_ATTACH_CLSACT, UCAP_ATTACH_TCX };

/* "tcx", "clsact"; NULL for none. */
const char *ucap_attach_name(enum ucap_attach a);

/* 1: this kernel has tcx (>= 6.6), 0: it has not, < 0: cannot tell. */
int ucap_tcx_supported(void);

struct ucap_hook {
	__u32 prog_id;		/* 0: no program of ours, nor one in our place */
	__u32 link_id;		/* tcx only: the link it runs in */
	enum ucap_attach attach;
};

/*
 * The meter's program on a device: a program of the slot table in its tcx
 * egress chain, else the program at uploadcap's clsact position (ours or
 * not), else someone else's program put into one of our tcx links. A
 * foreign program elsewhere in the tcx chain is not ours to report. With
 * tab NULL (the maps unreadable) only the clsact position is looked at.
 */
int ucap_meter_hook_of(__u32 ifindex, const struct ucap_iface *tab, struct ucap_hook *h);

/* 1: prog_id is in the device's tcx egress chain, 0: not, < 0: error. */
int ucap_tcx_holds(__u32 ifindex, __u32 prog_id);

/* The pin of a slot's tcx link: PIN_DIR/UCAP_TCX_LINK_PREFIX<slot>. */
int ucap_tcx_link_path(const char *pin_dir, __u32 slot, char *buf, size_t len);
/* Remove it (gone already is fine): its link, if unheld, goes with it. */
int ucap_tcx_link_unpin(const char *pin_dir, __u32 slot);
/*
 * 1: the slot's tcx link is gone or detached from its device (the device
 * went, or bpftool link detach), 0: it is on its device, whatever program
 * it runs now (ucap_meter_hook_of tells that).
 */
int ucap_tcx_link_dead(const struct ucap_iface *ifc);

/* ---- uploadcap.ko, through /sys/kernel/uploadcap (modmeter.c) ---- */

enum ucap_mod_state { UCAP_MOD_UNARMED, UCAP_MOD_ARMED, UCAP_MOD_EXHAUSTED };

/* One line of the module's devices table. */
struct ucap_mod_dev {
	__u64 netns_ino;
	__u32 ifindex;
	char name[UCAP_IFNAMSIZ];
	__u64 bytes;
	__u64 packets;
	__u64 dropped_packets;
	__u64 dropped_bytes;
	__u64 len_bytes;	/* skb->len of what it let through */
	__u64 bypass_bytes;	/* the audit found it sent past its hook */
	bool held;		/* taken down: it sent past its hook */
};

/*
 * The module's figures, from kmod/ucap_sysfs_abi.h: one __u64 per entry of
 * UCAP_FIGURES, named as its sysfs file; a figure whose `when` does not
 * hold reads as 0 (ucap_module_has() says which hold).
 */
struct ucap_module {
	enum ucap_mod_state state;
#define X(name, src, mode, when, prom, type, help) __u64 name;
	UCAP_FIGURES(X)
#undef X
	bool lease;		/* loaded with the write-ahead lease (lease=1) */
	/* The management reserve: a module older than it has no such files. */
	bool reserve_known;
	char reserve_dst[UCAP_RESERVE_MAX_DST * 48];	/* "" for none */
	/* The TPM anchor (kmod/ucap_tpm_abi.h): UCAP_TPM_STATE_*, as at load. */
	char tpm_state[16];
	/* MODULE_VERSION of the module that runs; "" when it has none. */
	char version[32];
	bool anchored;		/* tpm_state is "anchored": the module raises the lease */
	struct ucap_mod_dev *devs;
	size_t ndevs;
};

/* A figure's `when` of UCAP_FIGURES, as a value. */
enum ucap_figure_when {
	UCAP_WHEN_ALWAYS, UCAP_WHEN_ARMED, UCAP_WHEN_LEASE, UCAP_WHEN_RESERVE,
	UCAP_WHEN_ANCHORED, UCAP_WHEN_CEILING,
};

/* UCAP_FIGURES as a table, in its order. */
struct ucap_figure {
	const char *name;	/* sysfs file, JSON key */
	size_t offset;		/* of its __u64 in struct ucap_module */
	enum ucap_figure_when when;
	bool derived;		/* computed, not read */
	const char *prom;	/* Prometheus family, NULL: not exported */
	const char *prom_type;
	const char *help;
};
extern const struct ucap_figure ucap_figures[];
extern const size_t ucap_nfigures;

static inline __u64 ucap_figure_value(const struct ucap_module *m, const struct ucap_figure *f)
{
	return *(const __u64 *)((const char *)m + f->offset);
}

/*
 * Does the figure hold a value (else JSON null, no Prometheus sample)?
 * for_prom: the reserve's figures count only while one is set.
 */
bool ucap_module_has(const struct ucap_module *m, const struct ucap_figure *f, bool for_prom);

/*
 * Read the module's figures from sysfs_dir (UCAP_SYSFS_DIR), each file
 * checked to be on sysfs (-EPROTO: something is mounted over it). -ENOENT:
 * the module is not loaded. used_bytes is read last.
 */
int ucap_module_read(struct ucap_module *mod, const char *sysfs_dir);
void ucap_module_free(struct ucap_module *mod);
/*
 * The version of the uploadcap.ko the next boot of this kernel loads (as
 * modprobe finds it, libkmod); -ENOENT when there is none or it has no
 * version.
 */
int ucap_module_file_version(char *buf, size_t len);
/*
 * The figures against each other, as the module keeps them: what its
 * hooks let through on the devices listed, what the audit charged and
 * what was restored are all part of used_bytes (read last, so never
 * less); the audit charged no more than it found; used never exceeds the
 * cap. -EPROTO with the broken relation in why: not the module's reading.
 */
int ucap_module_check(const struct ucap_module *mod, char *why, size_t len);
/* Append the per-device table only (mod->devs, mod->ndevs). */
int ucap_module_read_devices(struct ucap_module *mod, const char *dir);
/* The same from an open stream; what names it in errors. */
int ucap_module_parse_devices(struct ucap_module *mod, FILE *f, const char *what);
const char *ucap_mod_state_name(enum ucap_mod_state state);
/* The module's line for a device of namespace netns_ino, or NULL. */
const struct ucap_mod_dev *ucap_module_dev(const struct ucap_module *mod,
					   __u64 netns_ino, __u32 ifindex);
/*
 * Write one of the module's settings (name: cap_bytes, rate_bytes_per_sec,
 * rate_burst_bytes). The module's refusals come back as -EPERM (raise or
 * clear after arming) and -EINVAL (not a number, or a burst below
 * UCAP_RATE_MIN_BURST).
 */
int ucap_module_set(const char *sysfs_dir, const char *name, __u64 v);
/*
 * The module's load-time parameters as it shows them (UCAP_PARAMS_DIR,
 * kmod/ucap_params.h): what `uploadctl load` reads back and the agent
 * holds to the ledger. Each file checked to be on sysfs. -ENOENT: the
 * module is not loaded.
 */
struct ucap_module_params {
	unsigned int audit_ms;
	char exempt[512];	/* as given, comma-separated */
	char on_exhaust[16];
	bool lease;
	__u64 reserve_bytes;	/* 0 too for a module older than the reserve */
	char reserve_dst[UCAP_RESERVE_MAX_DST * 48];	/* as given; "" for none */
};
int ucap_module_read_params(struct ucap_module_params *p, const char *params_dir);

/* ---- snapshot of every meter for the current namespace (snapshot.c) ---- */

struct ucap_if_stat {
	struct ucap_link link;
	__u32 prog_id;		/* the meter's program (ucap_meter_hook_of), 0: none */
	enum ucap_attach attach;	/* where prog_id is */
	bool attached;		/* that program is uploadcap's, for this slot */
	int slot;		/* -1: the device has no slot */
	struct ucap_counters bpf;
	const struct ucap_mod_dev *mod;	/* the module's line; NULL: not guarded */
	/*
	 * The module's bytes for the device read just before link (0 if it
	 * had no line then, or the snapshot was taken without a cache);
	 * mod->bytes was read after link and bpf. The device's own counters
	 * and the BPF meter's lie between the two: a comparison of growths
	 * that uses both bounds cannot be fooled by traffic during the reads.
	 */
	__u64 mod_bytes_lo;
};

struct ucap_snapshot {
	struct ucap_netns ns;
	bool meter_present;	/* the pinned maps exist */
	bool meter_denied;	/* ... or may: not readable without CAP_BPF */
	struct ucap_counters retired;	/* devices that are gone */
	struct ucap_counters total;	/* every slot: all namespaces, retired */
	bool module_present;	/* uploadcap.ko is loaded */
	struct ucap_module module;
	struct ucap_if_stat *ifs;
	size_t n;
};

/*
 * What a long-lived reader (the agent) keeps between snapshots: the
 * devices and the meter's program on each (ucap_meter_hook_of). They are
 * reused while no link or tc notification arrives, and only the counters
 * are read (and, for a program on tcx, which sends no notification when
 * detached, whether the device's chain still holds it: see tcx_due in
 * snapshot.c); everything is
 * read again after any notification, and at least every
 * UCAP_SNAPSHOT_FULL_EVERY snapshots, and every device's program after
 * any change to the slot table (uploadctl attach or detach).
 */
#define UCAP_SNAPSHOT_FULL_EVERY	10
/* Each snapshot asks a tcx chain of one device in this many (snapshot.c). */
#define UCAP_TCX_SWEEP			3

/* A device of the last full reading, and its counters at the last snapshot. */
struct ucap_cached_dev {
	struct ucap_hook hook;
	__u64 tx_packets;
	__u64 bpf_packets;
};

struct ucap_snapshot_cache {
	struct ucap_watch watch;
	struct ucap_links links;	/* the last full reading */
	struct ucap_cached_dev *devs;	/* one per links.v[i] */
	struct ucap_iface *tab;		/* the meter's slot table then; NULL: none */
	bool valid;
	unsigned int age;		/* snapshots since that reading */
};

int ucap_snapshot_cache_init(struct ucap_snapshot_cache *c);
void ucap_snapshot_cache_free(struct ucap_snapshot_cache *c);

/* cache may be NULL: read everything. */
int ucap_snapshot_take(struct ucap_snapshot *s, const char *pin_dir,
		       const char *sysfs_dir, struct ucap_snapshot_cache *cache);
/*
 * The same for any user, without a cache: what it may not read (the
 * meter's maps, without CAP_BPF) is meter_denied, not an error.
 */
int ucap_snapshot_take_any_user(struct ucap_snapshot *s, const char *pin_dir,
				const char *sysfs_dir);
void ucap_snapshot_free(struct ucap_snapshot *s);

/* ---- sizes (units.c) ---- */

/* "1.50 MiB"; exact below 1 KiB ("512 B"). */
const char *ucap_fmt_iec(__u64 v, char *buf, size_t len);

/*
 * Parse a size: a number, with an optional decimal fraction and exponent
 * (8e14), and an optional unit, case-insensitive, with or without a space:
 * K M G T P E or KB MB GB TB PB EB (powers of 1000), KiB MiB GiB TiB PiB
 * EiB (powers of 1024), B. Zero, negative, fractional bytes, overflow past
 * 2^64-1, unknown units and trailing garbage are refused with -EINVAL or
 * -ERANGE and a reason in ucap_why().
 */
int ucap_parse_size(const char *s, __u64 *out);
/*
 * A rate in bytes per second: a size, optionally followed by "/s", or a
 * number with one of tc(8)'s rate units: bit, kbit, mbit, gbit, tbit (and
 * kibit..tibit) are bits per second; bps, kbps, mbps, gbps, tbps (and
 * kibps..tibps) bytes per second. "Mb", "kb" and the like are refused as
 * ambiguous, with a hint.
 */
int ucap_parse_rate(const char *s, __u64 *out);
/* Exactly a decimal number that fits in 64 bits: digits only. */
bool ucap_parse_u64(const char *s, __u64 *v);
/* A duration in seconds: "90", "90s", "15m", "2h", "1d"; -EINVAL or -ERANGE. */
int ucap_parse_duration(const char *s, __s64 *out);

/* ---- a line of a collector's syslog file (syslogline.c) ---- */

enum ucap_syslog_format {
	UCAP_SYSLOG_RSYSLOG,		/* "Dec  3 06:09:30 host tag: msg" (no year) */
	UCAP_SYSLOG_RSYSLOG_PRECISE,	/* "2026-12-03T06:09:30.1+00:00 host tag: msg" */
	UCAP_SYSLOG_RFC5424,		/* "<13>1 2026-12-03T06:09:30Z host app pid id sd msg" */
};

struct ucap_syslog_line {
	enum ucap_syslog_format format;
	__s64 time;		/* seconds since the epoch */
	char host[256];
	char program[64];	/* the tag or APP-NAME, without [pid] */
	const char *msg;	/* into the line */
};

/*
 * Parse line (its newline dropped, in place). now picks the year of a
 * traditional timestamp: the latest that is not more than a day after
 * now. -EINVAL with the reason in ucap_why() for any other line.
 */
int ucap_syslog_parse(char *line, __s64 now, struct ucap_syslog_line *l);

#endif /* UCAP_H */
