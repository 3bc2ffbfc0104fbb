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
