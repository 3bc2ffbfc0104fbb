// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl load: load uploadcap.ko at boot with the lifetime count and the
 * cap of the ledger's last verified checkpoint, so that rebooting resets
 * nothing. It refuses, and raises an alarm, when the ledger fails
 * verification or the configured cap is higher than the ledger's: the
 * cap only ever goes down, across reboots too.
 *
 * The module is loaded with the write-ahead lease (lease.h) and from the
 * last reservation, not the last count: what the last boot may have sent
 * after its last checkpoint is counted. The boot's first reservation is
 * written here, so the host can send before the agent runs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libkmod.h>

#include "alarm.h"
#include "config.h"
#include "lease.h"
#include "ledger.h"
#include "uploadctl.h"

static const char load_help[] =
	"Usage: uploadctl load [--cap SIZE] [--ledger PATH] [--module PATH|NAME]\n"
	"                      [--rate-ceiling RATE] [--rate-burst SIZE]\n"
	"                      [--exempt NAMES] [--on-exhaust drop|down]\n"
	"                      [--attach] [--lock-modules] [--config FILE]\n"
	"\n"
	"Load uploadcap.ko with used_bytes= and cap_bytes= from the last verified\n"
	"checkpoint of the ledger (default " LEDGER_DEFAULT_PATH "). --cap (or cap\n"
	"in the configuration) may lower the ledger's cap, never raise it; without\n"
	"either, the ledger's cap is used, and with neither nor a ledger the\n"
	"module loads unarmed; a missing or empty ledger is alarmed (ledger_missing:\n"
	"expected only at a host's first boot). Refuses, with an alarm, when the\n"
	"ledger fails verification or the cap would be raised. --on-exhaust down\n"
	"brings guarded devices down when the cap is used up (default: drop).\n"
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

static int insert_module(const char *module, const char *options)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	int ret;

	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return ucap_fail(ENOMEM, "libkmod: cannot initialise");
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
	if (ret == -EEXIST)
		ret = ucap_fail(EEXIST, "uploadcap.ko is already loaded");
	else if (ret == -EPERM)
		ret = ucap_fail(EPERM, "the kernel refused to load %s (kernel.modules_disabled=1?)",
				module);
	else if (ret == -ENOENT)
		ret = ucap_fail(ENOENT, "module %s not found", module);
	else if (ret)
		ret = ucap_fail(ret, "load %s: %s", module, strerror(-ret));
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return ret;
}

/*
 * Reserve the boot's first step: a record in the ledger, then the lease.
 * Fails closed: if either fails (*held), the module stays loaded with its
 * lease at used_bytes, so nothing leaves until the agent manages a
 * reservation, and load goes on (its alarms, attaching, locking) but
 * fails. mod is read after, for what load reports.
 */
static int first_reservation(const struct uctl_config *cfg, const struct ledger_check *check,
			     struct ucap_module *mod, bool *held)
{
	struct ledger l = { .fd = -1 };
	struct ledger_rec rec;
	__u64 step;
	int ret;

