# The two commands of the README: `make run` and `make test`. Both install missing Debian packages first.
BUILD ?= build
SANITIZE_BUILD ?= build-sanitize
JOBS ?= $(shell nproc)
PACKAGES = cmake make g++ pkg-config libxtensor-dev libxtensor-blas-dev libxsimd-dev libopenblas-dev libzip-dev doctest-dev \
           libcli11-dev gnuplot-nox bc

.PHONY: all deps configure build run test test-sanitize test-tsan fuzz bench bench-compare clean

all: build

deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "xgrad: installing missing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends $$missing; \
	fi

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release > /dev/null

build: configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/examples/linear_regression_manual

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-sanitize: deps
	@cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXGRAD_SANITIZE=ON -DXGRAD_BUILD_EXAMPLES=OFF \
	  -DXGRAD_BUILD_BENCH=OFF > /dev/null
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

TSAN_BUILD ?= build-tsan

# The thread tests under ThreadSanitizer (shared models on several threads, two models trained at once).
test-tsan: deps
	@cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="-fsanitize=thread" \
	  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" -DXGRAD_BUILD_EXAMPLES=OFF -DXGRAD_BUILD_BENCH=OFF > /dev/null
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target test_autograd
	TSAN_OPTIONS=halt_on_error=1 ./$(TSAN_BUILD)/tests/test_autograd -tc="*thread*"

FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

# libFuzzer on the checkpoint and CSV loaders, FUZZ_SECONDS per target, from the seeds in fuzz/corpus.
fuzz: deps
	@command -v clang++ > /dev/null || { if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q clang libclang-rt-14-dev; }
	@CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXGRAD_FUZZ=ON -DXGRAD_SANITIZE=ON \
	  -DXGRAD_NATIVE=OFF -DXGRAD_BUILD_TESTS=OFF -DXGRAD_BUILD_EXAMPLES=OFF -DXGRAD_BUILD_BENCH=OFF > /dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_checkpoint fuzz_csv
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 bash fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: build
	bash bench/run.sh $(BUILD)

# Also builds the LibTorch side (installs libtorch-dev, ~1 GB) and prints both columns.
bench-compare: deps
	@dpkg-query -W -f='$${Status}' libtorch-dev 2>/dev/null | grep -q "install ok installed" || \
	  { if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	    $$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q libtorch-dev bc; }
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DXGRAD_BENCH_TORCH=ON > /dev/null
	cmake --build $(BUILD) -j $(JOBS) --target xgrad_bench torch_bench
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(FUZZ_BUILD) $(TSAN_BUILD)
