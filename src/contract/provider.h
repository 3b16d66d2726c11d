/* provider.h -- one way to call a contract, whoever implements it
 * (internal; issue 9).
 *
 * A provider answers contract calls (src/foldcheck/kernel.h) with arrays
 * in its declared storage format.  Three kinds, one interface, so the
 * contract properties (props/contract.c) run identically on each:
 *   - a built-in kernel table (reference or mutant), in process, declared
 *     fp64/fp64 (an adapter over the fc_kernels sub-tables);
 *   - a C plugin (`--kernels ./libmine.so`), served by the host program
 *     foldcheck-kernel-host in a child process;
 *   - a command (`--kernels exec:CMD ARGS`) speaking the frame protocol on
 *     its stdin/stdout.
 * Child processes are isolation: a crash, a hang (timeout), a malformed
 * reply or a nonzero status is a KERNEL FAILURE of that call, with a
 * one-line verdict; the child is reaped and restarted on the next call.
 * One child per concurrent caller (the harness's threads); calls are
 * thread-safe.
 *
 * Frame protocol (version 1; all little-endian):
 *   request:  u32 magic 0x464b4346 ("FCKF"), u32 version (1), u32 contract,
 *             u32 narrays, i64 iparam[12], f64 fparam[4]; then narrays x
 *             (u64 nbytes, nbytes bytes).
 *   reply:    u32 magic, i32 status (0 = ok), u32 narrays, u32 reserved,
 *             f64 claimed (NaN: none); then narrays x (u64 nbytes, bytes).
 *   Contract 0 (hello): no arrays; reply one array of 80 or 84 bytes:
 *   i32 abi version (1 or 2), i32 storage, i32 accum, u32 mask of provided
 *   contracts (bit c for contract c), char name[64] (NUL-padded), and in
 *   the 84-byte form i32 elementwise (a plain FC_FMT_* value).  The
 *   80-byte form is a two-part declaration (elementwise = accum): every
 *   client written for version 1 keeps its meaning.  A client declaring
 *   bf16/bf16/fp32 replies abi 2, storage 2, accum 1, ..., elementwise 2.
 *   Contracts and their iparams / arrays: see FC_KC_* below.
 * Every length read from a child is checked against what the call expects
 * (a reply of another shape is a kernel failure, never a large malloc). */
#ifndef FC_CONTRACT_PROVIDER_H
#define FC_CONTRACT_PROVIDER_H

#include <stddef.h>
#include <stdint.h>
#include "foldcheck.h"
#include "foldcheck/kernel.h"

#define FC_KP_MAGIC 0x464b4346u
#define FC_KP_VERSION 1u
#define FC_KP_MAXARR 8
/* The two lengths of the hello reply. */
#define FC_KP_HELLO_BYTES 80
#define FC_KP_HELLO_BYTES3 84
/* Largest array a frame may carry (bytes). */
#define FC_KP_MAXBYTES ((uint64_t)1 << 28)

enum {
  FC_KC_HELLO = 0,
  /* iparam: rows, d, layout, rotary; arrays: in (storage rows x d), pos
   * (i64 rows), theta (f64 d/2); reply: out (storage rows x d). */
  FC_KC_ROPE = 1,
  /* iparam: T, d, heads, kv, causal; arrays: q, k, v; reply: ctx. */
  FC_KC_ATTENTION = 2,
  /* iparam: T, dm, d, heads, kv, causal, residual, has_gain, layout,
   * rotary; fparam: eps; arrays: x, wq, wk, wv, wo, gain (0 bytes when
   * none), pos (i64 T), theta (f64 d/2); reply: out (T x dm). */
  FC_KC_BLOCK = 3,
  /* iparam: d, n, side; arrays: w, r; reply: w2. */
  FC_KC_FOLD = 4,
  /* iparam: d; arrays: k; reply: s (storage d), alpha (f64 1). */
  FC_KC_SIGN = 5,
  /* iparam: n, d, d_l; arrays: keys (storage n x d); reply: bits (i32 1). */
  FC_KC_ALLOC = 6,
  FC_KC_COUNT = 7
};

const char *fc_kc_name(int contract); /* "rope_apply", ... */

typedef struct fc_kcall {
  int contract;
  int64_t ip[12];
  double fp[4];
  size_t nin;
  const void *in[FC_KP_MAXARR];
  size_t in_bytes[FC_KP_MAXARR];
  size_t nout;
  void *out[2];          /* caller-allocated */
  size_t out_bytes[2];   /* exact sizes expected */
  double claimed;        /* filled: the kernel's self-reported bound, NaN */
  /* out[0] may also be shorter, out_min0 <= length <= out_bytes[0]
   * (0: exactly out_bytes[0]); out_got0 receives its length then. */
  size_t out_min0, out_got0;
} fc_kcall;

typedef struct fc_kprov fc_kprov;

/* Open a provider from a --kernels value: a built-in table name, a plugin
 * path (contains '/' or ends in ".so"), or "exec:CMD ARGS".  timeout: s per
 * call (> 0).  host: path of foldcheck-kernel-host (NULL: located by
 * fc_kprov_find_host).  Checks the handshake (ABI version, arithmetic).
 * FC_ENOTFOUND / FC_EVERSION / FC_EIO / FC_EINVAL with a message. */
int fc_kprov_open(fc_kprov **p, const char *spec, double timeout,
                  const char *host, fc_error *err);
/* A provider over a built-in table (fp64/fp64), no child process. */
int fc_kprov_builtin(fc_kprov **p, const fc_kernels *k);
void fc_kprov_close(fc_kprov *p);
/* 1 if the spec names a plugin or an exec command (not a built-in). */
int fc_kprov_is_external(const char *spec);

const fc_kernel_arith *fc_kprov_arith(const fc_kprov *p);
const char *fc_kprov_name(const fc_kprov *p);
int fc_kprov_has(const fc_kprov *p, int contract);
double fc_kprov_timeout(const fc_kprov *p);
/* Override the declared arithmetic (testing/what-if: e.g. judge an fp32
 * kernel against fp64 bounds). */
void fc_kprov_set_arith(fc_kprov *p, const fc_kernel_arith *a);

/* Call.  FC_OK: outputs filled.  FC_ENOTPROVIDED: no such entry.
 * FC_EKERNEL: the kernel failed (crash, timeout, status, malformed reply);
 * `why` holds the verdict ("kernel crashed: SIGSEGV").  Other codes:
 * errors of the harness (ENOMEM, EIO when a child cannot be started). */
int fc_kprov_call(fc_kprov *p, fc_kcall *c, char *why, size_t nwhy);

/* The host program: $FOLDCHECK_KERNEL_HOST, else next to the running
 * executable (build tree), else the configured libexecdir.  Writes the path
 * into buf. FC_ENOTFOUND. */
int fc_kprov_find_host(char *buf, size_t n);

/* Frame I/O shared by the host program (blocking fds). */
int fc_kp_write_all(int fd, const void *b, size_t n);
int fc_kp_read_all(int fd, void *b, size_t n); /* FC_EIO on EOF/error */

#endif
