/* safeio.c -- the one reader and the one writer of foldcheck's files
 * (safeio.h, issue 19).
 *
 * Thread-safe: the failure database is read and written from the runner's
 * worker threads.  No global state: the temporary file gets mode 0666 less
 * the umask from open(2) itself (mkstemp's 0600 would need umask(2) to
 * widen, and umask(2) is process-wide). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "engine_internal.h"
#include "engine/safeio.h"

/* Links followed before giving up (Linux's own limit is 40). */
#define FC_MAX_LINKS 40

/* "a FIFO", "a character device", ... for messages. */
static const char *kind_of(mode_t m)
{
  if (S_ISDIR(m))
    return "a directory";
  if (S_ISFIFO(m))
    return "a FIFO";
  if (S_ISCHR(m))
    return "a character device";
  if (S_ISBLK(m))
    return "a block device";
  if (S_ISSOCK(m))
    return "a socket";
  if (S_ISLNK(m))
    return "a symbolic link";
  return "not a file";
}

/* ---------------------------------------------------------------- reading */

/* The size limit for messages: "256 MiB" or "1000 bytes". */
static void limit_str(char *buf, size_t n, size_t max)
{
  if (max >= ((size_t)1 << 20) && max % ((size_t)1 << 20) == 0)
    snprintf(buf, n, "%zu MiB", max >> 20);
  else
    snprintf(buf, n, "%zu bytes", max);
}

/* What a reader accepts: a regular file; a pipe or FIFO when pipe_ok. */
static int readable_kind(const char *path, mode_t m, int pipe_ok,
                         fc_error *err)
{
  if (S_ISREG(m) || (pipe_ok && S_ISFIFO(m)))
    return FC_OK;
  return fc_error_set(err, FC_EIO, "'%s' is not a regular file (%s)", path,
                      kind_of(m));
}

int fc_file_open_read(int *fdp, uint64_t *size, int *is_pipe, const char *path,
                      size_t max, int flags, fc_error *err)
{
  if (fdp == NULL || size == NULL || path == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_file_open_read: NULL argument");
  *fdp = -1;
  *size = 0;
  int pipe_ok = (flags & FC_FILE_PIPE_OK) != 0;
  /* Look before opening: opening a device can itself act (a tape rewinds,
   * a serial line hangs up), so a device is refused unopened. */
  struct stat st;
  if (stat(path, &st) != 0) {
    int e = errno;
    return fc_error_set(err, e == ENOENT ? FC_ENOTFOUND : FC_EIO,
                        "cannot read '%s': %s", path, strerror(e));
  }
  int rc = readable_kind(path, st.st_mode, pipe_ok, err);
  if (rc != FC_OK)
    return rc;
  /* O_NONBLOCK: a FIFO put there after the stat opens at once instead of
   * waiting for a writer; fstat then sees what was really opened. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    int e = errno;
    return fc_error_set(err, e == ENOENT ? FC_ENOTFOUND : FC_EIO,
                        "cannot read '%s': %s", path, strerror(e));
  }
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return fc_error_set(err, FC_EIO, "cannot read '%s': %s", path,
                        strerror(e));
  }
  if ((rc = readable_kind(path, st.st_mode, pipe_ok, err)) != FC_OK) {
    close(fd);
    return rc;
  }
  int piped = !S_ISREG(st.st_mode);
  if (!piped && (uint64_t)st.st_size > (uint64_t)max) {
    char lim[64];
    limit_str(lim, sizeof lim, max);
    close(fd);
    return fc_error_set(err, FC_ERANGE, "'%s' is too large (%llu bytes; the "
                        "limit is %s)", path, (unsigned long long)st.st_size,
                        lim);
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
    int e = errno;
    close(fd);
    return fc_error_set(err, FC_EIO, "cannot read '%s': %s", path,
                        strerror(e));
  }
  if (piped) {
    /* A FIFO named by the user: wait for its writer, as cat does.  (A
     * blocking read would not: with no writer yet it returns end of file
     * at once.)  poll reports POLLHUP only once a writer came and left. */
    struct pollfd p = {fd, POLLIN, 0};
    while (poll(&p, 1, -1) < 0)
      if (errno != EINTR) {
        int e = errno;
        close(fd);
        return fc_error_set(err, FC_EIO, "cannot read '%s': %s", path,
                            strerror(e));
      }
  }
  *fdp = fd;
  *size = piped ? 0 : (uint64_t)st.st_size;
  if (is_pipe)
    *is_pipe = piped;
  return FC_OK;
}

