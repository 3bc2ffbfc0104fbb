// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_bounce IN_IFACE OUT_IFACE OBJ: attach xdp_redirect to IN_IFACE so
 * that every frame IN_IFACE receives leaves through OUT_IFACE by XDP,
 * past OUT_IFACE's netfilter and tc egress hooks.
 * xdp_bounce --pass IFACE OBJ: attach xdp_pass to IFACE.
 * Both interfaces are in the calling network namespace; the attachment
 * stays after we exit and goes with the device.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

static int attach(const char *iface, const char *objpath, const char *prog, __u32 out)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	struct bpf_map *rodata;
	int ifindex = (int)if_nametoindex(iface), ret;

	if (!ifindex) {
		fprintf(stderr, "xdp_bounce: no interface %s\n", iface);
		return 1;
	}
	obj = bpf_object__open_file(objpath, NULL);
	if (!obj) {
		fprintf(stderr, "xdp_bounce: open %s: %s\n", objpath, strerror(errno));
		return 1;
	}
	rodata = bpf_object__find_map_by_name(obj, ".rodata");
	if (rodata && bpf_map__set_initial_value(rodata, &out, sizeof(out))) {
		fprintf(stderr, "xdp_bounce: set the target\n");
		return 1;
	}
	p = bpf_object__find_program_by_name(obj, prog);
	ret = p ? bpf_object__load(obj) : -ENOENT;
	if (!ret)
		ret = bpf_xdp_attach(ifindex, bpf_program__fd(p), XDP_FLAGS_DRV_MODE, NULL);
	if (ret) {
		fprintf(stderr, "xdp_bounce: %s on %s: %s\n", prog, iface, strerror(-ret));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--pass"))
		return attach(argv[2], argv[3], "xdp_pass", 0);
	if (argc == 4) {
		__u32 out = if_nametoindex(argv[2]);

		if (!out) {
			fprintf(stderr, "xdp_bounce: no interface %s\n", argv[2]);
			return 1;
		}
		return attach(argv[1], argv[3], "xdp_redirect", out);
	}
	fprintf(stderr, "usage: xdp_bounce IN_IFACE OUT_IFACE OBJ | --pass IFACE OBJ\n");
	return 2;
}
