// SPDX-License-Identifier: GPL-2.0
/*
 * The module reader's checks that need no module: the devices table with
 * and without the audit's columns, and ucap_module_check(), the relations
 * between the module's figures that a faked reading breaks (a used_bytes
 * frozen below what the hooks let through, an audit that charged more
 * than it found, used past the cap).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "ucap.h"

static int parse(struct ucap_module *m, const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!f)
		return -errno;
	ret = ucap_module_parse_devices(m, f, "test");
	fclose(f);
	return ret;
}

static const char table[] =
	"netns ifindex name bytes packets dropped_packets dropped_bytes len_bytes bypass_bytes held\n"
	"4026531840 2 eth0 3000000 2000 0 0 2990000 0 0\n"
	"4026532000 7 veth7 1000000 700 1 60 1000000 5000 1\n";

static const char old_table[] =
	"netns ifindex name bytes packets dropped_packets dropped_bytes\n"
	"4026531840 2 eth0 3000000 2000 0 0\n";

int main(void)
{
	struct ucap_module m = { 0 };
	char why[256];
	int ret;

	ret = parse(&m, table);
	if (!tap_ok(ret == 0 && m.ndevs == 2, "the devices table with the audit's columns parses"))
		tap_bail("cannot go on: %s", ucap_why(ret));
	tap_eq(m.devs[1].len_bytes, 1000000, "len_bytes read");
	tap_eq(m.devs[1].bypass_bytes, 5000, "bypass_bytes read");
	tap_ok(m.devs[1].held && !m.devs[0].held, "held read");
	ucap_module_free(&m);

	ret = parse(&m, old_table);
	tap_ok(ret == 0 && m.ndevs == 1 && !m.devs[0].len_bytes && !m.devs[0].held,
	       "a table without them parses too (they read 0)");
	ucap_module_free(&m);

	ret = parse(&m, "netns ifindex name bytes packets dropped_packets dropped_bytes held\n"
			"1 2 eth0 3 4 5 6 2\n");
	tap_ok(ret == -EPROTO, "held other than 0 or 1 is refused: %s", ucap_why(ret));
	ucap_clear_why();
	ucap_module_free(&m);

	/* The figures of an armed module whose hooks let 4 MB through. */
	parse(&m, table);
	m.state = UCAP_MOD_ARMED;
	m.cap_bytes = 10000000;
	m.restored_bytes = 1000000;
	m.bypass_bytes = 6000;
	m.audit_charged_bytes = 5000;
	m.used_bytes = 4000000 + 1000000 + 5000;
	tap_ok(ucap_module_check(&m, why, sizeof(why)) == 0, "consistent figures pass");
	m.used_bytes += 123;
	tap_ok(ucap_module_check(&m, why, sizeof(why)) == 0,
	       "used_bytes above the sum passes (devices that are gone)");

	m.used_bytes = 3000000;
	ret = ucap_module_check(&m, why, sizeof(why));
	tap_ok(ret == -EPROTO && strstr(why, "exceed used_bytes 3000000"),
	       "a used_bytes frozen below the hooks' sum is caught: %s", why);

	m.used_bytes = 4000000 + 1000000 + 5000;
	m.audit_charged_bytes = 7000;
	m.used_bytes += 2000;
	ret = ucap_module_check(&m, why, sizeof(why));
	tap_ok(ret == -EPROTO && strstr(why, "exceed bypass_bytes"),
	       "an audit that charged more than it found is caught: %s", why);

	m.audit_charged_bytes = 5000;
	m.used_bytes = 11000000;
	ret = ucap_module_check(&m, why, sizeof(why));
	tap_ok(ret == -EPROTO && strstr(why, "exceed cap_bytes"), "used past the cap is caught: %s",
	       why);
	m.state = UCAP_MOD_UNARMED;
	m.cap_bytes = 0;
	tap_ok(ucap_module_check(&m, why, sizeof(why)) == 0, "unarmed: no cap to exceed");
	ucap_module_free(&m);
	return tap_done();
}
