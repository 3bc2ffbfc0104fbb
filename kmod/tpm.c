// SPDX-License-Identifier: GPL-2.0
/*
 * The TPM 2.0 anchor: the lease kept in a TPM NV counter, which only ever
 * increases, through the kernel's own TPM driver (tpm_transmit_cmd(), as
 * trusted keys use it). ucap_tpm_abi.h says what the two indices are.
 *
 * Invariant, while anchored:
 *
 *	used <= lease <= (counter - base) * step
 *
 * The lease is raised only after the counter has been incremented and
 * read back, so whatever happens to the host (a crash, a rolled-back or
 * deleted ledger) the next load finds floor = (counter - base) * step at
 * or above everything that left, and restores used to at least that.
 *
 * At load (before any hook), in order: no TPM 2.0, or no policy index:
 * unanchored, the agent's ledger is all there is. A policy index that is
 * there but is not exactly what `uploadctl tpm provision` writes, or a
 * counter that is missing, wrong or below base: the module arms itself
 * exhausted and says why. Otherwise it restores the floor, takes the
 * policy's cap (or any lower one), moves the counter once and arms the
 * lease there.
 *
 * Raises run in process context, in raise_work, queued by the budget's
 * slow path once less than a quarter step of the lease is left: the
 * packet path never waits on the TPM. A failed increment leaves the lease
 * where it is (traffic stops at it) and is retried every second.
 *
 * Locking: ucap_tpm.lock (a mutex) serialises the TPM command sequences
 * (raise_work only, after init). Everything else in ucap_tpm is written
 * at init only, before the hooks and sysfs exist, and read-only after.
 */
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/tpm.h>
#include <linux/workqueue.h>

#include "ucap_kmod.h"
#include "ucap_params.h"
#include "ucap_tpm_abi.h"

/* Command codes (TPM 2.0 Part 2, 6.5.2) not all kernels name. */
#define UCAP_TPM_CC_NV_INCREMENT	0x0134
#define UCAP_TPM_CC_NV_READ		0x014e
#define UCAP_TPM_CC_NV_READPUBLIC	0x0169
#define UCAP_TPM_CC_GET_CAPABILITY	0x017a
#define UCAP_TPM_CAP_TPM_PROPERTIES	6
#define UCAP_TPM_PT_STARTUP_CLEAR	0x0201
#define UCAP_TPMA_STARTUP_CLEAR_SHENABLE	0x00000002
#define UCAP_TPM_RS_PW			0x40000009
#define UCAP_TPM_RC_FMT1		0x080
#define UCAP_TPM_RC_HANDLE		0x08b
#define UCAP_TPM_HEADER_SIZE		10

/* NV_Read in pieces no TPM refuses (MAX_NV_BUFFER_SIZE is at least 512). */
#define UCAP_TPM_READ_CHUNK		256
/* Raises a run of raise_work may make before it yields. */
#define UCAP_TPM_RAISES_PER_RUN		64
#define UCAP_TPM_RETRY_MS		1000

enum ucap_tpm_state {
	UCAP_TPM_ABSENT,	/* no TPM 2.0 */
	UCAP_TPM_UNPROVISIONED,	/* no policy index */
	UCAP_TPM_ANCHORED,
	UCAP_TPM_FAILED,	/* provisioned, not to be trusted: exhausted */
};

static struct {
	struct tpm_chip *chip;	/* held while anchored */
	struct mutex lock;	/* of the TPM command sequences */
	enum ucap_tpm_state state;
	u64 base, step, cap, floor, ahead;
	u32 flags, audit_ms, n_exempt;
	char exempt[UCAP_TPM_POLICY_EXEMPT_N][UCAP_TPM_POLICY_IFNAMSIZ];
	u64 reserve;		/* the management reserve the policy holds */
	char reserve_dst[UCAP_TPM_POLICY_RESERVE_DST_LEN];
	struct delayed_work raise_work;	/* now when asked, later to retry */
} ucap_tpm = {
	.lock = __MUTEX_INITIALIZER(ucap_tpm.lock),
	.state = UCAP_TPM_ABSENT,
};

/*
 * Big-endian integers at any offset of a TPM buffer, byte by byte: the
 * header that has get_unaligned_be32() moved between 6.1 and 6.12.
 */
