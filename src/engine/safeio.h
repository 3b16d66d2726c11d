/* safeio.h -- how foldcheck opens the files it reads and writes (issue 19).
 *
 * One reader and one writer for every file: reports, .foldcheck/last.json,
 * the failure database, replay token files, audit reports (writes);
 * checkpoints, config.json and index files, rotation files, reports, Lean
 * sources, token files, database records (reads).  Used by the engine, the
 * checkpoint reader, the Lean scanner and the CLI; not installed.
 *
 * Reading (fc_file_open_read, fc_file_read_all): the path is opened with
 * O_RDONLY | O_NONBLOCK | O_CLOEXEC, so a FIFO with no writer never blocks
 * the open; fstat on the opened descriptor decides before any byte is read:
 * a regular file is read, anything else (FIFO, device, socket, directory)
 * is refused with "'X' is not a regular file (a FIFO)" -- unless the caller
 * accepts pipes (FC_FILE_PIPE_OK: a file the user names on the command
 * line, such as `diff <(...) new.json`), then a pipe or FIFO is read to its
 * end (waiting for its writer, as cat does).  The size limit is checked
 * against st_size before anything is allocated; a pipe is cut off as soon
 * as it passes the limit.
 *
 * Writing (fc_file_write): the content comes from a callback writing to a
 * FILE *.  What the path names decides how:
 *   - a regular file or a new path: a temporary file in the same directory
 *     (created with O_EXCL, mode 0666 less the umask), written, flushed,
 *     fsync'ed, then renamed over the path; a reader, a full disk, an error
 *     or a kill at any moment leaves the previous file or the complete new
 *     one, never a partial one;
 *   - a symbolic link (or a chain of them) is followed to its final target,
 *     which is replaced atomically as above; the link stays a link;
 *   - a character device (/dev/null, /dev/full, a terminal) or a FIFO is
 *     opened (O_WRONLY, never O_CREAT or O_TRUNC) and written directly; a
 *     FIFO with no reader is an error at once (ENXIO), not a hang;
 *   - /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N write to the
 *     process's descriptor (a duplicate of it: its offset and append mode
 *     are kept), whatever it is;
 *   - a directory, a block device or a socket is refused.
 * A non-regular file is never replaced.  Write, flush and close errors are
 * reported with the system's reason ("No space left on device"). */
#ifndef FC_ENGINE_SAFEIO_H
#define FC_ENGINE_SAFEIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "foldcheck.h"

/* What fc_file_open_read and fc_file_read_all accept. */
enum {
  FC_FILE_REGULAR = 0, /* a regular file only (what foldcheck finds itself) */
  FC_FILE_PIPE_OK = 1  /* a pipe or FIFO too (a file named by the user) */
};

/* Open path for reading and check it before reading.  In: flags
 * FC_FILE_REGULAR or FC_FILE_PIPE_OK; max the size limit in bytes (checked
 * against st_size for a regular file).  Out: *fd an open descriptor in
 * blocking mode (close it), *size the file's size (0 for a pipe), *is_pipe
 * 1 for a pipe or FIFO (may be NULL).  Returns FC_OK; FC_ENOTFOUND when the
 * path does not exist; FC_EIO when it cannot be opened or is not a regular
 * file (nor an accepted pipe); FC_ERANGE when it is larger than max; the
 * message in err names the file. */
int fc_file_open_read(int *fd, uint64_t *size, int *is_pipe, const char *path,
                      size_t max, int flags, fc_error *err);

/* The whole file as a NUL-terminated string (malloc'd; free it), opened and
 * checked as fc_file_open_read does.  *len (may be NULL) gets the number of
 * bytes read (the text may hold NUL bytes: compare with strlen when that
 * matters).  Returns FC_OK or the codes of fc_file_open_read, FC_ENOMEM,
 * FC_EIO for a read error; *text is NULL on failure. */
int fc_file_read_all(char **text, size_t *len, const char *path, size_t max,
                     int flags, fc_error *err);

/* The content of a file: writes to f, returns FC_OK or a negative FC_*
 * code (a failed fprintf is FC_EIO). */
typedef int (*fc_file_writer)(FILE *f, void *arg);

/* Write path with the content write(f, arg) gives, as the header comment
 * says (atomic replacement of a regular file or a link's target, direct
 * write to a device, FIFO or /dev/stdout).  Returns FC_OK; FC_EINVAL for a
 * path that cannot be written by its kind (a directory, a block device, a
 * socket, a link loop); FC_EIO for a system error (no such directory,
 * permission denied, no reader on a FIFO, no space left on the device);
 * the callback's code when it fails on its own; FC_ENOMEM.  The message in
 * err names the path.  On failure a regular file at path is unchanged. */
int fc_file_write(const char *path, fc_file_writer write, void *arg,
                  fc_error *err);

/* Check before a long computation that fc_file_write(path) could write:
 * the kinds it refuses, and for a regular or new file that its directory
 * exists and is writable.  Writes nothing.  FC_OK or the codes of
 * fc_file_write. */
int fc_file_check_output(const char *path, fc_error *err);

#endif
