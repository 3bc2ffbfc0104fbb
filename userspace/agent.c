// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl agent: once a tick, read the three meters (uploadcap.ko, the
 * BPF meter, the devices' own tx counters) through libucap, compare them,
 * raise alarms to syslog, and checkpoint the lifetime count in the ledger.
 *
 * Every alarm is raised once per occurrence: a condition raises it when it
 * starts and is re-armed only when it has ended. Thresholds already
 * alarmed are kept in the ledger, so a restarted agent does not repeat
 * them. Memory is bounded: one entry per present device, a fixed ring of
 * rate samples, a fixed alarm table.
 *
 * The loop sleeps on a timerfd and takes signals through a signalfd:
 * SIGTERM/SIGINT end it after a final checkpoint, SIGHUP re-reads the
 * configuration and re-verifies the ledger.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>

#include "alarm.h"
#include "evidence.h"
#include "compare.h"
#include "config.h"
#include "lease.h"
#include "ledger.h"
#include "settings.h"
#include "uploadctl.h"

/*
 * Growth below checkpoint_bytes, or nothing changed: a record anyway after
 * this long, so that a collector tells a quiet host from a silenced one
 * (verify-log --max-silence).
 */
#define CHECKPOINT_HEARTBEAT_SECONDS	600

static const char agent_help[] =
	"Usage: uploadctl agent [--interval SECONDS] [--ledger PATH] [--thresholds LIST]\n"
	"                       [--facility NAME] [--config FILE] [--once] [--foreground]\n"
	"                       [--rate-multiple X] [--rate-window SECONDS]\n"
	"                       [--rate-history N] [--rate-min-bytes SIZE]\n"
	"                       [--checkpoint-bytes SIZE] [--checkpoint-seconds S]\n"
	"                       [--alarm-burst N] [--textfile PATH]\n"
	"\n"
	"Each tick (default 1 s), read uploadcap.ko, the BPF meter and the devices'\n"
	"own tx counters, raise alarms to syslog (ident uploadcap, facility daemon)\n"
	"as \"event=NAME severity=LEVEL key=value...\", and checkpoint the lifetime\n"
	"count in the ledger (default " LEDGER_DEFAULT_PATH "): when the cap, the\n"
	"state or the alarms raised change; when used grew by --checkpoint-bytes\n"
	"(default 1 MiB), at most every --checkpoint-seconds (default 60); else\n"
	"every 10 minutes. Each record also goes to syslog (event=checkpoint).\n"
	"With the module's write-ahead lease (uploadctl load), it raises the lease\n"
	"a step ahead (lease_step) once less than half a step is left, each raise\n"
	"after a reserved= record is on disk; while it cannot write one, nothing\n"
	"is raised (lease_held) and guarded devices stop at the lease. Nor is it\n"
	"raised while the module runs weaker boot settings than the ledger recorded\n"
	"(settings_weakened). Every non-loopback device the module does not guard\n"
	"is alarmed (device_unguarded), those there at start included.\n"
	"\n"
	"Alarms: threshold, exhausted, meter_divergence, bypass_suspected,\n"
	"bypass_charged, counter_reset, meter_missing, module_missing,\n"
	"new_interface, rate_anomaly, rate_ceiling_hit, ledger_tampered,\n"
	"ledger_regressed, ledger_missing, ledger_torn, lease_held, settings_weakened,\n"
	"device_unguarded. Each event name speaks at most --alarm-burst\n"
	"times a minute (default 10; 0: no limit); what was held back is summed\n"
	"up in one alarms_suppressed line when the minute is over.\n"
	"\n"
	"--textfile PATH (textfile in the configuration) writes the metrics of\n"
	"'status --format prometheus' and uploadcap_alarms_total to PATH each tick,\n"
	"replacing it atomically, for node_exporter's textfile collector.\n"
	"\n"
	"--once runs one tick and exits. Without --foreground the agent detaches\n"
	"and runs as a daemon; with it, alarms also go to stderr. The configuration\n"
	"file (default " CONFIG_DEFAULT_PATH ", if present) is re-read on SIGHUP;\n"
	"options given here override it. SIGTERM or SIGINT: final checkpoint, exit.\n";

struct dev_state {
	__u32 ifindex;
	char name[UCAP_IFNAMSIZ];
	bool seen;
	bool attached;
	enum ucap_attach attach;	/* where it was attached */
	int slot;
	bool have_mod;
	__u64 mod_bytes;
	__u64 bpf_wire;
	__u64 tx_bytes;
	__u64 tx_packets;
	struct cmp_state div;	/* module vs BPF meter */
	struct cmp_state byp;	/* device counter vs module */
	unsigned int unguarded_ticks;	/* in a row without the module's line */
	bool unguarded_alarmed;
};

struct agent {
	struct uctl_config cfg;
	const char *config_path;
	bool config_required;
	/* Command-line settings, re-applied over the file on SIGHUP. */
	const char *cli_key[16];
	const char *cli_val[16];
	unsigned int ncli;

	struct ledger ledger;
	bool ledger_writable;		/* open, and its chain intact */
	bool tamper_alarmed;
	bool missing_alarmed;
	struct stat ledger_st;		/* as we left it after our last write */
	struct ledger_rec state;	/* what the next checkpoint will say */
	time_t last_write;
	char boot[40];

	bool first;
	bool module_seen;		/* present at some tick since we started */
	bool module_alarmed;
	__u64 mod_used;
	__u64 mod_bypass;		/* its bypass_bytes at the last tick */
	__u64 mod_rate_dropped;		/* its rate_dropped_bytes at the last tick */
	bool ceiling_alarmed;		/* until a tick without ceiling drops */
	bool bypass_alarmed;		/* until a tick without new bypass */
	bool unreadable_alarmed;	/* until the meters read again */
	bool inconsistent_alarmed;	/* until the figures agree again */
	/* The module's devices table at the last tick, for device_gone. */
	struct ucap_mod_dev *mod_devs;
	size_t nmod_devs;
	bool meter_seen;
	struct ucap_snapshot_cache snap_cache;
	struct dev_state *devs;
	size_t ndevs;

	/* rate_anomaly: bytes per window, over the last rate_history windows */
	__u64 *hist;
	unsigned int nhist, hpos;
	double window_start;
	__u64 window_used;
	bool rate_alarmed;

