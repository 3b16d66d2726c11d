/* t-replay.c -- replay records and tokens: round trip and bad input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fctest.h"
#include "toys.h"

static void round_trip(const fc_property *p)
{
  fc_run_config cfg;
  fct_config(&cfg);
  cfg.shrink_margin = 1;
  fc_prop_result res;
  fc_run_property(&res, p, &cfg, NULL);
  if (!fct_ok(res.cex && res.cex->token, "%s: counterexample with a token",
              p->id)) {
    fc_prop_result_clear(&res);
    return;
  }
  fc_replay rp;
  fc_error err = {0, ""};
  int rc = fc_replay_decode_ex(&rp, res.cex->token, toy_props, &err);
  fct_ok(rc == FC_OK, "%s: token decodes (%s)", p->id, err.msg);
  if (rc != FC_OK) {
    fc_prop_result_clear(&res);
    return;
  }
  fct_ok(rp.prop == p && rp.prec == cfg.prec && rp.seed == cfg.seed &&
             strcmp(rp.version, fc_version()) == 0,
         "%s: record holds property, precision, seed, version", p->id);
  fct_ok(rp.nchoices == res.cex->nchoices &&
             memcmp(rp.choices, res.cex->choices,
                    rp.nchoices * sizeof *rp.choices) == 0,
         "%s: record holds the choice sequence", p->id);
  /* The values are bit-identical to the shrunk case's. */
  int same = fc_case_nfields(rp.values) == fc_case_nfields(res.cex->values);
  for (size_t i = 0; same && i < fc_case_nfields(rp.values); i++) {
    size_t r1, c1, r2, c2;
    fc_case_field_shape(rp.values, i, &r1, &c1);
    fc_case_field_shape(res.cex->values, i, &r2, &c2);
    same = r1 == r2 && c1 == c2 &&
           fc_case_field_type(rp.values, i) ==
               fc_case_field_type(res.cex->values, i);
    if (same && fc_case_field_type(rp.values, i) == FC_FIELD_REAL)
      same = memcmp(fc_case_field_reals(rp.values, i),
                    fc_case_field_reals(res.cex->values, i),
                    r1 * c1 * sizeof(double)) == 0;
    else if (same)
      same = memcmp(fc_case_field_ints(rp.values, i),
                    fc_case_field_ints(res.cex->values, i),
                    r1 * c1 * sizeof(long)) == 0;
  }
  fct_ok(same, "%s: record values are bit-identical", p->id);
  /* Re-checking the recorded values reproduces the failure. */
  fc_check_result r;
  memset(&r, 0, sizeof r);
  fc_check_ctx x = {rp.prec, rp.slack_bits, fc_kernels_reference()};
  int again = p->check(&r, rp.values, &x) == FC_OK &&
              fc_judge(NULL, &r, p, &cfg, 1.0);
  fct_ok(again, "%s: replayed values fail again", p->id);
  /* And regenerating from the choices too. */
  int failed = 0;
  rc = fc_eval_choices(&r, &failed, NULL, NULL, p, rp.choices, rp.nchoices,
                       &cfg, 1.0);
  fct_ok(rc == FC_OK && failed, "%s: replayed choices fail again", p->id);
  fc_replay_clear(&rp);
  fc_prop_result_clear(&res);
}

static void bad(const char *text, int want, const char *what)
{
  fc_replay rp;
  fc_error err = {0, ""};
  int rc = fc_replay_decode_ex(&rp, text, toy_props, &err);
  fct_ok(rc == want && err.msg[0] != '\0', "bad record (%s) refused: %s", what,
         err.msg);
  if (rc == FC_OK)
    fc_replay_clear(&rp);
}

/* A property whose generator may draw inf and nan: its records may hold
 * them. */
static int gen_nonfinite(fc_case *c, fc_draw *d)
{
  double *x = fc_case_add_reals(c, "x", 1, 2);
  if (x == NULL)
    return FC_ENOMEM;
  fc_double_spec spec = {4, FC_SPECIAL_NONFINITE, 0};
  fc_draw_doubles(d, x, 2, &spec);
  return FC_OK;
}
static int check_nothing(fc_check_result *r, const fc_case *c,
                         const fc_check_ctx *x)
{
  (void)c;
  (void)x;
  memset(r, 0, sizeof *r);
  return FC_OK;
}
static const fc_property toy_nonfinite = {.id = "toy.nonfinite",
                                          .title = "draws inf and nan",
                                          .expect = FC_EXPECT_HOLDS,
                                          .generate = gen_nonfinite,
                                          .check = check_nothing,
                                          .nonfinite_inputs = 1};

static const char *good_json =
    "{\"format\":\"foldcheck-replay\",\"record_version\":1,\"foldcheck\":\"0.0.1\","
    "\"property\":\"toy.int_below_1000\",\"precision\":256,\"slack_bits\":8,"
    "\"kernels\":\"reference\",\"seed\":\"7\",\"case_index\":3,"
    "\"choices\":\"3e8\",\"fields\":[{\"name\":\"n\",\"type\":\"int\","
    "\"dim\":false,\"shape\":[1,1],\"data\":[1000]},{\"name\":\"x\",\"type\":"
    "\"real\",\"dim\":false,\"shape\":[1,2],\"data\":[\"0x1.8p+0\",-0.5]}]}";

