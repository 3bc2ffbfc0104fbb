// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl tpm provision | status: the TPM 2.0 anchor (kmod/tpm.c,
 * kmod/ucap_tpm_abi.h). Provisioning takes the owner's and the lockout
 * authorizations (files, or stdin), uses each for the commands that need
 * it and keeps neither: the host is left unable to undefine the indices,
 * rewrite the policy or clear the TPM. The module reads the anchor at its
 * next load.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "config.h"
#include "settings.h"
#include "tpmnv.h"
#include "uploadctl.h"

/* Increments provisioning makes at most to bring the counter up to --used. */
#define TPM_PROVISION_MAX_INCREMENTS 100000

#define TPM_PROVISION_USAGE							\
	"uploadctl tpm provision --owner-auth FILE|- --lockout-auth FILE|-\n"	\
	"                              [--cap SIZE] [--step SIZE] [--used SIZE]\n"	\
	"                              [--config FILE] [--tcti CONF] [--replace]\n"
#define TPM_STATUS_USAGE "uploadctl tpm status [--tcti CONF] [--json]\n"

#define TPM_PROVISION_TEXT \
	"provision: define the TPM NV counter that keeps the module's lease and the\n" \
	"write-once policy (base, step, cap and the strongest boot settings: exempt,\n" \
	"audit_ms, on_exhaust, lock_modules, reserve_bytes and reserve_dst, from the\n" \
	"configuration), set the owner and lockout authorizations where they are\n" \
	"empty, and disable TPM2_Clear.\n" \
	"Each authorization is read from FILE, or a line of stdin for '-' (owner\n" \
	"first), used, and forgotten: keep it off the host. --used is the lifetime\n" \
	"count to start from (at least the floor an earlier policy recorded, with\n" \
	"--replace). The module takes the anchor at its next load.\n"
#define TPM_STATUS_TEXT "status: the anchor as the TPM shows it, and as the module found it.\n"

static const char tpm_help[] =
	"Usage: " TPM_PROVISION_USAGE "       " TPM_STATUS_USAGE "\n"
	TPM_PROVISION_TEXT "\n" TPM_STATUS_TEXT;
static const char tpm_provision_help[] = "Usage: " TPM_PROVISION_USAGE "\n" TPM_PROVISION_TEXT;
static const char tpm_status_help[] = "Usage: " TPM_STATUS_USAGE "\n" TPM_STATUS_TEXT;

struct tpm_opts {
	const char *tcti;
	const char *config;
	const char *owner_path;
	const char *lockout_path;
	__u64 cap, step, used;
	bool replace;
};

