/* audit_report.c -- the audit's reports: a text table per layer and head,
 * JSON, Markdown (tables only: GitHub strips SVG) and an HTML page with a
 * verdict banner, flagged heads first, a layer x head heatmap and a
 * per-head plot of the distance to the commutant against its threshold. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ckpt/audit.h"
#include "ckpt/stream.h"
#include "page.h"

static void planes_str(char *buf, size_t n, const fc_audit_head *h)
{
  buf[0] = '\0';
  size_t k = 0;
  for (int i = 0; i < h->nplanes && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%d-%d", i ? "," : "",
                          h->plane_i[i], h->plane_j[i]);
  if (h->nplanes == 0)
    snprintf(buf, n, "-");
}

/* "q,k,v" of FC_BIAS_* bits, "none" */
static void bias_str(char *buf, unsigned bits)
{
  static const char *nm[4] = {"q", "k", "v", "o"};
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < 4; i++)
    if (bits & (1u << i))
      k += (size_t)snprintf(buf + k, 16 - k, "%s%s", k ? "," : "", nm[i]);
  if (k == 0)
    snprintf(buf, 16, "none");
}

static void header_lines(FILE *out, const fc_audit *a, const char *pre)
{
  fprintf(out, "%soriginal:  %s (%s)\n", pre, a->orig, fc_dtype_name(a->dt_orig));
  fprintf(out, "%srewritten: %s (%s)\n", pre, a->rew, fc_dtype_name(a->dt_rew));
  fprintf(out, "%smodel: %s, hidden %zu, %zu heads (%zu KV) of d = %zu, "
          "%zu layers\n", pre, a->model_type, a->hidden, a->heads, a->kv, a->d,
          a->layers);
  fprintf(out, "%sRoPE: %s\n", pre, a->sched_name);
  if (a->gap_inf)
    fprintf(out, "%sschedule gap: none (every block is in the commutant)\n", pre);
  else
    fprintf(out, "%sschedule gap over positions 1..%ld: %.3g at p = %ld "
            "(planes %d, %d, %s): ||[X, Theta(p)]|| >= gap ||X - Pc(X)||\n",
            pre, a->max_pos, a->gap, a->gap_p, a->gap_i, a->gap_j,
            a->gap_sign < 0 ? "difference" : "sum");
  if (a->bias_orig | a->bias_rew) {
    char bo[16], br[16];
    bias_str(bo, a->bias_orig);
    bias_str(br, a->bias_rew);
    fprintf(out, "%sbiases: %s in the original, %s in the rewrite: q, k, v "
            "checked under the maps of their weights, o unchanged\n", pre, bo,
            br);
  }
  if (a->rot_u > 0)
    fprintf(out, "%srotation file: numbers to u = %.3g; worst orthogonality "
            "defect ||R^T R - I||_F = %.3g (%s its precision's bound %.3g)\n",
            pre, a->rot_u, a->rot_orth, a->rot_orth <= a->rot_orth_tol
            ? "within" : "ABOVE", a->rot_orth_tol);
  fc_stream_write_text(out, a->stream, pre);
  fprintf(out, "%sverdicts: %zu foldable, %zu vo-only, %zu online, %zu broken, "
          "%zu pruned\n", pre, a->count[0], a->count[1], a->count[2],
          a->count[3], a->count[4]);
  for (int f = 0; f < 4; f++)
    if (a->floor_heads[f])
      fprintf(out, "%sdetection floor (%s): a plane mixing above %.2g rad is "
              "flagged in each of the %zu heads\n", pre,
              fc_dtype_name((fc_dtype)f), a->floor_rad[f], a->floor_heads[f]);
}

static const fc_audit_group *group_of(const fc_audit *a, const fc_audit_head *h)
{
  for (size_t i = 0; i < a->ngroup; i++)
    if (a->group[i].layer == h->layer && a->group[i].group == h->group)
      return &a->group[i];
  return NULL;
}