static u16 ucap_be16(const u8 *p)
{
	return (u16)p[0] << 8 | p[1];
}

static u32 ucap_be32(const u8 *p)
{
	return (u32)ucap_be16(p) << 16 | ucap_be16(p + 2);
}

static u64 ucap_be64(const u8 *p)
{
	return (u64)ucap_be32(p) << 32 | ucap_be32(p + 4);
}

/* A response body, read with bounds checks. */
struct ucap_tpm_rsp {
	const u8 *p;
	size_t len, off;
	bool short_read;
};

static const u8 *ucap_rsp_take(struct ucap_tpm_rsp *r, size_t n)
{
	const u8 *p = r->p + r->off;

	if (r->len - r->off < n) {
		r->short_read = true;
		r->off = r->len;
		return NULL;
	}
	r->off += n;
	return p;
}

static u16 ucap_rsp_u16(struct ucap_tpm_rsp *r)
{
	const u8 *p = ucap_rsp_take(r, 2);

	return p ? ucap_be16(p) : 0;
}

static u32 ucap_rsp_u32(struct ucap_tpm_rsp *r)
{
	const u8 *p = ucap_rsp_take(r, 4);

	return p ? ucap_be32(p) : 0;
}

/*
 * Send buf (its response replaces it) and set r to the response's body.
 * Returns a negative errno when no response came, else the TPM's response
 * code (0: success).
 */
static int ucap_tpm_transmit(struct tpm_buf *buf, struct ucap_tpm_rsp *r)
{
	ssize_t ret;
	u32 len;

	if (buf->flags & TPM_BUF_OVERFLOW)
		return -EOVERFLOW;
	ret = tpm_try_get_ops(ucap_tpm.chip);
	if (ret)
		return ret;
	/* No description: an undefined index is an answer, not an error. */
	ret = tpm_transmit_cmd(ucap_tpm.chip, buf, 0, NULL);
	tpm_put_ops(ucap_tpm.chip);
	if (ret)
		return ret;
	len = ucap_be32(buf->data + 2);
	if (len < UCAP_TPM_HEADER_SIZE || len > PAGE_SIZE)
		return -EPROTO;
	r->p = buf->data + UCAP_TPM_HEADER_SIZE;
	r->len = len - UCAP_TPM_HEADER_SIZE;
	r->off = 0;
	r->short_read = false;
	return 0;
}

/* The authorization area of one password session with the empty password. */
static void ucap_tpm_append_empty_pw(struct tpm_buf *buf)
{
	tpm_buf_append_u32(buf, 9);	/* its size */
	tpm_buf_append_u32(buf, UCAP_TPM_RS_PW);
	tpm_buf_append_u16(buf, 0);	/* nonce */
	tpm_buf_append_u8(buf, 0);	/* session attributes */
	tpm_buf_append_u16(buf, 0);	/* the password */
}

static bool ucap_tpm_rc_is_handle(int rc)
{
	return rc > 0 && (rc & UCAP_TPM_RC_FMT1) && (rc & 0xbf) == UCAP_TPM_RC_HANDLE;
}

/* GetCapability of one TPM property. */
static int ucap_tpm_property(u32 property, u32 *value)
{
	struct ucap_tpm_rsp r;
	struct tpm_buf buf;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_NO_SESSIONS, UCAP_TPM_CC_GET_CAPABILITY);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, UCAP_TPM_CAP_TPM_PROPERTIES);
	tpm_buf_append_u32(&buf, property);
	tpm_buf_append_u32(&buf, 1);
	ret = ucap_tpm_transmit(&buf, &r);
	if (ret)
		goto out;
	ucap_rsp_take(&r, 1);		/* moreData */
	if (ucap_rsp_u32(&r) != UCAP_TPM_CAP_TPM_PROPERTIES || ucap_rsp_u32(&r) != 1 ||
	    ucap_rsp_u32(&r) != property || r.short_read) {
		ret = -EPROTO;
		goto out;
	}
	*value = ucap_rsp_u32(&r);
	if (r.short_read)
		ret = -EPROTO;
out:
	tpm_buf_destroy(&buf);
	return ret;
}

