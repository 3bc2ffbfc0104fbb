/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's alarms: syslog(3) messages with ident "uploadcap", one
 * machine-parseable form: "event=<name> severity=<level> key=value ...".
 */
#ifndef UCTL_ALARM_H
#define UCTL_ALARM_H

#include <syslog.h>

/* Open syslog with this facility name ("daemon", "local0"...). */
int alarm_open(const char *facility);
/* Facility code for a name, or -1. */
int alarm_facility(const char *name);
/*
 * Raise one alarm. fmt gives the key=value pairs after event and
 * severity. Each event name may speak alarm_set_burst() times per minute
 * (default ALARM_BURST); past that its messages are counted and summed up
 * once the minute is over.
 */
void alarm_raise(const char *event, int severity, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * A record, not an alarm (evidence.h): one line "event=<event>
 * severity=notice ...", never rate-limited, not counted among alarms.
 */
void alarm_record(const char *event, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Say how many messages were held back, once their minute is over. */
void alarm_flush(void);
/* Messages per event name and minute; 0: no limit. */
void alarm_set_burst(unsigned int burst);
/* Messages also go to stderr (agent --foreground). */
void alarm_to_stderr(int on);

/* Times an event was raised since start, held back or not. */
unsigned long long alarm_count(const char *event);
/* Every event name, NULL-terminated. */
extern const char *const alarm_events[];

#define ALARM_BURST 10

#endif /* UCTL_ALARM_H */