/* read(2) again after a signal. */
static ssize_t read_some(int fd, char *buf, size_t n)
{
  ssize_t r;
  do
    r = read(fd, buf, n);
  while (r < 0 && errno == EINTR);
  return r;
}

int fc_file_read_all(char **text, size_t *len_out, const char *path,
                     size_t max, int flags, fc_error *err)
{
  if (text == NULL || path == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_file_read_all: NULL argument");
  *text = NULL;
  if (len_out)
    *len_out = 0;
  if (max > SIZE_MAX / 4)
    max = SIZE_MAX / 4;
  int fd, piped = 0;
  uint64_t size;
  int rc = fc_file_open_read(&fd, &size, &piped, path, max, flags, err);
  if (rc != FC_OK)
    return rc;
  /* A regular file: its size, checked against max, is the first
   * allocation; a pipe starts small and grows up to max. */
  size_t cap = piped ? (max < 65536 ? max : 65536) + 1 : (size_t)size + 1;
  size_t len = 0;
  char *buf = malloc(cap);
  if (buf == NULL) {
    close(fd);
    return fc_error_set(err, FC_ENOMEM, "out of memory reading '%s'", path);
  }
  for (;;) {
    ssize_t r;
    if (len + 1 == cap) {
      /* Full: one byte more says whether the file ends here (a file may
       * grow after its fstat; a pipe has no size). */
      char c;
      r = read_some(fd, &c, 1);
      if (r == 0)
        break;
      if (r > 0) {
        if (len + 1 > max) {
          char lim[64];
          limit_str(lim, sizeof lim, max);
          rc = fc_error_set(err, FC_ERANGE, "'%s' is too large (over %s)",
                            path, lim);
          break;
        }
        size_t nc = cap - 1 > max / 2 ? max + 1 : 2 * cap;
        char *nb = realloc(buf, nc);
        if (nb == NULL) {
          rc = fc_error_set(err, FC_ENOMEM, "out of memory reading '%s'",
                            path);
          break;
        }
        buf = nb;
        cap = nc;
        buf[len++] = c;
        continue;
      }
    } else {
      r = read_some(fd, buf + len, cap - 1 - len);
      if (r == 0)
        break;
      if (r > 0) {
        len += (size_t)r;
        continue;
      }
    }
    int e = errno;
    rc = fc_error_set(err, FC_EIO, "error reading '%s': %s", path,
                      strerror(e));
    break;
  }
  close(fd);
  if (rc != FC_OK) {
    free(buf);
    return rc;
  }
  buf[len] = '\0';
  *text = buf;
  if (len_out)
    *len_out = len;
  return FC_OK;
}

/* ---------------------------------------------------------------- writing */

typedef enum {
  T_NEW,     /* nothing there: create it (atomically) */
  T_REGULAR, /* a regular file: replace it atomically */
  T_STREAM,  /* a character device or FIFO: open and write */
  T_FD       /* /dev/stdout and the like: write to the descriptor */
} tkind;

typedef struct target {
  tkind kind;
  char *path; /* the final target (links followed); malloc'd */
  int fd;     /* T_FD */
  char name[160]; /* for messages: 'path' or 'path' (-> 'target') */
} target;

/* /dev/stdout, /dev/stderr, /dev/stdin, /dev/fd/N, /proc/self/fd/N,
 * /proc/thread-self/fd/N: the descriptor N, else -1. */
static int fd_alias(const char *p)
{
  if (strcmp(p, "/dev/stdin") == 0)
    return 0;
  if (strcmp(p, "/dev/stdout") == 0)
    return 1;
  if (strcmp(p, "/dev/stderr") == 0)
    return 2;
  static const char *const pre[] = {"/dev/fd/", "/proc/self/fd/",
                                    "/proc/thread-self/fd/"};
  for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
    size_t k = strlen(pre[i]);
    if (strncmp(p, pre[i], k) != 0 || p[k] == '\0' || strlen(p + k) > 9)
      continue;
    const char *d = p + k;
    long n = 0;
    for (; *d >= '0' && *d <= '9'; d++)
      n = n * 10 + (*d - '0');
    if (*d == '\0')
      return (int)n;
  }
  return -1;
}

