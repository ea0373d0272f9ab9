# guanxi front door. Every target uses Debian's /usr/bin/python3 explicitly: the python3 first
# on PATH may be another interpreter that cannot see Debian's packages.
PYTHON := /usr/bin/python3
RELEASE := build/release
CLI := $(RELEASE)/sim/guanxi
JOBS ?= $(shell nproc)
CTEST := ctest --output-on-failure -j $(JOBS)

.PHONY: all deps build test test-release sanitize asan tsan tbb-tsan venv-check demo bench clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build $(RELEASE)

# Release build with every C++ and Python test (notebooks and doctests included), then the
# C++ tests under ASan+UBSan, the parallel ones under TSan, and the pip install route.
test: test-release sanitize venv-check

test-release: build
	@cd $(RELEASE) && $(CTEST)

sanitize: asan tsan

asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build build/asan
	@cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 $(CTEST) -L cpp

tbb-tsan: deps
	@scripts/build-tbb-tsan.sh

tsan: tbb-tsan
	@cmake --preset tsan >/dev/null
	@cmake --build build/tsan
	@cd build/tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  LD_LIBRARY_PATH=$(CURDIR)/build/tbb-tsan/install/lib $(CTEST) -L parallel

venv-check: deps
	@scripts/check-venv.sh

# The main job on a built-in default: the example campaign designs compared on a 100,000-person
# Holme–Kim social graph; prints the paired differences and writes build/demo/campaigns.png.
demo: build
	@PYTHONPATH=$(RELEASE)/python MPLBACKEND=Agg $(PYTHON) scripts/demo.py --out build/demo

bench: deps
	@cmake --preset bench >/dev/null
	@cmake --build build/bench
	@scripts/bench.sh build/bench

clean:
	rm -rf build