static int write_text(FILE *out, const fc_audit *a, int md)
{
  header_lines(out, a, md ? "- " : "");
  fputc('\n', out);
  if (md)
    fputs("| layer | head | kv | residual/bound | orth/bound | dist Pc | bound | "
          "planes | V/O map | Wo comp/bound | verdict |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|\n", out);
  else
    fprintf(out, "%5s %4s %3s %10s %10s %10s %10s %-14s %-11s %10s  %s\n",
            "layer", "head", "kv", "res/bnd", "orth/bnd", "dist-Pc", "bound",
            "planes", "V/O map", "Wo/bnd", "verdict");
  for (size_t i = 0; i < a->nhead; i++) {
    const fc_audit_head *h = &a->head[i];
    const fc_audit_group *g = group_of(a, h);
    char pl[64];
    planes_str(pl, sizeof pl, h);
    const char *vo = !g || !g->v_invertible ? "singular"
                     : g->v.orth <= g->v.orth_tol
                         ? (g->vk_diff <= g->vk_tol ? "same-orth" : "other-orth")
                         : "invertible";
    double rr = h->q.res_tol > 0 ? h->q.res / h->q.res_tol : 0;
    double orr = h->q.orth_tol > 0 ? h->q.orth / h->q.orth_tol : 0;
    double cr = h->comp_tol > 0 ? h->comp / h->comp_tol : 0;
    if (md)
      fprintf(out, "| %zu | %zu | %zu | %.3g | %.3g | %.3g | %.3g | %s | %s | "
              "%.3g | **%s** |\n", h->layer, h->head, h->group, rr, orr,
              h->q.comm, h->q.comm_tol, pl, vo, cr, fc_verdict_name(h->verdict));
    else
      fprintf(out, "%5zu %4zu %3zu %10.3g %10.3g %10.3g %10.3g %-14s %-11s "
              "%10.3g  %s\n", h->layer, h->head, h->group, rr, orr, h->q.comm,
              h->q.comm_tol, pl, vo, cr, fc_verdict_name(h->verdict));
  }
  fputc('\n', out);
  for (size_t i = 0; i < a->nhead; i++) {
    const fc_audit_head *h = &a->head[i];
    /* every verdict but a plain orthogonal fold gets its reason */
    if (h->verdict != FC_VERDICT_FOLDABLE || h->q.orth > h->q.orth_tol)
      fprintf(out, "%slayer %zu head %zu: %s: %s\n", md ? "- " : "", h->layer,
              h->head, fc_verdict_name(h->verdict), h->reason);
  }
  if (a->ncert) {
    fprintf(out, "\n%scertification (MPFR oracle, original vs rewritten block, "
            "seed %llu)", md ? "" : "", (unsigned long long)a->seed);
    if (a->cert_sampled && a->ncert < a->cert_groups_total)
      fprintf(out, ": a sample of %zu of the %zu KV groups (first, middle, "
              "last layer; first and last group; --certify-all for all)",
              a->ncert, a->cert_groups_total);
    fputs(":\n", out);
    if (md)
      fputs("\n| layer | kv group | cases x T | max diff | bound | diff/bound | "
            "result |\n|---|---|---|---|---|---|---|\n", out);
    for (size_t i = 0; i < a->ncert; i++) {
      const fc_audit_cert *c = &a->cert[i];
      if (md)
        fprintf(out, "| %zu | %zu | %ld x %ld | %.3g | %.3g | %.3g | %s |\n",
                c->layer, c->group, c->cases, c->T, c->diff, c->bound,
                c->ratio, c->pass ? "within" : "**exceeds**");
      else
      {
        char tws[64] = "";
        if (c->twin)
          snprintf(tws, sizeof tws, ", %.3g x its own rounding",
                   c->noise_ratio);
        fprintf(out, "  layer %zu group %zu: %ld cases x T %ld: max "
                "||out' - out|| = %.3g (%.2g of ||out||), bound %.3g (ratio "
                "%.3g, case %ld)%s: %s\n", c->layer, c->group, c->cases,
                c->T, c->diff, c->out_norm > 0 ? c->diff / c->out_norm : 0,
                c->bound, c->ratio, c->worst_case, tws,
                c->pass ? "within the storage bound" : c->ratio > 1
                ? "EXCEEDS the storage bound" : "EXCEEDS its own rounding");
      }
    }
  }
  fprintf(out, "\n%saudit time %.2f s\n", md ? "" : "", a->seconds);
  return ferror(out) ? FC_EIO : FC_OK;
}

