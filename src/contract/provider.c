/* provider.c -- contract calls: built-in tables in process, plugins and
 * commands in child processes (issue 9).  Protocol in provider.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "fc_dirs.h"
#include "contract/provider.h"
#include "bounds/bounds.h"
#include "kernels/kernels.h"
#include "kernels/rope.h"
#include "kernels/attn.h"
#include "kernels/quant.h"

extern char **environ;

#define MAXWORKERS 64

typedef struct worker {
  pid_t pid;    /* 0: not running */
  int wfd, rfd; /* to the child's stdin, from its stdout (nonblocking) */
  int busy;
} worker;

struct fc_kprov {
  int external;
  const fc_kernels *k;        /* built-in */
  char name[64];
  fc_kernel_arith arith;
  int abi;                    /* the version the kernel declared */
  unsigned mask;
  double timeout;
  char *argv_store;           /* external: sh -c CMD, or host PLUGIN */
  char *argv[4];
  pthread_mutex_t mu;
  worker w[MAXWORKERS];
};

static const char *const kc_names[FC_KC_COUNT] = {
    "hello", "rope_apply", "attention", "attention_block", "fold_weights",
    "sign_quant", "allocate_bits"};

const char *fc_kc_name(int c)
{
  return c >= 0 && c < FC_KC_COUNT ? kc_names[c] : "?";
}

int fc_kprov_is_external(const char *spec)
{
  if (spec == NULL)
    return 0;
  size_t n = strlen(spec);
  return strncmp(spec, "exec:", 5) == 0 || strchr(spec, '/') != NULL ||
         (n > 3 && strcmp(spec + n - 3, ".so") == 0);
}

const fc_kernel_arith *fc_kprov_arith(const fc_kprov *p) { return &p->arith; }
const char *fc_kprov_name(const fc_kprov *p) { return p->name; }
double fc_kprov_timeout(const fc_kprov *p) { return p->timeout; }
int fc_kprov_has(const fc_kprov *p, int c)
{
  return c > 0 && c < FC_KC_COUNT && (p->mask >> c & 1u);
}
void fc_kprov_set_arith(fc_kprov *p, const fc_kernel_arith *a)
{
  p->arith = *a;
}

/* ------------------------------------------------------------ built-in */

int fc_kprov_builtin(fc_kprov **pp, const fc_kernels *k)
{
  if (pp == NULL || k == NULL)
    return FC_EINVAL;
  fc_kprov *p = calloc(1, sizeof *p);
  if (p == NULL)
    return FC_ENOMEM;
  p->k = k;
  snprintf(p->name, sizeof p->name, "%s", fc_kernels_name(k));
  p->arith.storage = FC_FMT_FP64;
  p->arith.accum = FC_FMT_FP64;
  p->arith.elementwise = FC_ELEMENTWISE_AS_ACCUM;
  p->abi = FC_KERNEL_ABI_VERSION;
  p->mask = (1u << FC_KC_ROPE) | (1u << FC_KC_ATTENTION) |
            (1u << FC_KC_BLOCK) | (1u << FC_KC_FOLD) | (1u << FC_KC_SIGN) |
            (1u << FC_KC_ALLOC);
  p->timeout = 0;
  *pp = p;
  return FC_OK;
}

static void sched_of(fc_schedule *s, const fc_kcall *c, size_t d,
                     int64_t layout, int64_t rot, const double *theta)
{
  s->d = d;
  s->rotary_dim = (size_t)rot;
  s->layout = layout == FC_ROPE_HALF ? FC_LAYOUT_HALF : FC_LAYOUT_INTERLEAVED;
  s->theta = theta;
  (void)c;
}

/* The built-in tables read and write doubles (fp64 storage): the call's
 * arrays are used in place. */
