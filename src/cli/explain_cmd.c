/* explain_cmd.c -- `foldcheck explain fold`: the seed's "DIY Wrapped
 * Foldability Checker" as a command (issue 4).
 *
 *   foldcheck explain fold [--orthogonal yes|no] [--commuting yes|no]
 *                          [--rewrite SET] [--heads N] [--residual yes|no]
 *                          [--cases N] [--seed S] [--prec P]
 *                          [--shrink-steps N] [--kernels TABLE] [--verbose]
 *
 * Toggles: the rotation R is orthogonal or not, commutes with RoPE or not;
 * SET says which of Wq, Wk, Wv, Wo are rewritten ("QKVO", "QK", "V", ...,
 * "none"); N heads (1..8) in the multi-head levels; --residual no skips
 * the residual levels.  For each invariance level
 *   scores, single-head context (ctx' = R ctx when V is rewritten, ctx
 *   otherwise), single-head output, multi-head concat output (per-head
 *   schedules and rotations R_h, one Wo), residual block, transformer shell
 * it runs the harness (fc_run_property on a property built for the
 * toggles: MPFR statement, double conformance and accuracy) and prints held
 * or broken, with the shrunk counterexample of each broken level, and
 * whether the verdict is the one the theorems predict:
 *   scores hold iff Q and K are rewritten together by an orthogonal R that
 *   commutes with RoPE, or neither is; outputs need, besides, V and O
 *   rewritten together by an orthogonal R, or neither.
 * With no toggle it prints the whole lattice: the four kinds of R by the 16
 * rewrite sets, every level, with the shrunk size of each broken cell.
 *
 * Exit status: 0 when every verdict is the predicted one, 1 when one is not
 * (a theorem or a kernel fell short), 2 for bad usage.
 *
 * fc_property's callbacks receive no user pointer, so the properties built
 * here reach their configuration through const trampolines, one per
 * (level, kind of R, heads) for generation and one per rewrite set for the
 * check (the case records everything else); no mutable state is involved.
 *
 * OpenBLAS is pinned to one thread (fc_env_blas_threads(1)) so the double
 * kernels' results do not depend on the machine (see kernels/attn.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "foldcheck.h"
#include "cli.h"
#include "foldx_internal.h"

enum { LV_SCORES, LV_CTX, LV_OUT, LV_CONCAT, LV_RESIDUAL, LV_SHELL, NLV };
enum { KD_COMM, KD_MIX, KD_NONORTH_COMM, KD_NONORTH_MIX, NKD };
#define MAXH 8

static const char *const level_name[NLV] = {
    "scores", "single-head context", "single-head output",
    "multi-head concat output", "residual block", "transformer shell"};
static const char *const level_short[NLV] = {"scores", "ctx", "out",
                                             "concat", "resid", "shell"};

static const char *const a_out[] = {
    "folded_qkvo_attention_block_invariant_of_commutes", NULL};
static const char *const a_ctx[] = {"ropeAttentionHeadContext", NULL};
static const char *const a_concat[] = {
    "concatProjectedMultiHeadRopeAttentionBlockOutput_invariant_of_commutes",
    NULL};
static const char *const a_resid[] = {
    "residualConcatProjectedMultiHeadRopeAttentionBlockOutput_invariant_of_"
    "commutes",
    NULL};
static const char *const a_shell[] = {
    "transformerShellRopeBlockOutput_invariant_of_commutes", NULL};
static const char *const *const level_anchors[NLV] = {
    a_out, a_ctx, a_out, a_concat, a_resid, a_shell};

/* The experiment of one level.  Small maxima on the shrink-friendly grid:
 * counterexamples shrink fast and read easily. */
