/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's sysfs ABI, /sys/kernel/uploadcap/: what uploadcap.ko
 * shows and uploadctl reads, written once here and included by both (as
 * bpf/ucap_meter_abi.h is for the meter). Plain preprocessor text: no
 * kernel or libc types.
 *
 * Stable: files and columns are only ever added. A reader takes the
 * devices table's columns by the header line's names, so a column added
 * later is read by name, and an older module's missing one reads as 0.
 */
#ifndef UCAP_SYSFS_ABI_H
#define UCAP_SYSFS_ABI_H

#define UCAP_SYSFS_DIR		"/sys/kernel/uploadcap"

/* The text files: the state, and where the reserve may go. */
#define UCAP_SYSFS_STATE	"state"
#define UCAP_SYSFS_RESERVE_DST	"reserve_dst"
/* The devices table (a binary attribute: longer than a page). */
#define UCAP_SYSFS_DEVICES	"devices"

/*
 * The module's figures: one file each, one decimal u64 and a newline.
 * Adding a figure is one line here: the module's sysfs file (given its
 * source's field), uploadctl's reader, struct ucap_module, status --json
 * and the Prometheus family are all made from this list.
 *
 * X(name, src, mode, when, prom, type, help)
 *   name  the file, the field of the source and of struct ucap_module,
 *         and the key in status --json's "module" object (in this order)
 *   src   where the module takes it: BUDGET (struct ucap_totals),
 *         RATE (struct ucap_rate_totals), TPM (struct ucap_tpm_totals),
 *         DERIVED (computed from others, by the module and the reader
 *         alike: remaining = cap - used)
 *   mode  RO (0444) or RW (0644: a store the module defines by hand)
 *   when  when it has a value; otherwise JSON shows null, Prometheus no
 *         sample, and the file may be absent: ALWAYS, ARMED (a cap is
 *         set), LEASE (loaded with lease=1: else no file), RESERVE (the
 *         module has the reserve: else no file; Prometheus: one is set),
 *         ANCHORED (the TPM anchor holds), CEILING (a rate ceiling is set)
 *   prom  the Prometheus family, or NULL: not exported
 *   type  counter or gauge
 *   help  the family's HELP line
 *
 * used_bytes is read last by uploadctl, whatever its place here: the
 * figures it reads before it can then never add up to more than it.
 */