	bool textfile_failed;		/* said so once; quiet until it works again */
	bool lease_alarmed;		/* lease_held said; until a raise succeeds */
	/* The module's settings, held to the ledger's (settings.h). */
	bool settings_checked;		/* since the module or the ledger changed */
	bool settings_weak;		/* weaker than recorded: no lease raised */
	bool reserve_alarmed;		/* a management reserve said */
	struct ucap_module_params params;	/* as last read */
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static __u64 next_seq(const struct agent *a)
{
	return a->ledger.have_last ? a->ledger.last.seq + 1 : 1;
}

/* ---- the ledger ---- */

static void ledger_remember_stat(struct agent *a)
{
	if (stat(a->cfg.ledger, &a->ledger_st))
		memset(&a->ledger_st, 0, sizeof(a->ledger_st));
}

/*
 * Verify the ledger and open it for appending. A broken chain suspends
 * checkpoints (and is alarmed, once) until the ledger verifies again.
 */
static void ledger_start(struct agent *a, bool at_startup)
{
	struct ledger_check c;
	int ret;

	ledger_close(&a->ledger);
	a->ledger_writable = false;
	ret = ledger_verify(a->cfg.ledger, &c);
	if (ret && ret != -ENOENT) {
		if (!a->tamper_alarmed)
			alarm_raise("ledger_tampered", LOG_ALERT, "ledger=%s reason=\"%s\"",
				    a->cfg.ledger, ucap_why(ret));
		ucap_clear_why();
		a->tamper_alarmed = true;
		goto out;
	}
	ucap_clear_why();
	if (!ret && !ledger_intact(&c)) {
		if (!a->tamper_alarmed)
			alarm_raise("ledger_tampered", LOG_ALERT,
				    "ledger=%s record=%zu reason=\"%s\" verified_records=%zu",
				    a->cfg.ledger, c.bad_record, c.bad_why, c.records);
		a->tamper_alarmed = true;
		goto out;
	}
	if (!ret && c.torn)
		alarm_raise("ledger_torn", LOG_WARNING,
			    "ledger=%s records=%zu action=\"cut the incomplete last line\"",
			    a->cfg.ledger, c.records);
	if (ledger_open(&a->ledger, a->cfg.ledger, ret ? NULL : &c)) {
		alarm_raise("ledger_missing", LOG_ALERT, "ledger=%s reason=\"%s\"", a->cfg.ledger,
			    ucap_why(-EIO));
		ucap_clear_why();
		goto out;
	}
	a->ledger_writable = true;
	a->tamper_alarmed = false;
	a->settings_checked = false;
	if (!at_startup && !ret && c.have_last)
		ledger_rec_merge(&a->state, &c.last);	/* adopted or restored behind our back */
	if (at_startup) {
		/* Carry the lifetime figures and the alarms already raised. */
		if (!ret && c.have_last)
			a->state = c.last;
	} else if (!ret && c.have_last && a->state.seq && c.last.seq != a->state.seq) {
		/*
		 * The chain is whole but not the one we wrote: records were cut
		 * off or added behind our back. We keep what we know (used only
		 * grows, cap only falls) and go on from the file's last record.
		 */
		alarm_raise("ledger_tampered", LOG_ALERT,
			    "ledger=%s reason=\"last record is %llu, the agent wrote %llu\" used_bytes=%llu ledger_used_bytes=%llu",
			    a->cfg.ledger, (unsigned long long)c.last.seq,
			    (unsigned long long)a->state.seq, (unsigned long long)a->state.used,
			    (unsigned long long)c.last.used);
	}
out:
	/* A suspended ledger is looked at again when the file changes. */
	ledger_remember_stat(a);
}

/* Someone touched the file since we last wrote or looked: check it again. */
static void ledger_watch(struct agent *a)
{
	struct stat st;

	if (stat(a->cfg.ledger, &st)) {
		if (!a->missing_alarmed)
			alarm_raise("ledger_missing", LOG_ALERT,
				    "ledger=%s used_bytes=%llu cap_bytes=%llu action=\"recreated from the agent's state\"",
				    a->cfg.ledger, (unsigned long long)a->state.used,
				    (unsigned long long)a->state.cap);
		a->missing_alarmed = true;
		ledger_start(a, false);
		return;
	}
	a->missing_alarmed = false;
	if (st.st_ino != a->ledger_st.st_ino || st.st_size != a->ledger_st.st_size ||
	    st.st_ctim.tv_sec != a->ledger_st.st_ctim.tv_sec ||
	    st.st_ctim.tv_nsec != a->ledger_st.st_ctim.tv_nsec)
		ledger_start(a, false);
}

static bool state_changed(const struct ledger_rec *a, const struct ledger_rec *b)
{
	return a->cap != b->cap || strcmp(a->state, b->state) || a->nalarmed != b->nalarmed ||
	       memcmp(a->alarmed, b->alarmed, a->nalarmed * sizeof(a->alarmed[0]));
}

/* A record about to be appended: this boot, now. */
static void record_stamp(const struct agent *a, struct ledger_rec *rec)
{
	rec->time = (__u64)time(NULL);
	snprintf(rec->boot, sizeof(rec->boot), "%s", a->boot);
}

/* rec is on disk: it is what the next checkpoint starts from. */
static void record_written(struct agent *a, const struct ledger_rec *rec)
{
	a->state = *rec;
	a->last_write = (time_t)rec->time;
	ledger_remember_stat(a);
}

/* Write a checkpoint if one is due (force: if anything changed at all). */
static void checkpoint(struct agent *a, bool force)
{
	const struct ledger_rec *last = a->ledger.have_last ? &a->ledger.last : NULL;
	struct ledger_rec rec = a->state;
	time_t now = time(NULL);
	bool due;

	if (!a->ledger_writable)
		return;
	if (!last)
		due = true;
	else if (state_changed(&rec, last))
		due = true;
	else if (force)
		due = rec.used != last->used;
	else
		/*
		 * Growth is coalesced: a busy host writes (and forwards) one
		 * record every checkpoint_seconds, whatever it sends. The lease
		 * reserved ahead, not this record, is what a boot restores.
		 */
		due = (rec.used - last->used >= a->cfg.checkpoint_bytes &&
		       now - a->last_write >= a->cfg.checkpoint_seconds) ||
		      now - a->last_write >= CHECKPOINT_HEARTBEAT_SECONDS;
	if (!due)
		return;
	record_stamp(a, &rec);
	if (evidence_append(&a->ledger, &rec, EVIDENCE_CHECKPOINT)) {
		alarm_raise("ledger_missing", LOG_ALERT, "ledger=%s reason=\"%s\"", a->cfg.ledger,
			    ucap_why(-EIO));
		ucap_clear_why();
		a->ledger_writable = false;
		return;
	}
	record_written(a, &rec);
}

/* ---- the module: lifetime figures, thresholds ---- */

#define BYPASS_CHARGED_MIN 4096	/* bytes in one tick */

static const struct ucap_mod_dev *mod_dev_in(const struct ucap_mod_dev *v, size_t n,
					     const struct ucap_mod_dev *d)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].netns_ino == d->netns_ino && v[i].ifindex == d->ifindex)
			return &v[i];
	return NULL;
}

