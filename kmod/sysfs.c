// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/uploadcap/: the budget's and the rate ceiling's figures, the
 * writable files (cap_bytes, rate_bytes_per_sec, rate_burst_bytes,
 * reserve_bytes, reserve_dst: arm, or lower), the devices table, and the
 * uevents that announce state changes.
 *
 * Every file is 0444 but the five writable ones (0644); writes to the
 * others fail in kernfs before reaching us. With the write-ahead lease
 * (lease=1 at load) there is a fourth, lease_bytes: raise only.
 */
#include <linux/kobject.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "ucap_kmod.h"
#include "ucap_tpm_abi.h"

static struct kobject *ucap_kobj;

/*
 * States only move forward (unarmed, armed, exhausted), so one work item
 * can announce each state between the last announced and the current one,
 * in order, however many changes happened before it ran. The uevents go
 * out on the module's kobject (change@/module/uploadcap): a kobject
 * needs a kset to send uevents, and /sys/kernel has none.
 */
static enum ucap_state ucap_announced = UCAP_UNARMED;

static void ucap_state_work(struct work_struct *work)
{
	enum ucap_state now = ucap_state();
	char env[32];
	char *envp[2] = { env, NULL };

	while (ucap_announced < now) {
		ucap_announced++;
		snprintf(env, sizeof(env), "UPLOADCAP_STATE=%s", ucap_state_name(ucap_announced));
		kobject_uevent_env(&THIS_MODULE->mkobj.kobj, KOBJ_CHANGE, envp);
	}
}

static DECLARE_WORK(ucap_state_wk, ucap_state_work);

void ucap_sysfs_state_changed(void)
{
	/* Before sysfs is up, ucap_sysfs_init() announces what was missed. */
	if (READ_ONCE(ucap_kobj))
		schedule_work(&ucap_state_wk);
}

/*
 * One show function per figure of UCAP_FIGURES, by where it comes from;
 * DERIVED ones are written out below.
 */
#define UCAP_SHOW_FROM(name, type, read)				\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	struct type t;							\
									\
	read(&t);							\
	return sysfs_emit(buf, "%llu\n", t.name);			\
}

#define UCAP_SHOW_BUDGET(name)	UCAP_SHOW_FROM(name, ucap_totals, ucap_read_totals)
#define UCAP_SHOW_RATE(name)	UCAP_SHOW_FROM(name, ucap_rate_totals, ucap_read_rate)
#define UCAP_SHOW_TPM(name)	UCAP_SHOW_FROM(name, ucap_tpm_totals, ucap_read_tpm)
#define UCAP_SHOW_DERIVED(name)
#define X(name, src, mode, when, prom, type, help) UCAP_SHOW_##src(name)
UCAP_FIGURES(X)
#undef X

/*
 * The writable files take one decimal number; anything else is refused
 * and counted as a tamper attempt, as a refused change would be.
 */
static ssize_t ucap_store_u64(const char *buf, size_t count, const char *what,
			      int (*set)(u64))
{
	char value[24];
	u64 v;
	int err;

	err = kstrtoull(buf, 10, &v);
	if (err) {
		/* The offending input, quoted and cut short, for the log. */
		snprintf(value, sizeof(value), "'%.*s'", (int)min_t(size_t, count, 16),
			 buf);
		strreplace(value, '\n', ' ');
		ucap_tamper(what, value);
		return -EINVAL;
	}
	err = set(v);
	return err ? err : count;
}

static ssize_t reserve_bytes_store(struct kobject *kobj, struct kobj_attribute *attr,
				   const char *buf, size_t count)
{
	return ucap_store_u64(buf, count, "set the reserve", ucap_set_reserve);
}

static ssize_t reserve_dst_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return ucap_reserve_show_dst(buf);
}

/* A comma-separated list of prefixes; reserve.c says what it may become. */
static ssize_t reserve_dst_store(struct kobject *kobj, struct kobj_attribute *attr,
				 const char *buf, size_t count)
{
	int err = ucap_reserve_set_dst(buf);

	return err ? err : count;
}

static ssize_t cap_bytes_store(struct kobject *kobj, struct kobj_attribute *attr,
			       const char *buf, size_t count)
{
	return ucap_store_u64(buf, count, "set the cap", ucap_set_cap);
}

static ssize_t rate_bytes_per_sec_store(struct kobject *kobj, struct kobj_attribute *attr,
					const char *buf, size_t count)
{
	return ucap_store_u64(buf, count, "set the rate ceiling", ucap_set_rate);
}

static ssize_t rate_burst_bytes_store(struct kobject *kobj, struct kobj_attribute *attr,
				      const char *buf, size_t count)
{
	return ucap_store_u64(buf, count, "set the rate burst", ucap_set_rate_burst);
}