static int builtin_call(const fc_kernels *k, fc_kcall *c)
{
  switch (c->contract) {
  case FC_KC_ROPE: {
    const size_t rows = (size_t)c->ip[0], d = (size_t)c->ip[1];
    fc_schedule s;
    sched_of(&s, c, d, c->ip[2], c->ip[3], c->in[2]);
    const double *in = c->in[0];
    const int64_t *pos = c->in[1];
    double *out = c->out[0];
    for (size_t r = 0; r < rows; r++)
      k->rope->apply(out + r * d, in + r * d, &s, (long)pos[r]);
    return FC_OK;
  }
  case FC_KC_ATTENTION: {
    const size_t T = (size_t)c->ip[0], d = (size_t)c->ip[1],
                 H = (size_t)c->ip[2], kv = (size_t)c->ip[3];
    const int causal = (int)c->ip[4];
    const double *q = c->in[0], *kk = c->in[1], *v = c->in[2];
    double *ctx = c->out[0];
    double *s = malloc(T * T * sizeof *s);
    if (s == NULL)
      return FC_ENOMEM;
    int rc = FC_OK;
    for (size_t h = 0; h < H && rc == FC_OK; h++) {
      const size_t g = h / (H / kv);
      rc = k->attn->scores(k, s, q + h * d, H * d, kk + g * d, kv * d, T,
                           d, causal);
      if (rc == FC_OK)
        rc = k->attn->softmax(s, s, T);
      if (rc == FC_OK)
        rc = k->attn->gemm(ctx + h * d, H * d, s, T, v + g * d, kv * d, 0,
                           T, d, T);
    }
    free(s);
    return rc;
  }
  case FC_KC_BLOCK: {
    fc_attn_block b;
    memset(&b, 0, sizeof b);
    b.g.T = (size_t)c->ip[0];
    b.g.dm = (size_t)c->ip[1];
    b.g.d = (size_t)c->ip[2];
    b.g.heads = (size_t)c->ip[3];
    b.g.kv = (size_t)c->ip[4];
    b.g.dout = b.g.dm;
    b.causal = (int)c->ip[5];
    b.residual = (int)c->ip[6];
    b.x = c->in[0];
    b.wq = c->in[1];
    b.wk = c->in[2];
    b.wv = c->in[3];
    b.wo = c->in[4];
    b.gain = c->ip[7] ? c->in[5] : NULL;
    b.eps = c->fp[0];
    const int64_t *p64 = c->in[6];
    long *pos = malloc(b.g.T * sizeof *pos);
    fc_schedule *sc = malloc(b.g.kv * sizeof *sc);
    if (pos == NULL || sc == NULL) {
      free(pos);
      free(sc);
      return FC_ENOMEM;
    }
    for (size_t t = 0; t < b.g.T; t++)
      pos[t] = (long)p64[t];
    for (size_t g = 0; g < b.g.kv; g++)
      sched_of(&sc[g], c, b.g.d, c->ip[8], c->ip[9], c->in[7]);
    b.pos = pos;
    b.sched = sc;
    fc_attn_out o;
    memset(&o, 0, sizeof o);
    o.out = c->out[0];
    int rc = k->attn->block(k, &o, &b);
    free(pos);
    free(sc);
    return rc;
  }
  case FC_KC_FOLD: {
    const size_t d = (size_t)c->ip[0], n = (size_t)c->ip[1];
    if (c->ip[2] == 0)
      return k->attn->fold_left(k, c->out[0], n, c->in[1], c->in[0], d, n);
    return k->attn->fold_right_t(k, c->out[0], d, c->in[0], c->in[1], n, d);
  }
  case FC_KC_SIGN: {
    const size_t d = (size_t)c->ip[0];
    const double *kk = c->in[0];
    k->quant->sign(c->out[0], kk, d);
    double a = 0;
    for (size_t i = 0; i < d; i++)
      a += fabs(kk[i]);
    a /= (double)d;
    memcpy(c->out[1], &a, sizeof a);
    return FC_OK;
  }
  case FC_KC_ALLOC: {
    int bits = 0;
    const int rc = k->quant->alloc_plain(&bits, NULL, c->in[0],
                                         (size_t)c->ip[0], (size_t)c->ip[1],
                                         (long)c->ip[2]);
    const int32_t b = bits;
    memcpy(c->out[0], &b, sizeof b);
    return rc;
  }
  default:
    return FC_EINVAL;
  }
}

/* ------------------------------------------------------------ frame I/O */

int fc_kp_write_all(int fd, const void *b, size_t n)
{
  const char *p = b;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return FC_EIO;
    p += w;
    n -= (size_t)w;
  }
  return FC_OK;
}

int fc_kp_read_all(int fd, void *b, size_t n)
{
  char *p = b;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return FC_EIO;
    p += r;
    n -= (size_t)r;
  }
  return FC_OK;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Nonblocking I/O against a deadline: FC_OK, FC_EIO (EOF/error), or
 * FC_ERANGE (deadline passed). */