/* bypass_charged, naming the devices whose bypass grew since the last tick. */
static void bypass_alarm(struct agent *a, const struct ucap_module *m)
{
	char devs[256] = "";
	size_t i, len = 0;

	for (i = 0; i < m->ndevs && len < sizeof(devs) - 1; i++) {
		const struct ucap_mod_dev *d = &m->devs[i], *p;
		int n;

		p = mod_dev_in(a->mod_devs, a->nmod_devs, d);
		if (d->bypass_bytes <= (p ? p->bypass_bytes : 0))
			continue;
		n = snprintf(devs + len, sizeof(devs) - len, "%s%s", len ? "," : "", d->name);
		if (n > 0)
			len += (size_t)n;
	}
	alarm_raise("bypass_charged", LOG_ALERT,
		    "bypass_bytes=%llu new_bytes=%llu used_bytes=%llu devices=%s",
		    (unsigned long long)m->bypass_bytes,
		    (unsigned long long)(m->bypass_bytes - a->mod_bypass),
		    (unsigned long long)m->used_bytes, len ? devs : "gone");
}

/*
 * A guarded device that sent traffic (through its hook while we watched,
 * or past it) went away between two ticks: say so, with what it sent. The
 * module audited it as it went; what that found is in new_bypass_bytes.
 */
static void check_devices_gone(struct agent *a, const struct ucap_module *m)
{
	__u64 new_bypass = m->bypass_bytes - a->mod_bypass;
	size_t i;

	for (i = 0; i < a->nmod_devs; i++) {
		const struct ucap_mod_dev *p = &a->mod_devs[i];

		if (mod_dev_in(m->devs, m->ndevs, p) || (!p->bytes && !p->bypass_bytes && !new_bypass))
			continue;
		alarm_raise("device_gone", LOG_WARNING,
			    "device=%s netns=%llu ifindex=%u hook_bytes=%llu bypass_bytes=%llu new_bypass_bytes=%llu",
			    p->name, (unsigned long long)p->netns_ino, p->ifindex,
			    (unsigned long long)p->bytes, (unsigned long long)p->bypass_bytes,
			    (unsigned long long)new_bypass);
	}
}

/*
 * The module's figures against each other (ucap_module_check): a reading
 * that breaks them was not the module's. Once per episode.
 */
static void check_consistency(struct agent *a, const struct ucap_module *m)
{
	char why[256];
	bool ok = !ucap_module_check(m, why, sizeof(why));

	if (!ok && !a->inconsistent_alarmed)
		alarm_raise("module_inconsistent", LOG_ALERT,
			    "used_bytes=%llu cap_bytes=%llu bypass_bytes=%llu reason=\"%s\"",
			    (unsigned long long)m->used_bytes, (unsigned long long)m->cap_bytes,
			    (unsigned long long)m->bypass_bytes, why);
	a->inconsistent_alarmed = !ok;
}

/* Keep this tick's devices table for the next one. */
static void keep_mod_devs(struct agent *a, const struct ucap_module *m)
{
	struct ucap_mod_dev *v = NULL;

	if (m->ndevs) {
		v = malloc(m->ndevs * sizeof(*v));
		if (!v)
			return;	/* keep the old one: device_gone may repeat */
		memcpy(v, m->devs, m->ndevs * sizeof(*v));
	}
	free(a->mod_devs);
	a->mod_devs = v;
	a->nmod_devs = m->ndevs;
}

