// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl load: load uploadcap.ko at boot with the lifetime count and the
 * cap of the ledger's last verified checkpoint, so that rebooting resets
 * nothing. It fails closed: a configured cap above the ledger's gives way
 * to the ledger's (the cap only ever goes down, across reboots too), a
 * weaker boot setting than the ledger recorded gives way to the recorded
 * one (settings.h), and a ledger that fails verification loads the module
 * from its last verified record with the lease held, so that nothing
 * leaves until an operator adopts a ledger. Each is alarmed, and exits 1.
 *
 * The module is loaded with the write-ahead lease (lease.h) and from the
 * last reservation, not the last count: what the last boot may have sent
 * after its last checkpoint is counted. The boot's first reservation is
 * written here, so the host can send before the agent runs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <libkmod.h>

#include "alarm.h"
#include "evidence.h"
#include "config.h"
#include "lease.h"
#include "ledger.h"
#include "settings.h"
#include "tpmnv.h"
#include "uploadctl.h"

static const char load_help[] =
	"Usage: uploadctl load [--cap SIZE] [--ledger PATH] [--module PATH|NAME]\n"
	"                      [--rate-ceiling RATE] [--rate-burst SIZE]\n"
	"                      [--exempt NAMES] [--on-exhaust drop|down] [--audit-ms MS]\n"
	"                      [--attach] [--lock-modules] [--config FILE]\n"
	"\n"
	"Load uploadcap.ko with used_bytes= and cap_bytes= from the last verified\n"
	"checkpoint of the ledger (default " LEDGER_DEFAULT_PATH "). --cap (or cap\n"
	"in the configuration) may lower the ledger's cap, never raise it; without\n"
	"either, the ledger's cap is used, and with neither nor a ledger the\n"
	"module loads unarmed; a missing or empty ledger is alarmed (ledger_missing:\n"
	"expected only at a host's first boot). A configured cap above the\n"
	"ledger's is alarmed (cap_raise_refused; exit 1) and the ledger's applies.\n"
	"--on-exhaust down brings guarded devices down when the cap is used up\n"
	"(default: drop); --audit-ms sets the device audit's interval (default 100).\n"
	"\n"
	"Boot settings only get stronger: exempt, audit_ms, on_exhaust, lease_step,\n"
	"lock_modules, reserve_bytes and reserve_dst are recorded in the ledger,\n"
	"and a later boot applies none weaker than recorded, from the\n"
	"configuration, the command line or modprobe.d (setting_refused; the\n"
	"recorded one applies). The exempt list only shrinks, audit_ms, lease_step\n"
	"and reserve_bytes only fall, drop may become down, locked modules stay\n"
	"locked, and the reserve's destinations only narrow; a ledger from before\n"
	"the reserve holds none. Where sources disagree, the strongest wins.\n"
	"\n"
	"A ledger that fails verification does not leave the host uncapped: the\n"
	"module is loaded from its last verified record, with the lease held at\n"
	"used_bytes, so nothing leaves through guarded devices (ledger_tampered,\n"
	"restore_held; exit 1) until an operator runs 'uploadctl ledger adopt'.\n"
	"\n"
	"The module is loaded with the write-ahead lease: guarded devices send only\n"
	"up to lease_bytes, which is raised a step at a time (lease_step in the\n"
	"configuration; default the smaller of 1% of the cap and 64 MiB) and only\n"
	"after a reserved= record is in the ledger. used_bytes starts from the\n"
	"last record's reservation when that is higher than its count. load makes\n"
	"the boot's first reservation; the agent makes the later ones.\n"
	"\n"
	"--rate-ceiling (rate_ceiling) arms the write-once rate ceiling, e.g.\n"
	"10MB/s, with a burst of --rate-burst (rate_burst; default a tenth of a\n"
	"second at the rate, at least 256 KiB). The ceiling is not in the ledger:\n"
	"each boot's value goes to syslog with ledger_restored.\n"
	"--module names the module (default uploadcap, found by modprobe's rules)\n"
	"or gives a path to it.\n"
	"--attach (attach = yes in the configuration) then attaches the BPF meter\n"
	"to every device of this network namespace, as 'uploadctl attach --all'.\n"
	"--lock-modules then sets kernel.kexec_load_disabled=1 and\n"
	"kernel.modules_disabled=1 (one-way until reboot), as cap set does: last,\n"
	"because attaching may need the kernel's tc modules.\n";