static json_t *fit_json0(const fc_audit_fit *f)
{
  return json_pack("{s:b,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "ok", f->ok,
                   "residual", f->res, "residual_bound", f->res_tol,
                   "orth_defect", f->orth, "orth_bound", f->orth_tol,
                   "commutant_distance", f->comm, "commutant_bound",
                   f->comm_tol, "delta", f->delta, "norm", f->normM);
}

static json_t *fit_json(const fc_audit_fit *f)
{
  json_t *o = fit_json0(f);
  if (o) {
    json_object_set_new(o, "commutant_worst_case_bound", json_real(f->comm_bound));
    json_object_set_new(o, "noise", isfinite(f->noise) ? json_real(f->noise)
                                                        : json_null());
    /* the plane test (null threshold: off, too few columns) */
    json_object_set_new(o, "plane_statistic", json_real(f->blk));
    json_object_set_new(o, "plane_threshold", isfinite(f->blk_tol)
                                                  ? json_real(f->blk_tol)
                                                  : json_null());
  }
  return o;
}

static json_t *num(double v)
{
  return isfinite(v) ? json_real(v) : json_null();
}

static json_t *bias_json(const fc_audit_bias *b)
{
  return json_pack("{s:s,s:b,s:b,s:o,s:o,s:o}", "tensor", b->name,
                   "in_original", b->in_orig, "in_rewritten", b->in_rew,
                   "difference", num(b->diff), "bound", num(b->tol), "norm",
                   num(b->norm));
}

