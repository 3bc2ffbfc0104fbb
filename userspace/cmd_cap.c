// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl cap: set (arm, or lower) and show uploadcap.ko's lifetime cap.
 * The module enforces write-once semantics itself; here we only translate
 * its answers, and lock module loading when asked (modlock.c).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "uploadctl.h"

static const char cap_help[] =
	"Usage: uploadctl cap set SIZE [--lock-modules]\n"
	"       uploadctl cap show [--json]\n"
	"\n"
	"set arms uploadcap.ko with a lifetime upload cap of SIZE bytes, or\n"
	"lowers the cap it has. Once armed, the cap can never be raised or\n"
	"cleared; the module refuses, counts and logs such attempts. SIZE: a\n"
	"number of bytes with an optional unit, case-insensitive, with or without\n"
	"a space: K M G T P E or KB MB GB TB PB EB (powers of 1000), KiB MiB GiB\n"
	"TiB PiB EiB (powers of 1024); e.g. 800GB, 1.5TiB, 2000000000000.\n"
	"\n"
	"--lock-modules then sets kernel.kexec_load_disabled=1 and\n"
	"kernel.modules_disabled=1: no module can be loaded or unloaded any more,\n"
	"not even with rmmod -f, and no new kernel can be kexec'ed in. This is\n"
	"one-way until the next reboot. Without kernel lockdown, root can still\n"
	"write kernel memory: a warning says so.\n"
	"\n"
	"show prints the module's state, cap and use.\n";

static int size_usage_err(const char *arg)
{
	__u64 size;
	int ret = ucap_parse_size(arg, &size);

	uctl_usage_err("cap set", "%s", ucap_why(ret));
	ucap_clear_why();
	return UCTL_USAGE;
}

static int cap_set(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lock-modules", no_argument, NULL, 'L' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct ucap_module before, after;
	char a[64], b[64];
	bool lock = false;
	__u64 size;
	int opt, ret, i;

	/* "-5G" is a negative size, not an option: say so. */
	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-' && (isdigit((unsigned char)argv[i][1]) || argv[i][1] == '.'))
			return size_usage_err(argv[i]);
	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (opt == 'L') {
			lock = true;
			continue;
		}
		ret = uctl_common_opt(opt, argv, "cap set", cap_help);
		if (ret >= 0)
			return ret;
	}
	if (optind != argc - 1)
		return uctl_usage_err("cap set", "give one SIZE");
	if (ucap_parse_size(argv[optind], &size))
		return size_usage_err(argv[optind]);

	ret = ucap_require_root();
	if (!ret)
		ret = ucap_module_read(&before, UCAP_SYSFS_DIR);
	if (ret)
		return uctl_err("cap set", ret);
	ucap_module_free(&before);

	ret = ucap_module_set(UCAP_SYSFS_DIR, "cap_bytes", size);
	if (ret == -EPERM)
		return uctl_errf("cap set: uploadcap.ko refused: the cap is %s and can only be lowered; "
				 "this attempt was counted and logged",
				 uctl_size(before.cap_bytes, a, sizeof(a)));
	if (ret)
		return uctl_errf("cap set: write %s/cap_bytes: %s", UCAP_SYSFS_DIR, strerror(-ret));

	ret = ucap_module_read(&after, UCAP_SYSFS_DIR);
	if (ret)
		return uctl_err("cap set", ret);
	if (before.state == UCAP_MOD_UNARMED)
		printf("armed: cap %s\n", uctl_size(after.cap_bytes, a, sizeof(a)));
	else if (after.cap_bytes != before.cap_bytes)
		printf("cap lowered from %s to %s\n", uctl_size(before.cap_bytes, a, sizeof(a)),
		       uctl_size(after.cap_bytes, b, sizeof(b)));
	else
		printf("cap unchanged: %s\n", uctl_size(after.cap_bytes, a, sizeof(a)));
	if (after.cap_bytes > size)
		printf("note: %s is below what was already used; the cap is the used count, "
		       "and nothing more leaves\n", uctl_size(size, a, sizeof(a)));
	ucap_module_free(&after);
	return lock ? uctl_lock_modules() : UCTL_OK;
}

static int cap_show(int argc, char **argv)
{
	return uctl_module_show(argc, argv, "cap show", cap_help, false);
}

static const struct uctl_cmd cap_cmds[] = {
	{ "set", cap_set, "arm, or lower the cap" },
	{ "show", cap_show, "show state, cap and use" },
};

int cmd_cap(int argc, char **argv)
{
	return uctl_subcommand("cap", cap_cmds, sizeof(cap_cmds) / sizeof(cap_cmds[0]),
			       cap_help, argc, argv);
}
