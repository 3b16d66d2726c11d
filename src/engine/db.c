/* db.c -- the failure database: one replay record per property.
 *
 * DIR/<property-id>.json holds the last shrunk failure of a property that
 * must hold.  The next run replays it first: if it still fails, shrinking
 * resumes from it; if it passes, the entry is removed.  Database problems
 * never fail a run: they are reported as warnings by the caller's choice
 * (functions return codes). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "engine_internal.h"

static int path_for(char *buf, size_t n, const char *dir, const char *id)
{
  for (const char *p = id; *p; p++)
    if (*p == '/' || (*p == '.' && p[1] == '.'))
      return FC_EINVAL;
  int k = snprintf(buf, n, "%s/%s.json", dir, id);
  return k > 0 && (size_t)k < n ? FC_OK : FC_EINVAL;
}

static int mkdirs(const char *dir)
{
  char buf[4096];
  if (strlen(dir) >= sizeof buf)
    return FC_EINVAL;
  strcpy(buf, dir);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return FC_EIO;
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST)
    return FC_EIO;
  return FC_OK;
}

int fc_db_load(uint64_t **seq, size_t *n, const char *dir, const char *id)
{
  char path[4200];
  if (path_for(path, sizeof path, dir, id) != FC_OK)
    return FC_EINVAL;
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return FC_ENOTFOUND;
  char *text = NULL;
  size_t len = 0, cap = 0;
  int rc = FC_OK;
  for (;;) {
    if (len + 4096 + 1 > cap) {
      cap = cap ? 2 * cap : 8192;
      char *t = cap <= ((size_t)64 << 20) ? realloc(text, cap) : NULL;
      if (t == NULL) {
        rc = FC_ENOMEM;
        break;
      }
      text = t;
    }
    size_t got = fread(text + len, 1, 4096, f);
    len += got;
    if (got < 4096)
      break;
  }
  fclose(f);
  if (rc != FC_OK) {
    free(text);
    return rc;
  }
  text[len] = '\0';
  fc_replay rp;
  rc = fc_replay_decode(&rp, text, NULL);
  free(text);
  if (rc != FC_OK)
    return rc;
  if (strcmp(rp.prop->id, id) != 0) {
    fc_replay_clear(&rp);
    return FC_EPARSE;
  }
  *seq = rp.choices;
  *n = rp.nchoices;
  rp.choices = NULL;
  fc_replay_clear(&rp);
  return FC_OK;
}

int fc_db_save(const char *dir, const char *id, const char *json)
{
  char path[4200], tmp[4300];
  if (path_for(path, sizeof path, dir, id) != FC_OK || mkdirs(dir) != FC_OK)
    return FC_EIO;
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  if (f == NULL)
    return FC_EIO;
  int ok = fputs(json, f) >= 0 && fputc('\n', f) != EOF;
  ok &= fclose(f) == 0;
  if (!ok || rename(tmp, path) != 0) {
    remove(tmp);
    return FC_EIO;
  }
  return FC_OK;
}

int fc_db_remove(const char *dir, const char *id)
{
  char path[4200];
  if (path_for(path, sizeof path, dir, id) != FC_OK)
    return FC_EINVAL;
  return remove(path) == 0 ? FC_OK : FC_EIO;
}
