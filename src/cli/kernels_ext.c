/* kernels_ext.c -- `--kernels ./libmine.so | exec:CMD`: opening the user's
 * kernels for run, bench and replay (issue 9). */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include "cli.h"
#include "foldcheck.h"
#include "bounds/bounds.h"
#include "contract/provider.h"
#include "kernels/kernels.h"

int fc_cli_kernels_arg_ok(const char *spec)
{
  return fc_kprov_is_external(spec) || fc_kernels_find(spec) != NULL;
}

int fc_cli_open_provider(void **prov, const char *spec, double timeout,
                         const char *arith)
{
  *prov = NULL;
  if (spec == NULL || !fc_kprov_is_external(spec)) {
    if (arith != NULL)
      return fc_cli_usage_error("--kernel-arith applies to --kernels PLUGIN "
                                "or exec:CMD only");
    return 0;
  }
  fc_kernel_arith a = {0, 0, 0};
  if (arith != NULL) {
    char why[200];
    if (fc_arith_parse(&a, arith, why, sizeof why) != FC_OK)
      return fc_cli_usage_error("--kernel-arith: %s", why);
  }
  fc_kprov *p = NULL;
  fc_error err = {0, ""};
  if (fc_kprov_open(&p, spec, timeout, NULL, &err) != FC_OK)
    return fc_cli_usage_error("%s", err.msg);
  if (arith != NULL) {
    if (a.storage != fc_kprov_arith(p)->storage) {
      const int st = fc_kprov_arith(p)->storage;
      fc_kprov_close(p);
      return fc_cli_usage_error("--kernel-arith %s: storage %s, but the "
                                "kernel stores %s (--kernel-arith may change "
                                "the elementwise and accumulation formats "
                                "only)", arith, fc_fmt_name(a.storage),
                                fc_fmt_name(st));
    }
    fc_kprov_set_arith(p, &a);
  }
  const fc_kernel_arith *k = fc_kprov_arith(p);
  fprintf(stderr, "foldcheck: kernels %s (%s): storage %s, ", spec,
          fc_kprov_name(p), fc_fmt_name(k->storage));
  if (k->elementwise != FC_ELEMENTWISE_AS_ACCUM)
    fprintf(stderr, "elementwise %s, ", fc_fmt_name(fc_arith_elementwise(k)));
  fprintf(stderr, "accumulation %s%s; contracts:", fc_fmt_name(k->accum),
          arith ? " (--kernel-arith)" : "");
  for (int c = 1; c < FC_KC_COUNT; c++)
    fprintf(stderr, " %s%s", fc_kc_name(c),
            fc_kprov_has(p, c) ? "" : " (not provided)");
  fprintf(stderr, "\n");
  *prov = p;
  return 0;
}

/* foldcheck kernels --arith: the declarations and the presets. */
int fc_cli_kernels_arith(void)
{
  printf("Declared arithmetic (--kernel-arith, the plugin's arith, the exec "
         "hello):\n"
         "  STORAGE/ACCUM                 two parts: elementwise = ACCUM\n"
         "  STORAGE/ELEMENTWISE/ACCUM     e.g. bf16/bf16/fp32\n"
         "  PRESET                        one of the names below\n"
         "formats: fp64, fp32, bf16, fp16.  storage: every array across the "
         "ABI;\nelementwise: non-reduction ops and stage results (cos/sin "
         "tables, products,\nscaled scores, softmax weights, RMSNorm "
         "factors); accumulation: dot products,\nsums, softmax, the RMSNorm "
         "variance, the RoPE angle and its cos/sin.\n"
         "Rounding points per contract: foldcheck/kernel.h; the error "
         "model:\ndoc/error-model.md.\n\npresets:\n");
  for (size_t i = 0; fc_arith_preset_at(i) != NULL; i++) {
    const fc_arith_preset *ps = fc_arith_preset_at(i);
    char buf[32];
    printf("  %-12s %-15s", ps->name,
           fc_arith_format(buf, sizeof buf, &ps->arith));
    /* the summary wrapped at 78 columns, under its first word */
    const char *w = ps->summary;
    int col = 30;
    while (*w) {
      const char *e = strchr(w, ' ');
      const int n = e ? (int)(e - w) : (int)strlen(w);
      if (col + 1 + n > 78) {
        printf("\n%30s", "");
        col = 30;
      }
      printf(" %.*s", n, w);
      col += 1 + n;
      w += n;
      while (*w == ' ')
        w++;
    }
    printf("\n");
  }
  return 0;
}

