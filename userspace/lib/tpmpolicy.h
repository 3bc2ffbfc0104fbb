/* SPDX-License-Identifier: GPL-2.0 */
/* The TPM anchor's policy and the bytes of its NV index (tpmpolicy.c). */
#ifndef UCAP_TPMPOLICY_H
#define UCAP_TPMPOLICY_H

#include <linux/types.h>

#include "ucap_params.h"
#include "ucap_tpm_abi.h"

struct ucap_tpm_policy {
	__u32 counter_index;
	__u32 flags;		/* UCAP_TPM_POLICY_F_* */
	__u64 base;
	__u64 step;
	__u64 cap;
	__u32 audit_ms;
	/* Sorted device names, comma-separated; "" for none. */
	char exempt[UCAP_TPM_POLICY_EXEMPT_N * UCAP_TPM_POLICY_IFNAMSIZ];
	__u64 reserve_bytes;	/* the management reserve; 0 in a version 1 policy */
	/* Its prefixes as reserve_dst= takes them; "" for none. */
	char reserve_dst[UCAP_TPM_POLICY_RESERVE_DST_LEN];
};

/* p as a version 2 policy; -EINVAL with the reason in ucap_why() when it cannot be. */
int ucap_tpm_policy_encode(const struct ucap_tpm_policy *p, __u8 out[UCAP_TPM_POLICY_SIZE]);
/*
 * The size bytes of a policy index (version 1's or 2's); -EPROTO with the
 * reason when they are not a policy the module would take. The reserve's
 * destinations are checked for their characters only: the module and
 * `uploadctl load` parse them.
 */
int ucap_tpm_policy_decode(const __u8 *in, size_t size, struct ucap_tpm_policy *p);

#endif /* UCAP_TPMPOLICY_H */