#define UCAP_FIGURES(X)							\
	X(cap_bytes, BUDGET, RW, ARMED,					\
	  "uploadcap_cap_bytes", gauge,					\
	  "The write-once lifetime cap on bytes sent; absent while unarmed.") \
	X(used_bytes, BUDGET, RO, ALWAYS,				\
	  "uploadcap_used_bytes_total", counter,			\
	  "Bytes charged against the lifetime cap, all boots included: it " \
	  "never falls.")						\
	X(remaining_bytes, DERIVED, RO, ARMED,				\
	  "uploadcap_remaining_bytes", gauge,				\
	  "Bytes the cap still allows; absent while unarmed.")		\
	X(dropped_bytes, BUDGET, RO, ALWAYS,				\
	  "uploadcap_dropped_bytes_total", counter,			\
	  "Bytes uploadcap.ko dropped at the cap since it was loaded.")	\
	X(dropped_packets, BUDGET, RO, ALWAYS,				\
	  "uploadcap_dropped_packets_total", counter,			\
	  "Packets uploadcap.ko dropped at the cap since it was loaded.") \
	X(tamper_attempts, BUDGET, RO, ALWAYS,				\
	  "uploadcap_tamper_attempts_total", counter,			\
	  "Refused attempts to raise or clear the cap or the rate ceiling " \
	  "since uploadcap.ko was loaded.")				\
	X(bypass_bytes, BUDGET, RO, ALWAYS,				\
	  "uploadcap_bypass_bytes_total", counter,			\
	  "Bytes devices sent past uploadcap.ko's hooks, charged by its " \
	  "audit.")							\
	X(lease_bytes, BUDGET, RW, LEASE,				\
	  "uploadcap_lease_bytes", gauge,				\
	  "The write-ahead lease: bytes the hooks may let through before " \
	  "the next reservation; absent without a lease.")		\
	X(reserve_bytes, BUDGET, RW, RESERVE,				\
	  "uploadcap_reserve_bytes", gauge,				\
	  "The management reserve: bytes that may leave past the cap, to " \
	  "its destinations only; absent without one.")			\
	X(reserve_used_bytes, BUDGET, RO, RESERVE,			\
	  "uploadcap_reserve_used_bytes_total", counter,		\
	  "Of the reserve, spent: bytes used past the cap (part of "	\
	  "uploadcap_used_bytes_total).")				\
	X(tpm_floor_bytes, TPM, RO, ANCHORED,				\
	  "uploadcap_tpm_floor_bytes", gauge,				\
	  "Bytes used as the TPM counter showed them at load; absent unless " \
	  "anchored.")							\
	X(lease_step_bytes, TPM, RO, ANCHORED,				\
	  "uploadcap_lease_step_bytes", gauge,				\
	  "Bytes the lease rises per TPM counter increment; absent unless " \
	  "anchored.")							\
	X(rate_bytes_per_sec, RATE, RW, CEILING,			\
	  "uploadcap_rate_ceiling_bytes_per_second", gauge,		\
	  "The write-once upload rate ceiling; absent while there is none.") \
	X(rate_burst_bytes, RATE, RW, CEILING,				\
	  "uploadcap_rate_burst_bytes", gauge,				\
	  "The rate ceiling's burst allowance; absent while there is no " \
	  "ceiling.")							\
	X(rate_current_bytes_per_sec, RATE, RO, ALWAYS,			\
	  "uploadcap_rate_current_bytes_per_second", gauge,		\
	  "Bytes charged against the cap over the last second.")	\
	X(rate_dropped_bytes, RATE, RO, ALWAYS,				\
	  "uploadcap_rate_dropped_bytes_total", counter,		\
	  "Bytes the rate ceiling dropped (not charged to the cap) since " \
	  "uploadcap.ko was loaded.")					\
	X(rate_dropped_packets, RATE, RO, ALWAYS,			\
	  "uploadcap_rate_dropped_packets_total", counter,		\
	  "Packets the rate ceiling dropped since uploadcap.ko was loaded.") \
	X(audit_charged_bytes, BUDGET, RO, ALWAYS,			\
	  NULL, counter,						\
	  "Of bypass_bytes, what the audit charged: part of used_bytes.") \
	X(restored_bytes, BUDGET, RO, ALWAYS,				\
	  NULL, counter,						\
	  "used_bytes= at load: part of used_bytes.")			\
	X(rate_debt_bytes, RATE, RO, ALWAYS,				\
	  NULL, gauge,							\
	  "Past-hook bytes the rate ceiling's refill has not paid yet.")

/*
 * The smallest rate_burst_bytes the module takes (a smaller write fails
 * with EINVAL): twice the largest (GSO) packet, with its headers.
 */
#define UCAP_RATE_MIN_BURST	(256 * 1024)

/*
 * The devices table: a header line naming the columns, then one line per
 * guarded device, every line UCAP_DEV_LINE bytes (padded with spaces, the
 * last one a newline) so that line i starts at byte i * UCAP_DEV_LINE.
 * The first UCAP_DEV_COLUMNS_REQUIRED columns are in every module.
 *
 * X(id, name, width): the column's name and printf width (negative: left)
 */
#define UCAP_DEV_COLUMNS(X)						\
	X(NETNS, "netns", -10)						\
	X(IFINDEX, "ifindex", -10)					\
	X(NAME, "name", -15)						\
	X(BYTES, "bytes", 20)						\
	X(PACKETS, "packets", 20)					\
	X(DROPPED_PACKETS, "dropped_packets", 20)			\
	X(DROPPED_BYTES, "dropped_bytes", 20)				\
	X(LEN_BYTES, "len_bytes", 20)					\
	X(BYPASS_BYTES, "bypass_bytes", 20)				\
	X(HELD, "held", 5)						\
	X(COUNTS, "counts", -17)
#define UCAP_DEV_COLUMNS_REQUIRED	7
#define UCAP_DEV_LINE			194

#endif /* UCAP_SYSFS_ABI_H */