static int explain_generate(fc_case *c, fc_draw *d, int level, int kind,
                            int heads)
{
  static const unsigned char kinds[NKD] = {
      FX_KIND_COMMUTING, FX_KIND_MIXING, FX_KIND_NONORTH_COMM,
      FX_KIND_NONORTH_MIX};
  const int mixing = kind == KD_MIX || kind == KD_NONORTH_MIX;
  fc_fx_cfg cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.rope = 1;
  cfg.grid = 1;
  cfg.kind = kinds[kind];
  cfg.rewrite = FX_QKVO; /* the check's trampoline sets the real set */
  cfg.d_min = mixing ? 4 : 2; /* mixing needs two frequency planes */
  cfg.T_max = 3;
  cfg.dm_max = 2;
  if (level <= LV_OUT) {
    cfg.heads_min = cfg.heads_max = 1;
    cfg.d_max = 6;
    cfg.output = level == LV_OUT;
    cfg.compare = level == LV_SCORES ? FX_CMP_SCORES
                  : level == LV_CTX  ? FX_CMP_CTX
                                     : FX_CMP_OUT;
  } else {
    cfg.heads_min = cfg.heads_max = (unsigned char)heads;
    cfg.d_max = 4;
    cfg.output = 1;
    cfg.compare = FX_CMP_OUT;
    cfg.residual = level >= LV_RESIDUAL;
    cfg.norm = level == LV_SHELL;
  }
  return fc_fx_generate(c, d, &cfg);
}

/* Generation trampolines gen_L_K_H and their table. */
#define GEN1(L, K, H)                                                        \
  static int gen_##L##_##K##_##H(fc_case *c, fc_draw *d)                     \
  {                                                                          \
    return explain_generate(c, d, L, K, H);                                  \
  }
#define GENH(L, K)                                                           \
  GEN1(L, K, 1) GEN1(L, K, 2) GEN1(L, K, 3) GEN1(L, K, 4) GEN1(L, K, 5)      \
  GEN1(L, K, 6) GEN1(L, K, 7) GEN1(L, K, 8)
#define GENK(L) GENH(L, 0) GENH(L, 1) GENH(L, 2) GENH(L, 3)
GENK(0)
GENK(1)
GENK(2)
GENK(3)
GENK(4)
GENK(5)

#define ROWH(L, K)                                                           \
  {gen_##L##_##K##_1, gen_##L##_##K##_2, gen_##L##_##K##_3,                  \
   gen_##L##_##K##_4, gen_##L##_##K##_5, gen_##L##_##K##_6,                  \
   gen_##L##_##K##_7, gen_##L##_##K##_8}
#define ROWK(L) {ROWH(L, 0), ROWH(L, 1), ROWH(L, 2), ROWH(L, 3)}
typedef int (*gen_fn)(fc_case *, fc_draw *);
static const gen_fn gens[NLV][NKD][MAXH] = {ROWK(0), ROWK(1), ROWK(2),
                                            ROWK(3), ROWK(4), ROWK(5)};

/* Check trampolines chk_M: the rewrite set M (bits FX_Q .. FX_O). */
#define CHK(M)                                                               \
  static int chk_##M(fc_check_result *r, const fc_case *c,                   \
                     const fc_check_ctx *x)                                  \
  {                                                                          \
    return fc_fx_check_with(r, c, x, M, -1);                                 \
  }
CHK(0) CHK(1) CHK(2) CHK(3) CHK(4) CHK(5) CHK(6) CHK(7)
CHK(8) CHK(9) CHK(10) CHK(11) CHK(12) CHK(13) CHK(14) CHK(15)
typedef int (*chk_fn)(fc_check_result *, const fc_case *,
                      const fc_check_ctx *);
static const chk_fn chks[16] = {chk_0,  chk_1,  chk_2,  chk_3, chk_4,  chk_5,
                                chk_6,  chk_7,  chk_8,  chk_9, chk_10, chk_11,
                                chk_12, chk_13, chk_14, chk_15};

