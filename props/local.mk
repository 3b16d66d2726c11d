## The property registry and one fragment per family.
libfoldcheck_la_SOURCES += \
	props/props.h \
	props/registry.c \
	props/run_named.c \
	props/seeded.c \
	props/anchors.c \
	props/lean_scan.c

include $(srcdir)/props/f1f2.mk
include $(srcdir)/props/f3.mk
include $(srcdir)/props/f4f6.mk
include $(srcdir)/props/fold_large.mk
include $(srcdir)/props/rope_large.mk
include $(srcdir)/props/f7f10.mk
include $(srcdir)/props/audit.mk
include $(srcdir)/props/contract.mk
