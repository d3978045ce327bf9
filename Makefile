# iovm: a KVM virtual machine monitor with a built-in virtio-iommu.
#
#   make            build ./iovm (statically linked: it also runs inside the
#                   nested test harness, which has no libraries); first it
#                   names any missing Debian package (libfdt-dev, libaio-dev)
#   make demo       boot the demo guest (installs what it needs as root);
#                   GUEST=stock: on Debian's unmodified 6.12 kernel
#   make demo-vfio  a guest program drives a disk through VFIO, fenced by
#                   the virtio-iommu; GUEST=stock: Debian's 6.12, vfio-pci
#                   GUEST_KERNEL=6.12 (demo, demo-vfio, guest-tests): the
#                   project's x86 guest kernel built from Linux 6.12, not 6.1
#   make check      the whole test suite: unit tests, sanitizer build,
#                   fuzzing, command-line errors, guest-boot integration
#                   tests
#   make stress     the IOMMU's races and the hostile suite, over and over
#                   for 10 minutes with both cores loaded (not in check)
#   make fuzz-coverage  line coverage of the fuzz harnesses' targets
#   make arm64-images  the arm64 guest kernel, initramfs and stock guest
#                   (guest-images/README.md)
#   make arm64-probe   the harness's arm64 KVM runs a guest (in check)
#   make ARCH=arm64    cross-build a static arm64 iovm (build/arm64/iovm)
#   make demo ARCH=arm64   the demo on an arm64 guest, in the arm64 harness
#   make demo-vfio ARCH=arm64  the VFIO demo there (Debian's 6.12, vfio-pci)
#   make guest-tests-arm64 the arm64 guest cases (in check)
#   make deps       install the Debian packages (or print the apt-get line)
#   make install    iovm and its man page into $(DESTDIR)$(PREFIX)

# The architecture iovm is built for: the host's unless ARCH says
# (x86_64 or arm64). Its code is kvm/x86/ or kvm/arm64/, and the headers
# there (arch_layout.h) come first on the include path.
HOST_ARCH := $(if $(filter aarch64 arm64,$(shell uname -m)),arm64,x86_64)
ARCH     ?= $(HOST_ARCH)
override ARCH := $(if $(filter x86 x86_64 amd64,$(ARCH)),x86_64,$(ARCH))
ifeq ($(filter x86_64 arm64,$(ARCH)),)
$(error ARCH=$(ARCH): iovm is built for x86_64 or arm64)
endif
KVM_ARCH := $(if $(filter arm64,$(ARCH)),arm64,x86)
# Where make ARCH=arm64 leaves iovm: ./iovm on an arm64 host.
ARM64_IOVM := $(if $(filter arm64,$(HOST_ARCH)),iovm,build/arm64/iovm)

CC       ?= gcc
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
WARN     := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -D_GNU_SOURCE -DIOVM_VERSION='"$(VERSION)"' \
            -MMD -MP -pthread -Ikvm/$(KVM_ARCH)
LDLIBS   := -lfdt -laio -pthread

BUILD    := build
IOVM     := iovm
# Another architecture: Debian's cross compiler, objects and the binary
# under build/ARCH/, and for arm64 a libfdt.a unpacked from Debian's arm64
# package (scripts/arm64-libs says why it is not installed).
ifneq ($(ARCH),$(HOST_ARCH))
CROSS_COMPILE ?= $(if $(filter arm64,$(ARCH)),aarch64-linux-gnu-,x86_64-linux-gnu-)
CC       := $(CROSS_COMPILE)gcc
BUILD    := build/$(ARCH)
IOVM     := $(BUILD)/iovm
ifeq ($(ARCH),arm64)
ifeq ($(filter clean,$(MAKECMDGOALS)),)
ARM64_LIBDIR := $(shell scripts/arm64-libs 2>/dev/null)
ifeq ($(ARM64_LIBDIR),)
$(error cannot unpack libfdt-dev:arm64 for the arm64 build: scripts/arm64-libs says why)
endif
LDLIBS   := -L$(ARM64_LIBDIR) $(LDLIBS)
endif
endif
endif
SAN      := $(BUILD)/asan
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all