/* An authorization: the file's bytes (one line of stdin for "-"), newline dropped. */
static int read_auth(const char *path, struct ucap_tpm_auth *a, const char *what)
{
	char buf[UCAP_TPM_AUTH_MAX + 2];
	FILE *f = stdin;
	size_t n;

	if (strcmp(path, "-")) {
		f = fopen(path, "re");
		if (!f)
			return ucap_fail(errno, "%s authorization %s: %s", what, path,
					 strerror(errno));
	}
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	if (f != stdin)
		fclose(f);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (!n || n > UCAP_TPM_AUTH_MAX) {
		explicit_bzero(buf, sizeof(buf));
		return ucap_fail(EINVAL, "%s authorization from %s: must be 1 to %d bytes", what,
				 path, UCAP_TPM_AUTH_MAX);
	}
	memcpy(a->value, buf, n);
	a->len = n;
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/* Each hierarchy's authorization: set it where it is empty, else it is given. */
static int take_hierarchies(struct ucap_tpm *t, const struct ucap_tpm_hierarchy *h,
			    const struct ucap_tpm_auth *owner, const struct ucap_tpm_auth *lockout)
{
	int ret = 0;

	if (!h->owner_auth_set)
		ret = ucap_tpm_auth_set(t, UCAP_TPM_OWNER, owner);
	if (!ret && !h->lockout_auth_set)
		ret = ucap_tpm_auth_set(t, UCAP_TPM_LOCKOUT, lockout);
	return ret;
}

/* The floor an existing anchor records, 0 if none can be read. */
static __u64 old_floor(struct ucap_tpm *t)
{
	struct ucap_tpm_policy p;
	__u64 c;

	if (ucap_tpm_policy_read(t, &p) || ucap_tpm_counter_read(t, UCAP_TPM_COUNTER_INDEX, &c) || c < p.base) {
		ucap_clear_why();
		return 0;
	}
	return (c - p.base) * p.step;
}

/* The counter, defined as the module needs it, and written at least once. */
static int ready_counter(struct ucap_tpm *t, const struct ucap_tpm_auth *owner, __u64 *value)
{
	struct ucap_tpm_nv nv;
	int ret;

	ret = ucap_tpm_nv_public(t, UCAP_TPM_COUNTER_INDEX, &nv);
	if (ret)
		return ret;
	if (nv.defined && ((nv.attrs & ~UCAP_TPMA_NV_WRITTEN) != UCAP_TPM_COUNTER_DEFINE_ATTRS ||
			   nv.auth_policy_size || nv.data_size != UCAP_TPM_COUNTER_SIZE)) {
		/* Not ours, or not as the module takes it: a new one starts above it. */
		ret = ucap_tpm_nv_undefine(t, owner, UCAP_TPM_COUNTER_INDEX);
		if (ret)
			return ret;
		nv.defined = false;
	}
	if (!nv.defined) {
		ret = ucap_tpm_nv_define(t, owner, UCAP_TPM_COUNTER_INDEX,
					 UCAP_TPM_COUNTER_DEFINE_ATTRS, UCAP_TPM_COUNTER_SIZE);
		if (ret)
			return ret;
		nv.attrs = UCAP_TPM_COUNTER_DEFINE_ATTRS;
	}
	if (!(nv.attrs & UCAP_TPMA_NV_WRITTEN)) {
		ret = ucap_tpm_counter_increment(t, UCAP_TPM_COUNTER_INDEX);
		if (ret)
			return ret;
	}
	return ucap_tpm_counter_read(t, UCAP_TPM_COUNTER_INDEX, value);
}

static int policy_from_config(const struct tpm_opts *o, struct ucap_tpm_policy *p)
{
	struct uctl_config cfg;
	int ret;

	config_defaults(&cfg);
	ret = config_load(&cfg, o->config);
	if (ret && !(ret == -ENOENT && !strcmp(o->config, CONFIG_DEFAULT_PATH)))
		return ret;
	ucap_clear_why();
	memset(p, 0, sizeof(*p));
	p->counter_index = UCAP_TPM_COUNTER_INDEX;
	p->cap = o->cap ? o->cap : cfg.cap;
	if (!p->cap)
		return ucap_fail(EINVAL, "no cap: give --cap or set cap in %s", o->config);
	p->step = o->step ? o->step : config_lease_step(&cfg, p->cap);
	p->audit_ms = cfg.audit_ms ? cfg.audit_ms : UCAP_AUDIT_MS_DEFAULT;
	if (!strcmp(cfg.on_exhaust, "down"))
		p->flags |= UCAP_TPM_POLICY_F_DOWN;
	if (cfg.lock_modules)
		p->flags |= UCAP_TPM_POLICY_F_LOCK_MODULES;
	snprintf(p->exempt, sizeof(p->exempt), "%s", cfg.exempt);
	if (cfg.reserve_bytes && !cfg.reserve_dst[0])
		return ucap_fail(EINVAL, "reserve_bytes is set but reserve_dst is not in %s",
				 o->config);
	p->reserve_bytes = cfg.reserve_bytes;
	snprintf(p->reserve_dst, sizeof(p->reserve_dst), "%s", cfg.reserve_dst);
	return 0;
}

static int provision(struct ucap_tpm *t, const struct tpm_opts *o,
		     const struct ucap_tpm_auth *owner, const struct ucap_tpm_auth *lockout,
		     struct ucap_tpm_policy *p, __u64 *counter)
{
	__u8 raw[UCAP_TPM_POLICY_SIZE];
	struct ucap_tpm_hierarchy h;
	struct ucap_tpm_nv nv;
	__u64 used = o->used, need, floor;
	unsigned int i;
	int ret;

	ret = ucap_tpm_policy_encode(p, raw);
	if (!ret)
		ret = ucap_tpm_hierarchy_read(t, &h);
	if (ret)
		return ret;
	if (!h.sh_enabled)
		return ucap_fail(EPERM, "the TPM's owner hierarchy is disabled");
	ret = take_hierarchies(t, &h, owner, lockout);
	if (!ret)
		ret = ucap_tpm_nv_public(t, UCAP_TPM_POLICY_INDEX, &nv);
	if (ret)
		return ret;
	if (nv.defined && !o->replace)
		return ucap_fail(EEXIST, "the TPM is already provisioned (0x%08x is defined): --replace re-provisions",
				 UCAP_TPM_POLICY_INDEX);
	if (nv.defined) {
		/* Never below what the anchor being replaced recorded. */
		floor = old_floor(t);
		if (floor > used)
			used = floor;
	}
	ret = ready_counter(t, owner, counter);
	if (ret)
		return ret;
	/* base: the counter at zero bytes, with floor = (counter - base) * step >= used. */
	need = used / p->step + (used % p->step != 0);
	for (i = 0; *counter < need; i++) {
		if (i == TPM_PROVISION_MAX_INCREMENTS)
			return ucap_fail(ERANGE, "--used needs more than %d increments: use a larger step",
					 TPM_PROVISION_MAX_INCREMENTS);
		ret = ucap_tpm_counter_increment(t, UCAP_TPM_COUNTER_INDEX);
		if (!ret)
			ret = ucap_tpm_counter_read(t, UCAP_TPM_COUNTER_INDEX, counter);
		if (ret)
			return ret;
	}
	p->base = *counter - need;
	ret = ucap_tpm_policy_encode(p, raw);
	if (ret)
		return ret;
	/* Last, and as briefly as can be: the TPM without a policy is unanchored. */
	if (nv.defined) {
		ret = ucap_tpm_nv_undefine(t, owner, UCAP_TPM_POLICY_INDEX);
		if (ret)
			return ret;
	}
	ret = ucap_tpm_nv_define(t, owner, UCAP_TPM_POLICY_INDEX, UCAP_TPM_POLICY_DEFINE_ATTRS,
				 UCAP_TPM_POLICY_SIZE);
	if (!ret)
		ret = ucap_tpm_nv_write_lock(t, owner, UCAP_TPM_POLICY_INDEX, raw, sizeof(raw));
	if (ret) {
		char why[256];

		snprintf(why, sizeof(why), "%s", ucap_why(ret));
		return ucap_fail(ret, "%s; the TPM holds no complete policy now: provision again",
				 why);
	}
	if (!ret && !h.disable_clear)
		ret = ucap_tpm_disable_clear(t, lockout);
	return ret;
}

static int tpm_provision(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "owner-auth", required_argument, NULL, 'o' },
		{ "lockout-auth", required_argument, NULL, 'l' },
		{ "cap", required_argument, NULL, 'c' },
		{ "step", required_argument, NULL, 's' },
		{ "used", required_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'f' },
		{ "tcti", required_argument, NULL, 't' },
		{ "replace", no_argument, NULL, 'r' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct tpm_opts o = { .tcti = UCAP_TPM_TCTI_DEFAULT, .config = CONFIG_DEFAULT_PATH };
	struct ucap_tpm_auth owner, lockout;
	struct ucap_tpm_policy p;
	struct ucap_tpm *t = NULL;
	char a[64], b[64];
	__u64 counter = 0;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		__u64 *size = NULL;

		switch (opt) {
		case 'o': o.owner_path = optarg; continue;
		case 'l': o.lockout_path = optarg; continue;
		case 'f': o.config = optarg; continue;
		case 't': o.tcti = optarg; continue;
		case 'r': o.replace = true; continue;
		case 'c': size = &o.cap; break;
		case 's': size = &o.step; break;
		case 'u': size = &o.used; break;
		default:
			ret = uctl_common_opt(opt, argv, "tpm provision", tpm_provision_help);
			if (ret >= 0)
				return ret;
			continue;
		}
		if (ucap_parse_size(optarg, size))
			return uctl_usage_err("tpm provision", "'%s' is not a size", optarg);
	}
	if (optind < argc)
		return uctl_usage_err("tpm provision", "unexpected argument '%s'", argv[optind]);
	if (!o.owner_path || !o.lockout_path)
		return uctl_usage_err("tpm provision", "give --owner-auth and --lockout-auth");
	ret = ucap_require_root();
	if (!ret)
		ret = policy_from_config(&o, &p);
	if (ret)
		return uctl_err("tpm provision", ret);
	ret = read_auth(o.owner_path, &owner, "owner");
	if (!ret)
		ret = read_auth(o.lockout_path, &lockout, "lockout");
	if (!ret)
		ret = ucap_tpm_open(&t, o.tcti);
	if (!ret)
		ret = provision(t, &o, &owner, &lockout, &p, &counter);
	explicit_bzero(&owner, sizeof(owner));
	explicit_bzero(&lockout, sizeof(lockout));
	ucap_tpm_close(t);
	if (ret)
		return uctl_err("tpm provision", ret);
	printf("provisioned: counter %llu, base %llu, step %s, cap %s\n",
	       (unsigned long long)counter, (unsigned long long)p.base,
	       uctl_size(p.step, a, sizeof(a)), uctl_size(p.cap, b, sizeof(b)));
	printf("floor %s; uploadcap.ko takes the anchor at its next load\n",
	       uctl_size((counter - p.base) * p.step, a, sizeof(a)));
	return UCTL_OK;
}