static void check_module(struct agent *a, const struct ucap_snapshot *s)
{
	const struct ucap_module *m = &s->module;
	unsigned int i, p;

	if (!s->module_present) {
		if (!a->module_alarmed)
			alarm_raise("module_missing", LOG_ALERT,
				    "module=uploadcap.ko used_bytes=%llu cap_bytes=%llu ledger_seq=%llu",
				    (unsigned long long)a->state.used, (unsigned long long)a->state.cap,
				    (unsigned long long)a->state.seq);
		a->module_alarmed = true;
		snprintf(a->state.state, sizeof(a->state.state), "absent");
		return;
	}
	a->module_alarmed = false;

	/*
	 * The first time we see the module, a count below the ledger's means
	 * it came up without the ledger's figures; after that, any step back
	 * (a reload included) is a reset.
	 */
	if (!a->module_seen && m->used_bytes < a->state.used)
		alarm_raise("ledger_regressed", LOG_ALERT,
			    "module_used_bytes=%llu ledger_used_bytes=%llu ledger_seq=%llu",
			    (unsigned long long)m->used_bytes, (unsigned long long)a->state.used,
			    (unsigned long long)a->state.seq);
	else if (a->module_seen && m->used_bytes < a->mod_used)
		alarm_raise("counter_reset", LOG_ALERT, "meter=module before=%llu after=%llu",
			    (unsigned long long)a->mod_used, (unsigned long long)m->used_bytes);
	/*
	 * The module's device audit charged traffic that passed no hook
	 * (padding and FCS are expected bytes there, not bypass). Once per
	 * episode: until a tick in which it found nothing new.
	 */
	if (a->module_seen && m->bypass_bytes > a->mod_bypass &&
	    m->bypass_bytes - a->mod_bypass >= BYPASS_CHARGED_MIN) {
		if (!a->bypass_alarmed)
			bypass_alarm(a, m);
		a->bypass_alarmed = true;
	} else if (m->bypass_bytes == a->mod_bypass) {
		a->bypass_alarmed = false;
	}
	/*
	 * The rate ceiling dropping packets: someone sends faster than the
	 * host's legitimate output was planned for. Once per episode.
	 */
	if (a->module_seen && m->rate_dropped_bytes > a->mod_rate_dropped) {
		if (!a->ceiling_alarmed)
			alarm_raise("rate_ceiling_hit", LOG_WARNING,
				    "rate_bytes_per_sec=%llu new_dropped_bytes=%llu rate_dropped_bytes=%llu",
				    (unsigned long long)m->rate_bytes_per_sec,
				    (unsigned long long)(m->rate_dropped_bytes - a->mod_rate_dropped),
				    (unsigned long long)m->rate_dropped_bytes);
		a->ceiling_alarmed = true;
	} else {
		a->ceiling_alarmed = false;
	}
	check_consistency(a, m);
	if (a->module_seen)
		check_devices_gone(a, m);
	keep_mod_devs(a, m);
	a->module_seen = true;
	a->mod_used = m->used_bytes;
	a->mod_bypass = m->bypass_bytes;
	a->mod_rate_dropped = m->rate_dropped_bytes;

	/* The ledger keeps the high-water marks: used only grows, cap only falls. */
	if (m->used_bytes > a->state.used)
		a->state.used = m->used_bytes;
	if (m->state != UCAP_MOD_UNARMED && (!a->state.cap || m->cap_bytes < a->state.cap))
		a->state.cap = m->cap_bytes;
	if (a->state.cap && m->state != UCAP_MOD_UNARMED && m->cap_bytes > a->state.cap)
		alarm_raise("counter_reset", LOG_ALERT,
			    "meter=module what=cap before=%llu after=%llu",
			    (unsigned long long)a->state.cap, (unsigned long long)m->cap_bytes);
	snprintf(a->state.state, sizeof(a->state.state), "%s", ucap_mod_state_name(m->state));

	if (m->state == UCAP_MOD_UNARMED || !a->state.cap)
		return;
	for (i = 0; i < a->cfg.nthresholds; i++) {
		p = a->cfg.thresholds[i];
		if (p >= 100 || ledger_alarmed(&a->state, p))
			continue;
		if ((unsigned __int128)m->used_bytes * 100 < (unsigned __int128)p * a->state.cap)
			break;
		ledger_add_alarmed(&a->state, p);
		alarm_raise("threshold", LOG_WARNING,
			    "percent=%u used_bytes=%llu cap_bytes=%llu ledger_seq=%llu", p,
			    (unsigned long long)m->used_bytes, (unsigned long long)a->state.cap,
			    (unsigned long long)next_seq(a));
	}
	if ((m->state == UCAP_MOD_EXHAUSTED || m->used_bytes >= a->state.cap) &&
	    !ledger_alarmed(&a->state, 100)) {
		ledger_add_alarmed(&a->state, 100);
		alarm_raise("exhausted", LOG_CRIT,
			    "used_bytes=%llu cap_bytes=%llu dropped_bytes=%llu ledger_seq=%llu",
			    (unsigned long long)m->used_bytes, (unsigned long long)a->state.cap,
			    (unsigned long long)m->dropped_bytes, (unsigned long long)next_seq(a));
	}
}

/* ---- boot settings: the module's, held to the ledger's ---- */

/* 1 when kernel.modules_disabled is set, 0 when not, -1 unreadable. */
static int modules_locked(void)
{
	FILE *f = fopen("/proc/sys/kernel/modules_disabled", "re");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The reserve in force now: the module's sysfs, which may have narrowed since load. */
static void reserve_in_force(const struct ucap_snapshot *s, struct boot_settings *got)
{
	got->reserve_bytes = s->module.reserve_bytes;
	if (settings_parse_reserve_dst(s->module.reserve_dst, got->reserve_dst,
				       sizeof(got->reserve_dst))) {
		/* Not a list this side takes: shown as it is, to differ. */
		snprintf(got->reserve_dst, sizeof(got->reserve_dst), "%.*s",
			 (int)sizeof(got->reserve_dst) - 1, s->module.reserve_dst);
		ucap_clear_why();
	}
}

/*
 * When the module (re)appears or the ledger changed: the settings the
 * module runs with against the ledger's last record. Weaker ones (a
 * module loaded by hand, or a load that did not hold them) are alarmed,
 * and the lease is no longer raised. Settings not yet recorded (a ledger
 * from before them) are taken from the module, to be recorded from now.
 */
static void check_settings(struct agent *a, const struct ucap_snapshot *s)
{
	struct boot_settings got;
	char want[SETTINGS_VALUE_LEN], have[SETTINGS_VALUE_LEN];
	const char *why = NULL;
	unsigned int k;
	int locked;

	if (!s->module_present) {
		a->settings_checked = false;
		return;
	}
	if (a->settings_checked)
		return;
	a->settings_checked = true;
	a->settings_weak = false;
	if (ucap_module_read_params(&a->params, UCAP_PARAMS_DIR)) {
		why = ucap_why(-EIO);
		goto weak;
	}
	memset(&got, 0, sizeof(got));
	if (settings_from_params(&got, &a->params)) {
		why = ucap_why(-EINVAL);
		goto weak;
	}
	reserve_in_force(s, &got);
	got.lease_step = lease_step_held(&a->cfg, s->module.cap_bytes, &a->state);
	locked = modules_locked();
	got.lock_modules = locked == 1;
	if (!a->state.have_settings) {
		a->state.settings = got;
		a->state.have_settings = true;
		return;
	}
	for (k = 0; k < SETTINGS_N; k++) {
		/*
		 * Modules are locked after load: not yet, at an agent's start.
		 * The reserve is checked every tick (check_reserve()).
		 */
		if (k == SETTING_LOCK_MODULES || k == SETTING_LEASE_STEP ||
		    k == SETTING_RESERVE_BYTES || k == SETTING_RESERVE_DST)
			continue;
		if (!setting_weaker(&got, &a->state.settings, k))
			continue;
		alarm_raise("settings_weakened", LOG_ALERT,
			    "setting=%s recorded=%s in_force=%s ledger_seq=%llu action=\"the lease is not raised\"",
			    setting_name(k), setting_value(&a->state.settings, k, want, sizeof(want)),
			    setting_value(&got, k, have, sizeof(have)),
			    (unsigned long long)a->state.seq);
		a->settings_weak = true;
	}
	if (a->state.settings.lock_modules && locked == 0)
		alarm_raise("settings_weakened", LOG_ALERT,
			    "setting=lock_modules recorded=yes in_force=no ledger_seq=%llu action=\"alarm only\"",
			    (unsigned long long)a->state.seq);
	return;
weak:
	alarm_raise("settings_weakened", LOG_ALERT,
		    "reason=\"%s\" action=\"the lease is not raised\"", why);
	ucap_clear_why();
	a->settings_weak = true;
}

/*
 * The management reserve (kmod/reserve.c) against the ledger's record,
 * every tick: while the module is unarmed its reserve may still be
 * raised in sysfs. A reserve larger or wider than recorded lets past the
 * cap what no later boot is held to: alarmed once, and the lease is not
 * raised from then on.
 */
static void check_reserve(struct agent *a, const struct ucap_snapshot *s)
{
	static const enum setting keys[] = { SETTING_RESERVE_BYTES, SETTING_RESERVE_DST };
	char want[SETTINGS_VALUE_LEN], have[SETTINGS_VALUE_LEN];
	struct boot_settings got;
	unsigned int i;
	bool weak = false;

	if (!s->module_present || !a->state.have_settings)
		return;
	got = a->state.settings;
	reserve_in_force(s, &got);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!setting_weaker(&got, &a->state.settings, keys[i]))
			continue;
		weak = true;
		if (a->reserve_alarmed)
			continue;
		alarm_raise("settings_weakened", LOG_ALERT,
			    "setting=%s recorded=%s in_force=%s ledger_seq=%llu action=\"the lease is not raised\"",
			    setting_name(keys[i]),
			    setting_value(&a->state.settings, keys[i], want, sizeof(want)),
			    setting_value(&got, keys[i], have, sizeof(have)),
			    (unsigned long long)a->state.seq);
	}
	if (weak) {
		a->settings_weak = true;
		a->reserve_alarmed = true;
	}
}