static int write_json(FILE *out, const fc_audit *a)
{
  json_t *r = json_object(), *heads = json_array(), *groups = json_array(),
         *certs = json_array();
  if (!r || !heads || !groups || !certs) {
    json_decref(r);
    json_decref(heads);
    json_decref(groups);
    json_decref(certs);
    return FC_ENOMEM;
  }
  json_object_set_new(r, "foldcheck_audit", json_integer(1));
  json_object_set_new(r, "original", json_string(a->orig));
  json_object_set_new(r, "rewritten", json_string(a->rew));
  json_object_set_new(r, "dtype_original", json_string(fc_dtype_name(a->dt_orig)));
  json_object_set_new(r, "dtype_rewritten", json_string(fc_dtype_name(a->dt_rew)));
  json_object_set_new(r, "model_type", json_string(a->model_type));
  json_object_set_new(r, "rope", json_string(a->sched_name));
  json_object_set_new(r, "hidden", json_integer((json_int_t)a->hidden));
  json_object_set_new(r, "heads", json_integer((json_int_t)a->heads));
  json_object_set_new(r, "kv_heads", json_integer((json_int_t)a->kv));
  json_object_set_new(r, "head_dim", json_integer((json_int_t)a->d));
  json_object_set_new(r, "rotary_dim", json_integer((json_int_t)a->rotary_dim));
  json_object_set_new(r, "layers", json_integer((json_int_t)a->layers));
  json_object_set_new(r, "gap", a->gap_inf ? json_null() : num(a->gap));
  json_object_set_new(r, "gap_position", json_integer(a->gap_p));
  json_object_set_new(r, "seed", json_integer((json_int_t)a->seed));
  json_object_set_new(r, "seconds", json_real(a->seconds));
  json_object_set_new(r, "certification_sampled", json_boolean(a->cert_sampled &&
                      a->ncert < a->cert_groups_total));
  if (a->rot_u > 0)
    json_object_set_new(r, "rotation_file", json_pack(
        "{s:o,s:o,s:o}", "unit_roundoff", num(a->rot_u), "orth_defect",
        num(a->rot_orth), "orth_bound", num(a->rot_orth_tol)));
  if (a->stream)
    json_object_set_new(r, "residual_stream", fc_stream_json(a->stream));
  json_t *fl = json_array();
  for (int f = 0; f < 4; f++)
    if (a->floor_heads[f])
      json_array_append_new(fl, json_pack("{s:s,s:o,s:I}", "format",
                            fc_dtype_name((fc_dtype)f), "radians",
                            num(a->floor_rad[f]), "heads",
                            (json_int_t)a->floor_heads[f]));
  json_object_set_new(r, "detection_floor", fl);
  json_t *cnt = json_object();
  for (int v = 0; v < FC_VERDICT_COUNT; v++)
    json_object_set_new(cnt, fc_verdict_name((fc_verdict)v),
                        json_integer((json_int_t)a->count[v]));
  json_object_set_new(r, "verdicts", cnt);
  for (size_t i = 0; i < a->nhead; i++) {
    const fc_audit_head *h = &a->head[i];
    json_t *pl = json_array();
    for (int k = 0; k < h->nplanes; k++)
      json_array_append_new(pl, json_pack("{s:i,s:i,s:f}", "i", h->plane_i[k],
                                          "j", h->plane_j[k], "norm",
                                          h->plane_norm[k]));
    json_t *o = json_pack("{s:I,s:I,s:I,s:o,s:f,s:f,s:f,s:f,s:o,s:s,s:s}",
                          "layer", (json_int_t)h->layer, "head",
                          (json_int_t)h->head, "kv_group", (json_int_t)h->group,
                          "q", fit_json(&h->q), "qk_difference", h->gauge,
                          "qk_bound", h->gauge_tol, "wo_compensation", h->comp,
                          "wo_bound", h->comp_tol, "offending_planes", pl,
                          "verdict", fc_verdict_name(h->verdict), "reason",
                          h->reason);
    if (h->bq.in_orig || h->bq.in_rew)
      json_object_set_new(o, "q_bias", bias_json(&h->bq));
    json_array_append_new(heads, o);
  }
  for (size_t i = 0; i < a->ngroup; i++) {
    const fc_audit_group *g = &a->group[i];
    json_array_append_new(groups, json_pack(
        "{s:I,s:I,s:o,s:o,s:b,s:o,s:f,s:f}", "layer", (json_int_t)g->layer,
        "kv_group", (json_int_t)g->group, "k", fit_json(&g->k), "v",
        fit_json(&g->v), "v_invertible", g->v_invertible, "v_inverse_frobenius",
        num(g->inv_fro), "vk_difference", g->vk_diff, "vk_bound", g->vk_tol));
    json_t *go = json_array_get(groups, json_array_size(groups) - 1);
    const fc_audit_bias *gb[3] = {&g->bk, &g->bv, &g->bo};
    const char *gk[3] = {"k_bias", "v_bias", "o_bias"};
    for (int k = 0; k < 3 && go; k++)
      if (gb[k]->in_orig || gb[k]->in_rew)
        json_object_set_new(go, gk[k], bias_json(gb[k]));
  }
  for (size_t i = 0; i < a->ncert; i++) {
    const fc_audit_cert *c = &a->cert[i];
    json_array_append_new(certs, json_pack(
        "{s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:I,s:b}", "layer", (json_int_t)c->layer,
        "kv_group", (json_int_t)c->group, "cases", (json_int_t)c->cases, "T",
        (json_int_t)c->T, "max_difference", num(c->diff), "bound",
        num(c->bound), "output_norm", num(c->out_norm), "ratio", num(c->ratio), "worst_case",
        (json_int_t)c->worst_case, "pass", c->pass));
    json_object_set_new(json_array_get(certs, json_array_size(certs) - 1),
                        "noise_ratio", c->twin ? num(c->noise_ratio)
                                               : json_null());
  }
  json_object_set_new(r, "heads_detail", heads);
  json_object_set_new(r, "kv_groups", groups);
  json_object_set_new(r, "certification", certs);
  int rc = json_dumpf(r, out, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) == 0
               ? FC_OK : FC_EIO;
  fputc('\n', out);
  json_decref(r);
  return rc;
}

/* ------------------------------------------------ pages for a person
 *
 * Every head's distance to the commutant is shown against its own bound
 * (the threshold): r = ||R - Pc(R)|| / bound, or, when larger, the plane
 * test's sqrt(S / threshold) (a norm ratio, like the first), flagged above
 * 1. */

static double ratio_of(const fc_audit_head *h)
{
  if (!h->q.ok)
    return NAN;
  double r = h->q.comm_tol > 0 ? h->q.comm / h->q.comm_tol
                               : (h->q.comm > 0 ? INFINITY : 0);
  if (isfinite(h->q.blk_tol) && h->q.blk_tol > 0)
    r = fmax(r, sqrt(h->q.blk / h->q.blk_tol));
  return r;
}

static int flagged(const fc_audit_head *h)
{
  return h->verdict != FC_VERDICT_FOLDABLE && h->verdict != FC_VERDICT_PRUNED;
}