/* What the TPM shows of the anchor, and whether the module would take it. */
struct tpm_view {
	bool have_tpm;
	char tpm_why[256];
	struct ucap_tpm_hierarchy h;
	struct ucap_tpm_nv policy_nv, counter_nv;
	bool have_policy, have_counter;
	struct ucap_tpm_policy policy;
	__u64 counter;
	const char *verdict;	/* UCAP_TPM_STATE_* as the module would find it */
	char problem[256];
	bool module;
	struct ucap_module mod;
};

static void tpm_view_judge(struct tpm_view *v)
{
	v->verdict = UCAP_TPM_STATE_FAILED;
	if (!v->have_tpm) {
		v->verdict = UCAP_TPM_STATE_ABSENT;
		return;
	}
	if (!v->policy_nv.defined) {
		v->verdict = UCAP_TPM_STATE_UNPROVISIONED;
		return;
	}
	if (v->policy_nv.attrs != UCAP_TPM_POLICY_ATTRS || v->policy_nv.auth_policy_size ||
	    (v->policy_nv.data_size != UCAP_TPM_POLICY_SIZE &&
	     v->policy_nv.data_size != UCAP_TPM_POLICY_SIZE_V1))
		snprintf(v->problem, sizeof(v->problem),
			 "policy index attributes 0x%08x, not 0x%08x", v->policy_nv.attrs,
			 UCAP_TPM_POLICY_ATTRS);
	else if (!v->have_policy)
		snprintf(v->problem, sizeof(v->problem), "policy unreadable");
	else if (!v->counter_nv.defined)
		snprintf(v->problem, sizeof(v->problem), "counter index is gone");
	else if (v->counter_nv.attrs != UCAP_TPM_COUNTER_ATTRS ||
		 v->counter_nv.auth_policy_size ||
		 v->counter_nv.data_size != UCAP_TPM_COUNTER_SIZE)
		snprintf(v->problem, sizeof(v->problem),
			 "counter index attributes 0x%08x, not 0x%08x", v->counter_nv.attrs,
			 UCAP_TPM_COUNTER_ATTRS);
	else if (!v->have_counter)
		snprintf(v->problem, sizeof(v->problem), "counter unreadable");
	else if (v->counter < v->policy.base)
		snprintf(v->problem, sizeof(v->problem), "counter below the policy's base");
	else
		v->verdict = UCAP_TPM_STATE_ANCHORED;
}