/* ---- the write-ahead lease ---- */

/*
 * Raise the module's lease when less than half a step is left, after a
 * record reserving the new lease is on disk (lease.h). Without a writable
 * ledger nothing is raised: traffic stops at the lease, alarmed once.
 * After check_module(), so a->state has this tick's figures.
 */
static void raise_lease(struct agent *a, const struct ucap_snapshot *s)
{
	const struct ucap_module *m = &s->module;
	__u64 cap, limit, step, seq;
	struct ledger_rec rec;
	const char *why;
	int ret;

	if (!s->module_present || !m->lease)
		return;
	if (m->anchored) {
		/*
		 * The module raised it itself, after the TPM counter: written
		 * down too, so that the ledger keeps up with the TPM (a ledger
		 * more than a step behind it is ledger_lost at the next load).
		 * A failed write is the next checkpoint's to alarm.
		 */
		if (a->ledger_writable && m->lease_bytes > a->state.reserved) {
			rec = a->state;
			record_stamp(a, &rec);
			rec.reserved = m->lease_bytes;
			if (!evidence_append(&a->ledger, &rec, EVIDENCE_RESERVATION))
				record_written(a, &rec);
		}
		return;
	}
	cap = m->state == UCAP_MOD_UNARMED ? 0 : m->cap_bytes;
	step = lease_step_held(&a->cfg, cap, &a->state);
	/* The reserve in force; one above the recorded holds the lease below. */
	limit = lease_limit(cap, m->reserve_bytes);
	if (!lease_due(m->lease_bytes, m->used_bytes, limit, step))
		return;
	if (!a->ledger_writable) {
		why = "the ledger is not writable";
		ret = -EROFS;
		goto held;
	}
	if (a->settings_weak) {
		why = "the module runs weaker boot settings than the ledger recorded";
		ret = -EPERM;
		goto held;
	}
	rec = a->state;
	record_stamp(a, &rec);
	seq = next_seq(a);
	ret = lease_reserve(&a->ledger, &rec, lease_next(m->used_bytes, limit, step),
			    EVIDENCE_RESERVATION);
	if (a->ledger.have_last && a->ledger.last.seq == seq)
		record_written(a, &rec);	/* whether the raise then took or not */
	if (!ret) {
		a->lease_alarmed = false;
		return;
	}
	why = ucap_why(ret);
held:
	if (!a->lease_alarmed)
		alarm_raise("lease_held", LOG_ALERT,
			    "ledger=%s lease_bytes=%llu used_bytes=%llu reason=\"%s\" action=\"nothing leaves until a reservation is written\"",
			    a->cfg.ledger, (unsigned long long)m->lease_bytes,
			    (unsigned long long)m->used_bytes, why);
	ucap_clear_why();
	a->lease_alarmed = true;
}

/* ---- devices: the three meters compared ---- */

static struct dev_state *dev_find(struct agent *a, const struct ucap_link *l, bool *is_new)
{
	struct dev_state *d;
	size_t i;

	*is_new = false;
	for (i = 0; i < a->ndevs; i++)
		if (a->devs[i].ifindex == l->ifindex && !strcmp(a->devs[i].name, l->name))
			return &a->devs[i];
	d = realloc(a->devs, (a->ndevs + 1) * sizeof(*d));
	if (!d)
		return NULL;
	a->devs = d;
	d = &a->devs[a->ndevs++];
	memset(d, 0, sizeof(*d));
	d->ifindex = l->ifindex;
	snprintf(d->name, sizeof(d->name), "%s", l->name);
	*is_new = true;
	return d;
}

static void reset_alarm(const char *meter, const char *dev, __u64 before, __u64 after)
{
	alarm_raise("counter_reset", LOG_ALERT, "meter=%s device=%s before=%llu after=%llu", meter,
		    dev, (unsigned long long)before, (unsigned long long)after);
}

/* What became of a meter that was attached (d) and is not now (st). */
static const char *meter_missing_detail(const struct dev_state *d,
					const struct ucap_if_stat *st)
{
	if (st->prog_id && st->attach == UCAP_ATTACH_TCX)
		return "another program replaced uploadcap's in its tcx link";
	if (st->prog_id)
		return "another program holds uploadcap's tc position";
	if (d->attach == UCAP_ATTACH_TCX)
		return "uploadcap's tcx link is gone or detached";
	return "uploadcap's tc filter is gone";
}

