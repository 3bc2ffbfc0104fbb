// SPDX-License-Identifier: GPL-2.0
/*
 * One line of a syslog file as a collector stores it (ucap.h): rsyslog's
 * traditional file format (RSYSLOG_TraditionalFileFormat, Debian's
 * default: "Dec  3 06:09:30 host tag: msg"), its high-precision one
 * (RSYSLOG_FileFormat: "2026-12-03T06:09:30.123456+00:00 host tag: msg")
 * and RFC 5424 ("<13>1 2026-12-03T06:09:30Z host app procid msgid sd msg").
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "ucap.h"

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool valid_tm(const struct tm *tm)
{
	return tm->tm_mon >= 0 && tm->tm_mon < 12 && tm->tm_mday >= 1 && tm->tm_mday <= 31 &&
	       tm->tm_hour >= 0 && tm->tm_hour < 24 && tm->tm_min >= 0 && tm->tm_min < 60 &&
	       tm->tm_sec >= 0 && tm->tm_sec <= 60;
}

/* RFC 3339 at s ("2026-12-03T06:09:30[.frac](Z|+hh:mm)"); *end past it. */
static int parse_rfc3339(const char *s, const char **end, __s64 *t)
{
	struct tm tm = { 0 };
	int y, off = 0, oh, om;

	/* Fields at fixed offsets: no reading past the end. */
	if (strnlen(s, 19) < 19)
		return -EINVAL;
	y = digits(s, 4);
	tm.tm_mon = s[4] == '-' ? digits(s + 5, 2) - 1 : -1;
	tm.tm_mday = s[7] == '-' ? digits(s + 8, 2) : -1;
	if (y < 1970 || (s[10] != 'T' && s[10] != 't'))
		return -EINVAL;
	tm.tm_hour = digits(s + 11, 2);
	tm.tm_min = s[13] == ':' ? digits(s + 14, 2) : -1;
	tm.tm_sec = s[16] == ':' ? digits(s + 17, 2) : -1;
	tm.tm_year = y - 1900;
	if (!valid_tm(&tm))
		return -EINVAL;
	s += 19;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if ((*s == '+' || *s == '-') && strnlen(s, 6) == 6) {
		oh = digits(s + 1, 2);
		om = s[3] == ':' ? digits(s + 4, 2) : -1;
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -EINVAL;
		off = (oh * 60 + om) * 60 * (*s == '-' ? -1 : 1);
		s += 6;
	} else {
		return -EINVAL;
	}
	*t = (__s64)timegm(&tm) - off;
	*end = s;
	return 0;
}

/*
 * "Dec  3 06:09:30" at s: no year, so the latest one that does not put
 * the time more than a day after now (a collector's clock may lag).
 */
static int parse_traditional(const char *s, const char **end, __s64 now, __s64 *t)
{
	struct tm tm = { 0 }, tn;
	time_t nt = (time_t)now;
	unsigned int m;

	if (strnlen(s, 15) < 15)
		return -EINVAL;
	for (m = 0; m < 12 && strncmp(s, months[m], 3); m++)
		;
	if (m == 12 || s[3] != ' ')
		return -EINVAL;
	tm.tm_mon = (int)m;
	tm.tm_mday = s[4] == ' ' ? digits(s + 5, 1) : digits(s + 4, 2);
	if (s[6] != ' ')
		return -EINVAL;
	tm.tm_hour = digits(s + 7, 2);
	tm.tm_min = s[9] == ':' ? digits(s + 10, 2) : -1;
	tm.tm_sec = s[12] == ':' ? digits(s + 13, 2) : -1;
	if (!valid_tm(&tm))
		return -EINVAL;
	gmtime_r(&nt, &tn);
	tm.tm_year = tn.tm_year;
	*t = (__s64)timegm(&tm);
	if (*t > now + 86400) {
		tm.tm_year--;
		*t = (__s64)timegm(&tm);
	}
	*end = s + 15;
	return 0;
}