	ret = ucap_module_read(mod, UCAP_SYSFS_DIR);
	if (ret)
		return uctl_err("load", ret);
	if (!mod->lease) {
		ucap_module_free(mod);
		return uctl_errf("load: %s has no write-ahead lease (lease_bytes): an older uploadcap.ko?",
				 cfg->module);
	}
	memset(&rec, 0, sizeof(rec));
	if (check && check->have_last)
		rec = check->last;
	rec.time = (__u64)time(NULL);
	rec.used = mod->used_bytes;
	rec.cap = mod->state == UCAP_MOD_UNARMED ? 0 : mod->cap_bytes;
	snprintf(rec.state, sizeof(rec.state), "%s", ucap_mod_state_name(mod->state));
	ret = ledger_boot_id(rec.boot, sizeof(rec.boot));
	if (!ret)
		ret = ledger_open(&l, cfg->ledger, check);
	step = config_lease_step(cfg, rec.cap);
	if (!ret && lease_due(mod->lease_bytes, mod->used_bytes, rec.cap, step))
		ret = lease_reserve(&l, &rec, lease_next(mod->used_bytes, rec.cap, step));
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

int cmd_load(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cap", required_argument, NULL, 'C' },
		{ "ledger", required_argument, NULL, 'l' },
		{ "module", required_argument, NULL, 'm' },
		{ "exempt", required_argument, NULL, 'e' },
		{ "on-exhaust", required_argument, NULL, 'x' },
		{ "rate-ceiling", required_argument, NULL, 'r' },
		{ "rate-burst", required_argument, NULL, 'b' },
		{ "lock-modules", no_argument, NULL, 'L' },
		{ "attach", no_argument, NULL, 'a' },
		{ "config", required_argument, NULL, 'c' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *config = CONFIG_DEFAULT_PATH, *keys[12], *vals[12];
	char options[640], a[64], b[64];
	bool config_required = false, lock = false, attach = false, have_ledger, held = false;
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
	ret = ucap_require_root();
	if (ret)
		return uctl_err("load", ret);
	alarm_open(cfg.facility);

	ret = ledger_verify(cfg.ledger, &check);
	if (ret && ret != -ENOENT)
		return uctl_err("load: ledger", ret);
	if (!ret && !ledger_intact(&check)) {
		alarm_raise("ledger_tampered", LOG_ALERT,
			    "ledger=%s record=%zu reason=\"%s\" action=\"module not loaded\"",
			    cfg.ledger, check.bad_record, check.bad_why);
		return uctl_errf("load: refusing: the ledger %s fails verification at record %zu (%s); "
				 "investigate, then move it aside to start a new one",
				 cfg.ledger, check.bad_record, check.bad_why);
	}
	ucap_clear_why();
	have_ledger = !ret;
	if (have_ledger && check.have_last)
		used = ledger_floor(&check.last);
	cap = cfg.cap;
	if (!ret && check.have_last && check.last.cap) {
		if (cap > check.last.cap) {
			alarm_raise("cap_raise_refused", LOG_ALERT,
				    "configured_cap_bytes=%llu ledger_cap_bytes=%llu ledger_seq=%llu action=\"module not loaded\"",
				    (unsigned long long)cap, (unsigned long long)check.last.cap,
				    (unsigned long long)check.last.seq);
			return uctl_errf("load: refusing: the configured cap %s is higher than the ledger's %s; "
					 "the cap can only be lowered",
					 uctl_size(cap, a, sizeof(a)),
					 uctl_size(check.last.cap, b, sizeof(b)));
		}
		if (!cap)
			cap = check.last.cap;
	}

	snprintf(options, sizeof(options),
		 "lease=1 cap_bytes=%llu used_bytes=%llu rate_bytes_per_sec=%llu rate_burst_bytes=%llu on_exhaust=%s%s%s",
		 (unsigned long long)cap, (unsigned long long)used,
		 (unsigned long long)cfg.rate_ceiling, (unsigned long long)cfg.rate_burst,
		 cfg.on_exhaust, cfg.exempt[0] ? " exempt=" : "", cfg.exempt);
	ret = insert_module(cfg.module, options);
	if (ret)
		return uctl_err("load", ret);
	ret = first_reservation(&cfg, have_ledger ? &check : NULL, &mod, &held);
	if (ret)
		return ret;
	printf("loaded uploadcap.ko: %s, used %s, cap %s", ucap_mod_state_name(mod.state),
	       uctl_size(mod.used_bytes, a, sizeof(a)),
	       mod.cap_bytes ? uctl_size(mod.cap_bytes, b, sizeof(b)) : "none");
	if (mod.rate_bytes_per_sec)
		printf(", rate ceiling %s/s", uctl_size(mod.rate_bytes_per_sec, a, sizeof(a)));
	printf(", lease %s", uctl_size(mod.lease_bytes, a, sizeof(a)));
	if (check.have_last) {
		printf(" (ledger record %llu)\n", (unsigned long long)check.last.seq);
		/*
		 * Every boot's starting point goes off-host: a ledger cut back
		 * to an older record verifies, but its figures going back
		 * between two boots shows there.
		 */
		alarm_raise("ledger_restored", LOG_NOTICE,
			    "ledger=%s seq=%llu ledger_used_bytes=%llu reserved_bytes=%llu lease_bytes=%llu rate_bytes_per_sec=%llu used_bytes=%llu cap_bytes=%llu",
			    cfg.ledger, (unsigned long long)check.last.seq,
			    (unsigned long long)check.last.used, (unsigned long long)check.last.reserved,
			    (unsigned long long)mod.lease_bytes,
			    (unsigned long long)mod.rate_bytes_per_sec,
			    (unsigned long long)mod.used_bytes, (unsigned long long)mod.cap_bytes);
	} else {
		printf(" (no ledger yet: %s)\n", cfg.ledger);
		/*
		 * Right at a host's first boot with uploadcap; anywhere else
		 * the lifetime count was just reset: the SIEM must see it.
		 */
		alarm_raise("ledger_missing", LOG_ALERT,
			    "ledger=%s action=\"module loaded with used_bytes=0\" expected=\"only at the first boot\" rate_bytes_per_sec=%llu",
			    cfg.ledger, (unsigned long long)mod.rate_bytes_per_sec);
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
	return held ? UCTL_FAIL : ret;
}
