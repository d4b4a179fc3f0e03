/* channel.c: the protocol between the engine's processes (see channel.h). */
#include "channel.h"

#include "util.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>

int channel_open(channel *ch, sbx_error **err) {
  int sv[2];
  ch->rd = ch->wr = -1;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return sbx_set_errno(err, "create a channel (socketpair)");
  /* One direction each: sv[0] reads, sv[1] writes. Shutting the other direction down makes a
   * misuse fail loudly instead of silently queueing. */
  if (shutdown(sv[0], SHUT_WR) < 0 || shutdown(sv[1], SHUT_RD) < 0) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    return sbx_set_error(err, e, "create a channel (shutdown)");
  }
  ch->rd = sv[0];
  ch->wr = sv[1];
  return 0;
}

void channel_close_end(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

void channel_close(channel *ch) {
  channel_close_end(&ch->rd);
  channel_close_end(&ch->wr);
}

const char *chan_type_name(uint32_t type) {
  switch (type) {
  case MSG_MAP_REQUEST: return "id-map request";
  case MSG_MAP_DONE: return "id-map acknowledgement";
  case MSG_INIT_PID: return "init pid";
  case MSG_JOB_READY: return "job ready";
  case MSG_JOB_GO: return "job go-ahead";
  case MSG_JOB_EXIT: return "job exit";
  case MSG_MAY_EXIT: return "init may exit";
  case MSG_ERROR: return "error";
  case MSG_EXEC_FAILED: return "exec failure";
  case MSG_SECCOMP_LISTENER: return "seccomp listener";
  default: return "unknown message";
  }
}

#define HEADER  offsetof(chan_msg, u)
#define TEXT_AT (HEADER + offsetof(chan_text, text))

/* The payload size of a fixed-size type; -1 for the text types (variable). */
static ssize_t payload_size(uint32_t type) {
  switch (type) {
  case MSG_INIT_PID: return sizeof(int32_t);
  case MSG_JOB_EXIT: return sizeof(chan_job_exit);
  case MSG_ERROR:
  case MSG_EXEC_FAILED: return -1;
  default: return 0;
  }
}

static size_t msg_size(const chan_msg *msg) {
  ssize_t p = payload_size(msg->type);
  if (p >= 0) return HEADER + (size_t)p;
  return TEXT_AT + strnlen(msg->u.error.text, CHANNEL_TEXT_MAX - 1) + 1;
}

/* Sends one message, with `pass_fd` as SCM_RIGHTS when it is >= 0. The raw system call: the
 * notify variant of the seccomp filter exempts the native sendmsg on one socket only. */
static int send_msg(int fd, const chan_msg *msg, int pass_fd) {
  size_t n = msg_size(msg);
  struct iovec iov = {.iov_base = (void *)msg, .iov_len = n};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (pass_fd >= 0) {
    memset(&u, 0, sizeof u);
    mh.msg_control = u.buf;
    mh.msg_controllen = sizeof u.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  for (;;) {
    long r = syscall(SYS_sendmsg, fd, &mh, MSG_NOSIGNAL);
    if (r >= 0) return (size_t)r == n ? 0 : (errno = EMSGSIZE, -1);
    if (errno != EINTR) return -1;
  }
}

static int send_type(int fd, chan_type type, sbx_error **err) {
  chan_msg msg = {.type = type};
  if (send_msg(fd, &msg, -1) < 0)
    return sbx_set_errno(err, "send the %s message", chan_type_name(type));
  return 0;
}

/* Receives one message into *msg, and its passed fd into *fd_out when fd_out is given. */
static int recv_msg(int fd, chan_msg *msg, int *fd_out, const char *what, sbx_error **err) {
  struct iovec iov = {.iov_base = msg, .iov_len = sizeof *msg};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (fd_out) {
    mh.msg_control = u.buf;
    mh.msg_controllen = sizeof u.buf;
  }
  ssize_t n;
  do n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN) return -1;
    return sbx_set_errno(err, "read from the %s channel", what);
  }
  if (n == 0) {
    sbx_set_error(err, EPIPE, "the %s channel closed unexpectedly", what);
    return 0;
  }
  if (fd_out) {
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len == CMSG_LEN(sizeof(int)))
      memcpy(fd_out, CMSG_DATA(c), sizeof(int));
  }
  if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
    return sbx_set_error(err, EPROTO, "garbled message on the %s channel: truncated", what);
  if ((size_t)n < HEADER)
    return sbx_set_error(err, EPROTO, "garbled message on the %s channel: %zd bytes", what, n);
  if (msg->type == 0 || msg->type >= MSG_TYPE_MAX)
    return sbx_set_error(err, EPROTO, "garbled message on the %s channel: type %u", what,
                         msg->type);
  ssize_t want = payload_size(msg->type);
  if (want >= 0 ? (size_t)n != HEADER + (size_t)want : (size_t)n < TEXT_AT + 1)
    return sbx_set_error(err, EPROTO, "garbled message on the %s channel: %zd bytes for a %s", what,
                         n, chan_type_name(msg->type));
  if (want < 0 && ((char *)msg)[n - 1] != '\0')
    return sbx_set_error(err, EPROTO, "garbled message on the %s channel: text not terminated",
                         what);
  return 1;
}

