/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Evidence off the host: every ledger record, as it is written, also goes
 * to syslog, so that what a collector received is a complete record of
 * the host's count that root on the host cannot rewrite. One line per
 * record, never rate-limited (alarm_record()):
 *
 *   event=<what> severity=notice seq= time= boot= used_bytes= cap_bytes=
 *   reserved_bytes= state= exempt= audit_ms= on_exhaust= lease_step=
 *   lock_modules= prev= hash=
 *
 * what: checkpoint (the agent), reservation (a lease raise written down:
 * the agent, or anchored, the module's), restore (a boot's first record,
 * uploadctl load), adopt (uploadctl ledger adopt).
 */
#ifndef UCTL_EVIDENCE_H
#define UCTL_EVIDENCE_H

#include "ledger.h"

#define EVIDENCE_CHECKPOINT	"checkpoint"
#define EVIDENCE_RESERVATION	"reservation"
#define EVIDENCE_RESTORE	"restore"
#define EVIDENCE_ADOPT		"adopt"

/*
 * ledger_append(), then the record's line to syslog. Nothing is sent for
 * a record that did not reach the disk.
 */
int evidence_append(struct ledger *l, struct ledger_rec *rec, const char *what);

#endif /* UCTL_EVIDENCE_H */
