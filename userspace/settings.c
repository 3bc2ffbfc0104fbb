// SPDX-License-Identifier: GPL-2.0
/* Boot settings that only get stronger: their order, parsing and text. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"
#include "ucap.h"

static const char *const setting_names[SETTINGS_N] = {
	[SETTING_EXEMPT] = "exempt",
	[SETTING_AUDIT_MS] = "audit_ms",
	[SETTING_ON_EXHAUST] = "on_exhaust",
	[SETTING_LEASE_STEP] = "lease_step",
	[SETTING_LOCK_MODULES] = "lock_modules",
	[SETTING_RESERVE_BYTES] = "reserve_bytes",
	[SETTING_RESERVE_DST] = "reserve_dst",
};

/* One reserve destination: as kmod/reserve.c's struct ucap_prefix. */
struct prefix {
	int family;		/* AF_INET or AF_INET6 */
	unsigned int len;	/* bits */
	unsigned char addr[16];	/* host bits zero */
};

struct prefix_list {
	unsigned int n;
	struct prefix p[UCAP_RESERVE_MAX_DST * UCAP_RESERVE_MAX_DST];	/* one per pair */
};

const char *setting_name(enum setting k)
{
	return k < SETTINGS_N ? setting_names[k] : "?";
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What the kernel takes as a device name (dev_valid_name()), less ','. */
static bool valid_name(const char *n)
{
	size_t len = strlen(n);

	if (!len || len >= UCAP_IFNAMSIZ || !strcmp(n, ".") || !strcmp(n, ".."))
		return false;
	return strcspn(n, "/:, \t\n\v\f\r") == len;
}

int settings_parse_exempt(const char *list, char *out, size_t len)
{
	char copy[UCAP_MAX_EXEMPT * UCAP_IFNAMSIZ * 2], *names[UCAP_MAX_EXEMPT + 1];
	char *p, *save = NULL;
	unsigned int n = 0, i;
	size_t off = 0;

	if (strlen(list) >= sizeof(copy))
		return ucap_fail(EINVAL, "exempt: the list is too long");
	snprintf(copy, sizeof(copy), "%s", list);
	for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (!valid_name(p))
			return ucap_fail(EINVAL, "exempt: '%s' is not a device name", p);
		if (n == UCAP_MAX_EXEMPT)
			return ucap_fail(EINVAL, "exempt: more than %d names", UCAP_MAX_EXEMPT);
		names[n++] = p;
	}
	qsort(names, n, sizeof(names[0]), cmp_name);
	if (len)
		out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i && !strcmp(names[i], names[i - 1]))
			continue;
		off += (size_t)snprintf(out + off, off < len ? len - off : 0, "%s%s",
					off ? "," : "", names[i]);
		if (off >= len)
			return ucap_fail(EINVAL, "exempt: the list is too long");
	}
	return 0;
}

int settings_parse_audit_ms(const char *v, unsigned int *ms)
{
	__u64 x;

	if (!ucap_parse_u64(v, &x) || x < UCAP_AUDIT_MS_MIN || x > UCAP_AUDIT_MS_MAX)
		return ucap_fail(EINVAL, "audit_ms: '%s' is not a number of milliseconds from %d to %d",
				 v, UCAP_AUDIT_MS_MIN, UCAP_AUDIT_MS_MAX);
	*ms = (unsigned int)x;
	return 0;
}

/* One "ADDR[/LEN]" (len bytes at s), host bits zero, as the module takes it. */
static bool prefix_parse(const char *s, size_t len, struct prefix *p)
{
	char text[SETTINGS_PREFIX_LEN + 8], *slash;
	unsigned int max, bits, i;
	__u64 v;

	if (!len || len >= sizeof(text))
		return false;
	memcpy(text, s, len);
	text[len] = '\0';
	memset(p, 0, sizeof(*p));
	slash = strchr(text, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, text, p->addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, text, p->addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		return false;
	}
	if (slash && (!ucap_parse_u64(slash, &v) || v > max))
		return false;
	p->len = slash ? (unsigned int)v : max;
	for (i = 0; i < max; i++) {
		bits = p->addr[i / 8] & (0x80 >> (i % 8));
		if (i >= p->len && bits)
			return false;
	}
	return true;
}

static void prefix_text(const struct prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
}

