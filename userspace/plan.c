// SPDX-License-Identifier: GPL-2.0
/*
 * uploadctl plan: size the lifetime cap (and a rate ceiling) from the
 * model's size and the host's legitimate output, as the upload-limits
 * proposal reasons: generated tokens x bits per token after compression
 * x protocol overhead is what the host must be able to upload; the cap
 * is that times a safety margin, and it only prevents exfiltration when
 * it stays below the size of the weights.
 *
 * Arithmetic in long double, every result rounded up to whole bytes: a
 * plan never recommends less than the figures give.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "uploadctl.h"

#define PLAN_BITS_PER_TOKEN	1.0
#define PLAN_OVERHEAD		1.2
#define PLAN_MARGIN		2.0
#define SECONDS_PER_DAY		86400.0L

static const char plan_help[] =
	"Usage: uploadctl plan --weights-size SIZE\n"
	"                      (--tokens N | --tokens-per-day N --days D)\n"
	"                      [--days D] [--bits-per-token B] [--overhead F]\n"
	"                      [--margin F] [--json]\n"
	"\n"
	"Recommend a lifetime cap (and, given days of service, a rate ceiling) for a\n"
	"host serving a model of SIZE (e.g. 1e14, 800GB): the host must be able to\n"
	"upload its generated tokens x bits per token / 8 x --overhead; the cap is\n"
	"that x --margin. Warns when the legitimate upload alone does not fit under\n"
	"the weights: then a cap can only slow exfiltration, not prevent it.\n"
	"\n"
	"  --tokens N           tokens the host generates over its life (8e14 works)\n"
	"  --tokens-per-day N   or per day, with --days D of service\n"
	"  --bits-per-token B   after compression (default 1: arithmetic coding with\n"
	"                       a weak model measured just below 1 bit/token;\n"
	"                       general-purpose compression of text gives a few)\n"
	"  --overhead F         protocol overhead factor, >= 1 (default 1.2)\n"
	"  --margin F           safety margin, >= 1 (default 2)\n";

struct plan_in {
	__u64 weights;
	long double tokens, per_day, days;
	double bits, overhead, margin;
	/* As given, for JSON: 0.1 stays 0.1, not its binary neighbour. */
	const char *bits_s, *overhead_s, *margin_s;
};

static json_object *json_number(double v, const char *given)
{
	return given ? json_object_new_double_s(v, given) : uctl_json_double(v);
}

/* A positive count or number of days: plain or scientific (8e14). */
static int parse_number(const char *opt, const char *s, long double *out)
{
	char *end;

	errno = 0;
	*out = strtold(s, &end);
	if (errno || end == s || *end || !isfinite(*out) || *out <= 0 || *out > 1e24L)
		return uctl_usage_err("plan", "%s: '%s' is not a positive number", opt, s);
	return 0;
}

static int parse_factor(const char *opt, const char *s, double min, bool min_ok, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(*out) || *out > 1e6 ||
	    (min_ok ? *out < min : *out <= min))
		return uctl_usage_err("plan", "%s: '%s' is not a number %s %g", opt, s,
				      min_ok ? ">=" : ">", min);
	return 0;
}

/*
 * Whole bytes, rounded up; false when past 2^64 - 1. A value a hair above
 * an integer only because decimal factors (0.1) are not exact in binary
 * is that integer.
 */
static bool to_bytes(long double v, __u64 *out)
{
	long double r = roundl(v);

	v = fabsl(v - r) <= 1e-9L * fmaxl(1.0L, v) ? r : ceill(v);
	if (v >= 18446744073709551616.0L)
		return false;
	*out = (__u64)v;
	return true;
}

static void print_text(const struct plan_in *in, __u64 legit, __u64 cap, __u64 rate,
		       bool have_rate, double ratio)
{
	char a[64], b[64], c[64], d[64];

	printf("weights:              %s\n", uctl_size(in->weights, a, sizeof(a)));
	printf("legitimate upload:    %s (%.4Lg tokens x %g bits/token / 8 x overhead %g)\n",
	       uctl_size(legit, b, sizeof(b)), in->tokens, in->bits, in->overhead);
	printf("recommended cap:      %s (margin %g), %.4g x the weights\n",
	       uctl_size(cap, c, sizeof(c)), in->margin, ratio);
	if (have_rate)
		printf("recommended ceiling:  %s per second; the weights take at least %.1f days at it\n",
		       uctl_size(rate, d, sizeof(d)),
		       rate ? (double)in->weights / (double)rate / 86400.0 : INFINITY);
	else
		printf("recommended ceiling:  give --days (or --tokens-per-day) for a rate\n");
	if (legit >= in->weights)
		printf("warning: the legitimate upload alone is not below the weights: a cap can\n"
		       "         only slow exfiltration, not prevent it; compress harder or\n"
		       "         serve fewer tokens from this host\n");
	else if (cap >= in->weights)
		printf("warning: with this margin the cap is not below the weights: lower the\n"
		       "         margin to at most %.3g for the cap to prevent exfiltration\n",
		       (double)in->weights / (double)legit);
}