/* What libkmod said last, at most. */
#define KMOD_SAID_LEN	256

/*
 * libkmod's own lines (it prints them to stderr by default): the last
 * error kept, to go into our one line, not printed.
 */
static void kmod_log_keep(void *data, int priority, const char *file, int line,
			  const char *fn, const char *format, va_list args)
{
	char *last = data;

	(void)file;
	(void)line;
	(void)fn;
	if (priority > LOG_ERR)
		return;
	vsnprintf(last, KMOD_SAID_LEN, format, args);
	last[strcspn(last, "\n")] = '\0';
}

/* Why the kernel refused module: one line, with what to do. */
static int insert_refused(const char *module, int err, const char *kmod_said)
{
	char mode[32] = "none";
	struct utsname u;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "this kernel");
	if (ucap_lockdown_mode(mode, sizeof(mode)))
		snprintf(mode, sizeof(mode), "unknown");
	switch (err) {
	case -EEXIST:
		return ucap_fail(EEXIST, "uploadcap.ko is already loaded");
	case -EKEYREJECTED:
	case -ENOKEY:
	case -EKEYEXPIRED:
	case -EKEYREVOKED:
	case -EBADMSG:
	case -ENODATA:
		return ucap_fail(-err, "the kernel refused %s: its signature is missing or not from a key the kernel trusts (%s; module signatures enforced, lockdown %s); install uploadcap-modules signed off the host, or enroll dkms's key as a MOK (/usr/share/doc/uploadcap/operations.md: Secure Boot)",
				 module, strerror(-err), mode);
	case -EPERM:
		if (ucap_modules_disabled())
			return ucap_fail(EPERM, "the kernel refused to load %s: kernel.modules_disabled=1, no module loads until reboot",
					 module);
		if (strcmp(mode, "none"))
			return ucap_fail(EPERM, "the kernel refused %s: lockdown (%s, Secure Boot) loads only modules signed with a trusted key; install uploadcap-modules signed off the host, or enroll dkms's key as a MOK (/usr/share/doc/uploadcap/operations.md: Secure Boot)",
					 module, mode);
		return ucap_fail(EPERM, "the kernel refused to load %s (%s)", module,
				 kmod_said[0] ? kmod_said : strerror(EPERM));
	case -ENOENT:
		return ucap_fail(ENOENT, "module %s not found for kernel %s: is uploadcap-modules or uploadcap-dkms installed and built for it? ('dkms status' says)",
				 module, u.release);
	case -ENOSYS:
		return ucap_fail(ENOSYS, "kernel %s cannot load modules (CONFIG_MODULES is off)",
				 u.release);
	case -ENOEXEC:
		return ucap_fail(ENOEXEC, "the kernel refused %s: built for another kernel than %s (%s); rebuild it ('dkms status')",
				 module, u.release, kmod_said[0] ? kmod_said : strerror(ENOEXEC));
	default:
		return ucap_fail(-err, "load %s: %s%s%s", module, strerror(-err),
				 kmod_said[0] ? ": " : "", kmod_said);
	}
}

static int insert_module(const char *module, const char *options)
{
	struct kmod_module *mod = NULL;
	char kmod_said[KMOD_SAID_LEN] = "";
	struct kmod_ctx *ctx;
	int ret;

	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return ucap_fail(ENOMEM, "libkmod: cannot initialise");
	kmod_set_log_fn(ctx, kmod_log_keep, kmod_said);
	if (strchr(module, '/')) {
		ret = kmod_module_new_from_path(ctx, module, &mod);
		if (!ret)
			ret = kmod_module_insert_module(mod, 0, options);
	} else {
		ret = kmod_module_new_from_name(ctx, module, &mod);
		if (!ret)
			ret = kmod_module_probe_insert_module(mod, KMOD_PROBE_FAIL_ON_LOADED |
							      KMOD_PROBE_IGNORE_COMMAND, options,
							      NULL, NULL, NULL);
		if (ret > 0)
			ret = -ENOENT;	/* blacklisted or a command said no */
	}
	if (ret)
		ret = insert_refused(module, ret, kmod_said);
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return ret;
}

