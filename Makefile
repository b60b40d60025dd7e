# pier: `make run` runs it, `make test` tests it. Each installs what it needs
# on a fresh Debian machine.
NODE_MODULES := node_modules/.package-lock.json
SOURCES := $(shell find src -name '*.ts' -o -name '*.html' -o -name '*.js' -o -name '*.css')

.PHONY: run test build install clean demo demo-swarm bench bench-quick image image-armhf test-armhf armhf-smoke

$(NODE_MODULES): package.json package-lock.json
	@command -v node >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	npm ci --no-audit --no-fund
	@touch $@

install: $(NODE_MODULES)

dist/cli.js: $(NODE_MODULES) $(SOURCES) tsconfig.json
	npx tsc -p tsconfig.json
	@touch $@

build: dist/cli.js

# pier with examples/pier.yml and two demo whoami backends; pier flags in ARGS (make run ARGS=--log.level=DEBUG).
run: build
	@node scripts/run.mjs $(ARGS)

test: build
	scripts/test-deps.sh
	scripts/docker-up.sh
	scripts/test.sh

clean:
	rm -rf dist .tap test-output

# The 2016 Traefik 1.0 compose scene (whoami scaled to 5) played against pier.
demo: build
	scripts/demo.sh

# The same scene on a real three-node Swarm on this machine (one dockerd per
# network namespace), pier in its offline image on the manager; torn down after.
demo-swarm: build
	scripts/demo-swarm.sh

# Side-by-side benchmarks: pier, nginx, HAProxy, Caddy, node-http-proxy, direct;
# then the README's benchmark tables are rewritten from the results.
bench: install
	scripts/bench.sh

bench-quick: install
	scripts/bench.sh --quick

# Offline images (no registry here): pier:local for this machine, pier:local-armhf under emulation.
image: build
	scripts/image.sh

image-armhf: build
	scripts/image-armhf.sh

# The unit and file-provider tests on armhf Node 20 under qemu; one proxied request on armhf.
test-armhf: build
	scripts/armhf-test.sh

armhf-smoke: build
	scripts/armhf-smoke.sh
