# SPDX-License-Identifier: GPL-2.0
#
# uploadcap: `make` builds the BPF meter, its skeleton, uploadctl and, when
# headers for the target kernel are present, uploadcap.ko.
#
#   make [V=1] [KDIR=/lib/modules/<release>/build]
#   make check      every test (TAP), the VM kernels included
#   make demo       the demonstration
#   make bench      benchmarks
#   make fuzz       [FUZZ_SECS=60] libFuzzer on every userspace parser
#   make san        userspace again with ASan+UBSan, in build/san
#   make install    [DESTDIR=...] [PREFIX=/usr/local]: uploadctl, systemd units,
#                   modprobe.d, man pages, bash completion, the example configuration
#   make install-dkms  [DESTDIR=...]: the module's sources for DKMS in /usr/src
#   make deb        the uploadcap and uploadcap-dkms packages, in build/deb/
#   make clean

# The one version: debian/changelog's, without its epoch or Debian revision.
CHANGELOG_VERSION := $(patsubst (%),%,$(word 2,$(shell head -n 1 debian/changelog)))
VERSION		:= $(firstword $(subst -, ,$(lastword $(subst :, ,$(CHANGELOG_VERSION)))))
PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
UNITDIR		?= $(PREFIX)/lib/systemd/system
MODPROBEDIR	?= $(PREFIX)/lib/modprobe.d
MANDIR		?= $(PREFIX)/share/man
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
CONFDIR		:= /etc/uploadcap
DKMSDIR		:= /usr/src/uploadcap-$(VERSION)
DESTDIR		?=
BUILD		:= build
KRELEASE	?= $(shell uname -r)
KDIR		?= /lib/modules/$(KRELEASE)/build

CC		?= cc
CLANG		?= clang
BPFTOOL		?= bpftool
PKG_CONFIG	?= pkg-config

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-9s %s\n' '$(1)' '$(2)'
endif

PKGS		:= libbpf libmnl json-c libcrypto libkmod libsystemd tss2-esys tss2-rc tss2-tctildr
PKG_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

CFLAGS		?= -O2 -g
override CFLAGS	+= -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		   -DUCAP_VERSION='"$(VERSION)"' \
		   -Ibpf -I$(BUILD) -Iuserspace/lib -Ikmod $(PKG_CFLAGS)
LDLIBS		+= $(PKG_LIBS) -lm

# BPF objects: the arch include dir supplies <asm/types.h> for <linux/bpf.h>.
MULTIARCH	:= $(shell $(CC) -print-multiarch 2>/dev/null)
BPF_CFLAGS	:= -target bpf -O2 -g -Wall -Werror -Ibpf \
		   $(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))

