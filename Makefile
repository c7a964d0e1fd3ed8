# schema_guard: PGXS build.  `make test`, `make demo` and `make bench` are
# described in README.md.

EXTENSION  = schema_guard
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = schema_guard
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/rules/*.c)))
DATA       = $(wildcard $(EXTENSION)--*.sql)
DOCS       = doc/schema_guard.md

PG_CPPFLAGS = -I$(srcdir)/src -DSG_VERSION=\"$(EXTVERSION)\"
PG_CFLAGS   = -Wall -Wmissing-prototypes -Wpointer-arith -Werror=vla

# pg_schema_guard (cli/), the command for CI: a libpq client installed into
# the server's bindir like its other client programs.  PGXS builds either
# modules or one PROGRAM, so it is a SCRIPTS_built file (built by `all`,
# installed to bindir, removed by `clean`) with its own link rule below.
SCRIPTS_built = cli/pg_schema_guard

# `make installcheck` (after `make install`): the pg_regress files and the
# isolation specs against the running server that PG_CONFIG belongs to, as
# contrib does.  What that server needs is in README.md; test/run.sh runs
# the same files, and more, against throwaway clusters.
REGRESS        = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS   = --no-locale --encoding=UTF8
ISOLATION      = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=$(EXTENSION) --no-locale --encoding=UTF8

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(OBJS): src/schema_guard.h src/compat.h

# Only libpq: its header and library are where pg_config says.
cli/pg_schema_guard: cli/pg_schema_guard.c $(EXTENSION).control
	$(CC) $(CFLAGS) -DSG_VERSION=\"$(EXTVERSION)\" -I$(includedir) $< $(LDFLAGS) -L$(libdir) -lpq -o $@

# PGXS removes bindir/cli/pg_schema_guard.
uninstall: uninstall-cli
uninstall-cli:
	rm -f '$(DESTDIR)$(bindir)/pg_schema_guard'
src/version.o: $(EXTENSION).control
src/jsonb_shape.o src/jsonb_contract.o: src/jsonb_shape.h

.PHONY: test test-one demo bench fuzz indent dist deb uninstall-cli

# Every suite on every PostgreSQL major the archive serves (tools/matrix.sh).
test: all
	tools/matrix.sh

# Every suite on the server of PG_CONFIG only, against throwaway clusters
# (test/run.sh; SUITES="regress-preload t_standby" runs only those).
test-one: all
	test/run.sh $(SUITES)

demo: all
	tools/demo.sh

# The guard's benchmarks (written into doc/performance.md), JSONB shape
# inference on 1,000,000 documents, data fingerprints of 1,000,000 rows, the
# data rules' audit of 2,000,000 rows, then
# the instruction counts of the DDL history and of pgbench (printed; see
# their sections there).
bench: all
	bench/run.sh
	bench/jsonb_shape.sh $(if $(SG_BENCH_QUICK),100000,1000000)
	bench/fingerprint.sh $(if $(SG_BENCH_QUICK),100000,1000000)
	bench/audit_data.sh $(if $(SG_BENCH_QUICK),200000,2000000)
	bench/ddl_instructions.sh $(if $(SG_BENCH_QUICK),20,200)
	bench/pgbench_instructions.sh $(if $(SG_BENCH_QUICK),300,20000)

fuzz: all
	test/fuzz.sh

# pgindent layout with Debian's pg_bsd_indent; typedefs come from our objects.
indent: all
	tools/indent.sh

# The PGXN archive of the committed tree: $(EXTENSION)-$(EXTVERSION).zip,
# everything under a top directory of the same name.
DIST ?= $(EXTENSION)-$(EXTVERSION).zip
dist:
	git archive --format=zip --prefix=$(EXTENSION)-$(EXTVERSION)/ -o $(DIST) HEAD

# Debian packages postgresql-NN-schema-guard for every major installed
# here, written to ..; their installcheck runs at build time (see debian/).
deb:
	dpkg-buildpackage -us -uc -b
