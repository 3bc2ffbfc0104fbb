// SPDX-License-Identifier: GPL-2.0
/* The configuration file and the values it shares with the command line. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alarm.h"
#include "config.h"
#include "ledger.h"
#include "settings.h"
#include "ucap.h"

void config_defaults(struct uctl_config *c)
{
	static const unsigned int thresholds[] = { 50, 80, 90, 95, 100 };

	memset(c, 0, sizeof(*c));
	c->interval = 1.0;
	snprintf(c->ledger, sizeof(c->ledger), "%s", LEDGER_DEFAULT_PATH);
	memcpy(c->thresholds, thresholds, sizeof(thresholds));
	c->nthresholds = sizeof(thresholds) / sizeof(thresholds[0]);
	snprintf(c->facility, sizeof(c->facility), "daemon");
	snprintf(c->module, sizeof(c->module), "uploadcap");
	snprintf(c->on_exhaust, sizeof(c->on_exhaust), "drop");
	c->rate_multiple = 10.0;
	c->rate_window = 60.0;
	c->rate_history = 60;
	c->rate_min_bytes = 1048576;
	c->checkpoint_bytes = 1048576;
	c->checkpoint_seconds = 60.0;
	c->alarm_burst = ALARM_BURST;
}

static int parse_seconds(const char *key, const char *v, double min, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(d) || d < min || d > 86400)
		return ucap_fail(EINVAL, "%s: '%s' is not a number of seconds from %g to 86400",
				 key, v, min);
	*out = d;
	return 0;
}

static int parse_thresholds(struct uctl_config *c, const char *v)
{
	unsigned int t[CONFIG_MAX_THRESHOLDS], n = 0;
	const char *p = v;
	char *end;
	long x;

	while (*p) {
		errno = 0;
		x = strtol(p, &end, 10);
		if (errno || end == p || x < 1 || x > 100 || (*end && *end != ','))
			return ucap_fail(EINVAL, "thresholds: '%s' is not a list of percentages 1..100 (e.g. 50,80,90,95,100)", v);
		if (n == CONFIG_MAX_THRESHOLDS)
			return ucap_fail(EINVAL, "thresholds: at most %d", CONFIG_MAX_THRESHOLDS);
		if (n && (unsigned int)x <= t[n - 1])
			return ucap_fail(EINVAL, "thresholds: '%s' must be ascending, each once", v);
		t[n++] = (unsigned int)x;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return ucap_fail(EINVAL, "thresholds: '%s' ends with a comma", v);
	}
	if (!n)
		return ucap_fail(EINVAL, "thresholds: empty list");
	memcpy(c->thresholds, t, n * sizeof(t[0]));
	c->nthresholds = n;
	return 0;
}

static int parse_size(const char *key, const char *v, __u64 *out)
{
	char why[256];
	int ret = ucap_parse_size(v, out);

	if (!ret)
		return 0;
	snprintf(why, sizeof(why), "%s", ucap_why(ret));
	return ucap_fail(-ret, "%s: %s", key, why);
}

static int parse_bool(const char *key, const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return ucap_fail(EINVAL, "%s: '%s' is not yes or no", key, v);
	return 0;
}

static int copy_str(const char *key, const char *v, char *dst, size_t len)
{
	if (!*v || strlen(v) >= len)
		return ucap_fail(EINVAL, "%s: '%s' is empty or too long", key, v);
	snprintf(dst, len, "%s", v);
	return 0;
}

static int parse_count(const char *key, const char *v, long min, long max, unsigned int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max)
		return ucap_fail(EINVAL, "%s: '%s' is not a count from %ld to %ld", key, v, min, max);
	*out = (unsigned int)n;
	return 0;
}

int config_set(struct uctl_config *c, const char *key, const char *v)
{
	char *end;
	double d;

	if (!strcmp(key, "interval"))
		return parse_seconds(key, v, 0.05, &c->interval);
	if (!strcmp(key, "ledger"))
		return v[0] == '/' ? copy_str(key, v, c->ledger, sizeof(c->ledger)) :
		       ucap_fail(EINVAL, "ledger: '%s' is not an absolute path", v);
	if (!strcmp(key, "thresholds"))
		return parse_thresholds(c, v);
	if (!strcmp(key, "facility"))
		return alarm_facility(v) >= 0 ? copy_str(key, v, c->facility, sizeof(c->facility)) :
		       ucap_fail(EINVAL, "facility: unknown syslog facility '%s' (daemon, local0..local7, ...)", v);
	if (!strcmp(key, "cap"))
		return parse_size(key, v, &c->cap);
	if (!strcmp(key, "rate_ceiling")) {
		char why[256];
		int ret = ucap_parse_rate(v, &c->rate_ceiling);

		if (!ret)
			return 0;
		snprintf(why, sizeof(why), "%s", ucap_why(ret));
		return ucap_fail(-ret, "rate_ceiling: %s (a rate, e.g. 10MB/s)", why);
	}
	if (!strcmp(key, "rate_burst")) {
		__u64 b;
		int ret = parse_size(key, v, &b);

		if (ret)
			return ret;
		if (b < UCAP_RATE_MIN_BURST)
			return ucap_fail(EINVAL, "rate_burst: '%s' is below the minimum of %u bytes (256 KiB)",
					 v, UCAP_RATE_MIN_BURST);
		c->rate_burst = b;
		return 0;
	}
	if (!strcmp(key, "weights_size"))
		return parse_size(key, v, &c->weights_size);
	if (!strcmp(key, "lock_modules"))
		return parse_bool(key, v, &c->lock_modules);
	if (!strcmp(key, "exempt"))
		return settings_parse_exempt(v, c->exempt, sizeof(c->exempt));
	if (!strcmp(key, "audit_ms"))
		return settings_parse_audit_ms(v, &c->audit_ms);
	if (!strcmp(key, "on_exhaust"))
		return !strcmp(v, "drop") || !strcmp(v, "down") ?
		       copy_str(key, v, c->on_exhaust, sizeof(c->on_exhaust)) :
		       ucap_fail(EINVAL, "on_exhaust: '%s' is not drop or down", v);
	if (!strcmp(key, "reserve_bytes"))
		return parse_size(key, v, &c->reserve_bytes);
	if (!strcmp(key, "reserve_dst"))
		return settings_parse_reserve_dst(v, c->reserve_dst, sizeof(c->reserve_dst));
	if (!strcmp(key, "module"))
		return copy_str(key, v, c->module, sizeof(c->module));
	if (!strcmp(key, "rate_multiple")) {
		errno = 0;
		d = strtod(v, &end);
		if (errno || end == v || *end || !isfinite(d) || d <= 1.0 || d > 1e6)
			return ucap_fail(EINVAL, "rate_multiple: '%s' is not a number above 1", v);
		c->rate_multiple = d;
		return 0;
	}
	if (!strcmp(key, "rate_window"))
		return parse_seconds(key, v, 0.05, &c->rate_window);
	if (!strcmp(key, "rate_history"))
		return parse_count(key, v, 3, 1440, &c->rate_history);
	if (!strcmp(key, "textfile"))
		return v[0] == '/' ? copy_str(key, v, c->textfile, sizeof(c->textfile)) :
		       ucap_fail(EINVAL, "textfile: '%s' is not an absolute path", v);
	if (!strcmp(key, "attach"))
		return parse_bool(key, v, &c->attach);
	if (!strcmp(key, "checkpoint_seconds"))
		return parse_seconds(key, v, 0, &c->checkpoint_seconds);
	if (!strcmp(key, "alarm_burst"))
		return parse_count(key, v, 0, 1000000, &c->alarm_burst);
	if (!strcmp(key, "rate_min_bytes"))
		return parse_size(key, v, &c->rate_min_bytes);
	if (!strcmp(key, "checkpoint_bytes"))
		return parse_size(key, v, &c->checkpoint_bytes);
	if (!strcmp(key, "lease_step")) {
		__u64 step;
		int ret = parse_size(key, v, &step);

		if (ret)
			return ret;
		if (step < CONFIG_LEASE_STEP_MIN)
			return ucap_fail(EINVAL, "lease_step: '%s' is below the smallest step, 1MiB", v);
		c->lease_step = step;
		return 0;
	}
	/* Not ENOENT: callers take that for "no configuration file". */
	return ucap_fail(EINVAL, "unknown key '%s'", key);
}

