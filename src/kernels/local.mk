## The kernel table; family kernels are listed in props/<family>.mk.
libfoldcheck_la_SOURCES += \
	src/kernels/kernels.h \
	src/kernels/table.c
