/* error.c -- error codes and messages. */
#include <stdarg.h>
#include "engine_internal.h"

const char *fc_strerror(int code)
{
  switch (code) {
#define FC_ERR_CASE_(name, val, msg) case val: return msg;
    FC_ERRNO_MAP(FC_ERR_CASE_)
#undef FC_ERR_CASE_
  default:
    return "unknown error";
  }
}

int fc_error_set(fc_error *e, int code, const char *fmt, ...)
{
  if (e != NULL) {
    va_list ap;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

const char *fc_version(void) { return PACKAGE_VERSION; }