# Everything but main.c: linked into iovm and into every unit test.
LIB_SRCS := log.c cli.c ctl.c dump.c \
            $(wildcard kvm/*.c kvm/$(KVM_ARCH)/*.c fdt/*.c virtio/*.c iommu/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
SAN_OBJS := $(LIB_SRCS:%.c=$(SAN)/%.o)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
SAN_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(SAN)/tests/%)

PREFIX   ?= /usr/local
BINDIR   := $(PREFIX)/bin
MANDIR   := $(PREFIX)/share/man/man1

# Fuzz harnesses (tests/fuzz/), run FUZZ_SECONDS each by make check. With
# clang's libFuzzer where it links (coverage-guided: the harness and every
# library object compiled by clang with coverage instrumentation, apart
# from gcc's ASan objects); where it does not, with gcc and the plain-C
# driver in tests/fuzz/standalone.c. Both with ASan and UBSan. By 45 s
# every harness is within a few edges of what it reaches in 240 s
# (tests/fuzz/README.md); the seven take under 6 minutes in all.
FUZZ_SECONDS ?= 45
CLANG    ?= clang
FUZZ     := $(BUILD)/fuzz
LF       := $(BUILD)/libfuzzer
LFFLAGS  := -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
            -fno-omit-frame-pointer -fno-sanitize-recover=all \
            -Wno-gnu-variable-sized-type-not-at-end
LF_OBJS  := $(LIB_SRCS:%.c=$(LF)/%.o)
# make fuzz-coverage: clang's source-based coverage, no sanitizers, the
# plain driver running each corpus file once.
COV      := $(BUILD)/coverage
COVFLAGS := -O1 -g -fprofile-instr-generate -fcoverage-mapping \
            -Wno-gnu-variable-sized-type-not-at-end
COV_OBJS := $(LIB_SRCS:%.c=$(COV)/%.o)
FUZZ_SRCS := $(filter-out %/fuzz_common.c,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
# Harnesses whose input is guest RAM with rings (struct fuzz_ctl): they
# get libFuzzer's mutations mixed with tests/fuzz/libfuzzer.c's own.
FUZZ_RING_NAMES := virtqueue blk_req
FUZZ_SA_BINS := $(FUZZ_NAMES:%=$(FUZZ)/standalone/%)
FUZZ_LF_BINS := $(FUZZ_NAMES:%=$(FUZZ)/libfuzzer/%)
FUZZ_COV_BINS := $(FUZZ_NAMES:%=$(FUZZ)/coverage/%)
# What every harness links: shared checks and seed writers.
FUZZ_COMMON := tests/fuzz/fuzz_common.c tests/fuzz/fdt_check.c tests/fuzz/fake_vdev.c
FUZZ_MAIN := $(SAN)/tests/fuzz/standalone.o $(FUZZ_COMMON:%.c=$(SAN)/%.o)

# The Debian packages the build needs, each with the files that show it is
# installed. scripts/check-build-deps looks for them before anything
# compiles and names what is missing. (Overridable: tests/cli/build-deps.sh
# makes one go missing that way.)
BUILD_DEPS := libfdt-dev:libfdt.h,libfdt.a libaio-dev:libaio.h,libaio.a
ifneq ($(ARCH),$(HOST_ARCH))
# libfdt.a comes from scripts/arm64-libs; its header is the native one.
BUILD_DEPS := gcc-aarch64-linux-gnu:stddef.h libc6-dev-arm64-cross:stdio.h,libc.a \
              libfdt-dev:libfdt.h libaio-dev:arm64:libaio.h,libaio.a
endif
TEST_DEPS  := libcmocka-dev:cmocka.h,libcmocka.so
CHECK_DEPS  = @CC='$(CC)' CHECK_CFLAGS='$(filter -I% --sysroot=%,$(CFLAGS))' \
	scripts/check-build-deps

.PHONY: all deps check unit unit-asan fuzz fuzz-corpus fuzz-coverage cli-tests \
	guest-tests guest-tests-arm64 demo demo-vfio clean install uninstall \
	check-build-deps arm64-images arm64-probe
all: $(IOVM)

# Once per make run, before the first compile: a fresh machine is told
# which packages to install rather than shown a compiler error. The unit
# tests need cmocka too; other goals only name it if something is missing.
ifneq ($(filter unit unit-asan $(BUILD)/tests/% $(SAN)/tests/%,$(MAKECMDGOALS)),)
check-build-deps:
	$(CHECK_DEPS) $(BUILD_DEPS) $(TEST_DEPS)
else
check-build-deps:
	$(CHECK_DEPS) $(BUILD_DEPS) -- $(TEST_DEPS)
endif

$(IOVM): $(BUILD)/main.o $(LIB_OBJS)
	$(CC) $(CFLAGS) -static -o $@ $^ $(LDLIBS)
	@echo "iovm: built $@ for $(ARCH) (statically linked)"

$(BUILD)/%.o: %.c | check-build-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(SAN)/%.o: %.c | check-build-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(SAN)/tests/%: $(SAN)/tests/unit/%.o $(SAN_OBJS)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# arm64's Image loader is plain parsing: its unit test runs on any host,
# with the object built here when this host's kvm/ folder is another.
ifneq ($(KVM_ARCH),arm64)
$(BUILD)/tests/test_arm64_image: $(BUILD)/kvm/arm64/image.o
$(SAN)/tests/test_arm64_image: $(SAN)/kvm/arm64/image.o
endif

$(FUZZ)/standalone/%: $(SAN)/tests/fuzz/fuzz_%.o $(FUZZ_MAIN) $(SAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS)

$(LF)/%.o: %.c | check-build-deps
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS) $(LFFLAGS) -c -o $@ $<

$(FUZZ_RING_NAMES:%=$(FUZZ)/libfuzzer/%): $(LF)/tests/fuzz/libfuzzer.o
$(FUZZ)/libfuzzer/%: $(LF)/tests/fuzz/fuzz_%.o $(FUZZ_COMMON:%.c=$(LF)/%.o) \
		$(LF_OBJS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS) $(LFFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

$(COV)/%.o: %.c | check-build-deps
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS) $(COVFLAGS) -c -o $@ $<

$(FUZZ)/coverage/%: $(COV)/tests/fuzz/fuzz_%.o $(COV)/tests/fuzz/standalone.o \
		$(FUZZ_COMMON:%.c=$(COV)/%.o) $(COV_OBJS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS) $(COVFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@scripts/install-deps

unit: $(UNIT_BINS)
	@scripts/run-unit $(UNIT_BINS)

unit-asan: $(SAN_BINS)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		scripts/run-unit $(SAN_BINS)

# libFuzzer if clang can link it, else the plain driver; run.sh says which.
fuzz:
	@if why=$$(tests/fuzz/have-libfuzzer $(CLANG)); then \
		$(MAKE) --no-print-directory fuzz-bins-libfuzzer && \
		FUZZ_ENGINE=libfuzzer tests/fuzz/run.sh $(FUZZ_SECONDS) \
			$(FUZZ) $(FUZZ_NAMES); \
	else \
		$(MAKE) --no-print-directory fuzz-bins-standalone && \
		FUZZ_ENGINE=standalone FUZZ_WHY="$$why" tests/fuzz/run.sh \
			$(FUZZ_SECONDS) $(FUZZ) $(FUZZ_NAMES); \
	fi

.PHONY: fuzz-bins-libfuzzer fuzz-bins-standalone fuzz-bins-coverage
fuzz-bins-libfuzzer: $(FUZZ_LF_BINS)
	@:
fuzz-bins-standalone: $(FUZZ_SA_BINS)
	@:
fuzz-bins-coverage: $(FUZZ_COV_BINS)
	@:

# Rewrite the checked-in seed corpus from the harnesses' seed writers.
fuzz-corpus: $(FUZZ_SA_BINS)
	@mkdir -p tests/fuzz/corpus
	@for n in $(FUZZ_NAMES); do \
		rm -rf tests/fuzz/corpus/$$n && \
		$(FUZZ)/standalone/$$n -c tests/fuzz/corpus/$$n || exit 1; \
	done

# Line coverage of each harness's target sources by the corpus so far
# (checked-in seeds and what make fuzz added), with llvm-cov.
fuzz-coverage: deps
	@$(MAKE) --no-print-directory fuzz-bins-coverage
	@tests/fuzz/coverage.sh $(CLANG) $(FUZZ) $(FUZZ_NAMES)

cli-tests: iovm
	@tests/cli/errors.sh ./iovm
	@tests/cli/dtb.sh ./iovm
	@tests/cli/acpi.sh ./iovm
	@tests/cli/control.sh ./iovm
	@tests/cli/control-dir.sh ./iovm
	@tests/cli/install.sh
	@tests/cli/build-deps.sh
	@tests/cli/harness-arch.sh
	@$(MAKE) --no-print-directory ARCH=arm64
	@tests/cli/dtb-arm64.sh $(ARM64_IOVM)

guest-tests: iovm
	@GUEST_KERNEL=$(GUEST_KERNEL) tests/guest/run-all.sh

# The arm64 guest cases (tests/guest/suite.sh with IOVM_ARCH=arm64): each
# guest booted by the arm64 iovm in the arm64 harness.
guest-tests-arm64:
	@$(MAKE) --no-print-directory ARCH=arm64
	@IOVM_ARCH=arm64 IOVM_ARM64_BIN=$(ARM64_IOVM) tests/guest/run-all.sh

check: deps
	@$(MAKE) --no-print-directory unit unit-asan fuzz cli-tests arm64-probe \
		bench-check guest-tests guest-tests-arm64

# GUEST=stock boots Debian's own 6.12 kernel package instead of the
# project's (scripts/demo stock).
# make demo ARCH=arm64: the arm64 demo (scripts/demo arm64), GUEST=stock
# on Debian's own arm64 6.12.
demo: deps
ifeq ($(ARCH),arm64)
	@$(MAKE) --no-print-directory ARCH=arm64
	@ARM64_IOVM=$(ARM64_IOVM) GUEST=$(GUEST) scripts/demo arm64
else
	@$(MAKE) --no-print-directory iovm
	@GUEST_KERNEL=$(GUEST_KERNEL) scripts/demo $(or $(GUEST),main)
endif

demo-vfio: deps
ifeq ($(ARCH),arm64)
	@$(MAKE) --no-print-directory ARCH=arm64
	@ARM64_IOVM=$(ARM64_IOVM) scripts/demo vfio-arm64
else
	@$(MAKE) --no-print-directory iovm
	@GUEST_KERNEL=$(GUEST_KERNEL) scripts/demo $(if $(filter stock,$(GUEST)),vfio-stock,vfio)
endif

# make stress: the IOMMU's races and the hostile suite, repeated for
# STRESS_SECONDS (default 600) with both cores loaded. Not in make check.
STRESS_BINS := $(foreach t,test_iommu test_rwlock,$(BUILD)/tests/$(t) \
		$(SAN)/tests/$(t))
.PHONY: stress
stress: deps
	@$(MAKE) --no-print-directory iovm $(STRESS_BINS)
	@tests/stress/run.sh

# arm64: the guest images, and a check that KVM works in the harness's
# arm64 level 1 (nested under QEMU where this machine has no arm64 KVM):
# a static probe, cross-built, makes a VM with a vGICv3 and an ITS and runs
# a few guest instructions (tests/harness/arm64-kvm-probe.c).
ARM64_CC ?= aarch64-linux-gnu-gcc
arm64-images: deps
	@guest-images/build-kernel.sh arm64
	@guest-images/build-initramfs.sh arm64
	@guest-images/build-stock.sh 6.12 arm64

$(BUILD)/arm64/arm64-kvm-probe: tests/harness/arm64-kvm-probe.c
	@mkdir -p $(dir $@)
	$(ARM64_CC) -static -O2 -std=gnu11 $(WARN) -o $@ $<

arm64-probe: $(BUILD)/arm64/arm64-kvm-probe
	@tests/harness/run --arch arm64 --timeout 300 -- $<

install: $(IOVM)
	install -D -m 755 iovm $(DESTDIR)$(BINDIR)/iovm
	install -D -m 644 iovm.1 $(DESTDIR)$(MANDIR)/iovm.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/iovm $(DESTDIR)$(MANDIR)/iovm.1

clean:
	rm -rf $(BUILD) $(IOVM)

# make bench: the benchmark suite (bench/README.md). Timing stays out of
# make check; this prints figures, references and ratios.
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(BUILD)/%.o)
.PHONY: bench bench-check
bench: deps
	@$(MAKE) --no-print-directory iovm $(BUILD)/bench/iovm-bench
	@$(MAKE) --no-print-directory ARCH=arm64
	@$(MAKE) --no-print-directory build/arm64/bench-io
	@BENCH_ARM64_IOVM=$(ARM64_IOVM) bench/run.sh

# In make check: the steps of make bench that boot a guest run without the
# host's /dev/kvm (through the harness).
bench-check: iovm $(BUILD)/bench/iovm-bench
	@bench/check-nokvm.sh

$(BUILD)/bench/iovm-bench: $(BENCH_OBJS) $(LIB_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Runs inside the arm64 test guest, which has no libraries: static
# (figure 3 on arm64; the x86 guests run Debian's fio instead).
build/arm64/bench-io: bench/guest/bench-io.c
	@mkdir -p $(dir $@)
	$(ARM64_CC) -static -O2 -Wall -o $@ $<

.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
