/* host.c -- foldcheck-kernel-host PLUGIN.so: serve a C kernel plugin over
 * the frame protocol (src/contract/provider.h) on stdin/stdout.
 *
 * foldcheck runs one host per harness thread, so a plugin that crashes,
 * hangs or scribbles over its memory takes down this process only; the
 * harness reaps it, records the verdict and starts a new one.  The host
 * checks every length it reads against the shapes of the request (absurd
 * sizes are refused, not allocated).  Exit status: 0 at end of input, 3
 * when the plugin cannot be loaded (message on stderr). */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "contract/provider.h"
#include "foldcheck/kernel.h"

/* The host is a plain program (no libfoldcheck): its own frame I/O. */
static int host_write_all(int fd, const void *b, size_t n)
{
  const char *p = b;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int host_read_all(int fd, void *b, size_t n)
{
  char *p = b;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/* The plugin struct of ABI version 1 (arith had two fields, so every
 * function pointer sat 8 bytes earlier).  A plugin that says abi_version 1
 * is read with this layout and declares elementwise = accum. */
typedef struct plugin_v1 {
  int abi_version;
  const char *name;
  struct {
    int storage, accum;
  } arith;
  int (*rope_apply)(void *, const void *, size_t, size_t, const int64_t *,
                    const double *, int, size_t, double *);
  int (*attention)(void *, const void *, const void *, const void *, size_t,
                   size_t, size_t, size_t, int, double *);
  int (*attention_block)(void *, const fc_kernel_block_args *, double *);
  int (*fold_weights)(void *, const void *, const void *, size_t, size_t,
                      int, double *);
  int (*sign_quant)(void *, double *, const void *, size_t, double *);
  int (*allocate_bits)(int32_t *, const void *, size_t, size_t, int64_t,
                       double *);
} plugin_v1;

/* The plugin as this header lays it out, whatever version it was built
 * for (an unknown version is passed through: the harness refuses it). */
static void plugin_load(fc_kernel_plugin_t *out, const void *sym)
{
  int abi;
  memcpy(&abi, sym, sizeof abi);
  if (abi == 1) {
    const plugin_v1 *v = sym;
    memset(out, 0, sizeof *out);
    out->abi_version = 1;
    out->name = v->name;
    out->arith.storage = v->arith.storage;
    out->arith.accum = v->arith.accum;
    out->arith.elementwise = FC_ELEMENTWISE_AS_ACCUM;
    out->rope_apply = v->rope_apply;
    out->attention = v->attention;
    out->attention_block = v->attention_block;
    out->fold_weights = v->fold_weights;
    out->sign_quant = v->sign_quant;
    out->allocate_bits = v->allocate_bits;
  } else if (abi == FC_KERNEL_ABI_VERSION) {
    memcpy(out, sym, sizeof *out);
  } else {
    memset(out, 0, sizeof *out);
    out->abi_version = abi;
  }
}

static size_t esz(int f) { return f == 0 ? 8 : f == 1 ? 4 : 2; }

/* Checked a * b (0 on overflow or past the frame limit). */
static size_t mul(size_t a, size_t b)
{
  if (a != 0 && b > FC_KP_MAXBYTES / a)
    return 0;
  return a * b;
}

static int reply(int32_t status, double claimed, size_t n, void *const *arr,
                 const size_t *nb)
{
  unsigned char h[24];
  uint32_t m = FC_KP_MAGIC, na = (uint32_t)n, z = 0;
  memcpy(h, &m, 4);
  memcpy(h + 4, &status, 4);
  memcpy(h + 8, &na, 4);
  memcpy(h + 12, &z, 4);
  memcpy(h + 16, &claimed, 8);
  if (host_write_all(1, h, sizeof h) != 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    uint64_t b = nb[i];
    if (host_write_all(1, &b, 8) != 0 ||
        host_write_all(1, arr[i], nb[i]) != 0)
      return -1;
  }
  return 0;
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: foldcheck-kernel-host PLUGIN.so\n");
    return 2;
  }
  /* dlopen would block for ever opening a FIFO put in the plugin's place
   * (until the handshake times out): refuse what is not a regular file. */
  struct stat ps;
  if (stat(argv[1], &ps) == 0 && !S_ISREG(ps.st_mode)) {
    fprintf(stderr, "foldcheck-kernel-host: '%s' is not a regular file (%s)\n",
            argv[1], S_ISFIFO(ps.st_mode)  ? "a FIFO"
                     : S_ISDIR(ps.st_mode) ? "a directory"
                     : S_ISCHR(ps.st_mode) ? "a character device"
                                           : "not a file");
    return 3;
  }
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    fprintf(stderr, "foldcheck-kernel-host: %s\n", dlerror());
    return 3;
  }
  const void *sym = dlsym(h, FC_KERNEL_PLUGIN_SYMBOL);
  if (sym == NULL) {
    fprintf(stderr, "foldcheck-kernel-host: %s exports no '%s'\n", argv[1],
            FC_KERNEL_PLUGIN_SYMBOL);
    return 3;
  }
  fc_kernel_plugin_t plugin;
  plugin_load(&plugin, sym);
  const fc_kernel_plugin_t *pl = &plugin;
  const size_t es = esz(pl->arith.storage);
  for (;;) {
    unsigned char hdr[144];
    if (host_read_all(0, hdr, sizeof hdr) != 0)
      return 0; /* end of input: the harness is done */
    uint32_t magic, ver, con, narr;
    int64_t ip[12];
    double fp[4];
    memcpy(&magic, hdr, 4);
    memcpy(&ver, hdr + 4, 4);
    memcpy(&con, hdr + 8, 4);
    memcpy(&narr, hdr + 12, 4);
    memcpy(ip, hdr + 16, 96);
    memcpy(fp, hdr + 112, 32);
    if (magic != FC_KP_MAGIC || ver != FC_KP_VERSION || narr > FC_KP_MAXARR) {
      fprintf(stderr, "foldcheck-kernel-host: malformed request\n");
      return 4;
    }
    void *in[FC_KP_MAXARR] = {0};
    size_t inb[FC_KP_MAXARR] = {0};
    int bad = 0;
    for (uint32_t i = 0; i < narr; i++) {
      uint64_t nb;
      if (host_read_all(0, &nb, 8) != 0 || nb > FC_KP_MAXBYTES)
        return 4;
      in[i] = malloc(nb ? nb : 1);
      if (in[i] == NULL || (nb && host_read_all(0, in[i], nb) != 0))
        return 4;
      inb[i] = nb;
    }
    for (int i = 0; i < 12; i++)
      if (ip[i] < 0 || ip[i] > (1 << 24))
        bad = 1;
    double claimed = NAN;
    int32_t st = 0;
    void *out[2] = {0};
    size_t outb[2] = {0};
    size_t nout = 0;
    unsigned char info[FC_KP_HELLO_BYTES3];
    if (con == FC_KC_HELLO) {
      int32_t v[3] = {pl->abi_version, pl->arith.storage, pl->arith.accum};
      /* elementwise as a plain FC_FMT_* (the 84-byte hello); an encoding
       * the harness does not know is passed on as -1 and refused there */
      const int ew = pl->arith.elementwise;
      int32_t e = ew == FC_ELEMENTWISE_AS_ACCUM ? pl->arith.accum
                  : (ew & ~0xff) == FC_ELEMENTWISE(0) ? (ew & 0xff)
                                                       : -1;
      uint32_t m = (pl->rope_apply ? 1u << FC_KC_ROPE : 0) |
                   (pl->attention ? 1u << FC_KC_ATTENTION : 0) |
                   (pl->attention_block ? 1u << FC_KC_BLOCK : 0) |
                   (pl->fold_weights ? 1u << FC_KC_FOLD : 0) |
                   (pl->sign_quant ? 1u << FC_KC_SIGN : 0) |
                   (pl->allocate_bits ? 1u << FC_KC_ALLOC : 0);
      memset(info, 0, sizeof info);
      memcpy(info, v, 12);
      memcpy(info + 12, &m, 4);
      if (pl->name)
        strncpy((char *)info + 16, pl->name, 63);
      memcpy(info + 80, &e, 4);
      out[0] = info;
      outb[0] = ew == FC_ELEMENTWISE_AS_ACCUM ? FC_KP_HELLO_BYTES
                                              : FC_KP_HELLO_BYTES3;
      nout = 1;
    } else if (bad) {
      st = -1;
    } else if (con == FC_KC_ROPE && pl->rope_apply && narr == 3) {
      size_t rows = (size_t)ip[0], d = (size_t)ip[1];
      size_t nb = mul(mul(rows, d), es);
      if (nb == 0 || inb[0] != nb || inb[1] != rows * 8 || inb[2] != d / 2 * 8)
        st = -1;
      else if ((out[0] = calloc(1, nb)) == NULL)
        return 5;
      else {
        outb[0] = nb;
        nout = 1;
        st = pl->rope_apply(out[0], in[0], rows, d, in[1], in[2], (int)ip[2],
                            (size_t)ip[3], &claimed);
      }
    } else if (con == FC_KC_ATTENTION && pl->attention && narr == 3) {
      size_t T = (size_t)ip[0], d = (size_t)ip[1], H = (size_t)ip[2],
             kv = (size_t)ip[3];
      size_t nq = mul(mul(T, H * d), es), nk = mul(mul(T, kv * d), es);
      if (nq == 0 || nk == 0 || kv == 0 || H % kv || inb[0] != nq ||
          inb[1] != nk || inb[2] != nk)
        st = -1;
      else if ((out[0] = calloc(1, nq)) == NULL)
        return 5;
      else {
        outb[0] = nq;
        nout = 1;
        st = pl->attention(out[0], in[0], in[1], in[2], T, d, H, kv,
                           (int)ip[4], &claimed);
      }
    } else if (con == FC_KC_BLOCK && pl->attention_block && narr == 8) {
      fc_kernel_block_args a;
      memset(&a, 0, sizeof a);
      a.T = (size_t)ip[0];
      a.dm = (size_t)ip[1];
      a.d = (size_t)ip[2];
      a.heads = (size_t)ip[3];
      a.kv = (size_t)ip[4];
      a.causal = (int)ip[5];
      a.residual = (int)ip[6];
      a.layout = (int)ip[8];
      a.rotary_dim = (size_t)ip[9];
      a.eps = fp[0];
      size_t nx = mul(mul(a.T, a.dm), es);
      size_t nq = mul(mul(a.heads * a.d, a.dm), es);
      size_t nk = mul(mul(a.kv * a.d, a.dm), es);
      if (nx == 0 || nq == 0 || nk == 0 || a.kv == 0 || a.heads % a.kv ||
          inb[0] != nx || inb[1] != nq || inb[2] != nk || inb[3] != nk ||
          inb[4] != nq || inb[5] != (ip[7] ? a.dm * es : 0) ||
          inb[6] != a.T * 8 || inb[7] != a.d / 2 * 8)
        st = -1;
      else if ((out[0] = calloc(1, nx)) == NULL)
        return 5;
      else {
        a.x = in[0];
        a.wq = in[1];
        a.wk = in[2];
        a.wv = in[3];
        a.wo = in[4];
        a.gain = ip[7] ? in[5] : NULL;
        a.pos = in[6];
        a.theta = in[7];
        outb[0] = nx;
        nout = 1;
        st = pl->attention_block(out[0], &a, &claimed);
      }
    } else if (con == FC_KC_FOLD && pl->fold_weights && narr == 2) {
      size_t d = (size_t)ip[0], n = (size_t)ip[1];
      size_t nw = mul(mul(d, n), es), nr = mul(mul(d, d), es);
      if (nw == 0 || nr == 0 || inb[0] != nw || inb[1] != nr)
        st = -1;
      else if ((out[0] = calloc(1, nw)) == NULL)
        return 5;
      else {
        outb[0] = nw;
        nout = 1;
        st = pl->fold_weights(out[0], in[0], in[1], d, n, (int)ip[2],
                              &claimed);
      }
    } else if (con == FC_KC_SIGN && pl->sign_quant && narr == 1) {
      size_t d = (size_t)ip[0], nb = mul(d, es);
      if (nb == 0 || inb[0] != nb)
        st = -1;
      else if ((out[0] = calloc(1, nb)) == NULL ||
               (out[1] = calloc(1, 8)) == NULL)
        return 5;
      else {
        outb[0] = nb;
        outb[1] = 8;
        nout = 2;
        double al = NAN;
        st = pl->sign_quant(out[0], &al, in[0], d, &claimed);
        memcpy(out[1], &al, 8);
      }
    } else if (con == FC_KC_ALLOC && pl->allocate_bits && narr == 1) {
      size_t n = (size_t)ip[0], d = (size_t)ip[1], nb = mul(mul(n, d), es);
      if (nb == 0 || inb[0] != nb)
        st = -1;
      else if ((out[0] = calloc(1, 4)) == NULL)
        return 5;
      else {
        outb[0] = 4;
        nout = 1;
        int32_t bits = 0;
        st = pl->allocate_bits(&bits, in[0], n, d, ip[2], &claimed);
        memcpy(out[0], &bits, 4);
      }
    } else {
      st = -2; /* not provided or malformed */
    }
    int wr = st == 0 ? reply(0, claimed, nout, out, outb)
                     : reply(st, claimed, 0, NULL, NULL);
    for (uint32_t i = 0; i < narr; i++)
      free(in[i]);
    if (con != FC_KC_HELLO) {
      free(out[0]);
      free(out[1]);
    }
    if (wr != 0)
      return 0;
  }
}
