// SPDX-License-Identifier: GPL-2.0
/* Each host's forwarded history, checked (logcheck.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "ledger.h"
#include "logcheck.h"
#include "settings.h"
#include "ucap_log_abi.h"

static const char *const kind_names[LOG_KINDS] = {
	[LOG_USED_DECREASED] = "used_decreased",
	[LOG_CAP_RAISED] = "cap_raised",
	[LOG_SETTING_WEAKENED] = "setting_weakened",
	[LOG_ROLLBACK] = "rollback",
	[LOG_CHAIN_BROKEN] = "chain_broken",
	[LOG_SEQ_RESTARTED] = "ledger_rewritten",
	[LOG_RECORDS_MISSING] = "records_missing",
	[LOG_SILENCE] = "silence",
	[LOG_UNCLEAN_END] = "unclean_end",
	[LOG_MALFORMED] = "malformed_record",
};

const char *log_kind_name(enum log_kind k)
{
	return k < LOG_KINDS ? kind_names[k] : "unknown";
}

static __u64 record_seq(const char *msg);

bool log_line_wanted(const char *program, const char *msg)
{
	return !strcmp(program, "uploadcap") ||
	       (!strcmp(program, "kernel") && strstr(msg, UCAP_LOG_PREFIX));
}

int log_set_add(struct log_set *s, const char *host, __s64 time, unsigned int file, size_t line,
		const char *msg)
{
	struct log_entry *e;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;

		e = realloc(s->v, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		s->v = e;
		s->cap = cap;
	}
	e = &s->v[s->n];
	e->host = strdup(host);
	e->msg = strdup(msg);
	if (!e->host || !e->msg) {
		free(e->host);
		free(e->msg);
		return -ENOMEM;
	}
	e->time = time;
	e->file = file;
	e->line = line;
	e->order = s->n++;
	e->seq = record_seq(msg);
	return 0;
}

void log_set_free(struct log_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].host);
		free(s->v[i].msg);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/*
 * The value of key in a line of "key=value" pairs (a value may be
 * "quoted"), into buf. False when key is not there or does not fit.
 */
static bool kv(const char *msg, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key), n;
	const char *p = msg, *v, *end;

	while (*p) {
		while (*p == ' ')
			p++;
		v = strchr(p, '=');
		if (!v)
			return false;
		end = v[1] == '"' ? strchr(v + 2, '"') : v + 1 + strcspn(v + 1, " ");
		if (!end)
			return false;
		if ((size_t)(v - p) == klen && !strncmp(p, key, klen)) {
			if (v[1] == '"')
				v++;
			n = (size_t)(end - v - 1);
			if (n >= len)
				return false;
			memcpy(buf, v + 1, n);
			buf[n] = '\0';
			return true;
		}
		p = *end == '"' ? end + 1 : end;
	}
	return false;
}

static bool kv_u64(const char *msg, const char *key, __u64 *v)
{
	char buf[24], *end;

	if (!kv(msg, key, buf, sizeof(buf)) || !buf[0] || buf[0] == '-')
		return false;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return !errno && !*end;
}

static bool is_record_event(const char *event)
{
	return !strcmp(event, EVIDENCE_CHECKPOINT) || !strcmp(event, EVIDENCE_RESERVATION) ||
	       !strcmp(event, EVIDENCE_RESTORE) || !strcmp(event, EVIDENCE_ADOPT);
}

/* A forwarded record's seq, 0 for any other line. */
static __u64 record_seq(const char *msg)
{
	char event[40];
	__u64 seq;

	if (!kv(msg, "event", event, sizeof(event)) || !is_record_event(event) ||
	    !kv_u64(msg, "seq", &seq))
		return 0;
	return seq;
}

static bool is_hash(const char *s)
{
	return strlen(s) == LEDGER_HASH_HEX && strspn(s, "0123456789abcdef") == LEDGER_HASH_HEX;
}

/*
 * A forwarded record (evidence.h) into r; false when a field is missing.
 * The reserve's two settings are absent from records before the reserve.
 */