static void tpm_view_read(struct tpm_view *v, const char *tcti)
{
	struct ucap_tpm *t = NULL;
	int ret;

	memset(v, 0, sizeof(*v));
	v->module = !ucap_module_read(&v->mod, UCAP_SYSFS_DIR);
	ucap_clear_why();
	ret = ucap_tpm_open(&t, tcti);
	if (!ret)
		ret = ucap_tpm_hierarchy_read(t, &v->h);
	if (!ret)
		ret = ucap_tpm_nv_public(t, UCAP_TPM_POLICY_INDEX, &v->policy_nv);
	if (!ret)
		ret = ucap_tpm_nv_public(t, UCAP_TPM_COUNTER_INDEX, &v->counter_nv);
	if (ret) {
		snprintf(v->tpm_why, sizeof(v->tpm_why), "%s", ucap_why(ret));
		ucap_clear_why();
		ucap_tpm_close(t);
		tpm_view_judge(v);
		return;
	}
	v->have_tpm = true;
	v->have_policy = v->policy_nv.defined && !ucap_tpm_policy_read(t, &v->policy);
	v->have_counter = v->counter_nv.defined &&
			  !ucap_tpm_counter_read(t, UCAP_TPM_COUNTER_INDEX, &v->counter);
	ucap_clear_why();
	ucap_tpm_close(t);
	tpm_view_judge(v);
}