static void compare_meters(struct dev_state *d, const struct ucap_if_stat *st)
{
	__u64 mod = st->mod ? st->mod->bytes : 0, x = 0, y = 0;
	double now = now_mono();
	bool same_slot = d->attached && st->attached && st->slot == d->slot;

	__u64 lo = st->mod_bytes_lo ? st->mod_bytes_lo : mod;

	/* No lower bound read (no cache): the upper one stands for both. */
	if (cmp_step(&d->div, now, st->mod && st->attached && (same_slot || !d->div.valid[0]),
		     st->bpf.wire_bytes, lo, mod, 0, 0, cmp_diverges, &x, &y))
		alarm_raise("meter_divergence", LOG_ALERT,
			    "device=%s module_bytes=%llu bpf_wire_bytes=%llu", st->link.name,
			    (unsigned long long)y, (unsigned long long)x);
	if (cmp_step(&d->byp, now, st->mod != NULL, st->link.tx_bytes, lo, mod,
		     st->link.tx_packets, CMP_DEV_COUNTER_LAG_S, cmp_bypassed, &x, &y))
		alarm_raise("bypass_suspected", LOG_ALERT,
			    "device=%s dev_tx_bytes=%llu module_bytes=%llu", st->link.name,
			    (unsigned long long)x, (unsigned long long)y);
}

/*
 * A device the module does not guard sends uncapped: alarmed once, from
 * the agent's first ticks on, and again if it is guarded, then not. Only
 * after two ticks in a row, so that a device made between the reads of
 * the module's table and of the links is not taken for one.
 */
static void check_guarded(struct agent *a, struct dev_state *d, const struct ucap_if_stat *st,
			  bool module_present)
{
	bool exempt;

	if (!module_present || st->mod) {
		d->unguarded_ticks = 0;
		d->unguarded_alarmed = false;
		return;
	}
	if (++d->unguarded_ticks < 2 || d->unguarded_alarmed)
		return;
	exempt = settings_exempt_has(a->params.exempt, st->link.name);
	alarm_raise("device_unguarded", LOG_ALERT,
		    "device=%s ifindex=%u reason=\"%s\" action=\"its traffic is not capped\"",
		    st->link.name, st->link.ifindex,
		    exempt ? "exempt by name (exempt=)" : "not in the module's devices table");
	d->unguarded_alarmed = true;
}

static void check_devices(struct agent *a, const struct ucap_snapshot *s)
{
	struct dev_state *d;
	bool is_new;
	size_t i, k;

	for (i = 0; i < a->ndevs; i++)
		a->devs[i].seen = false;
	for (i = 0; i < s->n; i++) {
		const struct ucap_if_stat *st = &s->ifs[i];

		if (ucap_link_is_loopback(&st->link))
			continue;
		d = dev_find(a, &st->link, &is_new);
		if (!d)
			continue;
		d->seen = true;
		if (is_new && !a->first)
			alarm_raise("new_interface", LOG_NOTICE, "device=%s ifindex=%u guarded=%s",
				    st->link.name, st->link.ifindex, st->mod ? "yes" : "no");
		check_guarded(a, d, st, s->module_present);
		if (!is_new) {
			if (st->link.tx_bytes < d->tx_bytes)
				reset_alarm("device", st->link.name, d->tx_bytes, st->link.tx_bytes);
			if (d->attached && st->attached && st->slot == d->slot &&
			    st->bpf.wire_bytes < d->bpf_wire)
				reset_alarm("bpf", st->link.name, d->bpf_wire, st->bpf.wire_bytes);
			if (d->have_mod && st->mod && st->mod->bytes < d->mod_bytes)
				reset_alarm("module", st->link.name, d->mod_bytes, st->mod->bytes);
			/* Without the maps no device looks attached: one alarm says it. */
			if (d->attached && !st->attached && s->meter_present)
				alarm_raise("meter_missing", LOG_ALERT,
					    "device=%s what=program detail=\"%s\" attach=%s",
					    st->link.name, meter_missing_detail(d, st),
					    ucap_attach_name(d->attach) ?: "clsact");
			compare_meters(d, st);
		}
		d->attached = st->attached;
		d->attach = st->attach;
		d->slot = st->slot;
		d->have_mod = st->mod != NULL;
		d->mod_bytes = st->mod ? st->mod->bytes : 0;
		d->bpf_wire = st->bpf.wire_bytes;
		d->tx_bytes = st->link.tx_bytes;
		d->tx_packets = st->link.tx_packets;
	}
	/* Devices that are gone leave the table: memory follows the device count. */
	for (i = k = 0; i < a->ndevs; i++)
		if (a->devs[i].seen)
			a->devs[k++] = a->devs[i];
	a->ndevs = k;

	if (a->meter_seen && !s->meter_present)
		alarm_raise("meter_missing", LOG_ALERT, "what=maps pin_dir=%s", uctl.pin_dir);
	a->meter_seen = s->meter_present;
}

/* ---- rate_anomaly ---- */

static int cmp_u64(const void *x, const void *y)
{
	__u64 a = *(const __u64 *)x, b = *(const __u64 *)y;

	return (a > b) - (a < b);
}

static void check_rate(struct agent *a, const struct ucap_snapshot *s)
{
	__u64 used = s->module_present ? s->module.used_bytes : a->window_used;
	__u64 bytes, median, sorted[1440], limit;
	unsigned int need;
	double now = now_mono();

	if (a->window_start == 0 || used < a->window_used) {
		a->window_start = now;
		a->window_used = used;
		return;
	}
	if (now - a->window_start < a->cfg.rate_window)
		return;
	bytes = used - a->window_used;
	need = a->cfg.rate_history < 5 ? a->cfg.rate_history : 5;
	if (a->nhist >= need) {
		memcpy(sorted, a->hist, a->nhist * sizeof(sorted[0]));
		qsort(sorted, a->nhist, sizeof(sorted[0]), cmp_u64);
		median = sorted[a->nhist / 2];
		limit = (__u64)(a->cfg.rate_multiple * (double)median);
		if (limit < a->cfg.rate_min_bytes)
			limit = a->cfg.rate_min_bytes;
		if (bytes > limit) {
			if (!a->rate_alarmed)
				alarm_raise("rate_anomaly", LOG_WARNING,
					    "window_bytes=%llu median_bytes=%llu multiple=%g window_seconds=%g used_bytes=%llu cap_bytes=%llu",
					    (unsigned long long)bytes, (unsigned long long)median,
					    a->cfg.rate_multiple, a->cfg.rate_window,
					    (unsigned long long)used, (unsigned long long)a->state.cap);
			a->rate_alarmed = true;
		} else {
			a->rate_alarmed = false;
		}
	}
	a->hist[a->hpos] = bytes;
	a->hpos = (a->hpos + 1) % a->cfg.rate_history;
	if (a->nhist < a->cfg.rate_history)
		a->nhist++;
	a->window_start += a->cfg.rate_window;
	if (now - a->window_start >= a->cfg.rate_window)
		a->window_start = now;	/* we were stopped: do not catch up */
	a->window_used = used;
}

