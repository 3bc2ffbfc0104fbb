// SPDX-License-Identifier: GPL-2.0
/*
 * uploadcap.ko's figures, read from its sysfs directory, and the one write
 * userspace makes there: the cap.
 *
 * Every file read is checked to be on sysfs (fstatfs() of the open file),
 * and nothing may be mounted at or below the module's directory (our own
 * /proc/self/mountinfo): a file or a file system mounted over the
 * directory or one of its files (a frozen used_bytes, say, or another
 * sysfs file with a number in it) is refused, not believed. The one mount
 * allowed is the directory bound onto itself (see self_bind()).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include "ucap.h"
#include "ucap_params.h"
#include "ucap_tpm_abi.h"

static const char *const state_names[] = {
	[UCAP_MOD_UNARMED] = "unarmed",
	[UCAP_MOD_ARMED] = "armed",
	[UCAP_MOD_EXHAUSTED] = "exhausted",
};

const char *ucap_mod_state_name(enum ucap_mod_state state)
{
	return state <= UCAP_MOD_EXHAUSTED ? state_names[state] : "unknown";
}

/* fd must be a file of sysfs itself, not something mounted over it. */
static int check_sysfs(int fd, const char *path)
{
	struct statfs st;

	if (fstatfs(fd, &st))
		return ucap_fail(errno, "fstatfs %s: %m", path);
	if ((unsigned long)st.f_type != SYSFS_MAGIC)
		return ucap_fail(EPROTO, "%s is not on sysfs (file system 0x%lx): something is mounted over the module's files",
				 path, (unsigned long)st.f_type);
	return 0;
}

/*
 * A mount at dir that is the module's directory bound onto itself: sysfs,
 * its root dir as sysfs (mounted at /sys) names it. That hides nothing:
 * systemd's ReadWritePaths= makes one under ProtectKernelTunables=, so
 * that the agent may write lease_bytes. Another sysfs directory bound
 * there, or anything else, is not that.
 */
static bool self_bind(const char *dir, const char *root, const char *fstype)
{
	const char *in_sysfs = strchr(dir + 1, '/');

	return !strcmp(fstype, "sysfs") && in_sysfs && !strcmp(root, in_sysfs);
}