static size_t nfailed_cert(const fc_audit *a)
{
  size_t k = 0;
  for (size_t i = 0; i < a->ncert; i++)
    k += !a->cert[i].pass;
  return k;
}

/* a before b in the flagged-first order: flagged heads first, the worst
 * ratio (no fit counts as worst) first among them */
static int before(const fc_audit_head *a, const fc_audit_head *b)
{
  if (flagged(a) != flagged(b))
    return flagged(a);
  if (!flagged(a))
    return 0;
  double ra = ratio_of(a), rb = ratio_of(b);
  ra = isnan(ra) ? INFINITY : ra;
  rb = isnan(rb) ? INFINITY : rb;
  return ra > rb;
}

/* Indices of the heads, flagged first, then the rest in layer/head order
 * (a stable insertion sort).  malloc'd (NULL: out of memory). */
static size_t *order(const fc_audit *a)
{
  size_t *ix = malloc((a->nhead + 1) * sizeof *ix);
  if (ix == NULL)
    return NULL;
  for (size_t i = 0; i < a->nhead; i++) {
    size_t k = i;
    for (; k > 0 && before(&a->head[i], &a->head[ix[k - 1]]); k--)
      ix[k] = ix[k - 1];
    ix[k] = i;
  }
  return ix;
}

static void banner_text(char *buf, size_t n, const fc_audit *a, int *good)
{
  size_t bad = a->nhead - a->count[FC_VERDICT_FOLDABLE] -
               a->count[FC_VERDICT_PRUNED];
  size_t cf = nfailed_cert(a);
  int sb = a->stream && a->stream->broken;
  *good = bad == 0 && cf == 0 && !sb;
  if (sb) {
    const char *v = a->stream->verdict;
    if (strncmp(v, "BROKEN: ", 8) == 0)
      v += 8;
    snprintf(buf, n, "RESIDUAL STREAM BROKEN: %s; %zu of %zu heads flagged "
             "after de-rotation", v, bad, a->nhead);
    return;
  }
  if (*good)
    snprintf(buf, n, "FOLDABLE: all %zu audited heads fold (%zu pruned); "
             "%zu certified blocks within the storage bound", a->nhead,
             a->count[FC_VERDICT_PRUNED], a->ncert);
  else
    snprintf(buf, n, "NOT FOLDABLE: %zu of %zu heads flagged (%zu online, %zu "
             "vo-only, %zu broken); %zu of %zu certified blocks exceed the "
             "storage bound", bad, a->nhead, a->count[FC_VERDICT_ONLINE],
             a->count[FC_VERDICT_VO_ONLY], a->count[FC_VERDICT_BROKEN], cf,
             a->ncert);
}

/* Cell colour of a ratio: greens below the threshold (darker = further
 * below), reds above, grey when there is no ratio. */
static void colour(char *buf, size_t n, double r)
{
  if (isnan(r)) {
    snprintf(buf, n, "#bbbbbb");
    return;
  }
  double t = r > 0 ? log10(r) : -4;
  t = fmax(-4, fmin(4, t));
  if (r <= 1) {
    int g = (int)(120 + 100 * (t + 4) / 4); /* -4: 120, 0: 220 */
    snprintf(buf, n, "rgb(%d,%d,%d)", 40 + g / 3, g, 60 + g / 4);
  } else {
    int k = (int)(235 - 150 * t / 4); /* 0: 235, 4: 85 */
    snprintf(buf, n, "rgb(%d,%d,%d)", 230, k / 2, k / 3);
  }
}