/* NV_ReadPublic: -ENOENT when index is not defined. */
static int ucap_tpm_read_public(u32 index, u32 *attrs, u16 *policy_size, u16 *data_size)
{
	struct ucap_tpm_rsp r;
	struct tpm_buf buf;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_NO_SESSIONS, UCAP_TPM_CC_NV_READPUBLIC);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, index);
	ret = ucap_tpm_transmit(&buf, &r);
	if (ucap_tpm_rc_is_handle(ret)) {
		ret = -ENOENT;
		goto out;
	}
	if (ret)
		goto out;
	ucap_rsp_u16(&r);		/* size of the TPMS_NV_PUBLIC */
	if (ucap_rsp_u32(&r) != index) {
		ret = -EPROTO;
		goto out;
	}
	ucap_rsp_u16(&r);		/* nameAlg */
	*attrs = ucap_rsp_u32(&r);
	*policy_size = ucap_rsp_u16(&r);
	ucap_rsp_take(&r, *policy_size);
	*data_size = ucap_rsp_u16(&r);
	if (r.short_read)
		ret = -EPROTO;
out:
	tpm_buf_destroy(&buf);
	return ret;
}

/* NV_Read of len bytes at offset off, authorized with the empty password. */
static int ucap_tpm_nv_read(u32 index, u16 off, u8 *out, u16 len)
{
	struct ucap_tpm_rsp r;
	struct tpm_buf buf;
	const u8 *data;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, UCAP_TPM_CC_NV_READ);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, index);	/* authHandle: the index */
	tpm_buf_append_u32(&buf, index);
	ucap_tpm_append_empty_pw(&buf);
	tpm_buf_append_u16(&buf, len);
	tpm_buf_append_u16(&buf, off);
	ret = ucap_tpm_transmit(&buf, &r);
	if (ret)
		goto out;
	ucap_rsp_u32(&r);		/* parameterSize */
	if (ucap_rsp_u16(&r) != len) {
		ret = -EPROTO;
		goto out;
	}
	data = ucap_rsp_take(&r, len);
	if (!data) {
		ret = -EPROTO;
		goto out;
	}
	memcpy(out, data, len);
out:
	tpm_buf_destroy(&buf);
	return ret;
}

static int ucap_tpm_read_counter(u64 *value)
{
	u8 raw[UCAP_TPM_COUNTER_SIZE];
	int ret;

	ret = ucap_tpm_nv_read(UCAP_TPM_COUNTER_INDEX, 0, raw, sizeof(raw));
	if (!ret)
		*value = ucap_be64(raw);
	return ret;
}

static int ucap_tpm_increment(void)
{
	struct ucap_tpm_rsp r;
	struct tpm_buf buf;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, UCAP_TPM_CC_NV_INCREMENT);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, UCAP_TPM_COUNTER_INDEX);
	tpm_buf_append_u32(&buf, UCAP_TPM_COUNTER_INDEX);
	ucap_tpm_append_empty_pw(&buf);
	ret = ucap_tpm_transmit(&buf, &r);
	tpm_buf_destroy(&buf);
	return ret;
}

/* What the lease is at counter: (counter - base) * step, U64_MAX past it. */
static u64 ucap_tpm_lease_at(u64 counter)
{
	u64 lease;

	if (check_mul_overflow(counter - ucap_tpm.base, ucap_tpm.step, &lease))
		return U64_MAX;
	return lease;
}

/* Move the counter once and read it back: the lease it now covers. */
static int ucap_tpm_step_counter(u64 *lease)
{
	u64 counter;
	int ret;

	ret = ucap_tpm_increment();
	if (!ret)
		ret = ucap_tpm_read_counter(&counter);
	if (ret)
		return ret;
	if (counter < ucap_tpm.base)
		return -EPROTO;
	*lease = ucap_tpm_lease_at(counter);
	return 0;
}

static void ucap_tpm_raise_work(struct work_struct *work)
{
	unsigned long delay = 0;
	u64 lease, cap, granted, next;
	int i, ret;

	mutex_lock(&ucap_tpm.lock);
	for (i = 0; i < UCAP_TPM_RAISES_PER_RUN; i++) {
		ucap_read_lease(&lease, &cap, &granted);
		if (lease >= cap)
			break;
		if (lease > granted && lease - granted >= ucap_tpm.ahead)
			break;
		ret = ucap_tpm_step_counter(&next);
		if (ret) {
			pr_err_ratelimited("TPM counter not moved (%d): the lease stays at %llu bytes, retried in %u ms\n",
					   ret, lease, UCAP_TPM_RETRY_MS);
			delay = msecs_to_jiffies(UCAP_TPM_RETRY_MS);
			break;
		}
		ucap_anchor_raise_lease(min(next, cap));
	}
	mutex_unlock(&ucap_tpm.lock);
	/* More to raise, or a retry: the work queues itself again. */
	if (delay || i == UCAP_TPM_RAISES_PER_RUN)
		queue_delayed_work(system_unbound_wq, &ucap_tpm.raise_work, delay);
}

