# SPDX-License-Identifier: MIT
# xdhcpd: one top-level Makefile, every output under $(O).
#
#   make            build build/xdhcpd and build/xdhcp.bpf.o
#   make demo       a client in a netns gets a lease and renews through XDP
#   make test       install missing Debian packages, build, run every test
#   make test SAN=address,undefined   the same under ASan+UBSan (in build/san)
#   make help       all targets

ifeq ($(SAN),)
O ?= build
else
O ?= build/san
endif

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null)

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

LIBS_PC := libbpf libelf zlib libcap json-c
PC_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS = $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null)

WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
HOST_CFLAGS := -std=gnu11 $(CFLAGS) $(WARN) -D_GNU_SOURCE -Iinclude -Iuser -Itests/lib -I$(O) $(PC_CFLAGS) -MMD -MP
LDLIBS_HOST = $(PC_LIBS)
ifneq ($(SAN),)
HOST_CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
HOST_LDFLAGS += -fsanitize=$(SAN)
endif

BPF_CFLAGS := -g -O2 --target=bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Iinclude -Ibpf \
	$(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# ---------------------------------------------------------------- sources
BPF_SRC := bpf/xdhcp.bpf.c
BPF_OBJ := $(O)/xdhcp.bpf.o
SKEL := $(O)/xdhcp.skel.h

# The reusable DHCP library (no sockets, no BPF).
LIB_SRCS := user/dhcp_msg.c
# Daemon modules; main.c and xdhcpctl.c hold the entry points.
CORE_SRCS := $(filter-out $(LIB_SRCS) user/main.c user/xdhcpctl.c,$(wildcard user/*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
CORE_OBJS := $(CORE_SRCS:%.c=$(O)/%.o)
LIB_A := $(O)/libxdhcp.a
CORE_A := $(O)/libxdhcpd-core.a

UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(O)/tests/bpf/%,$(wildcard tests/bpf/test_*.c))
TESTLIB_SRCS := $(filter-out %.bpf.c,$(wildcard tests/lib/*.c))
TESTLIB_OBJS := $(TESTLIB_SRCS:%.c=$(O)/%.o)
TEST_BPF_OBJS := $(patsubst tests/lib/%.bpf.c,$(O)/tests/lib/%.bpf.o,$(wildcard tests/lib/*.bpf.c))
TOOLS := $(patsubst tests/tools/%.c,$(O)/tests/tools/%,$(wildcard tests/tools/*.c))

DEPS_STAMP := build/.deps-ok

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: tests-build all deps demo test check check-unit check-bpf check-netns clean help format format-check

all: $(O)/xdhcpd $(BPF_OBJ)

help:
	@echo 'Targets:'
	@echo '  all          build $(O)/xdhcpd and $(BPF_OBJ) (default)'
	@echo '  deps         install missing Debian packages (apt-get)'
	@echo '  demo         a client in a netns gets a lease, renews through XDP'
	@echo '  test         deps, build, then unit, BPF and netns tests (needs root)'
	@echo '  check-unit   unit tests only (no privileges)'
	@echo '  check-bpf    BPF_PROG_TEST_RUN tests (root)'
	@echo '  check-netns  namespace integration tests (root)'
	@echo '  lint         clang-tidy and cppcheck'
	@echo '  fuzz         run every libFuzzer target FUZZ_SECONDS (60) each'
	@echo '  bench        benchmarks against Kea and dnsmasq (docs/benchmarks.md)'
	@echo '  install      PREFIX=/usr/local DESTDIR=; uninstall'
	@echo '  format       clang-format the sources;  format-check: verify'
	@echo '  clean        remove build/'
	@echo 'Variables: O=dir  SAN=address,undefined  V=1'

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh
	$(Q)scripts/deps.sh
	$(Q)mkdir -p $(@D) && touch $@

# ---------------------------------------------------------------- BPF
$(O)/xdhcp.tmp.bpf.o: $(BPF_SRC) $(wildcard bpf/*.h) $(wildcard include/*.h) | $(DEPS_STAMP)
	$(call msg,CLANG-BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_OBJ): $(O)/xdhcp.tmp.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(O)/tests/lib/%.bpf.o: tests/lib/%.bpf.c | $(DEPS_STAMP)
	$(call msg,CLANG-BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL): $(BPF_OBJ)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name xdhcp > $@

# ---------------------------------------------------------------- host
$(O)/%.o: %.c | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(HOST_CFLAGS) -c $< -o $@

# Every user object may include the skeleton.
$(CORE_OBJS) $(O)/user/main.o: $(SKEL)

$(LIB_A): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(CORE_A): $(CORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/xdhcpd: $(O)/user/main.o $(CORE_A) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(HOST_LDFLAGS) -o $@ $^ $(LDLIBS_HOST)

# ---------------------------------------------------------------- tests
$(O)/tests/unit/%: $(O)/tests/unit/%.o $(TESTLIB_OBJS) $(CORE_A) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(HOST_LDFLAGS) -o $@ $^ $(LDLIBS_HOST) -lcmocka

$(BPF_TESTS:%=%.o) $(TOOLS:%=%.o): $(SKEL)
$(O)/tests/bpf/%: $(O)/tests/bpf/%.o $(TESTLIB_OBJS) $(CORE_A) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(HOST_LDFLAGS) -o $@ $^ $(LDLIBS_HOST) -lcmocka

$(O)/tests/tools/%: $(O)/tests/tools/%.o $(TESTLIB_OBJS) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(HOST_LDFLAGS) -o $@ $^ $(LDLIBS_HOST)

tests-build: all $(UNIT_TESTS) $(BPF_TESTS) $(TOOLS) $(TEST_BPF_OBJS)

check-unit: tests-build
	$(Q)scripts/run-tests.sh --build $(O) unit

check-bpf: tests-build
	$(Q)scripts/run-tests.sh --build $(O) bpf

check-netns: tests-build
	$(Q)scripts/run-tests.sh --build $(O) netns

# The one test command (README, .ci/run): every suite, one summary line.
test: tests-build
	$(Q)scripts/run-tests.sh --build $(O) unit fuzz bpf install netns

check: test

demo: all $(TOOLS) $(TEST_BPF_OBJS)
	$(Q)scripts/demo.sh $(O)

# ---------------------------------------------------------------- install
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib/xdhcpd
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc/xdhcpd
MAN_PAGES := $(wildcard doc/*.[58])
INSTALLED := $(DESTDIR)$(SBINDIR)/xdhcpd $(DESTDIR)$(LIBDIR)/xdhcp.bpf.o \
	$(DESTDIR)$(UNITDIR)/xdhcpd@.service $(DESTDIR)$(SYSCONFDIR)/example.conf \
	$(foreach m,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))

.PHONY: install uninstall
install: all
	install -D -m 0755 $(O)/xdhcpd $(DESTDIR)$(SBINDIR)/xdhcpd
	install -D -m 0644 $(BPF_OBJ) $(DESTDIR)$(LIBDIR)/xdhcp.bpf.o
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' scripts/systemd/xdhcpd@.service.in > $(DESTDIR)$(UNITDIR)/xdhcpd@.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/xdhcpd@.service
	install -D -m 0644 scripts/etc/example.conf $(DESTDIR)$(SYSCONFDIR)/example.conf
	$(foreach m,$(MAN_PAGES),install -D -m 0644 $(m) $(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m));)

uninstall:
	rm -f $(INSTALLED)
	-rmdir $(DESTDIR)$(LIBDIR) $(DESTDIR)$(SYSCONFDIR) 2>/dev/null

# ---------------------------------------------------------------- misc
FORMAT_SRCS = $(wildcard bpf/*.c bpf/*.h include/*.h user/*.c user/*.h tests/*/*.c tests/*/*.h)
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	clang-format --dry-run --Werror $(FORMAT_SRCS)

clean:
	rm -rf build

-include $(shell find $(O) -name '*.d' 2>/dev/null)

# ================================================================ benchmarks
# make bench: the performance comparison of issue 5 (scripts/bench/,
# docs/benchmarks.md).  Needs root; installs its own Debian packages
# (Kea, dnsmasq, perfdhcp, gnuplot) through scripts/bench/deps.sh, which
# `make test` never runs.  Tools build into $(O)/bench/.
BENCH_DIR := $(O)/bench
BENCH_CFLAGS = $(HOST_CFLAGS) -I$(BENCH_DIR)
BENCH_TOOLS := $(BENCH_DIR)/xdpbench $(BENCH_DIR)/loadgen
BENCH_STAMP := build/.bench-deps-ok

.PHONY: bench bench-build bench-deps

bench-deps: $(BENCH_STAMP)
$(BENCH_STAMP): scripts/bench/deps.sh
	$(Q)scripts/bench/deps.sh
	$(Q)mkdir -p $(@D) && touch $@

$(BENCH_DIR)/%.bpf.o: scripts/bench/%.bpf.c scripts/bench/loadgen.h include/fastpath_abi.h \
		bpf/renewed_map.h | $(DEPS_STAMP)
	$(call msg,CLANG-BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Iscripts/bench -c $< -o $(@:.o=.tmp.o)
	$(Q)$(BPFTOOL) gen object $@ $(@:.o=.tmp.o)

# Kept: make would otherwise delete them as intermediates of the chain.
.PRECIOUS: $(BENCH_DIR)/%.bpf.o $(BENCH_DIR)/%.skel.h

$(BENCH_DIR)/%.skel.h: $(BENCH_DIR)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

$(BENCH_DIR)/xdpbench.o: scripts/bench/xdpbench.c $(SKEL) $(BENCH_DIR)/xdpbench.skel.h | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BENCH_CFLAGS) -c $< -o $@

$(BENCH_DIR)/loadgen.o: scripts/bench/loadgen.c scripts/bench/loadgen.h $(BENCH_DIR)/loadgen.skel.h | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BENCH_CFLAGS) -Iscripts/bench -c $< -o $@

$(BENCH_DIR)/%: $(BENCH_DIR)/%.o $(TESTLIB_OBJS) $(CORE_A) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(HOST_LDFLAGS) -o $@ $^ $(LDLIBS_HOST) -lm

bench-build: all $(BENCH_TOOLS) $(TEST_BPF_OBJS)

bench: bench-deps bench-build
	$(Q)scripts/bench/run.sh --build $(O)
# ============================================================ end benchmarks

# ================================================================ fuzzing
# libFuzzer targets, one per parser (tests/fuzz/fuzz_*.c, STYLE.md 10).
#   make fuzz               build with clang into $(O)/fuzz/ and run every
#                           target for FUZZ_SECONDS (60) each; new inputs go
#                           to $(O)/fuzz/corpus/, crashes to
#                           $(O)/fuzz/artifacts/ (then add them, minimised, to
#                           tests/fuzz/corpus/<target>/ and fix the bug)
#   make fuzz FUZZ_TARGETS=fuzz_server FUZZ_SECONDS=600 FUZZ_JOBS=2
#   make fuzz-replay        replay tests/fuzz/corpus/ with the replay builds
#   make fuzz-corpus        regenerate the named seeds (tests/fuzz/gen_corpus.c)
# Every target is also linked with a small main (tests/fuzz/replay_main.c)
# into $(O)/fuzz/replay/, with $(CC) and ASan+UBSan, so that the corpus is
# replayed by `make test` (tests-build builds them) without libFuzzer.
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FUZZ_ALL := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_DIR := $(O)/fuzz
# What the targets exercise: the DHCP library, engine, pool, config, store.
FUZZ_LIB_SRCS := user/dhcp_msg.c user/server.c user/lease.c user/log.c user/config.c \
	user/lease_store.c
FUZZ_CPPFLAGS := -D_GNU_SOURCE -Iinclude -Iuser -Ibpf -Itests/lib -Itests/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) $(FUZZ_CPPFLAGS) -MMD -MP

FUZZ_REPLAY := $(FUZZ_ALL:%=$(FUZZ_DIR)/replay/%)
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_REPLAY_LIB_OBJS := $(FUZZ_LIB_SRCS:%.c=$(FUZZ_DIR)/replay-obj/%.o)

.PHONY: fuzz fuzz-build fuzz-replay fuzz-corpus

# libFuzzer build: clang, coverage instrumentation, ASan+UBSan.
$(FUZZ_DIR)/obj/%.o: %.c | $(DEPS_STAMP)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CLANG) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ -lz

# Replay build: $(CC), ASan+UBSan, the replay main instead of libFuzzer.
$(FUZZ_DIR)/replay-obj/%.o: %.c | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -c $< -o $@

$(FUZZ_DIR)/replay/fuzz_%: $(FUZZ_DIR)/replay-obj/tests/fuzz/fuzz_%.o \
		$(FUZZ_DIR)/replay-obj/tests/fuzz/replay_main.o $(FUZZ_REPLAY_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(FUZZ_SAN) -o $@ $^ -lz

$(FUZZ_DIR)/gen_corpus: $(FUZZ_DIR)/replay-obj/tests/fuzz/gen_corpus.o \
		$(FUZZ_DIR)/replay-obj/tests/lib/pkt.o $(FUZZ_REPLAY_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(FUZZ_SAN) -o $@ $^ -lz

tests-build: $(FUZZ_REPLAY)

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)

fuzz: fuzz-build
	$(Q)tests/fuzz/run.sh --build $(O) --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS) \
		$(FUZZ_TARGETS)

fuzz-replay: $(FUZZ_REPLAY)
	$(Q)tests/fuzz/replay.sh $(O)

fuzz-corpus: $(FUZZ_DIR)/gen_corpus
	$(Q)$(FUZZ_DIR)/gen_corpus tests/fuzz/corpus
# ============================================================ end fuzzing

# ================================================================ xdhcpctl
# The control client (user/xdhcpctl.c; protocol: docs/control-protocol.md,
# manual: doc/xdhcpctl.8).  It links json-c and none of the daemon's
# modules.  `make install` puts it beside xdhcpd; `make uninstall` removes it.
JSONC_CFLAGS = $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
JSONC_LIBS = $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c)
XDHCPCTL := $(O)/xdhcpctl

all: $(XDHCPCTL)

$(O)/user/xdhcpctl.o: HOST_CFLAGS += $(JSONC_CFLAGS)

$(XDHCPCTL): $(O)/user/xdhcpctl.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(HOST_LDFLAGS) -o $@ $^ $(JSONC_LIBS)

.PHONY: install-xdhcpctl
INSTALLED += $(DESTDIR)$(SBINDIR)/xdhcpctl
install: install-xdhcpctl
install-xdhcpctl: $(XDHCPCTL)
	install -D -m 0755 $(XDHCPCTL) $(DESTDIR)$(SBINDIR)/xdhcpctl
# ============================================================ end xdhcpctl

# ================================================================ lint
# make lint: clang-tidy (.clang-tidy) and cppcheck
# (scripts/cppcheck-suppressions.txt) over every C file: user/, tests/,
# scripts/bench/, and the BPF programs with --target=bpf (scripts/lint.sh).
# One line per finding, a summary; exits non-zero on any finding.  Logs in
# $(O)/lint/last/.  The BPF skeletons come first: user code includes them.
LINT_GEN := $(SKEL) $(if $(wildcard scripts/bench/loadgen.bpf.c),$(BENCH_DIR)/loadgen.skel.h \
	$(BENCH_DIR)/xdpbench.skel.h)

.PHONY: lint
lint: $(LINT_GEN) | $(DEPS_STAMP)
	$(Q)LINT_HOST_FLAGS='-std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -Itests/lib -I$(O) $(PC_CFLAGS) $(JSONC_CFLAGS)' \
		LINT_BPF_FLAGS='$(BPF_CFLAGS)' scripts/lint.sh --build $(O)
# ============================================================ end lint