static void set_name(target *t, const char *path)
{
  if (t->path == NULL || strcmp(t->path, path) == 0)
    snprintf(t->name, sizeof t->name, "'%s'", path);
  else
    snprintf(t->name, sizeof t->name, "'%s' (-> '%s')", path, t->path);
}

/* The link at cur points to lk: the next path (lk itself when absolute,
 * else lk in cur's directory); malloc'd or NULL. */
static char *follow(const char *cur, const char *lk)
{
  const char *slash = strrchr(cur, '/');
  size_t dl = lk[0] == '/' || slash == NULL ? 0 : (size_t)(slash - cur) + 1;
  size_t n = dl + strlen(lk) + 1;
  char *p = malloc(n);
  if (p) {
    memcpy(p, cur, dl);
    memcpy(p + dl, lk, strlen(lk) + 1);
  }
  return p;
}

/* readlink(2) into a malloc'd string, or NULL with errno set. */
static char *read_link(const char *p, size_t hint)
{
  size_t cap = hint > 0 && hint < 65536 ? hint + 1 : 256;
  for (;;) {
    char *b = malloc(cap);
    if (b == NULL)
      return NULL;
    ssize_t r = readlink(p, b, cap);
    if (r < 0) {
      int e = errno;
      free(b);
      errno = e;
      return NULL;
    }
    if ((size_t)r < cap) {
      b[r] = '\0';
      return b;
    }
    free(b);
    if (cap > 1 << 20) {
      errno = ENAMETOOLONG;
      return NULL;
    }
    cap *= 2;
  }
}

/* What path names, links followed.  FC_OK with t filled (free t->path), or
 * an error for what is never written (directory, block device, socket, a
 * loop of links) and system errors. */
static int resolve(target *t, const char *path, fc_error *err)
{
  memset(t, 0, sizeof *t);
  t->fd = -1;
  snprintf(t->name, sizeof t->name, "'%s'", path);
  if (path[0] == '\0')
    return fc_error_set(err, FC_EINVAL, "cannot write '': empty file name");
  char *cur = strdup(path);
  if (cur == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  for (int hops = 0;; hops++) {
    t->path = cur;
    set_name(t, path);
    int n = fd_alias(cur);
    if (n >= 0) {
      t->kind = T_FD;
      t->fd = n;
      return FC_OK;
    }
    struct stat st;
    if (lstat(cur, &st) != 0) {
      int e = errno;
      if (e == ENOENT) {
        t->kind = T_NEW;
        return FC_OK;
      }
      return fc_error_set(err, FC_EIO, "cannot write %s: %s", t->name,
                          strerror(e));
    }
    if (S_ISLNK(st.st_mode)) {
      struct stat fs;
      if (hops >= FC_MAX_LINKS)
        return fc_error_set(err, FC_EINVAL, "cannot write %s: %s", t->name,
                            strerror(ELOOP));
      if (strncmp(cur, "/proc/", 6) == 0 && stat(cur, &fs) == 0 &&
          !S_ISREG(fs.st_mode) && !S_ISDIR(fs.st_mode)) {
        /* /proc/PID/fd/N of a pipe or a terminal: its text ("pipe:[7]")
         * names nothing, but open(2) follows it. */
        st = fs;
      } else {
        char *lk = read_link(cur, (size_t)st.st_size);
        if (lk == NULL) {
          int e = errno;
          return fc_error_set(err, e == ENOMEM ? FC_ENOMEM : FC_EIO,
                              "cannot write %s: %s", t->name, strerror(e));
        }
        char *next = follow(cur, lk);
        free(lk);
        if (next == NULL)
          return fc_error_set(err, FC_ENOMEM, "out of memory");
        free(cur);
        cur = next;
        t->path = NULL;
        continue;
      }
    }
    if (S_ISREG(st.st_mode)) {
      t->kind = T_REGULAR;
      return FC_OK;
    }
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
      t->kind = T_STREAM;
      return FC_OK;
    }
    /* A directory; a block device (a report over a disk is never what
     * was meant); a socket (open(2) cannot write one). */
    return fc_error_set(err, FC_EINVAL, "cannot write %s: it is %s, not a "
                        "file", t->name, kind_of(st.st_mode));
  }
}

