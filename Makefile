# iovm: a KVM virtual machine monitor with a built-in virtio-iommu.
#
#   make            build ./iovm (statically linked: it also runs inside the
#                   nested test harness, which has no libraries)
#   make demo       boot the demo guest (installs what it needs as root)
#   make check      the whole test suite: unit tests, sanitizer build,
#                   command-line errors, guest-boot integration tests
#   make deps       install the Debian packages (or print the apt-get line)
#   make install    iovm and its man page into $(DESTDIR)$(PREFIX)

CC       ?= gcc
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
WARN     := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -D_GNU_SOURCE -DIOVM_VERSION='"$(VERSION)"' \
            -MMD -MP -pthread
LDLIBS   := -lfdt -laio -pthread

BUILD    := build
SAN      := $(BUILD)/asan
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all

# Everything but main.c: linked into iovm and into every unit test.
LIB_SRCS := log.c cli.c ctl.c $(wildcard kvm/*.c fdt/*.c virtio/*.c iommu/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
SAN_OBJS := $(LIB_SRCS:%.c=$(SAN)/%.o)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
SAN_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(SAN)/tests/%)

PREFIX   ?= /usr/local
BINDIR   := $(PREFIX)/bin
MANDIR   := $(PREFIX)/share/man/man1

.PHONY: all deps check unit unit-asan cli-tests guest-tests demo clean \
	install uninstall
all: iovm

iovm: $(BUILD)/main.o $(LIB_OBJS)
	$(CC) $(CFLAGS) -static -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(SAN)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(SAN)/tests/%: $(SAN)/tests/unit/%.o $(SAN_OBJS)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

deps:
	@scripts/install-deps

unit: $(UNIT_BINS)
	@scripts/run-unit $(UNIT_BINS)

unit-asan: $(SAN_BINS)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		scripts/run-unit $(SAN_BINS)

cli-tests: iovm
	@tests/cli/errors.sh ./iovm
	@tests/cli/dtb.sh ./iovm
	@tests/cli/control.sh ./iovm
	@tests/cli/install.sh

guest-tests: iovm
	@tests/guest/run-all.sh

check: deps
	@$(MAKE) --no-print-directory unit unit-asan cli-tests guest-tests

demo: deps
	@$(MAKE) --no-print-directory iovm
	@scripts/demo

install: iovm
	install -D -m 755 iovm $(DESTDIR)$(BINDIR)/iovm
	install -D -m 644 iovm.1 $(DESTDIR)$(MANDIR)/iovm.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/iovm $(DESTDIR)$(MANDIR)/iovm.1

clean:
	rm -rf $(BUILD) iovm

.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
