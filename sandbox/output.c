/* output.c: the output limit's pipes, pumped by main (see output.h). */
#include "output.h"

#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#define BUF_SIZE 65536

void output_init(output_capture *oc) {
  memset(oc, 0, sizeof *oc);
  oc->rd[0] = oc->rd[1] = oc->wr[0] = oc->wr[1] = oc->dst[0] = oc->dst[1] = -1;
}

int output_open(output_capture *oc, uint64_t cap, int out_dst, int err_dst, bool merged,
                sbx_error **err) {
  oc->on = true;
  oc->merged = merged;
  oc->cap = cap;
  oc->dst[0] = out_dst;
  oc->dst[1] = merged ? -1 : err_dst;
  for (int i = 0; i < (merged ? 1 : 2); i++) {
    const char *name = merged ? "stdout and stderr" : i ? "stderr" : "stdout";
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
      return sbx_set_errno(err, "create the pipe for the job's %s", name);
    oc->rd[i] = p[0];
    oc->wr[i] = p[1];
    int fl = fcntl(p[0], F_GETFL);
    if (fl < 0 || fcntl(p[0], F_SETFL, fl | O_NONBLOCK) < 0)
      return sbx_set_errno(err, "make the job's %s pipe non-blocking", name);
    /* The caller's fd may be blocking, and its flags are the caller's: main writes to it only
     * after poll() says it has room, and no more than it then takes without blocking (a pipe:
     * PIPE_BUF; a socket: send() with MSG_DONTWAIT; a file never blocks for long). */
    struct stat sb;
    if (fstat(oc->dst[i], &sb) < 0) {
      /* Not fatal: a caller's fd that is not open fails its first write, and the job's bytes
       * are then counted only (dst_failed), as for a reader that went away. */
      sb.st_mode = 0;
    }
    oc->dst_sock[i] = S_ISSOCK(sb.st_mode);
    oc->chunk[i] =
        S_ISREG(sb.st_mode) || S_ISBLK(sb.st_mode) || oc->dst_sock[i] ? BUF_SIZE : PIPE_BUF;
    oc->pend[i] = xmalloc(BUF_SIZE);
  }
  return 0;
}