static int io_deadline(int fd, void *buf, size_t n, int writing,
                       double deadline)
{
  char *p = buf;
  while (n > 0) {
    double left = deadline - now_s();
    if (left <= 0)
      return FC_ERANGE;
    struct pollfd pf = {fd, (short)(writing ? POLLOUT : POLLIN), 0};
    int pr = poll(&pf, 1, (int)(left * 1000) + 1);
    if (pr < 0 && errno == EINTR)
      continue;
    if (pr < 0)
      return FC_EIO;
    if (pr == 0)
      continue;
    ssize_t r = writing ? write(fd, p, n) : read(fd, p, n);
    if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
      continue;
    if (r <= 0)
      return FC_EIO;
    p += r;
    n -= (size_t)r;
  }
  return FC_OK;
}

static const char *signame(int s)
{
  switch (s) {
  case SIGSEGV: return "SIGSEGV";
  case SIGBUS: return "SIGBUS";
  case SIGABRT: return "SIGABRT";
  case SIGFPE: return "SIGFPE";
  case SIGILL: return "SIGILL";
  case SIGKILL: return "SIGKILL";
  case SIGTERM: return "SIGTERM";
  default: return "signal";
  }
}

static void worker_kill(worker *w)
{
  if (w->pid > 0) {
    kill(w->pid, SIGKILL);
    while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
      ;
  }
  if (w->wfd >= 0)
    close(w->wfd);
  if (w->rfd >= 0)
    close(w->rfd);
  w->pid = 0;
  w->wfd = w->rfd = -1;
}

/* The child ended its output: reap it (waiting up to 1 s for it to exit)
 * and describe how it ended. */
static void worker_reap(worker *w, char *why, size_t n, const char *when)
{
  int st = 0;
  pid_t r = 0;
  for (int i = 0; i < 100 && r == 0; i++) {
    r = waitpid(w->pid, &st, WNOHANG);
    if (r == 0) {
      struct timespec ts = {0, 10000000};
      nanosleep(&ts, NULL);
    }
  }
  if (r == w->pid && WIFSIGNALED(st))
    snprintf(why, n, "kernel crashed: %s in %s", signame(WTERMSIG(st)), when);
  else if (r == w->pid && WIFEXITED(st))
    snprintf(why, n, "kernel process exited with status %d in %s",
             WEXITSTATUS(st), when);
  else
    snprintf(why, n, "kernel closed its output in %s", when);
  if (r == w->pid)
    w->pid = 0;
  worker_kill(w);
}

static int worker_start(fc_kprov *p, worker *w, char *why, size_t n)
{
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0)
    return FC_EIO;
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    return FC_EIO;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  pid_t pid;
  int rc = posix_spawn(&pid, p->argv[0], &fa, NULL, p->argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    snprintf(why, n, "cannot start %s: %s", p->argv[0], strerror(rc));
    return FC_EIO;
  }
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  w->pid = pid;
  w->wfd = in[1];
  w->rfd = out[0];
  return FC_OK;
}

static void put32(unsigned char *b, uint32_t v) { memcpy(b, &v, 4); }

/* One request/reply on a running worker.  FC_OK, FC_EKERNEL (why set;
 * worker killed when it is unusable), FC_ENOMEM. */
