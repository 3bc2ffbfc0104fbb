/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Boot settings that only get stronger. Five settings weaken enforcement
 * when relaxed: the exempt list, the audit interval, what exhaustion does,
 * the lease step and whether modules are locked. Every ledger record
 * carries the ones in force, and at a later boot nothing weaker applies:
 *
 *   exempt       only shrinks (a name leaves the list, none joins it)
 *   audit_ms     only falls
 *   on_exhaust   drop may become down, never the other way
 *   lease_step   only falls
 *   lock_modules once locked, always locked
 *
 * Where several sources ask (configuration, command line, modprobe.d),
 * the strongest of them wins; a recorded setting then holds them all.
 * No policy here beyond the order: the callers alarm.
 */
#ifndef UCTL_SETTINGS_H
#define UCTL_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "ucap_params.h"
#include "uploadcap.h"

enum setting {
	SETTING_EXEMPT,
	SETTING_AUDIT_MS,
	SETTING_ON_EXHAUST,
	SETTING_LEASE_STEP,
	SETTING_LOCK_MODULES,
	SETTINGS_N,
};

struct boot_settings {
	/* Device names, sorted and comma-separated; "" for none. */
	char exempt[UCAP_MAX_EXEMPT * UCAP_IFNAMSIZ];
	unsigned int audit_ms;
	bool down;		/* on_exhaust=down */
	__u64 lease_step;
	bool lock_modules;
};

/* The setting's name, as in the configuration and the alarms. */
const char *setting_name(enum setting k);

/* Sorted, deduplicated and checked: at most UCAP_MAX_EXEMPT device names. */
int settings_parse_exempt(const char *list, char *out, size_t len);
/*
 * Walk a comma-separated list: *p at a name (or the end), returns it and
 * its length in *len, and moves *p past it; NULL at the end.
 */
const char *settings_exempt_next(const char **p, size_t *len);
/* Is name in the comma-separated list? */
bool settings_exempt_has(const char *list, const char *name);
/*
 * The module's exempt, audit_ms and on_exhaust as the module shows them
 * (ucap_module_read_params()) into s; the other settings are left as they
 * are. -EINVAL if its exempt is not a list this side takes.
 */
struct ucap_module_params;
int settings_from_params(struct boot_settings *s, const struct ucap_module_params *p);
/* Parse an audit interval (UCAP_AUDIT_MS_MIN..UCAP_AUDIT_MS_MAX). */
int settings_parse_audit_ms(const char *v, unsigned int *ms);
/* Setting k's value as text ("-" for an empty exempt list). */
const char *setting_value(const struct boot_settings *s, enum setting k, char *buf, size_t len);
/* Is s's setting k weaker than floor's? */
bool setting_weaker(const struct boot_settings *s, const struct boot_settings *floor,
		    enum setting k);
/* Make s's setting k as strong as other's, if it is not already. */
void setting_strengthen(struct boot_settings *s, const struct boot_settings *other, enum setting k);

#endif /* UCTL_SETTINGS_H */
