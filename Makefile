# crm_ext: PGXS build.  `make && make install` for your own server;
# `make test` / `make demo` / `make bench` bring their own throwaway server.
EXTENSION = crm_ext
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" crm_ext.control)

MODULE_big = crm_ext
SRCS = $(sort $(wildcard src/*.c) $(wildcard src/core/*.c))
OBJS = $(SRCS:.c=.o)

# SQL: sql/src/ holds the whole current definition, one file per concept
# (in name order); they are concatenated into the install script of the
# version being developed.  Released scripts are committed and never edited:
# sql/crm_ext--1.0.sql and the upgrade scripts sql/crm_ext--A--B.sql.  The
# upgrade from PREV_VERSION is sql/upgrade/crm_ext--PREV--NEW.sql (changes to
# existing objects) followed by the concept files new in this version
# (NEW_IN_VERSION).  Release steps: CONTRIBUTING.md.
PREV_VERSION = 1.1
NEW_IN_VERSION = sql/src/51_scored_view.sql sql/src/56_case_base_build.sql
SQL_SRC = $(sort $(wildcard sql/src/*.sql))
INSTALL_SQL = sql/$(EXTENSION)--$(EXTVERSION).sql
UPGRADE_SQL = sql/$(EXTENSION)--$(PREV_VERSION)--$(EXTVERSION).sql
DATA_built = $(INSTALL_SQL) $(UPGRADE_SQL)
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

TESTS = $(sort $(wildcard test/sql/*.sql))
REGRESS = $(patsubst test/sql/%.sql,%,$(TESTS))
REGRESS_OPTS = --inputdir=test --load-extension=$(EXTENSION)

# Let gcc vectorize the numeric inner loops; the core needs no PostgreSQL headers.
PG_CFLAGS = -std=gnu99 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers -ftree-vectorize -fno-math-errno
PG_CPPFLAGS = -I$(srcdir)/src
SHLIB_LINK = -lm

EXTRA_CLEAN = results regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(INSTALL_SQL): $(SQL_SRC) crm_ext.control
	cat $(SQL_SRC) > $@

$(UPGRADE_SQL): sql/upgrade/$(EXTENSION)--$(PREV_VERSION)--$(EXTVERSION).sql $(NEW_IN_VERSION) crm_ext.control
	cat sql/upgrade/$(EXTENSION)--$(PREV_VERSION)--$(EXTVERSION).sql $(NEW_IN_VERSION) > $@

.PHONY: test demo bench deps dist
deps:
	bash .ci/deps.sh

# Full suite on a throwaway server: pg_regress + pgTAP, ends with "N passed, N failed".
test:
	bash .ci/deps.sh
	bash .ci/test.sh

demo:
	bash .ci/deps.sh
	bash .ci/with_server.sh bash test/demo/run.sh

bench:
	bash .ci/deps.sh bench
	bash .ci/with_server.sh bash bench/run.sh

# make dist: the PGXN archive of the committed tree (the 1.2 install script
# is generated from sql/src/ by the build, so it is not in the archive)
DIST_VERSION = $(shell sed -n 's/^ *"version": "\([0-9.]*\)",*/\1/p' META.json | head -1)
dist:
	git archive --format zip --prefix=crm_ext-$(DIST_VERSION)/ -o crm_ext-$(DIST_VERSION).zip HEAD
	@echo crm_ext-$(DIST_VERSION).zip
