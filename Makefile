# Developer verbs over CMake.  `make help` lists them.
#
#   make deps        install the Debian packages the build and tests need (root)
#   make build       configure (once) and build into $(BUILD)
#   make test        build, then run the whole ctest suite
#   make demo        build, then run the main job on the built-in sandbox
#   make qa          check + test
#
# Variables: BUILD (build dir, default build), CMAKE_ARGS (extra -D options),
# LIUM_WERROR (ON/OFF), JOBS, CTEST_ARGS, PREFIX (for install),
# SERIAL (labels run one at a time after the rest: benchmarks and the 1 GiB
# transfer, so their figures are not disturbed; SERIAL= skips them),
# EXCLUDE (labels not run at all).

BUILD       ?= build
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
LIUM_WERROR ?= OFF
CMAKE_ARGS  ?=
CTEST_ARGS  ?=
SERIAL      ?= bench|big
EXCLUDE     ?=
PREFIX      ?= /usr/local
GENERATOR   := $(shell command -v ninja >/dev/null 2>&1 && echo Ninja || echo "Unix Makefiles")

SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

.PHONY: all deps configure build release install test test-verbose check format-check \
        tidy cppcheck fix qa clean docs demo help

all: build

help:
	@sed -n 's/^#   //p' Makefile

deps:
	sh .ci/install-deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -G "$(GENERATOR)" -DLIUM_WERROR=$(LIUM_WERROR) $(CMAKE_ARGS)

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

release:
	cmake -S . -B build-release -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=Release \
	      -DLIUM_BUILD_TESTING=OFF -DLIUM_WERROR=$(LIUM_WERROR) $(CMAKE_ARGS)
	cmake --build build-release -j $(JOBS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

SKIP_PARALLEL = $(subst $(eval) ,|,$(strip $(SERIAL) $(EXCLUDE)))

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) \
	    $(if $(SKIP_PARALLEL),-LE '$(SKIP_PARALLEL)') $(CTEST_ARGS)
ifneq ($(strip $(SERIAL)),)
	cd $(BUILD) && ctest --output-on-failure -L '$(SERIAL)' \
	    $(if $(EXCLUDE),-LE '$(EXCLUDE)') $(CTEST_ARGS)
endif

test-verbose: build
	cd $(BUILD) && ctest -V -j 1 $(CTEST_ARGS)

demo: build
	sh tests/demo/run.sh $(BUILD)

format-check:
	@clang-format --dry-run --Werror $(SOURCES) && echo "clang-format: $(words $(SOURCES)) files clean"

tidy: configure
	clang-tidy -p $(BUILD) --quiet $(filter %.c,$(filter liblium-%,$(SOURCES)) $(filter lium-cli/%,$(SOURCES)))

cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	         --std=c11 --inline-suppr --suppress=missingIncludeSystem \
	         -I liblium-core/include -I liblium-api/include -I liblium-utils/include \
	         liblium-core/src liblium-api/src liblium-utils/src lium-cli/src

check: format-check tidy cppcheck

fix:
	clang-format -i $(SOURCES)

qa: check test

clean:
	rm -rf $(BUILD) build-release build-asan build-static build-fuzz

docs:
	@command -v doxygen >/dev/null 2>&1 || { echo "make docs needs doxygen (apt-get install doxygen)"; exit 1; }
	mkdir -p $(BUILD)/docs
	( cat docs/Doxyfile 2>/dev/null || true; \
	  echo "INPUT = liblium-core/include liblium-api/include liblium-utils/include"; \
	  echo "RECURSIVE = YES"; echo "OUTPUT_DIRECTORY = $(BUILD)/docs"; \
	  echo "GENERATE_LATEX = NO"; echo "PROJECT_NAME = lium"; echo "QUIET = YES"; echo "HAVE_DOT = NO"; \
	  echo "WARN_IF_UNDOCUMENTED = YES"; echo "WARN_AS_ERROR = YES" ) | doxygen -
	@echo "API reference: $(BUILD)/docs/html/index.html"