/* What the theorems predict for a level. */
static int predicted_held(int level, int kind, int rewrite)
{
  const int orth = kind == KD_COMM || kind == KD_MIX;
  const int comm = kind == KD_COMM || kind == KD_NONORTH_COMM;
  const int q = !!(rewrite & FX_Q), k = !!(rewrite & FX_K);
  const int v = !!(rewrite & FX_V), o = !!(rewrite & FX_O);
  const int scores = (q && k && orth && comm) || (!q && !k);
  if (level == LV_SCORES || level == LV_CTX)
    return scores;
  return scores && ((v && o && orth) || (!v && !o));
}

static void set_name(char *buf, size_t n, int rewrite)
{
  snprintf(buf, n, "%s%s%s%s%s", rewrite & FX_Q ? "Q" : "",
           rewrite & FX_K ? "K" : "", rewrite & FX_V ? "V" : "",
           rewrite & FX_O ? "O" : "", rewrite ? "" : "none");
}

static int parse_set(int *rewrite, const char *s)
{
  if (strcmp(s, "none") == 0) {
    *rewrite = 0;
    return 0;
  }
  int m = 0;
  for (const char *p = s; *p; p++) {
    switch (*p) {
    case 'Q': case 'q': m |= FX_Q; break;
    case 'K': case 'k': m |= FX_K; break;
    case 'V': case 'v': m |= FX_V; break;
    case 'O': case 'o': m |= FX_O; break;
    case ',': case '+': break;
    default: return -1;
    }
  }
  if (m == 0)
    return -1;
  *rewrite = m;
  return 0;
}

static int parse_yes(int *v, const char *s)
{
  if (!strcmp(s, "yes") || !strcmp(s, "y") || !strcmp(s, "1") ||
      !strcmp(s, "true")) {
    *v = 1;
    return 0;
  }
  if (!strcmp(s, "no") || !strcmp(s, "n") || !strcmp(s, "0") ||
      !strcmp(s, "false")) {
    *v = 0;
    return 0;
  }
  return -1;
}

static int parse_long(long *v, const char *s, long lo, long hi)
{
  char *end;
  long x = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || x < lo || x > hi)
    return -1;
  *v = x;
  return 0;
}

/* One cell: run the level's property.  *held: 1 held, 0 broken at the
 * statement level, -1 a kernel level failed or the run errored. */
typedef struct cell {
  int held;
  fc_prop_result res;
  int ran;
} cell;

static int run_cell(cell *out, int level, int kind, int heads, int rewrite,
                    const fc_run_config *cfg, fc_error *err)
{
  char id[64];
  snprintf(id, sizeof id, "explain.fold.%s", level_short[level]);
  const fc_property p = {.id = id,
                         .title = level_name[level],
                         .anchors = level_anchors[level],
                         .lean_file = "Symmetry.lean",
                         .expect = FC_EXPECT_HOLDS,
                         .extension = NULL,
                         .generate = gens[level][kind][heads - 1],
                         .check = chks[rewrite & 15],
                         .kernels_via = FC_KV_TABLE,
                         .describe = fc_fx_describe};
  memset(out, 0, sizeof *out);
  int rc = fc_run_property(&out->res, &p, cfg, err);
  if (rc != FC_OK)
    return rc;
  out->ran = 1;
  out->res.prop = NULL; /* p lives on this stack frame */
  if (out->res.status == FC_STATUS_PASS)
    out->held = 1;
  else if (out->res.status == FC_STATUS_FAIL && out->res.cex &&
           out->res.cex->level == FC_LEVEL_STATEMENT)
    out->held = 0;
  else
    out->held = -1;
  return FC_OK;
}

static void cex_size(char *buf, size_t n, const fc_prop_result *r)
{
  const fc_case *c = r->cex ? r->cex->values : NULL;
  if (c == NULL) {
    snprintf(buf, n, "-");
    return;
  }
  snprintf(buf, n, "d=%ld T=%ld dm=%ld heads=%ld",
           fc_case_dim(c, "d", 0), fc_case_dim(c, "T", 0),
           fc_case_dim(c, "dm", 0), fc_case_dim(c, "heads", 0));
}

