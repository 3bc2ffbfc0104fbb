// SPDX-License-Identifier: GPL-2.0
/*
 * progcost: per-packet cost of the egress meter against an empty tc
 * program (return TC_ACT_OK), both run with BPF_PROG_TEST_RUN on a zeroed
 * __sk_buff context, alternating within each round so that both see the
 * same machine noise. Prints one JSON object on stdout.
 *
 *   progcost EMPTY_OBJ [ROUNDS [REPEAT]]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "ucap.h"
#include "uploadcap.skel.h"

static int run_ns(int prog_fd, __u32 len, __u32 repeat, double *ns)
{
	static unsigned char pkt[1600];
	struct __sk_buff ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = pkt,
		    .data_size_in = len,
		    .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .repeat = repeat);
	struct timespec t0, t1;
	int ret;

	pkt[12] = 0x08;		/* an IPv4 frame; the content does not matter */
	/*
	 * The kernel reports the mean in whole ns, too coarse for programs
	 * that take ~10 ns: time the whole call; its fixed setup cost is
	 * spread over REPEAT runs.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = bpf_prog_test_run_opts(prog_fd, &opts);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ret)
		return ret;
	*ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / repeat;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static json_object *series(const double *v, unsigned int n)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	double *s = malloc(n * sizeof(*s));
	unsigned int i;

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_double(v[i]));
	json_object_object_add(o, "median", json_object_new_double(s[n / 2]));
	json_object_object_add(o, "min", json_object_new_double(s[0]));
	json_object_object_add(o, "max", json_object_new_double(s[n - 1]));
	json_object_object_add(o, "rounds", a);
	free(s);
	return o;
}

int main(int argc, char **argv)
{
	static const __u32 sizes[] = { 64, 1500 };
	unsigned int rounds = 9, r, i;
	__u32 repeat = 1000000;
	struct bpf_object *empty_obj;
	struct bpf_program *empty;
	struct uploadcap *meter;
	struct bpf_map *map;
	json_object *out;

	if (argc < 2) {
		fprintf(stderr, "usage: progcost EMPTY_OBJ [ROUNDS [REPEAT]]\n");
		return 2;
	}
	if (argc > 2)
		rounds = (unsigned int)strtoul(argv[2], NULL, 10);
	if (argc > 3)
		repeat = (__u32)strtoul(argv[3], NULL, 10);
	if (!rounds || !repeat) {
		fprintf(stderr, "progcost: ROUNDS and REPEAT must be positive\n");
		return 2;
	}

	meter = uploadcap__open();
	if (!meter)
		return fprintf(stderr, "progcost: open meter: %s\n", strerror(errno)), 1;
	bpf_object__for_each_map(map, meter->obj)
		bpf_map__set_pin_path(map, NULL);
	meter->rodata->ucap_slot = 1;
	if (uploadcap__load(meter))
		return fprintf(stderr, "progcost: load meter: %s\n", strerror(errno)), 1;

	empty_obj = bpf_object__open_file(argv[1], NULL);
	if (!empty_obj || bpf_object__load(empty_obj))
		return fprintf(stderr, "progcost: load %s: %s\n", argv[1], strerror(errno)), 1;
	empty = bpf_object__find_program_by_name(empty_obj, "tc_ok");
	if (!empty)
		return fprintf(stderr, "progcost: no tc_ok in %s\n", argv[1]), 1;

	out = json_object_new_object();
	json_object_object_add(out, "repeat", json_object_new_int64(repeat));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double *m = calloc(rounds, sizeof(double));
		double *e = calloc(rounds, sizeof(double));
		double *ratio = calloc(rounds, sizeof(double));
		json_object *o = json_object_new_object();
		char key[32];

		for (r = 0; r < rounds; r++) {
			/* Alternate which goes first, so neither always runs warm. */
			int first_meter = r & 1, ret;

			if (first_meter)
				ret = run_ns(bpf_program__fd(meter->progs.ucap_egress), sizes[i],
					     repeat, &m[r]) ||
				      run_ns(bpf_program__fd(empty), sizes[i], repeat, &e[r]);
			else
				ret = run_ns(bpf_program__fd(empty), sizes[i], repeat, &e[r]) ||
				      run_ns(bpf_program__fd(meter->progs.ucap_egress), sizes[i],
					     repeat, &m[r]);
			if (ret)
				return fprintf(stderr, "progcost: test run: %s\n", strerror(errno)), 1;
			ratio[r] = e[r] > 0 ? m[r] / e[r] : 0;
		}
		json_object_object_add(o, "meter_ns", series(m, rounds));
		json_object_object_add(o, "empty_ns", series(e, rounds));
		json_object_object_add(o, "ratio", series(ratio, rounds));
		snprintf(key, sizeof(key), "bytes_%u", sizes[i]);
		json_object_object_add(out, key, o);
		free(m);
		free(e);
		free(ratio);
	}
	puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	bpf_object__close(empty_obj);
	uploadcap__destroy(meter);
	return 0;
}
