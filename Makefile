# uchet — the two commands: `make run` and `make check`. Everything else is
# a step they call. Meson does the building; this file only orders the steps.

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
PORT       ?= 8080
DB         ?= var/uchet.db
FUZZ_SECONDS ?= 20
# The single suites (api-sqlite, browser, ...) as make check runs them: h2o's
# per-thread buffer recyclers are freed by process exit, not leaked.
export LSAN_OPTIONS ?= suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0

.PHONY: run check build build-asan deps-run deps-check unit api api-sqlite api-postgres browser fuzz bench check-ha clean

deps-run:
	@scripts/deps.sh run

deps-check:
	@scripts/deps.sh check

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

build: deps-run $(BUILD)/build.ninja
	ninja -C $(BUILD)

## make run: install, build, create an SQLite database with demo data, serve on :8080
run: build
	@mkdir -p var
	@$(BUILD)/src/cli/uchetctl --database $(DB) init >/dev/null
	@$(BUILD)/src/cli/uchetctl --database $(DB) demo
	@[ -f var/totp.key ] || $(BUILD)/src/cli/uchetctl keys totp-init --key-file var/totp.key
	@echo
	@echo "uchet is starting on http://127.0.0.1:$(PORT)"
	@echo "  app (registered persons): http://127.0.0.1:$(PORT)/app/  — activate with a code above"
	@echo "  desk (officers): http://127.0.0.1:$(PORT)/desk/  — the registrar above decides appeals"
	@echo "  health: /healthz  readiness: /readyz  metrics: /metrics"
	@echo "Stop with Ctrl-C."
	exec $(BUILD)/src/api/uchetd --database $(DB) --listen 127.0.0.1:$(PORT) --log-format text \
	  --totp-key-file var/totp.key

# -O1, as AddressSanitizer's own documentation advises: the API suites are
# CPU-bound on ASan processes, and -O0 made uchetd's image and text work
# slower for no check gained (docs/BENCHMARKS.md, "Fourth round").
$(BUILD_ASAN)/build.ninja:
	CC=gcc meson setup $(BUILD_ASAN) -Ddebug=true -Doptimization=1 -Db_sanitize=address,undefined -Db_lundef=false

build-asan: $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)

## make check: every suite, with ASan+UBSan
check: deps-check build-asan
	scripts/check.sh

unit: build-asan
	meson test -C $(BUILD_ASAN) --suite unit --print-errorlogs

# As make check runs them: API_WORKERS pytest-xdist workers, then the tests
# marked serial alone (timing- and load-sensitive; tests/api/conftest.py).
API_WORKERS ?= 2
API_PYTEST = /usr/bin/python3 -m pytest -q tests/api
api: api-sqlite api-postgres
api-sqlite api-postgres: api-%: build-asan
	UCHET_BUILD=$(BUILD_ASAN) UCHET_TEST_BACKEND=$* $(API_PYTEST) -n $(API_WORKERS) --dist loadgroup -m "not serial"
	UCHET_BUILD=$(BUILD_ASAN) UCHET_TEST_BACKEND=$* $(API_PYTEST) -m serial

browser: build-asan
	UCHET_BUILD=$(BUILD_ASAN) tests/browser/run.sh

$(BUILD_FUZZ)/build.ninja:
	CC=clang meson setup $(BUILD_FUZZ) --buildtype=debug -Dfuzz=true -Db_lundef=false

fuzz: $(BUILD_FUZZ)/build.ninja
	ninja -C $(BUILD_FUZZ)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(BUILD_FUZZ)

bench:
	@scripts/deps.sh bench
	bench/run.sh

## make check-ha: a three-node Patroni cluster on loopback; kills two leaders
check-ha: build
	@scripts/deps.sh ha
	UCHET_BUILD=$(BUILD) tests/ha/failover.sh

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
