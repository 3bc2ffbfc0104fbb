/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TPM 2.0 anchor as uploadcap.ko (tpm.c) and `uploadctl tpm` both
 * know it: the two NV indices, their exact attributes, the layout of the
 * policy, and the sysfs files that show the anchor. Plain #defines, so
 * that the module and userspace include the same text.
 *
 * The counter index (TPM_NT_COUNTER, 8 bytes) only ever increases, and a
 * counter defined anew starts at the highest value any counter on the TPM
 * has held. Every step of the lease is one increment, made before the
 * lease is raised: the lifetime count is at least (counter - base) * step
 * minus one step, whatever any file on the host says.
 *
 * The policy index is written once with the owner's authorization, which
 * stays off the host, and then write-locked until it is undefined (which
 * needs that authorization again). Both indices are readable with an
 * empty password (AUTHREAD), so the module needs no secret; the counter is
 * also incrementable with it (AUTHWRITE): root may move it, which only
 * lowers root's own remaining budget.
 */
#ifndef UCAP_TPM_ABI_H
#define UCAP_TPM_ABI_H

/* In the owner range of the TCG handle registry (0x01800000-0x01bfffff). */
#define UCAP_TPM_POLICY_INDEX	0x0185ac00
#define UCAP_TPM_COUNTER_INDEX	0x0185ac01

/* TPMA_NV bits (TPM 2.0 Part 2, 13.4) the two indices use. */
#define UCAP_TPMA_NV_OWNERWRITE		0x00000002
#define UCAP_TPMA_NV_AUTHWRITE		0x00000004
#define UCAP_TPMA_NV_TPM_NT_COUNTER	0x00000010
#define UCAP_TPMA_NV_WRITELOCKED	0x00000800
#define UCAP_TPMA_NV_WRITEDEFINE	0x00002000
#define UCAP_TPMA_NV_AUTHREAD		0x00040000
#define UCAP_TPMA_NV_NO_DA		0x02000000
#define UCAP_TPMA_NV_WRITTEN		0x20000000

/*
 * What each index is defined with, and what it must show once provisioned
 * (NV_ReadPublic): exactly these bits and an empty authPolicy, so that
 * nothing but the owner can rewrite, lock or undefine either.
 */
#define UCAP_TPM_POLICY_DEFINE_ATTRS					\
	(UCAP_TPMA_NV_OWNERWRITE | UCAP_TPMA_NV_AUTHREAD |		\
	 UCAP_TPMA_NV_WRITEDEFINE | UCAP_TPMA_NV_NO_DA)
#define UCAP_TPM_POLICY_ATTRS						\
	(UCAP_TPM_POLICY_DEFINE_ATTRS | UCAP_TPMA_NV_WRITELOCKED |	\
	 UCAP_TPMA_NV_WRITTEN)
#define UCAP_TPM_COUNTER_DEFINE_ATTRS					\
	(UCAP_TPMA_NV_TPM_NT_COUNTER | UCAP_TPMA_NV_AUTHWRITE |		\
	 UCAP_TPMA_NV_AUTHREAD | UCAP_TPMA_NV_NO_DA)
#define UCAP_TPM_COUNTER_ATTRS						\
	(UCAP_TPM_COUNTER_DEFINE_ATTRS | UCAP_TPMA_NV_WRITTEN)
#define UCAP_TPM_COUNTER_SIZE	8

/*
 * The policy: UCAP_TPM_POLICY_SIZE bytes, integers big-endian (as the TPM
 * stores them), at these offsets. exempt is UCAP_TPM_POLICY_EXEMPT_N
 * names of UCAP_TPM_POLICY_IFNAMSIZ bytes each, NUL-padded, the first
 * n_exempt used: the devices that may ever go unguarded. Version 2 adds
 * the management reserve: its bytes, and its destinations as the
 * reserve_dst= parameter takes them (text, NUL-padded, "" for none).
 * Version 1 (UCAP_TPM_POLICY_SIZE_V1 bytes, no reserve) is still read:
 * a host provisioned with it has no reserve.
 */
#define UCAP_TPM_POLICY_MAGIC		0x55434150	/* "UCAP" */
#define UCAP_TPM_POLICY_VERSION_1	1
#define UCAP_TPM_POLICY_VERSION		2
#define UCAP_TPM_POLICY_OFF_MAGIC	0	/* u32 */
#define UCAP_TPM_POLICY_OFF_VERSION	4	/* u32 */
#define UCAP_TPM_POLICY_OFF_COUNTER	8	/* u32: the counter's index */
#define UCAP_TPM_POLICY_OFF_FLAGS	12	/* u32: UCAP_TPM_POLICY_F_* */
#define UCAP_TPM_POLICY_OFF_BASE	16	/* u64: counter at zero bytes */
#define UCAP_TPM_POLICY_OFF_STEP	24	/* u64: bytes per increment */
#define UCAP_TPM_POLICY_OFF_CAP		32	/* u64: the lifetime cap */
#define UCAP_TPM_POLICY_OFF_AUDIT_MS	40	/* u32: audit_ms at most */
#define UCAP_TPM_POLICY_OFF_N_EXEMPT	44	/* u32 */
#define UCAP_TPM_POLICY_OFF_EXEMPT	48
#define UCAP_TPM_POLICY_EXEMPT_N	16
#define UCAP_TPM_POLICY_IFNAMSIZ	16
#define UCAP_TPM_POLICY_SIZE_V1						\
	(UCAP_TPM_POLICY_OFF_EXEMPT +					\
	 UCAP_TPM_POLICY_EXEMPT_N * UCAP_TPM_POLICY_IFNAMSIZ)
#define UCAP_TPM_POLICY_OFF_RESERVE	UCAP_TPM_POLICY_SIZE_V1	/* u64 */
#define UCAP_TPM_POLICY_OFF_RESERVE_DST	(UCAP_TPM_POLICY_OFF_RESERVE + 8)
#define UCAP_TPM_POLICY_RESERVE_DST_LEN	352	/* 8 prefixes of up to 43, commas, NUL */
#define UCAP_TPM_POLICY_SIZE						\
	(UCAP_TPM_POLICY_OFF_RESERVE_DST + UCAP_TPM_POLICY_RESERVE_DST_LEN)

#define UCAP_TPM_POLICY_F_DOWN		0x1	/* on_exhaust=down */
#define UCAP_TPM_POLICY_F_LOCK_MODULES	0x2	/* modules are locked */
#define UCAP_TPM_POLICY_F_ALL		0x3

/* The smallest step a policy may hold: each is one NV write. */
#define UCAP_TPM_STEP_MIN	(1024ULL * 1024)

/*
 * /sys/kernel/uploadcap/: the anchor as the module found it at load (its
 * figures, tpm_floor_bytes and lease_step_bytes: ucap_sysfs_abi.h).
 */
#define UCAP_SYSFS_TPM_STATE	"tpm_state"

/* tpm_state: no TPM 2.0 seen; one, not provisioned; anchored; failed. */
#define UCAP_TPM_STATE_ABSENT		"absent"
#define UCAP_TPM_STATE_UNPROVISIONED	"unprovisioned"
#define UCAP_TPM_STATE_ANCHORED		"anchored"
#define UCAP_TPM_STATE_FAILED		"failed"

#endif /* UCAP_TPM_ABI_H */