void fc_cli_close_provider(void *prov) { fc_kprov_close(prov); }

int fc_cli_open_builtin_provider(void **prov, const char *table)
{
  const fc_kernels *k =
      table ? fc_kernels_find(table) : fc_kernels_reference();
  if (k == NULL)
    return fc_cli_usage_error("--via-provider applies to a built-in kernel "
                              "table, not '%s'", table);
  fc_kprov *p = NULL;
  if (fc_kprov_builtin(&p, k) != FC_OK)
    return fc_cli_usage_error("out of memory");
  *prov = p;
  return 0;
}

int fc_cli_kernels_setup(fc_run_config *cfg, char *kid, size_t n,
                         double timeout, const char *arith)
{
  int rc = fc_cli_open_provider(&cfg->provider, cfg->kernels, timeout, arith);
  if (rc != 0)
    return rc;
  if ((rc = fc_cli_kernel_identity(kid, n, cfg->kernels, cfg->provider)) !=
      0) {
    fc_cli_close_provider(cfg->provider);
    cfg->provider = NULL;
    return rc;
  }
  cfg->kernel_id = kid;
  cfg->kernel_arith = cfg->provider ? arith : NULL;
  return 0;
}

/* 64-bit FNV-1a of a file's bytes into *h; FC_EIO when unreadable. */
static int hash_file(uint64_t *h, const char *path)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return FC_EIO;
  uint64_t x = UINT64_C(0xcbf29ce484222325);
  unsigned char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    for (size_t i = 0; i < n; i++) {
      x ^= buf[i];
      x *= UINT64_C(0x100000001b3);
    }
  int bad = ferror(f);
  fclose(f);
  *h = x;
  return bad ? FC_EIO : FC_OK;
}

int fc_cli_kernel_identity(char *buf, size_t n, const char *spec,
                           const void *prov)
{
  const fc_kprov *p = prov;
  if (p == NULL || spec == NULL) { /* a built-in table: its name */
    snprintf(buf, n, "%s", spec ? spec : "reference");
    return 0;
  }
  const fc_kernel_arith *a = fc_kprov_arith(p);
  /* The judged arithmetic in three parts (storage/elementwise/accum). */
  char ar[64];
  snprintf(ar, sizeof ar, "%s/%s/%s", fc_fmt_name(a->storage),
           fc_fmt_name(fc_arith_elementwise(a)), fc_fmt_name(a->accum));
  int k;
  if (strncmp(spec, "exec:", 5) == 0) {
    k = snprintf(buf, n, "exec %s %s cmd:%s", fc_kprov_name(p), ar,
                 spec + 5);
  } else {
    uint64_t h = 0;
    if (hash_file(&h, spec) != FC_OK)
      return fc_cli_usage_error("cannot read the plugin %s to identify it",
                                spec);
    k = snprintf(buf, n, "plugin %s %s fnv1a64:%016llx", fc_kprov_name(p),
                 ar, (unsigned long long)h);
  }
  if (k < 0 || (size_t)k >= n)
    return fc_cli_usage_error("--kernels: the kernel's identity is longer "
                              "than %zu bytes (a shorter command line?)",
                              n - 1);
  return 0;
}

int fc_cli_check_case(fc_check_result *r, const fc_property *p,
                      const fc_case *c, const fc_run_config *cfg)
{
  fc_kernels scratch;
  const fc_kernels *k = fc_kernels_resolve(&scratch, cfg);
  if (k == NULL)
    return FC_ENOTFOUND;
  fc_check_ctx x = {cfg->prec, cfg->slack_bits, k};
  return p->check(r, c, &x);
}
