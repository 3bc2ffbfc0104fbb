// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl rate: set (arm, or lower) and show uploadcap.ko's write-once
 * rate ceiling. The module enforces the rules; here we check the input,
 * write the burst before the rate (a burst written first is staged for
 * the arming) and translate the module's answers.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "uploadctl.h"

static const char rate_help[] =
	"Usage: uploadctl rate set RATE [--burst SIZE] [--lock-modules]\n"
	"       uploadctl rate show [--json]\n"
	"\n"
	"set arms uploadcap.ko's upload rate ceiling at RATE bytes per second\n"
	"(a SIZE, optionally followed by /s: 10MB/s, 1.5MiB/s, 2e6), or lowers\n"
	"it. Packets beyond the ceiling are dropped and not charged to the cap.\n"
	"--burst SIZE sets the burst allowance (at least 256 KiB; default a\n"
	"tenth of a second at the rate): what leaves in any window of W seconds\n"
	"is at most RATE * W + burst. Once armed, neither can be raised or\n"
	"cleared; the module refuses, counts and logs such attempts.\n"
	"--lock-modules then sets kernel.kexec_load_disabled=1 and\n"
	"kernel.modules_disabled=1 (one-way until reboot), as cap set does.\n"
	"\n"
	"show prints the ceiling, the burst, the current rate and what the\n"
	"ceiling dropped.\n";

static int rate_usage_bad(const char *what, int ret)
{
	uctl_usage_err("rate set", "%s: %s", what, ucap_why(ret));
	ucap_clear_why();
	return UCTL_USAGE;
}

static void print_setting(const char *what, __u64 before, __u64 after, bool armed_now,
			  const char *unit)
{
	char a[64], b[64];

	if (armed_now)
		printf("%s armed: %s%s\n", what, uctl_size(after, a, sizeof(a)), unit);
	else if (after != before)
		printf("%s lowered from %s%s to %s%s\n", what, uctl_size(before, a, sizeof(a)),
		       unit, uctl_size(after, b, sizeof(b)), unit);
	else
		printf("%s unchanged: %s%s\n", what, uctl_size(after, a, sizeof(a)), unit);
}

/* Write one setting; -EPERM and -EINVAL become the module's reasons. */
static int rate_write(const char *file, const char *what, __u64 v, __u64 now)
{
	char a[64];
	int ret = ucap_module_set(UCAP_SYSFS_DIR, file, v);

	if (ret == -EPERM)
		return uctl_errf("rate set: uploadcap.ko refused: the %s is %s and can only be lowered; "
				 "this attempt was counted and logged", what,
				 uctl_size(now, a, sizeof(a)));
	if (ret == -EINVAL)
		return uctl_errf("rate set: uploadcap.ko refused %s %llu: below its minimum", what,
				 (unsigned long long)v);
	if (ret)
		return uctl_errf("rate set: write %s/%s: %s", UCAP_SYSFS_DIR, file,
				 ret == -ENOENT ? ucap_why(ret) : strerror(-ret));
	return UCTL_OK;
}

static int rate_set(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "burst", required_argument, NULL, 'b' },
		{ "lock-modules", no_argument, NULL, 'L' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct ucap_module before, after;
	__u64 rate, burst = 0;
	bool lock = false, armed;
	int opt, ret, i;

	/* "-5MB/s" is a negative rate, not an option: say so. */
	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-' && (isdigit((unsigned char)argv[i][1]) || argv[i][1] == '.'))
			return rate_usage_bad("RATE", ucap_parse_rate(argv[i], &rate));
	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			ret = ucap_parse_size(optarg, &burst);
			if (ret)
				return rate_usage_bad("--burst", ret);
			if (burst < UCAP_RATE_MIN_BURST)
				return uctl_usage_err("rate set", "--burst: '%s' is below the minimum of %u bytes (256 KiB)",
						      optarg, UCAP_RATE_MIN_BURST);
			continue;
		case 'L':
			lock = true;
			continue;
		}
		ret = uctl_common_opt(opt, argv, "rate set", rate_help);
		if (ret >= 0)
			return ret;
	}
	if (optind != argc - 1)
		return uctl_usage_err("rate set", "give one RATE");
	ret = ucap_parse_rate(argv[optind], &rate);
	if (ret)
		return rate_usage_bad("RATE", ret);

	ret = ucap_require_root();
	if (!ret)
		ret = ucap_module_read(&before, UCAP_SYSFS_DIR);
	if (ret)
		return uctl_err("rate set", ret);
	ucap_module_free(&before);

	/*
	 * Unarmed, the burst goes first: it is staged and the arming takes
	 * it. Armed, the rate goes first: a refused raise changes nothing.
	 */
	armed = before.rate_bytes_per_sec != 0;
	for (i = 0; i < 2; i++) {
		if (i == armed)
			ret = burst ? rate_write("rate_burst_bytes", "rate burst", burst,
						 before.rate_burst_bytes) : UCTL_OK;
		else
			ret = rate_write("rate_bytes_per_sec", "rate ceiling", rate,
					 before.rate_bytes_per_sec);
		if (ret)
			return ret;
	}

	ret = ucap_module_read(&after, UCAP_SYSFS_DIR);
	if (ret)
		return uctl_err("rate set", ret);
	print_setting("rate ceiling", before.rate_bytes_per_sec, after.rate_bytes_per_sec,
		      !armed, "/s");
	print_setting("rate burst", before.rate_burst_bytes, after.rate_burst_bytes, !armed, "");
	ucap_module_free(&after);
	return lock ? uctl_lock_modules() : UCTL_OK;
}

static int rate_show(int argc, char **argv)
{
	return uctl_module_show(argc, argv, "rate show", rate_help, true);
}

static const struct uctl_cmd rate_cmds[] = {
	{ "set", rate_set, "arm, or lower the rate ceiling" },
	{ "show", rate_show, "show the ceiling, burst, current rate and drops" },
};

int cmd_rate(int argc, char **argv)
{
	return uctl_subcommand("rate", rate_cmds, sizeof(rate_cmds) / sizeof(rate_cmds[0]),
			       rate_help, argc, argv);
}