static const char *kind_title(int kind)
{
  switch (kind) {
  case KD_COMM: return "R orthogonal, commuting with RoPE";
  case KD_MIX: return "R orthogonal, not commuting with RoPE";
  case KD_NONORTH_COMM: return "R not orthogonal, commuting with RoPE";
  default: return "R neither orthogonal nor commuting";
  }
}

static void usage(FILE *f)
{
  fputs("usage: foldcheck explain fold [--orthogonal yes|no] "
        "[--commuting yes|no]\n"
        "         [--rewrite QKVO|QK|V|...|none] [--heads N] "
        "[--residual yes|no]\n"
        "         [--cases N] [--seed S] [--prec P] [--shrink-steps N]\n"
        "         [--kernels TABLE] [--verbose]\n"
        "Runs the folding theorems on the toggled rewrite and prints, per\n"
        "invariance level (scores, single-head context, single-head output,\n"
        "multi-head concat output, residual block, transformer shell), held\n"
        "or broken with the shrunk counterexample.  Without toggles: the\n"
        "whole lattice (4 kinds of R x 16 rewrite sets).\n",
        f);
}

/* One toggled configuration: a table with counterexamples. */
static int explain_one(int kind, int rewrite, int heads, int residual,
                       int verbose, const fc_run_config *cfg)
{
  char set[16];
  set_name(set, sizeof set, rewrite);
  printf("foldcheck explain fold: %s; rewrite %s; %d head%s in the "
         "multi-head levels; residual %s\n",
         kind_title(kind), set, heads, heads == 1 ? "" : "s",
         residual ? "yes" : "no");
  printf("kernels %s, prec %ld, seed %llu, up to %ld cases per level\n\n",
         cfg->kernels ? cfg->kernels : "reference", cfg->prec,
         (unsigned long long)cfg->seed, cfg->cases);
  printf("%-26s %-8s %-10s %6s  %s\n", "level", "verdict", "predicted",
         "cases", "worst statement ratio / shrunk counterexample");
  int bad = 0;
  for (int lv = 0; lv < NLV; lv++) {
    if (!residual && lv >= LV_RESIDUAL) {
      printf("%-26s %-8s\n", level_name[lv], "skipped");
      continue;
    }
    cell cl;
    fc_error err = {0, ""};
    if (run_cell(&cl, lv, kind, heads, rewrite, cfg, &err) != FC_OK) {
      fprintf(stderr, "foldcheck: %s: %s\n", level_name[lv], err.msg);
      return 2;
    }
    const int pred = predicted_held(lv, kind, rewrite);
    const char *verdict = cl.held > 0 ? "held" : cl.held == 0 ? "broken"
                                                              : "KERNEL";
    const int agree = cl.held >= 0 && cl.held == pred;
    bad |= !agree;
    char info[128];
    if (cl.held > 0) {
      snprintf(info, sizeof info, "%.3g",
               cl.res.worst[FC_LEVEL_STATEMENT].present
                   ? cl.res.worst[FC_LEVEL_STATEMENT].ratio
                   : 0.0);
    } else {
      char sz[80];
      cex_size(sz, sizeof sz, &cl.res);
      snprintf(info, sizeof info, "%s: %s ratio %.3g", sz,
               cl.res.cex ? fc_level_name((fc_level)cl.res.cex->level) : "?",
               cl.res.cex ? cl.res.cex->check.level[cl.res.cex->level].ratio
                          : 0.0);
    }
    printf("%-26s %-8s %-10s %6ld  %s\n", level_name[lv], verdict,
           agree ? (pred ? "held" : "broken")
                 : (pred ? "held (!)" : "broken (!)"),
           cl.res.cases, info);
    if (cl.res.cex) {
      if (cl.res.cex->check.note[0])
        printf("    note: %s\n", cl.res.cex->check.note);
      if (verbose)
        fc_case_print(stdout, cl.res.cex->values, "    ");
      fc_fx_describe_with(stdout, cl.res.cex->values, rewrite);
    }
    fc_prop_result_clear(&cl.res);
  }
  if (bad)
    printf("\nsome verdict differs from the theorems' prediction (!)\n");
  return bad ? 1 : 0;
}

