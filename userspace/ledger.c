// SPDX-License-Identifier: GPL-2.0
/*
 * The ledger file: formatting, the SHA-256 chain (OpenSSL's libcrypto),
 * strict parsing and verification, and crash-safe appends.
 *
 * Crash safety: a record is one line written with a single write(2) on an
 * O_APPEND descriptor and followed by fsync(2). A crash can only leave a
 * last line without its newline; verification reports and ignores it, and
 * a writer cuts it off before appending, so it can never merge with, or
 * corrupt, a complete record.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/evp.h>

#include "ledger.h"
#include "ucap.h"

#define LEDGER_MAGIC "ucap1"

static const char zero_hash[LEDGER_HASH_HEX + 1] =
	"0000000000000000000000000000000000000000000000000000000000000000";

static int sha256_hex(const char *data, size_t len, char out[LEDGER_HASH_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return ucap_fail(EIO, "SHA-256 failed (libcrypto)");
	for (i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

bool ledger_alarmed(const struct ledger_rec *rec, unsigned int percent)
{
	unsigned int i;

	for (i = 0; i < rec->nalarmed; i++)
		if (rec->alarmed[i] == percent)
			return true;
	return false;
}

void ledger_rec_merge(struct ledger_rec *st, const struct ledger_rec *r)
{
	unsigned int i, k;

	if (r->used > st->used)
		st->used = r->used;
	if (r->reserved > st->reserved)
		st->reserved = r->reserved;
	if (r->cap && (!st->cap || r->cap < st->cap))
		st->cap = r->cap;
	for (i = 0; i < r->nalarmed; i++)
		ledger_add_alarmed(st, r->alarmed[i]);
	if (!r->have_settings)
		return;
	if (!st->have_settings) {
		st->settings = r->settings;
		st->have_settings = true;
		return;
	}
	for (k = 0; k < SETTINGS_N; k++)
		setting_strengthen(&st->settings, &r->settings, k);
}

void ledger_add_alarmed(struct ledger_rec *r, unsigned int p)
{
	unsigned int i;

	if (ledger_alarmed(r, p) || r->nalarmed == LEDGER_MAX_ALARMED)
		return;
	for (i = r->nalarmed; i > 0 && r->alarmed[i - 1] > p; i--)
		r->alarmed[i] = r->alarmed[i - 1];
	r->alarmed[i] = p;
	r->nalarmed++;
}

/* The hashed part of a record: everything but " hash=...". */
static int format_body(const struct ledger_rec *r, char *buf, size_t len)
{
	char alarmed[LEDGER_MAX_ALARMED * 4 + 2] = "-", settings[LEDGER_MAX_LINE] = "";
	char v[SETTINGS_VALUE_LEN];
	size_t off = 0;
	unsigned int i;
	int n;

	for (i = 0; i < r->nalarmed; i++)
		off += (size_t)snprintf(alarmed + off, sizeof(alarmed) - off, "%s%u",
					i ? "," : "", r->alarmed[i]);
	for (i = 0, off = 0; r->have_settings && i < SETTINGS_N; i++)
		off += (size_t)snprintf(settings + off, sizeof(settings) - off, " %s=%s",
					setting_name(i), setting_value(&r->settings, i, v, sizeof(v)));
	n = snprintf(buf, len, LEDGER_MAGIC " seq=%llu time=%llu boot=%s used=%llu cap=%llu reserved=%llu state=%s alarmed=%s%s prev=%s",
		     (unsigned long long)r->seq, (unsigned long long)r->time, r->boot,
		     (unsigned long long)r->used, (unsigned long long)r->cap,
		     (unsigned long long)r->reserved, r->state, alarmed, settings, r->prev);
	if (n < 0 || (size_t)n >= len)
		return ucap_fail(EOVERFLOW, "ledger record too long");
	return n;
}

static bool is_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return s[len] == '\0';
}

/*
 * The boot settings of a record, the first five given and the reserve's
 * two either both or neither (none then): false if one is bad.
 */
