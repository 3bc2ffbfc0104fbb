/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uploadcap's configuration, shared by `uploadctl load` and the agent:
 * /etc/uploadcap/uploadcap.conf (or --config FILE), "key = value" lines,
 * '#' comments. Parsed strictly: an unknown key or a bad value is an
 * error naming the line. Command-line options override the file.
 */
#ifndef UCTL_CONFIG_H
#define UCTL_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "settings.h"

#define CONFIG_DEFAULT_PATH "/etc/uploadcap/uploadcap.conf"
#define CONFIG_MAX_THRESHOLDS 16

struct uctl_config {
	double interval;		/* seconds between agent ticks */
	char ledger[256];
	unsigned int thresholds[CONFIG_MAX_THRESHOLDS];	/* ascending percentages */
	unsigned int nthresholds;
	char facility[16];
	__u64 cap;			/* 0: none configured */
	__u64 rate_ceiling;		/* bytes per second; 0: none configured */
	__u64 rate_burst;		/* 0: the module's default */
	__u64 weights_size;		/* for status' exfiltration floor; 0: none */
	bool lock_modules;
	char exempt[256];		/* device names, sorted, comma-separated */
	unsigned int audit_ms;		/* uploadcap.ko audit_ms=; 0: not configured */
	char module[256];		/* path or name of uploadcap.ko */
	char on_exhaust[8];		/* "drop" or "down" (uploadcap.ko on_exhaust=) */
	__u64 reserve_bytes;		/* the management reserve; 0: none */
	char reserve_dst[SETTINGS_DST_LEN];	/* its prefixes, sorted; "": none */
	double rate_multiple;		/* rate_anomaly: this many times the median */
	double rate_window;		/* seconds per rate sample */
	unsigned int rate_history;	/* samples in the trailing median */
	__u64 rate_min_bytes;		/* a window below this is never an anomaly */
	__u64 checkpoint_bytes;		/* growth of used that makes a checkpoint due */
	double checkpoint_seconds;	/* ... at most this often */
	__u64 lease_step;		/* how far a lease runs ahead; 0: the default */
	unsigned int alarm_burst;	/* per event name and minute; 0: no limit */
	char textfile[256];		/* agent's Prometheus textfile; "": none */
	bool attach;			/* load: attach the meter to every device */
};

void config_defaults(struct uctl_config *c);
/*
 * Read path into c (keys it does not name keep their values). A missing
 * file is -ENOENT; errors carry "path:line: what" in ucap_why().
 */
int config_load(struct uctl_config *c, const char *path);
/* The same from an open stream; path names it in errors. */
int config_parse(struct uctl_config *c, FILE *f, const char *path);

/* Setters for one key each, shared by the file and the command line. */
int config_set(struct uctl_config *c, const char *key, const char *value);

/*
 * The write-ahead lease's step: how far ahead of used_bytes a reservation
 * may run, so what a crash or a frozen agent can leave unrecorded. Unless
 * lease_step sets it: the smaller of 1% of the cap and 64 MiB (64 MiB
 * unarmed), and at least CONFIG_LEASE_STEP_MIN.
 */
#define CONFIG_LEASE_STEP_MIN		(1ULL << 20)
#define CONFIG_LEASE_STEP_MAX_DEFAULT	(64ULL << 20)
__u64 config_lease_step(const struct uctl_config *c, __u64 cap_bytes);

#endif /* UCTL_CONFIG_H */