static int worker_call(fc_kprov *p, worker *w, fc_kcall *c, char *why,
                       size_t nwhy)
{
  const double deadline = now_s() + p->timeout;
  unsigned char hdr[144];
  put32(hdr, FC_KP_MAGIC);
  put32(hdr + 4, FC_KP_VERSION);
  put32(hdr + 8, (uint32_t)c->contract);
  put32(hdr + 12, (uint32_t)c->nin);
  memcpy(hdr + 16, c->ip, 96);
  memcpy(hdr + 112, c->fp, 32);
  int rc = io_deadline(w->wfd, hdr, sizeof hdr, 1, deadline);
  for (size_t i = 0; i < c->nin && rc == FC_OK; i++) {
    uint64_t nb = c->in_bytes[i];
    rc = io_deadline(w->wfd, &nb, 8, 1, deadline);
    if (rc == FC_OK && nb > 0)
      rc = io_deadline(w->wfd, (void *)(uintptr_t)c->in[i], nb, 1, deadline);
  }
  unsigned char rh[24];
  if (rc == FC_OK)
    rc = io_deadline(w->rfd, rh, sizeof rh, 0, deadline);
  const char *what = fc_kc_name(c->contract);
  if (rc == FC_ERANGE) {
    snprintf(why, nwhy, "kernel timed out after %g s in %s", p->timeout, what);
    worker_kill(w);
    return FC_EKERNEL;
  }
  if (rc != FC_OK) {
    worker_reap(w, why, nwhy, what);
    return FC_EKERNEL;
  }
  uint32_t magic, narr;
  int32_t status;
  memcpy(&magic, rh, 4);
  memcpy(&status, rh + 4, 4);
  memcpy(&narr, rh + 8, 4);
  memcpy(&c->claimed, rh + 16, 8);
  if (magic != FC_KP_MAGIC) {
    snprintf(why, nwhy, "kernel sent a malformed reply (bad magic) in %s",
             what);
    worker_kill(w);
    return FC_EKERNEL;
  }
  if (status != 0) {
    snprintf(why, nwhy, "kernel returned status %d in %s", (int)status, what);
    if (narr != 0) /* a failing reply carries no arrays */
      worker_kill(w);
    return FC_EKERNEL;
  }
  if (narr != c->nout) {
    snprintf(why, nwhy, "kernel sent %u arrays, expected %zu in %s", narr,
             c->nout, what);
    worker_kill(w);
    return FC_EKERNEL;
  }
  for (size_t i = 0; i < c->nout; i++) {
    uint64_t nb;
    rc = io_deadline(w->rfd, &nb, 8, 0, deadline);
    if (rc == FC_OK && i == 0 && c->out_min0 > 0 && nb >= c->out_min0 &&
        nb <= c->out_bytes[0])
      c->out_got0 = (size_t)nb; /* a shorter form the call accepts */
    else if (rc == FC_OK && nb != c->out_bytes[i]) {
      snprintf(why, nwhy,
               "kernel sent an array of %llu bytes, expected %zu in %s",
               (unsigned long long)nb, c->out_bytes[i], what);
      worker_kill(w);
      return FC_EKERNEL;
    }
    if (rc == FC_OK)
      rc = io_deadline(w->rfd, c->out[i], nb, 0, deadline);
    if (rc == FC_ERANGE) {
      snprintf(why, nwhy, "kernel timed out after %g s in %s", p->timeout,
               what);
      worker_kill(w);
      return FC_EKERNEL;
    }
    if (rc != FC_OK) {
      worker_reap(w, why, nwhy, what);
      return FC_EKERNEL;
    }
  }
  return FC_OK;
}

/* Hello on a fresh worker: fills abi, arith, mask, name.  The reply is
 * 80 bytes (a two-part declaration: elementwise = accum) or 84 (an i32
 * elementwise format appended): provider.h. */
static int hello(fc_kprov *p, worker *w, int *abi, fc_kernel_arith *a,
                 unsigned *mask, char *name, char *why, size_t n)
{
  unsigned char info[FC_KP_HELLO_BYTES3];
  memset(info, 0, sizeof info);
  fc_kcall c;
  memset(&c, 0, sizeof c);
  c.contract = FC_KC_HELLO;
  c.nout = 1;
  c.out[0] = info;
  c.out_bytes[0] = FC_KP_HELLO_BYTES3;
  c.out_min0 = FC_KP_HELLO_BYTES;
  c.out_got0 = FC_KP_HELLO_BYTES3;
  int rc = worker_call(p, w, &c, why, n);
  if (rc != FC_OK)
    return rc;
  if (c.out_got0 != FC_KP_HELLO_BYTES && c.out_got0 != FC_KP_HELLO_BYTES3) {
    snprintf(why, n, "kernel sent a hello of %zu bytes, expected %d or %d",
             c.out_got0, FC_KP_HELLO_BYTES, FC_KP_HELLO_BYTES3);
    worker_kill(w);
    return FC_EKERNEL;
  }
  int32_t v[3], e = 0;
  uint32_t m;
  memcpy(v, info, 12);
  memcpy(&m, info + 12, 4);
  *abi = v[0];
  a->storage = v[1];
  a->accum = v[2];
  a->elementwise = FC_ELEMENTWISE_AS_ACCUM;
  if (c.out_got0 == FC_KP_HELLO_BYTES3) {
    memcpy(&e, info + 80, 4);
    /* a plain FC_FMT_* (validated by the caller with the rest) */
    a->elementwise = e >= 0 && e <= 0xff ? FC_ELEMENTWISE(e) : -1;
  }
  *mask = m;
  memcpy(name, info + 16, 63);
  name[63] = '\0';
  return FC_OK;
}

static int acquire(fc_kprov *p, worker **out)
{
  pthread_mutex_lock(&p->mu);
  worker *best = NULL;
  for (int i = 0; i < MAXWORKERS; i++) {
    worker *w = &p->w[i];
    if (w->busy)
      continue;
    if (best == NULL || (w->pid > 0 && best->pid == 0))
      best = w;
  }
  if (best)
    best->busy = 1;
  pthread_mutex_unlock(&p->mu);
  *out = best;
  return best ? FC_OK : FC_ENOMEM;
}