/* Refuse a reading when anything is mounted at or below dir. */
static int check_no_mounts(const char *dir)
{
	size_t dlen = strlen(dir), cap = 0;
	char *line = NULL;
	int ret = 0;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return ucap_fail(errno, "open /proc/self/mountinfo: %m");
	while (getline(&line, &cap, f) >= 0) {
		char *save, *tok = strtok_r(line, " ", &save), *root = NULL, *fstype = NULL;
		int field;

		/*
		 * ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] -
		 * FSTYPE ...: the fourth, the fifth, and the one after "-".
		 */
		for (field = 1; tok && field < 5; field++) {
			tok = strtok_r(NULL, " ", &save);
			if (field == 3)
				root = tok;
		}
		if (!tok || strncmp(tok, dir, dlen) || (tok[dlen] != '\0' && tok[dlen] != '/'))
			continue;
		if (tok[dlen] == '\0') {
			char *t;

			while ((t = strtok_r(NULL, " ", &save)) && strcmp(t, "-"))
				;
			fstype = t ? strtok_r(NULL, " ", &save) : NULL;
			if (root && fstype && self_bind(dir, root, fstype))
				continue;
		}
		ret = ucap_fail(EPROTO, "%s is mounted over: the module's files are hidden", tok);
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

static int open_sysfs(const char *path)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ucap_fail(errno, "open %s: %m", path);
	ret = check_sysfs(fd, path);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static int read_text(const char *dir, const char *name, char *buf, size_t len)
{
	char path[512];
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open_sysfs(path);
	if (fd < 0)
		return fd;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return ucap_fail(err, "read %s: %s", path, strerror(err));
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int access_in(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK);
}

static int read_u64(const char *dir, const char *name, __u64 *v)
{
	char buf[32];
	int ret;

	ret = read_text(dir, name, buf, sizeof(buf));
	if (ret)
		return ret;
	if (!ucap_parse_u64(buf, v))
		return ucap_fail(EPROTO, "%s/%s: not a number: '%s'", dir, name, buf);
	return 0;
}

/*
 * The devices table (UCAP_DEV_COLUMNS): a header naming the columns, then
 * one line each. The columns after the required ones came later and may
 * be absent (0); counts is the audit's, for people.
 */
int ucap_module_parse_devices(struct ucap_module *mod, FILE *f, const char *what)
{
	enum {
#define X(id, name, width) id,
		UCAP_DEV_COLUMNS(X)
#undef X
		NCOLS
	};
	static const char *const names[NCOLS] = {
#define X(id, name, width) [id] = name,
		UCAP_DEV_COLUMNS(X)
#undef X
	};
	int col[NCOLS], ncol = 0, i, ret = 0;
	char *line = NULL, *tok, *save;
	size_t cap = 0, lineno = 1;

	if (getline(&line, &cap, f) < 0) {
		ret = ucap_fail(EPROTO, "%s: no header line", what);
		goto out;
	}
	for (i = 0; i < NCOLS; i++)
		col[i] = -1;
	for (tok = strtok_r(line, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save), ncol++)
		for (i = 0; i < NCOLS; i++)
			if (!strcmp(tok, names[i]) && col[i] < 0)
				col[i] = ncol;
	for (i = 0; i < UCAP_DEV_COLUMNS_REQUIRED; i++)
		if (col[i] < 0) {
			ret = ucap_fail(EPROTO, "%s: no column '%s' in the header", what, names[i]);
			goto out;
		}

	while (getline(&line, &cap, f) >= 0) {
		struct ucap_mod_dev d = { 0 }, *v;
		__u64 ifindex = 0, held = 0;
		char *field[16];
		int n = 0;
		bool ok;

		lineno++;
		for (tok = strtok_r(line, " \t\n", &save); tok && n < 16;
		     tok = strtok_r(NULL, " \t\n", &save))
			field[n++] = tok;
		if (!n)
			continue;
		if (n < ncol) {
			ret = ucap_fail(EPROTO, "%s:%zu: short line", what, lineno);
			goto out;
		}
		ok = ucap_parse_u64(field[col[NETNS]], &d.netns_ino) &&
		     ucap_parse_u64(field[col[IFINDEX]], &ifindex) && ifindex <= UINT32_MAX &&
		     ucap_parse_u64(field[col[BYTES]], &d.bytes) &&
		     ucap_parse_u64(field[col[PACKETS]], &d.packets) &&
		     ucap_parse_u64(field[col[DROPPED_PACKETS]], &d.dropped_packets) &&
		     ucap_parse_u64(field[col[DROPPED_BYTES]], &d.dropped_bytes) &&
		     (col[LEN_BYTES] < 0 || ucap_parse_u64(field[col[LEN_BYTES]], &d.len_bytes)) &&
		     (col[BYPASS_BYTES] < 0 || ucap_parse_u64(field[col[BYPASS_BYTES]], &d.bypass_bytes)) &&
		     (col[HELD] < 0 || (ucap_parse_u64(field[col[HELD]], &held) && held <= 1)) &&
		     strlen(field[col[NAME]]) < sizeof(d.name);
		if (!ok) {
			ret = ucap_fail(EPROTO, "%s:%zu: not a device line", what, lineno);
			goto out;
		}
		d.ifindex = (__u32)ifindex;
		d.held = held;
		snprintf(d.name, sizeof(d.name), "%s", field[col[NAME]]);
		v = realloc(mod->devs, (mod->ndevs + 1) * sizeof(*v));
		if (!v) {
			ret = -ENOMEM;
			goto out;
		}
		mod->devs = v;
		mod->devs[mod->ndevs++] = d;
	}
out:
	free(line);
	return ret;
}

int ucap_module_read_devices(struct ucap_module *mod, const char *dir)
{
	char path[512];
	FILE *f;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/" UCAP_SYSFS_DEVICES, dir);
	fd = open_sysfs(path);
	if (fd < 0)
		return fd;
	f = fdopen(fd, "re");
	if (!f) {
		ret = ucap_fail(errno, "open %s: %m", path);
		close(fd);
		return ret;
	}
	ret = ucap_module_parse_devices(mod, f, path);
	fclose(f);
	return ret;
}

const struct ucap_figure ucap_figures[] = {
#define X(name, src, mode, when, prom, type, help)			\
	{ #name, offsetof(struct ucap_module, name), UCAP_WHEN_##when,		\
	  UCAP_SRC_##src, prom, #type, help },
#define UCAP_SRC_BUDGET false
#define UCAP_SRC_RATE false
#define UCAP_SRC_TPM false
#define UCAP_SRC_DERIVED true
	UCAP_FIGURES(X)
#undef X
#undef UCAP_SRC_BUDGET
#undef UCAP_SRC_RATE
#undef UCAP_SRC_TPM
#undef UCAP_SRC_DERIVED
};
const size_t ucap_nfigures = sizeof(ucap_figures) / sizeof(ucap_figures[0]);

bool ucap_module_has(const struct ucap_module *m, const struct ucap_figure *f, bool for_prom)
{
	switch (f->when) {
	case UCAP_WHEN_ARMED:
		return m->state != UCAP_MOD_UNARMED;
	case UCAP_WHEN_LEASE:
		return m->lease;
	case UCAP_WHEN_RESERVE:
		return for_prom ? m->reserve_bytes != 0 : m->reserve_known;
	case UCAP_WHEN_ANCHORED:
		return m->anchored;
	case UCAP_WHEN_CEILING:
		return m->rate_bytes_per_sec != 0;
	case UCAP_WHEN_ALWAYS:
	default:
		return true;
	}
}

int ucap_module_read(struct ucap_module *mod, const char *dir)
{
	char state[32];
	size_t i;
	int ret;

	memset(mod, 0, sizeof(*mod));
	if (access(dir, F_OK))
		return ucap_fail(ENOENT, "uploadcap.ko is not loaded (%s does not exist)", dir);
	ret = check_no_mounts(dir);
	if (ret)
		return ret;
	ret = read_text(dir, UCAP_SYSFS_STATE, state, sizeof(state));
	if (ret)
		return ret;
	if (!strcmp(state, "unarmed"))
		mod->state = UCAP_MOD_UNARMED;
	else if (!strcmp(state, "armed"))
		mod->state = UCAP_MOD_ARMED;
	else if (!strcmp(state, "exhausted"))
		mod->state = UCAP_MOD_EXHAUSTED;
	else
		return ucap_fail(EPROTO, "%s/state: unknown state '%s'", dir, state);

	/* Beside sysfs/kernel/uploadcap: the module's own directory. */
	if (read_text("/sys/module/uploadcap", "version", mod->version, sizeof(mod->version))) {
		mod->version[0] = '\0';
		ucap_clear_why();
	}

	mod->lease = !access_in(dir, "lease_bytes");
	/* The reserve's files are there from the module that has it on. */
	mod->reserve_known = !access_in(dir, "reserve_bytes");
	ret = read_text(dir, UCAP_SYSFS_TPM_STATE, mod->tpm_state, sizeof(mod->tpm_state));
	mod->anchored = !strcmp(mod->tpm_state, UCAP_TPM_STATE_ANCHORED);
	/* used_bytes last: what it says is then at least what the rest saw. */
	for (i = 0; !ret && i < ucap_nfigures; i++) {
		const struct ucap_figure *fig = &ucap_figures[i];

		if (fig->derived || fig->offset == offsetof(struct ucap_module, used_bytes) ||
		    (fig->when == UCAP_WHEN_LEASE && !mod->lease) ||
		    (fig->when == UCAP_WHEN_RESERVE && !mod->reserve_known))
			continue;
		ret = read_u64(dir, fig->name, (__u64 *)((char *)mod + fig->offset));
	}
	if (!ret && mod->reserve_known)
		ret = read_text(dir, UCAP_SYSFS_RESERVE_DST, mod->reserve_dst, sizeof(mod->reserve_dst));
	if (!ret)
		ret = ucap_module_read_devices(mod, dir);
	if (!ret)
		ret = read_u64(dir, "used_bytes", &mod->used_bytes);
	if (ret) {
		ucap_module_free(mod);
		return ret;
	}
	mod->remaining_bytes = mod->cap_bytes > mod->used_bytes ?
			       mod->cap_bytes - mod->used_bytes : 0;
	return 0;
}

int ucap_module_read_params(struct ucap_module_params *p, const char *dir)
{
	char v[32];
	__u64 ms;
	int ret;

	memset(p, 0, sizeof(*p));
	if (access(dir, F_OK))
		return ucap_fail(ENOENT, "uploadcap.ko is not loaded (%s does not exist)", dir);
	ret = read_text(dir, UCAP_PARAM_AUDIT_MS, v, sizeof(v));
	if (ret)
		return ret;
	if (!ucap_parse_u64(v, &ms) || ms > UINT_MAX)
		return ucap_fail(EPROTO, "%s/%s: not a number: '%s'", dir, UCAP_PARAM_AUDIT_MS, v);
	p->audit_ms = (unsigned int)ms;
	ret = read_text(dir, UCAP_PARAM_EXEMPT, p->exempt, sizeof(p->exempt));
	if (!ret)
		ret = read_text(dir, UCAP_PARAM_ON_EXHAUST, p->on_exhaust, sizeof(p->on_exhaust));
	if (!ret)
		ret = read_text(dir, UCAP_PARAM_LEASE, v, sizeof(v));
	if (ret)
		return ret;
	if (strcmp(v, "Y") && strcmp(v, "N"))
		return ucap_fail(EPROTO, "%s/%s: not Y or N: '%s'", dir, UCAP_PARAM_LEASE, v);
	p->lease = !strcmp(v, "Y");
	/* A module older than the management reserve has none. */
	if (access_in(dir, UCAP_PARAM_RESERVE_BYTES))
		return 0;
	ret = read_text(dir, UCAP_PARAM_RESERVE_BYTES, v, sizeof(v));
	if (!ret && !ucap_parse_u64(v, &p->reserve_bytes))
		ret = ucap_fail(EPROTO, "%s/%s: not a number: '%s'", dir,
				UCAP_PARAM_RESERVE_BYTES, v);
	if (!ret)
		ret = read_text(dir, UCAP_PARAM_RESERVE_DST, p->reserve_dst, sizeof(p->reserve_dst));
	/* A charp parameter never given shows as "(null)". */
	if (!ret && !strcmp(p->reserve_dst, "(null)"))
		p->reserve_dst[0] = '\0';
	return ret;
}

int ucap_module_check(const struct ucap_module *m, char *why, size_t len)
{
	unsigned __int128 sum = (unsigned __int128)m->audit_charged_bytes + m->restored_bytes;
	__u64 hooks = 0;
	size_t i;

	for (i = 0; i < m->ndevs; i++) {
		sum += m->devs[i].bytes;
		hooks += m->devs[i].bytes;
	}
	if (sum > m->used_bytes)
		snprintf(why, len, "hooks %llu + audit %llu + restored %llu exceed used_bytes %llu",
			 (unsigned long long)hooks, (unsigned long long)m->audit_charged_bytes,
			 (unsigned long long)m->restored_bytes, (unsigned long long)m->used_bytes);
	else if (m->audit_charged_bytes > m->bypass_bytes)
		snprintf(why, len, "audit_charged_bytes %llu exceed bypass_bytes %llu",
			 (unsigned long long)m->audit_charged_bytes,
			 (unsigned long long)m->bypass_bytes);
	else if (m->state != UCAP_MOD_UNARMED && m->used_bytes > m->cap_bytes)
		snprintf(why, len, "used_bytes %llu exceed cap_bytes %llu",
			 (unsigned long long)m->used_bytes, (unsigned long long)m->cap_bytes);
	else
		return 0;
	return -EPROTO;
}

void ucap_module_free(struct ucap_module *mod)
{
	free(mod->devs);
	mod->devs = NULL;
	mod->ndevs = 0;
}

const struct ucap_mod_dev *ucap_module_dev(const struct ucap_module *mod,
					   __u64 netns_ino, __u32 ifindex)
{
	size_t i;

	for (i = 0; i < mod->ndevs; i++)
		if (mod->devs[i].netns_ino == netns_ino && mod->devs[i].ifindex == ifindex)
			return &mod->devs[i];
	return NULL;
}

int ucap_module_set(const char *dir, const char *name, __u64 v)
{
	char path[512], buf[32];
	int fd, len, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return ucap_fail(ENOENT, "uploadcap.ko is not loaded (%s does not exist)", dir);
		return ucap_fail(errno, "open %s: %m", path);
	}
	len = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)v);
	if (write(fd, buf, (size_t)len) != len)
		err = -errno;
	close(fd);
	return err;
}