LIB_SRCS	:= $(wildcard userspace/lib/*.c)
LIB_OBJS	:= $(patsubst userspace/lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRCS))
CTL_SRCS	:= $(wildcard userspace/*.c)
CTL_OBJS	:= $(patsubst userspace/%.c,$(BUILD)/uploadctl.d/%.o,$(CTL_SRCS))
TEST_BPF_OBJS	:= $(patsubst selftests/bpf/%.bpf.c,$(BUILD)/selftests/%.bpf.o,$(wildcard selftests/bpf/*.bpf.c))
TEST_PROGS	:= $(patsubst selftests/%.c,$(BUILD)/selftests/%,$(wildcard selftests/*.c))
BENCH_PROGS	:= $(patsubst scripts/bench/%.c,$(BUILD)/bench/%,$(wildcard scripts/bench/*.c))

# The module is built only where headers for the target kernel exist, in
# build/kmod/<release>/ (sources linked there), so that it can be built for
# several kernels side by side. It must build clean with W=1 and, where
# sparse is installed, C=1: any warning fails the build.
HAVE_KDIR	:= $(wildcard $(KDIR)/Makefile)
MODREL		:= $(if $(filter /lib/modules/%/build,$(KDIR)),$(patsubst /lib/modules/%/build,%,$(KDIR)),$(KRELEASE))
MODDIR		:= $(CURDIR)/$(BUILD)/kmod/$(MODREL)
KMOD_SRCS	:= $(wildcard kmod/*.c kmod/*.h)
SPARSE		:= $(shell command -v sparse 2>/dev/null)
# Kernels the VM tests boot: an image in /boot and headers to build for.
VM_KERNELS	?= $(sort $(foreach k,$(wildcard /boot/vmlinuz-*),$(if $(wildcard /lib/modules/$(k:/boot/vmlinuz-%=%)/build/Makefile),$(k:/boot/vmlinuz-%=%))))

# libFuzzer harnesses: each links the parsers' sources, instrumented.
FUZZ_CC		?= clang
FUZZ_CFLAGS	:= -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		   -Wall -Wextra -Werror -D_GNU_SOURCE -Ibpf -Iuserspace -Iuserspace/lib -Ikmod \
		   -Iselftests/fuzz
FUZZ_LIB_SRCS	:= userspace/lib/units.c userspace/lib/error.c userspace/lib/modmeter.c \
		   userspace/config.c userspace/alarm.c userspace/ledger.c userspace/settings.c \
		   userspace/lib/tpmpolicy.c userspace/lib/syslogline.c \
		   userspace/logcheck.c
FUZZERS		:= $(patsubst selftests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard selftests/fuzz/fuzz_*.c))
FUZZ_SECS	?= 60
SAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: print-version all userspace module modules check demo bench install uninstall clean deps \
	fuzzers fuzz san install-dkms deb debs lint

all: userspace $(if $(HAVE_KDIR),module)

userspace: $(BUILD)/uploadctl $(TEST_PROGS) $(TEST_BPF_OBJS) $(BENCH_PROGS)

deps:
	$(Q)scripts/install-deps.sh

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/ucap_meter_abi.h
	$(call msg,CLANG-BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/selftests/%.bpf.o: selftests/bpf/%.bpf.c
	$(call msg,CLANG-BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/uploadcap.skel.h: $(BUILD)/bpf/uploadcap.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name uploadcap > $@.tmp
	$(Q)mv $@.tmp $@

$(BUILD)/lib/%.o: userspace/lib/%.c $(wildcard userspace/lib/*.h) bpf/ucap_meter_abi.h kmod/ucap_params.h kmod/ucap_tpm_abi.h kmod/ucap_log_abi.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libucap.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/uploadctl.d/%.o: userspace/%.c $(wildcard userspace/*.h userspace/lib/*.h) \
		bpf/ucap_meter_abi.h kmod/ucap_params.h kmod/ucap_tpm_abi.h kmod/ucap_log_abi.h $(BUILD)/uploadcap.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Iuserspace -c $< -o $@

$(BUILD)/uploadctl: $(CTL_OBJS) $(BUILD)/libucap.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/%: selftests/%.c selftests/tap.h $(BUILD)/libucap.a $(BUILD)/uploadcap.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Iselftests $< $(BUILD)/libucap.a $(LDLIBS) -o $@

# The agent's meter comparison, unit-tested on its own.
$(BUILD)/selftests/compare_test: selftests/compare_test.c selftests/tap.h userspace/compare.c \
		userspace/compare.h kmod/ucap_params.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Iselftests -Iuserspace $< userspace/compare.c -o $@

# The module's pure arithmetic (kmod/ucap_arith.h), compiled in userspace.
$(BUILD)/selftests/arith_test: selftests/arith_test.c selftests/tap.h kmod/ucap_arith.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Iselftests -Ikmod $< -o $@

$(BUILD)/selftests/nobpf: selftests/nobpf.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(shell $(PKG_CONFIG) --libs libseccomp 2>/dev/null) -o $@

$(BUILD)/bench/%: scripts/bench/%.c $(BUILD)/libucap.a $(BUILD)/uploadcap.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(BUILD)/libucap.a $(LDLIBS) -o $@

$(BUILD)/fuzz/%: selftests/fuzz/%.c selftests/fuzz/fuzz.h $(FUZZ_LIB_SRCS) \
		$(wildcard userspace/*.h userspace/lib/*.h)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $< $(FUZZ_LIB_SRCS) \
		$(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null) -o $@

fuzzers: $(FUZZERS)

fuzz:
	$(Q)scripts/install-deps.sh
	$(Q)$(MAKE) --no-print-directory fuzzers
	$(Q)UCAP_FUZZ_SECS=$(FUZZ_SECS) selftests/run.sh fuzz.sh

# The same userspace built by clang with ASan and UBSan, for
# selftests/sanitizers.sh.
san:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/san CC=$(CLANG) \
		CFLAGS="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" userspace

module: $(MODDIR)/uploadcap.ko $(MODDIR)/lagdev/ucap_lagdev.ko

# $(call kbuild,DIR,NAME): build the module NAME from DIR, where its
# sources are linked; any warning fails the build. The "+" marks the
# sub-make as recursive, which make cannot see through $(call): without it
# the sub-make gets no jobserver under -j and warns so.
define kbuild
	+$(Q)$(MAKE) -C $(KDIR) M=$(1) W=1 $(if $(SPARSE),C=1) UCAP_VERSION=$(VERSION) \
		$(if $(filter 1,$(V)),V=1) modules >$(1)/build.log 2>&1 || \
		{ cat $(1)/build.log; exit 1; }
	$(Q)if grep -E 'warning:|error:' $(1)/build.log; then \
		echo "$(2): the build for $(MODREL) has warnings" >&2; exit 1; fi
	$(Q)$(if $(filter 1,$(V)),cat $(1)/build.log,true)
endef

$(MODDIR)/uploadcap.ko: Kbuild $(KMOD_SRCS)
	$(call msg,KBUILD,$(MODREL))
	$(Q)mkdir -p $(MODDIR)/kmod
	$(Q)ln -sf $(CURDIR)/Kbuild $(MODDIR)/Kbuild
	$(Q)for f in $(KMOD_SRCS); do ln -sf $(CURDIR)/$$f $(MODDIR)/$$f; done
	$(call kbuild,$(MODDIR),uploadcap.ko)

# The selftests' device whose counters lag (selftests/lagdev), held to
# the same build rules.
$(MODDIR)/lagdev/ucap_lagdev.ko: selftests/lagdev/Kbuild selftests/lagdev/ucap_lagdev.c
	$(call msg,KBUILD,$(MODREL) lagdev)
	$(Q)mkdir -p $(MODDIR)/lagdev
	$(Q)for f in $^; do ln -sf $(CURDIR)/$$f $(MODDIR)/lagdev/; done
	$(call kbuild,$(MODDIR)/lagdev,ucap_lagdev.ko)

# uploadcap.ko for every kernel the VM tests boot.
modules:
	$(Q)$(if $(VM_KERNELS),,echo "no kernel with headers in /lib/modules/*/build and an image in /boot" >&2; exit 1)
	$(Q)$(foreach k,$(VM_KERNELS),$(MAKE) --no-print-directory module KRELEASE=$(k) KDIR=/lib/modules/$(k)/build &&) true

# The two README commands: each installs what it needs, then builds (in a
# sub-make, so that pkg-config sees freshly installed libraries) and runs.
check:
	$(Q)scripts/install-deps.sh
	$(Q)$(MAKE) --no-print-directory -j$$(nproc) userspace modules fuzzers san debs
	$(Q)selftests/run.sh

# checkpatch --strict on kmod/ and bpf/, shellcheck on every script: zero
# findings (make check runs it too, as selftests/lint.sh, first).
lint:
	$(Q)scripts/lint.sh

demo:
	$(Q)scripts/install-deps.sh
	$(Q)$(MAKE) --no-print-directory userspace modules
	$(Q)scripts/demo.sh

bench:
	$(Q)scripts/install-deps.sh
	$(Q)$(MAKE) --no-print-directory userspace modules
	$(Q)scripts/bench/run.sh

# Paths in the installed files follow PREFIX (SBINDIR).
SUBST		= sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@VERSION@|$(VERSION)|g'
UNITS		:= uploadcap-load.service uploadcap-agent.service

install: $(BUILD)/uploadctl
	install -D -m 0755 $(BUILD)/uploadctl $(DESTDIR)$(SBINDIR)/uploadctl
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MODPROBEDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(BASHCOMPDIR)
	for u in $(UNITS); do \
		$(SUBST) dist/systemd/$$u.in >$(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; done
	$(SUBST) dist/modprobe.d/uploadcap.conf.in >$(DESTDIR)$(MODPROBEDIR)/uploadcap.conf
	chmod 0644 $(DESTDIR)$(MODPROBEDIR)/uploadcap.conf
	install -m 0644 man/uploadctl.8 $(DESTDIR)$(MANDIR)/man8/uploadctl.8
	install -m 0644 man/uploadcap.4 $(DESTDIR)$(MANDIR)/man4/uploadcap.4
	install -m 0644 dist/bash-completion/uploadctl $(DESTDIR)$(BASHCOMPDIR)/uploadctl
	install -D -m 0644 dist/prometheus/uploadcap.rules.yml \
		$(DESTDIR)$(PREFIX)/share/uploadcap/prometheus/uploadcap.rules.yml
	@# An operator's configuration is never overwritten.
	test -e $(DESTDIR)$(CONFDIR)/uploadcap.conf || \
		install -D -m 0644 dist/uploadcap.conf $(DESTDIR)$(CONFDIR)/uploadcap.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/uploadctl $(DESTDIR)$(MODPROBEDIR)/uploadcap.conf \
		$(DESTDIR)$(MANDIR)/man8/uploadctl.8 $(DESTDIR)$(MANDIR)/man4/uploadcap.4 \
		$(DESTDIR)$(BASHCOMPDIR)/uploadctl $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS)) \
		$(DESTDIR)$(PREFIX)/share/uploadcap/prometheus/uploadcap.rules.yml
	@echo "kept: $(CONFDIR)/uploadcap.conf and the ledger (/var/lib/uploadcap)"