/* The whole lattice: one row per (kind, rewrite set). */
static int explain_lattice(int heads, int residual, const fc_run_config *cfg)
{
  printf("foldcheck explain fold: the lattice (%d heads in the multi-head "
         "levels; kernels %s, prec %ld, seed %llu, up to %ld cases per "
         "cell)\n",
         heads, cfg->kernels ? cfg->kernels : "reference", cfg->prec,
         (unsigned long long)cfg->seed, cfg->cases);
  printf("cells: held, or the shrunk size of the counterexample "
         "(d, T, dm, heads); (!) marks a verdict the theorems do not "
         "predict\n");
  int bad = 0;
  for (int kind = 0; kind < NKD; kind++) {
    printf("\n%s\n%-6s", kind_title(kind), "set");
    for (int lv = 0; lv < NLV; lv++)
      printf(" %-14s", level_short[lv]);
    putchar('\n');
    for (int rw = 15; rw >= 0; rw--) {
      char set[16];
      set_name(set, sizeof set, rw);
      printf("%-6s", set);
      for (int lv = 0; lv < NLV; lv++) {
        if (!residual && lv >= LV_RESIDUAL) {
          printf(" %-14s", "-");
          continue;
        }
        cell cl;
        fc_error err = {0, ""};
        if (run_cell(&cl, lv, kind, heads, rw, cfg, &err) != FC_OK) {
          fprintf(stderr, "foldcheck: %s\n", err.msg);
          return 2;
        }
        const int pred = predicted_held(lv, kind, rw);
        const int agree = cl.held >= 0 && cl.held == pred;
        bad |= !agree;
        char txt[40];
        if (cl.held > 0) {
          snprintf(txt, sizeof txt, "held");
        } else if (cl.held == 0 && cl.res.cex) {
          const fc_case *c = cl.res.cex->values;
          snprintf(txt, sizeof txt, "%ld,%ld,%ld,%ld", fc_case_dim(c, "d", 0),
                   fc_case_dim(c, "T", 0), fc_case_dim(c, "dm", 0),
                   fc_case_dim(c, "heads", 0));
        } else {
          snprintf(txt, sizeof txt, "KERNEL");
        }
        if (!agree)
          strncat(txt, "(!)", sizeof txt - strlen(txt) - 1);
        printf(" %-14s", txt);
        fflush(stdout);
        fc_prop_result_clear(&cl.res);
      }
      putchar('\n');
    }
  }
  if (bad)
    printf("\nsome verdict differs from the theorems' prediction (!)\n");
  return bad ? 1 : 0;
}

