/* audit_report.c -- the audit's reports: a text table per layer and head,
 * JSON, and Markdown / HTML pages with the plot of the distance to the
 * commutant per layer and head (drawn by reports/svg.c's scatter plot). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ckpt/audit.h"
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
  fprintf(out, "%sverdicts: %zu foldable, %zu vo-only, %zu online, %zu broken, "
          "%zu pruned\n", pre, a->count[0], a->count[1], a->count[2],
          a->count[3], a->count[4]);
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
            "seed %llu):\n", md ? "" : "", (unsigned long long)a->seed);
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
        fprintf(out, "  layer %zu group %zu: %ld cases x T %ld: max "
                "||out' - out|| = %.3g (%.2g of ||out||), bound %.3g (ratio "
                "%.3g, case %ld): %s\n", c->layer, c->group, c->cases, c->T,
                c->diff, c->out_norm > 0 ? c->diff / c->out_norm : 0, c->bound,
                c->ratio, c->worst_case, c->pass ? "within the storage bound"
                                                 : "EXCEEDS the storage bound");
    }
  }
  fprintf(out, "\n%saudit time %.2f s\n", md ? "" : "", a->seconds);
  return ferror(out) ? FC_EIO : FC_OK;
}

static json_t *fit_json(const fc_audit_fit *f)
{
  return json_pack("{s:b,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "ok", f->ok,
                   "residual", f->res, "residual_bound", f->res_tol,
                   "orth_defect", f->orth, "orth_bound", f->orth_tol,
                   "commutant_distance", f->comm, "commutant_bound",
                   f->comm_tol, "delta", f->delta, "norm", f->normM);
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
  if (a->rot_u > 0)
    json_object_set_new(r, "rotation_file", json_pack(
        "{s:o,s:o,s:o}", "unit_roundoff", num(a->rot_u), "orth_defect",
        num(a->rot_orth), "orth_bound", num(a->rot_orth_tol)));
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

/* The plot: x = layer + head / heads, y = distance to the commutant
 * (relative), one series per verdict. */
static int plot(FILE *out, const fc_audit *a)
{
  fc_property p;
  memset(&p, 0, sizeof p);
  p.id = "audit";
  p.plot_x = "layer + head/heads";
  p.plot_y = "||R - Pc(R)|| / ||R||";
  p.plot_logy = 1;
  p.plot_series[0] = "foldable";
  p.plot_series[1] = "vo-only";
  p.plot_series[2] = "online";
  p.plot_series[3] = "broken";
  fc_prop_result r;
  memset(&r, 0, sizeof r);
  r.prop = &p;
  r.points = calloc(a->nhead + 1, sizeof *r.points);
  if (r.points == NULL)
    return FC_ENOMEM;
  for (size_t i = 0; i < a->nhead; i++) {
    const fc_audit_head *h = &a->head[i];
    /* a zero distance has no logarithm: drawn at the bound's floor */
    double y = h->q.comm > 0 ? h->q.comm : fmax(h->q.comm_tol * 1e-3, 1e-300);
    r.points[r.npoints].x = (double)h->layer + (double)h->head / (double)a->heads;
    r.points[r.npoints].y = y;
    r.points[r.npoints].series =
        h->verdict == FC_VERDICT_PRUNED ? 0 : (int)h->verdict;
    r.npoints++;
  }
  int rc = fc_svg_scatter(out, &r);
  free(r.points);
  return rc;
}

int fc_audit_write(FILE *out, const fc_audit *a, fc_format f)
{
  switch (f) {
  case FC_FORMAT_TEXT:
    return write_text(out, a, 0);
  case FC_FORMAT_JSON:
    return write_json(out, a);
  case FC_FORMAT_MARKDOWN: {
    fputs("# foldcheck audit\n\n", out);
    int rc = write_text(out, a, 1);
    if (rc == FC_OK) {
      fputs("\n## Distance to the RoPE commutant per layer and head\n\n", out);
      rc = plot(out, a);
    }
    return rc;
  }
  case FC_FORMAT_HTML: {
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/>"
          "<title>foldcheck audit</title></head><body>\n<h1>foldcheck audit</h1>\n"
          "<pre>", out);
    /* the text report, escaped */
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (mem == NULL)
      return FC_ENOMEM;
    int rc = write_text(mem, a, 0);
    fclose(mem);
    if (rc == FC_OK)
      rc = fc_svg_escape(out, buf);
    free(buf);
    fputs("</pre>\n<h2>Distance to the RoPE commutant per layer and head</h2>\n",
          out);
    if (rc == FC_OK)
      rc = plot(out, a);
    fputs("</body></html>\n", out);
    return rc == FC_OK && ferror(out) ? FC_EIO : rc;
  }
  default:
    return FC_EINVAL;
  }
}
