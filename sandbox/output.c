/* output.c: the output limit's pipes, pumped by main (see output.h). */
#include "output.h"

#include "util.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

void output_init(output_capture *oc) {
  memset(oc, 0, sizeof *oc);
  oc->rd[0] = oc->rd[1] = oc->wr[0] = oc->wr[1] = oc->dst[0] = oc->dst[1] = -1;
}

int output_open(output_capture *oc, uint64_t cap, int out_dst, int err_dst, sbx_error **err) {
  oc->on = true;
  oc->cap = cap;
  oc->dst[0] = out_dst;
  oc->dst[1] = err_dst;
  for (int i = 0; i < 2; i++) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
      return sbx_set_errno(err, "create the pipe for the job's %s", i ? "stderr" : "stdout");
    oc->rd[i] = p[0];
    oc->wr[i] = p[1];
    int fl = fcntl(p[0], F_GETFL);
    if (fl < 0 || fcntl(p[0], F_SETFL, fl | O_NONBLOCK) < 0)
      return sbx_set_errno(err, "make the job's %s pipe non-blocking", i ? "stderr" : "stdout");
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
  }
}

/* Writes all of buf to the caller's fd. A write to a pipe whose reader is gone raises SIGPIPE
 * in this thread, and the library must not kill its caller: SIGPIPE is blocked around the
 * write and a pending one is taken off before the mask is restored. A non-blocking fd that is
 * full is waited for. */
static bool deliver(int fd, const char *buf, size_t n) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  if (pthread_sigmask(SIG_BLOCK, &pipe_set, &old) != 0) return false;
  bool ok = true;
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      struct pollfd p = {.fd = fd, .events = POLLOUT};
      poll(&p, 1, 1000);
      continue;
    }
    if (w <= 0) {
      ok = false;
      break;
    }
    buf += w;
    n -= (size_t)w;
  }
  if (!ok && errno == EPIPE && !sigismember(&old, SIGPIPE)) {
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return ok;
}

int output_pump(output_capture *oc, int i, sbx_error **err) {
  char buf[65536];
  for (;;) {
    if (oc->rd[i] < 0) return 0;
    ssize_t n = read(oc->rd[i], buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return 0;
      return sbx_set_errno(err, "read the job's %s", i ? "stderr" : "stdout");
    }
    if (n == 0) {
      close_one(&oc->rd[i]);
      return 0;
    }
    uint64_t used = oc->bytes[0] + oc->bytes[1];
    uint64_t room = used < oc->cap ? oc->cap - used : 0;
    size_t take = (uint64_t)n < room ? (size_t)n : (size_t)room;
    if ((uint64_t)n > room) oc->exceeded = true;
    if (take > 0 && !oc->dst_failed[i] && !deliver(oc->dst[i], buf, take)) oc->dst_failed[i] = true;
    oc->bytes[i] += take;
    if (oc->exceeded) return 0;
  }
}

void output_drain(output_capture *oc) {
  /* No writer is left: each read returns data or EOF, never blocks for long. */
  for (int i = 0; i < 2; i++) {
    while (oc->rd[i] >= 0 && !oc->exceeded) {
      struct pollfd p = {.fd = oc->rd[i], .events = POLLIN};
      if (poll(&p, 1, 1000) <= 0) break;
      if (output_pump(oc, i, NULL) < 0) break;
    }
  }
}