static void release(fc_kprov *p, worker *w)
{
  pthread_mutex_lock(&p->mu);
  w->busy = 0;
  pthread_mutex_unlock(&p->mu);
}

int fc_kprov_call(fc_kprov *p, fc_kcall *c, char *why, size_t nwhy)
{
  if (p == NULL || c == NULL)
    return FC_EINVAL;
  c->claimed = NAN;
  if (!fc_kprov_has(p, c->contract))
    return FC_ENOTPROVIDED;
  if (!p->external)
    return builtin_call(p->k, c);
  worker *w;
  int rc = acquire(p, &w);
  if (rc != FC_OK)
    return rc;
  if (w->pid == 0) {
    rc = worker_start(p, w, why, nwhy);
    if (rc == FC_OK) {
      int abi;
      fc_kernel_arith a;
      unsigned m;
      char nm[64];
      rc = hello(p, w, &abi, &a, &m, nm, why, nwhy);
      if (rc == FC_OK && (abi != p->abi || m != p->mask)) {
        snprintf(why, nwhy, "kernel changed its handshake on restart");
        worker_kill(w);
        rc = FC_EKERNEL;
      }
    }
    /* A restart (after an earlier call crashed or timed out) that fails
     * says nothing about THIS call's inputs: an error of the run, never a
     * failing case, or the shrinker would adopt any candidate that merely
     * met a slow restart and end on a case where the bug does not occur. */
    if (rc == FC_EKERNEL) {
      char tmp[160];
      snprintf(tmp, sizeof tmp, "%s", why);
      snprintf(why, nwhy, "the kernel process did not restart: %s", tmp);
      rc = FC_EIO;
    }
  }
  if (rc == FC_OK)
    rc = worker_call(p, w, c, why, nwhy);
  release(p, w);
  return rc;
}

/* ---------------------------------------------------------------- open */

int fc_kprov_find_host(char *buf, size_t n)
{
  const char *env = getenv("FOLDCHECK_KERNEL_HOST");
  if (env && *env) {
    snprintf(buf, n, "%s", env);
    return access(buf, X_OK) == 0 ? FC_OK : FC_ENOTFOUND;
  }
  char self[PATH_MAX];
  int have_dir = 0; /* self holds the program's directory */
  ssize_t r = readlink("/proc/self/exe", self, sizeof self - 1);
  if (r > 0) {
    self[r] = '\0';
    char *slash = strrchr(self, '/');
    if (slash) {
      *slash = '\0';
      have_dir = 1;
      /* The build tree (libtool puts the real binary in .libs/). */
      const char *cand[] = {"%s/foldcheck-kernel-host",
                            "%s/../foldcheck-kernel-host",
                            "%s/../../foldcheck-kernel-host"};
      for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
        snprintf(buf, n, cand[i], self);
        if (access(buf, X_OK) == 0)
          return FC_OK;
      }
    }
  }
  /* The configured libexecdir (fc_dirs.h, regenerated when the prefix
   * changes), then PREFIX/libexec beside an installed PREFIX/bin, so a
   * tree moved as a whole still finds its host. */
  snprintf(buf, n, "%s/foldcheck-kernel-host", FC_LIBEXECDIR);
  if (access(buf, X_OK) == 0)
    return FC_OK;
  if (have_dir) {
    snprintf(buf, n, "%s/../libexec/foldcheck-kernel-host", self);
    if (access(buf, X_OK) == 0)
      return FC_OK;
  }
  return FC_ENOTFOUND;
}

