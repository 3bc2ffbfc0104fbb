// SPDX-License-Identifier: GPL-2.0
/*
 * ucap_syslog_parse(): each format a collector stores, as rsyslog writes
 * it, the year of a timestamp that has none, and lines that are none of
 * them, refused with a reason.
 */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "ucap.h"

/* 2026-12-03T06:09:30Z */
#define T0 1796278170LL

static const struct {
	const char *in;
	enum ucap_syslog_format format;
	long long time;
	const char *host, *program, *msg;
} good[] = {
	{ "Dec  3 06:09:30 web1 uploadcap[412]: event=checkpoint seq=3\n", UCAP_SYSLOG_RSYSLOG,
	  T0, "web1", "uploadcap", "event=checkpoint seq=3" },
	{ "Dec 13 06:09:30 web1 uploadcap: x", UCAP_SYSLOG_RSYSLOG, T0 + 10 * 86400 - 365 * 86400,
	  "web1", "uploadcap", "x" },
	{ "Jan  1 00:00:00 h kernel: [   1.2] uploadcap: lease raised", UCAP_SYSLOG_RSYSLOG,
	  1767225600LL, "h", "kernel", "[   1.2] uploadcap: lease raised" },
	{ "2026-12-03T06:09:30.123456+00:00 web1 uploadcap[9]: event=restore",
	  UCAP_SYSLOG_RSYSLOG_PRECISE, T0, "web1", "uploadcap", "event=restore" },
	{ "2026-12-03T07:09:30+01:00 web1 uploadcap[9]: a", UCAP_SYSLOG_RSYSLOG_PRECISE, T0,
	  "web1", "uploadcap", "a" },
	{ "<13>1 2026-12-03T06:09:30.5Z web1.example uploadcap 412 - - event=checkpoint",
	  UCAP_SYSLOG_RFC5424, T0, "web1.example", "uploadcap", "event=checkpoint" },
	{ "<29>1 2026-12-03T01:09:30-05:00 web1 uploadcap 412 ID7 [a@1 k=\"v ] x\\\"\"][b@2] m",
	  UCAP_SYSLOG_RFC5424, T0, "web1", "uploadcap", "m" },
	{ "<13>1 2026-12-03T06:09:30Z web1 uploadcap - - - \xef\xbb\xbf" "event=x", UCAP_SYSLOG_RFC5424,
	  T0, "web1", "uploadcap", "event=x" },
};

static const struct {
	const char *in;
	const char *why;
} bad[] = {
	{ "", "no timestamp" },
	{ "hello world", "no timestamp" },
	{ "Dex  3 06:09:30 web1 uploadcap: x", "no timestamp" },
	{ "Dec  3 25:09:30 web1 uploadcap: x", "no timestamp" },
	{ "Dec  3 06:09:30 web1", "no host and program" },
	{ "Dec  3 06:09:30 web1 uploadcap[41 x", "no host and program" },
	{ "2026-13-03T06:09:30Z web1 uploadcap: x", "file format" },
	{ "2026-12-03 06:09:30 web1 uploadcap: x", "file format" },
	{ "<13>2 2026-12-03T06:09:30Z web1 uploadcap 1 - - x", "RFC 5424" },
	{ "<13>1 - web1 uploadcap 1 - - x", "RFC 5424" },
	{ "<13>1 2026-12-03T06:09:30Z web1 uploadcap 1 - [unclosed x", "RFC 5424" },
	{ "<999>1 2026-12-03T06:09:30Z web1 uploadcap 1 - - x", "RFC 5424" },
};

int main(void)
{
	struct ucap_syslog_line l;
	char buf[512];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", good[i].in);
		ret = ucap_syslog_parse(buf, T0 + 3600, &l);
		tap_ok(!ret && l.format == good[i].format && l.time == good[i].time &&
		       !strcmp(l.host, good[i].host) && !strcmp(l.program, good[i].program) &&
		       !strcmp(l.msg, good[i].msg),
		       "parses '%.40s...' (ret %d, format %d, time %lld, host %s, program %s, msg '%s')",
		       good[i].in, ret, l.format, (long long)l.time, l.host, l.program,
		       l.msg ? l.msg : "");
		ucap_clear_why();
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", bad[i].in);
		ret = ucap_syslog_parse(buf, T0, &l);
		tap_ok(ret == -EINVAL && strstr(ucap_why(ret), bad[i].why),
		       "refuses '%s' (%s)", bad[i].in, ret ? ucap_why(ret) : "accepted");
		ucap_clear_why();
	}
	return tap_done();
}
