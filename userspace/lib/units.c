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

/*
 * A rate's unit, as tc(8) reads it (case-insensitive): "bit" (bits) and
 * "bps" (bytes) per second, after an SI (k m g t) or IEC (ki mi gi ti)
 * prefix. bits: 8 for bit units, 1 for bytes, 0 for none of tc's.
 */
static unsigned int tc_rate_unit(const char *unit, size_t len, char *prefix, size_t plen)
{
	static const char *const prefixes[] = { "", "k", "m", "g", "t", "ki", "mi", "gi", "ti" };
	static const char *const sizes[] = { "", "k", "m", "g", "t", "kib", "mib", "gib", "tib" };
	size_t i, sl;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		sl = strlen(prefixes[i]);
		if (len != sl + 3 || strncasecmp(unit, prefixes[i], sl))
			continue;
		snprintf(prefix, plen, "%s", sizes[i]);
		if (!strncasecmp(unit + sl, "bit", 3))
			return 8;
		if (!strncasecmp(unit + sl, "bps", 3))
			return 1;
	}
	return 0;
}

int ucap_parse_rate(const char *s, __u64 *out)
{
	char buf[128], prefix[8];
	size_t n = strlen(s), u;
	unsigned int bits;
	__u64 v;
	int ret;

	/* "10MB/s" is "10MB" per second; the suffix is optional. */
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= 2 && s[n - 2] == '/' && (s[n - 1] == 's' || s[n - 1] == 'S'))
		n -= 2;
	if (n >= sizeof(buf))
		return ucap_fail(EINVAL, "'%s' is too long for a rate", s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (u = n; u && isalpha((unsigned char)buf[u - 1]); u--)
		;
	/* "Mb", "kb": bits to a network engineer, bytes to a storage one. */
	if (n - u == 2 && buf[n - 1] == 'b' && strchr("kKmMgGtTpPeE", buf[u]))
		return ucap_fail(EINVAL, "'%s': %s is ambiguous: say %cbit (bits) or %cB, %cbps (bytes) per second",
				 s, buf + u, tolower((unsigned char)buf[u]),
				 toupper((unsigned char)buf[u]), tolower((unsigned char)buf[u]));
	bits = tc_rate_unit(buf + u, n - u, prefix, sizeof(prefix));
	if (!bits)
		return ucap_parse_size(buf, out);
	snprintf(buf + u, sizeof(buf) - u, "%s", prefix);
	ret = ucap_parse_size(buf, &v);
	if (ret)
		return ret;
	if (v % bits)
		return ucap_fail(EINVAL, "'%s' is not a whole number of bytes per second", s);
	*out = v / bits;
	return 0;
}

/* "90", "90s", "15m", "2h", "1d": seconds. */
int ucap_parse_duration(const char *s, __s64 *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!*s || *s == '-')
		return -EINVAL;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		v *= 60;
		break;
	case 'h':
		v *= 3600;
		break;
	case 'd':
		v *= 86400;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1])
		return -EINVAL;
	if (v > (1ULL << 40))
		return -ERANGE;
	*out = (__s64)v;
	return 0;
}
