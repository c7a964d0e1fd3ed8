# schema_guard: PGXS build.  `make test`, `make demo` and `make bench` are
# described in README.md.

EXTENSION  = schema_guard
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = schema_guard
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/rules/*.c)))
DATA       = $(wildcard $(EXTENSION)--*.sql)
DOCS       = doc/schema_guard.md

PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS   = -Wall -Wmissing-prototypes -Wpointer-arith -Werror=vla

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(OBJS): src/schema_guard.h src/compat.h
src/jsonb_shape.o src/jsonb_contract.o: src/jsonb_shape.h

.PHONY: test demo bench fuzz indent

# Every suite, against throwaway clusters (see test/run.sh).
test: all
	test/run.sh

demo: all
	tools/demo.sh

# The guard's benchmarks (written into doc/performance.md), then JSONB
# shape inference on 1,000,000 documents (printed; see its section there).
bench: all
	bench/run.sh
	bench/jsonb_shape.sh $(if $(SG_BENCH_QUICK),100000,1000000)

fuzz: all
	test/fuzz.sh

# pgindent layout with Debian's pg_bsd_indent; typedefs come from our objects.
indent: all
	tools/indent.sh
