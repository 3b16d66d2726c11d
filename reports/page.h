/* page.h -- the HTML and Markdown conformance pages and their inline SVG
 * plots (internal to reports/). */
#ifndef FC_PAGE_H
#define FC_PAGE_H
#include <stdio.h>
#include "foldcheck.h"

/* Write s escaped for XML text (fc_rep_xml_escape); FC_OK or FC_EIO. */
int fc_svg_escape(FILE *out, const char *s);
/* The distribution of a result's error/bound ratios per level, one bar per
 * decade, with the bound marked.  Nothing when no level was measured. */
int fc_svg_histogram(FILE *out, const fc_prop_result *r);
/* The result's plot points on the property's axes (plot_x, plot_y), with
 * y = 1 marked when y is an error/bound.  Nothing without points. */
int fc_svg_scatter(FILE *out, const fc_prop_result *r);
/* The conformance page (page.c): HTML (self-contained, well-formed XML)
 * or Markdown.  FC_OK, FC_EIO, FC_EINVAL. */
int fc_report_write_html(FILE *out, const fc_report *rep);
int fc_report_write_markdown(FILE *out, const fc_report *rep);
#endif
