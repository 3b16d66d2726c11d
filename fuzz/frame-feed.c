/* frame-feed.c -- the kernel process that fuzz-exec starts (fuzz/README).
 *
 *   frame-feed FILE
 * writes FILE to stdout and exits: the harness reads it as the replies of
 * a kernel (frame protocol, src/contract/provider.h), then end of file.  A
 * child of it reads stdin to its end, so the harness's requests never meet
 * a closed pipe, and keeps stdout open until this process is gone: when the
 * harness sees end of file, this process is already a zombie, and the
 * harness reaps it at once instead of waiting for it to exit.  Built
 * without sanitizers, like foldcheck-kernel-host: it starts once per input. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static void parent_gone(int sig)
{
  (void)sig;
  close(1);
}

static void drain(pid_t feeder)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = parent_gone;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  prctl(PR_SET_PDEATHSIG, SIGUSR1);
  if (getppid() != feeder) /* gone before the line above */
    close(1);
  char buf[65536];
  ssize_t r;
  while ((r = read(0, buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
    ;
  _exit(0);
}

int main(int argc, char **argv)
{
  if (argc != 2)
    return 2;
  int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 2;
  pid_t feeder = getpid();
  pid_t pid = fork();
  if (pid < 0)
    return 2;
  if (pid == 0)
    drain(feeder);
  close(0);
  char buf[65536];
  ssize_t r;
  while ((r = read(fd, buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR)) {
    for (ssize_t off = 0; r > 0 && off < r;) {
      ssize_t w = write(1, buf + off, (size_t)(r - off));
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return 1;
      off += w;
    }
  }
  return 0;
}
