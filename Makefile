# Warden: the two set-up commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-case
DEBIAN_PACKAGES := gcc python3-dev pkg-config libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libavdevice-dev libavfilter-dev ffmpeg \
	unar 7zip mtools dosfstools e2fsprogs ntfs-3g exfatprogs ewf-tools qemu-utils xorriso genisoimage xfsprogs fdisk gdisk hashdeep libgsf-bin cryptsetup-bin \
	chromium fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 poppler-utils postgresql nginx wget
# Commands the tests and the scan use, one per Debian package above (besides the FFmpeg libraries).
DEBIAN_COMMANDS := gcc pkg-config ffmpeg unar 7zz mcopy mkfs.fat mke2fs mkntfs mkfs.exfat ewfacquire qemu-img xorriso genisoimage mkfs.xfs sfdisk sgdisk hashdeep gsf cryptsetup \
	chromium pdftotext nginx wget

.PHONY: install system-deps demo test test-quick lint types unit unit-quick bench clean

# A C compiler builds Warden's PDQ index search and pdqhash; FFmpeg's development libraries are what vpdq
# builds against; unar reads RAR archives; 7zip (7zz) reads UDF-only discs; the rest build the test disk
# images and thumbnail caches
# (mtools, dosfstools, e2fsprogs, ntfs-3g, exfatprogs, ewf-tools, fdisk, gdisk, libgsf-bin; qemu-utils for the
# virtual disks, xorriso for ISO images, genisoimage for UDF discs, xfsprogs for XFS images, cryptsetup-bin for a LUKS header on a plain file), run the
# benchmarks' competitors (hashdeep; wget, beside warden crawl) and the review app's browser tests
# (chromium), render the court report's PDF (pango, fonts) and check it (poppler-utils), and the PostgreSQL
# server the case-database tests start on loopback (postgresql), and the reverse proxy the review app is
# tested behind (nginx). Installed only when missing.
system-deps:
	@missing=""; for c in $(DEBIAN_COMMANDS); do command -v $$c >/dev/null || PATH="$$PATH:/usr/sbin:/sbin" command -v $$c >/dev/null || missing="$$missing $$c"; done; \
	if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then missing="$$missing initdb"; fi; \
	if [ -n "$$missing" ] || ! pkg-config --exists libavcodec libavformat libavutil libswscale 2>/dev/null; then \
	  echo "Installing Debian packages: $(DEBIAN_PACKAGES)"; \
	  if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $(DEBIAN_PACKAGES); \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstalled when the package's description or its C extensions change (setup.py builds them in place).
$(VENV)/.installed: pyproject.toml setup.py $(wildcard src/warden/*/*.c) $(BIN)/python | system-deps
	$(BIN)/python -m pip install -q -e '.[video,heic,forensics,vdisk,web,serve,exchanges,report,postgres,crawl,conversations,conversations-model,psi,bench,ray,dev]'
	touch $@

# Warden's own modules compiled to bytecode ahead (as pip does for an installed package): an editable install
# leaves them to the first run, and where PYTHONDONTWRITEBYTECODE is set every run compiled them again, about
# 40 ms of each command's start. Only changed files are compiled.
install: system-deps $(VENV)/.installed
	@$(BIN)/python -m compileall -q src/warden

demo: install
	$(BIN)/python scripts/make_demo.py --out $(DEMO_DIR)

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

types: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -q -n 2 --dist loadfile

test: lint types unit

# For developers: the same checks and every test not marked slow (see pyproject.toml's markers).
unit-quick: install
	$(BIN)/pytest -q -n 2 --dist loadfile -m "not slow"

test-quick: lint types unit-quick

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) build src/*.egg-info src/warden/index/*.so