int main(void)
{
  fct_start("t-replay");
  round_trip(&toy_int_below_1000);
  round_trip(&toy_sum_below_100);
  round_trip(&toy_double_below);
  round_trip(&toy_givens_identity);

  fc_replay rp;
  fc_error err = {0, ""};
  int rc = fc_replay_decode_ex(&rp, good_json, toy_props, &err);
  fct_ok(rc == FC_OK && rp.nchoices == 1 && rp.choices[0] == 1000 &&
             fc_case_reals(rp.values, "x", NULL, NULL)[0] == 1.5 &&
             fc_case_reals(rp.values, "x", NULL, NULL)[1] == -0.5,
         "a hand-written JSON record (hex and decimal reals) decodes (%s)",
         err.msg);
  if (rc == FC_OK)
    fc_replay_clear(&rp);

  bad("", FC_EPARSE, "empty");
  bad("hello", FC_EPARSE, "not a token");
  bad("fc1-", FC_EPARSE, "empty token");
  bad("fc1-!!!!", FC_EPARSE, "not base64url");
  bad("fc1-e30", FC_EPARSE, "token of '{}'");
  bad("fc9-abcd", FC_EVERSION, "future token format");
  bad("{\"format\":\"foldcheck-replay\",\"record_version\":2}", FC_EVERSION,
      "future record version");
  bad("{\"format\":\"foldcheck-replay\"", FC_EPARSE, "truncated JSON");
  bad("[1,2]", FC_EPARSE, "not an object");

  /* Mutations of the good record, each one defect. */
  struct {
    const char *from, *to, *what;
    int want;
  } m[] = {
      {"toy.int_below_1000", "toy.nope", "unknown property", FC_ENOTFOUND},
      {"\"precision\":256", "\"precision\":5", "precision out of range", FC_ERANGE},
      {"\"seed\":\"7\"", "\"seed\":\"-7\"", "negative seed", FC_EPARSE},
      {"\"choices\":\"3e8\"", "\"choices\":\"3e8,zz\"", "bad choice", FC_EPARSE},
      {"\"shape\":[1,1]", "\"shape\":[2,1]", "shape mismatch", FC_EPARSE},
      {"\"0x1.8p+0\"", "\"one\"", "non-number real", FC_EPARSE},
      {"\"type\":\"int\"", "\"type\":\"complex\"", "unknown type", FC_EPARSE},
      {"\"name\":\"x\"", "\"name\":\"n\"", "duplicate field", FC_EPARSE},
      {"[1000]", "[1.5]", "non-integer int", FC_EPARSE},
      /* Values no generator of the property draws (issue 19). */
      {"\"0x1.8p+0\"", "\"nan\"", "nan for a finite-only property",
       FC_EPARSE},
      {"\"0x1.8p+0\"", "\"-inf\"", "-inf for a finite-only property",
       FC_EPARSE},
      {"\"0x1.8p+0\"", "\"0x1p+99999\"", "a real beyond the double range",
       FC_EPARSE},
      {"\"0x1.8p+0\"", "\" 0x1p+0\"", "a real with leading blanks", FC_EPARSE},
      {"\"dim\":false,\"shape\":[1,1],\"data\":[1000]",
       "\"dim\":true,\"shape\":[1,1],\"data\":[-3]", "a negative dimension",
       FC_EPARSE},
      {"\"dim\":false,\"shape\":[1,1],\"data\":[1000]",
       "\"dim\":true,\"shape\":[1,1],\"data\":[4294967296000]",
       "a dimension larger than any field", FC_EPARSE},
      {"\"case_index\":3", "\"case_index\":-2", "a case index below -1",
       FC_EPARSE},
  };
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
    const char *at = strstr(good_json, m[i].from);
    if (!fct_ok(at != NULL, "mutation '%s' applies", m[i].what))
      continue;
    char buf[2048];
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - good_json), good_json,
             m[i].to, at + strlen(m[i].from));
    bad(buf, m[i].want, m[i].what);
  }

  /* Accepted: case index -1 (a failure from the database), and a
   * non-finite value of a property whose generator may draw one. */
  const char *at = strstr(good_json, "\"case_index\":3");
  char buf[2048];
  snprintf(buf, sizeof buf, "%.*s\"case_index\":-1%s", (int)(at - good_json),
           good_json, at + strlen("\"case_index\":3"));
  rc = fc_replay_decode_ex(&rp, buf, toy_props, &err);
  fct_ok(rc == FC_OK && rp.case_index == -1,
         "case index -1 (the failure database) decodes (%s)", err.msg);
  if (rc == FC_OK)
    fc_replay_clear(&rp);
  const fc_property *const nf_props[] = {&toy_nonfinite, NULL};
  rc = fc_replay_decode_ex(
      &rp,
      "{\"format\":\"foldcheck-replay\",\"record_version\":1,"
      "\"foldcheck\":\"0.0.1\",\"property\":\"toy.nonfinite\","
      "\"precision\":256,\"slack_bits\":8,\"kernels\":\"reference\","
      "\"seed\":\"7\",\"case_index\":0,\"choices\":\"0\",\"fields\":"
      "[{\"name\":\"x\",\"type\":\"real\",\"dim\":false,\"shape\":[1,2],"
      "\"data\":[\"nan\",\"-inf\"]}]}",
      nf_props, &err);
  fct_ok(rc == FC_OK && isnan(fc_case_reals(rp.values, "x", NULL, NULL)[0]) &&
             fc_case_reals(rp.values, "x", NULL, NULL)[1] == -INFINITY,
         "nan and -inf decode for a property that draws them (%s)", err.msg);
  if (rc == FC_OK)
    fc_replay_clear(&rp);
  return fct_end();
}
