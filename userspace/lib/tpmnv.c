// SPDX-License-Identifier: GPL-2.0
/* The TPM anchor's NV indices, through tpm2-tss's ESAPI (tpmnv.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "tpmnv.h"
#include "ucap.h"

struct ucap_tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
};

/* A TSS response code as a negative errno, the TSS's words in ucap_why(). */
static int tss_fail(TSS2_RC rc, const char *what)
{
	return ucap_fail(EIO, "%s: %s", what, Tss2_RC_Decode(rc));
}

/* An undefined index answers TPM_RC_HANDLE (format one, any parameter). */
static bool rc_is_handle(TSS2_RC rc)
{
	rc &= 0xffff;
	return (rc & TPM2_RC_FMT1) && (rc & 0xbf) == TPM2_RC_HANDLE;
}

int ucap_tpm_open(struct ucap_tpm **tp, const char *tcti)
{
	struct ucap_tpm *t;
	TSS2_RC rc;

	/* The TSS's own log would repeat on stderr what ucap_why() says. */
	setenv("TSS2_LOG", "all+NONE", 0);
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	rc = Tss2_TctiLdr_Initialize(tcti, &t->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		free(t);
		return ucap_fail(ENODEV, "no TPM at %s: %s", tcti, Tss2_RC_Decode(rc));
	}
	rc = Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		Tss2_TctiLdr_Finalize(&t->tcti);
		free(t);
		return tss_fail(rc, "Esys_Initialize");
	}
	*tp = t;
	return 0;
}

void ucap_tpm_close(struct ucap_tpm *t)
{
	if (!t)
		return;
	Esys_Finalize(&t->esys);
	Tss2_TctiLdr_Finalize(&t->tcti);
	free(t);
}

/* The ESYS_TR of a defined index: -ENOENT when it is not defined. */
static int nv_handle(struct ucap_tpm *t, __u32 index, ESYS_TR *h)
{
	TSS2_RC rc;

	rc = Esys_TR_FromTPMPublic(t->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, h);
	if (rc_is_handle(rc))
		return -ENOENT;
	if (rc != TSS2_RC_SUCCESS)
		return tss_fail(rc, "NV_ReadPublic");
	return 0;
}

