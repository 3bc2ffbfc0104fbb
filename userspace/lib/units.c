// SPDX-License-Identifier: GPL-2.0
/* Sizes: formatting for people, and parsing what people type. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ucap.h"

const char *ucap_fmt_iec(__u64 v, char *buf, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = (double)v;
	int i = -1;

	if (v < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)v);
		return buf;
	}
	while (d >= 1024.0 && i < 5) {
		d /= 1024.0;
		i++;
	}
	snprintf(buf, len, "%.2f %s", d, unit[i]);
	return buf;
}

struct unit {
	const char *name;
	__u64 mult;
};

#define K10 1000ULL
#define K2 1024ULL

static const struct unit units[] = {
	{ "", 1 }, { "b", 1 },
	{ "k", K10 }, { "kb", K10 }, { "kib", K2 },
	{ "m", K10 * K10 }, { "mb", K10 * K10 }, { "mib", K2 * K2 },
	{ "g", K10 * K10 * K10 }, { "gb", K10 * K10 * K10 }, { "gib", K2 * K2 * K2 },
	{ "t", K10 * K10 * K10 * K10 }, { "tb", K10 * K10 * K10 * K10 },
	{ "tib", K2 * K2 * K2 * K2 },
	{ "p", K10 * K10 * K10 * K10 * K10 }, { "pb", K10 * K10 * K10 * K10 * K10 },
	{ "pib", K2 * K2 * K2 * K2 * K2 },
	{ "e", K10 * K10 * K10 * K10 * K10 * K10 },
	{ "eb", K10 * K10 * K10 * K10 * K10 * K10 },
	{ "eib", K2 * K2 * K2 * K2 * K2 * K2 },
};

bool ucap_parse_u64(const char *s, __u64 *v)
{
	char *end;

	/* strtoull alone would take spaces, signs and "-1" (as 2^64-1). */
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

/* v * m, or false when it does not fit in 128 bits. */
static bool mul128(unsigned __int128 *v, unsigned __int128 m)
{
	return !__builtin_mul_overflow(*v, m, v);
}

int ucap_parse_size(const char *s, __u64 *out)
{
	/* The value is num / den bytes, kept exact in 128 bits. */
	unsigned __int128 num = 0, den = 1, v;
	const char *p = s, *unit_start;
	bool digits = false;
	int exp = 0, esign = 1;
	size_t ulen, i;
	char unit[8];

	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return ucap_fail(EINVAL, "empty size");
	if (*p == '-')
		return ucap_fail(EINVAL, "'%s': a size cannot be negative", s);
	for (; isdigit((unsigned char)*p); p++, digits = true)
		if (!mul128(&num, 10) || (num += (unsigned int)(*p - '0')) > ~0ULL)
			return ucap_fail(ERANGE, "'%s' is out of range (sizes go up to 2^64-1 bytes)", s);
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, digits = true) {
			/* Past 19 decimals only zeros can still make whole bytes. */
			if (den >= 10000000000000000000ULL) {
				if (*p != '0')
					return ucap_fail(EINVAL, "'%s' is not a whole number of bytes", s);
				continue;
			}
			num = num * 10 + (unsigned int)(*p - '0');
			den *= 10;
		}
	}
	if (!digits)
		return ucap_fail(EINVAL, "'%s' is not a size (expected a number, e.g. 500GB, 1.5TiB or 8e14)", s);
	/* Scientific notation: an e followed by a (signed) exponent. */
	if ((*p == 'e' || *p == 'E') &&
	    (isdigit((unsigned char)p[1]) ||
	     ((p[1] == '-' || p[1] == '+') && isdigit((unsigned char)p[2])))) {
		p++;
		if (*p == '-' || *p == '+')
			esign = *p++ == '-' ? -1 : 1;
		for (; isdigit((unsigned char)*p); p++)
			if ((exp = exp * 10 + (*p - '0')) > 60)
				return ucap_fail(ERANGE, "'%s': exponent out of range", s);
		for (; exp > 0; exp--)
			if (!mul128(esign > 0 ? &num : &den, 10))
				return ucap_fail(ERANGE, "'%s' is out of range", s);
	}
	while (*p == ' ')
		p++;
	unit_start = p;
	while (isalpha((unsigned char)*p))
		p++;
	ulen = (size_t)(p - unit_start);
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return ucap_fail(EINVAL, "'%s': unexpected '%s' after the size", s, p);
	if (ulen >= sizeof(unit))
		goto bad_unit;
	memcpy(unit, unit_start, ulen);
	unit[ulen] = '\0';
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcasecmp(unit, units[i].name))
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		goto bad_unit;

	if (!mul128(&num, units[i].mult))
		return ucap_fail(ERANGE, "'%s' is out of range (sizes go up to 2^64-1 bytes)", s);
	if (num % den)
		return ucap_fail(EINVAL, "'%s' is not a whole number of bytes", s);
	v = num / den;
	if (v > ~0ULL)
		return ucap_fail(ERANGE, "'%s' is larger than 2^64-1 bytes", s);
	if (!v)
		return ucap_fail(EINVAL, "'%s': a size must be more than zero bytes", s);
	*out = (__u64)v;
	return 0;

bad_unit:
	return ucap_fail(EINVAL, "'%s': unknown unit '%.*s' (use B, K, M, G, T, P, E, KB..EB or KiB..EiB)",
			 s, (int)ulen, unit_start);
}

int ucap_parse_rate(const char *s, __u64 *out)
{
	char buf[128];
	size_t n = strlen(s);

	/* "10MB/s" is "10MB" per second; the suffix is optional. */
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= 2 && s[n - 2] == '/' && (s[n - 1] == 's' || s[n - 1] == 'S'))
		n -= 2;
	if (n >= sizeof(buf))
		return ucap_fail(EINVAL, "'%s' is too long for a rate", s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	return ucap_parse_size(buf, out);
}