static bool parse_record(const char *msg, struct ledger_rec *r)
{
	char vals[SETTINGS_N][SETTINGS_VALUE_LEN], *f[SETTINGS_N] = { NULL };
	unsigned int k, none = 0, given = 0;

	memset(r, 0, sizeof(*r));
	if (!kv_u64(msg, "seq", &r->seq) || !kv_u64(msg, "time", &r->time) ||
	    !kv(msg, "boot", r->boot, sizeof(r->boot)) || !kv_u64(msg, "used_bytes", &r->used) ||
	    !kv_u64(msg, "cap_bytes", &r->cap) || !kv_u64(msg, "reserved_bytes", &r->reserved) ||
	    !kv(msg, "state", r->state, sizeof(r->state)) ||
	    !kv(msg, "prev", r->prev, sizeof(r->prev)) || !kv(msg, "hash", r->hash, sizeof(r->hash)) ||
	    !is_hash(r->prev) || !is_hash(r->hash) || !r->seq)
		return false;
	for (k = 0; k < SETTINGS_N; k++) {
		if (!kv(msg, setting_name(k), vals[k], sizeof(vals[k]))) {
			if (k < SETTINGS_N_PRE_RESERVE)
				return false;
			continue;
		}
		f[k] = vals[k];
		given++;
		none += !strcmp(vals[k], "none");
	}
	if (none == given)
		return true;	/* a record from before the settings */
	r->have_settings = ledger_parse_settings(f, &r->settings);
	return r->have_settings;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct log_entry *x = a, *y = b;
	int c = strcmp(x->host, y->host);

	if (c)
		return c;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * A highest (or lowest) value told, and the one told before the second
 * now walked: lines of one second may be stored in any order (rsyslog's
 * file formats keep whole seconds), so a line is only held to what came
 * before its second.
 */
struct peak {
	__u64 now, before;
	__s64 sec;
};

static void peak_at(struct peak *p, __s64 t)
{
	if (t != p->sec) {
		p->before = p->now;
		p->sec = t;
	}
}

static void peak_max(struct peak *p, __u64 v)
{
	if (v > p->now)
		p->now = v;
}

static int seq_cmp(const void *a, const void *b)
{
	const struct log_entry *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Within one second of one host, the records in the order of their seq,
 * in the places records hold: the file formats keep whole seconds, and a
 * collector's files may be read in any order.
 */
static int order_seconds(struct log_set *s)
{
	struct log_entry *tmp;
	size_t i, j, k, n;

	tmp = malloc((s->n ?: 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	for (i = 0; i < s->n; i = j) {
		for (j = i; j < s->n && s->v[j].time == s->v[i].time &&
		     !strcmp(s->v[j].host, s->v[i].host); j++)
			;
		for (n = 0, k = i; k < j; k++)
			if (s->v[k].seq)
				tmp[n++] = s->v[k];
		if (n < 2)
			continue;
		qsort(tmp, n, sizeof(*tmp), seq_cmp);
		for (n = 0, k = i; k < j; k++)
			if (s->v[k].seq)
				s->v[k] = tmp[n++];
	}
	free(tmp);
	return 0;
}

/* One host's history, as it is walked. */
struct walk {
	struct log_host *h;
	bool have_rec;
	struct ledger_rec last;
	const struct log_entry *last_rec;	/* the line of the last record */
	char boot[40];		/* of the last record */
	bool stopped;		/* the agent said it stopped, this boot */
	bool lease_out;		/* the module's lease ran out, unraised */
	/*
	 * The module's own lines (ucap_log_abi.h): a history of their own,
	 * in the order the kernel wrote them (one reader, imklog), checked
	 * against itself only: the agent's lines reach the collector on
	 * another path, and may pass them.
	 */
	struct peak mod_used;	/* the highest count it told */
	struct peak mod_lease;	/* the highest lease it raised to */
	struct peak mod_cap;	/* the lowest cap it told; 0: none yet */
	__s64 max_silence;
};

static int add_finding(struct walk *w, const struct log_entry *e, enum log_kind k,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int add_finding(struct walk *w, const struct log_entry *e, enum log_kind k,
		       const char *fmt, ...)
{
	struct log_host *h = w->h;
	struct log_finding *f;
	va_list ap;

	f = realloc(h->findings, (h->nfindings + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	h->findings = f;
	f = &f[h->nfindings++];
	f->kind = k;
	f->time = e->time;
	f->file = e->file;
	f->line = e->line;
	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
	return 0;
}

static int add_alarm(struct walk *w, const struct log_entry *e, const char *event,
		     const char *severity)
{
	struct log_host *h = w->h;
	struct log_alarm *a;

	a = realloc(h->alarms, (h->nalarms + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	h->alarms = a;
	a = &a[h->nalarms++];
	a->time = e->time;
	a->file = e->file;
	a->line = e->line;
	snprintf(a->event, sizeof(a->event), "%s", event);
	snprintf(a->severity, sizeof(a->severity), "%s", severity);
	return 0;
}

/* A record r after the last one: its figures, its settings, its chain. */
static int check_record(struct walk *w, const struct log_entry *e, const struct ledger_rec *r)
{
	const struct ledger_rec *p = &w->last;
	bool new_boot = strcmp(r->boot, w->boot) != 0;
	char a[SETTINGS_VALUE_LEN], b[SETTINGS_VALUE_LEN];
	unsigned int k;
	int ret = 0;

	if (new_boot) {
		w->h->boots++;
		if (w->have_rec && r->used < ledger_floor(p))
			ret = add_finding(w, e, LOG_ROLLBACK,
					  "boot %s starts at used %llu, below the %llu the boot before reached (seq %llu)",
					  r->boot, (unsigned long long)r->used,
					  (unsigned long long)ledger_floor(p),
					  (unsigned long long)p->seq);
		if (!ret && w->have_rec && !w->stopped)
			ret = add_finding(w, e, LOG_UNCLEAN_END,
					  "boot %s ended without the agent's clean stop: a crash, or an agent frozen or killed%s",
					  p->boot, w->lease_out ? ", with the lease run out" : "");
		w->stopped = false;
		w->lease_out = false;
	}
	if (!w->have_rec)
		return ret;
	if (!ret && !new_boot && r->used < p->used)
		ret = add_finding(w, e, LOG_USED_DECREASED, "used went down from %llu to %llu",
				  (unsigned long long)p->used, (unsigned long long)r->used);
	if (!ret && p->cap && (!r->cap || r->cap > p->cap))
		ret = add_finding(w, e, LOG_CAP_RAISED, "the cap went from %llu to %llu",
				  (unsigned long long)p->cap, (unsigned long long)r->cap);
	for (k = 0; !ret && k < SETTINGS_N; k++) {
		if (!p->have_settings)
			break;
		if (!r->have_settings) {
			ret = add_finding(w, e, LOG_SETTING_WEAKENED, "the boot settings were dropped");
			break;
		}
		if (setting_weaker(&r->settings, &p->settings, k))
			ret = add_finding(w, e, LOG_SETTING_WEAKENED, "%s weakened from %s to %s",
					  setting_name(k),
					  setting_value(&p->settings, k, a, sizeof(a)),
					  setting_value(&r->settings, k, b, sizeof(b)));
	}
	if (ret)
		return ret;
	if (r->seq == p->seq + 1 && strcmp(r->prev, p->hash))
		return add_finding(w, e, LOG_CHAIN_BROKEN,
				   "seq %llu does not continue the chain of seq %llu: a rewritten ledger",
				   (unsigned long long)r->seq, (unsigned long long)p->seq);
	if (r->seq <= p->seq)
		return add_finding(w, e, LOG_SEQ_RESTARTED,
				   "seq %llu after seq %llu: a rewritten or replaced ledger",
				   (unsigned long long)r->seq, (unsigned long long)p->seq);
	if (r->seq == p->seq + 2)
		return add_finding(w, e, LOG_RECORDS_MISSING, "seq %llu never reached the collector",
				   (unsigned long long)p->seq + 1);
	if (r->seq > p->seq + 2)
		return add_finding(w, e, LOG_RECORDS_MISSING,
				   "seq %llu to %llu never reached the collector",
				   (unsigned long long)p->seq + 1, (unsigned long long)r->seq - 1);
	return 0;
}

/*
 * The text of one of the module's kernel lines after its prefix, or NULL:
 * "uploadcap: ...", perhaps after the kernel's "[    1.234567] ".
 */
static const char *module_text(const char *msg)
{
	if (*msg == '[') {
		msg = strchr(msg, ']');
		if (!msg)
			return NULL;
		msg += strspn(msg + 1, " ") + 1;
	}
	if (strncmp(msg, UCAP_LOG_PREFIX, strlen(UCAP_LOG_PREFIX)))
		return NULL;
	return msg + strlen(UCAP_LOG_PREFIX);
}

/* used, told by the module, never below what it told before. */
static int check_module_used(struct walk *w, const struct log_entry *e, unsigned long long used)
{
	int ret = 0;

	if (used < w->mod_used.before)
		ret = add_finding(w, e, LOG_USED_DECREASED,
				  "the module told used %llu, after %llu", used,
				  (unsigned long long)w->mod_used.before);
	peak_max(&w->mod_used, used);
	return ret;
}

/* cap, told by the module, never above the lowest it told before. */
static int check_module_cap(struct walk *w, const struct log_entry *e, unsigned long long cap)
{
	struct peak *p = &w->mod_cap;
	int ret = 0;

	if (!cap)
		return 0;
	if (p->before && cap > p->before)
		ret = add_finding(w, e, LOG_CAP_RAISED, "the module's cap went from %llu to %llu",
				  (unsigned long long)p->before, cap);
	if (!p->now || cap < p->now)
		p->now = cap;
	return ret;
}

/*
 * One of the module's lines (ucap_log_abi.h). A load never restores below
 * a lease raised before: each raise was written down first (the ledger,
 * or the TPM counter), so a load below one is a count rolled back.
 */
static int check_module_line(struct walk *w, const struct log_entry *e, const char *text)
{
	unsigned long long a, b, c;
	int n = 0, ret;

	peak_at(&w->mod_used, e->time);
	peak_at(&w->mod_lease, e->time);
	peak_at(&w->mod_cap, e->time);
	if (sscanf(text, UCAP_LOG_LOADED "%n", &a, &b, &n) == 2 && n) {
		if (a < w->mod_lease.before)
			ret = add_finding(w, e, LOG_ROLLBACK,
					  "the module loaded at used %llu, below the lease of %llu it had raised to: a count rolled back",
					  a, (unsigned long long)w->mod_lease.before);
		else
			ret = check_module_used(w, e, a);
		/* A life of its own: what follows is held to it, one finding. */
		w->mod_used = (struct peak){ .now = a, .before = a, .sec = e->time };
		w->mod_lease = (struct peak){ .sec = e->time };
		return ret ?: check_module_cap(w, e, b);
	}
	/* At load it comes before the load line: its count is that line's. */
	if (sscanf(text, UCAP_LOG_ARMED "%n", &a, &b, &n) == 2 && n)
		return check_module_cap(w, e, a);
	if (sscanf(text, UCAP_LOG_CAP_LOWERED "%n", &a, &b, &n) == 2 && n)
		return check_module_cap(w, e, b);
	if (sscanf(text, UCAP_LOG_LEASE_RAISED "%n", &a, &b, &c, &n) == 3 && n) {
		peak_max(&w->mod_lease, b);
		w->lease_out = false;
		return check_module_used(w, e, c);
	}
	if (sscanf(text, UCAP_LOG_LEASE_OUT "%n", &a, &n) == 1 && n) {
		w->lease_out = true;
		return add_alarm(w, e, "module:lease_used_up", "warning");
	}
	/* Its count then is what was granted, which may pass used: listed. */
	if (sscanf(text, UCAP_LOG_EXHAUSTED "%n", &a, &b, &n) == 2 && n)
		return add_alarm(w, e, "module:exhausted", "crit");
	/* Past the cap, up to cap + reserve: the records' own figures show it. */
	if (sscanf(text, UCAP_LOG_RESERVE_SPENT "%n", &a, &b, &c, &n) == 3 && n)
		return add_alarm(w, e, "module:reserve_spent", "crit");
	if (strstr(text, UCAP_LOG_BYPASS_MARK))
		return add_alarm(w, e, "module:bypass_charged", "warning");
	return 0;
}

static int check_entry(struct walk *w, const struct log_entry *e)
{
	char event[40], severity[12];
	struct ledger_rec r;
	int ret = 0;

	w->h->lines++;
	if (!w->h->first)
		w->h->first = e->time;
	w->h->last = e->time;
	if (!kv(e->msg, "event", event, sizeof(event))) {
		const char *text = module_text(e->msg);

		return text ? check_module_line(w, e, text) : 0;
	}
	if (!kv(e->msg, "severity", severity, sizeof(severity)))
		snprintf(severity, sizeof(severity), "-");
	if (!strcmp(event, "agent_stopped"))
		w->stopped = true;	/* and listed, as the alarms */
	if (!is_record_event(event))
		return add_alarm(w, e, event, severity);
	if (!parse_record(e->msg, &r))
		return add_finding(w, e, LOG_MALFORMED, "a %s line without the record's fields",
				   event);
	/* The same record twice (a collector that got it again): once. */
	if (w->have_rec && r.seq == w->last.seq && !strcmp(r.hash, w->last.hash))
		return 0;
	w->h->records++;
	/* Between two records of one boot the host was up: silence counts. */
	if (w->have_rec && w->max_silence && !strcmp(r.boot, w->boot) &&
	    e->time - w->last_rec->time > w->max_silence)
		ret = add_finding(w, e, LOG_SILENCE,
				  "no record for %lld s while the host was up (more than %lld s)",
				  (long long)(e->time - w->last_rec->time),
				  (long long)w->max_silence);
	if (!ret)
		ret = check_record(w, e, &r);
	if (!strcmp(r.boot, w->boot))
		w->stopped = false;	/* the agent runs again, this boot */
	w->last_rec = e;
	w->last = r;
	w->have_rec = true;
	snprintf(w->boot, sizeof(w->boot), "%s", r.boot);
	return ret;
}

/*
 * The host's history ends: silent since its last record, for longer than
 * max_silence before the newest line the collector holds from any host,
 * with its agent not stopped cleanly.
 */
static int check_end(struct walk *w, __s64 newest)
{
	if (!w->have_rec || !w->max_silence || w->stopped ||
	    newest - w->last_rec->time <= w->max_silence)
		return 0;
	return add_finding(w, w->last_rec, LOG_SILENCE,
			   "no record since, for %lld s up to the newest line held (more than %lld s)",
			   (long long)(newest - w->last_rec->time), (long long)w->max_silence);
}

int log_check(struct log_set *s, __s64 max_silence, struct log_report *r)
{
	__s64 newest = 0;
	struct walk w;
	size_t i;
	int ret;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < s->n; i++)
		if (s->v[i].time > newest)
			newest = s->v[i].time;
	if (s->n)
		qsort(s->v, s->n, sizeof(s->v[0]), entry_cmp);
	ret = order_seconds(s);
	if (ret)
		return ret;
	for (i = 0; i < s->n; i++) {
		if (!i || strcmp(s->v[i].host, s->v[i - 1].host)) {
			struct log_host *h = realloc(r->hosts, (r->n + 1) * sizeof(*h));

			if (!h)
				return -ENOMEM;
			r->hosts = h;
			h = &h[r->n++];
			memset(h, 0, sizeof(*h));
			h->host = s->v[i].host;
			memset(&w, 0, sizeof(w));
			w.h = h;
			w.max_silence = max_silence;
		}
		ret = check_entry(&w, &s->v[i]);
		if (!ret && (i + 1 == s->n || strcmp(s->v[i + 1].host, s->v[i].host)))
			ret = check_end(&w, newest);
		if (ret)
			return ret;
	}
	return 0;
}

void log_report_free(struct log_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->hosts[i].findings);
		free(r->hosts[i].alarms);
	}
	free(r->hosts);
	memset(r, 0, sizeof(*r));
}
