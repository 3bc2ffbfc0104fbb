// SPDX-License-Identifier: GPL-2.0
/*
 * Locking module loading (kernel.modules_disabled) and kexec, one-way
 * until reboot: what cap set, rate set and load do after arming when
 * asked (--lock-modules, lock_modules = yes).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "uploadctl.h"

#define MODULES_DISABLED "/proc/sys/kernel/modules_disabled"
#define KEXEC_LOAD_DISABLED "/proc/sys/kernel/kexec_load_disabled"

/* Write "1" to a one-way sysctl; -ENOENT: this kernel does not have it. */
static int set_one_way(const char *path)
{
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "1\n", 2) != 2)
		err = -errno;
	close(fd);
	return err;
}

/*
 * Lockdown (integrity or confidentiality) is what stops root from writing
 * kernel memory (/dev/mem, /dev/kmem, /proc/kcore, BPF writes, unsigned
 * modules): without it the locks below can be undone by a root attacker.
 */
static void warn_unless_locked_down(void)
{
	char mode[32];
	int ret;

	ret = ucap_lockdown_mode(mode, sizeof(mode));
	if (!ret && strcmp(mode, "none"))
		return;
	fprintf(stderr, "uploadctl: warning: kernel lockdown is %s (%s): root can still write kernel memory and undo these locks; boot with Secure Boot or lockdown=integrity\n",
		ret ? "unknown" : "off", ret ? "cannot read /sys/kernel/security/lockdown" : "none");
}

int uctl_lock_modules(void)
{
	int kexec, err;

	/* kexec first: a new kernel would start with neither lock nor cap. */
	kexec = set_one_way(KEXEC_LOAD_DISABLED);
	if (kexec && kexec != -ENOENT)
		return uctl_errf("lock kexec: write %s: %s", KEXEC_LOAD_DISABLED,
				 strerror(-kexec));
	err = set_one_way(MODULES_DISABLED);
	if (err)
		return uctl_errf("lock modules: write %s: %s", MODULES_DISABLED, strerror(-err));
	printf("modules locked: kernel.modules_disabled=1 until reboot; uploadcap.ko can no longer be removed\n");
	if (kexec)
		printf("kexec: this kernel has no kexec_load_disabled (no kexec support)\n");
	else
		printf("kexec locked: kernel.kexec_load_disabled=1 until reboot\n");
	warn_unless_locked_down();
	return UCTL_OK;
}