/* The directory of a path: "." when it has none, "/" for "/x". */
static char *dir_of(const char *p)
{
  const char *slash = strrchr(p, '/');
  if (slash == NULL)
    return strdup(".");
  size_t n = slash == p ? 1 : (size_t)(slash - p);
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, p, n);
    d[n] = '\0';
  }
  return d;
}

/* Run the callback on fd and close it.  sync: fsync before closing (the
 * temporary file of an atomic write).  FC_OK, or the error with the
 * system's reason when the stream failed (e.g. ENOSPC), else the
 * callback's code. */
static int write_fd(int fd, int sync, const target *t, fc_file_writer write,
                    void *arg, fc_error *err)
{
  FILE *f = fdopen(fd, "w");
  if (f == NULL) {
    int e = errno;
    close(fd);
    return fc_error_set(err, e == ENOMEM ? FC_ENOMEM : FC_EIO,
                        "cannot write %s: %s", t->name, strerror(e));
  }
  errno = 0;
  int rc = write(f, arg);
  int e = ferror(f) ? (errno ? errno : EIO) : 0;
  if (fflush(f) != 0 && e == 0)
    e = errno ? errno : EIO;
  if (sync && e == 0 && rc == FC_OK && fsync(fileno(f)) != 0)
    e = errno;
  if (fclose(f) != 0 && e == 0)
    e = errno ? errno : EIO;
  if (e != 0)
    return fc_error_set(err, FC_EIO, "cannot write %s: %s", t->name,
                        strerror(e));
  if (rc != FC_OK)
    return fc_error_set(err, rc < 0 ? rc : FC_EIO, "writing %s failed: %s",
                        t->name, fc_strerror(rc));
  return FC_OK;
}

/* A device, a FIFO, or a descriptor: written in place, never created,
 * truncated or replaced. */
static int write_direct(const target *t, fc_file_writer write, void *arg,
                        fc_error *err)
{
  int fd;
  if (t->kind == T_FD) {
    /* Whatever the process's stdout already holds goes first. */
    if (t->fd == 1)
      fflush(stdout);
    else if (t->fd == 2)
      fflush(stderr);
    fd = fcntl(t->fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
      int e = errno;
      return fc_error_set(err, FC_EIO, "cannot write %s: %s", t->name,
                          strerror(e));
    }
  } else {
    /* O_NONBLOCK: a FIFO without a reader fails at once (ENXIO) instead of
     * waiting forever.  Never O_CREAT, never O_TRUNC. */
    fd = open(t->path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      if (e == ENXIO)
        return fc_error_set(err, FC_EIO, "cannot write %s: no process has "
                            "the FIFO open for reading", t->name);
      return fc_error_set(err, FC_EIO, "cannot write %s: %s", t->name,
                          strerror(e));
    }
    struct stat st;
    int fl;
    if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) ||
        (fl = fcntl(fd, F_GETFL)) < 0 ||
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
      /* Replaced by a file between the look and the open: not written
       * in place (that would leave a partial file). */
      close(fd);
      return fc_error_set(err, FC_EIO, "cannot write %s: it changed while "
                          "being opened", t->name);
    }
  }
  return write_fd(fd, 0, t, write, arg, err);
}