/* Whether a lies within b: as long a prefix or longer, and inside it. */
static bool prefix_within(const struct prefix *a, const struct prefix *b)
{
	unsigned int full = b->len / 8, rest = b->len % 8;

	if (a->family != b->family || a->len < b->len || memcmp(a->addr, b->addr, full))
		return false;
	return !rest || !((a->addr[full] ^ b->addr[full]) & (0xff << (8 - rest)));
}

static int prefix_cmp(const void *x, const void *y)
{
	const struct prefix *a = x, *b = y;
	int c;

	if (a->family != b->family)
		return a->family - b->family;
	c = memcmp(a->addr, b->addr, sizeof(a->addr));
	return c ? c : (int)a->len - (int)b->len;
}

/* A comma-separated list, checked: at most max prefixes. */
static int prefix_list_parse(const char *list, struct prefix_list *l, unsigned int max)
{
	const char *p = list, *n;
	size_t len;

	l->n = 0;
	while ((n = settings_exempt_next(&p, &len))) {
		if (l->n == max)
			return ucap_fail(EINVAL, "reserve_dst: more than %u prefixes", max);
		if (!prefix_parse(n, len, &l->p[l->n]))
			return ucap_fail(EINVAL,
					 "reserve_dst: '%.*s' is not an IPv4 or IPv6 prefix with its host bits zero",
					 (int)len, n);
		l->n++;
	}
	return 0;
}

/* Sorted, deduplicated, at most UCAP_RESERVE_MAX_DST, into out. */
static int prefix_list_text(struct prefix_list *l, char *out, size_t len)
{
	char one[SETTINGS_PREFIX_LEN + 8];
	unsigned int i, kept = 0;
	size_t off = 0;

	qsort(l->p, l->n, sizeof(l->p[0]), prefix_cmp);
	if (len)
		out[0] = '\0';
	for (i = 0; i < l->n; i++) {
		if (i && !prefix_cmp(&l->p[i], &l->p[i - 1]))
			continue;
		if (++kept > UCAP_RESERVE_MAX_DST)
			break;
		prefix_text(&l->p[i], one, sizeof(one));
		off += (size_t)snprintf(out + off, off < len ? len - off : 0, "%s%s",
					off ? "," : "", one);
		if (off >= len)
			return ucap_fail(EINVAL, "reserve_dst: the list is too long");
	}
	return 0;
}

int settings_parse_reserve_dst(const char *list, char *out, size_t len)
{
	struct prefix_list l;
	int ret;

	ret = prefix_list_parse(list, &l, UCAP_RESERVE_MAX_DST);
	return ret ? ret : prefix_list_text(&l, out, len);
}

/* Every prefix of sub lies within one of list (both as settings keep them). */
static bool dst_within(const char *sub, const char *list)
{
	struct prefix_list a, b;
	unsigned int i, j;

	if (prefix_list_parse(sub, &a, UCAP_RESERVE_MAX_DST) ||
	    prefix_list_parse(list, &b, UCAP_RESERVE_MAX_DST)) {
		ucap_clear_why();
		return false;	/* unsure: weaker */
	}
	for (i = 0; i < a.n; i++) {
		for (j = 0; j < b.n && !prefix_within(&a.p[i], &b.p[j]); j++)
			;
		if (j == b.n)
			return false;
	}
	return true;
}

/*
 * What lies within both lists, into out: of each pair, the one within the
 * other. More than the module takes is cut to the first: narrower still.
 */
static void dst_both(const char *x, const char *y, char *out, size_t len)
{
	struct prefix_list a, b, both = { 0 };
	unsigned int i, j;

	out[0] = '\0';
	if (prefix_list_parse(x, &a, UCAP_RESERVE_MAX_DST) ||
	    prefix_list_parse(y, &b, UCAP_RESERVE_MAX_DST)) {
		ucap_clear_why();
		return;		/* none: the narrowest */
	}
	for (i = 0; i < a.n; i++)
		for (j = 0; j < b.n; j++)
			if (prefix_within(&a.p[i], &b.p[j]))
				both.p[both.n++] = a.p[i];
			else if (prefix_within(&b.p[j], &a.p[i]))
				both.p[both.n++] = b.p[j];
	if (prefix_list_text(&both, out, len)) {
		ucap_clear_why();
		out[0] = '\0';
	}
}