void ucap_tpm_lease_low(void)
{
	/* Now, even if a retry is pending further off. */
	if (ucap_tpm.chip)
		mod_delayed_work(system_unbound_wq, &ucap_tpm.raise_work, 0);
}

/*
 * Parse and check the policy of size bytes (version 1's or 2's); why says
 * what is wrong with it.
 */
static int ucap_tpm_parse_policy(const u8 *p, u16 size, const char **why)
{
	const u8 *dst = p + UCAP_TPM_POLICY_OFF_RESERVE_DST;
	unsigned int i;
	u32 version;

	*why = "policy index is not an uploadcap policy";
	if (ucap_be32(p + UCAP_TPM_POLICY_OFF_MAGIC) != UCAP_TPM_POLICY_MAGIC)
		return -EINVAL;
	*why = "policy version is not supported, or not of its size";
	version = ucap_be32(p + UCAP_TPM_POLICY_OFF_VERSION);
	if (!(version == UCAP_TPM_POLICY_VERSION_1 && size == UCAP_TPM_POLICY_SIZE_V1) &&
	    !(version == UCAP_TPM_POLICY_VERSION && size == UCAP_TPM_POLICY_SIZE))
		return -EINVAL;
	*why = "policy names another counter index";
	if (ucap_be32(p + UCAP_TPM_POLICY_OFF_COUNTER) != UCAP_TPM_COUNTER_INDEX)
		return -EINVAL;
	ucap_tpm.flags = ucap_be32(p + UCAP_TPM_POLICY_OFF_FLAGS);
	ucap_tpm.base = ucap_be64(p + UCAP_TPM_POLICY_OFF_BASE);
	ucap_tpm.step = ucap_be64(p + UCAP_TPM_POLICY_OFF_STEP);
	ucap_tpm.cap = ucap_be64(p + UCAP_TPM_POLICY_OFF_CAP);
	ucap_tpm.audit_ms = ucap_be32(p + UCAP_TPM_POLICY_OFF_AUDIT_MS);
	ucap_tpm.n_exempt = ucap_be32(p + UCAP_TPM_POLICY_OFF_N_EXEMPT);
	*why = "policy has unknown flags";
	if (ucap_tpm.flags & ~UCAP_TPM_POLICY_F_ALL)
		return -EINVAL;
	*why = "policy step is below the smallest";
	if (ucap_tpm.step < UCAP_TPM_STEP_MIN)
		return -EINVAL;
	*why = "policy cap is 0";
	if (!ucap_tpm.cap)
		return -EINVAL;
	*why = "policy audit_ms is out of range";
	if (ucap_tpm.audit_ms < UCAP_AUDIT_MS_MIN || ucap_tpm.audit_ms > UCAP_AUDIT_MS_MAX)
		return -EINVAL;
	*why = "policy exempt list is malformed";
	if (ucap_tpm.n_exempt > UCAP_TPM_POLICY_EXEMPT_N)
		return -EINVAL;
	for (i = 0; i < ucap_tpm.n_exempt; i++) {
		const u8 *name = p + UCAP_TPM_POLICY_OFF_EXEMPT + i * UCAP_TPM_POLICY_IFNAMSIZ;

		if (!name[0] || !memchr(name, 0, UCAP_TPM_POLICY_IFNAMSIZ))
			return -EINVAL;
		strscpy(ucap_tpm.exempt[i], name, UCAP_TPM_POLICY_IFNAMSIZ);
	}
	ucap_tpm.reserve = 0;
	ucap_tpm.reserve_dst[0] = '\0';
	if (version == UCAP_TPM_POLICY_VERSION_1)
		return 0;
	*why = "policy reserve destinations are malformed";
	if (!memchr(dst, 0, UCAP_TPM_POLICY_RESERVE_DST_LEN) ||
	    ucap_reserve_check_dst((const char *)dst))
		return -EINVAL;
	ucap_tpm.reserve = ucap_be64(p + UCAP_TPM_POLICY_OFF_RESERVE);
	strscpy(ucap_tpm.reserve_dst, dst, sizeof(ucap_tpm.reserve_dst));
	return 0;
}

