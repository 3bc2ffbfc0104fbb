/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel log lines of uploadcap.ko that an off-host collector reads
 * (uploadctl verify-log, userspace/logcheck.c): their text, written once
 * for the module's printk and userspace's sscanf. Each is the line after
 * the "uploadcap: " prefix (pr_fmt); the module may append to it, never
 * insert. Only %llu conversions, so that one string is both a printf and
 * a sscanf format; the audit's two lines, which name a device, are found
 * by their mark.
 *
 * What the collector learns from them, whatever the agent does:
 *   LOADED        a module's life starts: the count it restored, its cap
 *                 (0: none yet). Never below a lease it raised before.
 *   ARMED         the cap is set, with the count then.
 *   CAP_LOWERED   from, to.
 *   LEASE_RAISED  from, to, the count then. The raise was written down
 *                 first (the agent's ledger or the TPM counter), so every
 *                 later load restores at least "to".
 *   LEASE_OUT     the lease ran out: nothing leaves until it is raised.
 *   EXHAUSTED     the count, the cap.
 *   RESERVE_SET   the management reserve, from, to (set at load: from 0).
 *   RESERVE_SPENT the count, the cap, the reserve: nothing more leaves.
 *   BYPASS_MARK   in both audit lines: a device sent bytes its hook did
 *                 not see, charged. At most one line per device every
 *                 UCAP_LOG_BYPASS_EVERY_MS, each with all since the last,
 *                 and one when the device goes: none is lost.
 */
#ifndef UCAP_LOG_ABI_H
#define UCAP_LOG_ABI_H

#define UCAP_LOG_PREFIX		"uploadcap: "

#define UCAP_LOG_LOADED		"loaded: %llu bytes used, cap %llu bytes"
#define UCAP_LOG_ARMED		"armed: lifetime upload cap %llu bytes, %llu used"
#define UCAP_LOG_CAP_LOWERED	"cap lowered from %llu to %llu bytes"
#define UCAP_LOG_LEASE_RAISED	"lease raised from %llu to %llu bytes (%llu used)"
#define UCAP_LOG_LEASE_OUT	"lease of %llu bytes used up"
#define UCAP_LOG_EXHAUSTED	"upload cap exhausted: %llu bytes used of %llu"
#define UCAP_LOG_RESERVE_SET	"management reserve from %llu to %llu bytes"
#define UCAP_LOG_RESERVE_SPENT	"management reserve spent: %llu bytes used of %llu and %llu"
#define UCAP_LOG_BYPASS_MARK	" bytes its hook did not see"
/* The two audit lines (audit.c): a device, and why it goes. */
#define UCAP_LOG_BYPASS	\
	"%s sent %llu" UCAP_LOG_BYPASS_MARK " (XDP or another path past it): %llu charged"
#define UCAP_LOG_BYPASS_GONE \
	"%s, %s, had sent %llu" UCAP_LOG_BYPASS_MARK " (all not told before): charged"

#define UCAP_LOG_BYPASS_EVERY_MS	10000

#endif /* UCAP_LOG_ABI_H */
