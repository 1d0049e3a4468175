# s3auth — `make test` installs what the tests need and runs all of them.
SHELL := /bin/bash
GO ?= go
GOBIN := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck
STATICCHECK_VERSION := 2026.1
# Debian packages the integration tests use.
DEB_PACKAGES := slapd ldap-utils etcd-server awscli python3-boto3 s3cmd rclone
FUZZTIME ?= 10s

.PHONY: test deps tools vet lint unit fuzz fuzz-smoke bench cover clean

test: deps tools vet lint unit fuzz-smoke

## deps: install the Debian packages the integration tests use, when missing.
## (Checked with dpkg, not PATH: a different `aws` or `python3` on PATH does not count.)
deps:
	@missing=""; \
	for pkg in $(DEB_PACKAGES); do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

## tools: install Go tools from the module proxy.
tools:
	@test -x $(STATICCHECK) || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

vet:
	$(GO) vet ./...

lint: tools
	$(STATICCHECK) ./...

unit:
	S3AUTH_INTEGRATION=1 $(GO) test -race -count=1 -timeout 15m ./...

## fuzz-smoke: every fuzz target briefly (make test); `make fuzz FUZZTIME=10m` for real runs.
## A count, not a duration: a duration that ends while the engine is still
## gathering coverage or minimizing fails with "context deadline exceeded"
## on a loaded machine.
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=500x

## fuzz: run every fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

cover:
	$(GO) test -coverprofile=cover.out ./... && $(GO) tool cover -func=cover.out | tail -1