/*
 * Read and check the anchor. Returns -ENOENT when there is no policy
 * index (unprovisioned); any other error fails closed, why saying why.
 */
static int ucap_tpm_read_anchor(u64 *counter, const char **why)
{
	u16 policy_size, size, off, n;
	u8 *policy;
	u32 attrs;
	int ret;

	/*
	 * With the owner's hierarchy disabled (by the platform, or the owner)
	 * its indices read as undefined: whether the TPM is provisioned
	 * cannot be told, so that is no proof that it is not.
	 */
	*why = "cannot read the TPM's hierarchy flags";
	ret = ucap_tpm_property(UCAP_TPM_PT_STARTUP_CLEAR, &attrs);
	if (ret)
		return ret == -ENOENT ? -EIO : ret;
	*why = "the owner hierarchy is disabled: the anchor cannot be read";
	if (!(attrs & UCAP_TPMA_STARTUP_CLEAR_SHENABLE))
		return -EACCES;
	*why = "cannot read the policy index's public area";
	ret = ucap_tpm_read_public(UCAP_TPM_POLICY_INDEX, &attrs, &policy_size, &size);
	if (ret)
		return ret;
	*why = "policy index is not write-locked with the attributes provisioning gives it";
	if (attrs != UCAP_TPM_POLICY_ATTRS || policy_size ||
	    (size != UCAP_TPM_POLICY_SIZE && size != UCAP_TPM_POLICY_SIZE_V1))
		return -EINVAL;

	policy = kmalloc(size, GFP_KERNEL);
	if (!policy)
		return -ENOMEM;
	*why = "cannot read the policy index";
	for (off = 0; off < size; off += n) {
		n = min_t(u16, size - off, UCAP_TPM_READ_CHUNK);
		ret = ucap_tpm_nv_read(UCAP_TPM_POLICY_INDEX, off, policy + off, n);
		if (ret)
			goto free_policy;
	}
	ret = ucap_tpm_parse_policy(policy, size, why);
	if (ret)
		goto free_policy;

	*why = "counter index is gone";
	ret = ucap_tpm_read_public(UCAP_TPM_COUNTER_INDEX, &attrs, &policy_size, &size);
	if (ret == -ENOENT)
		ret = -ENODEV;	/* not "unprovisioned": the policy is there */
	if (ret)
		goto free_policy;
	*why = "counter index does not have the attributes provisioning gives it";
	if (attrs != UCAP_TPM_COUNTER_ATTRS || policy_size || size != UCAP_TPM_COUNTER_SIZE) {
		ret = -EINVAL;
		goto free_policy;
	}
	*why = "cannot read the counter";
	ret = ucap_tpm_read_counter(counter);
	if (ret)
		goto free_policy;
	*why = "counter is below the policy's base";
	if (*counter < ucap_tpm.base)
		ret = -EINVAL;
free_policy:
	kfree(policy);
	return ret;
}

/* Anchored: the floor restored, the cap, the lease one increment on. */
static int ucap_tpm_anchor(u64 counter, const char **why)
{
	u64 lease;
	int ret;

	ucap_tpm.floor = ucap_tpm_lease_at(counter);
	*why = "floor overflows";
	if (ucap_tpm.floor == U64_MAX)
		return -EOVERFLOW;
	*why = "cannot move the counter";
	ret = ucap_tpm_step_counter(&lease);
	if (ret)
		return ret;
	ucap_tpm.ahead = ucap_tpm.step / 4;
	/* The policy holds the reserve as it holds the cap: no more, no wider. */
	ucap_reserve_hold_dst(ucap_tpm.reserve_dst);
	ucap_budget_anchor(ucap_tpm.floor, ucap_tpm.cap, ucap_tpm.reserve,
			   min(lease, ucap_tpm.cap), ucap_tpm.ahead);
	return 0;
}

