/* audit_cmd.c -- `foldcheck audit ORIGINAL_DIR REWRITTEN_DIR` (issue 12).
 *
 * Exit status: 0 every audited head is foldable (or pruned, exactly),
 * every certified block stays within its storage bound and a residual
 * rotation, where one is audited, is consistent; 1 otherwise (a bias not
 * folded with its weight included); 2 bad usage or a malformed
 * checkpoint (one line on stderr naming the file and tensor); 130/143
 * interrupted by SIGINT/SIGTERM (no report written). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "foldcheck.h"
#include "cli.h"
#include "ckpt/audit.h"
#include "ckpt/stream.h"
#include "engine/safeio.h"

static void help(void)
{
  printf("usage: foldcheck audit ORIGINAL_DIR REWRITTEN_DIR [options]\n"
         "       foldcheck audit CKPT_DIR --rotation FILE [options]\n"
         "Recover per layer and head the maps folded into Wq, Wk, Wv, Wo of a\n"
         "rewritten Hugging Face checkpoint (config.json + safetensors), judge\n"
         "them against the folding theorems (orthogonal? in the RoPE commutant?\n"
         "Wo compensated?) with bounds from the weights' storage precision, and\n"
         "certify the rewritten block against the original with the MPFR oracle.\n"
         "q/k/v/o biases, where present, are checked under the maps of their\n"
         "weights.  Verdicts: foldable, vo-only, online (F6 b), broken, pruned.\n\n"
         "  --rotation FILE        audit the fold of a rotation file (JSON:\n"
         "                         {\"rotation\": d x d} for every layer and KV\n"
         "                         group, or {\"rotations\": [layer][group][d][d]})\n"
         "                         into CKPT_DIR, computed in double\n"
         "  --layers LIST          layers to audit, e.g. 0,2-5 (default all)\n"
         "  --certify-layers LIST  layers to certify, among the audited ones\n"
         "                         (default a sample: the first, middle and\n"
         "                         last audited layer, the first and last KV\n"
         "                         group of each, 256 output rows)\n"
         "  --certify-all          certify every KV group of every audited\n"
         "                         layer, every output row\n"
         "  --cases N              certification inputs per KV group (default 2;\n"
         "                         0: no certification)\n"
         "  --tokens T             tokens per input (default 4)\n"
         "  --seed S               seed of the drawn inputs (default 1)\n"
         "  --prec BITS            oracle precision (default 128)\n"
         "  --rewrite-arith f32|f64  arithmetic the rewriter used (default f32)\n"
         "  --residual auto|on|off  residual-stream rotation (QuaRot): recover\n"
         "                         one hidden x hidden Q with the norm gains\n"
         "                         fused, check every layer, MLP, embeddings\n"
         "                         and lm_head use it, then judge the heads on\n"
         "                         the de-rotated weights (default auto: on\n"
         "                         when the rewrite changed a norm weight or\n"
         "                         the embeddings; Llama-family names)\n"
         "  --online-hadamard down_proj  state an online Hadamard before\n"
         "                         down_proj that the checkpoint does not hold:\n"
         "                         down_proj' = Q down_proj H^T is expected\n"
         "  --format text|json|markdown|html  (default text)\n"
         "  --output FILE          write the report there, when the audit is\n"
         "                         complete (replaced atomically; left as it\n"
         "                         was after an error, Ctrl-C or SIGTERM)\n"
         "  --threads N            BLAS threads (default 1)\n"
         "  --progress             a progress bar on stderr (a line per step\n"
         "                         when stderr is no terminal)\n");
}

/* "0,2-5" -> mask[0..n) */
static int parse_list(unsigned char *mask, size_t n, const char *s,
                      const char *what)
{
  memset(mask, 0, n);
  const char *p = s;
  if (*p == '\0')
    return fc_cli_usage_error("%s expects a list like 0,2-5", what);
  while (*p) {
    char *e;
    errno = 0;
    long a = strtol(p, &e, 10), b = a;
    if (e == p || errno || a < 0)
      return fc_cli_usage_error("%s: bad layer list '%s'", what, s);
    p = e;
    if (*p == '-') {
      b = strtol(p + 1, &e, 10);
      if (e == p + 1 || errno || b < a)
        return fc_cli_usage_error("%s: bad layer range in '%s'", what, s);
      p = e;
    }
    if ((size_t)b >= n)
      return fc_cli_usage_error("%s: layer %ld beyond the model's %zu layers",
                                what, b, n);
    for (long i = a; i <= b; i++)
      mask[i] = 1;
    if (*p == ',')
      p++;
    else if (*p)
      return fc_cli_usage_error("%s: bad layer list '%s'", what, s);
  }
  return 0;
}