/*
 * The boot's record, with the settings applied, and its first step
 * reserved: the record in the ledger, then the lease. Without a step due
 * (the cap is covered), the record alone. Fails closed: if either fails
 * (*held), the module stays loaded with its lease at used_bytes, so
 * nothing leaves until the agent manages a reservation, and load goes on
 * (its alarms, attaching, locking) but fails. mod is read after, for what
 * load reports.
 */
static int first_reservation(const struct uctl_config *cfg, const struct ledger_check *check,
			     const struct boot_settings *applied, struct ucap_module *mod,
			     bool *held)
{
	struct ledger l = { .fd = -1 };
	struct ledger_rec rec;
	__u64 limit;
	int ret;

	ret = ucap_module_read(mod, UCAP_SYSFS_DIR);
	if (ret)
		return uctl_err("load", ret);
	memset(&rec, 0, sizeof(rec));
	if (check && check->have_last)
		rec = check->last;
	rec.time = (__u64)time(NULL);
	rec.used = mod->used_bytes;
	rec.cap = mod->state == UCAP_MOD_UNARMED ? 0 : mod->cap_bytes;
	snprintf(rec.state, sizeof(rec.state), "%s", ucap_mod_state_name(mod->state));
	rec.have_settings = true;
	rec.settings = *applied;
	ret = ledger_boot_id(rec.boot, sizeof(rec.boot));
	if (!ret)
		ret = ledger_open(&l, cfg->ledger, check);
	/* Anchored, the module raised it itself, after the TPM counter. */
	if (mod->anchored && mod->lease_bytes > rec.reserved)
		rec.reserved = mod->lease_bytes;
	limit = lease_limit(rec.cap, applied->reserve_bytes);
	if (!ret && !mod->anchored &&
	    lease_due(mod->lease_bytes, mod->used_bytes, limit, applied->lease_step))
		ret = lease_reserve(&l, &rec, lease_next(mod->used_bytes, limit,
							 applied->lease_step), EVIDENCE_RESTORE);
	else if (!ret)
		ret = evidence_append(&l, &rec, EVIDENCE_RESTORE);
	ledger_close(&l);
	ucap_module_free(mod);
	*held = ret != 0;
	if (ret) {
		alarm_raise("lease_held", LOG_ALERT,
			    "ledger=%s reason=\"%s\" action=\"nothing leaves until a reservation is written\"",
			    cfg->ledger, ucap_why(ret));
		uctl_errf("load: the module is loaded, but its lease was not raised: %s; "
			  "nothing leaves through guarded devices until it is", ucap_why(ret));
		ucap_clear_why();
	}
	ret = ucap_module_read(mod, UCAP_SYSFS_DIR);
	if (ret)
		return uctl_err("load", ret);
	return 0;
}

/*
 * What the TPM anchor says about this boot, alarmed: an anchor the module
 * refused (it is armed exhausted); no ledger, or a ledger whose last
 * reservation is more than a step behind the TPM's floor (records cut or
 * rolled back, or an agent stopped while traffic flowed): the TPM kept
 * what the ledger lost. last: the ledger's last verified record, or NULL.
 * Returns true when load must fail.
 */
static bool tpm_report(const struct ucap_module *mod, const struct ledger_rec *last,
		       const char *ledger)
{
	__u64 recorded;

	if (!strcmp(mod->tpm_state, UCAP_TPM_STATE_FAILED)) {
		alarm_raise("tpm_anchor_failed", LOG_ALERT,
			    "used_bytes=%llu action=\"module armed exhausted: nothing leaves until an operator re-provisions the TPM anchor\"",
			    (unsigned long long)mod->used_bytes);
		uctl_errf("load: the TPM anchor cannot be trusted (the kernel log says why): the module is armed exhausted; see 'uploadctl tpm status'");
		return true;
	}
	if (!mod->anchored)
		return false;
	recorded = last ? ledger_floor(last) : 0;
	if (last ? mod->tpm_floor_bytes > recorded + mod->lease_step_bytes :
	    mod->tpm_floor_bytes > 0)
		alarm_raise("ledger_lost", LOG_ALERT,
			    "ledger=%s ledger_bytes=%llu tpm_floor_bytes=%llu used_bytes=%llu cap_bytes=%llu reason=\"%s\" action=\"module armed from the TPM anchor\"",
			    ledger, (unsigned long long)recorded,
			    (unsigned long long)mod->tpm_floor_bytes,
			    (unsigned long long)mod->used_bytes, (unsigned long long)mod->cap_bytes,
			    last ? "the ledger is behind the TPM counter by more than a step" :
			    "no ledger, while the TPM counter shows history");
	return false;
}

