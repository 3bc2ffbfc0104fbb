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

/*
 * Bits per generated token after general-purpose compression: zstd -19 on
 * English prose (Debian's policy manual, debian-policy's policy.txt, with
 * tokens counted as 4/3 of its words) gives 10.6; xz -9e 10.4, gzip -9
 * 12.6. selftests/plan_cli.sh measures it again and holds this default to
 * it. A cap that can never be raised is not sized from a best case.
 */
#define PLAN_BITS_PER_TOKEN	11.0
/* Arithmetic coding against a weak model: the proposal measured below 1. */
#define PLAN_BITS_ARITHMETIC	1.0
#define PLAN_OVERHEAD		1.0
#define PLAN_MARGIN		2.0
/*
 * What the wire adds. TCP/IP: 52 bytes of headers per 1448-byte segment;
 * a response (HTTP/1.1 status and headers, TLS records, its segments'
 * headers and the handshake's share): about 600 bytes. A server-sent
 * event per token (one streamed chunk, flushed): "data: " and a JSON
 * object of about 150 bytes, a TLS record's 29 and a segment's 52 bytes.
 */
#define PLAN_TCPIP_PER_SEGMENT	52.0L
#define PLAN_MSS		1448.0L
#define PLAN_RESPONSE_BYTES	600.0L
#define PLAN_SSE_EVENT_BYTES	239.0L
#define PLAN_TOKENS_PER_RESPONSE	500.0
/*
 * What else a host sends all its life: forwarded logs, metrics scrapes,
 * TCP ACKs of what it receives, SSH. 8 KiB/s is a node_exporter scrape of
 * ~100 KB every 15 s and a little more.
 */
#define PLAN_HOUSEKEEPING	8192ULL
#define PLAN_PEAK		4.0
#define SECONDS_PER_DAY		86400.0L

enum plan_protocol { PLAN_RAW, PLAN_HTTP, PLAN_SSE };

static const char *const protocol_names[] = { "raw", "http", "sse" };

static const char plan_help[] =
	"Usage: uploadctl plan --weights-size SIZE\n"
	"                      (--tokens N | --tokens-per-day N --days D)\n"
	"                      [--days D] [--bits-per-token B | --arithmetic-coding]\n"
	"                      [--protocol raw|http|sse] [--tokens-per-response N]\n"
	"                      [--housekeeping RATE] [--overhead F] [--margin F]\n"
	"                      [--peak F] [--json]\n"
	"\n"
	"Recommend a lifetime cap (and, given days of service, a rate ceiling) for a\n"
	"host serving a model of SIZE (e.g. 1e14, 800GB). What the host must be\n"
	"able to upload: its generated tokens x bits per token / 8, as the serving\n"
	"protocol puts them on the wire, x --overhead, plus --housekeeping over\n"
	"the days; the cap is that x --margin. Warns, loudly, when the legitimate\n"
	"upload does not fit under the weights: then a cap can only slow\n"
	"exfiltration, not prevent it.\n"
	"\n"
	"  --tokens N           tokens the host generates over its life (8e14 works)\n"
	"  --tokens-per-day N   or per day, with --days D of service\n"
	"  --bits-per-token B   after compression (default 11: zstd on English\n"
	"                       text, measured; see uploadctl(8))\n"
	"  --arithmetic-coding  1 bit per token: coding against a weak model, as\n"
	"                       the proposal measured it\n"
	"  --protocol P         raw (the compressed tokens alone), http (one\n"
	"                       response per request; default) or sse (a streamed\n"
	"                       event per token)\n"
	"  --tokens-per-response N  for http and sse (default 500)\n"
	"  --housekeeping RATE  logs, metrics, ACKs, SSH (default 8KiB/s; 0: none)\n"
	"  --overhead F         any further factor, >= 1 (default 1)\n"
	"  --margin F           safety margin, >= 1 (default 2)\n"
	"  --peak F             the rate ceiling over the average, >= 1 (default 4)\n";

struct plan_in {
	__u64 weights;
	long double tokens, per_day, days, per_response;
	double bits, overhead, margin, peak;
	enum plan_protocol protocol;
	__u64 housekeeping;	/* bytes per second */
	bool arithmetic, bits_given;
	/* As given, for JSON: 0.1 stays 0.1, not its binary neighbour. */
	const char *bits_s, *overhead_s, *margin_s, *peak_s;
};

