/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ledger: an append-only file of checkpoints of the lifetime count,
 * chained by SHA-256, that carries used_bytes and cap_bytes across
 * reboots. One record per line:
 *
 *   ucap1 seq=N time=UNIX boot=BOOT_ID used=N cap=N reserved=N state=S alarmed=P,P
 *         exempt=NAMES audit_ms=N on_exhaust=drop|down lease_step=N lock_modules=yes|no
 *         prev=HEX hash=HEX
 *
 * (one line).  *
 * hash is the SHA-256 of the line up to and without " hash=", which holds
 * prev, the previous record's hash (64 zeros for the first record).
 * reserved is the write-ahead lease: what the module may have let through
 * once the record is on disk (0: no lease). Records written before the
 * lease have no reserved field; they read as reserved=0.
 */
#ifndef UCTL_LEDGER_H
#define UCTL_LEDGER_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <linux/types.h>

#include "settings.h"

#define LEDGER_DEFAULT_PATH	"/var/lib/uploadcap/ledger"
#define LEDGER_HASH_HEX		64
#define LEDGER_MAX_LINE		2048
#define LEDGER_MAX_ALARMED	32

struct ledger_rec {
	__u64 seq;
	__u64 time;
	char boot[40];
	__u64 used;
	__u64 cap;		/* 0 while unarmed */
	__u64 reserved;		/* the lease written down; never falls */
	char state[16];		/* unarmed, armed, exhausted */
	unsigned int alarmed[LEDGER_MAX_ALARMED];	/* percentages, ascending */
	unsigned int nalarmed;
	bool have_settings;	/* false in records from before them */
	struct boot_settings settings;
	char prev[LEDGER_HASH_HEX + 1];
	char hash[LEDGER_HASH_HEX + 1];
};

struct ledger_check {
	size_t records;		/* complete, verified records */
	bool have_last;
	struct ledger_rec last;	/* the last verified record */
	/* The first bad record, if any: then the ledger is not intact. */
	size_t bad_record;	/* 1-based; 0: none */
	char bad_why[160];
	/* A last line without its newline: torn by a crash, ignored. */
	bool torn;
	long long torn_offset;	/* where the torn line starts */
};

/*
 * Read and verify the whole chain. Returns 0 when the file could be read
 * (check says whether it is intact), -ENOENT when it does not exist, or
 * another negative errno with a reason in ucap_why().
 */
int ledger_verify(const char *path, struct ledger_check *check);
/* The same from an open stream; what names it in errors. */
int ledger_verify_stream(FILE *f, const char *what, struct ledger_check *check);
static inline bool ledger_intact(const struct ledger_check *c)
{
	return c->bad_record == 0;
}

/* The ledger a writer keeps open. */
struct ledger {
	int fd;
	char path[256];
	bool have_last;
	struct ledger_rec last;
};

/*
 * Open for appending, creating the file (and its directory) when missing.
 * The caller verified it first: check gives the last record and whether
 * a torn line must be cut off before appending.
 */
int ledger_open(struct ledger *l, const char *path, const struct ledger_check *check);
void ledger_close(struct ledger *l);
/*
 * Append a checkpoint: rec's seq, prev and hash are filled in here. One
 * write(2) with O_APPEND, then fsync(2).
 */
int ledger_append(struct ledger *l, struct ledger_rec *rec);

/*
 * Take into st what r says where r is stronger: used and reserved only
 * grow, the cap only falls, alarms raised stay raised, boot settings only
 * strengthen. A record continuing both is then valid after either.
 */
void ledger_rec_merge(struct ledger_rec *st, const struct ledger_rec *r);

/* This boot's id (/proc/sys/kernel/random/boot_id). */
int ledger_boot_id(char *buf, size_t len);
bool ledger_alarmed(const struct ledger_rec *rec, unsigned int percent);
/* Mark percent as alarmed in rec, keeping the list ascending. */
void ledger_add_alarmed(struct ledger_rec *rec, unsigned int percent);
/*
 * The boot settings as a record writes them (f[k] for setting k),
 * strictly: the lists "-" or sorted, the others in range; f[5] and f[6],
 * the reserve's, both NULL in a record from before it (no reserve).
 * False if any is not.
 */
bool ledger_parse_settings(char *const *f, struct boot_settings *s);
/* What a boot must start from: used, or the lease reserved if higher. */
static inline __u64 ledger_floor(const struct ledger_rec *rec)
{
	return rec->reserved > rec->used ? rec->reserved : rec->used;
}

#endif /* UCTL_LEDGER_H */