/* A space-free field at *s into buf (len bytes); *s past it and one space. */
static int field(char **s, char *buf, size_t len)
{
	size_t n = strcspn(*s, " ");

	if (!n || n >= len || (*s)[n] != ' ')
		return -EINVAL;
	memcpy(buf, *s, n);
	buf[n] = '\0';
	*s += n + 1;
	return 0;
}

/* "prog[pid]: " or "prog: " at *s: the program, *s at the message. */
static int tag(char **s, struct ucap_syslog_line *l)
{
	size_t n = strcspn(*s, "[: ");
	char *p = *s + n;

	if (!n || n >= sizeof(l->program))
		return -EINVAL;
	memcpy(l->program, *s, n);
	l->program[n] = '\0';
	if (*p == '[') {
		p += strspn(p + 1, "0123456789") + 1;
		if (*p++ != ']')
			return -EINVAL;
	}
	if (*p != ':')
		return -EINVAL;
	p++;
	if (*p == ' ')
		p++;
	*s = p;
	return 0;
}

/* RFC 5424's STRUCTURED-DATA: "-" or one or more "[...]" (quoted values). */
static int skip_sd(char **s)
{
	char *p = *s;
	bool quoted = false;

	if (*p == '-') {
		p++;
	} else {
		if (*p != '[')
			return -EINVAL;
		while (*p == '[') {
			for (p++; *p && (quoted || *p != ']'); p++) {
				if (quoted && *p == '\\' && p[1])
					p++;
				else if (*p == '"')
					quoted = !quoted;
			}
			if (*p != ']')
				return -EINVAL;
			p++;
		}
	}
	if (*p == ' ')
		p++;
	else if (*p)
		return -EINVAL;
	*s = p;
	return 0;
}

static int parse_5424(char *s, struct ucap_syslog_line *l)
{
	char procid[130], msgid[34];
	const char *end;
	int pri;

	s++;				/* '<' */
	for (pri = 0; isdigit((unsigned char)*s) && pri <= 191; s++)
		pri = pri * 10 + (*s - '0');
	if (pri > 191 || *s++ != '>' || *s++ != '1' || *s++ != ' ')
		return -EINVAL;
	if (parse_rfc3339(s, &end, &l->time) || *end != ' ')
		return -EINVAL;
	s = (char *)end + 1;
	if (field(&s, l->host, sizeof(l->host)) || field(&s, l->program, sizeof(l->program)) ||
	    field(&s, procid, sizeof(procid)) || field(&s, msgid, sizeof(msgid)) || skip_sd(&s))
		return -EINVAL;
	if (!strncmp(s, "\xef\xbb\xbf", 3))
		s += 3;			/* the BOM of a UTF-8 MSG */
	l->msg = s;
	l->format = UCAP_SYSLOG_RFC5424;
	return 0;
}

int ucap_syslog_parse(char *line, __s64 now, struct ucap_syslog_line *l)
{
	const char *end;
	char *s;
	size_t n;

	memset(l, 0, sizeof(*l));
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (line[0] == '<') {
		if (parse_5424(line, l))
			return ucap_fail(EINVAL, "not an RFC 5424 line");
		return 0;
	}
	if (isdigit((unsigned char)line[0])) {
		if (parse_rfc3339(line, &end, &l->time) || *end != ' ')
			return ucap_fail(EINVAL, "not a timestamp of rsyslog's file format");
		l->format = UCAP_SYSLOG_RSYSLOG_PRECISE;
	} else {
		if (parse_traditional(line, &end, now, &l->time) || *end != ' ')
			return ucap_fail(EINVAL,
					 "neither rsyslog's file format nor RFC 5424 (no timestamp)");
		l->format = UCAP_SYSLOG_RSYSLOG;
	}
	s = (char *)end + 1;
	if (field(&s, l->host, sizeof(l->host)) || tag(&s, l))
		return ucap_fail(EINVAL, "no host and program after the timestamp");
	l->msg = s;
	return 0;
}
