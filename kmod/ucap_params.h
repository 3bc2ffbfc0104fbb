/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What uploadcap.ko and uploadctl both know of the module's load-time
 * parameters: where they show, their names and their limits. uploadctl
 * reads them back after loading, and holds them to the ledger's one-way
 * boot settings. Plain #defines: included by the module and by userspace.
 */
#ifndef UCAP_PARAMS_H
#define UCAP_PARAMS_H

#define UCAP_PARAMS_DIR		"/sys/module/uploadcap/parameters"

/* audit_ms: the device audit's interval, in milliseconds. */
#define UCAP_PARAM_AUDIT_MS	"audit_ms"
#define UCAP_AUDIT_MS_MIN	10
#define UCAP_AUDIT_MS_MAX	60000
#define UCAP_AUDIT_MS_DEFAULT	100

/*
 * Not a parameter but the audit's fixed bound, which the agent's own
 * comparison of a device's counter with the module shares: the longest a
 * device's tx counter may stand still while its hook lets traffic
 * through and still be lagging, not failing to count. Drivers that read
 * the hardware's counters on a timer refresh them every 1 to 2 s
 * (igb's and ixgbe's watchdogs: 2 s), from a workqueue, which on a
 * loaded host runs late like any thread: 6 s keeps a 2 s refresh that
 * comes 4 s late. A longer bound widens nothing for a device whose
 * counter keeps time (it moves at each refresh and takes all that
 * waited); it only lets allowance the hook charged wait longer.
 */
#define UCAP_AUDIT_MAX_LAG_MS	6000

/* exempt: comma-separated device names not to guard, at most this many. */
#define UCAP_PARAM_EXEMPT	"exempt"
#define UCAP_MAX_EXEMPT		16

/* on_exhaust: "drop" or "down". */
#define UCAP_PARAM_ON_EXHAUST	"on_exhaust"

/* lease: Y when loaded with the write-ahead lease. */
#define UCAP_PARAM_LEASE	"lease"

/*
 * reserve_bytes, reserve_dst: the management reserve, spent once the cap
 * is exhausted and only on traffic to these prefixes (at most this many).
 */
#define UCAP_PARAM_RESERVE_BYTES	"reserve_bytes"
#define UCAP_PARAM_RESERVE_DST		"reserve_dst"
#define UCAP_RESERVE_MAX_DST		8

#endif /* UCAP_PARAMS_H */
