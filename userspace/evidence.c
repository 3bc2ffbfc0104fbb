// SPDX-License-Identifier: GPL-2.0
/* Every ledger record, written, then forwarded (evidence.h). */
#include "alarm.h"
#include "evidence.h"
#include "settings.h"

int evidence_append(struct ledger *l, struct ledger_rec *rec, const char *what)
{
	char sv[SETTINGS_N][SETTINGS_VALUE_LEN];
	unsigned int k;
	int ret;

	ret = ledger_append(l, rec);
	if (ret)
		return ret;
	for (k = 0; k < SETTINGS_N; k++) {
		if (rec->have_settings)
			setting_value(&rec->settings, k, sv[k], sizeof(sv[k]));
		else
			snprintf(sv[k], sizeof(sv[k]), "none");
	}
	alarm_record(what,
		     "seq=%llu time=%llu boot=%s used_bytes=%llu cap_bytes=%llu reserved_bytes=%llu state=%s exempt=%s audit_ms=%s on_exhaust=%s lease_step=%s lock_modules=%s reserve_bytes=%s reserve_dst=%s prev=%s hash=%s",
		     (unsigned long long)rec->seq, (unsigned long long)rec->time, rec->boot,
		     (unsigned long long)rec->used, (unsigned long long)rec->cap,
		     (unsigned long long)rec->reserved, rec->state, sv[SETTING_EXEMPT],
		     sv[SETTING_AUDIT_MS], sv[SETTING_ON_EXHAUST], sv[SETTING_LEASE_STEP],
		     sv[SETTING_LOCK_MODULES], sv[SETTING_RESERVE_BYTES], sv[SETTING_RESERVE_DST],
		     rec->prev, rec->hash);
	return 0;
}
