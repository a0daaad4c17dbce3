# duban — two commands on a fresh Debian machine: `make run` and `make test`.
# Both install what is missing: npm packages (npm ci) and Debian's redis-server; `make test` also
# Debian's chromium and fonts-wqy-microhei for the dashboard's browser tests.
SHELL := /bin/bash
export TZ := Asia/Shanghai

.PHONY: run test install deps redis-server browser build typecheck clean

## Start the bot on its embedded default: local Redis under ./data, the demo organisation.
# Runs the built server directly (what `npm start` runs, without npm's own start-up); dist/ is
# rebuilt only when a source changed, so a restart costs the server's start and nothing more.
# The terminal client (npm run chat) serves the photos of its `[图片]` on 127.0.0.1 over plain
# http, so the demo lets the evidence worker download from there beside WeCom's own hosts; an
# EVIDENCE_MEDIA_HOSTS set in the environment wins (one in .env does not: this one is set first).
run: install dist/.built
	EVIDENCE_MEDIA_HOSTS="$${EVIDENCE_MEDIA_HOSTS:-*.myqcloud.com,*.qq.com,http://127.0.0.1}" node --enable-source-maps --max-semi-space-size=8 dist/src/main.js

## Install everything, type-check, run the whole suite.
test: install browser
	npm run -s typecheck
	npm test

install: deps redis-server

deps: node_modules/.package-lock.json

# Reinstall only when the lock file changed since the last install (not on every edit of
# package.json's scripts: a dependency change without its lock file fails in npm ci anyway).
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# redis-server from Debian when absent (not needed by `make run` when REDIS_URL points elsewhere).
redis-server:
	@if command -v redis-server >/dev/null 2>&1; then exit 0; fi; \
	if [ -n "$$REDIS_URL" ] && [ "$(MAKECMDGOALS)" = "run" ]; then exit 0; fi; \
	bash .make/apt-install redis-server "install Redis 7 yourself or set REDIS_URL" redis-server && \
	command -v redis-server >/dev/null

# The browser tests drive Debian's chromium (never a downloaded browser) and need Chinese glyphs.
browser:
	@if [ -x /usr/bin/chromium ] && [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then exit 0; fi; \
	bash .make/apt-install "chromium or fonts-wqy-microhei" "install them yourself" chromium fonts-wqy-microhei && \
	[ -x /usr/bin/chromium ] && [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]

# What the build reads. Make compares times, which costs milliseconds; tsc then recompiles only
# the files that changed since its last run (incremental, state in dist/build.tsbuildinfo).
BUILD_INPUTS := $(shell find src handlers jobs -name '*.ts' 2>/dev/null) $(shell find web -type f 2>/dev/null) tsconfig.json tsconfig.build.json

build: dist/.built

dist/.built: $(BUILD_INPUTS) node_modules/.package-lock.json
	npm run -s build
	@touch $@

typecheck: deps
	npm run -s typecheck

clean:
	rm -rf dist coverage
