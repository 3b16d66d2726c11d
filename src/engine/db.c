/* db.c -- the failure database: one replay record per property and kernel.
 *
 * DIR/<property-id>.json holds the last shrunk failure of a property that
 * must hold, found with the reference kernels (the historical name: older
 * databases are the reference's); DIR/<property-id>@<hash>.json the one
 * found with other kernels, <hash> the 64-bit FNV-1a of their identity
 * (fc_run_config.kernel_id: name, declared arithmetic, content), which the
 * record also holds (kernel_id) and a load checks.  So a run of kernel B
 * never replays, nor deletes, kernel A's failure.  The next run of the
 * same kernels replays it first: if it still fails, shrinking resumes from
 * it; if it passes, the entry is removed.  Database problems never fail a
 * run: they are reported as warnings by the caller's choice (functions
 * return codes). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "engine_internal.h"
#include "engine/safeio.h"

/* 1 for the reference kernels' identity (NULL, "" or "reference"). */
static int is_reference(const char *kernel_id)
{
  return kernel_id == NULL || kernel_id[0] == '\0' ||
         strcmp(kernel_id, "reference") == 0;
}

static int path_for(char *buf, size_t n, const char *dir, const char *id,
                    const char *kernel_id)
{
  for (const char *p = id; *p; p++)
    if (*p == '/' || (*p == '.' && p[1] == '.'))
      return FC_EINVAL;
  int k = is_reference(kernel_id)
              ? snprintf(buf, n, "%s/%s.json", dir, id)
              : snprintf(buf, n, "%s/%s@%016llx.json", dir, id,
                         (unsigned long long)fc_hash_str(kernel_id));
  return k > 0 && (size_t)k < n ? FC_OK : FC_EINVAL;
}

const char *fc_db_path(char *buf, size_t n, const char *dir, const char *id,
                       const char *kernel_id)
{
  if (path_for(buf, n, dir, id, kernel_id) != FC_OK)
    snprintf(buf, n, "%s/%s.json", dir, id);
  return buf;
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

int fc_db_load(uint64_t **seq, size_t *n, const char *dir,
               const fc_property *p, const char *kernel_id)
{
  char path[4200];
  const char *id = p->id;
  if (path_for(path, sizeof path, dir, id, kernel_id) != FC_OK)
    return FC_EINVAL;
  /* A record is a regular file of at most 64 MiB: a FIFO or a device put
   * in its place is refused without blocking (safeio.h). */
  char *text = NULL;
  int rc = fc_file_read_all(&text, NULL, path, (size_t)64 << 20,
                            FC_FILE_REGULAR, NULL);
  if (rc != FC_OK)
    return rc;
  /* The record names the property the run gave, and nothing else: the
   * database looks up no registry. */
  fc_replay rp;
  const fc_property *self[2] = {p, NULL};
  rc = fc_replay_decode_only(&rp, text, self, NULL);
  free(text);
  if (rc != FC_OK)
    return rc;
  /* The record's kernels must be the run's (a hash collision, or a file
   * copied in by hand, is not replayed through other kernels). */
  if (strcmp(rp.prop->id, id) != 0 ||
      (is_reference(kernel_id) ? !is_reference(rp.kernel_id)
                               : strcmp(rp.kernel_id, kernel_id) != 0)) {
    fc_replay_clear(&rp);
    return FC_EPARSE;
  }
  *seq = rp.choices;
  *n = rp.nchoices;
  rp.choices = NULL;
  fc_replay_clear(&rp);
  return FC_OK;
}

/* fc_file_writer: the record and a newline. */
static int put_record(FILE *f, void *arg)
{
  return fputs((const char *)arg, f) >= 0 && fputc('\n', f) != EOF ? FC_OK
                                                                    : FC_EIO;
}

int fc_db_save(const char *dir, const char *id, const char *kernel_id,
               const char *json)
{
  char path[4200];
  if (path_for(path, sizeof path, dir, id, kernel_id) != FC_OK ||
      mkdirs(dir) != FC_OK)
    return FC_EIO;
  /* The one safe writer: atomic, and a link or a device in the record's
   * place is followed or written, never replaced. */
  return fc_file_write(path, put_record, (void *)json, NULL);
}

int fc_db_remove(const char *dir, const char *id, const char *kernel_id)
{
  char path[4200];
  if (path_for(path, sizeof path, dir, id, kernel_id) != FC_OK)
    return FC_EINVAL;
  return remove(path) == 0 ? FC_OK : FC_EIO;
}
