/* streams.h: the job's standard streams, chosen by main before the fork (streams.c). Each is
 * the caller's fd (inherit, the default), /dev/null, or a host file that main opens with the
 * caller's rights. Under an output limit, stdout and stderr become the pipes of the output
 * capture (output.h): one pipe for both when they go to the same open file or terminal, so
 * that `2>&1` keeps the order the job wrote them in. */
#ifndef SANDBOX_STREAMS_H
#define SANDBOX_STREAMS_H

#include "run.h"

#include <sys/stat.h>

/* What decides whether two fds lead to one sink, gathered from each fd (streams_facts_of). */
typedef struct stream_facts {
  bool ok; /* fstat succeeded; nothing else is set otherwise */
  mode_t mode;
  dev_t dev, rdev;
  ino_t ino;
  bool tty;      /* isatty() */
  off_t offset;  /* lseek(SEEK_CUR); -1 where it cannot seek */
  int fl_status; /* fcntl(F_GETFL) */
} stream_facts;

/* The kernel's answer to kcmp(KCMP_FILE) on two fds of this process: whether they are one
 * open file description. */
typedef enum stream_kcmp {
  STREAM_KCMP_UNKNOWN = -1, /* no answer (ENOSYS: no CONFIG_KCMP; EPERM: a seccomp filter) */
  STREAM_KCMP_DIFFERENT = 0,
  STREAM_KCMP_SAME = 1,
} stream_kcmp;

void streams_facts_of(int fd, stream_facts *f);
stream_kcmp streams_kcmp(int a, int b);
/* Pure: whether output written to the two fds lands in one sink, in the order written, so that
 * one pipe may carry both: one open file description (kcmp), or one terminal (two character
 * devices that are terminals with the same st_rdev, whatever the descriptions). Without kcmp's
 * answer, the same inode: a pipe, FIFO or socket is one sink, a regular file or block device
 * only when the offsets and status flags agree too (two descriptions at one offset, as
 * `>f 2>f` makes, then pass for one). */
bool streams_same_sink(stream_kcmp kcmp, const stream_facts *a, const stream_facts *b);
/* streams_same_sink on two fds (the same number is one sink); `use_kcmp` false: as if kcmp
 * had no answer (for tests). */
bool streams_same(int a, int b, bool use_kcmp);

/* In main, before the fork: opens what the spec's process.stdio asks for (errors name the path
 * and the reason) and sets run->ctx's stdin_fd, stdout_fd, stderr_fd; with an output limit,
 * opens the capture's pipes (merged when stdout and stderr are one sink). */
int streams_prepare(engine_run *run, sbx_error **err);
/* Closes the fds streams_prepare opened (not the capture's: output_close). */
void streams_close(engine_run *run);

#endif