const char *setting_value(const struct boot_settings *s, enum setting k, char *buf, size_t len)
{
	switch (k) {
	case SETTING_EXEMPT:
		snprintf(buf, len, "%s", s->exempt[0] ? s->exempt : "-");
		break;
	case SETTING_AUDIT_MS:
		snprintf(buf, len, "%u", s->audit_ms);
		break;
	case SETTING_ON_EXHAUST:
		snprintf(buf, len, "%s", s->down ? "down" : "drop");
		break;
	case SETTING_LEASE_STEP:
		snprintf(buf, len, "%llu", (unsigned long long)s->lease_step);
		break;
	case SETTING_RESERVE_BYTES:
		snprintf(buf, len, "%llu", (unsigned long long)s->reserve_bytes);
		break;
	case SETTING_RESERVE_DST:
		snprintf(buf, len, "%s", s->reserve_dst[0] ? s->reserve_dst : "-");
		break;
	default:
		snprintf(buf, len, "%s", s->lock_modules ? "yes" : "no");
		break;
	}
	return buf;
}

const char *settings_exempt_next(const char **p, size_t *len)
{
	const char *name = *p;

	if (!*name)
		return NULL;
	*len = strcspn(name, ",");
	*p = name + *len + (name[*len] ? 1 : 0);
	return name;
}

/* Is the name of nlen bytes in the comma-separated list? */
static bool in_list(const char *list, const char *name, size_t nlen)
{
	const char *n;
	size_t l;

	while ((n = settings_exempt_next(&list, &l)))
		if (l == nlen && !strncmp(n, name, nlen))
			return true;
	return false;
}

bool settings_exempt_has(const char *list, const char *name)
{
	return in_list(list, name, strlen(name));
}

/* Every name of sub is in list. */
static bool exempt_subset(const char *sub, const char *list)
{
	const char *n;
	size_t l;

	while ((n = settings_exempt_next(&sub, &l)))
		if (!in_list(list, n, l))
			return false;
	return true;
}

int settings_from_params(struct boot_settings *s, const struct ucap_module_params *p)
{
	s->audit_ms = p->audit_ms;
	s->down = !strcmp(p->on_exhaust, "down");
	s->reserve_bytes = p->reserve_bytes;
	return settings_parse_exempt(p->exempt, s->exempt, sizeof(s->exempt)) ?:
	       settings_parse_reserve_dst(p->reserve_dst, s->reserve_dst, sizeof(s->reserve_dst));
}

bool setting_weaker(const struct boot_settings *s, const struct boot_settings *floor,
		    enum setting k)
{
	switch (k) {
	case SETTING_EXEMPT:
		return !exempt_subset(s->exempt, floor->exempt);
	case SETTING_AUDIT_MS:
		return s->audit_ms > floor->audit_ms;
	case SETTING_ON_EXHAUST:
		return floor->down && !s->down;
	case SETTING_LEASE_STEP:
		return s->lease_step > floor->lease_step;
	case SETTING_RESERVE_BYTES:
		return s->reserve_bytes > floor->reserve_bytes;
	case SETTING_RESERVE_DST:
		return !dst_within(s->reserve_dst, floor->reserve_dst);
	default:
		return floor->lock_modules && !s->lock_modules;
	}
}

void setting_strengthen(struct boot_settings *s, const struct boot_settings *other, enum setting k)
{
	char both[sizeof(s->exempt) > sizeof(s->reserve_dst) ? sizeof(s->exempt) :
		  sizeof(s->reserve_dst)];
	const char *p = s->exempt, *n;
	size_t off = 0, l;

	if (!setting_weaker(s, other, k))
		return;
	switch (k) {
	case SETTING_EXEMPT:
		/* What both exempt; both lists are sorted, and so is this. */
		both[0] = '\0';
		while ((n = settings_exempt_next(&p, &l)))
			if (in_list(other->exempt, n, l))
				off += (size_t)snprintf(both + off, sizeof(s->exempt) - off, "%s%.*s",
							off ? "," : "", (int)l, n);
		memcpy(s->exempt, both, sizeof(s->exempt));
		break;
	case SETTING_AUDIT_MS:
		s->audit_ms = other->audit_ms;
		break;
	case SETTING_ON_EXHAUST:
		s->down = true;
		break;
	case SETTING_LEASE_STEP:
		s->lease_step = other->lease_step;
		break;
	case SETTING_RESERVE_BYTES:
		s->reserve_bytes = other->reserve_bytes;
		break;
	case SETTING_RESERVE_DST:
		dst_both(s->reserve_dst, other->reserve_dst, both, sizeof(both));
		memcpy(s->reserve_dst, both, sizeof(s->reserve_dst));
		break;
	default:
		s->lock_modules = true;
		break;
	}
}
