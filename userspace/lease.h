/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The write-ahead lease, without a TPM: uploadcap.ko (loaded with lease=1)
 * lets bytes through only up to lease_bytes, and the lease is raised only
 * after a ledger record with reserved= at least as high is on disk. So
 * whatever stops the record from growing (a crash, a frozen or killed
 * agent) leaves at most one step unrecorded, and the next boot starts from
 * the reservation. Used by `uploadctl load` (the first raise of a boot) and
 * by the agent (every later one).
 */
#ifndef UCTL_LEASE_H
#define UCTL_LEASE_H

#include <stdbool.h>
#include <linux/types.h>

#include "config.h"
#include "ledger.h"

/*
 * The most a lease need cover: the cap and the management reserve, which
 * is spent past it (kmod/ledger.c); 0 (no cap): no such bound.
 */
__u64 lease_limit(__u64 cap_bytes, __u64 reserve_bytes);
/* Less than half a step left, and the limit not yet covered: raise now. */
bool lease_due(__u64 lease_bytes, __u64 used_bytes, __u64 limit, __u64 step);
/* The reservation a raise asks for: a step past used, never past the limit. */
__u64 lease_next(__u64 used_bytes, __u64 limit, __u64 step);
/*
 * Append rec with reserved = reserved (at least rec's own, the last one
 * written) to l (write, fsync; forwarded as what, evidence.h), and only
 * then raise the module's lease_bytes to it. On failure nothing was
 * raised, and ucap_why() says which of the two failed.
 */
int lease_reserve(struct ledger *l, struct ledger_rec *rec, __u64 reserved, const char *what);
/*
 * The step in force: the configured one (config_lease_step()), never above
 * the one last recorded (a boot setting: it only falls).
 */
__u64 lease_step_held(const struct uctl_config *cfg, __u64 cap_bytes,
		      const struct ledger_rec *last);

#endif /* UCTL_LEASE_H */