static void write_textfile(struct agent *a, const struct ucap_snapshot *s)
{
	int ret;

	if (!a->cfg.textfile[0])
		return;
	ret = uctl_prom_textfile(a->cfg.textfile, s,
				 a->ledger.have_last ? a->ledger.last.time : 0);
	if (ret && !a->textfile_failed)
		fprintf(stderr, "uploadctl: agent: metrics: %s\n", ucap_why(ret));
	ucap_clear_why();
	a->textfile_failed = ret != 0;
}

static int tick(struct agent *a)
{
	struct ucap_snapshot s;
	int ret;

	ret = ucap_snapshot_take(&s, uctl.pin_dir, UCAP_SYSFS_DIR, &a->snap_cache);
	if (ret) {
		/* A meter we cannot read, or that is not what it claims: alarm. */
		if (!a->unreadable_alarmed)
			alarm_raise("meters_unreadable", LOG_ALERT, "reason=\"%s\"", ucap_why(ret));
		else
			fprintf(stderr, "uploadctl: agent: read the meters: %s\n", ucap_why(ret));
		a->unreadable_alarmed = true;
		ucap_clear_why();
		alarm_flush();
		return ret;
	}
	a->unreadable_alarmed = false;
	ledger_watch(a);
	check_module(a, &s);
	check_settings(a, &s);
	check_reserve(a, &s);
	raise_lease(a, &s);
	check_devices(a, &s);
	check_rate(a, &s);
	checkpoint(a, false);
	alarm_flush();
	write_textfile(a, &s);
	ucap_snapshot_free(&s);
	a->first = false;
	return 0;
}

/* ---- configuration ---- */

static int configure(struct agent *a)
{
	struct uctl_config c;
	unsigned int i;
	int ret;

	config_defaults(&c);
	ret = config_load(&c, a->config_path);
	if (ret == -ENOENT && !a->config_required)
		ret = 0;
	for (i = 0; !ret && i < a->ncli; i++)
		ret = config_set(&c, a->cli_key[i], a->cli_val[i]);
	if (ret)
		return ret;
	if (c.rate_history != a->cfg.rate_history || !a->hist) {
		__u64 *h = calloc(c.rate_history, sizeof(*h));

		if (!h)
			return -ENOMEM;
		free(a->hist);
		a->hist = h;
		a->nhist = a->hpos = 0;
	}
	a->cfg = c;
	alarm_set_burst(c.alarm_burst);
	return alarm_open(c.facility) ? ucap_fail(EINVAL, "facility %s", c.facility) : 0;
}

/*
 * systemd's watchdog (WatchdogSec=): fed once a tick and while waiting
 * for a configuration. Without NOTIFY_SOCKET, sd_notify() does nothing.
 */
static void watchdog_feed(void)
{
	sd_notify(0, "WATCHDOG=1");
}

/* How long a wait may be without feeding the watchdog: half its period. */
static int watchdog_poll_ms(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0 || !usec)
		return 60000;
	return usec / 2000 > 60000 ? 60000 : (int)(usec / 2000) + 1;
}

/* At most this long between two reads of a configuration that fails. */
#define CONFIG_RETRY_MAX_SECONDS	300

/*
 * Under systemd, a configuration that fails at start: restarting every
 * second would not fix it. Alarmed (again only when the reason changes),
 * then read again after 1, 2, 4 ... 300 s, or at once on SIGHUP, with the
 * watchdog fed meanwhile; SIGTERM ends the wait. 0: configured; 1:
 * stopped while waiting.
 */
static int wait_for_config(struct agent *a, int sfd, int err)
{
	char why[512], said[512] = "";
	unsigned int delay = 1;
	struct signalfd_siginfo si;
	struct pollfd pfd = { .fd = sfd, .events = POLLIN };
	struct timespec now, until;
	int ms;

	alarm_open("daemon");
	sd_notify(0, "READY=1");
	for (;;) {
		snprintf(why, sizeof(why), "%s", ucap_why(err));
		ucap_clear_why();
		if (strcmp(why, said)) {
			alarm_raise("config_error", LOG_ERR,
				    "config=%s reason=\"%s\" action=\"waiting: read again after at most %u s, or on SIGHUP\"",
				    a->config_path, why, CONFIG_RETRY_MAX_SECONDS);
			snprintf(said, sizeof(said), "%s", why);
		}
		sd_notifyf(0, "STATUS=waiting for a valid configuration: %s", why);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += delay;
		for (;;) {
			watchdog_feed();
			clock_gettime(CLOCK_MONOTONIC, &now);
			ms = (int)((until.tv_sec - now.tv_sec) * 1000 +
				   (until.tv_nsec - now.tv_nsec) / 1000000);
			if (ms <= 0)
				break;
			if (ms > watchdog_poll_ms())
				ms = watchdog_poll_ms();
			if (poll(&pfd, 1, ms) <= 0 || read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo != SIGHUP)
				return 1;
			break;
		}
		err = configure(a);
		if (!err) {
			sd_notify(0, "STATUS=configured");
			return 0;
		}
		delay = delay * 2 > CONFIG_RETRY_MAX_SECONDS ? CONFIG_RETRY_MAX_SECONDS : delay * 2;
	}
}

static int set_timer(int tfd, double interval)
{
	struct itimerspec its = { 0 };

	its.it_interval.tv_sec = (time_t)interval;
	its.it_interval.tv_nsec = (long)((interval - floor(interval)) * 1e9);
	its.it_value = its.it_interval;
	return timerfd_settime(tfd, 0, &its, NULL);
}

