# The two commands of the README. Each installs missing Debian packages, then builds Release.
# `make sanitize` (run by CI after `make test`) builds and runs the tests under AddressSanitizer and
# UndefinedBehaviorSanitizer.
BUILD_DIR ?= build
SANITIZE_DIR ?= build-sanitize
JOBS ?= $(shell nproc)
PACKAGES := cmake g++ make pkg-config libeigen3-dev libopenblas-openmp-dev libopenblas-dev \
            libfmt-dev catch2 libstb-dev zlib1g-dev dataset-fashion-mnist \
            libcli11-dev libplplot-dev plplot-driver-cairo nlohmann-json3-dev libzip-dev \
            libhdf5-dev libopenmpi-dev openmpi-bin qemu-user
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: all deps configure build test sanitize tsan demo clean keras-check

all: build

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing packages:" $$missing; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $$missing; \
	fi

configure: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# -O1 -g1: the build takes 6 min on 2 cores instead of 10 at -O2 -g, the tests 2 min. The install
# tests rebuild the project from scratch and add nothing a sanitizer could see. Built without MPI
# (-DMINIDL_MPI=OFF): it shows that every other test passes without it, and Open MPI's own
# allocations would drown LeakSanitizer's report; the distributed code is still run, over ranks
# simulated by threads (tests/test_distributed.cpp). Built for any x86-64 CPU (-DMINIDL_ARCH=x86-64):
# every test passes with the general code at the baseline, its kernels chosen at run time.
# allocator_may_return_null: an allocation larger than the machine has returns null, as malloc
# does outside the sanitizer, instead of aborting; libhdf5 asks for terabytes when the fuzz tests
# hand it a damaged weights file, and must be seen to fail cleanly (minidl::Error) there.
sanitize: deps
	cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" \
	  -DMINIDL_SANITIZE=ON -DMINIDL_MPI=OFF -DMINIDL_ARCH=x86-64
	cmake --build $(SANITIZE_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
	  UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizer/lsan.supp \
	  ctest --test-dir $(SANITIZE_DIR) --output-on-failure -j $(JOBS) -LE install

# The Keras export checked by real Keras 3 (TensorFlow's CPU build) in a venv made here; the build
# and `make test` never need it (there the check is reported as skipped).
KERAS_VENV ?= $(BUILD_DIR)/keras-venv
keras-check: build
	@dpkg -s python3-venv >/dev/null 2>&1 || { $(SUDO) apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y python3-venv; }
	[ -x $(KERAS_VENV)/bin/python ] || python3 -m venv $(KERAS_VENV)
	$(KERAS_VENV)/bin/python -c 'import keras, tensorflow' 2>/dev/null || \
	  $(KERAS_VENV)/bin/pip install --quiet keras tensorflow-cpu h5py
	MINIDL_KERAS_PYTHON=$(abspath $(KERAS_VENV))/bin/python \
	  ctest --test-dir $(BUILD_DIR) -R keras_export_check --output-on-failure -V

# Concurrent predict under ThreadSanitizer. One OpenMP and OpenBLAS thread per calling thread:
# libgomp's barriers are invisible to TSan (it is not built for it), so a team of threads would be
# reported as racing with itself; the 8 threads the test starts are what is checked.
TSAN_DIR ?= build-tsan
tsan: deps
	cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" \
	  -DMINIDL_TSAN=ON
	cmake --build $(TSAN_DIR) -j $(JOBS) --target test_concurrent_predict
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 TSAN_OPTIONS=halt_on_error=1 \
	  $(TSAN_DIR)/tests/test_concurrent_predict

demo: build
	$(BUILD_DIR)/examples/train_cifar

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(TSAN_DIR)