static void heatmap(FILE *out, const fc_audit *a)
{
  size_t H = a->heads, nl = a->heads ? a->nhead / a->heads : 0;
  double cw = fmax(8, fmin(28, 760.0 / (double)(H ? H : 1))), ch = 16;
  double x0 = 60, y0 = 30, w = cw * (double)H, hh = ch * (double)nl;
  double W = x0 + w + 180, Ht = y0 + hh + 50;
  fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
          "height=\"%.0f\" font-family=\"sans-serif\" font-size=\"11\">\n",
          W, fmax(Ht, 260));
  fprintf(out, "<text x=\"%.0f\" y=\"14\">head</text>\n", x0 + w / 2 - 12);
  fprintf(out, "<text x=\"4\" y=\"%.0f\">layer</text>\n", y0 - 6);
  for (size_t h = 0; h < H; h++)
    if (H <= 16 || h % 4 == 0)
      fprintf(out, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%zu"
              "</text>\n", x0 + ((double)h + 0.5) * cw, y0 - 4, h);
  for (size_t i = 0; i < a->nhead; i++) {
    const fc_audit_head *hd = &a->head[i];
    size_t row = i / H;
    if (hd->head == 0)
      fprintf(out, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%zu"
              "</text>\n", x0 - 4, y0 + ((double)row + 0.75) * ch, hd->layer);
    char c[32];
    colour(c, sizeof c, ratio_of(hd));
    fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
            "fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"><title>layer %zu "
            "head %zu: %s; distance %.3g, threshold %.3g</title></rect>\n",
            x0 + (double)hd->head * cw, y0 + (double)row * ch, cw - 1, ch - 1,
            c, flagged(hd) ? "#000" : "none", flagged(hd) ? "2" : "0",
            hd->layer, hd->head, fc_verdict_name(hd->verdict), hd->q.comm,
            hd->q.comm_tol);
  }
  /* colour scale, decades of distance / threshold, threshold marked */
  double lx = x0 + w + 30, ly = y0, lh = 200;
  fprintf(out, "<text x=\"%.0f\" y=\"%.0f\">distance / threshold</text>\n",
          lx - 10, ly - 8);
  for (int k = 0; k < 40; k++) {
    double t = 4 - 8.0 * (k + 0.5) / 40;
    char c[32];
    colour(c, sizeof c, pow(10, t));
    fprintf(out, "<rect x=\"%.0f\" y=\"%.1f\" width=\"16\" height=\"%.2f\" "
            "fill=\"%s\"/>\n", lx, ly + lh * k / 40.0, lh / 40.0 + 0.3, c);
  }
  for (int t = 4; t >= -4; t -= 2)
    fprintf(out, "<text x=\"%.0f\" y=\"%.1f\">1e%+d</text>\n", lx + 22,
            ly + lh * (4 - t) / 8.0 + 4, t);
  fprintf(out, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" "
          "stroke=\"#000\" stroke-width=\"2\"/><text x=\"%.0f\" y=\"%.1f\" "
          "font-weight=\"bold\">threshold</text>\n", lx - 4, lx + 20,
          ly + lh / 2, ly + lh / 2, lx + 60, ly + lh / 2 + 4);
  fprintf(out, "<text x=\"%.0f\" y=\"%.0f\">grey: no fit (pruned or rank "
          "deficient); black border: flagged</text>\n", x0, y0 + hh + 20);
  fputs("</svg>\n", out);
}

/* Distance / threshold per head on a log axis: decade ticks (distinct by
 * construction), the threshold line at 1, flagged heads drawn larger and
 * on top, the legend outside the plot area. */