install-dkms:
	install -d $(DESTDIR)$(DKMSDIR)/kmod
	install -m 0644 Kbuild $(DESTDIR)$(DKMSDIR)/Kbuild
	install -m 0644 $(KMOD_SRCS) $(DESTDIR)$(DKMSDIR)/kmod/
	$(SUBST) dkms.conf.in >$(DESTDIR)$(DKMSDIR)/dkms.conf
	echo $(VERSION) >$(DESTDIR)$(DKMSDIR)/VERSION
	chmod 0644 $(DESTDIR)$(DKMSDIR)/VERSION
	chmod 0644 $(DESTDIR)$(DKMSDIR)/dkms.conf

# Binary packages from the files git knows of (tracked, or new and not
# ignored: the tree as it is, without build output), built by
# dpkg-buildpackage in build/deb/.
deb:
	$(Q)scripts/install-deps.sh
	$(Q)$(MAKE) --no-print-directory debs

debs:
	$(call msg,DEB,$(BUILD)/deb)
	$(Q)rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/uploadcap-$(VERSION)
	$(Q)git ls-files -z --cached --others --exclude-standard | \
		tar -c --null -T - --ignore-failed-read 2>/dev/null | \
		tar -x -C $(BUILD)/deb/uploadcap-$(VERSION)
	$(Q)cd $(BUILD)/deb/uploadcap-$(VERSION) && \
		dpkg-buildpackage -b -us -uc >../build.log 2>&1 || { tail -n 40 ../build.log; exit 1; }
	$(Q)$(if $(filter 1,$(V)),ls $(BUILD)/deb/*.deb,true)

# The version, for scripts and tests: one source, debian/changelog.
print-version:
	@echo $(VERSION)

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)
	$(Q)rm -f kmod/*.o kmod/.*.cmd kmod/*.mod kmod/*.mod.c kmod/*.ko \
		.*.cmd *.o *.ko *.mod *.mod.c Module.symvers modules.order \
		kmod/modules.order .module-common.o
	$(Q)rm -rf .tmp_versions
