/* svg.c -- inline SVG plots for the HTML and Markdown pages.
 *
 * Self-contained SVG 1.1 (no script, no external reference), well-formed
 * XML.  Every plot has axes, tick labels, axis titles and units. */
#include <math.h>
#include <string.h>
#include "reports_internal.h"
#include "page.h"

#define W 460
#define H 200
#define ML 58 /* left margin: y tick labels */
#define MR 12
#define MT 22
#define MB 42 /* bottom margin: x ticks and title */

static const char *const level_color[FC_NLEVELS] = {"#1f6feb", "#d97706",
                                                    "#15803d"};

int fc_svg_escape(FILE *out, const char *s)
{
  return fc_rep_xml_escape(out, s, 0);
}

static int axes(FILE *out, const char *title, const char *xlabel,
                const char *ylabel)
{
  int w = 0;
  w |= fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
               "font-size=\"10\" role=\"img\">\n", W, H, W, H) < 0;
  w |= fputs("<title>", out) < 0;
  w |= fc_svg_escape(out, title) != FC_OK;
  w |= fputs("</title>\n", out) < 0;
  w |= fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
               "fill=\"#fff\" stroke=\"#888\"/>\n", ML, MT, W - ML - MR,
               H - MT - MB) < 0;
  w |= fprintf(out, "<text x=\"%d\" y=\"14\" font-size=\"11\" "
               "font-weight=\"bold\">", ML) < 0;
  w |= fc_svg_escape(out, title) != FC_OK;
  w |= fputs("</text>\n", out) < 0;
  w |= fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
               ML + (W - ML - MR) / 2, H - 6) < 0;
  w |= fc_svg_escape(out, xlabel) != FC_OK;
  w |= fputs("</text>\n", out) < 0;
  w |= fprintf(out, "<text x=\"12\" y=\"%d\" text-anchor=\"middle\" "
               "transform=\"rotate(-90 12 %d)\">", MT + (H - MT - MB) / 2,
               MT + (H - MT - MB) / 2) < 0;
  w |= fc_svg_escape(out, ylabel) != FC_OK;
  w |= fputs("</text>\n", out) < 0;
  return w ? FC_EIO : FC_OK;
}

int fc_svg_histogram(FILE *out, const fc_prop_result *r)
{
  long maxc = 1;
  int any = 0;
  for (int l = 0; l < FC_NLEVELS; l++)
    for (int b = 0; b < FC_HIST_BINS; b++) {
      if (r->hist[l][b] > maxc)
        maxc = r->hist[l][b];
      any |= r->hist[l][b] > 0;
    }
  if (!any)
    return FC_OK;
  char title[160];
  snprintf(title, sizeof title, "%s: error/bound per case", r->prop->id);
  FC_REP_TRY(axes(out, title, "error / bound (decades; 0 = exact, > = above 10^4 or inf/nan)",
                  "cases"));
  int pw = W - ML - MR, ph = H - MT - MB, w = 0;
  double bw = (double)pw / FC_HIST_BINS;
  for (int b = 0; b < FC_HIST_BINS; b++)
    for (int l = 0; l < FC_NLEVELS; l++) {
      long c = r->hist[l][b];
      if (c == 0)
        continue;
      double h = (double)ph * (double)c / (double)maxc;
      w |= fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                   "height=\"%.1f\" fill=\"%s\"><title>%s: %ld cases</title>"
                   "</rect>\n", ML + b * bw + l * bw / 3, MT + ph - h,
                   bw / 3, h, level_color[l], fc_level_name((fc_level)l),
                   c) < 0;
    }
  /* x ticks: "0", every 4th decade, ">" */
  for (int b = 0; b < FC_HIST_BINS; b++) {
    const char *lab = NULL;
    char buf[16];
    if (b == 0)
      lab = "0";
    else if (b == FC_HIST_BINS - 1)
      lab = "&gt;";
    else if ((b - 1 + FC_HIST_LO) % 4 == 0 && b >= 3) { /* clear of "0" */
      snprintf(buf, sizeof buf, "1e%d", b - 1 + FC_HIST_LO);
      lab = buf;
    }
    if (lab)
      w |= fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s"
                   "</text>\n", ML + (b + 0.5) * bw, MT + ph + 12, lab) < 0;
  }
  /* The bound: ratio 1 is the left edge of decade 10^0. */
  double xb = ML + (1 - FC_HIST_LO) * bw;
  w |= fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
               "stroke=\"#b91c1c\" stroke-dasharray=\"4 2\"/>\n<text x=\"%.1f\" "
               "y=\"%d\" fill=\"#b91c1c\">bound</text>\n", xb, MT, xb,
               MT + ph, xb + 2, MT + ph / 2) < 0;
  w |= fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%ld</text>\n"
               "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n",
               ML - 4, MT + 8, maxc, ML - 4, MT + ph) < 0;
  for (int l = 0; l < FC_NLEVELS; l++)
    w |= fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"8\" height=\"8\" "
                 "fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>\n",
                 ML + 30 + 85 * l, MT + 4, level_color[l],
                 ML + 30 + 85 * l + 11, MT + 12,
                 fc_level_name((fc_level)l)) < 0;
  w |= fputs("</svg>\n", out) < 0;
  return w ? FC_EIO : FC_OK;
}