static void scatter(FILE *out, const fc_audit *a)
{
  double lo = 0, hi = 0; /* decades */
  for (size_t i = 0; i < a->nhead; i++) {
    double r = ratio_of(&a->head[i]);
    if (isnan(r) || !(r > 0))
      continue;
    double t = fmax(-12, fmin(12, log10(r)));
    lo = fmin(lo, floor(t));
    hi = fmax(hi, ceil(t));
  }
  if (hi - lo < 2) {
    lo -= 1;
    hi += 1;
  }
  double x0 = 70, y0 = 20, w = 600, h = 260;
  size_t N = a->nhead ? a->nhead : 1;
  fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
          "height=\"%.0f\" font-family=\"sans-serif\" font-size=\"11\">\n",
          x0 + w + 170, y0 + h + 50);
  fprintf(out, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" "
          "fill=\"none\" stroke=\"#888\"/>\n", x0, y0, w, h);
  int step = (int)ceil((hi - lo) / 8);
  for (double t = lo; t <= hi; t += step) {
    double y = y0 + h * (hi - t) / (hi - lo);
    fprintf(out, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"#eee\"/><text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">"
            "1e%+d</text>\n", x0, x0 + w, y, y, x0 - 4, y + 4, (int)t);
  }
  double yt = y0 + h * hi / (hi - lo);
  fprintf(out, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" "
          "stroke=\"#c00\" stroke-width=\"2\" stroke-dasharray=\"6,3\"/>\n",
          x0, x0 + w, yt, yt);
  fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">layer x "
          "heads + head</text>\n", x0 + w / 2, y0 + h + 30);
  fprintf(out, "<text x=\"12\" y=\"%.0f\" transform=\"rotate(-90 12 %.0f)\" "
          "text-anchor=\"middle\">distance / threshold</text>\n", y0 + h / 2,
          y0 + h / 2);
  for (int pass = 0; pass < 2; pass++) /* flagged on top */
    for (size_t i = 0; i < a->nhead; i++) {
      const fc_audit_head *hd = &a->head[i];
      double r = ratio_of(hd);
      if (flagged(hd) != pass || isnan(r))
        continue;
      double t = r > 0 ? fmax(lo, fmin(hi, log10(r))) : lo;
      double x = x0 + w * ((double)i + 0.5) / (double)N;
      double y = y0 + h * (hi - t) / (hi - lo);
      fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\">"
              "<title>layer %zu head %zu: %s, %.3g of the threshold</title>"
              "</circle>\n", x, y, pass ? "4.5" : "2.5",
              pass ? "#c00" : "#2a2", hd->layer, hd->head,
              fc_verdict_name(hd->verdict), r);
    }
  double lx = x0 + w + 15;
  fprintf(out, "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"2.5\" fill=\"#2a2\"/>"
          "<text x=\"%.0f\" y=\"%.0f\">foldable / pruned</text>\n"
          "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"4.5\" fill=\"#c00\"/>"
          "<text x=\"%.0f\" y=\"%.0f\">flagged</text>\n"
          "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#c00\" "
          "stroke-width=\"2\" stroke-dasharray=\"6,3\"/><text x=\"%.0f\" "
          "y=\"%.0f\">threshold (bound)</text>\n",
          lx, y0 + 10, lx + 10, y0 + 14, lx, y0 + 30, lx + 10, y0 + 34,
          lx - 6, lx + 6, y0 + 50, y0 + 50, lx + 10, y0 + 54);
  fputs("</svg>\n", out);
}

static void html_text(FILE *out, const char *s)
{
  fc_svg_escape(out, s);
}

/* What both pages open with: the heads in flagged-first order (ix,
 * malloc'd) and the banner.  FC_ENOMEM. */
typedef struct page_top {
  size_t *ix;
  int good;
  char ban[640];
} page_top;

static int page_begin(page_top *pt, const fc_audit *a)
{
  pt->ix = order(a);
  if (pt->ix == NULL)
    return FC_ENOMEM;
  banner_text(pt->ban, sizeof pt->ban, a, &pt->good);
  return FC_OK;
}

