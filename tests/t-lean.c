/* t-lean.c -- the Lean scanner on fixture files, and the anchor table. */
#include <stdlib.h>
#include <string.h>
#include "fctest.h"

static const fc_lean_decl *find(const fc_lean_decl *d, size_t n,
                                const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(d[i].name, name) == 0)
      return &d[i];
  return NULL;
}

static void expect(const fc_lean_decl *d, size_t n, const char *name,
                   const char *kind, fc_lean_status st)
{
  const fc_lean_decl *x = find(d, n, name);
  fct_ok(x && strcmp(x->kind, kind) == 0 && x->status == st,
         "%s: %s, %s (got %s, %s)", name, kind, fc_lean_status_name(st),
         x ? x->kind : "missing", x ? fc_lean_status_name(x->status) : "-");
}

int main(void)
{
  fct_start("t-lean");
  const char *src = getenv("top_srcdir");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/tests/lean", src ? src : ".");
  fc_lean_decl *d = NULL;
  size_t n = 0;
  fc_error err = {0, ""};
  int rc = fc_lean_scan(&d, &n, dir, &err);
  fct_ok(rc == FC_OK, "scan %s (%s)", dir, err.msg);
  expect(d, n, "commutesWithQuarterTurn_iff", "theorem", FC_LEAN_PROVEN);
  expect(d, n, "intertwiner_zero_of_cos_ne", "lemma", FC_LEAN_DEFERRED);
  expect(d, n, "headwise_lift", "theorem", FC_LEAN_STUB);
  expect(d, n, "ropeAttentionHeadContext", "theorem", FC_LEAN_STUB);
  expect(d, n, "attention_score_gauge_invariance", "axiom", FC_LEAN_AXIOM);
  expect(d, n, "foldedHead", "def", FC_LEAN_PROVEN);
  expect(d, n, "unrelated_helper_lemma", "theorem", FC_LEAN_PROVEN);
  fct_ok(find(d, n, "hidden_in_comment") == NULL,
         "declarations inside comments are ignored");
  const fc_lean_decl *x = find(d, n, "commutesWithQuarterTurn_iff");
  fct_ok(x && strcmp(x->file, "Fixture/Symmetry.lean") == 0 && x->line == 10,
         "file and line recorded (%s:%d)", x ? x->file : "-", x ? x->line : 0);
  free(d);

  rc = fc_lean_scan(&d, &n, "/nonexistent/lean/tree", &err);
  fct_ok(rc == FC_EIO && strstr(err.msg, "/nonexistent") != NULL,
         "an unreadable tree is an error: %s", err.msg);

  const char *text = "theorem a : True := sorry\ntheorem b : 1 = 1 := rfl\n"
                     "lemma c : p := by\n  simp\n  sorry\n";
  rc = fc_lean_scan_text(&d, &n, text, "t.lean", &err);
  fct_ok(rc == FC_OK && n == 3 && d[0].status == FC_LEAN_STUB &&
             d[1].status == FC_LEAN_PROVEN && d[2].status == FC_LEAN_DEFERRED,
         "scan of a text: stub, proven, deferred");
  free(d);

  /* The anchor table holds SPEC.md's 19 declarations, each once. */
  fct_ok(fc_anchors_count() == 19, "19 anchors (%zu)", fc_anchors_count());
  int unique = 1;
  for (size_t i = 0; i < fc_anchors_count(); i++)
    unique &= fc_anchors_find(fc_anchors_at(i)->name) == fc_anchors_at(i);
  fct_ok(unique, "anchor names are unique");
  const fc_anchor *a = fc_anchors_find("iid_coord_moment_ratio_floor");
  fct_ok(a && a->status == FC_LEAN_DEFERRED,
         "iid_coord_moment_ratio_floor is deferred (sorry in its proof)");
  return fct_end();
}
