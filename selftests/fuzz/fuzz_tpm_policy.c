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
	struct ucap_tpm_policy p, q;

	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	if (!ucap_tpm_policy_decode(in, &p)) {
		assert(p.counter_index == UCAP_TPM_COUNTER_INDEX);
		assert(p.step >= UCAP_TPM_STEP_MIN && p.cap);
		assert(p.audit_ms >= UCAP_AUDIT_MS_MIN && p.audit_ms <= UCAP_AUDIT_MS_MAX);
		assert(strlen(p.exempt) < sizeof(p.exempt));
		assert(!ucap_tpm_policy_encode(&p, out));
		assert(!ucap_tpm_policy_decode(out, &q));
		assert(!memcmp(&p, &q, sizeof(p)));
	}
	ucap_clear_why();
	return 0;
}
