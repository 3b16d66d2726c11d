/* hfconfig.c -- the figures of a Hugging Face config.json (ckpt.h).
 *
 * Names as transformers spells them (configuration_llama.py,
 * configuration_mistral.py, configuration_qwen2.py, configuration_gpt_neox.py,
 * configuration_gptj.py):
 *   hidden_size | n_embd, num_attention_heads | n_head,
 *   num_key_value_heads (default: num_attention_heads), head_dim (default
 *   hidden_size / num_attention_heads), num_hidden_layers | n_layer,
 *   rope_theta | rotary_emb_base (default 10000), partial_rotary_factor |
 *   rotary_pct (rotary_dim = head_dim * factor, as HF's int()), rotary_dim
 *   (GPT-J), max_position_embeddings | n_positions (default 4096),
 *   rope_scaling {rope_type | type, factor, low_freq_factor,
 *   high_freq_factor, original_max_position_embeddings, beta_fast,
 *   beta_slow}.
 * Layout: GPT-J rotates interleaved pairs (rotate_every_two); every other
 * model rotate_half (split halves).  Frequencies: fc_rope_frequencies of
 * presets.c (the HF float32 pipeline), the transforms it knows: linear,
 * dynamic (read as the NTK-aware base scaling, its value beyond the
 * original context), yarn, llama3. */
#include <jansson.h>
#include <math.h>
#include <string.h>
#include "ckpt/ckpt.h"

static int get_int(long *out, json_t *j, const char *a, const char *b)
{
  json_t *v = json_object_get(j, a);
  if (v == NULL && b)
    v = json_object_get(j, b);
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_integer(v))
    return -1;
  *out = (long)json_integer_value(v);
  return 1;
}

static int get_num(double *out, json_t *j, const char *a, const char *b)
{
  json_t *v = json_object_get(j, a);
  if (v == NULL && b)
    v = json_object_get(j, b);
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_number(v))
    return -1;
  *out = json_number_value(v);
  return 1;
}

void fc_ckpt_config_clear(fc_ckpt_config *c)
{
  if (c)
    fc_schedule_buf_clear(&c->sched);
}