/* The settings this boot asks for: what holds them, and who asked. */
struct settings_request {
	struct boot_settings want;	/* the strongest of every source */
	struct boot_settings modprobe;	/* what modprobe.d gives ... */
	bool modprobe_given[SETTINGS_N];	/* ... for these */
	struct boot_settings tpm;	/* the TPM policy's, when there is one */
	bool have_tpm;
};

/*
 * The TPM anchor's policy (kmod/tpm.c holds the module to it, whatever
 * load asks): read here too, so that what load applies and records is
 * what will be in force. No TPM, or no policy: nothing; one the module
 * will refuse arms it exhausted, which load reports after loading.
 */
static void tpm_settings(struct settings_request *r)
{
	struct ucap_tpm_policy p;
	struct ucap_tpm *t = NULL;
	struct ucap_tpm_nv nv;

	if (access("/dev/tpmrm0", F_OK) || ucap_tpm_open(&t, UCAP_TPM_TCTI_DEFAULT))
		goto out;
	if (ucap_tpm_nv_public(t, UCAP_TPM_POLICY_INDEX, &nv) || !nv.defined ||
	    nv.attrs != UCAP_TPM_POLICY_ATTRS || ucap_tpm_policy_read(t, &p) ||
	    settings_parse_exempt(p.exempt, r->tpm.exempt, sizeof(r->tpm.exempt)))
		goto out;
	r->tpm.audit_ms = p.audit_ms;
	r->tpm.down = p.flags & UCAP_TPM_POLICY_F_DOWN;
	r->tpm.lease_step = p.step;
	r->tpm.lock_modules = p.flags & UCAP_TPM_POLICY_F_LOCK_MODULES;
	/* Destinations this side does not take: none, the narrowest. */
	r->tpm.reserve_bytes = p.reserve_bytes;
	if (settings_parse_reserve_dst(p.reserve_dst, r->tpm.reserve_dst,
				       sizeof(r->tpm.reserve_dst)))
		r->tpm.reserve_dst[0] = '\0';
	r->have_tpm = true;
out:
	ucap_tpm_close(t);
	ucap_clear_why();
}

/*
 * modprobe.d's options for uploadcap (libkmod), for the settings it may
 * weaken. load passes every one of them explicitly, after these, and the
 * kernel takes the last; still, a weaker one there is an attempt to say so.
 */
static void modprobe_settings(struct settings_request *r)
{
	struct kmod_module *mod = NULL;
	char buf[1024], *tok, *save = NULL, *val;
	struct kmod_ctx *ctx;
	const char *opts;
	size_t len;

	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return;
	if (kmod_module_new_from_name(ctx, "uploadcap", &mod))
		goto unref_ctx;
	opts = kmod_module_get_options(mod);
	if (!opts)
		goto unref_mod;
	snprintf(buf, sizeof(buf), "%s", opts);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		val = strchr(tok, '=');
		if (!val)
			continue;
		*val++ = '\0';
		len = strlen(val);
		if (len >= 2 && val[0] == '"' && val[len - 1] == '"') {
			val[len - 1] = '\0';
			val++;
		}
		/* A value the module would refuse: it is overridden anyway. */
		if (!strcmp(tok, UCAP_PARAM_RESERVE_BYTES) &&
		    ucap_parse_u64(val, &r->modprobe.reserve_bytes))
			r->modprobe_given[SETTING_RESERVE_BYTES] = true;
		else if (!strcmp(tok, UCAP_PARAM_RESERVE_DST) &&
			 !settings_parse_reserve_dst(val, r->modprobe.reserve_dst,
						     sizeof(r->modprobe.reserve_dst)))
			r->modprobe_given[SETTING_RESERVE_DST] = true;
		else if (!strcmp(tok, UCAP_PARAM_EXEMPT) &&
		    !settings_parse_exempt(val, r->modprobe.exempt, sizeof(r->modprobe.exempt)))
			r->modprobe_given[SETTING_EXEMPT] = true;
		else if (!strcmp(tok, UCAP_PARAM_AUDIT_MS) &&
			 !settings_parse_audit_ms(val, &r->modprobe.audit_ms))
			r->modprobe_given[SETTING_AUDIT_MS] = true;
		else if (!strcmp(tok, UCAP_PARAM_ON_EXHAUST) &&
			 (!strcmp(val, "drop") || !strcmp(val, "down"))) {
			r->modprobe.down = !strcmp(val, "down");
			r->modprobe_given[SETTING_ON_EXHAUST] = true;
		}
		ucap_clear_why();
	}
