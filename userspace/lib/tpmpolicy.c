// SPDX-License-Identifier: GPL-2.0
/*
 * The TPM anchor's policy, to and from the bytes of its NV index
 * (kmod/ucap_tpm_abi.h): the same checks as the module's, so that what
 * provisioning writes the module takes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tpmpolicy.h"
#include "ucap.h"

static void put_be32(__u8 *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void put_be64(__u8 *p, __u64 v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, (__u32)v);
}

static __u32 get_be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static __u64 get_be64(const __u8 *p)
{
	return (__u64)get_be32(p) << 32 | get_be32(p + 4);
}

/* What a list of IPv4 and IPv6 prefixes may hold. */
static bool dst_chars(const char *s)
{
	return strspn(s, "0123456789abcdefABCDEF.:/,") == strlen(s);
}

int ucap_tpm_policy_encode(const struct ucap_tpm_policy *p, __u8 out[UCAP_TPM_POLICY_SIZE])
{
	const char *name = p->exempt, *end;
	__u32 n = 0;
	size_t len;

	memset(out, 0, UCAP_TPM_POLICY_SIZE);
	if (p->counter_index != UCAP_TPM_COUNTER_INDEX)
		return ucap_fail(EINVAL, "the counter must be 0x%08x", UCAP_TPM_COUNTER_INDEX);
	if (p->flags & ~UCAP_TPM_POLICY_F_ALL)
		return ucap_fail(EINVAL, "policy flags 0x%x unknown", p->flags);
	if (p->step < UCAP_TPM_STEP_MIN)
		return ucap_fail(EINVAL, "step %llu is below the smallest, %llu",
				 (unsigned long long)p->step, (unsigned long long)UCAP_TPM_STEP_MIN);
	if (!p->cap)
		return ucap_fail(EINVAL, "a TPM policy needs a cap");
	if (p->audit_ms < UCAP_AUDIT_MS_MIN || p->audit_ms > UCAP_AUDIT_MS_MAX)
		return ucap_fail(EINVAL, "audit_ms %u is not %u..%u", p->audit_ms,
				 UCAP_AUDIT_MS_MIN, UCAP_AUDIT_MS_MAX);
	put_be32(out + UCAP_TPM_POLICY_OFF_MAGIC, UCAP_TPM_POLICY_MAGIC);
	put_be32(out + UCAP_TPM_POLICY_OFF_VERSION, UCAP_TPM_POLICY_VERSION);
	put_be32(out + UCAP_TPM_POLICY_OFF_COUNTER, p->counter_index);
	put_be32(out + UCAP_TPM_POLICY_OFF_FLAGS, p->flags);
	put_be64(out + UCAP_TPM_POLICY_OFF_BASE, p->base);
	put_be64(out + UCAP_TPM_POLICY_OFF_STEP, p->step);
	put_be64(out + UCAP_TPM_POLICY_OFF_CAP, p->cap);
	put_be32(out + UCAP_TPM_POLICY_OFF_AUDIT_MS, p->audit_ms);
	while (*name) {
		end = strchr(name, ',');
		len = end ? (size_t)(end - name) : strlen(name);
		if (!len || len >= UCAP_TPM_POLICY_IFNAMSIZ || n == UCAP_TPM_POLICY_EXEMPT_N)
			return ucap_fail(EINVAL, "exempt list '%s': at most %d device names",
					 p->exempt, UCAP_TPM_POLICY_EXEMPT_N);
		memcpy(out + UCAP_TPM_POLICY_OFF_EXEMPT + n * UCAP_TPM_POLICY_IFNAMSIZ, name, len);
		n++;
		name += len + (end != NULL);
	}
	put_be32(out + UCAP_TPM_POLICY_OFF_N_EXEMPT, n);
	len = strnlen(p->reserve_dst, sizeof(p->reserve_dst));
	if (len == sizeof(p->reserve_dst) || !dst_chars(p->reserve_dst))
		return ucap_fail(EINVAL, "reserve destinations '%.*s': not a list of prefixes",
				 (int)len, p->reserve_dst);
	put_be64(out + UCAP_TPM_POLICY_OFF_RESERVE, p->reserve_bytes);
	memcpy(out + UCAP_TPM_POLICY_OFF_RESERVE_DST, p->reserve_dst, len);
	return 0;
}

