// SPDX-License-Identifier: GPL-2.0
/*
 * The uploadcap.ko file, as modprobe finds it for the running kernel
 * (libkmod): what the next boot loads, which an upgrade may have replaced
 * while the armed module still runs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libkmod.h>

#include "ucap.h"

int ucap_module_file_version(char *buf, size_t len)
{
	struct kmod_list *l, *info = NULL;
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	int ret = -ENOENT;

	buf[0] = '\0';
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	kmod_set_log_priority(ctx, 0);	/* its lines are not ours to print */
	if (!kmod_module_new_from_name(ctx, "uploadcap", &mod) &&
	    kmod_module_get_info(mod, &info) > 0) {
		kmod_list_foreach(l, info) {
			if (!strcmp(kmod_module_info_get_key(l), "version")) {
				snprintf(buf, len, "%s", kmod_module_info_get_value(l));
				ret = buf[0] ? 0 : -ENOENT;
				break;
			}
		}
		kmod_module_info_free_list(info);
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return ret;
}
