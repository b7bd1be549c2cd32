# Eddy: the two commands a user needs are `make demo` and `make test`.
GO       ?= go
PKG      := github.com/eddy-iot/eddy
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w -X $(PKG)/internal/version.Version=$(VERSION) \
            -X $(PKG)/internal/version.Commit=$(COMMIT) -X $(PKG)/internal/version.Date=$(DATE)
GOBUILD  := CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)'

.PHONY: build cross test test-unit bench lint testenv-up testenv-down clean demo

build:
	$(GOBUILD) -o bin/eddy ./cmd/eddy

# The whole system on this machine, embedded defaults, loopback only (see
# docs/QUICKSTART.md). The demo's embedded brokers are left out of the
# release binaries (-tags demo), which keeps gateway binaries small.
demo:
	$(GOBUILD) -tags demo -o bin/eddy-demo ./cmd/eddy
	bin/eddy-demo demo

cross:
	GOOS=linux GOARCH=arm GOARM=6 $(GOBUILD) -o dist/eddy-linux-armv6 ./cmd/eddy
	GOOS=linux GOARCH=arm GOARM=7 $(GOBUILD) -o dist/eddy-linux-armv7 ./cmd/eddy
	GOOS=linux GOARCH=arm64 $(GOBUILD) -o dist/eddy-linux-arm64 ./cmd/eddy
	GOOS=linux GOARCH=amd64 $(GOBUILD) -o dist/eddy-linux-amd64 ./cmd/eddy

# Everything: unit tests, broker tests against real Mosquitto and Kafka, ARM
# binaries under qemu. scripts/testenv.sh installs and starts what is missing
# and stops the brokers when the tests end, also when they fail.
test: build cross
	scripts/testenv.sh run -- $(GO) test -race -count=1 -timeout 15m ./...

# Quick: no brokers.
test-unit:
	$(GO) test -short -race -count=1 ./...

bench:
	scripts/testenv.sh run -- $(GO) test -run '^$$' -bench . -benchmem ./...

# A pair of brokers that stays up for manual work: `make testenv-up` prints an
# env file; `. <that file>` then `go test ./...` uses them; `make testenv-down`.
testenv-up:
	@scripts/testenv.sh up

testenv-down:
	@scripts/testenv.sh down

# staticcheck, pinned; fetched through the Go module proxy when it can be.
STATICCHECK = honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	@if $(GO) run $(STATICCHECK) -version >/dev/null 2>&1; then \
		$(GO) run $(STATICCHECK) ./...; \
	else echo "lint: staticcheck could not be fetched through the module proxy; skipped"; fi

clean:
	rm -rf bin dist

# Debian packages from the cross builds: dist/eddy_<version>_{amd64,arm64,armhf}.deb
# (armhf carries the armv7 binary). Layout and test: packaging/.
.PHONY: deb
deb: cross
	packaging/build-deb.sh amd64 dist/eddy-linux-amd64 $(VERSION) dist
	packaging/build-deb.sh arm64 dist/eddy-linux-arm64 $(VERSION) dist
	packaging/build-deb.sh armhf dist/eddy-linux-armv7 $(VERSION) dist