unref_mod:
	kmod_module_unref(mod);
unref_ctx:
	kmod_unref(ctx);
}

static void setting_refused(enum setting k, const char *source, const struct boot_settings *asked,
			    const struct boot_settings *held, const char *held_by)
{
	char a[SETTINGS_VALUE_LEN], h[SETTINGS_VALUE_LEN];

	alarm_raise("setting_refused", LOG_ALERT,
		    "setting=%s source=%s requested=%s applied=%s reason=\"%s\"", setting_name(k),
		    source, setting_value(asked, k, a, sizeof(a)),
		    setting_value(held, k, h, sizeof(h)), held_by);
	uctl_errf("load: %s %s=%s refused: %s; %s applies", source, setting_name(k), a, held_by, h);
}

/*
 * Hold the request to the ledger's last record: nothing weaker applies.
 * Returns how many settings were refused (each alarmed).
 */
static unsigned int hold_settings(struct settings_request *r, const struct ledger_check *check,
				  bool have_ledger)
{
	const struct ledger_rec *last = have_ledger && check->have_last ? &check->last : NULL;
	struct boot_settings asked = r->want;
	unsigned int refused = 0, k;

	for (k = 0; k < SETTINGS_N; k++) {
		if (r->modprobe_given[k])
			setting_strengthen(&r->want, &r->modprobe, k);
		if (last && last->have_settings)
			setting_strengthen(&r->want, &last->settings, k);
		if (r->have_tpm)
			setting_strengthen(&r->want, &r->tpm, k);
	}
	for (k = 0; k < SETTINGS_N; k++) {
		if (r->have_tpm && setting_weaker(&asked, &r->tpm, k)) {
			setting_refused(k, "configuration", &asked, &r->want,
					"weaker than the TPM policy");
			refused++;
		} else if (setting_weaker(&asked, &r->want, k) && last && last->have_settings &&
			   setting_weaker(&asked, &last->settings, k)) {
			setting_refused(k, "configuration", &asked, &r->want,
					"weaker than the ledger recorded");
			refused++;
		}
		if (r->modprobe_given[k] && setting_weaker(&r->modprobe, &r->want, k)) {
			setting_refused(k, "modprobe.d", &r->modprobe, &r->want,
					last && last->have_settings &&
					setting_weaker(&r->modprobe, &last->settings, k) ?
					"weaker than the ledger recorded" :
					"weaker than the configuration");
			refused++;
		}
	}
	return refused;
}

/*
 * What the module runs with, against what was applied: a mismatch (a
 * modprobe.d or install rule load could not see) is alarmed, and holds
 * the lease. Returns true if they match.
 */
static bool settings_in_force(const struct boot_settings *applied)
{
	struct ucap_module_params p;
	struct boot_settings got = *applied;
	char a[SETTINGS_VALUE_LEN], b[SETTINGS_VALUE_LEN];
	unsigned int k;
	bool ok = true;

	if (ucap_module_read_params(&p, UCAP_PARAMS_DIR)) {
		alarm_raise("settings_weakened", LOG_ALERT,
			    "reason=\"%s\" action=\"lease held\"", ucap_why(-EIO));
		uctl_errf("load: cannot read back the module's settings: %s", ucap_why(-EIO));
		ucap_clear_why();
		return false;
	}
	if (settings_from_params(&got, &p)) {	/* shown as they are, to differ */
		snprintf(got.exempt, sizeof(got.exempt), "%.*s", (int)sizeof(got.exempt) - 1,
			 p.exempt);
		snprintf(got.reserve_dst, sizeof(got.reserve_dst), "%.*s",
			 (int)sizeof(got.reserve_dst) - 1, p.reserve_dst);
	}
	ucap_clear_why();
	for (k = 0; k < SETTINGS_N; k++) {
		setting_value(applied, k, a, sizeof(a));
		setting_value(&got, k, b, sizeof(b));
		if (strcmp(a, b)) {
			alarm_raise("settings_weakened", LOG_ALERT,
				    "setting=%s applied=%s in_force=%s action=\"lease held\"",
				    setting_name(k), a, b);
			uctl_errf("load: the module runs with %s=%s, not %s: its lease is held",
				  setting_name(k), b, a);
			ok = false;
		}
	}
	if (!p.lease) {
		alarm_raise("settings_weakened", LOG_ALERT,
			    "setting=lease applied=Y in_force=N action=\"module not trusted\"");
		uctl_errf("load: the module was loaded without its lease (lease=N)");
		ok = false;
	}
	return ok;
}