static __u64 tpm_view_floor(const struct tpm_view *v)
{
	return !strcmp(v->verdict, UCAP_TPM_STATE_ANCHORED) ?
	       (v->counter - v->policy.base) * v->policy.step : 0;
}

static void tpm_status_json(const struct tpm_view *v)
{
	struct json_object *o = json_object_new_object(), *m;

	json_object_object_add(o, "tpm", json_object_new_boolean(v->have_tpm));
	if (!v->have_tpm)
		json_object_object_add(o, "tpm_error", json_object_new_string(v->tpm_why));
	json_object_object_add(o, "anchor", json_object_new_string(v->verdict));
	if (v->problem[0])
		json_object_object_add(o, "problem", json_object_new_string(v->problem));
	if (v->have_tpm) {
		json_object_object_add(o, "owner_auth_set", json_object_new_boolean(v->h.owner_auth_set));
		json_object_object_add(o, "lockout_auth_set",
				       json_object_new_boolean(v->h.lockout_auth_set));
		json_object_object_add(o, "clear_disabled", json_object_new_boolean(v->h.disable_clear));
		json_object_object_add(o, "platform_hierarchy_enabled",
				       json_object_new_boolean(v->h.ph_enabled));
	}
	if (v->have_policy) {
		json_object_object_add(o, "base", uctl_json_u64(v->policy.base));
		json_object_object_add(o, "step_bytes", uctl_json_u64(v->policy.step));
		json_object_object_add(o, "cap_bytes", uctl_json_u64(v->policy.cap));
		json_object_object_add(o, "audit_ms", json_object_new_int(v->policy.audit_ms));
		json_object_object_add(o, "on_exhaust", json_object_new_string(
			v->policy.flags & UCAP_TPM_POLICY_F_DOWN ? "down" : "drop"));
		json_object_object_add(o, "lock_modules", json_object_new_boolean(
			v->policy.flags & UCAP_TPM_POLICY_F_LOCK_MODULES));
		json_object_object_add(o, "exempt", json_object_new_string(v->policy.exempt));
		json_object_object_add(o, "reserve_bytes", uctl_json_u64(v->policy.reserve_bytes));
		json_object_object_add(o, "reserve_dst", json_object_new_string(v->policy.reserve_dst));
	}
	if (v->have_counter)
		json_object_object_add(o, "counter", uctl_json_u64(v->counter));
	if (!strcmp(v->verdict, UCAP_TPM_STATE_ANCHORED))
		json_object_object_add(o, "floor_bytes", uctl_json_u64(tpm_view_floor(v)));
	if (v->module) {
		m = json_object_new_object();
		json_object_object_add(m, "tpm_state", json_object_new_string(v->mod.tpm_state));
		json_object_object_add(m, "tpm_floor_bytes", uctl_json_u64(v->mod.tpm_floor_bytes));
		json_object_object_add(m, "lease_bytes", uctl_json_u64(v->mod.lease_bytes));
		json_object_object_add(m, "lease_step_bytes", uctl_json_u64(v->mod.lease_step_bytes));
		json_object_object_add(o, "module", m);
	}
	uctl_json_print(o);
	json_object_put(o);
}

