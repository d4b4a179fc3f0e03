/* streams.c: the job's standard streams, chosen by main before the fork (see streams.h). */
#include "streams.h"

#include <fcntl.h>
#include <linux/kcmp.h>
#include <sys/syscall.h>

static const char *const stream_names[3] = {"stdin", "stdout", "stderr"};

void streams_facts_of(int fd, stream_facts *f) {
  memset(f, 0, sizeof *f);
  struct stat sb;
  if (fstat(fd, &sb) < 0) return;
  f->ok = true;
  f->mode = sb.st_mode;
  f->dev = sb.st_dev;
  f->rdev = sb.st_rdev;
  f->ino = sb.st_ino;
  f->tty = isatty(fd) == 1;
  f->offset = lseek(fd, 0, SEEK_CUR);
  f->fl_status = fcntl(fd, F_GETFL);
}

stream_kcmp streams_kcmp(int a, int b) {
  pid_t self = getpid();
  long r = syscall(SYS_kcmp, self, self, KCMP_FILE, (unsigned long)a, (unsigned long)b);
  if (r < 0) return STREAM_KCMP_UNKNOWN;
  return r == 0 ? STREAM_KCMP_SAME : STREAM_KCMP_DIFFERENT;
}

bool streams_same_sink(stream_kcmp kcmp, const stream_facts *a, const stream_facts *b) {
  if (kcmp == STREAM_KCMP_SAME) return true;
  if (!a->ok || !b->ok) return false;
  /* One terminal reached through two opens of it: the caller sees one screen, so the order
   * between the two is what must be kept. */
  if (S_ISCHR(a->mode) && S_ISCHR(b->mode) && a->tty && b->tty) return a->rdev == b->rdev;
  if (kcmp == STREAM_KCMP_DIFFERENT) return false;
  if (a->dev != b->dev || a->ino != b->ino || (a->mode & S_IFMT) != (b->mode & S_IFMT))
    return false;
  if (S_ISREG(a->mode) || S_ISBLK(a->mode))
    return a->offset == b->offset && a->fl_status == b->fl_status;
  /* A pipe, FIFO or socket: whatever the descriptions, one queue, in the order written. */
  return true;
}

bool streams_same(int a, int b, bool use_kcmp) {
  if (a == b) return true;
  stream_facts fa, fb;
  streams_facts_of(a, &fa);
  streams_facts_of(b, &fb);
  return streams_same_sink(use_kcmp ? streams_kcmp(a, b) : STREAM_KCMP_UNKNOWN, &fa, &fb);
}

/* Opens stream i's file as the shell's `<` or `>` would, with the caller's rights: stdin
 * read-only; stdout and stderr write-only and, with `create`, created (0666 & ~umask) and
 * truncated. O_NOCTTY: a terminal opened here does not become the caller's controlling
 * terminal. */
static int open_stream(int i, const char *path, bool create, sbx_error **err) {
  int flags = i == SBX_STDIN ? O_RDONLY : O_WRONLY | (create ? O_CREAT | O_TRUNC : 0);
  int fd = open(path, flags | O_CLOEXEC | O_NOCTTY, 0666);
  if (fd < 0) return sbx_set_errno(err, "open %s for the job's %s", path, stream_names[i]);
  return fd;
}

int streams_prepare(engine_run *st, sbx_error **err) {
  const sbx_spec *spec = st->ctx.spec;
  const sbx_run_options *o = st->opts;
  const int caller[3] = {o->stdin_fd, o->stdout_fd, o->stderr_fd};
  int fd[3];
  for (int i = 0; i < 3; i++) {
    const sbx_stdio *io = &spec->process.stdio[i];
    switch (io->mode) {
    case SBX_STDIO_INHERIT:
      fd[i] = caller[i] >= 0 ? caller[i] : i;
      if (fcntl(fd[i], F_GETFD) >= 0 || errno != EBADF) break;
      /* The caller's is closed (`<&-`): /dev/null, so that the job's first open does not
       * become its stdin or stdout. */
      run_log(st, "the caller's %s (fd %d) is closed: the job's is /dev/null", stream_names[i],
              fd[i]);
      st->opened_stdio[i] = open_stream(i, "/dev/null", false, err);
      if (st->opened_stdio[i] < 0) return -1;
      fd[i] = st->opened_stdio[i];
      break;
    case SBX_STDIO_NULL:
    case SBX_STDIO_FILE: {
      const char *path = io->mode == SBX_STDIO_NULL ? "/dev/null" : io->path;
      st->opened_stdio[i] = open_stream(i, path, io->mode == SBX_STDIO_FILE, err);
      if (st->opened_stdio[i] < 0) return -1;
      fd[i] = st->opened_stdio[i];
      break;
    }
    default:
      return sbx_set_invalid(err, "the job's %s: unknown mode %d", stream_names[i], (int)io->mode);
    }
  }
  /* stdout and stderr both a file, the same one (by name or not): one open file for both, as
   * `>FILE 2>&1` has it, so that neither overwrites the other. */
  if (spec->process.stdio[SBX_STDOUT].mode == SBX_STDIO_FILE &&
      spec->process.stdio[SBX_STDERR].mode == SBX_STDIO_FILE) {
    struct stat a, b;
    if (fstat(fd[1], &a) < 0 || fstat(fd[2], &b) < 0)
      return sbx_set_errno(err, "fstat the job's stdout and stderr files");
    if (a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
      close(st->opened_stdio[SBX_STDERR]);
      st->opened_stdio[SBX_STDERR] = -1;
      fd[2] = fd[1];
    }
  }
  st->ctx.stdin_fd = fd[0];
  st->ctx.stdout_fd = fd[1];
  st->ctx.stderr_fd = fd[2];
  if (spec->limits.output == SBX_UNSET) return 0; /* the job writes to them itself */
  /* The job writes into pipes that main pumps on to these fds, up to the cap: one pipe when
   * the two are one sink, else the order between them would be lost in main's reads. */
  bool merged = streams_same(fd[1], fd[2], true);
  if (output_open(&st->out, spec->limits.output, fd[1], fd[2], merged, err) < 0) return -1;
  if (merged) run_log(st, "stdout and stderr go to one file: one pipe carries both");
  st->ctx.stdout_fd = st->out.wr[0];
  st->ctx.stderr_fd = merged ? st->out.wr[0] : st->out.wr[1];
  return 0;
}

void streams_close(engine_run *st) {
  for (int i = 0; i < 3; i++) {
    if (st->opened_stdio[i] >= 0) close(st->opened_stdio[i]);
    st->opened_stdio[i] = -1;
  }
}
