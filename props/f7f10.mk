## F7-F10: quantisation geometry (issue 5): the quant kernels and their
## mutants, the certified allocator's MPFR escalation, the quantisation and
## quadrature oracles, the amplification, signquant, moment and allocator
## families, and their tests.  tests/bench-f9 prints the convergence
## tables; tests/bench-allocator counts plain-allocator misclassifications.
libfoldcheck_la_SOURCES += \
	src/kernels/quant.h \
	src/kernels/quant.c \
	src/kernels/quant_mp.c \
	src/bounds/quant.c \
	oracles/quant.h \
	oracles/quant.c \
	oracles/quadrature.h \
	oracles/quadrature.c \
	props/quantp_internal.h \
	props/amplification.c \
	props/signquant.c \
	props/moment.c \
	props/allocator.c

check_PROGRAMS += tests/t-f7f10 tests/bench-f9 tests/bench-allocator
tests_t_f7f10_LDADD = $(FCTEST_LDADD)
tests_bench_f9_LDADD = libfoldcheck.la
tests_bench_allocator_LDADD = libfoldcheck.la
TESTS += tests/t-f7f10
