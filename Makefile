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

# lib/ and prog.c built once per flavour into an archive (unit: ASan and
# UBSan; helpers: -O2; fuzz: clang with libFuzzer), not once per program.
FLAVOURS := unit helpers fuzz
F_CC_unit := $(HOSTCC) $(HCFLAGS) $(SAN)
F_CC_helpers := $(HOSTCC) $(HCFLAGS) -O2
F_CC_fuzz := clang $(HCFLAGS) -fsanitize=fuzzer-no-link,address,undefined
LIB_HDR := $(wildcard lib/*.h) $(O)/applets.h $(O)/deny_bpf.h
define flavour
$(O)/$(1)-lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $$(@D)
	@echo "  CC      $$@"
	@$$(F_CC_$(1)) -c -o $$@ $$<
$(O)/$(1)-lib/prog.o: tests/unit/prog.c $(LIB_HDR)
	@mkdir -p $$(@D)
	@$$(F_CC_$(1)) -c -o $$@ $$<
$(O)/$(1)-lib.a: $(patsubst lib/%.c,$(O)/$(1)-lib/%.o,$(LIB_SRC)) $(O)/$(1)-lib/prog.o
	@rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach f,$(FLAVOURS),$(eval $(call flavour,$(f))))

$(O)/unit/%: tests/unit/%.c $(O)/unit-lib.a
	@mkdir -p $(@D)
	$(HOSTCC) $(HCFLAGS) $(SAN) -o $@ $< $(O)/unit-lib/prog.o $(O)/unit-lib.a

$(O)/helpers/%: tests/helpers/%.c $(O)/helpers-lib.a
	@mkdir -p $(@D)
	$(HOSTCC) $(HCFLAGS) -O2 -o $@ $< $(O)/helpers-lib/prog.o $(O)/helpers-lib.a -lpthread

$(O)/fuzz/%: tests/fuzz/%.c $(O)/fuzz-lib.a
	@mkdir -p $(@D)
	clang $(HCFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(O)/fuzz-lib/prog.o $(O)/fuzz-lib.a

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
	rm -rf $(O)/obj $(O)/sb $(O)/sb.map $(O)/applets.h $(O)/deny_bpf.h $(O)/gen-deny $(O)/unit $(O)/helpers $(O)/static $(O)/fuzz $(O)/minimal $(O)/demo $(O)/links $(O)/*-lib $(O)/*-lib.a

.PHONY: all check check-vm fuzz bench size install clean test-deps image