/* The figures, in bytes (rounded up). */
struct plan_out {
	__u64 payload, wire, housekeeping, legit, cap, rate;
	bool have_rate;
	double ratio;
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

static void print_text(const struct plan_in *in, const struct plan_out *o)
{
	char a[64], b[64], c[64], d[64], e[64], f[64];

	printf("weights:              %s\n", uctl_size(in->weights, a, sizeof(a)));
	printf("generated tokens:     %s (%.4Lg tokens x %g bits/token / 8%s)\n",
	       uctl_size(o->payload, b, sizeof(b)), in->tokens, in->bits,
	       in->arithmetic ? ", arithmetic coding" : "");
	printf("on the wire:          %s (%s%s, overhead %g)\n",
	       uctl_size(o->wire, c, sizeof(c)), protocol_names[in->protocol],
	       in->protocol == PLAN_RAW ? "" : " framing, TLS, TCP/IP", in->overhead);
	if (in->days > 0)
		printf("housekeeping:         %s (%s per second over %.4Lg days)\n",
		       uctl_size(o->housekeeping, d, sizeof(d)),
		       ucap_fmt_iec(in->housekeeping, f, sizeof(f)), in->days);
	else
		printf("housekeeping:         not counted: give --days (or --tokens-per-day)\n");
	printf("legitimate upload:    %s\n", uctl_size(o->legit, e, sizeof(e)));
	printf("recommended cap:      %s (margin %g), %.4g x the weights\n",
	       uctl_size(o->cap, a, sizeof(a)), in->margin, o->ratio);
	if (o->have_rate)
		printf("recommended ceiling:  %s per second (peak %g x the average); the weights\n"
		       "                      take at least %.1f days at it\n",
		       uctl_size(o->rate, b, sizeof(b)), in->peak,
		       o->rate ? (double)in->weights / (double)o->rate / 86400.0 : INFINITY);
	else
		printf("recommended ceiling:  give --days (or --tokens-per-day) for a rate\n");
	if (o->legit >= in->weights) {
		printf("\nWARNING: THIS CAP IS MEANINGLESS. The legitimate upload alone (%.3g x the\n"
		       "weights) is not below the weights: a cap can only slow exfiltration, not\n"
		       "prevent it. Compress harder (--arithmetic-coding), use a leaner protocol\n"
		       "(raw), or serve fewer tokens from this host.\n",
		       (double)o->legit / (double)in->weights);
		uctl_errf("plan: warning: the legitimate upload is not below the weights: the cap cannot prevent exfiltration");
	} else if (o->cap >= in->weights) {
		printf("\nWARNING: with this margin the cap is not below the weights: lower the\n"
		       "margin to at most %.3g for the cap to prevent exfiltration.\n",
		       (double)in->weights / (double)o->legit);
		uctl_errf("plan: warning: with margin %g the cap is not below the weights", in->margin);
	}
}

static void print_json(const struct plan_in *in, const struct plan_out *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "weights_bytes", uctl_json_u64(in->weights));
	json_object_object_add(o, "tokens", json_number((double)in->tokens, NULL));
	json_object_object_add(o, "bits_per_token", json_number(in->bits, in->bits_s));
	json_object_object_add(o, "arithmetic_coding", json_object_new_boolean(in->arithmetic));
	json_object_object_add(o, "protocol", json_object_new_string(protocol_names[in->protocol]));
	json_object_object_add(o, "tokens_per_response",
			       json_number((double)in->per_response, NULL));
	json_object_object_add(o, "overhead", json_number(in->overhead, in->overhead_s));
	json_object_object_add(o, "margin", json_number(in->margin, in->margin_s));
	json_object_object_add(o, "peak", json_number(in->peak, in->peak_s));
	json_object_object_add(o, "housekeeping_bytes_per_sec", uctl_json_u64(in->housekeeping));
	json_object_object_add(o, "payload_bytes", uctl_json_u64(p->payload));
	json_object_object_add(o, "wire_bytes", uctl_json_u64(p->wire));
	json_object_object_add(o, "housekeeping_bytes",
			       in->days > 0 ? uctl_json_u64(p->housekeeping) : NULL);
	json_object_object_add(o, "legit_upload_bytes", uctl_json_u64(p->legit));
	json_object_object_add(o, "recommended_cap_bytes", uctl_json_u64(p->cap));
	json_object_object_add(o, "recommended_rate_bytes_per_sec",
			       p->have_rate ? uctl_json_u64(p->rate) : NULL);
	json_object_object_add(o, "cap_to_weights_ratio", uctl_json_double(p->ratio));
	json_object_object_add(o, "legit_fits_under_weights",
			       json_object_new_boolean(p->legit < in->weights));
	json_object_object_add(o, "cap_below_weights",
			       json_object_new_boolean(p->cap < in->weights));
	uctl_json_print(o);
	json_object_put(o);
}