static int write_html(FILE *out, const fc_audit *a)
{
  page_top pt;
  if (page_begin(&pt, a) != FC_OK)
    return FC_ENOMEM;
  size_t *ix = pt.ix;
  fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/>"
        "<title>foldcheck audit</title><style>body{font-family:sans-serif;"
        "margin:1.5em}.banner{padding:.8em;font-size:1.2em;font-weight:bold;"
        "border-radius:4px}.good{background:#d8f0d8;border:2px solid #2a2}"
        ".bad{background:#f8d8d8;border:2px solid #c00}table{border-collapse:"
        "collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:"
        "12px}tr.flag td{background:#fbe9e9}</style></head><body>\n"
        "<h1>foldcheck audit</h1>\n", out);
  fprintf(out, "<div class=\"banner %s\">", pt.good ? "good" : "bad");
  html_text(out, pt.ban);
  fputs("</div>\n<pre>", out);
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (mem == NULL) {
    free(ix);
    return FC_ENOMEM;
  }
  header_lines(mem, a, "");
  fclose(mem);
  html_text(out, buf);
  free(buf);
  fputs("</pre>\n<h2>Heads, flagged first</h2>\n<table><tr><th>layer</th>"
        "<th>head</th><th>verdict</th><th>distance to the commutant</th>"
        "<th>threshold</th><th>planes</th><th>reason</th></tr>\n", out);
  for (size_t k = 0; k < a->nhead; k++) {
    const fc_audit_head *h = &a->head[ix[k]];
    char pl[64];
    planes_str(pl, sizeof pl, h);
    fprintf(out, "<tr%s><td>%zu</td><td>%zu</td><td>%s</td><td>%.3g</td>"
            "<td>%.3g</td><td>%s</td><td>", flagged(h) ? " class=\"flag\"" : "",
            h->layer, h->head, fc_verdict_name(h->verdict), h->q.comm,
            h->q.comm_tol, pl);
    html_text(out, h->reason);
    fputs("</td></tr>\n", out);
  }
  fputs("</table>\n<h2>Distance to the RoPE commutant against its threshold, "
        "per layer and head</h2>\n", out);
  heatmap(out, a);
  fputs("<h2>Distance to the RoPE commutant / threshold per head</h2>\n", out);
  scatter(out, a);
  if (a->ncert) {
    fprintf(out, "<h2>Certification (MPFR oracle, seed %llu)</h2>\n<table><tr>"
            "<th>layer</th><th>KV group</th><th>cases x T</th><th>max "
            "||out' - out||</th><th>bound</th><th>diff / bound</th>"
            "<th>result</th></tr>\n", (unsigned long long)a->seed);
    for (size_t i = 0; i < a->ncert; i++) {
      const fc_audit_cert *c = &a->cert[i];
      fprintf(out, "<tr%s><td>%zu</td><td>%zu</td><td>%ld x %ld</td><td>%.3g"
              "</td><td>%.3g</td><td>%.3g</td><td>%s</td></tr>\n",
              c->pass ? "" : " class=\"flag\"", c->layer, c->group, c->cases,
              c->T, c->diff, c->bound, c->ratio, c->pass ? "within" : "EXCEEDS");
    }
    fputs("</table>\n", out);
  }
  fprintf(out, "<p>audit time %.2f s</p>\n</body></html>\n", a->seconds);
  free(ix);
  return ferror(out) ? FC_EIO : FC_OK;
}

/* Markdown: no SVG (GitHub strips it): the banner, flagged heads first,
 * a layer x head table of verdicts, then the full report. */
static int write_markdown(FILE *out, const fc_audit *a)
{
  page_top pt;
  if (page_begin(&pt, a) != FC_OK)
    return FC_ENOMEM;
  size_t *ix = pt.ix;
  fprintf(out, "# foldcheck audit\n\n**%s**\n\n", pt.ban);
  size_t nf = 0;
  for (size_t k = 0; k < a->nhead && flagged(&a->head[ix[k]]); k++) {
    const fc_audit_head *h = &a->head[ix[k]];
    if (nf++ == 0)
      fputs("## Flagged heads\n\n| layer | head | verdict | distance / "
            "threshold | reason |\n|---|---|---|---|---|\n", out);
    fprintf(out, "| %zu | %zu | **%s** | %.3g | %s |\n", h->layer, h->head,
            fc_verdict_name(h->verdict), ratio_of(h), h->reason);
  }
  free(ix);
  size_t H = a->heads;
  if (H && H <= 64) {
    fputs("\n## Verdict per layer and head\n\nF foldable, P pruned, **O** "
          "online, **V** vo-only, **B** broken.\n\n| layer |", out);
    for (size_t h = 0; h < H; h++)
      fprintf(out, " %zu |", h);
    fputs("\n|---|", out);
    for (size_t h = 0; h < H; h++)
      fputs("---|", out);
    static const char *ab[FC_VERDICT_COUNT] = {"F", "**V**", "**O**", "**B**",
                                               "P"};
    for (size_t i = 0; i < a->nhead; i++) {
      const fc_audit_head *h = &a->head[i];
      if (h->head == 0)
        fprintf(out, "\n| %zu |", h->layer);
      fprintf(out, " %s |", ab[h->verdict]);
    }
    fputs("\n\n## Report\n\n", out);
  }
  int rc = write_text(out, a, 1);
  return rc;
}

int fc_audit_write(FILE *out, const fc_audit *a, fc_format f)
{
  switch (f) {
  case FC_FORMAT_TEXT:
    return write_text(out, a, 0);
  case FC_FORMAT_JSON:
    return write_json(out, a);
  case FC_FORMAT_MARKDOWN:
    return write_markdown(out, a);
  case FC_FORMAT_HTML:
    return write_html(out, a);
  default:
    return FC_EINVAL;
  }
}
