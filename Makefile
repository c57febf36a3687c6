# Sundial's developer entry points. `make test` is what CI runs (.ci/run).

GO     ?= go
GOFMT  ?= $(shell $(GO) env GOROOT)/bin/gofmt
BIN    := bin/sundial

.PHONY: build run test fuzz

## build: compile the sundial binary into bin/sundial
build:
	$(GO) build -o $(BIN) ./cmd/sundial

## run: build, then start the server (REST on :8080, data in ./sundial-data)
run: build
	./$(BIN) server

## test: fail on unformatted Go files, then go vet and go test over every package
test:
	@unformatted="$$($(GOFMT) -l .)"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt -l: these files need gofmt -w:"; echo "$$unformatted"; exit 1; \
	fi
	$(GO) vet ./...
	$(GO) test ./...

## fuzz: fuzz the SQL parser for two minutes and the REST request decoder for one
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=2m ./sql
	$(GO) test -run='^$$' -fuzz=FuzzDecodeRequest -fuzztime=1m ./server
