# crm_ext: PGXS build.  `make && make install` for your own server;
# `make test` / `make demo` / `make bench` bring their own throwaway server.
EXTENSION = crm_ext
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" crm_ext.control)

MODULE_big = crm_ext
SRCS = $(sort $(wildcard src/*.c) $(wildcard src/core/*.c))
OBJS = $(SRCS:.c=.o)

# Versions: sql/crm_ext--1.0.sql is the first release's install script and
# is never edited.  Each later version is an upgrade script; the one being
# developed (PREV_VERSION -> EXTVERSION) is assembled from sql/parts/ (one
# file per concept, in name order).  CREATE EXTENSION of the newest version
# runs 1.0 and then the upgrade chain, so fresh installs and upgrades run
# the same SQL.  To release: commit the assembled upgrade script under its
# name, empty sql/parts/ but the header, bump PREV_VERSION and the control file.
PREV_VERSION = 1.0
SQL_PARTS = $(sort $(wildcard sql/parts/*.sql))
DATA_built = sql/$(EXTENSION)--$(PREV_VERSION)--$(EXTVERSION).sql
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

$(DATA_built): $(SQL_PARTS) crm_ext.control
	cat $(SQL_PARTS) > $@

.PHONY: test demo bench deps
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