bool ledger_parse_settings(char *const *f, struct boot_settings *s)
{
	__u64 v;

	if (!f[SETTING_RESERVE_BYTES] != !f[SETTING_RESERVE_DST])
		return false;
	if (f[SETTING_RESERVE_BYTES]) {
		if (!ucap_parse_u64(f[SETTING_RESERVE_BYTES], &v))
			return false;
		s->reserve_bytes = v;
		if (strcmp(f[SETTING_RESERVE_DST], "-") &&
		    (settings_parse_reserve_dst(f[SETTING_RESERVE_DST], s->reserve_dst,
						sizeof(s->reserve_dst)) ||
		     strcmp(f[SETTING_RESERVE_DST], s->reserve_dst)))
			return false;	/* not a list, or not in its sorted form */
	} else {
		s->reserve_bytes = 0;
		s->reserve_dst[0] = '\0';
	}

	if (strcmp(f[0], "-") && (settings_parse_exempt(f[0], s->exempt, sizeof(s->exempt)) ||
				  strcmp(f[0], s->exempt)))
		return false;	/* not a list, or not in its sorted form */
	if (settings_parse_audit_ms(f[1], &s->audit_ms))
		return false;
	if (strcmp(f[2], "drop") && strcmp(f[2], "down"))
		return false;
	s->down = !strcmp(f[2], "down");
	if (!ucap_parse_u64(f[3], &v) || !v)
		return false;
	s->lease_step = v;
	if (strcmp(f[4], "yes") && strcmp(f[4], "no"))
		return false;
	s->lock_modules = !strcmp(f[4], "yes");
	return true;
}

/*
 * Strictly parse one line (no newline); why says what is wrong. The fields
 * come in this order; reserved may be absent (a record from before the
 * lease), the boot settings all (records from before them), and the
 * reserve's two (records from before the reserve), nothing else.
 */
