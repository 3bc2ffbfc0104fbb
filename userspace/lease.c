// SPDX-License-Identifier: GPL-2.0
/* The write-ahead lease's reservations: written down, then raised. */
#include <stdint.h>
#include <string.h>

#include "evidence.h"
#include "lease.h"
#include "ucap.h"

__u64 lease_limit(__u64 cap_bytes, __u64 reserve_bytes)
{
	if (!cap_bytes)
		return 0;
	return cap_bytes > UINT64_MAX - reserve_bytes ? UINT64_MAX : cap_bytes + reserve_bytes;
}

bool lease_due(__u64 lease_bytes, __u64 used_bytes, __u64 limit, __u64 step)
{
	if (limit && lease_bytes >= limit)
		return false;	/* the cap (and the reserve) stop traffic first */
	return lease_bytes < used_bytes || lease_bytes - used_bytes < step / 2;
}

__u64 lease_next(__u64 used_bytes, __u64 limit, __u64 step)
{
	__u64 next = used_bytes > UINT64_MAX - step ? UINT64_MAX : used_bytes + step;

	return limit && next > limit ? limit : next;
}

int lease_reserve(struct ledger *l, struct ledger_rec *rec, __u64 reserved, const char *what)
{
	int ret;

	/*
	 * A reservation already written but never raised to (the sysfs write
	 * failed) is on disk: raising to it is safe, and going below it would
	 * fail verification.
	 */
	if (reserved < rec->reserved)
		reserved = rec->reserved;
	rec->reserved = reserved;
	ret = evidence_append(l, rec, what);
	if (ret)
		return ret;
	ret = ucap_module_set(UCAP_SYSFS_DIR, "lease_bytes", reserved);
	if (ret)
		return ucap_fail(ret, "raise %s/lease_bytes to %llu: %s", UCAP_SYSFS_DIR,
				 (unsigned long long)reserved, strerror(-ret));
	return 0;
}

__u64 lease_step_held(const struct uctl_config *cfg, __u64 cap_bytes,
		      const struct ledger_rec *last)
{
	__u64 step = config_lease_step(cfg, cap_bytes);

	if (last && last->have_settings && last->settings.lease_step < step)
		step = last->settings.lease_step;
	return step;
}