int chan_recv(int fd, chan_msg *msg, unsigned allowed, const char *what, sbx_error **err) {
  int r = recv_msg(fd, msg, NULL, what, err);
  if (r <= 0) return r;
  if (!(allowed & CHAN_ALLOW(msg->type)))
    return sbx_set_error(err, EPROTO, "unexpected %s message on the %s channel",
                         chan_type_name(msg->type), what);
  return 1;
}

/* Waits for one message of `type` (or EOF: 0). */
static int wait_for(int fd, chan_type type, const char *what, sbx_error **err) {
  chan_msg msg;
  return chan_recv(fd, &msg, CHAN_ALLOW(type), what, err);
}

int chan_request_maps(int up, sbx_error **err) { return send_type(up, MSG_MAP_REQUEST, err); }

int chan_wait_maps_done(int down, sbx_error **err) {
  return wait_for(down, MSG_MAP_DONE, "supervisor", err) == 1 ? 0 : -1;
}

int chan_maps_done(int down, sbx_error **err) { return send_type(down, MSG_MAP_DONE, err); }

int chan_report_init_pid(int up, pid_t pid, sbx_error **err) {
  chan_msg msg = {.type = MSG_INIT_PID, .u.pid = (int32_t)pid};
  if (send_msg(up, &msg, -1) < 0) return sbx_set_errno(err, "send the init pid message");
  return 0;
}

int chan_report_ready(int up, sbx_error **err) { return send_type(up, MSG_JOB_READY, err); }

int chan_wait_go(int down, sbx_error **err) {
  return wait_for(down, MSG_JOB_GO, "supervisor", err) == 1 ? 0 : -1;
}

int chan_let_job_exec(int down, sbx_error **err) { return send_type(down, MSG_JOB_GO, err); }

int chan_report_job_exit(int up, const chan_job_exit *exit, sbx_error **err) {
  chan_msg msg = {.type = MSG_JOB_EXIT, .u.exit = *exit};
  if (send_msg(up, &msg, -1) < 0) return sbx_set_errno(err, "send the job exit message");
  return 0;
}

int chan_let_init_exit(int down, sbx_error **err) { return send_type(down, MSG_MAY_EXIT, err); }

int chan_wait_may_exit(int down, sbx_error **err) {
  chan_msg msg;
  for (;;) {
    int r =
        chan_recv(down, &msg, CHAN_ALLOW(MSG_MAY_EXIT) | CHAN_ALLOW(MSG_JOB_GO), "supervisor", err);
    if (r <= 0 || msg.type == MSG_MAY_EXIT) return r;
  }
}

int chan_report_error(int fd, chan_type type, int code, const char *text) {
  chan_msg msg;
  memset(&msg, 0, TEXT_AT);
  msg.type = type;
  msg.u.error.code = code;
  size_t n = text ? strnlen(text, CHANNEL_TEXT_MAX - 1) : 0;
  if (n) memcpy(msg.u.error.text, text, n);
  msg.u.error.text[n] = '\0';
  return send_msg(fd, &msg, -1);
}

int chan_send_listener(int sock, int listener, sbx_error **err) {
  chan_msg msg = {.type = MSG_SECCOMP_LISTENER};
  if (send_msg(sock, &msg, listener) < 0)
    return sbx_set_errno(err, "hand the seccomp listener to init");
  return 0;
}

int chan_recv_listener(int sock, int *listener, sbx_error **err) {
  chan_msg msg;
  int fd = -1;
  int r = recv_msg(sock, &msg, &fd, "seccomp hand-off", err);
  if (r == 1 && msg.type == MSG_SECCOMP_LISTENER && fd >= 0) {
    *listener = fd;
    return 0;
  }
  if (fd >= 0) close(fd);
  if (r == 1)
    return sbx_set_error(
        err, EPROTO, "receive the seccomp listener: %s",
        msg.type == MSG_SECCOMP_LISTENER ? "no descriptor came" : chan_type_name(msg.type));
  return -1;
}

sbx_error *chan_msg_error(const chan_msg *msg) {
  sbx_error *e = xcalloc(1, sizeof *e);
  e->code = msg->u.error.code;
  e->message = xstrdup(msg->u.error.text[0] ? msg->u.error.text : "setup failed");
  return e;
}
