## Fuzzing (issue 19): a libFuzzer driver per parser, built with
## `CC=clang ./configure --enable-fuzzing` (fuzz/README).  The library is
## then compiled with the sanitizers and libFuzzer's coverage
## (configure.ac); the drivers link libFuzzer's main.  Sources, corpora,
## dictionaries and the smoke script are distributed either way.
FUZZ_TARGETS = replay report lean safetensors hfconfig index exec rotation

FUZZ_SRC = fuzz/fuzz_util.h fuzz/fuzz_util.c
## -no-install: real binaries (no libtool wrapper) that find the uninstalled
## libfoldcheck, so libFuzzer can re-execute them (-fork, -jobs).
FUZZ_LINK = $(AM_LDFLAGS) -fsanitize=fuzzer -no-install
FUZZ_LIBS = libfoldcheck.la $(JANSSON_LIBS)

FUZZ_BINS = fuzz/fuzz-replay fuzz/fuzz-report fuzz/fuzz-lean \
	fuzz/fuzz-safetensors fuzz/fuzz-hfconfig fuzz/fuzz-index \
	fuzz/fuzz-exec fuzz/fuzz-rotation fuzz/frame-feed
if FC_FUZZING
noinst_PROGRAMS += $(FUZZ_BINS)
endif

fuzz_fuzz_replay_SOURCES = fuzz/fuzz-replay.c $(FUZZ_SRC)
fuzz_fuzz_replay_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_replay_LDADD = $(FUZZ_LIBS)
fuzz_fuzz_report_SOURCES = fuzz/fuzz-report.c $(FUZZ_SRC)
fuzz_fuzz_report_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_report_LDADD = $(FUZZ_LIBS)
fuzz_fuzz_lean_SOURCES = fuzz/fuzz-lean.c $(FUZZ_SRC)
fuzz_fuzz_lean_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_lean_LDADD = $(FUZZ_LIBS)
fuzz_fuzz_safetensors_SOURCES = fuzz/fuzz-safetensors.c $(FUZZ_SRC)
fuzz_fuzz_safetensors_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_safetensors_LDADD = $(FUZZ_LIBS)
fuzz_fuzz_hfconfig_SOURCES = fuzz/fuzz-hfconfig.c $(FUZZ_SRC)
fuzz_fuzz_hfconfig_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_hfconfig_LDADD = $(FUZZ_LIBS)
fuzz_fuzz_index_SOURCES = fuzz/fuzz-index.c $(FUZZ_SRC)
fuzz_fuzz_index_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_index_LDADD = $(FUZZ_LIBS)
fuzz_fuzz_exec_SOURCES = fuzz/fuzz-exec.c $(FUZZ_SRC)
fuzz_fuzz_exec_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_exec_LDADD = $(FUZZ_LIBS)
fuzz_fuzz_rotation_SOURCES = fuzz/fuzz-rotation.c $(FUZZ_SRC)
fuzz_fuzz_rotation_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_rotation_LDADD = $(FUZZ_LIBS)
## fuzz-exec's kernel process: no sanitizers (it starts once per input).
fuzz_frame_feed_SOURCES = fuzz/frame-feed.c
fuzz_frame_feed_CFLAGS = $(WARN_CFLAGS)
fuzz_frame_feed_LDFLAGS =

EXTRA_DIST += fuzz/README fuzz/smoke.sh fuzz/corpus fuzz/dict

## make fuzz-smoke: each driver FUZZ_SECONDS (30) on a copy of its corpus;
## fails on a crash, a leak or a hang (fuzz/smoke.sh).
FUZZ_SECONDS = 30
if FC_FUZZING
fuzz-smoke: $(FUZZ_BINS)
	FUZZ_BIN=fuzz FUZZ_CORPUS='$(srcdir)/fuzz/corpus' \
	FUZZ_DICT='$(srcdir)/fuzz/dict' \
	$(SHELL) '$(srcdir)/fuzz/smoke.sh' $(FUZZ_SECONDS) $(FUZZ_TARGETS)
else
fuzz-smoke:
	@echo "fuzz-smoke: the fuzzers are not built; configure with" \
	  "CC=clang ./configure --enable-fuzzing (fuzz/README)" >&2; exit 1
endif
.PHONY: fuzz-smoke
## Logs and crash inputs of the last smoke run (kept until make clean).
clean-local: clean-fuzz-smoke
clean-fuzz-smoke:
	-rm -rf fuzz/smoke
.PHONY: clean-fuzz-smoke