int fc_kprov_open(fc_kprov **pp, const char *spec, double timeout,
                  const char *host, fc_error *err)
{
  if (pp == NULL || spec == NULL || !(timeout > 0))
    return fc_error_set(err, FC_EINVAL, "bad kernel provider arguments");
  if (!fc_kprov_is_external(spec)) {
    const fc_kernels *k = fc_kernels_find(spec);
    if (k == NULL)
      return fc_error_set(err, FC_ENOTFOUND, "unknown kernel table '%s'",
                          spec);
    return fc_kprov_builtin(pp, k);
  }
  /* A pipe whose reader died must give EPIPE, not kill the harness. */
  signal(SIGPIPE, SIG_IGN);
  fc_kprov *p = calloc(1, sizeof *p);
  if (p == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  pthread_mutex_init(&p->mu, NULL);
  for (int i = 0; i < MAXWORKERS; i++)
    p->w[i].wfd = p->w[i].rfd = -1;
  p->external = 1;
  p->timeout = timeout;
  char hostbuf[PATH_MAX];
  if (strncmp(spec, "exec:", 5) == 0) {
    if (spec[5] == '\0') {
      fc_kprov_close(p);
      return fc_error_set(err, FC_EINVAL, "--kernels exec: needs a command");
    }
    /* sh -c 'exec CMD ARGS': the shell's quoting, and the command itself
     * becomes the child (signals and exit statuses are its own). */
    size_t n = strlen(spec) + 8;
    p->argv_store = malloc(n);
    if (p->argv_store == NULL) {
      fc_kprov_close(p);
      return fc_error_set(err, FC_ENOMEM, "out of memory");
    }
    snprintf(p->argv_store, n, "exec %s", spec + 5);
    p->argv[0] = (char *)"/bin/sh";
    p->argv[1] = (char *)"-c";
    p->argv[2] = p->argv_store;
  } else {
    if (access(spec, R_OK) != 0) {
      fc_kprov_close(p);
      return fc_error_set(err, FC_ENOTFOUND, "cannot read plugin '%s'",
                          spec);
    }
    if (host == NULL) {
      if (fc_kprov_find_host(hostbuf, sizeof hostbuf) != FC_OK) {
        fc_kprov_close(p);
        return fc_error_set(err, FC_ENOTFOUND,
                            "cannot find foldcheck-kernel-host (set "
                            "FOLDCHECK_KERNEL_HOST)");
      }
      host = hostbuf;
    }
    size_t n = strlen(host) + strlen(spec) + 2;
    p->argv_store = malloc(n);
    if (p->argv_store == NULL) {
      fc_kprov_close(p);
      return fc_error_set(err, FC_ENOMEM, "out of memory");
    }
    snprintf(p->argv_store, n, "%s", host);
    memcpy(p->argv_store + strlen(host) + 1, spec, strlen(spec) + 1);
    p->argv[0] = p->argv_store;
    p->argv[1] = p->argv_store + strlen(host) + 1;
  }
  char why[200] = "";
  worker *w = &p->w[0];
  int rc = worker_start(p, w, why, sizeof why);
  int abi = 0;
  if (rc == FC_OK)
    rc = hello(p, w, &abi, &p->arith, &p->mask, p->name, why, sizeof why);
  if (rc != FC_OK) {
    fc_kprov_close(p);
    return fc_error_set(err, FC_EIO, "%s: handshake failed: %s", spec,
                        why[0] ? why : fc_strerror(rc));
  }
  if (abi < 1 || abi > FC_KERNEL_ABI_VERSION) {
    fc_kprov_close(p);
    return fc_error_set(err, FC_EVERSION,
                        "%s: kernel ABI version %d, this foldcheck speaks "
                        "versions 1 to %d (rebuild the plugin against "
                        "foldcheck/kernel.h)",
                        spec, abi, FC_KERNEL_ABI_VERSION);
  }
  p->abi = abi;
  if (!fc_arith_valid(&p->arith)) {
    /* The message reads p: format it before p is freed. */
    if (p->arith.elementwise == FC_ELEMENTWISE_AS_ACCUM)
      fc_error_set(err, FC_EINVAL, "%s: unknown arithmetic (storage %d, "
                   "accum %d)", spec, p->arith.storage, p->arith.accum);
    else
      fc_error_set(err, FC_EINVAL, "%s: unknown arithmetic (storage %d, "
                   "elementwise %d, accum %d)", spec, p->arith.storage,
                   p->arith.elementwise == -1 ? -1
                                              : p->arith.elementwise & 0xff,
                   p->arith.accum);
    fc_kprov_close(p);
    return FC_EINVAL;
  }
  p->mask &= (1u << FC_KC_COUNT) - 2;
  if (p->name[0] == '\0')
    snprintf(p->name, sizeof p->name, "%s", spec);
  *pp = p;
  return FC_OK;
}

void fc_kprov_close(fc_kprov *p)
{
  if (p == NULL)
    return;
  if (p->external) {
    for (int i = 0; i < MAXWORKERS; i++)
      if (p->w[i].pid > 0 || p->w[i].wfd >= 0) {
        /* Closing its stdin asks the child to end; then it is reaped. */
        worker_kill(&p->w[i]);
      }
    pthread_mutex_destroy(&p->mu);
  }
  free(p->argv_store);
  free(p);
}