/* A mix of the time, the process and a stack address: a fresh name for
 * each try (O_EXCL makes it unique; the name only has to be unlikely). */
static uint64_t mix(uint64_t z)
{
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* A temporary file next to the target, written, then renamed over it. */
static int write_atomic(const target *t, fc_file_writer write, void *arg,
                        fc_error *err)
{
  const char *p = t->path, *slash = strrchr(p, '/');
  size_t dl = slash ? (size_t)(slash - p) + 1 : 0;
  size_t n = strlen(p) + 64;
  char *tmp = malloc(n), *dir = dir_of(p);
  if (tmp == NULL || dir == NULL) {
    free(tmp);
    free(dir);
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
               ((uint64_t)getpid() << 16) ^ (uint64_t)(uintptr_t)&ts;
  int fd = -1, e = 0;
  for (int i = 0; i < 100 && fd < 0; i++) {
    x = mix(x);
    /* ".NAME.tmp.HEX": hidden, recognisable, within NAME_MAX. */
    snprintf(tmp, n, "%.*s.%.100s.tmp.%012llx", (int)dl, p, p + dl,
             (unsigned long long)(x & 0xffffffffffffull));
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              0666);
    e = errno;
    if (fd < 0 && e != EEXIST)
      break;
  }
  if (fd < 0) {
    int rc = fc_error_set(err, FC_EIO, "cannot write %s: cannot create a "
                          "file in '%s': %s", t->name, dir, strerror(e));
    free(tmp);
    free(dir);
    return rc;
  }
  int rc = write_fd(fd, 1, t, write, arg, err);
  struct stat st;
  if (rc == FC_OK && lstat(p, &st) == 0 && !S_ISREG(st.st_mode))
    /* Something else took the name while the report was written. */
    rc = fc_error_set(err, FC_EIO, "cannot write %s: it became %s; left as "
                      "it is", t->name, kind_of(st.st_mode));
  if (rc == FC_OK && rename(tmp, p) != 0) {
    e = errno;
    rc = fc_error_set(err, FC_EIO, "cannot write %s: %s", t->name,
                      strerror(e));
  }
  if (rc != FC_OK)
    unlink(tmp);
  else {
    /* The rename itself to disk (best effort: some file systems refuse to
     * sync a directory). */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      (void)fsync(dfd);
      close(dfd);
    }
  }
  free(tmp);
  free(dir);
  return rc;
}

int fc_file_write(const char *path, fc_file_writer write, void *arg,
                  fc_error *err)
{
  if (path == NULL || write == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_file_write: NULL argument");
  target t;
  int rc = resolve(&t, path, err);
  if (rc == FC_OK)
    rc = t.kind == T_FD || t.kind == T_STREAM
             ? write_direct(&t, write, arg, err)
             : write_atomic(&t, write, arg, err);
  free(t.path);
  return rc;
}

int fc_file_check_output(const char *path, fc_error *err)
{
  if (path == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_file_check_output: NULL argument");
  target t;
  int rc = resolve(&t, path, err);
  if (rc == FC_OK && (t.kind == T_NEW || t.kind == T_REGULAR)) {
    char *dir = dir_of(t.path);
    struct stat st;
    if (dir == NULL)
      rc = fc_error_set(err, FC_ENOMEM, "out of memory");
    else if (stat(dir, &st) != 0)
      rc = fc_error_set(err, FC_EIO, "cannot write %s: '%s': %s", t.name,
                        dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
      rc = fc_error_set(err, FC_EIO, "cannot write %s: '%s' is not a "
                        "directory", t.name, dir);
    else if (access(dir, W_OK | X_OK) != 0)
      rc = fc_error_set(err, FC_EIO, "cannot write %s: cannot create a file "
                        "in '%s': %s", t.name, dir, strerror(errno));
    free(dir);
  }
  free(t.path);
  return rc;
}
