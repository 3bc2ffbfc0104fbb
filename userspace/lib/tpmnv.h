/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TPM 2.0 anchor's NV indices through tpm2-tss's ESAPI (tpmnv.c): the
 * indices' public areas and contents, the counter, the hierarchy flags,
 * and the owner's and lockout's operations that provisioning is made of.
 * No policy here: which of them to run, and when, is `uploadctl tpm`'s.
 * Authorizations are passed in, used for one command and never kept.
 */
#ifndef UCAP_TPMNV_H
#define UCAP_TPMNV_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "tpmpolicy.h"

/* Where the TPM is, unless --tcti says otherwise: the kernel's resource manager. */
#define UCAP_TPM_TCTI_DEFAULT	"device:/dev/tpmrm0"
/* The longest authorization: a SHA-256 digest, as the hierarchies take. */
#define UCAP_TPM_AUTH_MAX	32

struct ucap_tpm;

/* tcti: a tpm2-tss TCTI configuration ("device:/dev/tpmrm0", "swtpm:..."). */
int ucap_tpm_open(struct ucap_tpm **t, const char *tcti);
void ucap_tpm_close(struct ucap_tpm *t);

struct ucap_tpm_nv {
	bool defined;
	__u32 attrs;		/* TPMA_NV */
	__u16 data_size;
	__u16 auth_policy_size;
};
int ucap_tpm_nv_public(struct ucap_tpm *t, __u32 index, struct ucap_tpm_nv *nv);
/* NV_Read with the index's own (empty) password, as the module reads. */
int ucap_tpm_nv_read(struct ucap_tpm *t, __u32 index, __u16 off, __u8 *buf, __u16 len);
/* The policy index, read and decoded (ucap_tpm_policy_decode()). */
int ucap_tpm_policy_read(struct ucap_tpm *t, struct ucap_tpm_policy *p);
int ucap_tpm_counter_read(struct ucap_tpm *t, __u32 index, __u64 *value);
int ucap_tpm_counter_increment(struct ucap_tpm *t, __u32 index);

struct ucap_tpm_hierarchy {
	bool owner_auth_set;
	bool lockout_auth_set;
	bool disable_clear;	/* TPM2_Clear refused from the lockout hierarchy */
	bool ph_enabled;	/* the platform hierarchy is open to its holder */
	bool sh_enabled;	/* the owner's: NV indices usable at all */
};
int ucap_tpm_hierarchy_read(struct ucap_tpm *t, struct ucap_tpm_hierarchy *h);

struct ucap_tpm_auth {
	__u8 value[UCAP_TPM_AUTH_MAX];
	size_t len;
};
enum ucap_tpm_hier { UCAP_TPM_OWNER, UCAP_TPM_LOCKOUT };
/* Set a hierarchy's authorization, now empty, to auth. */
int ucap_tpm_auth_set(struct ucap_tpm *t, enum ucap_tpm_hier h, const struct ucap_tpm_auth *auth);
/* The owner's operations, each authorized with owner. */
int ucap_tpm_nv_define(struct ucap_tpm *t, const struct ucap_tpm_auth *owner, __u32 index,
		       __u32 attrs, __u16 size);
int ucap_tpm_nv_undefine(struct ucap_tpm *t, const struct ucap_tpm_auth *owner, __u32 index);
/* Write data at offset 0, then lock the index against writes until undefined. */
int ucap_tpm_nv_write_lock(struct ucap_tpm *t, const struct ucap_tpm_auth *owner, __u32 index,
			   const __u8 *data, __u16 len);
/* TPM2_ClearControl(YES) with lockout: TPM2_Clear refused from the OS. */
int ucap_tpm_disable_clear(struct ucap_tpm *t, const struct ucap_tpm_auth *lockout);

#endif /* UCAP_TPMNV_H */
