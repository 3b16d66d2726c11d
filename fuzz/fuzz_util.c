/* fuzz_util.c -- what the libFuzzer drivers share (fuzz_util.h). */
#define _GNU_SOURCE
#include "fuzz_util.h"
#include "ckpt/ckpt.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXFILES 8

/* Per process, by libFuzzer's design: one input at a time, files reused. */
static char dir[PATH_MAX];
static char paths[MAXFILES][PATH_MAX];
static size_t npaths;

static void die(const char *what)
{
  fprintf(stderr, "fuzz driver: %s: %s\n", what, strerror(errno));
  abort();
}

char *fc_fuzz_cstr(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1);
  if (s == NULL)
    die("out of memory");
  if (size > 0)
    memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

static void cleanup(void)
{
  for (size_t i = 0; i < npaths; i++)
    unlink(paths[i]);
  if (dir[0] != '\0')
    rmdir(dir);
}

const char *fc_fuzz_dir(void)
{
  if (dir[0] != '\0')
    return dir;
  /* Memory first: on ext4, a file truncated to 0 and rewritten is flushed
   * at close (auto_da_alloc), which made a run 10 times slower. */
  const char *t = getenv("TMPDIR");
  if (t == NULL || *t == '\0')
    t = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
  snprintf(dir, sizeof dir, "%s/fc-fuzz-XXXXXX", t);
  if (mkdtemp(dir) == NULL)
    die("cannot create a temporary directory");
  atexit(cleanup);
  return dir;
}

const char *fc_fuzz_write(const char *name, const uint8_t *data, size_t size)
{
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", fc_fuzz_dir(), name);
  size_t i = 0;
  while (i < npaths && strcmp(paths[i], path) != 0)
    i++;
  if (i == npaths) {
    if (npaths == MAXFILES) {
      errno = ENFILE;
      die("too many temporary files");
    }
    snprintf(paths[npaths++], PATH_MAX, "%s", path);
  }
  /* Written over, then cut to size: no truncation to 0 (see above). */
  int fd = open(paths[i], O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    die(paths[i]);
  size_t off = 0;
  while (off < size) {
    ssize_t w = pwrite(fd, data + off, size - off, (off_t)off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      die(paths[i]);
    off += (size_t)w;
  }
  if (ftruncate(fd, (off_t)size) != 0 || close(fd) != 0)
    die(paths[i]);
  return paths[i];
}

FILE *fc_fuzz_devnull(void)
{
  static FILE *f;
  if (f == NULL && (f = fopen("/dev/null", "w")) == NULL)
    die("/dev/null");
  return f;
}

int fc_fuzz_verdict(const char *what, int rc, const char *msg)
{
  static int verbose = -1;
  if (verbose < 0) {
    const char *v = getenv("FC_FUZZ_VERBOSE");
    verbose = v != NULL && *v != '\0' && strcmp(v, "0") != 0;
  }
  if (verbose)
    fprintf(stderr, "%s: %s\n", what, rc == 0 ? "ok" : msg);
  return rc;
}

/* See fuzz_util.h. */
void fc_fuzz_open_checkpoint(void)
{
  fc_ckpt *ck = NULL;
  fc_error err = {0, ""};
  if (fc_fuzz_verdict("open", fc_ckpt_open(&ck, fc_fuzz_dir(), &err),
                      err.msg) == FC_OK) {
    double wq[64], wk[32], wv[32], wo[64];
    fc_dtype dt;
    fc_fuzz_verdict("layer 0", fc_ckpt_layer(wq, wk, wv, wo, &dt, ck, 0, &err),
                    err.msg);
    fc_ckpt_close(ck);
  }
}
