// SPDX-License-Identifier: GPL-2.0
/* Boot settings that only get stronger: their order, parsing and text. */
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
	return settings_parse_exempt(p->exempt, s->exempt, sizeof(s->exempt));
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
	default:
		return floor->lock_modules && !s->lock_modules;
	}
}

void setting_strengthen(struct boot_settings *s, const struct boot_settings *other, enum setting k)
{
	char both[sizeof(s->exempt)];
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
				off += (size_t)snprintf(both + off, sizeof(both) - off, "%s%.*s",
							off ? "," : "", (int)l, n);
		memcpy(s->exempt, both, sizeof(both));
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
	default:
		s->lock_modules = true;
		break;
	}
}