int fc_ckpt_config_parse(fc_ckpt_config *c, const char *text,
                         const char *path, fc_error *err)
{
  memset(c, 0, sizeof *c);
  fc_schedule_buf_zero(&c->sched);
  json_error_t je;
  json_t *j = json_loads(text, 0, &je);
  if (j == NULL)
    return fc_error_set(err, FC_EPARSE, "%s: not valid JSON: %s (line %d)",
                        path, je.text, je.line);
  int rc = FC_OK;
#define BAD(...) do { rc = fc_error_set(err, FC_EPARSE, __VA_ARGS__); goto done; } while (0)
  if (!json_is_object(j))
    BAD("%s: not a JSON object", path);
  json_t *mt = json_object_get(j, "model_type");
  snprintf(c->model_type, sizeof c->model_type, "%s",
           json_is_string(mt) ? json_string_value(mt) : "llama");
  c->naming = strcmp(c->model_type, "gpt_neox") == 0 ? FC_NAMES_NEOX
              : strcmp(c->model_type, "gptj") == 0   ? FC_NAMES_GPTJ
                                                     : FC_NAMES_LLAMA;
  c->fused_qkv = c->naming == FC_NAMES_NEOX;
  long hidden = 0, heads = 0, kv = 0, hd = 0, layers = 0, maxpos = 4096,
       rdim = -1;
  int g;
  if ((g = get_int(&hidden, j, "hidden_size", "n_embd")) <= 0 || hidden <= 0)
    BAD("%s: no positive integer hidden_size", path);
  if ((g = get_int(&heads, j, "num_attention_heads", "n_head")) <= 0 || heads <= 0)
    BAD("%s: no positive integer num_attention_heads", path);
  g = get_int(&kv, j, "num_key_value_heads", NULL);
  if (g < 0 || (g > 0 && kv <= 0))
    BAD("%s: num_key_value_heads is not a positive integer", path);
  if (g == 0)
    kv = heads;
  if (heads % kv != 0)
    BAD("%s: num_attention_heads %ld is not a multiple of "
        "num_key_value_heads %ld", path, heads, kv);
  g = get_int(&hd, j, "head_dim", NULL);
  if (g < 0 || (g > 0 && hd <= 0))
    BAD("%s: head_dim is not a positive integer", path);
  if (g == 0) {
    if (hidden % heads != 0)
      BAD("%s: hidden_size %ld is not a multiple of num_attention_heads %ld "
          "and there is no head_dim", path, hidden, heads);
    hd = hidden / heads;
  }
  if (hd % 2 != 0)
    BAD("%s: head dimension %ld is odd (RoPE needs pairs)", path, hd);
  if ((g = get_int(&layers, j, "num_hidden_layers", "n_layer")) <= 0 || layers <= 0)
    BAD("%s: no positive integer num_hidden_layers", path);
  if (get_int(&maxpos, j, "max_position_embeddings", "n_positions") < 0 || maxpos < 1)
    BAD("%s: max_position_embeddings is not a positive integer", path);
  if (heads > 65536 || hidden > (1L << 20) || hd > 4096 || layers > 4096)
    BAD("%s: sizes beyond what foldcheck audits (heads %ld, hidden %ld, "
        "head_dim %ld, layers %ld)", path, heads, hidden, hd, layers);
  double base = 10000, frac = 1;
  if (get_num(&base, j, "rope_theta", "rotary_emb_base") < 0 || !(base > 0) ||
      !isfinite(base))
    BAD("%s: rope_theta is not a positive number", path);
  if (get_num(&frac, j, "partial_rotary_factor", "rotary_pct") < 0 ||
      !(frac > 0 && frac <= 1))
    BAD("%s: partial_rotary_factor / rotary_pct not in (0, 1]", path);
  if (get_int(&rdim, j, "rotary_dim", NULL) < 0)
    BAD("%s: rotary_dim is not an integer", path);
  if (rdim < 0)
    rdim = (long)((double)hd * frac); /* HF: int(head_dim * factor) */
  if (rdim < 2 || rdim > hd || rdim % 2)
    BAD("%s: rotary dimension %ld invalid for head_dim %ld", path, rdim, hd);

  fc_preset p;
  memset(&p, 0, sizeof p);
  p.name = c->model_type;
  p.model = path;
  p.source = "config.json";
  p.d = (size_t)hd;
  p.rotary_dim = (size_t)rdim;
  p.layout = c->naming == FC_NAMES_GPTJ ? FC_LAYOUT_INTERLEAVED : FC_LAYOUT_HALF;
  p.base = base;
  p.max_pos = maxpos;
  p.scaling.type = FC_ROPE_DEFAULT;
  json_t *rs = json_object_get(j, "rope_scaling");
  if (rs && !json_is_null(rs)) {
    if (!json_is_object(rs))
      BAD("%s: rope_scaling is not an object", path);
    json_t *ty = json_object_get(rs, "rope_type");
    if (ty == NULL)
      ty = json_object_get(rs, "type");
    const char *tn = json_is_string(ty) ? json_string_value(ty) : NULL;
    if (tn == NULL)
      BAD("%s: rope_scaling has no rope_type", path);
    double f = 1;
    if (get_num(&f, rs, "factor", NULL) < 0 || !(f > 0) || !isfinite(f))
      BAD("%s: rope_scaling.factor is not a positive number", path);
    p.scaling.factor = f;
    if (strcmp(tn, "default") == 0)
      p.scaling.type = FC_ROPE_DEFAULT;
    else if (strcmp(tn, "linear") == 0)
      p.scaling.type = FC_ROPE_LINEAR;
    else if (strcmp(tn, "dynamic") == 0 || strcmp(tn, "ntk") == 0)
      p.scaling.type = FC_ROPE_NTK;
    else if (strcmp(tn, "yarn") == 0) {
      p.scaling.type = FC_ROPE_YARN;
      p.scaling.beta_fast = 32;
      p.scaling.beta_slow = 1;
      long o = maxpos;
      if (get_int(&o, rs, "original_max_position_embeddings", NULL) < 0 ||
          get_num(&p.scaling.beta_fast, rs, "beta_fast", NULL) < 0 ||
          get_num(&p.scaling.beta_slow, rs, "beta_slow", NULL) < 0)
        BAD("%s: rope_scaling (yarn) has a malformed field", path);
      p.scaling.original_ctx = o;
    } else if (strcmp(tn, "llama3") == 0) {
      p.scaling.type = FC_ROPE_LLAMA3;
      long o = 8192;
      if (get_num(&p.scaling.low_freq_factor, rs, "low_freq_factor", NULL) <= 0 ||
          get_num(&p.scaling.high_freq_factor, rs, "high_freq_factor", NULL) <= 0 ||
          get_int(&o, rs, "original_max_position_embeddings", NULL) <= 0)
        BAD("%s: rope_scaling (llama3) needs low_freq_factor, "
            "high_freq_factor and original_max_position_embeddings", path);
      p.scaling.original_ctx = o;
    } else
      BAD("%s: rope_scaling type '%s' unknown (default, linear, dynamic, "
          "yarn, llama3)", path, tn);
  }
  c->hidden = (size_t)hidden;
  c->heads = (size_t)heads;
  c->kv_heads = (size_t)kv;
  c->head_dim = (size_t)hd;
  c->layers = (size_t)layers;
  c->max_pos = maxpos;
  fc_error e2 = {0, ""};
  rc = fc_preset_schedule(&c->sched, &p, FC_FREQ_F32, &e2);
  if (rc)
    BAD("%s: RoPE schedule: %s", path, e2.msg);
  c->sched.cfg.name = NULL; /* points into c; the name is in sched.name */
  c->sched.cfg.model = NULL;
  snprintf(c->sched.name, sizeof c->sched.name, "%.40s (rope_theta %g, rotary "
           "%ld of %ld, %s%s%s)", c->model_type, base, rdim, hd,
           p.layout == FC_LAYOUT_HALF ? "rotate_half" : "interleaved",
           p.scaling.type != FC_ROPE_DEFAULT ? ", " : "",
           p.scaling.type != FC_ROPE_DEFAULT ? fc_rope_type_name(p.scaling.type) : "");
#undef BAD
done:
  json_decref(j);
  if (rc)
    fc_schedule_buf_clear(&c->sched);
  return rc;
}