static ssize_t lease_bytes_store(struct kobject *kobj, struct kobj_attribute *attr,
				 const char *buf, size_t count)
{
	return ucap_store_u64(buf, count, "raise the lease", ucap_raise_lease);
}

static ssize_t remaining_bytes_show(struct kobject *kobj, struct kobj_attribute *attr,
				    char *buf)
{
	struct ucap_totals t;

	ucap_read_totals(&t);
	/* No cap while unarmed: 0, as cap_bytes. */
	return sysfs_emit(buf, "%llu\n", t.cap_bytes > t.used_bytes ?
			  t.cap_bytes - t.used_bytes : 0);
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", ucap_state_name(ucap_state()));
}

/* The TPM anchor (tpm.c), as found at load; names in ucap_tpm_abi.h. */
static ssize_t tpm_state_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", ucap_tpm_state_name());
}

#define UCAP_ATTR_RO_NAMED(_name, _show) {				\
	.attr = { .name = _name, .mode = 0444 },			\
	.show = _show,							\
}

static struct kobj_attribute ucap_tpm_state_attr =
	UCAP_ATTR_RO_NAMED(UCAP_SYSFS_TPM_STATE, tpm_state_show);

/* The figures' files, in UCAP_FIGURES' order. */
enum ucap_figure {
#define X(name, src, mode, when, prom, type, help) UCAP_FIG_##name,
	UCAP_FIGURES(X)
#undef X
	UCAP_NFIGURES
};

#define UCAP_ATTR_RO(name)	__ATTR_RO(name)
#define UCAP_ATTR_RW(name)	__ATTR_RW_MODE(name, 0644)
static struct kobj_attribute ucap_figure_attrs[UCAP_NFIGURES] = {
#define X(name, src, mode, when, prom, type, help) UCAP_ATTR_##mode(name),
	UCAP_FIGURES(X)
#undef X
};

static struct kobj_attribute ucap_state_attr = UCAP_ATTR_RO_NAMED(UCAP_SYSFS_STATE, state_show);
static struct kobj_attribute ucap_reserve_dst_attr = {
	.attr = { .name = UCAP_SYSFS_RESERVE_DST, .mode = 0644 },
	.show = reserve_dst_show,
	.store = reserve_dst_store,
};

static ssize_t devices_read(struct file *file, struct kobject *kobj,
			    struct bin_attribute *attr, char *buf, loff_t off, size_t count)
{
	return ucap_devices_read(buf, off, count);
}

static struct bin_attribute ucap_devices_attr = {
	.attr = { .name = UCAP_SYSFS_DEVICES, .mode = 0444 },
	.read = devices_read,
};

/* The figures, then the text files; filled by ucap_sysfs_init(). */
static struct attribute *ucap_attrs[UCAP_NFIGURES + 4];

static void ucap_attrs_fill(void)
{
	unsigned int i;

	for (i = 0; i < UCAP_NFIGURES; i++)
		ucap_attrs[i] = &ucap_figure_attrs[i].attr;
	ucap_attrs[i++] = &ucap_state_attr.attr;
	ucap_attrs[i++] = &ucap_tpm_state_attr.attr;
	ucap_attrs[i++] = &ucap_reserve_dst_attr.attr;
	ucap_attrs[i] = NULL;
}

/* lease_bytes is there only with a lease: its absence says there is none. */
static umode_t ucap_attr_visible(struct kobject *kobj, struct attribute *attr, int n)
{
	if (attr == &ucap_figure_attrs[UCAP_FIG_lease_bytes].attr && !ucap_leasing())
		return 0;
	return attr->mode;
}

static struct bin_attribute *ucap_bin_attrs[] = {
	&ucap_devices_attr,
	NULL,
};

static const struct attribute_group ucap_group = {
	.is_visible = ucap_attr_visible,
	.attrs = ucap_attrs,
	.bin_attrs = ucap_bin_attrs,
};

int ucap_sysfs_init(void)
{
	struct kobject *kobj;
	int err;

	ucap_attrs_fill();
	kobj = kobject_create_and_add("uploadcap", kernel_kobj);
	if (!kobj)
		return -ENOMEM;
	err = sysfs_create_group(kobj, &ucap_group);
	if (err)
		goto put_kobj;
	WRITE_ONCE(ucap_kobj, kobj);
	/* Armed by parameter at load: announce it now that we can. */
	ucap_sysfs_state_changed();
	return 0;

put_kobj:
	kobject_put(kobj);
	return err;
}

void ucap_sysfs_exit(void)
{
	struct kobject *kobj = ucap_kobj;

	/*
	 * The hooks are gone and, once the group is removed, no writer is
	 * left: nothing can queue the work again after it is cancelled.
	 */
	sysfs_remove_group(kobj, &ucap_group);
	WRITE_ONCE(ucap_kobj, NULL);
	cancel_work_sync(&ucap_state_wk);
	kobject_put(kobj);
}
