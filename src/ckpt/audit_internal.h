/* audit_internal.h -- audit.c's least-squares fit, shared with the
 * residual-stream audit (stream.c).  Not installed. */
#ifndef FC_CKPT_AUDIT_INTERNAL_H
#define FC_CKPT_AUDIT_INTERNAL_H

#include "ckpt/audit.h"

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