/* What the serving protocol puts on the wire for payload bytes of tokens. */
static long double wire_bytes(const struct plan_in *in, long double payload)
{
	long double responses = ceill(in->tokens / in->per_response);

	switch (in->protocol) {
	case PLAN_HTTP:
		return payload * (1.0L + PLAN_TCPIP_PER_SEGMENT / PLAN_MSS) +
		       responses * PLAN_RESPONSE_BYTES;
	case PLAN_SSE:
		return in->tokens * PLAN_SSE_EVENT_BYTES + responses * PLAN_RESPONSE_BYTES;
	default:
		return payload;
	}
}

static int parse_protocol(const char *s, enum plan_protocol *out)
{
	unsigned int i;

	for (i = 0; i < sizeof(protocol_names) / sizeof(protocol_names[0]); i++) {
		if (!strcmp(s, protocol_names[i])) {
			*out = (enum plan_protocol)i;
			return 0;
		}
	}
	return uctl_usage_err("plan", "--protocol: '%s' is not raw, http or sse", s);
}

static int parse_housekeeping(const char *s, __u64 *out)
{
	int ret;

	if (!strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	ret = ucap_parse_rate(s, out);
	if (ret)
		return uctl_usage_err("plan", "--housekeeping: %s", ucap_why(ret));
	return 0;
}

int cmd_plan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "weights-size", required_argument, NULL, 'w' },
		{ "tokens", required_argument, NULL, 't' },
		{ "tokens-per-day", required_argument, NULL, 'T' },
		{ "days", required_argument, NULL, 'd' },
		{ "bits-per-token", required_argument, NULL, 'b' },
		{ "arithmetic-coding", no_argument, NULL, 'A' },
		{ "protocol", required_argument, NULL, 'P' },
		{ "tokens-per-response", required_argument, NULL, 'R' },
		{ "housekeeping", required_argument, NULL, 'H' },
		{ "overhead", required_argument, NULL, 'o' },
		{ "margin", required_argument, NULL, 'm' },
		{ "peak", required_argument, NULL, 'k' },
		UCTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct plan_in in = { .bits = PLAN_BITS_PER_TOKEN, .overhead = PLAN_OVERHEAD,
			      .margin = PLAN_MARGIN, .peak = PLAN_PEAK, .protocol = PLAN_HTTP,
			      .per_response = PLAN_TOKENS_PER_RESPONSE,
			      .housekeeping = PLAN_HOUSEKEEPING };
	bool have_weights = false;
	struct plan_out out = { 0 };
	long double payload, wire, legit;
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
		case 'R':
			ret = parse_number("--tokens-per-response", optarg, &in.per_response);
			break;
		case 'b':
			ret = parse_factor("--bits-per-token", optarg, 0, false, &in.bits);
			in.bits_s = optarg;
			in.bits_given = true;
			break;
		case 'A':
			in.arithmetic = true;
			break;
		case 'P': ret = parse_protocol(optarg, &in.protocol); break;
		case 'H': ret = parse_housekeeping(optarg, &in.housekeeping); break;
		case 'o':
			ret = parse_factor("--overhead", optarg, 1, true, &in.overhead);
			in.overhead_s = optarg;
			break;
		case 'm':
			ret = parse_factor("--margin", optarg, 1, true, &in.margin);
			in.margin_s = optarg;
			break;
		case 'k':
			ret = parse_factor("--peak", optarg, 1, true, &in.peak);
			in.peak_s = optarg;
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
	if (in.arithmetic && in.bits_given)
		return uctl_usage_err("plan", "--arithmetic-coding sets the bits per token: give one of them");
	if (in.arithmetic)
		in.bits = PLAN_BITS_ARITHMETIC;
	if (in.per_day > 0)
		in.tokens = in.per_day * in.days;

	payload = in.tokens * in.bits / 8.0L;
	wire = wire_bytes(&in, payload) * in.overhead;
	legit = wire;
	if (in.days > 0)
		legit += (long double)in.housekeeping * in.days * SECONDS_PER_DAY;
	if (!to_bytes(payload, &out.payload) || !to_bytes(wire, &out.wire) ||
	    !to_bytes(legit, &out.legit) || !to_bytes(legit * in.margin, &out.cap))
		return uctl_errf("plan: the legitimate upload (%.4Lg bytes) does not fit in 64 bits",
				 legit);
	out.housekeeping = out.legit - out.wire;
	out.have_rate = in.days > 0;
	if (out.have_rate &&
	    !to_bytes(legit * in.margin / (in.days * SECONDS_PER_DAY) * in.peak, &out.rate))
		return uctl_errf("plan: the rate does not fit in 64 bits");
	out.ratio = (double)out.cap / (double)in.weights;
	if (uctl.json)
		print_json(&in, &out);
	else
		print_text(&in, &out);
	return UCTL_OK;
}