int ucap_tpm_policy_decode(const __u8 *in, size_t size, struct ucap_tpm_policy *p)
{
	const char *dst;
	__u32 i, n, version;
	size_t at = 0;

	memset(p, 0, sizeof(*p));
	if (size != UCAP_TPM_POLICY_SIZE_V1 && size != UCAP_TPM_POLICY_SIZE)
		return ucap_fail(EPROTO, "the policy index holds %zu bytes, not %d or %d", size,
				 UCAP_TPM_POLICY_SIZE_V1, UCAP_TPM_POLICY_SIZE);
	if (get_be32(in + UCAP_TPM_POLICY_OFF_MAGIC) != UCAP_TPM_POLICY_MAGIC)
		return ucap_fail(EPROTO, "the policy index does not hold an uploadcap policy");
	version = get_be32(in + UCAP_TPM_POLICY_OFF_VERSION);
	if (!(version == UCAP_TPM_POLICY_VERSION_1 && size == UCAP_TPM_POLICY_SIZE_V1) &&
	    !(version == UCAP_TPM_POLICY_VERSION && size == UCAP_TPM_POLICY_SIZE))
		return ucap_fail(EPROTO, "policy version %u in %zu bytes is not supported",
				 version, size);
	p->counter_index = get_be32(in + UCAP_TPM_POLICY_OFF_COUNTER);
	p->flags = get_be32(in + UCAP_TPM_POLICY_OFF_FLAGS);
	p->base = get_be64(in + UCAP_TPM_POLICY_OFF_BASE);
	p->step = get_be64(in + UCAP_TPM_POLICY_OFF_STEP);
	p->cap = get_be64(in + UCAP_TPM_POLICY_OFF_CAP);
	p->audit_ms = get_be32(in + UCAP_TPM_POLICY_OFF_AUDIT_MS);
	if (p->counter_index != UCAP_TPM_COUNTER_INDEX)
		return ucap_fail(EPROTO, "the policy names counter 0x%08x, not 0x%08x",
				 p->counter_index, UCAP_TPM_COUNTER_INDEX);
	if (p->flags & ~UCAP_TPM_POLICY_F_ALL)
		return ucap_fail(EPROTO, "policy flags 0x%x unknown", p->flags);
	if (p->step < UCAP_TPM_STEP_MIN || !p->cap)
		return ucap_fail(EPROTO, "policy step %llu or cap %llu out of range",
				 (unsigned long long)p->step, (unsigned long long)p->cap);
	if (p->audit_ms < UCAP_AUDIT_MS_MIN || p->audit_ms > UCAP_AUDIT_MS_MAX)
		return ucap_fail(EPROTO, "policy audit_ms %u out of range", p->audit_ms);
	n = get_be32(in + UCAP_TPM_POLICY_OFF_N_EXEMPT);
	if (n > UCAP_TPM_POLICY_EXEMPT_N)
		return ucap_fail(EPROTO, "policy lists %u exempt devices", n);
	for (i = 0; i < n; i++) {
		const __u8 *name = in + UCAP_TPM_POLICY_OFF_EXEMPT + i * UCAP_TPM_POLICY_IFNAMSIZ;
		size_t len = strnlen((const char *)name, UCAP_TPM_POLICY_IFNAMSIZ);

		if (!len || len == UCAP_TPM_POLICY_IFNAMSIZ ||
		    strcspn((const char *)name, ",/: \t\n\r\v\f") != len)
			return ucap_fail(EPROTO, "policy exempt name %u is malformed", i);
		if (at)
			p->exempt[at++] = ',';
		memcpy(p->exempt + at, name, len);
		at += len;
	}
	p->exempt[at] = '\0';
	if (version == UCAP_TPM_POLICY_VERSION_1)
		return 0;
	dst = (const char *)in + UCAP_TPM_POLICY_OFF_RESERVE_DST;
	if (strnlen(dst, UCAP_TPM_POLICY_RESERVE_DST_LEN) == UCAP_TPM_POLICY_RESERVE_DST_LEN ||
	    !dst_chars(dst))
		return ucap_fail(EPROTO, "policy reserve destinations are malformed");
	p->reserve_bytes = get_be64(in + UCAP_TPM_POLICY_OFF_RESERVE);
	snprintf(p->reserve_dst, sizeof(p->reserve_dst), "%s", dst);
	return 0;
}
