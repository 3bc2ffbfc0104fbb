/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Boot settings that only get stronger. Seven settings weaken enforcement
 * when relaxed: the exempt list, the audit interval, what exhaustion does,
 * the lease step, whether modules are locked, and the management
 * reserve's size and destinations. Every ledger record carries the ones
 * in force, and at a later boot nothing weaker applies:
 *
 *   exempt        only shrinks (a name leaves the list, none joins it)
 *   audit_ms      only falls
 *   on_exhaust    drop may become down, never the other way
 *   lease_step    only falls
 *   lock_modules  once locked, always locked
 *   reserve_bytes only falls
 *   reserve_dst   only narrows (each prefix within one recorded before)
 *
 * A record from before the reserve carries the first five: the reserve
 * was none then (load passed reserve_bytes=0), and stays none.
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
#include "ucap_meter_abi.h"

enum setting {
	SETTING_EXEMPT,
	SETTING_AUDIT_MS,
	SETTING_ON_EXHAUST,
	SETTING_LEASE_STEP,
	SETTING_LOCK_MODULES,
	SETTING_RESERVE_BYTES,
	SETTING_RESERVE_DST,
	SETTINGS_N,
};

/* The settings of records from before the reserve: the first five. */
#define SETTINGS_N_PRE_RESERVE	SETTING_RESERVE_BYTES

/* One reserve destination, "ADDR/LEN" at its longest (IPv6), and a list. */
#define SETTINGS_PREFIX_LEN	44
#define SETTINGS_DST_LEN	(UCAP_RESERVE_MAX_DST * SETTINGS_PREFIX_LEN)

struct boot_settings {
	/* Device names, sorted and comma-separated; "" for none. */
	char exempt[UCAP_MAX_EXEMPT * UCAP_IFNAMSIZ];
	unsigned int audit_ms;
	bool down;		/* on_exhaust=down */
	__u64 lease_step;
	bool lock_modules;
	__u64 reserve_bytes;	/* 0: none */
	/* Prefixes "ADDR/LEN", host bits zero, sorted, comma-separated; "" for none. */
	char reserve_dst[SETTINGS_DST_LEN];
};

/* Room for any setting's value as text (setting_value()). */
#define SETTINGS_VALUE_LEN	(SETTINGS_DST_LEN + 8)

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
 * The module's exempt, audit_ms, on_exhaust, reserve_bytes and reserve_dst
 * as the module shows them (ucap_module_read_params()) into s; the other
 * settings are left as they are. -EINVAL if its exempt or reserve_dst is
 * not a list this side takes.
 */
struct ucap_module_params;
int settings_from_params(struct boot_settings *s, const struct ucap_module_params *p);
/* Parse an audit interval (UCAP_AUDIT_MS_MIN..UCAP_AUDIT_MS_MAX). */
int settings_parse_audit_ms(const char *v, unsigned int *ms);
/*
 * The reserve's destinations, as the module takes them (kmod/reserve.c):
 * at most UCAP_RESERVE_MAX_DST IPv4 or IPv6 prefixes, host bits zero, a
 * bare address a host route; out gets them as "ADDR/LEN", sorted and
 * deduplicated, "" for none.
 */
int settings_parse_reserve_dst(const char *list, char *out, size_t len);
/* Setting k's value as text ("-" for an empty list). */
const char *setting_value(const struct boot_settings *s, enum setting k, char *buf, size_t len);
/* Is s's setting k weaker than floor's? */
bool setting_weaker(const struct boot_settings *s, const struct boot_settings *floor,
		    enum setting k);
/* Make s's setting k as strong as other's, if it is not already. */
void setting_strengthen(struct boot_settings *s, const struct boot_settings *other, enum setting k);

#endif /* UCTL_SETTINGS_H */