static double tr(double v, int logscale)
{
  return logscale ? (v > 0 ? log10(v) : NAN) : v;
}

int fc_svg_scatter(FILE *out, const fc_prop_result *r)
{
  const fc_property *p = r->prop;
  if (r->npoints == 0 || p->plot_x == NULL || p->plot_y == NULL)
    return FC_OK;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (size_t i = 0; i < r->npoints; i++) {
    double x = tr(r->points[i].x, p->plot_logx), y = tr(r->points[i].y, p->plot_logy);
    if (!isfinite(x) || !isfinite(y))
      continue;
    x0 = fmin(x0, x);
    x1 = fmax(x1, x);
    y0 = fmin(y0, y);
    y1 = fmax(y1, y);
  }
  if (!(x0 <= x1) || !(y0 <= y1))
    return FC_OK;
  if (x1 == x0) {
    x0 -= 0.5;
    x1 += 0.5;
  }
  if (y1 == y0) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  char title[200];
  snprintf(title, sizeof title, "%s: %s against %s", p->id, p->plot_y, p->plot_x);
  char xl[160], yl[160];
  snprintf(xl, sizeof xl, "%s%s", p->plot_x, p->plot_logx ? " (log scale)" : "");
  snprintf(yl, sizeof yl, "%s%s", p->plot_y, p->plot_logy ? " (log)" : "");
  FC_REP_TRY(axes(out, title, xl, yl));
  static const char *const series_color[4] = {"#1f6feb", "#d97706",
                                               "#15803d", "#7c3aed"};
  int pw = W - ML - MR, ph = H - MT - MB, w = 0;
  for (size_t i = 0; i < r->npoints; i++) {
    double x = tr(r->points[i].x, p->plot_logx), y = tr(r->points[i].y, p->plot_logy);
    if (!isfinite(x) || !isfinite(y))
      continue;
    int s = r->points[i].series;
    s = s < 0 ? 0 : s > 3 ? 3 : s;
    /* Later series are drawn smaller, so coinciding points stay visible. */
    w |= fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" "
                 "fill=\"%s\" fill-opacity=\"0.6\"/>\n",
                 ML + pw * (x - x0) / (x1 - x0),
                 MT + ph - ph * (y - y0) / (y1 - y0), 2.4 - 0.5 * s,
                 series_color[s]) < 0;
  }
  /* Ticks at the ends and the middle, in the data's units. */
  for (int k = 0; k <= 2; k++) {
    double fx = x0 + (x1 - x0) * k / 2, fy = y0 + (y1 - y0) * k / 2;
    double vx = p->plot_logx ? pow(10, fx) : fx, vy = p->plot_logy ? pow(10, fy) : fy;
    /* End ticks anchor inward so they stay inside the picture. */
    w |= fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%.3g</text>\n",
                 ML + pw * k / 2.0, MT + ph + 12,
                 k == 0 ? "start" : k == 2 ? "end" : "middle", vx) < 0;
    w |= fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n",
                 ML - 4, MT + ph - ph * k / 2.0 + 3, vy) < 0;
  }
  /* The property's reference line (the bound, the floor 1 - beta, the
   * exact decision). */
  double yb = tr(p->plot_ref_y, p->plot_logy);
  if (p->plot_ref_label && isfinite(yb) && yb >= y0 && yb <= y1) {
    double py = MT + ph - ph * (yb - y0) / (y1 - y0);
    w |= fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                 "stroke=\"#b91c1c\" stroke-dasharray=\"4 2\"/>\n<text x=\"%d\" "
                 "y=\"%.1f\" fill=\"#b91c1c\" text-anchor=\"end\">", ML, py,
                 ML + pw, py, ML + pw - 4, py - 3) < 0;
    w |= fc_svg_escape(out, p->plot_ref_label) != FC_OK;
    w |= fputs("</text>\n", out) < 0;
  }
  /* Legend of the named series that occur. */
  int lx = ML + 8;
  for (int s = 0; s < 4; s++) {
    if (p->plot_series[s] == NULL)
      continue;
    int used = 0;
    for (size_t i = 0; i < r->npoints && !used; i++)
      used = r->points[i].series == s;
    if (!used)
      continue;
    w |= fprintf(out, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"%s\"/>"
                 "<text x=\"%d\" y=\"%d\">", lx, MT + 9, series_color[s],
                 lx + 6, MT + 12) < 0;
    w |= fc_svg_escape(out, p->plot_series[s]) != FC_OK;
    w |= fputs("</text>\n", out) < 0;
    lx += 12 + 6 * (int)strlen(p->plot_series[s]);
  }
  w |= fputs("</svg>\n", out) < 0;
  return w ? FC_EIO : FC_OK;
}
