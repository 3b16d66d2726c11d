/* audit_internal.h -- audit.c's least-squares fit and small helpers,
 * shared with the residual-stream audit (stream.c).  Not installed. */
#ifndef FC_CKPT_AUDIT_INTERNAL_H
#define FC_CKPT_AUDIT_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <time.h>
#include "ckpt/audit.h"

/* Higham's gamma_n = n u / (1 - n u). */
static inline double fc_ck_gam(double n, double u) { return n * u / (1 - n * u); }

/* ||a||_F of n doubles (plain sum of squares: the audit's norms are of
 * weights and their differences, far from overflow or underflow). */
static inline double fc_ck_frob(const double *a, size_t n)
{
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += a[i] * a[i];
  return sqrt(s);
}

/* Monotonic seconds (for the reports' timings). */
static inline double fc_ck_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Fit Y = M X (X, Y: d x n, row-major with leading dimension ld; M: d x d
 * out) by the normal equations, and fill f with the residual, the
 * orthogonality defect, delta = the bound of ||M^ - M||_F under H0 (Y the
 * storage rounding, unit roundoff u_s and subnormal eta_s, of M X formed
 * in arithmetic of unit roundoff u_c), the noise the measured residual
 * implies, and their bounds (audit.c's header comment derives them; the
 * commutant figures are left 0).  f->ok = 0 when X is rank deficient.
 * FC_OK or FC_ENOMEM.  No aliasing between M and X, Y. */
int fc_audit_lsfit(fc_audit_fit *f, double *M, const double *X,
                   const double *Y, size_t d, size_t n, size_t ld,
                   double u_s, double eta_s, double u_c);

#endif