static void close_one(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

void output_close_write_ends(output_capture *oc) {
  close_one(&oc->wr[0]);
  close_one(&oc->wr[1]);
}

void output_close(output_capture *oc) {
  for (int i = 0; i < 2; i++) {
    close_one(&oc->rd[i]);
    close_one(&oc->wr[i]);
    free(oc->pend[i]);
    oc->pend[i] = NULL;
    oc->pend_off[i] = oc->pend_len[i] = 0;
  }
}

static size_t pending(const output_capture *oc, int i) { return oc->pend_len[i] - oc->pend_off[i]; }

bool output_wants_read(const output_capture *oc, int i) {
  return oc->rd[i] >= 0 && !oc->exceeded && pending(oc, i) == 0;
}

bool output_wants_write(const output_capture *oc, int i) {
  return pending(oc, i) > 0 && !oc->dst_failed[i];
}

/* Drops what waits for stream i (the caller's fd failed or stalled). */
static void drop_pending(output_capture *oc, int i) {
  oc->dropped[i] += pending(oc, i);
  oc->pend_off[i] = oc->pend_len[i] = 0;
}

/* One write of at most chunk[i] bytes to the caller's fd, which poll() said has room. A write
 * to a pipe whose reader is gone raises SIGPIPE in this thread, and the library must not kill
 * its caller: SIGPIPE is blocked around the write and a pending one is taken off before the
 * mask is restored. */
static ssize_t write_dst(output_capture *oc, int i, const char *buf, size_t n) {
  if (n > oc->chunk[i]) n = oc->chunk[i];
  if (oc->dst_sock[i]) {
    ssize_t w = send(oc->dst[i], buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (!(w < 0 && errno == ENOTSOCK)) return w;
  }
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  if (pthread_sigmask(SIG_BLOCK, &pipe_set, &old) != 0) return -1;
  ssize_t w = write(oc->dst[i], buf, n);
  int saved = errno;
  if (w < 0 && saved == EPIPE && !sigismember(&old, SIGPIPE)) {
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  errno = saved;
  return w;
}

/* Writes what waits for stream i as far as the caller's fd takes it, waiting up to timeout_ms
 * for room each time (0: not at all). Returns true when nothing waits any more. A failed fd
 * (EPIPE...) drops what waits and later bytes; so does one that takes nothing for timeout_ms
 * when timeout_ms > 0 (the job's end: the supervisor does not wait for ever). */
static bool flush(output_capture *oc, int i, int timeout_ms) {
  while (pending(oc, i) > 0) {
    if (oc->dst_failed[i]) {
      drop_pending(oc, i);
      break;
    }
    struct pollfd p = {.fd = oc->dst[i], .events = POLLOUT};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0 && timeout_ms == 0) return false;
    if (r <= 0 || (p.revents & POLLNVAL)) {
      oc->dst_failed[i] = true;
      continue;
    }
    ssize_t w = write_dst(oc, i, oc->pend[i] + oc->pend_off[i], pending(oc, i));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      if (timeout_ms == 0) return false;
      continue;
    }
    if (w <= 0) {
      oc->dst_failed[i] = true;
      continue;
    }
    oc->pend_off[i] += (size_t)w;
  }
  oc->pend_off[i] = oc->pend_len[i] = 0;
  return true;
}

/* Reads at most `max` bytes of stream i into its (empty) buffer, up to the cap. Returns the
 * bytes read, 0 at EOF (rd[i] is then closed), -1 with errno (EAGAIN: nothing queued). */
static ssize_t take(output_capture *oc, int i, size_t max) {
  ssize_t n;
  do n = read(oc->rd[i], oc->pend[i], max < BUF_SIZE ? max : BUF_SIZE);
  while (n < 0 && errno == EINTR);
  if (n == 0) close_one(&oc->rd[i]);
  if (n <= 0) return n;
  uint64_t used = oc->bytes[0] + oc->bytes[1];
  uint64_t room = used < oc->cap ? oc->cap - used : 0;
  size_t kept = (uint64_t)n < room ? (size_t)n : (size_t)room;
  if ((uint64_t)n > room) oc->exceeded = true;
  oc->bytes[i] += kept;
  oc->pend_off[i] = 0;
  oc->pend_len[i] = kept;
  if (oc->dst_failed[i]) drop_pending(oc, i);
  return n;
}

int output_pump(output_capture *oc, int i, sbx_error **err) {
  for (;;) {
    if (!flush(oc, i, 0)) return 0;
    if (oc->rd[i] < 0 || oc->exceeded) return 0;
    ssize_t n = take(oc, i, BUF_SIZE);
    if (n < 0 && errno == EAGAIN) return 0;
    if (n < 0) return sbx_set_errno(err, "read the job's %s", i ? "stderr" : "stdout");
  }
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void output_finish(output_capture *oc, bool pidns) {
  /* With a pid namespace, what is queued now is all the job wrote: a writer still holding a
   * write end is outside the job (an fd passed out over a unix socket) and its bytes are not
   * the job's. */
  uint64_t quota[2] = {0, 0};
  for (int i = 0; i < 2; i++) {
    int q = 0;
    if (pidns && oc->rd[i] >= 0 && ioctl(oc->rd[i], FIONREAD, &q) == 0 && q > 0)
      quota[i] = (uint64_t)q;
  }
  int64_t deadline = now_ms() + OUTPUT_DRAIN_MS;
  for (int i = 0; i < 2; i++) {
    for (;;) {
      flush(oc, i, OUTPUT_IDLE_MS);
      if (oc->rd[i] < 0 || oc->exceeded || (pidns && quota[i] == 0)) break;
      ssize_t n =
          take(oc, i, pidns ? (size_t)(quota[i] < BUF_SIZE ? quota[i] : BUF_SIZE) : BUF_SIZE);
      if (n > 0) {
        if (pidns) quota[i] -= (uint64_t)n;
        continue;
      }
      if (n == 0 || errno != EAGAIN || pidns) break;
      /* No pid namespace: a process of the job may outlive init; wait for EOF, briefly. */
      int64_t left = deadline - now_ms();
      if (left <= 0) break;
      struct pollfd p = {.fd = oc->rd[i], .events = POLLIN};
      if (poll(&p, 1, (int)left) == 0) break;
    }
  }
}