int ucap_tpm_init(void)
{
	const char *why = "";
	u64 counter = 0;
	int ret;

	INIT_DELAYED_WORK(&ucap_tpm.raise_work, ucap_tpm_raise_work);
	ucap_tpm.chip = tpm_default_chip();
	if (ucap_tpm.chip && !(ucap_tpm.chip->flags & TPM_CHIP_FLAG_TPM2)) {
		put_device(&ucap_tpm.chip->dev);
		ucap_tpm.chip = NULL;
	}
	if (!ucap_tpm.chip) {
		pr_notice("no TPM 2.0: the lifetime count is not anchored\n");
		return 0;
	}

	mutex_lock(&ucap_tpm.lock);
	ret = ucap_tpm_read_anchor(&counter, &why);
	if (!ret)
		ret = ucap_tpm_anchor(counter, &why);
	mutex_unlock(&ucap_tpm.lock);

	if (ret == -ENOENT) {
		ucap_tpm.state = UCAP_TPM_UNPROVISIONED;
		pr_notice("TPM 2.0 not provisioned for uploadcap: the lifetime count is not anchored\n");
		goto put_chip;
	}
	if (ret) {
		ucap_tpm.state = UCAP_TPM_FAILED;
		pr_crit("TPM anchor failed: %s (%d): armed exhausted until an operator re-provisions it\n",
			why, ret);
		ucap_budget_fail_closed();
		goto put_chip;
	}
	ucap_tpm.state = UCAP_TPM_ANCHORED;
	pr_notice("TPM anchor: counter %llu, base %llu, step %llu: floor %llu bytes\n",
		  counter, ucap_tpm.base, ucap_tpm.step, ucap_tpm.floor);
	/* Restored above the first increment's lease: raise it now. */
	ucap_tpm_lease_low();
	return 0;

put_chip:
	put_device(&ucap_tpm.chip->dev);
	ucap_tpm.chip = NULL;
	return 0;
}

void ucap_tpm_exit(void)
{
	struct tpm_chip *chip = ucap_tpm.chip;

	if (!chip)
		return;
	/* No hook is left to ask; the work may queue itself: _sync waits that out. */
	cancel_delayed_work_sync(&ucap_tpm.raise_work);
	ucap_tpm.chip = NULL;
	put_device(&chip->dev);
}

const char *ucap_tpm_state_name(void)
{
	switch (ucap_tpm.state) {
	case UCAP_TPM_ABSENT:
		return UCAP_TPM_STATE_ABSENT;
	case UCAP_TPM_UNPROVISIONED:
		return UCAP_TPM_STATE_UNPROVISIONED;
	case UCAP_TPM_ANCHORED:
		return UCAP_TPM_STATE_ANCHORED;
	case UCAP_TPM_FAILED:
		return UCAP_TPM_STATE_FAILED;
	}
	return "unknown";
}

bool ucap_tpm_anchored(void)
{
	return ucap_tpm.state == UCAP_TPM_ANCHORED;
}

void ucap_read_tpm(struct ucap_tpm_totals *t)
{
	bool anchored = ucap_tpm_anchored();

	t->tpm_floor_bytes = anchored ? ucap_tpm.floor : 0;
	t->lease_step_bytes = anchored ? ucap_tpm.step : 0;
}

unsigned int ucap_tpm_audit_ms(unsigned int audit_ms)
{
	if (ucap_tpm_anchored() && audit_ms > ucap_tpm.audit_ms) {
		pr_warn("audit_ms=%u is weaker than the TPM policy's %u: %u applies\n", audit_ms,
			ucap_tpm.audit_ms, ucap_tpm.audit_ms);
		return ucap_tpm.audit_ms;
	}
	return audit_ms;
}

bool ucap_tpm_down(bool down)
{
	if (ucap_tpm_anchored() && !down && (ucap_tpm.flags & UCAP_TPM_POLICY_F_DOWN)) {
		pr_warn("on_exhaust=drop is weaker than the TPM policy's down: down applies\n");
		return true;
	}
	return down;
}

bool ucap_tpm_may_exempt(const char *name)
{
	unsigned int i;

	if (!ucap_tpm_anchored())
		return true;
	for (i = 0; i < ucap_tpm.n_exempt; i++)
		if (!strcmp(ucap_tpm.exempt[i], name))
			return true;
	pr_warn("exempt=%s is not in the TPM policy: %s is guarded\n", name, name);
	return false;
}
