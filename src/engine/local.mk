## The engine: knows no theorem and no kernel.
libfoldcheck_la_SOURCES += \
	src/foldcheck.h \
	src/engine/engine_internal.h \
	src/engine/error.c \
	src/engine/rng.c \
	src/engine/case.c \
	src/engine/draw.c \
	src/engine/givens.c \
	src/engine/judge.c \
	src/engine/outputs.c \
	src/engine/shrink.c \
	src/engine/runner.c \
	src/engine/shard.c \
	src/engine/config.c \
	src/engine/replay.c \
	src/engine/db.c \
	src/engine/safeio.h \
	src/engine/safeio.c \
	src/engine/env.c
