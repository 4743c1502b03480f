#!/bin/sh
# Quick start 2: install what is missing, build, and run the whole test suite:
#   1. gcc build, every suite (unit, fixtures, golden, mustfail, fuzz-regression, lint, ...)
#      but the corruption campaign;
#   2. every suite, the campaign included, built with AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. clang libFuzzer builds of every fuzz target, each fuzzed for FUZZ_SECONDS (default 10).
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
sh scripts/deps.sh --test || exit 1
passed=0
failed=0
count() { # parse meson test's summary
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$1" | tail -1)
	fl=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$1" | tail -1)
	to=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$1" | tail -1)
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${fl:-0} + ${to:-0}))
	[ -n "$ok" ] || failed=$((failed + 1))
}
run_suite() { # name, builddir, meson setup args...
	name=$1 dir=$2
	shift 2
	echo "== $name"
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; failed=$((failed + 1)); return; }
	fi
	if ! ninja -C "$dir" >"$dir.build.log" 2>&1; then
		cat "$dir.build.log"; failed=$((failed + 1)); return
	fi
	if grep -q "warning:" "$dir.build.log"; then
		grep "warning:" "$dir.build.log"; echo "build warnings in $name"; failed=$((failed + 1))
	fi
	# timeouts are for hung tests, not slow machines: a loaded 2-core CI runner gets 3x
	meson test -C "$dir" --print-errorlogs --timeout-multiplier "${PM_TIMEOUT_MULTIPLIER:-3}" \
		${TEST_ARGS:-} >"$dir.test.log" 2>&1
	grep -E "^ *[0-9]+/[0-9]+ " "$dir.test.log" | grep -v " OK " || true
	sed -n '/^Ok:/,/^Timeout:/p' "$dir.test.log"
	count "$dir.test.log"
}
# the corruption campaign (suite corrupt) runs once, in the sanitizer pass, where it also
# catches sanitizer reports; the gcc pass runs every other suite
TEST_ARGS="--no-suite corrupt"
run_suite "gcc build" build
TEST_ARGS=""
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	run_suite "ASan+UBSan build" build-asan -Db_sanitize=address,undefined -Db_lundef=false

echo "== libFuzzer smoke run (clang)"
secs=${FUZZ_SECONDS:-10}
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link >build-fuzz.setup.log 2>&1 ||
		{ cat build-fuzz.setup.log; failed=$((failed + 1)); }
fi
# every fuzz target there is: tests/fuzz/fuzz_*.c
targets=$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')
if ninja -C build-fuzz $(for t in $targets; do printf 'tests/%s ' "$t"; done) >build-fuzz.build.log 2>&1; then
	# fuzz_symmem's seeds are made from fuzz_symwalk's and the fixture kernels' ISFs
	mkdir -p build-fuzz/seeds-fuzz_symmem
	python3 tests/fuzz/seed_symmem.py fixtures/kernel fixtures/corpus/fuzz_symwalk \
		build-fuzz/seeds-fuzz_symmem/symmem-valid.bin build-fuzz/seeds-fuzz_symmem/symmem-sessions.bin \
		build-fuzz/seeds-fuzz_symmem/symmem-pool.bin
	for t in $targets; do
		mkdir -p build-fuzz/corpus-$t build-fuzz/seeds-$t
		maxlen=65536
		[ "$t" = fuzz_pdb ] && maxlen=131072 # the seed PDB is 80 KiB
		[ "$t" = fuzz_isf ] && maxlen=131072
		[ "$t" = fuzz_holders ] && maxlen=131072 # the seeds are journals of 36..65 KiB
		[ "$t" = fuzz_symmem ] && maxlen=262144 # an ISF of 41 KiB and a dump of 48 KiB
		if build-fuzz/tests/$t -max_total_time="$secs" -rss_limit_mb=2048 -max_len=$maxlen \
			build-fuzz/corpus-$t fixtures/corpus/$t build-fuzz/seeds-$t >build-fuzz/$t.log 2>&1; then
			echo "$t: $(grep -E '^Done [0-9]+ runs' build-fuzz/$t.log | tail -1), no crash"
			passed=$((passed + 1))
		else
			tail -40 build-fuzz/$t.log; failed=$((failed + 1))
		fi
	done
else
	cat build-fuzz.build.log; failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
