/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uploadcap.ko: what the parts of the module share.
 *
 *   ledger.c  the lifetime counter, the write-once cap and the state
 *   hook.c    the netfilter egress hook on every guarded device, and
 *             the device tracking that keeps one on each
 *   sysfs.c   /sys/kernel/uploadcap/ and the state uevents
 *   main.c    init and exit only
 */
#ifndef _UCAP_UPLOADCAP_H
#define _UCAP_UPLOADCAP_H

#include <linux/types.h>

enum ucap_state {
	UCAP_UNARMED,		/* no cap yet: counting only */
	UCAP_ARMED,		/* a cap is set and not reached */
	UCAP_EXHAUSTED,		/* the cap is used up: nothing more leaves */
};

/* What sysfs shows; a consistent snapshot taken under the ledger lock. */
struct ucap_totals {
	enum ucap_state state;
	u64 cap_bytes;		/* 0 while unarmed */
	u64 used_bytes;
	u64 dropped_bytes;
	u64 dropped_packets;
	u64 tamper_attempts;
};

/* ledger.c */
/* Takes the cap_bytes= and used_bytes= parameters; nothing to undo. */
void ucap_ledger_init(void);
bool ucap_charge(unsigned int len);
int ucap_set_cap(u64 cap);
void ucap_tamper(const char *what, const char *value);
void ucap_read_totals(struct ucap_totals *t);
enum ucap_state ucap_state(void);
const char *ucap_state_name(enum ucap_state state);

/* hook.c */
int ucap_hook_init(void);
void ucap_hook_exit(void);
/*
 * Fill buf with the devices table, fixed-width lines of UCAP_DEV_LINE
 * bytes (header first), from byte offset off; returns bytes written.
 */
#define UCAP_DEV_LINE 128
ssize_t ucap_devices_read(char *buf, loff_t off, size_t count);

/* sysfs.c */
int ucap_sysfs_init(void);
void ucap_sysfs_exit(void);
/* The state changed: queue the uevents (any context). */
void ucap_sysfs_state_changed(void);

#endif /* _UCAP_UPLOADCAP_H */