/*
 * Signals arrive through sfd from the start (they are blocked before the
 * first tick), so a SIGTERM never cuts a tick or a checkpoint short.
 */
static int run_loop(struct agent *a, int sfd)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	__u64 expirations;
	int tfd, ret = UCTL_OK;

	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (tfd < 0 || set_timer(tfd, a->cfg.interval))
		return uctl_errf("agent: timer: %s", strerror(errno));
	pfd[0] = (struct pollfd){ .fd = tfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };

	for (;;) {
		/* Woken at least every half watchdog period, whatever the interval. */
		if (poll(pfd, 2, watchdog_poll_ms()) < 0) {
			if (errno == EINTR)
				continue;
			ret = uctl_errf("agent: poll: %s", strerror(errno));
			break;
		}
		watchdog_feed();
		if (pfd[1].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				sd_notify(0, "RELOADING=1");
				ret = configure(a);
				sd_notify(0, "READY=1");
				if (ret) {
					ret = UCTL_OK;
					alarm_raise("config_error", LOG_ERR, "config=%s reason=\"%s\"",
						    a->config_path, ucap_why(-EINVAL));
					ucap_clear_why();
				} else {
					set_timer(tfd, a->cfg.interval);
					ledger_start(a, false);
				}
				continue;
			}
			break;	/* SIGTERM, SIGINT */
		}
		if (pfd[0].revents & POLLIN) {
			if (read(tfd, &expirations, sizeof(expirations)) < 0)
				continue;
			tick(a);
		}
	}
	sd_notify(0, "STOPPING=1");
	checkpoint(a, true);
	/* A clean stop, as a collector must tell it from a crash or a kill. */
	alarm_record("agent_stopped", "ledger=%s seq=%llu used_bytes=%llu", a->cfg.ledger,
		     (unsigned long long)a->state.seq, (unsigned long long)a->state.used);
	close(tfd);
	return ret;
}

int cmd_agent(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "ledger", required_argument, NULL, 'l' },
		{ "thresholds", required_argument, NULL, 't' },
		{ "facility", required_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "rate-multiple", required_argument, NULL, 'M' },
		{ "rate-window", required_argument, NULL, 'W' },
		{ "rate-history", required_argument, NULL, 'H' },
		{ "rate-min-bytes", required_argument, NULL, 'B' },
		{ "checkpoint-bytes", required_argument, NULL, 'K' },
		{ "checkpoint-seconds", required_argument, NULL, 'S' },
		{ "alarm-burst", required_argument, NULL, 'A' },
		{ "textfile", required_argument, NULL, 'T' },
		{ "once", no_argument, NULL, 'o' },
		{ "foreground", no_argument, NULL, 'F' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	static const struct { int opt; const char *key; } keys[] = {
		{ 'i', "interval" }, { 'l', "ledger" }, { 't', "thresholds" }, { 'f', "facility" },
		{ 'M', "rate_multiple" }, { 'W', "rate_window" }, { 'H', "rate_history" },
		{ 'B', "rate_min_bytes" }, { 'K', "checkpoint_bytes" },
		{ 'S', "checkpoint_seconds" }, { 'A', "alarm_burst" }, { 'T', "textfile" },
	};
	struct agent a = { .ledger = { .fd = -1 }, .first = true,
			   .config_path = CONFIG_DEFAULT_PATH };
	bool once = false, foreground = false;
	struct uctl_config probe;
	int opt, ret, sfd;
	sigset_t mask;
	size_t k;

	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (keys[k].opt == opt)
				break;
		if (k < sizeof(keys) / sizeof(keys[0])) {
			/* Check now, so that a typo is a usage error. */
			config_defaults(&probe);
			if (config_set(&probe, keys[k].key, optarg)) {
				uctl_usage_err("agent", "%s", ucap_why(-EINVAL));
				return UCTL_USAGE;
			}
			if (a.ncli < sizeof(a.cli_key) / sizeof(a.cli_key[0])) {
				a.cli_key[a.ncli] = keys[k].key;
				a.cli_val[a.ncli++] = optarg;
			}
			continue;
		}
		switch (opt) {
		case 'c':
			a.config_path = optarg;
			a.config_required = true;
			break;
		case 'o':
			once = true;
			break;
		case 'F':
			foreground = true;
			break;
		default:
			ret = uctl_common_opt(opt, argv, "agent", agent_help);
			if (ret >= 0)
				return ret;
		}
	}
	if (optind < argc)
		return uctl_usage_err("agent", "unexpected argument '%s'", argv[optind]);

	ret = ucap_require_root();
	if (ret)
		return uctl_err("agent", ret);
	/* Signals first: a wait for a valid configuration hears them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return uctl_errf("agent: signals: %s", strerror(errno));
	ret = configure(&a);
	/* Under systemd, wait for a configuration instead of a restart loop. */
	if (ret && ret != -ENOMEM && !once && getenv("NOTIFY_SOCKET")) {
		alarm_to_stderr(true);
		if (wait_for_config(&a, sfd, ret)) {
			close(sfd);
			return UCTL_OK;
		}
		ret = 0;
	}
	if (!ret)
		ret = ledger_boot_id(a.boot, sizeof(a.boot));
	if (ret) {
		close(sfd);
		return uctl_err("agent", ret);
	}
	alarm_to_stderr(foreground || once);
	snprintf(a.state.state, sizeof(a.state.state), "absent");
	ledger_start(&a, true);

	if (!once && !foreground && daemon(0, 0)) {
		close(sfd);
		return uctl_errf("agent: detach: %s", strerror(errno));
	}
	ret = ucap_snapshot_cache_init(&a.snap_cache);
	if (ret) {
		close(sfd);
		return uctl_err("agent: watch devices", ret);
	}
	ret = tick(&a);
	sd_notify(0, "READY=1\nSTATUS=running");
	watchdog_feed();
	if (once) {
		checkpoint(&a, true);
		ret = ret ? UCTL_FAIL : UCTL_OK;
	} else {
		ret = run_loop(&a, sfd);
	}
	ucap_snapshot_cache_free(&a.snap_cache);
	free(a.mod_devs);
	close(sfd);
	ledger_close(&a.ledger);
	free(a.devs);
	free(a.hist);
	return ret;
}