static bool parse_line(char *line, struct ledger_rec *r, char *why, size_t whylen)
{
	enum { SEQ, TIME, BOOT, USED, CAP, RESERVED, STATE, ALARMED, EXEMPT,
	       LOCKED = EXEMPT + SETTINGS_N - 1, PREV, HASH, NFIELDS };
	static const char *const keys[NFIELDS] = {
		"seq=", "time=", "boot=", "used=", "cap=", "reserved=", "state=", "alarmed=",
		"exempt=", "audit_ms=", "on_exhaust=", "lease_step=", "lock_modules=",
		"reserve_bytes=", "reserve_dst=", "prev=", "hash=",
	};
	char *tok[NFIELDS + 1], *f[NFIELDS] = { NULL }, *save = NULL, *p;
	unsigned int n = 0, i, k, nsettings = 0, nfirst = 0;

	memset(r, 0, sizeof(*r));
	for (p = strtok_r(line, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
		if (n == NFIELDS + 1) {
			snprintf(why, whylen, "more fields than a record has");
			return false;
		}
		tok[n++] = p;
	}
	if (n < NFIELDS - SETTINGS_N || strcmp(tok[0], LEDGER_MAGIC)) {
		snprintf(why, whylen, "not a ledger record");
		return false;
	}
	for (i = 1, k = 0; k < NFIELDS; k++) {
		size_t kl = strlen(keys[k]);

		if (i < n && !strncmp(tok[i], keys[k], kl)) {
			f[k] = tok[i++] + kl;
			nsettings += k >= EXEMPT && k <= LOCKED;
			nfirst += k >= EXEMPT && k < EXEMPT + SETTINGS_N_PRE_RESERVE;
		} else if (k != RESERVED && (k < EXEMPT || k > LOCKED)) {
			snprintf(why, whylen, "field %u is not %.*s", i + 1, (int)kl - 1, keys[k]);
			return false;
		}
	}
	if (i != n) {
		snprintf(why, whylen, "more fields than a record has");
		return false;
	}
	if (nsettings && (nfirst != SETTINGS_N_PRE_RESERVE ||
			  (nsettings != SETTINGS_N && nsettings != nfirst))) {
		snprintf(why, whylen, "the boot settings are incomplete");
		return false;
	}
	if (nsettings) {
		if (!ledger_parse_settings(&f[EXEMPT], &r->settings)) {
			snprintf(why, whylen, "a boot setting is not valid");
			return false;
		}
		r->have_settings = true;
	}
	if (!ucap_parse_u64(f[SEQ], &r->seq) || !ucap_parse_u64(f[TIME], &r->time) ||
	    !ucap_parse_u64(f[USED], &r->used) || !ucap_parse_u64(f[CAP], &r->cap) ||
	    (f[RESERVED] && !ucap_parse_u64(f[RESERVED], &r->reserved))) {
		snprintf(why, whylen, "a number field is not a number");
		return false;
	}
	if (strlen(f[BOOT]) >= sizeof(r->boot) ||
	    strspn(f[BOOT], "0123456789abcdef-") != strlen(f[BOOT])) {
		snprintf(why, whylen, "bad boot id");
		return false;
	}
	strcpy(r->boot, f[BOOT]);
	if (strcmp(f[STATE], "unarmed") && strcmp(f[STATE], "armed") &&
	    strcmp(f[STATE], "exhausted") && strcmp(f[STATE], "absent")) {
		snprintf(why, whylen, "unknown state '%s'", f[STATE]);
		return false;
	}
	strcpy(r->state, f[STATE]);
	if (strcmp(f[ALARMED], "-")) {
		char *a, *asave = NULL;
		__u64 v;

		for (a = strtok_r(f[ALARMED], ",", &asave); a; a = strtok_r(NULL, ",", &asave)) {
			if (!ucap_parse_u64(a, &v) || v > 100 || r->nalarmed == LEDGER_MAX_ALARMED ||
			    (r->nalarmed && v <= r->alarmed[r->nalarmed - 1])) {
				snprintf(why, whylen, "bad alarmed list");
				return false;
			}
			r->alarmed[r->nalarmed++] = (unsigned int)v;
		}
	}
	if (!is_hex(f[PREV], LEDGER_HASH_HEX) || !is_hex(f[HASH], LEDGER_HASH_HEX)) {
		snprintf(why, whylen, "bad hash field");
		return false;
	}
	strcpy(r->prev, f[PREV]);
	strcpy(r->hash, f[HASH]);
	return true;
}

/* Check record r (line `line` as read) against its predecessor. */
static bool check_record(const char *line, const struct ledger_rec *r,
			 const struct ledger_check *c, char *why, size_t whylen)
{
	char want[LEDGER_HASH_HEX + 1];
	const char *h = strstr(line, " hash=");

	if (!h || sha256_hex(line, (size_t)(h - line), want)) {
		snprintf(why, whylen, "cannot hash the record");
		return false;
	}
	if (strcmp(want, r->hash)) {
		snprintf(why, whylen, "hash mismatch: the record was changed");
		return false;
	}
	if (r->seq != c->records + 1) {
		snprintf(why, whylen, "sequence %llu where %zu was due", (unsigned long long)r->seq,
			 c->records + 1);
		return false;
	}
	if (strcmp(r->prev, c->have_last ? c->last.hash : zero_hash)) {
		snprintf(why, whylen, "prev does not match the previous record's hash: the chain is broken");
		return false;
	}
	if (c->have_last && r->used < c->last.used) {
		snprintf(why, whylen, "used_bytes went down (%llu after %llu)",
			 (unsigned long long)r->used, (unsigned long long)c->last.used);
		return false;
	}
	if (c->have_last && r->reserved < c->last.reserved) {
		snprintf(why, whylen, "reserved_bytes went down (%llu after %llu)",
			 (unsigned long long)r->reserved, (unsigned long long)c->last.reserved);
		return false;
	}
	if (c->have_last && c->last.have_settings) {
		unsigned int k;

		if (!r->have_settings) {
			snprintf(why, whylen, "the boot settings were dropped");
			return false;
		}
		for (k = 0; k < SETTINGS_N; k++)
			if (setting_weaker(&r->settings, &c->last.settings, k)) {
				snprintf(why, whylen, "boot setting %s was weakened", setting_name(k));
				return false;
			}
	}
	if (c->have_last && c->last.cap && (!r->cap || r->cap > c->last.cap)) {
		snprintf(why, whylen, "cap_bytes was raised or cleared (%llu after %llu)",
			 (unsigned long long)r->cap, (unsigned long long)c->last.cap);
		return false;
	}
	return true;
}

int ledger_verify_stream(FILE *f, const char *what, struct ledger_check *c)
{
	char buf[LEDGER_MAX_LINE + 2], copy[LEDGER_MAX_LINE + 2];
	struct ledger_rec r;
	long long off = 0;
	size_t len;

	memset(c, 0, sizeof(*c));
	while (fgets(buf, sizeof(buf), f)) {
		len = strlen(buf);
		if (len == 0 || buf[len - 1] != '\n') {
			if (feof(f)) {
				c->torn = true;	/* a crash cut the last write short */
				c->torn_offset = off;
			} else if (!c->bad_record) {
				c->bad_record = c->records + 1;
				snprintf(c->bad_why, sizeof(c->bad_why), "line too long");
			}
			break;
		}
		off += (long long)len;
		buf[len - 1] = '\0';
		memcpy(copy, buf, len);
		if (!parse_line(copy, &r, c->bad_why, sizeof(c->bad_why)) ||
		    !check_record(buf, &r, c, c->bad_why, sizeof(c->bad_why))) {
			c->bad_record = c->records + 1;
			break;
		}
		c->records++;
		c->last = r;
		c->have_last = true;
	}
	if (ferror(f))
		return ucap_fail(EIO, "read %s", what);
	return 0;
}

int ledger_verify(const char *path, struct ledger_check *c)
{
	FILE *f;
	int ret;

	memset(c, 0, sizeof(*c));
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return ucap_fail(ENOENT, "%s does not exist", path);
		return ucap_fail(errno, "open %s: %m", path);
	}
	ret = ledger_verify_stream(f, path, c);
	fclose(f);
	return ret;
}

