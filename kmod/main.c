// SPDX-License-Identifier: GPL-2.0
/*
 * uploadcap: a write-once lifetime cap on the bytes a host uploads,
 * enforced at the netfilter egress hook of every network device.
 */
#include <linux/module.h>

#include "ucap_kmod.h"
#include "ucap_log_abi.h"

static int __init ucap_init(void)
{
	u64 lease_bytes, cap_bytes, granted;
	int err;

	ucap_budget_init();
	err = ucap_reserve_init();
	if (err)
		return err;
	err = ucap_tpm_init();
	if (err)
		goto err_reserve;
	err = ucap_rate_init();
	if (err)
		goto err_tpm;
	err = ucap_down_init();
	if (err)
		goto err_rate;
	err = ucap_sysfs_init();
	if (err)
		goto err_down;
	err = ucap_hook_init();
	if (err)
		goto err_sysfs;
	err = ucap_audit_init();
	if (err)
		goto err_hook;
	/* The start of this module's life, as a collector reads it (cap 0: none). */
	ucap_read_lease(&lease_bytes, &cap_bytes, &granted);
	pr_info(UCAP_LOG_LOADED ", %s\n", ucap_used_bytes(),
		ucap_state() == UCAP_UNARMED ? 0 : cap_bytes, ucap_state_name(ucap_state()));
	return 0;

err_hook:
	ucap_hook_exit();
err_sysfs:
	ucap_sysfs_exit();
err_down:
	ucap_down_exit();
err_rate:
	ucap_rate_exit();
err_tpm:
	ucap_tpm_exit();
err_reserve:
	ucap_reserve_exit();
	return err;
}

/*
 * The down work is queued by state changes, which come from the hooks,
 * sysfs writes and the audit: it is cancelled last, when none of them is
 * left (even after rmmod -f of an armed module).
 */
static void __exit ucap_exit(void)
{
	ucap_audit_exit();
	ucap_hook_exit();
	ucap_sysfs_exit();
	ucap_down_exit();
	ucap_rate_exit();
	ucap_tpm_exit();
	ucap_reserve_exit();
	pr_info("unloaded\n");
}

module_init(ucap_init);
module_exit(ucap_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Write-once lifetime cap on the bytes a host uploads");
MODULE_AUTHOR("The uploadcap developers");
/* Kbuild gives it: debian/changelog's, or DKMS's VERSION file. */
MODULE_VERSION(UCAP_MODULE_VERSION);