static int parse_l(long *v, const char *s, long lo, long hi, const char *what)
{
  char *e;
  errno = 0;
  long x = strtol(s, &e, 10);
  if (*s == '\0' || *e || errno || x < lo || x > hi)
    return fc_cli_usage_error("%s expects an integer in [%ld, %ld], got '%s'",
                              what, lo, hi, s);
  *v = x;
  return 0;
}

/* The --progress bar: redrawn in place on a terminal, a line per step
 * otherwise (logs). */
static void bar(void *arg, size_t done, size_t total, double sec,
                const char *what)
{
  int tty = *(const int *)arg;
  int w = 30, k = total ? (int)((double)w * (double)done / (double)total) : w;
  if (!tty) {
    fprintf(stderr, "audit: %zu/%zu %s (%.1f s)\n", done, total, what, sec);
    return;
  }
  fprintf(stderr, "\raudit [%.*s%.*s] %zu/%zu %6.1f s  %-32s", k,
          "##############################", w - k,
          "..............................", done, total, sec, what);
  if (done == total)
    fputc('\n', stderr);
  fflush(stderr);
}

typedef struct audit_out {
  const fc_audit *au;
  fc_format fmt;
} audit_out;

/* fc_file_writer: the audit report in its format. */
static int put_audit(FILE *f, void *arg)
{
  const audit_out *ao = arg;
  return fc_audit_write(f, ao->au, ao->fmt);
}