static void print_json(const struct plan_in *in, __u64 legit, __u64 cap, __u64 rate,
		       bool have_rate, double ratio)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "weights_bytes", uctl_json_u64(in->weights));
	json_object_object_add(o, "tokens", json_number((double)in->tokens, NULL));
	json_object_object_add(o, "bits_per_token", json_number(in->bits, in->bits_s));
	json_object_object_add(o, "overhead", json_number(in->overhead, in->overhead_s));
	json_object_object_add(o, "margin", json_number(in->margin, in->margin_s));
	json_object_object_add(o, "legit_upload_bytes", uctl_json_u64(legit));
	json_object_object_add(o, "recommended_cap_bytes", uctl_json_u64(cap));
	json_object_object_add(o, "recommended_rate_bytes_per_sec",
			       have_rate ? uctl_json_u64(rate) : NULL);
	json_object_object_add(o, "cap_to_weights_ratio", uctl_json_double(ratio));
	json_object_object_add(o, "legit_fits_under_weights",
			       json_object_new_boolean(legit < in->weights));
	json_object_object_add(o, "cap_below_weights", json_object_new_boolean(cap < in->weights));
	uctl_json_print(o);
	json_object_put(o);
}

int cmd_plan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "weights-size", required_argument, NULL, 'w' },
		{ "tokens", required_argument, NULL, 't' },
		{ "tokens-per-day", required_argument, NULL, 'T' },
		{ "days", required_argument, NULL, 'd' },
		{ "bits-per-token", required_argument, NULL, 'b' },
		{ "overhead", required_argument, NULL, 'o' },
		{ "margin", required_argument, NULL, 'm' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct plan_in in = { .bits = PLAN_BITS_PER_TOKEN, .overhead = PLAN_OVERHEAD,
			      .margin = PLAN_MARGIN };
	bool have_weights = false, have_rate;
	__u64 legit, cap, rate = 0;
	long double bytes;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, UCTL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		ret = 0;
		switch (opt) {
		case 'w':
			ret = ucap_parse_size(optarg, &in.weights);
			if (ret)
				return uctl_usage_err("plan", "--weights-size: %s", ucap_why(ret));
			if (!in.weights)
				return uctl_usage_err("plan", "--weights-size: must be more than 0");
			have_weights = true;
			break;
		case 't': ret = parse_number("--tokens", optarg, &in.tokens); break;
		case 'T': ret = parse_number("--tokens-per-day", optarg, &in.per_day); break;
		case 'd': ret = parse_number("--days", optarg, &in.days); break;
		case 'b':
			ret = parse_factor("--bits-per-token", optarg, 0, false, &in.bits);
			in.bits_s = optarg;
			break;
		case 'o':
			ret = parse_factor("--overhead", optarg, 1, true, &in.overhead);
			in.overhead_s = optarg;
			break;
		case 'm':
			ret = parse_factor("--margin", optarg, 1, true, &in.margin);
			in.margin_s = optarg;
			break;
		default:
			ret = uctl_common_opt(opt, argv, "plan", plan_help);
			if (ret >= 0)
				return ret;
			ret = 0;
		}
		if (ret)
			return ret;
	}
	if (optind < argc)
		return uctl_usage_err("plan", "unexpected argument '%s'", argv[optind]);
	if (!have_weights)
		return uctl_usage_err("plan", "give --weights-size");
	if ((in.tokens > 0) == (in.per_day > 0))
		return uctl_usage_err("plan", "give --tokens or --tokens-per-day, one of them");
	if (in.per_day > 0 && in.days <= 0)
		return uctl_usage_err("plan", "--tokens-per-day needs --days");
	if (in.per_day > 0)
		in.tokens = in.per_day * in.days;

	bytes = in.tokens * in.bits / 8.0L * in.overhead;
	if (!to_bytes(bytes, &legit) || !to_bytes(bytes * in.margin, &cap))
		return uctl_errf("plan: the legitimate upload (%.4Lg bytes) does not fit in 64 bits",
				 bytes);
	have_rate = in.days > 0;
	if (have_rate && !to_bytes(bytes * in.margin / (in.days * SECONDS_PER_DAY), &rate))
		return uctl_errf("plan: the rate does not fit in 64 bits");
	if (uctl.json)
		print_json(&in, legit, cap, rate, have_rate, (double)cap / (double)in.weights);
	else
		print_text(&in, legit, cap, rate, have_rate, (double)cap / (double)in.weights);
	return UCTL_OK;
}