int ucap_tpm_nv_public(struct ucap_tpm *t, __u32 index, struct ucap_tpm_nv *nv)
{
	TPM2B_NV_PUBLIC *pub = NULL;
	ESYS_TR h;
	TSS2_RC rc;
	int ret;

	memset(nv, 0, sizeof(*nv));
	ret = nv_handle(t, index, &h);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	rc = Esys_NV_ReadPublic(t->esys, h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
	Esys_TR_Close(t->esys, &h);
	if (rc != TSS2_RC_SUCCESS)
		return tss_fail(rc, "NV_ReadPublic");
	nv->defined = true;
	nv->attrs = pub->nvPublic.attributes;
	nv->data_size = pub->nvPublic.dataSize;
	nv->auth_policy_size = pub->nvPublic.authPolicy.size;
	Esys_Free(pub);
	return 0;
}

int ucap_tpm_nv_read(struct ucap_tpm *t, __u32 index, __u16 off, __u8 *buf, __u16 len)
{
	TPM2B_MAX_NV_BUFFER *data = NULL;
	__u16 done = 0, n;
	ESYS_TR h;
	TSS2_RC rc;
	int ret;

	ret = nv_handle(t, index, &h);
	if (ret == -ENOENT)
		return ucap_fail(ENOENT, "NV index 0x%08x is not defined", index);
	if (ret)
		return ret;
	while (done < len) {
		n = len - done > 256 ? 256 : len - done;
		rc = Esys_NV_Read(t->esys, h, h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n,
				  off + done, &data);
		if (rc != TSS2_RC_SUCCESS || data->size != n) {
			Esys_Free(data);
			Esys_TR_Close(t->esys, &h);
			return rc != TSS2_RC_SUCCESS ? tss_fail(rc, "NV_Read") :
			       ucap_fail(EPROTO, "NV_Read of 0x%08x: short answer", index);
		}
		memcpy(buf + done, data->buffer, n);
		Esys_Free(data);
		data = NULL;
		done += n;
	}
	Esys_TR_Close(t->esys, &h);
	return 0;
}

int ucap_tpm_policy_read(struct ucap_tpm *t, struct ucap_tpm_policy *p)
{
	__u8 raw[UCAP_TPM_POLICY_SIZE];
	struct ucap_tpm_nv nv;
	int ret;

	/* Version 1's size or 2's: decoding tells which it may be. */
	ret = ucap_tpm_nv_public(t, UCAP_TPM_POLICY_INDEX, &nv);
	if (!ret && (!nv.defined || nv.data_size > sizeof(raw)))
		ret = ucap_fail(EPROTO, "the policy index is not defined, or holds %u bytes",
				(unsigned int)nv.data_size);
	if (!ret)
		ret = ucap_tpm_nv_read(t, UCAP_TPM_POLICY_INDEX, 0, raw, nv.data_size);
	return ret ? ret : ucap_tpm_policy_decode(raw, nv.data_size, p);
}

int ucap_tpm_counter_read(struct ucap_tpm *t, __u32 index, __u64 *value)
{
	__u8 raw[UCAP_TPM_COUNTER_SIZE];
	int ret;

	ret = ucap_tpm_nv_read(t, index, 0, raw, sizeof(raw));
	if (!ret) {
		size_t i;

		*value = 0;
		for (i = 0; i < sizeof(raw); i++)	/* big-endian, as the TPM keeps it */
			*value = *value << 8 | raw[i];
	}
	return ret;
}

int ucap_tpm_counter_increment(struct ucap_tpm *t, __u32 index)
{
	ESYS_TR h;
	TSS2_RC rc;
	int ret;

	ret = nv_handle(t, index, &h);
	if (ret)
		return ret;
	rc = Esys_NV_Increment(t->esys, h, h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	Esys_TR_Close(t->esys, &h);
	return rc == TSS2_RC_SUCCESS ? 0 : tss_fail(rc, "NV_Increment");
}

static int tpm_property(struct ucap_tpm *t, TPM2_PT pt, __u32 *value)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;

	rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				TPM2_CAP_TPM_PROPERTIES, pt, 1, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return tss_fail(rc, "GetCapability");
	if (cap->data.tpmProperties.count != 1 ||
	    cap->data.tpmProperties.tpmProperty[0].property != pt) {
		Esys_Free(cap);
		return ucap_fail(EPROTO, "GetCapability: TPM property 0x%x not reported", pt);
	}
	*value = cap->data.tpmProperties.tpmProperty[0].value;
	Esys_Free(cap);
	return 0;
}

int ucap_tpm_hierarchy_read(struct ucap_tpm *t, struct ucap_tpm_hierarchy *h)
{
	__u32 perm, clear;
	int ret;

	ret = tpm_property(t, TPM2_PT_PERMANENT, &perm);
	if (!ret)
		ret = tpm_property(t, TPM2_PT_STARTUP_CLEAR, &clear);
	if (ret)
		return ret;
	h->owner_auth_set = perm & TPMA_PERMANENT_OWNERAUTHSET;
	h->lockout_auth_set = perm & TPMA_PERMANENT_LOCKOUTAUTHSET;
	h->disable_clear = perm & TPMA_PERMANENT_DISABLECLEAR;
	h->ph_enabled = clear & TPMA_STARTUP_CLEAR_PHENABLE;
	h->sh_enabled = clear & TPMA_STARTUP_CLEAR_SHENABLE;
	return 0;
}

static ESYS_TR hier_tr(enum ucap_tpm_hier h)
{
	return h == UCAP_TPM_OWNER ? ESYS_TR_RH_OWNER : ESYS_TR_RH_LOCKOUT;
}

/* auth as the TSS takes it; the caller wipes a. */
static int tpm2b_auth(const struct ucap_tpm_auth *auth, TPM2B_AUTH *a)
{
	if (auth->len > sizeof(a->buffer))
		return ucap_fail(EINVAL, "authorization longer than %zu bytes", sizeof(a->buffer));
	a->size = (UINT16)auth->len;
	memcpy(a->buffer, auth->value, auth->len);
	return 0;
}

/* Authorize the next command on hierarchy h with auth. */
static int use_auth(struct ucap_tpm *t, ESYS_TR h, const struct ucap_tpm_auth *auth)
{
	TPM2B_AUTH a;
	TSS2_RC rc;

	if (tpm2b_auth(auth, &a))
		return -EINVAL;
	rc = Esys_TR_SetAuth(t->esys, h, &a);
	explicit_bzero(&a, sizeof(a));
	return rc == TSS2_RC_SUCCESS ? 0 : tss_fail(rc, "Esys_TR_SetAuth");
}

/* Forget an authorization ESAPI was given: it is used once, never kept. */
static void drop_auth(struct ucap_tpm *t, ESYS_TR h)
{
	TPM2B_AUTH empty = { .size = 0 };

	Esys_TR_SetAuth(t->esys, h, &empty);
}

int ucap_tpm_auth_set(struct ucap_tpm *t, enum ucap_tpm_hier h, const struct ucap_tpm_auth *auth)
{
	TPM2B_AUTH a;
	TSS2_RC rc;

	if (tpm2b_auth(auth, &a))
		return -EINVAL;
	rc = Esys_HierarchyChangeAuth(t->esys, hier_tr(h), ESYS_TR_PASSWORD, ESYS_TR_NONE,
				      ESYS_TR_NONE, &a);
	explicit_bzero(&a, sizeof(a));
	drop_auth(t, hier_tr(h));
	return rc == TSS2_RC_SUCCESS ? 0 : tss_fail(rc, "HierarchyChangeAuth");
}

int ucap_tpm_nv_define(struct ucap_tpm *t, const struct ucap_tpm_auth *owner, __u32 index,
		       __u32 attrs, __u16 size)
{
	TPM2B_NV_PUBLIC pub = {
		.nvPublic = {
			.nvIndex = index,
			.nameAlg = TPM2_ALG_SHA256,
			.attributes = attrs,
			.dataSize = size,
		},
	};
	TPM2B_AUTH empty = { .size = 0 };
	ESYS_TR h;
	TSS2_RC rc;
	int ret;

	ret = use_auth(t, ESYS_TR_RH_OWNER, owner);
	if (ret)
		return ret;
	rc = Esys_NV_DefineSpace(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				 ESYS_TR_NONE, &empty, &pub, &h);
	drop_auth(t, ESYS_TR_RH_OWNER);
	if (rc != TSS2_RC_SUCCESS)
		return tss_fail(rc, "NV_DefineSpace");
	Esys_TR_Close(t->esys, &h);
	return 0;
}

int ucap_tpm_nv_undefine(struct ucap_tpm *t, const struct ucap_tpm_auth *owner, __u32 index)
{
	ESYS_TR h;
	TSS2_RC rc;
	int ret;

	ret = nv_handle(t, index, &h);
	if (ret)
		return ret;
	ret = use_auth(t, ESYS_TR_RH_OWNER, owner);
	if (ret) {
		Esys_TR_Close(t->esys, &h);
		return ret;
	}
	/* On success the TSS forgets h itself. */
	rc = Esys_NV_UndefineSpace(t->esys, ESYS_TR_RH_OWNER, h, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				   ESYS_TR_NONE);
	drop_auth(t, ESYS_TR_RH_OWNER);
	if (rc != TSS2_RC_SUCCESS) {
		Esys_TR_Close(t->esys, &h);
		return tss_fail(rc, "NV_UndefineSpace");
	}
	return 0;
}

int ucap_tpm_nv_write_lock(struct ucap_tpm *t, const struct ucap_tpm_auth *owner, __u32 index,
			   const __u8 *data, __u16 len)
{
	TPM2B_MAX_NV_BUFFER buf;
	const char *what = NULL;
	__u16 done = 0, n;
	ESYS_TR h;
	TSS2_RC rc = TSS2_RC_SUCCESS;
	int ret;

	ret = nv_handle(t, index, &h);
	if (ret)
		return ret;
	ret = use_auth(t, ESYS_TR_RH_OWNER, owner);
	if (ret)
		goto close;
	while (done < len && rc == TSS2_RC_SUCCESS) {
		n = len - done > 256 ? 256 : len - done;
		buf.size = n;
		memcpy(buf.buffer, data + done, n);
		rc = Esys_NV_Write(t->esys, ESYS_TR_RH_OWNER, h, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				   ESYS_TR_NONE, &buf, done);
		what = "NV_Write";
		done += n;
	}
	if (rc == TSS2_RC_SUCCESS) {
		rc = Esys_NV_WriteLock(t->esys, ESYS_TR_RH_OWNER, h, ESYS_TR_PASSWORD,
				       ESYS_TR_NONE, ESYS_TR_NONE);
		what = "NV_WriteLock";
	}
	drop_auth(t, ESYS_TR_RH_OWNER);
	if (rc != TSS2_RC_SUCCESS)
		ret = tss_fail(rc, what);
close:
	Esys_TR_Close(t->esys, &h);
	return ret;
}

int ucap_tpm_disable_clear(struct ucap_tpm *t, const struct ucap_tpm_auth *lockout)
{
	TSS2_RC rc;
	int ret;

	ret = use_auth(t, ESYS_TR_RH_LOCKOUT, lockout);
	if (ret)
		return ret;
	rc = Esys_ClearControl(t->esys, ESYS_TR_RH_LOCKOUT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			       ESYS_TR_NONE, TPM2_YES);
	drop_auth(t, ESYS_TR_RH_LOCKOUT);
	return rc == TSS2_RC_SUCCESS ? 0 : tss_fail(rc, "ClearControl");
}
