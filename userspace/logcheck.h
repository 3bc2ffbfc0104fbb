/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a collector received from each host, checked (verify-log): the
 * forwarded ledger records (evidence.h) and alarms, grouped by host and
 * put in time order, against what a host's history must be:
 *
 *   used never goes down, within a boot or across boots;
 *   the cap never rises, and the boot settings never weaken;
 *   each boot starts at or above the last record or reservation of the
 *   boot before;
 *   consecutive seq chain (prev is the previous hash); a seq that
 *   restarts or goes back, or a chain that does not continue, is a
 *   rewritten ledger; a seq that skips is records that never arrived;
 *   no gap longer than max_silence between a host's lines within a boot;
 *   every alarm is listed.
 *
 * The module's kernel lines (kmod/ucap_log_abi.h) are a second history,
 * checked against itself: its count never goes down, its cap never rises,
 * and it never loads below a lease it raised to before. Lines of one
 * second may be stored in any order: records are put in seq order within
 * a second, and a line is held only to what came before its second.
 */
#ifndef UCTL_LOGCHECK_H
#define UCTL_LOGCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* What the files held: each host's uploadcap lines, in order read. */
struct log_entry {
	__s64 time;
	unsigned int file;	/* index into the caller's file list */
	size_t line;		/* 1-based */
	size_t order;		/* in reading order, for ties */
	__u64 seq;		/* a record's; 0: not a record */
	char *host;
	char *msg;
};

struct log_set {
	struct log_entry *v;
	size_t n, cap;
};

/* A line verify-log reads: the agent's (ident uploadcap), or the module's. */
bool log_line_wanted(const char *program, const char *msg);
int log_set_add(struct log_set *s, const char *host, __s64 time, unsigned int file, size_t line,
		const char *msg);
void log_set_free(struct log_set *s);

enum log_kind {
	LOG_USED_DECREASED,
	LOG_CAP_RAISED,
	LOG_SETTING_WEAKENED,
	LOG_ROLLBACK,		/* a boot started below the boot before */
	LOG_CHAIN_BROKEN,	/* consecutive seq, prev not the hash before */
	LOG_SEQ_RESTARTED,	/* seq back or again: a rewritten ledger */
	LOG_RECORDS_MISSING,	/* seq skipped: records never arrived */
	LOG_SILENCE,
	LOG_UNCLEAN_END,	/* a boot ended without the agent's clean stop */
	LOG_MALFORMED,		/* a record line without its fields */
	LOG_KINDS,
};

const char *log_kind_name(enum log_kind k);

struct log_finding {
	enum log_kind kind;
	__s64 time;
	unsigned int file;
	size_t line;
	char what[320];
};

struct log_alarm {
	__s64 time;
	unsigned int file;
	size_t line;
	char event[40];
	char severity[12];
};

struct log_host {
	char *host;
	size_t records, boots, lines;
	__s64 first, last;
	struct log_finding *findings;
	size_t nfindings;
	struct log_alarm *alarms;
	size_t nalarms;
};

struct log_report {
	struct log_host *hosts;	/* sorted by name */
	size_t n;
};

/*
 * Check every host of s (sorted here) with max_silence seconds (0: no
 * silence check). -ENOMEM only; findings are in r.
 */
int log_check(struct log_set *s, __s64 max_silence, struct log_report *r);
void log_report_free(struct log_report *r);

#endif /* UCTL_LOGCHECK_H */