int ledger_boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (!f || !fgets(buf, (int)len, f)) {
		if (f)
			fclose(f);
		return ucap_fail(errno ? errno : EIO, "read the boot id: %m");
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int mkdir_parent(const char *path)
{
	char dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) && errno != EEXIST)
		return ucap_fail(errno, "mkdir %s: %m", dir);
	return 0;
}

int ledger_open(struct ledger *l, const char *path, const struct ledger_check *check)
{
	int ret;

	memset(l, 0, sizeof(*l));
	l->fd = -1;	/* ledger_close() after a failure closes nothing */
	snprintf(l->path, sizeof(l->path), "%s", path);
	ret = mkdir_parent(path);
	if (ret)
		return ret;
	l->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (l->fd < 0)
		return ucap_fail(errno, "open %s: %m", path);
	if (check && check->torn && ftruncate(l->fd, check->torn_offset)) {
		ret = ucap_fail(errno, "cut the torn last line of %s: %m", path);
		close(l->fd);
		return ret;
	}
	if (check && check->have_last) {
		l->last = check->last;
		l->have_last = true;
	}
	return 0;
}

void ledger_close(struct ledger *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

int ledger_append(struct ledger *l, struct ledger_rec *rec)
{
	char line[LEDGER_MAX_LINE + 2];
	struct stat st;
	int n;

	rec->seq = l->have_last ? l->last.seq + 1 : 1;
	snprintf(rec->prev, sizeof(rec->prev), "%s", l->have_last ? l->last.hash : zero_hash);
	n = format_body(rec, line, sizeof(line) - LEDGER_HASH_HEX - 8);
	if (n < 0)
		return n;
	if (sha256_hex(line, (size_t)n, rec->hash))
		return -EIO;
	n += snprintf(line + n, sizeof(line) - (size_t)n, " hash=%s\n", rec->hash);
	if (fstat(l->fd, &st))
		return ucap_fail(errno, "stat %s: %m", l->path);
	errno = 0;
	if (write(l->fd, line, (size_t)n) != n) {
		int err = errno ? errno : ENOSPC;

		/* Leave no partial line behind for the next record to join. */
		if (ftruncate(l->fd, st.st_size))
			return ucap_fail(err, "append to %s left a partial line: %s", l->path,
					 strerror(err));
		return ucap_fail(err, "append to %s: %s", l->path, strerror(err));
	}
	if (fsync(l->fd))
		return ucap_fail(errno, "fsync %s: %m", l->path);
	l->last = *rec;
	l->have_last = true;
	return 0;
}
