## F1 (2D commutant) and F2 (Schur vanishing): the 2x2 linear-algebra
## kernels, the two property families and their test.
libfoldcheck_la_SOURCES += \
	src/kernels/lin.h \
	src/kernels/lin.c \
	src/bounds/lin.c \
	props/commutant2d.c \
	props/schur.c

check_PROGRAMS += tests/t-f1f2
tests_t_f1f2_LDADD = $(FCTEST_LDADD)
TESTS += tests/t-f1f2
