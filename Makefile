# pier: `make run` runs it, `make test` tests it. Each installs what it needs
# on a fresh Debian machine.
NODE_MODULES := node_modules/.package-lock.json
SOURCES := $(shell find src -name '*.ts' -o -name '*.html' -o -name '*.js' -o -name '*.css')

.PHONY: run test build install clean

$(NODE_MODULES): package.json package-lock.json
	@command -v node >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	npm ci --no-audit --no-fund
	@touch $@

install: $(NODE_MODULES)

dist/cli.js: $(NODE_MODULES) $(SOURCES) tsconfig.json
	npx tsc -p tsconfig.json
	@touch $@

build: dist/cli.js

run: build
	node dist/cli.js --configfile=examples/pier.yml

test: build
	scripts/test-deps.sh
	scripts/docker-up.sh
	scripts/test.sh

clean:
	rm -rf dist .tap test-output
