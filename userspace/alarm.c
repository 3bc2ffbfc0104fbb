// SPDX-License-Identifier: GPL-2.0
/*
 * syslog(3) output of the agent's alarms, rate-limited per event name: a
 * device flapping cannot flood the log (or the SIEM it is forwarded to),
 * and what was held back is still counted and reported.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alarm.h"

#define ALARM_WINDOW 60		/* seconds */
#define ALARM_NAMES 32

static const struct {
	const char *name;
	int code;
} facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER }, { "auth", LOG_AUTH },
	{ "authpriv", LOG_AUTHPRIV }, { "syslog", LOG_SYSLOG }, { "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 },
};

/* Fixed table: memory stays bounded whatever happens. */
static struct {
	char name[32];
	time_t window_start;
	unsigned int sent;
	unsigned int held;
	unsigned long long total;	/* raised since start, held back or not */
} limits[ALARM_NAMES];

/* Every event the agent and uploadctl load raise, for the metrics. */
const char *const alarm_events[] = {
	"threshold", "exhausted", "meter_divergence", "bypass_suspected",
	"bypass_charged", "counter_reset", "meter_missing", "module_missing",
	"new_interface", "rate_anomaly", "rate_ceiling_hit", "ledger_tampered", "ledger_regressed",
	"ledger_missing", "ledger_torn", "ledger_restored", "cap_raise_refused", "lease_held",
	"config_error", "device_gone", "module_inconsistent", "meters_unreadable",
	"setting_refused", "settings_weakened", "restore_held", "device_unguarded",
	"ledger_adopted", "ledger_lost", "tpm_anchor_failed", "module_refused", "alarms_suppressed",
	NULL,
};

static int to_stderr;
static unsigned int burst = ALARM_BURST;

static const char *severity_name(int severity)
{
	switch (severity) {
	case LOG_EMERG: return "emerg";
	case LOG_ALERT: return "alert";
	case LOG_CRIT: return "crit";
	case LOG_ERR: return "err";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

int alarm_facility(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (!strcasecmp(facilities[i].name, name))
			return facilities[i].code;
	return -1;
}

int alarm_open(const char *facility)
{
	int code = alarm_facility(facility);

	if (code < 0)
		return -1;
	closelog();
	openlog("uploadcap", LOG_PID | LOG_NDELAY, code);
	return 0;
}

void alarm_set_burst(unsigned int n)
{
	burst = n;
}

void alarm_to_stderr(int on)
{
	to_stderr = on;
}

static void emit(int severity, const char *msg)
{
	syslog(severity, "%s", msg);
	if (to_stderr)
		fprintf(stderr, "uploadcap: %s\n", msg);
}

/* The rate-limit slot of an event name; the table is big enough for all. */
static unsigned int slot_of(const char *event)
{
	unsigned int i, free_slot = ALARM_NAMES - 1;

	for (i = 0; i < ALARM_NAMES; i++) {
		if (!strcmp(limits[i].name, event))
			return i;
		if (!limits[i].name[0] && free_slot == ALARM_NAMES - 1)
			free_slot = i;
	}
	snprintf(limits[free_slot].name, sizeof(limits[free_slot].name), "%s", event);
	limits[free_slot].window_start = time(NULL);
	limits[free_slot].sent = 0;
	limits[free_slot].held = 0;
	limits[free_slot].total = 0;
	return free_slot;
}

void alarm_flush(void)
{
	time_t now = time(NULL);
	char msg[192];
	size_t i;

	for (i = 0; i < ALARM_NAMES; i++) {
		if (!limits[i].name[0] || now - limits[i].window_start < ALARM_WINDOW)
			continue;
		if (limits[i].held) {
			snprintf(msg, sizeof(msg), "event=alarms_suppressed severity=warning alarm=%.31s count=%u",
				 limits[i].name, limits[i].held);
			emit(LOG_WARNING, msg);
			limits[slot_of("alarms_suppressed")].total++;
		}
		limits[i].window_start = now;
		limits[i].sent = 0;
		limits[i].held = 0;
	}
}

unsigned long long alarm_count(const char *event)
{
	size_t i;

	for (i = 0; i < ALARM_NAMES; i++)
		if (!strcmp(limits[i].name, event))
			return limits[i].total;
	return 0;
}

/* "event=<event> severity=<level> " and fmt's pairs into msg. */
static void format_msg(char *msg, size_t len, const char *event, int severity,
		       const char *fmt, va_list ap)
{
	int n;

	n = snprintf(msg, len, "event=%s severity=%s", event, severity_name(severity));
	if (fmt && fmt[0] && n > 0 && (size_t)n < len - 1) {
		msg[n++] = ' ';
		vsnprintf(msg + n, len - (size_t)n, fmt, ap);
	}
}

void alarm_record(const char *event, const char *fmt, ...)
{
	/* A whole record: LEDGER_MAX_LINE, under rsyslog's 8 kB default. */
	char msg[2048 + 128];
	va_list ap;

	va_start(ap, fmt);
	format_msg(msg, sizeof(msg), event, LOG_NOTICE, fmt, ap);
	va_end(ap);
	emit(LOG_NOTICE, msg);
}

void alarm_raise(const char *event, int severity, const char *fmt, ...)
{
	char msg[1536];		/* two reserve_dst lists at their longest */
	unsigned int s;
	va_list ap;

	alarm_flush();
	s = slot_of(event);
	limits[s].total++;
	if (burst && limits[s].sent >= burst) {
		limits[s].held++;
		return;
	}
	limits[s].sent++;
	va_start(ap, fmt);
	format_msg(msg, sizeof(msg), event, severity, fmt, ap);
	va_end(ap);
	emit(severity, msg);
}