int fc_cli_explain(int argc, char **argv)
{
  enum {
    O_ORTH = 1, O_COMM, O_REWRITE, O_HEADS, O_RESID, O_CASES, O_SEED,
    O_PREC, O_SSTEPS, O_KERNELS, O_VERBOSE, O_HELP
  };
  static const struct option opts[] = {
      {"orthogonal", required_argument, NULL, O_ORTH},
      {"commuting", required_argument, NULL, O_COMM},
      {"rewrite", required_argument, NULL, O_REWRITE},
      {"heads", required_argument, NULL, O_HEADS},
      {"residual", required_argument, NULL, O_RESID},
      {"cases", required_argument, NULL, O_CASES},
      {"seed", required_argument, NULL, O_SEED},
      {"prec", required_argument, NULL, O_PREC},
      {"shrink-steps", required_argument, NULL, O_SSTEPS},
      {"kernels", required_argument, NULL, O_KERNELS},
      {"verbose", no_argument, NULL, O_VERBOSE},
      {"help", no_argument, NULL, O_HELP},
      {NULL, 0, NULL, 0}};
  if (argc < 2 || strcmp(argv[1], "--help") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "fold") != 0)
    return fc_cli_usage_error("explain: unknown topic '%s' (known: fold)",
                              argv[1]);
  int orth = 1, comm = 1, rewrite = FX_QKVO, residual = 1, verbose = 0;
  long heads = 2, cases = -1, prec = 256, ssteps = -1;
  int toggled = 0;
  unsigned long long seed = 0;
  int have_seed = 0;
  const char *kernels = NULL;
  optind = 2;
  opterr = 0;
  for (;;) {
    int o = getopt_long(argc, argv, "", opts, NULL);
    if (o == -1)
      break;
    switch (o) {
    case O_ORTH:
      if (parse_yes(&orth, optarg))
        return fc_cli_usage_error("--orthogonal expects yes or no");
      toggled = 1;
      break;
    case O_COMM:
      if (parse_yes(&comm, optarg))
        return fc_cli_usage_error("--commuting expects yes or no");
      toggled = 1;
      break;
    case O_REWRITE:
      if (parse_set(&rewrite, optarg))
        return fc_cli_usage_error("--rewrite expects letters of QKVO or "
                                  "'none', got '%s'", optarg);
      toggled = 1;
      break;
    case O_HEADS:
      if (parse_long(&heads, optarg, 1, MAXH))
        return fc_cli_usage_error("--heads expects an integer in [1, %d]",
                                  MAXH);
      break;
    case O_RESID:
      if (parse_yes(&residual, optarg))
        return fc_cli_usage_error("--residual expects yes or no");
      break;
    case O_CASES:
      if (parse_long(&cases, optarg, 1, 100000000L))
        return fc_cli_usage_error("--cases expects an integer in [1, 1e8]");
      break;
    case O_SEED: {
      char *end;
      seed = strtoull(optarg, &end, 10);
      if (*optarg == '\0' || *end != '\0' || *optarg == '-')
        return fc_cli_usage_error("--seed expects a non-negative integer");
      have_seed = 1;
      break;
    }
    case O_PREC:
      if (parse_long(&prec, optarg, 53, 100000))
        return fc_cli_usage_error("--prec expects bits in [53, 100000]");
      break;
    case O_SSTEPS:
      if (parse_long(&ssteps, optarg, 0, 100000000L))
        return fc_cli_usage_error("--shrink-steps expects an integer >= 0");
      break;
    case O_KERNELS:
      if (fc_kernels_find(optarg) == NULL)
        return fc_cli_usage_error("unknown kernel table '%s' (see "
                                  "'foldcheck kernels')", optarg);
      kernels = optarg;
      break;
    case O_VERBOSE:
      verbose = 1;
      break;
    case O_HELP:
      usage(stdout);
      return 0;
    case ':':
      return fc_cli_usage_error("option '%s' needs a value",
                                argv[optind - 1]);
    default:
      return fc_cli_usage_error("explain fold: unknown option '%s'",
                                argv[optind - 1]);
    }
  }
  if (optind < argc)
    return fc_cli_usage_error("explain fold: unexpected argument '%s'",
                              argv[optind]);
  fc_env_blas_threads(1);
  fc_run_config cfg;
  fc_run_config_profile(&cfg, "ci"); /* derandomised, no database */
  cfg.threads = 1;
  cfg.prec = prec;
  cfg.kernels = kernels;
  cfg.cases = cases > 0 ? cases : (toggled ? 100 : 20);
  cfg.shrink_steps = ssteps >= 0 ? ssteps : (toggled ? 2000 : 400);
  if (have_seed)
    cfg.seed = seed;
  const int kind = orth ? (comm ? KD_COMM : KD_MIX)
                        : (comm ? KD_NONORTH_COMM : KD_NONORTH_MIX);
  if (toggled)
    return explain_one(kind, rewrite, (int)heads, residual, verbose, &cfg);
  return explain_lattice((int)heads, residual, &cfg);
}
