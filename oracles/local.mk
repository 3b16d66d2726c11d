## MPFR oracle core; family oracles are listed in props/<family>.mk.
libfoldcheck_la_SOURCES += \
	oracles/oracle.h \
	oracles/mpmat.c \
	oracles/statement.c \
	oracles/xdot.h \
	oracles/xdot.c
