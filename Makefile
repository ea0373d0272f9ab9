# guanxi front door. Every target uses Debian's /usr/bin/python3 explicitly: the python3 first
# on PATH may be another interpreter that cannot see Debian's packages.
PYTHON := /usr/bin/python3
RELEASE := build/release
JOBS ?= $(shell nproc)
CTEST := ctest --output-on-failure -j $(JOBS)

.PHONY: all deps configure build test test-release sanitize asan tsan tbb-tsan verify venv-check demo notebook \
  bench clean

all: build

deps:
	@scripts/deps.sh

configure: deps
	@cmake --preset release >/dev/null

build: configure
	@cmake --build $(RELEASE)

# Release build with every C++ and Python test (notebooks and doctests included), then the
# C++ tests under ASan+UBSan (with the campaign's invariants checked every step), the parallel
# ones under TSan, the Python campaign tests with the invariants checked, and the pip install route.
test: test-release sanitize verify venv-check

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
	@cmake --build build/tsan --target guanxi_parallel_tests
	@cd build/tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  LD_LIBRARY_PATH=$(CURDIR)/build/tbb-tsan/install/lib $(CTEST) -L parallel

# The Python tests of campaigns, their results and comparisons, every example included, on the
# release engine told to check each replicate's invariants after every step (GUANXI_VERIFY=1:
# money conserved, the ledger against the tallies, customers by channel, S_u recounted); a
# violation fails the test with the replicate, the step and the invariant named. (A switch read
# at run time, not a build of its own: the same engine, and no second compile in make test.)
VERIFY_TESTS := test_campaign.py test_results.py test_comparison.py test_bottom_floor.py
verify: build
	@cd tests/python && GUANXI_VERIFY=1 PYTHONPATH=$(CURDIR)/$(RELEASE)/python GUANXI_SOURCE_DIR=$(CURDIR) \
	  MPLBACKEND=Agg PYDEVD_DISABLE_FILE_VALIDATION=1 $(PYTHON) -m pytest -q -p no:cacheprovider $(VERIFY_TESTS)

venv-check: deps
	@scripts/check-venv.sh

# The main job on a built-in default: the example campaign designs compared on a 100,000-person
# Holme–Kim social graph; prints the paired differences and writes build/demo/campaigns.png and
# build/demo/comparison.png.
# Builds only what it imports (the Python module and package), not the CLI and the tests.
demo: configure
	@cmake --build $(RELEASE) --target guanxi_python
	@PYTHONPATH=$(RELEASE)/python MPLBACKEND=Agg $(PYTHON) scripts/demo.py --out build/demo

# Jupyter (Debian's, installed by `scripts/deps.sh notebook`) on notebooks/; its kernels inherit
# PYTHONPATH, absolute because a kernel starts in the notebook's folder (and PYDEVD_..., which
# quiets the debugger's warning about frozen modules in every kernel). Jupyter refuses root
# without --allow-root (a container, a fresh machine). On a remote machine:
# make notebook NOTEBOOK_ARGS="--no-browser --ip=0.0.0.0".
notebook: configure
	@scripts/deps.sh notebook
	@cmake --build $(RELEASE) --target guanxi_python
	@PYTHONPATH=$(CURDIR)/$(RELEASE)/python PYDEVD_DISABLE_FILE_VALIDATION=1 \
	  $(PYTHON) -m notebook --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(NOTEBOOK_ARGS)

.PHONY: fuzz
# The libFuzzer targets of tests/fuzz (readers of every graph format and of scenarios), built with
# clang-14 under ASan+UBSan in build/fuzz and run FUZZ_SECONDS each from tests/fuzz/corpus;
# findings go to build/fuzz/findings/ (docs/fuzzing.md). Not part of `make test`, which replays
# the corpus and the regressions instead.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/deps.sh fuzz
	@cmake --preset fuzz >/dev/null
	@cmake --build build/fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh build/fuzz $(FUZZ_TARGETS)

bench: deps
	@cmake --preset bench >/dev/null
	@cmake --build build/bench
	@scripts/bench.sh build/bench

clean:
	rm -rf build