int cmd_load(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cap", required_argument, NULL, 'C' },
		{ "ledger", required_argument, NULL, 'l' },
		{ "module", required_argument, NULL, 'm' },
		{ "exempt", required_argument, NULL, 'e' },
		{ "on-exhaust", required_argument, NULL, 'x' },
		{ "audit-ms", required_argument, NULL, 'A' },
		{ "rate-ceiling", required_argument, NULL, 'r' },
		{ "rate-burst", required_argument, NULL, 'b' },
		{ "lock-modules", no_argument, NULL, 'L' },
		{ "attach", no_argument, NULL, 'a' },
		{ "config", required_argument, NULL, 'c' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *config = CONFIG_DEFAULT_PATH, *keys[12], *vals[12];
	char options[1536], a[64], b[64], sv[SETTINGS_N][SETTINGS_VALUE_LEN];
	bool config_required = false, lock = false, attach = false, have_ledger, held = false;
	bool untrusted = false, failed = false;
	struct settings_request req;
	struct ledger_check check;
	struct uctl_config cfg;
	struct ucap_module mod;
	unsigned int n = 0, i;
	__u64 used = 0, cap;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (opt) {
		case 'C': keys[n] = "cap"; vals[n++] = optarg; break;
		case 'l': keys[n] = "ledger"; vals[n++] = optarg; break;
		case 'm': keys[n] = "module"; vals[n++] = optarg; break;
		case 'e': keys[n] = "exempt"; vals[n++] = optarg; break;
		case 'x': keys[n] = "on_exhaust"; vals[n++] = optarg; break;
		case 'A': keys[n] = "audit_ms"; vals[n++] = optarg; break;
		case 'r': keys[n] = "rate_ceiling"; vals[n++] = optarg; break;
		case 'b': keys[n] = "rate_burst"; vals[n++] = optarg; break;
		case 'L': lock = true; break;
		case 'a': attach = true; break;
		case 'c': config = optarg; config_required = true; break;
		default:
			ret = uctl_common_opt(opt, argv, "load", load_help);
			if (ret >= 0)
				return ret;
		}
		if (n == 12)
			return uctl_usage_err("load", "too many options");
	}
	if (optind < argc)
		return uctl_usage_err("load", "unexpected argument '%s'", argv[optind]);

	config_defaults(&cfg);
	ret = config_load(&cfg, config);
	if (ret == -ENOENT && !config_required)
		ret = 0;
	if (ret)
		return uctl_err("load: configuration", ret);
	for (i = 0; i < n; i++) {
		ret = config_set(&cfg, keys[i], vals[i]);
		if (ret) {
			uctl_usage_err("load", "%s", ucap_why(ret));
			return UCTL_USAGE;
		}
	}
	lock = lock || cfg.lock_modules;
	attach = attach || cfg.attach;
	/* Spent only on traffic to its destinations: without any, on nothing. */
	if (cfg.reserve_bytes && !cfg.reserve_dst[0])
		return uctl_err("load: configuration",
				ucap_fail(EINVAL, "reserve_bytes is set but reserve_dst is not: name the destinations the reserve may reach (the SIEM, the scraper, a jump host)"));
	ret = ucap_require_root();
	if (ret)
		return uctl_err("load", ret);
	alarm_open(cfg.facility);

	ret = ledger_verify(cfg.ledger, &check);
	if (ret && ret != -ENOENT)
		return uctl_err("load: ledger", ret);
	if (!ret && !ledger_intact(&check)) {
		/*
		 * Not trusted past its last verified record: load from that
		 * record, but hold the lease, so that a ledger broken on
		 * purpose never buys an uncapped boot.
		 */
		untrusted = true;
		alarm_raise("ledger_tampered", LOG_ALERT,
			    "ledger=%s record=%zu reason=\"%s\" verified_records=%zu action=\"module loaded from the last verified record, lease held\"",
			    cfg.ledger, check.bad_record, check.bad_why, check.records);
		uctl_errf("load: the ledger %s fails verification at record %zu (%s); "
			  "loading from the %zu record%s before it, with the lease held",
			  cfg.ledger, check.bad_record, check.bad_why, check.records,
			  check.records == 1 ? "" : "s");
	}
	ucap_clear_why();
	have_ledger = !ret;
	if (have_ledger && check.have_last)
		used = ledger_floor(&check.last);
	cap = cfg.cap;
	if (have_ledger && check.have_last && check.last.cap) {
		if (cap > check.last.cap) {
			alarm_raise("cap_raise_refused", LOG_ALERT,
				    "configured_cap_bytes=%llu ledger_cap_bytes=%llu ledger_seq=%llu action=\"the ledger's cap applies\"",
				    (unsigned long long)cap, (unsigned long long)check.last.cap,
				    (unsigned long long)check.last.seq);
			uctl_errf("load: the configured cap %s is higher than the ledger's %s: "
				  "the cap can only be lowered; the ledger's applies",
				  uctl_size(cap, a, sizeof(a)),
				  uctl_size(check.last.cap, b, sizeof(b)));
			failed = true;
			cap = check.last.cap;
		}
		if (!cap)
			cap = check.last.cap;
	}

	memset(&req, 0, sizeof(req));
	snprintf(req.want.exempt, sizeof(req.want.exempt), "%s", cfg.exempt);
	req.want.audit_ms = cfg.audit_ms ? cfg.audit_ms : UCAP_AUDIT_MS_DEFAULT;
	req.want.down = !strcmp(cfg.on_exhaust, "down");
	req.want.lease_step = config_lease_step(&cfg, cap);
	req.want.lock_modules = lock;
	req.want.reserve_bytes = cfg.reserve_bytes;
	snprintf(req.want.reserve_dst, sizeof(req.want.reserve_dst), "%s", cfg.reserve_dst);
	modprobe_settings(&req);
	tpm_settings(&req);
	if (hold_settings(&req, &check, have_ledger))
		failed = true;
	lock = req.want.lock_modules;

	snprintf(options, sizeof(options),
		 "lease=1 cap_bytes=%llu used_bytes=%llu rate_bytes_per_sec=%llu rate_burst_bytes=%llu on_exhaust=%s audit_ms=%u exempt=%s reserve_bytes=%llu reserve_dst=%s",
		 (unsigned long long)cap, (unsigned long long)used,
		 (unsigned long long)cfg.rate_ceiling, (unsigned long long)cfg.rate_burst,
		 req.want.down ? "down" : "drop", req.want.audit_ms, req.want.exempt,
		 (unsigned long long)req.want.reserve_bytes, req.want.reserve_dst);
	ret = insert_module(cfg.module, options);
	if (ret) {
		/* Loudly: the host runs with no cap. The SIEM must hear it. */
		alarm_raise("module_refused", LOG_CRIT, "module=%s reason=\"%s\" action=\"no cap is enforced: fix and run 'uploadctl load' (or reboot)\"",
			    cfg.module, ucap_why(ret));
		return uctl_err("load", ret);
	}
	if (!settings_in_force(&req.want))
		held = true;
	if (untrusted || held) {
		ret = ucap_module_read(&mod, UCAP_SYSFS_DIR);
		if (ret)
			return uctl_err("load", ret);
		alarm_raise("restore_held", LOG_ALERT,
			    "ledger=%s reason=\"%s\" used_bytes=%llu cap_bytes=%llu lease_bytes=%llu action=\"nothing leaves guarded devices until 'uploadctl ledger adopt'\"",
			    cfg.ledger,
			    untrusted ? "the ledger fails verification" :
			    "the module's settings are weaker than applied",
			    (unsigned long long)mod.used_bytes, (unsigned long long)mod.cap_bytes,
			    (unsigned long long)mod.lease_bytes);
		held = true;
	} else {
		ret = first_reservation(&cfg, have_ledger ? &check : NULL, &req.want, &mod, &held);
		if (ret)
			return ret;
	}
	if (tpm_report(&mod, have_ledger && check.have_last ? &check.last : NULL, cfg.ledger))
		failed = true;
	printf("loaded uploadcap.ko: %s, used %s, cap %s", ucap_mod_state_name(mod.state),
	       uctl_size(mod.used_bytes, a, sizeof(a)),
	       mod.cap_bytes ? uctl_size(mod.cap_bytes, b, sizeof(b)) : "none");
	if (mod.rate_bytes_per_sec)
		printf(", rate ceiling %s/s", uctl_size(mod.rate_bytes_per_sec, a, sizeof(a)));
	printf(", lease %s%s", uctl_size(mod.lease_bytes, a, sizeof(a)), held ? " (held)" : "");
	for (i = 0; i < SETTINGS_N; i++)
		setting_value(&req.want, i, sv[i], sizeof(sv[i]));
	if (check.have_last) {
		printf(" (ledger record %llu)\n", (unsigned long long)check.last.seq);
		/*
		 * Every boot's starting point goes off-host: a ledger cut back
		 * to an older record verifies, but its figures going back
		 * between two boots shows there; so do the settings.
		 */
		alarm_raise("ledger_restored", LOG_NOTICE,
			    "ledger=%s seq=%llu ledger_used_bytes=%llu reserved_bytes=%llu lease_bytes=%llu rate_bytes_per_sec=%llu exempt=%s audit_ms=%s on_exhaust=%s lease_step=%s lock_modules=%s reserve_bytes=%s reserve_dst=%s used_bytes=%llu cap_bytes=%llu",
			    cfg.ledger, (unsigned long long)check.last.seq,
			    (unsigned long long)check.last.used, (unsigned long long)check.last.reserved,
			    (unsigned long long)mod.lease_bytes,
			    (unsigned long long)mod.rate_bytes_per_sec,
			    sv[SETTING_EXEMPT], sv[SETTING_AUDIT_MS], sv[SETTING_ON_EXHAUST],
			    sv[SETTING_LEASE_STEP], sv[SETTING_LOCK_MODULES], sv[SETTING_RESERVE_BYTES],
			    sv[SETTING_RESERVE_DST], (unsigned long long)mod.used_bytes,
			    (unsigned long long)mod.cap_bytes);
	} else if (untrusted) {
		printf(" (no verified record in %s)\n", cfg.ledger);
	} else {
		printf(" (no ledger yet: %s)\n", cfg.ledger);
		/*
		 * Right at a host's first boot with uploadcap; anywhere else
		 * the lifetime count was just reset (or, anchored, the TPM
		 * kept it: ledger_lost said so): the SIEM must see it.
		 */
		alarm_raise("ledger_missing", LOG_ALERT,
			    "ledger=%s action=\"module loaded with used_bytes=%llu\" expected=\"only at the first boot\" rate_bytes_per_sec=%llu exempt=%s audit_ms=%s on_exhaust=%s lease_step=%s lock_modules=%s reserve_bytes=%s reserve_dst=%s",
			    cfg.ledger, (unsigned long long)mod.used_bytes,
			    (unsigned long long)mod.rate_bytes_per_sec,
			    sv[SETTING_EXEMPT], sv[SETTING_AUDIT_MS], sv[SETTING_ON_EXHAUST],
			    sv[SETTING_LEASE_STEP], sv[SETTING_LOCK_MODULES], sv[SETTING_RESERVE_BYTES],
			    sv[SETTING_RESERVE_DST]);
	}
	ucap_module_free(&mod);
	ret = UCTL_OK;
	if (attach) {
		char *av[] = { "attach", "--all", NULL };

		optind = 0;	/* a fresh getopt for the command */
		ret = cmd_attach(2, av);
	}
	/* The cap is in force whether the meter attached or not: lock anyway. */
	if (lock && uctl_lock_modules() != UCTL_OK)
		ret = UCTL_FAIL;
	return held || failed ? UCTL_FAIL : ret;
}
