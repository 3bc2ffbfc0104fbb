// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl config check: parse the configuration exactly as `load` and
 * the agent will, so that an operator finds a mistake before a boot or a
 * SIGHUP does.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "config.h"
#include "uploadctl.h"

static const char config_help[] =
	"Usage: uploadctl config check [FILE]\n"
	"\n"
	"Parse the configuration (default " CONFIG_DEFAULT_PATH ") as 'uploadctl\n"
	"load' and the agent do: exit 0 if every line is valid, else name the\n"
	"file, the line and the reason, and exit 1.\n";

static int config_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONFIG_DEFAULT_PATH;
	struct uctl_config c;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		ret = uctl_common_opt(opt, argv, "config check", config_help);
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		path = argv[optind++];
	if (optind < argc)
		return uctl_usage_err("config check", "unexpected argument '%s'", argv[optind]);

	config_defaults(&c);
	ret = config_load(&c, path);
	if (ret)
		return uctl_err("config check", ret);
	printf("%s: valid\n", path);
	return UCTL_OK;
}

static const struct uctl_cmd config_cmds[] = {
	{ "check", config_check, "parse the configuration file" },
};

int cmd_config(int argc, char **argv)
{
	return uctl_subcommand("config", config_cmds, sizeof(config_cmds) / sizeof(config_cmds[0]),
			       config_help, argc, argv);
}
