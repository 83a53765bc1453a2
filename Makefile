# vmlab: thin wrapper over CMake presets. `make run` and `make test` do all set-up themselves.
CMAKE_Q := cmake --log-level=WARNING

.PHONY: all deps run test bench bench-full fuzz fuzz-long format fidelity-report fidelity-numa fidelity-tier clean

all: deps
	$(CMAKE_Q) --preset release >/dev/null
	cmake --build --preset release

deps:
	@bash scripts/bootstrap.sh

run: all
	bash scripts/tour.sh $(CURDIR)/build/release/vmlab

# Besides the dev tree and its tests: the fuzz harnesses (clang), and the library, tool and
# benches at -O3 with gcc and with clang, warnings as errors (no tests there: about 25 s).
test: deps
	$(CMAKE_Q) --preset dev >/dev/null
	cmake --build --preset dev
	$(CMAKE_Q) --preset fuzz >/dev/null
	cmake --build --preset fuzz
	$(CMAKE_Q) --preset o3-gcc >/dev/null
	cmake --build --preset o3-gcc
	$(CMAKE_Q) --preset o3-clang >/dev/null
	cmake --build --preset o3-clang
	ctest --preset dev

bench: all
	./build/release/bench_mmu
	./build/release/bench_replay
	./build/release/bench_mrc
	./build/release/bench_trace_read
	./build/release/bench_pressure
	bash bench/bench_ps.sh $(CURDIR)/build/release/vmlab
	bash bench/bench_sweep.sh $(CURDIR)/build/release/vmlab
	bash bench/bench_champsim.sh $(CURDIR)/build/release/vmlab

# The issue 15 pressure benchmark in its full shape (32 GiB written on 16 GiB + 32 GiB swap;
# make bench runs it scaled by 1/16): a few minutes.
bench-full: all
	./build/release/bench_pressure --full

# Each libFuzzer harness for FUZZ_SECONDS (fuzz: 60 by default, new inputs left in
# build/fuzz/corpus-*; fuzz-long: 600, then the ones adding coverage merged into the corpora).
fuzz: deps
	$(CMAKE_Q) --preset fuzz >/dev/null
	cmake --build --preset fuzz
	bash tests/fuzz/run_all.sh build/fuzz $(or $(FUZZ_SECONDS),60)

fuzz-long: deps
	$(CMAKE_Q) --preset fuzz >/dev/null
	cmake --build --preset fuzz
	bash tests/fuzz/run_all.sh --merge build/fuzz $(or $(FUZZ_SECONDS),600)

fidelity-report: all
	bash scripts/fidelity-report.sh $(CURDIR)/build/release/vmlab

# The NUMA fidelity scenarios on a 2-node guest kernel (Debian's, under qemu with TCG), compared
# with the simulator here: scripts/qemu-numa.sh installs qemu and fetches the kernel when
# missing. make test runs the same as the fidelity_numa test.
fidelity-numa: deps
	$(CMAKE_Q) --preset static >/dev/null
	cmake --build --preset static --target vmlab_cli
	bash scripts/qemu-numa.sh $(CURDIR)/build/static/vmlab

# Memory tiers and demotion on bookworm-backports' 6.12 kernel under qemu, with and without HMAT
# figures (scripts/qemu-tier.sh; the fidelity_tier test of make test).
fidelity-tier: deps
	$(CMAKE_Q) --preset static >/dev/null
	cmake --build --preset static --target vmlab_cli
	bash scripts/qemu-tier.sh $(CURDIR)/build/static/vmlab

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
