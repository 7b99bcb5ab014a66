# sb - one static binary, many applets. See README.md.
#   make                 build/sb (static musl, stripped)
#   make check           every test: unit (ASan/UBSan), fuzz smoke, applets
#   make check-oci       sb in a scratch OCI bundle under runc (needs root)
#   make CONFIG=configs/minimal.conf O=build/minimal
#   make install PREFIX=/usr/local DESTDIR=
#   make size | bench | fuzz | clean

CONFIG ?= configs/full.conf
O ?= build
D := build/deps
include $(CONFIG)

CC := musl-gcc
CFLAGS := -std=gnu11 -D_GNU_SOURCE -Os -pipe \
	-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla \
	-Werror=implicit-function-declaration \
	-ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-stack-protector \
	-isystem $(D)/kernel-headers \
	-I$(D)/libseccomp/include -Ilib -I$(O)
LDFLAGS := -static -s -Wl,--gc-sections -Wl,-Map,$(O)/sb.map
LIBS := $(D)/libseccomp/lib/libseccomp.a   # gen-deny only

LIB_SRC := $(sort $(wildcard lib/*.c))
APPLET_SRC := applets/sb.c $(patsubst %,applets/%.c,$(APPLETS))
OBJ := $(patsubst %.c,$(O)/obj/%.o,$(LIB_SRC) $(APPLET_SRC))
DEPS_STAMP := $(D)/libseccomp/lib/libseccomp.a

all: $(O)/sb

$(DEPS_STAMP):
	scripts/deps.sh build

$(O)/applets.h: $(CONFIG) scripts/gen-applets.sh
	@mkdir -p $(O)
	@scripts/gen-applets.sh $(CONFIG) $@

# The deny list, generated with libseccomp at build time (scripts/gen-deny.c).
$(O)/gen-deny: scripts/gen-deny.c | $(DEPS_STAMP)
	@mkdir -p $(O)
	@echo "  GEN     $@"
	@$(CC) $(CFLAGS) -static -o $@ $< $(LIBS)

# ALLOW_ACT=log: the helpers' allow-lists log instead of trapping.
$(O)/deny_bpf.h: $(O)/gen-deny
	@$(O)/gen-deny $(ALLOW_ACT) >$@.tmp && mv $@.tmp $@

$(O)/obj/%.o: %.c $(O)/applets.h $(O)/deny_bpf.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(O)/sb: $(OBJ)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ)

-include $(OBJ:.o=.d)

# ---- tests ---------------------------------------------------------------
HOSTCC := gcc
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HCFLAGS := -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Ilib -I$(O)
UNIT_SRC := $(sort $(wildcard tests/unit/*_test.c))
UNIT_BIN := $(patsubst tests/unit/%.c,$(O)/unit/%,$(UNIT_SRC))
HELPER_SRC := $(sort $(wildcard tests/helpers/*.c))
HELPER_BIN := $(patsubst tests/helpers/%.c,$(O)/helpers/%,$(HELPER_SRC))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/*_fuzz.c))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRC))
# Unit tests link lib/ only (glibc, under ASan/UBSan).
UNIT_LIB := $(LIB_SRC)

$(O)/unit/%: tests/unit/%.c $(UNIT_LIB) $(wildcard lib/*.h) $(O)/applets.h $(O)/deny_bpf.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HCFLAGS) $(SAN) -o $@ $< $(UNIT_LIB) tests/unit/prog.c

$(O)/helpers/%: tests/helpers/%.c $(LIB_SRC) $(wildcard lib/*.h) $(O)/applets.h $(O)/deny_bpf.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HCFLAGS) -O2 -o $@ $< $(LIB_SRC) tests/unit/prog.c

$(O)/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(wildcard lib/*.h) $(O)/applets.h $(O)/deny_bpf.h
	@mkdir -p $(@D)
	clang $(HCFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_SRC) tests/unit/prog.c

# Static (musl) test tools: run under a real seccomp profile (t-profile,
# libseccomp) and inside the scratch OCI bundle of check-oci.
STATIC_SRC := $(sort $(wildcard tests/static/*.c))
STATIC_BIN := $(patsubst tests/static/%.c,$(O)/static/%,$(STATIC_SRC))

$(O)/static/%: tests/static/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -static -s -Wl,--gc-sections -o $@ $< $(LIBS)

test-deps:
	scripts/deps.sh test

check: test-deps $(O)/sb $(UNIT_BIN) $(HELPER_BIN) $(STATIC_BIN) $(FUZZ_BIN)
	@$(MAKE) -s CONFIG=configs/minimal.conf O=$(O)/minimal $(O)/minimal/sb
	SB_MINIMAL=$(O)/minimal scripts/runtests.sh $(O)

# Debian 12's own kernel (6.1) under QEMU/TCG: scripts/check-vm.sh.
check-vm: $(O)/sb
	scripts/check-vm.sh $(O)

# sb as the entrypoint of a scratch OCI bundle under runc, once a real
# seccomp profile, and the example image as a restricted pod runs it
# (root; about 20 s).
check-oci: test-deps $(O)/sb $(STATIC_BIN) image
	scripts/check-oci.sh $(O)

# The build context of examples/Containerfile: $(O)/sb, the applet links
# in $(O)/links/ and the static demo program (examples/demo/).
image: $(O)/sb $(O)/demo
	@rm -rf $(O)/links && mkdir -p $(O)/links
	@for a in $$($(O)/sb --list); do ln -s sb $(O)/links/$$a; done

$(O)/demo: examples/demo/demo.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -static -s -Wl,--gc-sections -o $@ $<

fuzz: $(FUZZ_BIN)
	scripts/fuzz.sh $(O) $${FUZZ_SECONDS:-60}

bench: test-deps $(O)/sb $(HELPER_BIN)
	scripts/bench.sh $(O)

size: $(O)/sb
	scripts/size.sh $(O)/sb.map $(O)/sb

PREFIX ?= /usr/local
install: $(O)/sb
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(O)/sb $(DESTDIR)$(PREFIX)/bin/sb
	for a in $(APPLETS); do ln -sf sb $(DESTDIR)$(PREFIX)/bin/sb-$$a; done

clean:
	rm -rf $(O)/obj $(O)/sb $(O)/sb.map $(O)/applets.h $(O)/deny_bpf.h $(O)/gen-deny $(O)/unit $(O)/helpers $(O)/static $(O)/fuzz $(O)/minimal $(O)/demo $(O)/links

.PHONY: all check check-vm fuzz bench size install clean test-deps image
