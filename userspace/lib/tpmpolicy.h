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
};

/* -EINVAL with the reason in ucap_why() when p cannot be written. */
int ucap_tpm_policy_encode(const struct ucap_tpm_policy *p, __u8 out[UCAP_TPM_POLICY_SIZE]);
/* -EPROTO with the reason when in is not a policy the module would take. */
int ucap_tpm_policy_decode(const __u8 in[UCAP_TPM_POLICY_SIZE], struct ucap_tpm_policy *p);

#endif /* UCAP_TPMPOLICY_H */