int fc_cli_audit(int argc, char **argv)
{
  enum { O_LAYERS = 256, O_CERT, O_CASES, O_TOKENS, O_SEED, O_PREC, O_ARITH,
         O_FORMAT, O_OUTPUT, O_THREADS, O_PROGRESS, O_HELP, O_ROT,
         O_CERT_ALL, O_RESIDUAL, O_OHAD };
  static const struct option lo[] = {
      {"layers", required_argument, 0, O_LAYERS},
      {"certify-layers", required_argument, 0, O_CERT},
      {"cases", required_argument, 0, O_CASES},
      {"tokens", required_argument, 0, O_TOKENS},
      {"seed", required_argument, 0, O_SEED},
      {"prec", required_argument, 0, O_PREC},
      {"rewrite-arith", required_argument, 0, O_ARITH},
      {"format", required_argument, 0, O_FORMAT},
      {"output", required_argument, 0, O_OUTPUT},
      {"threads", required_argument, 0, O_THREADS},
      {"progress", no_argument, 0, O_PROGRESS},
      {"help", no_argument, 0, O_HELP},
      {"rotation", required_argument, 0, O_ROT},
      {"certify-all", no_argument, 0, O_CERT_ALL},
      {"residual", required_argument, 0, O_RESIDUAL},
      {"online-hadamard", required_argument, 0, O_OHAD},
      {0, 0, 0, 0}};
  const char *layers = NULL, *cert = NULL, *output = NULL, *rotf = NULL;
  long cases = 2, tokens = 4, prec = 128, threads = 1;
  uint64_t seed = 1;
  double uarith = ldexp(1, -24);
  fc_format fmt = FC_FORMAT_TEXT;
  int progress = 0, cert_all = 0, ohad = 0, c;
  fc_residual_mode resid = FC_RESIDUAL_AUTO;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    switch (c) {
    case O_LAYERS: layers = optarg; break;
    case O_CERT: cert = optarg; break;
    case O_CASES:
      if (parse_l(&cases, optarg, 0, 1000, "--cases")) return 2;
      break;
    case O_TOKENS:
      if (parse_l(&tokens, optarg, 1, 64, "--tokens")) return 2;
      break;
    case O_PREC:
      if (parse_l(&prec, optarg, FC_PREC_MIN, 4096, "--prec")) return 2;
      break;
    case O_THREADS:
      if (parse_l(&threads, optarg, 1, 64, "--threads")) return 2;
      break;
    case O_SEED: {
      char *e;
      errno = 0;
      if (*optarg == '-' || *optarg == '\0')
        return fc_cli_usage_error("--seed expects a non-negative integer");
      unsigned long long v = strtoull(optarg, &e, 0);
      if (*e || errno)
        return fc_cli_usage_error("--seed expects an integer below 2^64, got '%s'",
                                  optarg);
      seed = v;
      break;
    }
    case O_ARITH:
      if (strcmp(optarg, "f32") == 0)
        uarith = ldexp(1, -24);
      else if (strcmp(optarg, "f64") == 0)
        uarith = ldexp(1, -53);
      else
        return fc_cli_usage_error("--rewrite-arith expects f32 or f64, got '%s'",
                                  optarg);
      break;
    case O_FORMAT:
      if (fc_format_parse(&fmt, optarg) != FC_OK || fmt == FC_FORMAT_TAP ||
          fmt == FC_FORMAT_JUNIT)
        return fc_cli_usage_error("unknown audit format '%s' (text, json, "
                                  "markdown, html)", optarg);
      break;
    case O_OUTPUT: output = optarg; break;
    case O_ROT: rotf = optarg; break;
    case O_PROGRESS: progress = 1; break;
    case O_CERT_ALL: cert_all = 1; break;
    case O_RESIDUAL:
      if (strcmp(optarg, "auto") == 0)
        resid = FC_RESIDUAL_AUTO;
      else if (strcmp(optarg, "on") == 0)
        resid = FC_RESIDUAL_ON;
      else if (strcmp(optarg, "off") == 0)
        resid = FC_RESIDUAL_OFF;
      else
        return fc_cli_usage_error("--residual expects auto, on or off, got "
                                  "'%s'", optarg);
      break;
    case O_OHAD:
      if (strcmp(optarg, "down_proj") != 0)
        return fc_cli_usage_error("--online-hadamard expects down_proj (the "
                                  "only stated online Hadamard audited), got "
                                  "'%s'", optarg);
      ohad = 1;
      break;
    case O_HELP:
    case 'h': help(); return 0;
    case ':': return fc_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
    default:
      return fc_cli_usage_error("audit: unknown option '%s' (see 'foldcheck "
                                "audit --help')", argv[optind - 1]);
    }
  }
  if (argc - optind != (rotf ? 1 : 2))
    return fc_cli_usage_error("audit expects ORIGINAL_DIR REWRITTEN_DIR, or "
                              "CKPT_DIR --rotation FILE (see 'foldcheck audit "
                              "--help')");
  fc_error err = {0, ""};
  /* An --output that cannot be written is said before the audit runs. */
  if (output && fc_file_check_output(output, &err) != FC_OK)
    return fc_cli_usage_error("%s", err.msg);
  fc_ckpt *a = NULL, *b = NULL;
  double *rot = NULL, rot_u = 0;
  size_t rl = 0, rg = 0;
  int rc = fc_ckpt_open(&a, argv[optind], &err);
  if (rc == FC_OK && !rotf)
    rc = fc_ckpt_open(&b, argv[optind + 1], &err);
  if (rc == FC_OK && rotf) {
    const fc_ckpt_config *cf = fc_ckpt_config_get(a);
    rc = fc_rotation_load(&rot, &rot_u, &rl, &rg, rotf, cf->head_dim,
                          cf->layers, cf->kv_heads, &err);
  }
  if (rc) {
    fc_ckpt_close(a);
    fc_ckpt_close(b);
    return fc_cli_usage_error("%s", err.msg);
  }
  size_t L = fc_ckpt_config_get(a)->layers;
  unsigned char *lm = NULL, *cm = NULL;
  int st = 0;
  if (layers || cert) {
    lm = malloc(L);
    cm = malloc(L);
    if (!lm || !cm)
      st = fc_cli_usage_error("out of memory");
    if (!st && layers)
      st = parse_list(lm, L, layers, "--layers");
    if (!st && cert)
      st = parse_list(cm, L, cert, "--certify-layers");
    /* Certification runs on audited layers only: a certify list outside
     * the audited ones, or with no certification at all, would certify
     * less than asked without a word. */
    for (size_t l = 0; !st && cert && layers && l < L; l++)
      if (cm[l] && !lm[l])
        st = fc_cli_usage_error("--certify-layers %s names layer %zu, which "
                                "--layers %s does not audit (certification "
                                "runs on audited layers only)", cert, l,
                                layers);
    if (!st && cert && cert_all)
      st = fc_cli_usage_error("--certify-layers and --certify-all: one or "
                              "the other");
    if (!st && cert && cases == 0)
      st = fc_cli_usage_error("--certify-layers %s with --cases 0: no "
                              "certification would run", cert);
  }
  if (!st && rotf && (resid == FC_RESIDUAL_ON || ohad))
    st = fc_cli_usage_error("--rotation audits a head-space rotation file: "
                            "%s needs ORIGINAL_DIR REWRITTEN_DIR", ohad
                            ? "--online-hadamard" : "--residual on");
  if (!st && ohad && resid == FC_RESIDUAL_OFF)
    st = fc_cli_usage_error("--online-hadamard with --residual off: the "
                            "Hadamard is audited with the residual stream");
  fc_stream *strm = NULL;
  if (!st && b) {
    fc_env_blas_threads((int)threads);
    if (fc_stream_run(&strm, a, b, ohad && resid == FC_RESIDUAL_AUTO
                      ? FC_RESIDUAL_ON : resid, layers ? lm : NULL, uarith,
                      ohad, &err) != FC_OK)
      st = fc_cli_usage_error("%s", err.msg);
  }
  if (st) {
    free(lm);
    free(cm);
    free(rot);
    fc_ckpt_close(a);
    fc_ckpt_close(b);
    return st;
  }
  fc_env_blas_threads((int)threads);
  int tty = isatty(2);
  /* As run: SIGINT/SIGTERM stop the audit at the next layer or
   * certification input.  The report is written only when the audit is
   * complete, through the safe writer: an error, an interruption or a
   * kill leaves the previous --output file as it was. */
  fc_audit_opts o = {seed, cases, tokens, prec, layers ? lm : NULL,
                     cert ? cm : NULL, uarith, progress, rot, rl, rg, rotf,
                     fc_cli_install_stop(), rot_u, !cert_all, bar, &tty,
                     strm, cert_all ? 0 : FC_AUDIT_CERT_ROWS};
  fc_audit au;
  rc = fc_audit_run(&au, a, b, &o, &err);
  if (rc == FC_OK && !au.interrupted)
    fc_stream_heads(strm, &au);
  int status = 0;
  if (rc == FC_OK && au.interrupted) {
    fprintf(stderr, "foldcheck: interrupted: the audit did not finish; no "
            "report written%s%s%s\n", output ? " ('" : "",
            output ? output : "", output ? "' left as it was)" : "");
    status = fc_cli_stop_status();
  } else if (rc == FC_OK) {
    audit_out ao = {&au, fmt};
    if (output)
      rc = fc_file_write(output, put_audit, &ao, &err);
    else if ((rc = put_audit(stdout, &ao)) != FC_OK)
      fc_error_set(&err, rc, "writing the report: %s", fc_strerror(rc));
  }
  if (rc)
    status = fc_cli_usage_error("%s", err.msg);
  else if (!au.interrupted) {
    status = au.count[FC_VERDICT_FOLDABLE] + au.count[FC_VERDICT_PRUNED] !=
             au.nhead;
    for (size_t i = 0; i < au.ncert; i++)
      status |= !au.cert[i].pass;
    status |= strm != NULL && strm->broken;
  }
  fc_audit_clear(&au);
  fc_stream_free(strm);
  free(rot);
  free(lm);
  free(cm);
  fc_ckpt_close(a);
  fc_ckpt_close(b);
  /* A signal during the final write: the report is complete; the exit
   * status still says the run was signalled, as run's does. */
  return rc == FC_OK && fc_cli_stop_status() ? fc_cli_stop_status() : status;
}