__u64 config_lease_step(const struct uctl_config *c, __u64 cap_bytes)
{
	__u64 step = CONFIG_LEASE_STEP_MAX_DEFAULT;

	if (c->lease_step)
		return c->lease_step;
	if (cap_bytes && cap_bytes / 100 < step)
		step = cap_bytes / 100;
	return step < CONFIG_LEASE_STEP_MIN ? CONFIG_LEASE_STEP_MIN : step;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Each key once: a second one would silently win, or silently lose. */
struct seen_keys {
	char key[64][32];
	unsigned int line[64];
	unsigned int n;
};

static int key_once(struct seen_keys *seen, const char *key, unsigned int lineno)
{
	unsigned int i;

	for (i = 0; i < seen->n; i++)
		if (!strcmp(seen->key[i], key))
			return ucap_fail(EINVAL, "'%s' is given again (first on line %u)", key,
					 seen->line[i]);
	if (seen->n < 64 && strlen(key) < sizeof(seen->key[0])) {
		snprintf(seen->key[seen->n], sizeof(seen->key[0]), "%s", key);
		seen->line[seen->n++] = lineno;
	}
	return 0;
}

int config_parse(struct uctl_config *c, FILE *f, const char *path)
{
	char line[1024], why[512];
	struct seen_keys seen = { .n = 0 };
	unsigned int lineno = 0;
	char *p, *eq, *key, *val;
	int ret = 0;

	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			ret = ucap_fail(EINVAL, "%s:%u: line too long", path, lineno);
			break;
		}
		p = strchr(line, '#');
		if (p)
			*p = '\0';
		p = trim(line);
		if (!*p)
			continue;
		eq = strchr(p, '=');
		if (!eq) {
			ret = ucap_fail(EINVAL, "%s:%u: expected 'key = value'", path, lineno);
			break;
		}
		*eq = '\0';
		key = trim(p);
		val = trim(eq + 1);
		ret = config_set(c, key, val);
		if (!ret)
			ret = key_once(&seen, key, lineno);
		if (ret) {
			/*
			 * EINVAL whatever the value's parser said: only a file
			 * that is not there may read as -ENOENT, which callers
			 * take for "no configuration" (the defaults).
			 */
			snprintf(why, sizeof(why), "%s", ucap_why(ret));
			ret = ucap_fail(EINVAL, "%s:%u: %s", path, lineno, why);
			break;
		}
	}
	return ret;
}

int config_load(struct uctl_config *c, const char *path)
{
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return ucap_fail(ENOENT, "%s does not exist", path);
		return ucap_fail(errno, "open %s: %m", path);
	}
	ret = config_parse(c, f, path);
	fclose(f);
	return ret;
}
