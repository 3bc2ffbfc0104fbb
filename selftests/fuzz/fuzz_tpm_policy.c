// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the TPM anchor's policy as read from its NV index (which a
 * root that fakes /dev/tpmrm0 writes). What is accepted is what the
 * module takes, and encodes back to a policy that decodes the same.
 */
#include <assert.h>

#include "fuzz.h"
#include "tpmpolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u8 in[UCAP_TPM_POLICY_SIZE] = { 0 }, out[UCAP_TPM_POLICY_SIZE];
	/* The first byte picks the size: version 1's or 2's. */
	size_t n = size && (data[0] & 1) ? UCAP_TPM_POLICY_SIZE_V1 : UCAP_TPM_POLICY_SIZE;
	struct ucap_tpm_policy p, q;

	if (size)
		memcpy(in, data + 1, size - 1 < n ? size - 1 : n);
	if (!ucap_tpm_policy_decode(in, n, &p)) {
		assert(p.counter_index == UCAP_TPM_COUNTER_INDEX);
		assert(p.step >= UCAP_TPM_STEP_MIN && p.cap);
		assert(p.audit_ms >= UCAP_AUDIT_MS_MIN && p.audit_ms <= UCAP_AUDIT_MS_MAX);
		assert(strlen(p.exempt) < sizeof(p.exempt));
		assert(strlen(p.reserve_dst) < sizeof(p.reserve_dst));
		assert(n == UCAP_TPM_POLICY_SIZE || (!p.reserve_bytes && !p.reserve_dst[0]));
		/* Encoded as version 2, whatever it was read as. */
		assert(!ucap_tpm_policy_encode(&p, out));
		assert(!ucap_tpm_policy_decode(out, sizeof(out), &q));
		assert(!memcmp(&p, &q, sizeof(p)));
	}
	ucap_clear_why();
	return 0;
}