static void tpm_status_text(const struct tpm_view *v)
{
	char a[64], b[64];

	if (!v->have_tpm)
		printf("TPM:        none (%s)\n", v->tpm_why);
	printf("anchor:     %s%s%s%s\n", v->verdict, v->problem[0] ? " (" : "", v->problem,
	       v->problem[0] ? ")" : "");
	if (v->have_tpm)
		printf("hierarchy:  owner auth %s, lockout auth %s, clear %s, platform %s\n",
		       v->h.owner_auth_set ? "set" : "EMPTY",
		       v->h.lockout_auth_set ? "set" : "EMPTY",
		       v->h.disable_clear ? "disabled" : "ALLOWED",
		       v->h.ph_enabled ? "enabled" : "disabled");
	if (v->have_policy) {
		printf("policy:     cap %s, step %s, base %llu\n", uctl_size(v->policy.cap, a, sizeof(a)),
		       uctl_size(v->policy.step, b, sizeof(b)), (unsigned long long)v->policy.base);
		printf("settings:   audit_ms %u, on_exhaust %s, lock_modules %s, exempt %s\n",
		       v->policy.audit_ms, v->policy.flags & UCAP_TPM_POLICY_F_DOWN ? "down" : "drop",
		       v->policy.flags & UCAP_TPM_POLICY_F_LOCK_MODULES ? "yes" : "no",
		       v->policy.exempt[0] ? v->policy.exempt : "(none)");
		if (v->policy.reserve_bytes)
			printf("reserve:    %s, to %s\n",
			       uctl_size(v->policy.reserve_bytes, a, sizeof(a)),
			       v->policy.reserve_dst[0] ? v->policy.reserve_dst : "(none)");
		else
			printf("reserve:    none\n");
	}
	if (v->have_counter)
		printf("counter:    %llu\n", (unsigned long long)v->counter);
	if (!strcmp(v->verdict, UCAP_TPM_STATE_ANCHORED))
		printf("floor:      %s\n", uctl_size(tpm_view_floor(v), a, sizeof(a)));
	if (v->module)
		printf("module:     %s, floor at load %s, lease %s\n", v->mod.tpm_state,
		       uctl_size(v->mod.tpm_floor_bytes, a, sizeof(a)),
		       uctl_size(v->mod.lease_bytes, b, sizeof(b)));
	else
		printf("module:     not loaded\n");
	if (v->have_tpm && v->h.ph_enabled)
		printf("warning:    the platform hierarchy is enabled: whoever holds its authorization can clear the TPM\n");
}

static int tpm_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tcti", required_argument, NULL, 't' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *tcti = UCAP_TPM_TCTI_DEFAULT;
	struct tpm_view v;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (opt == 't') {
			tcti = optarg;
			continue;
		}
		ret = uctl_common_opt(opt, argv, "tpm status", tpm_status_help);
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return uctl_usage_err("tpm status", "unexpected argument '%s'", argv[optind]);
	tpm_view_read(&v, tcti);
	if (uctl.json)
		tpm_status_json(&v);
	else
		tpm_status_text(&v);
	if (v.module)
		ucap_module_free(&v.mod);
	/* A provisioned anchor the module would refuse is a failure. */
	return !strcmp(v.verdict, UCAP_TPM_STATE_FAILED) ? UCTL_FAIL : UCTL_OK;
}

static const struct uctl_cmd tpm_cmds[] = {
	{ "provision", tpm_provision, "define the TPM anchor" },
	{ "status", tpm_status, "show the TPM anchor" },
};

int cmd_tpm(int argc, char **argv)
{
	return uctl_subcommand("tpm", tpm_cmds, sizeof(tpm_cmds) / sizeof(tpm_cmds[0]), tpm_help,
			       argc, argv);
}
