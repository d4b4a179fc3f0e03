/* channel.c: typed messages over SOCK_SEQPACKET socketpairs (see channel.h). */
#include "channel.h"

#include "util.h"

#include <stddef.h>
#include <sys/socket.h>

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

const char *channel_msg_name(uint32_t type) {
  switch (type) {
  case MSG_MAP_REQUEST: return "id-map request";
  case MSG_MAP_DONE: return "id-map acknowledgement";
  case MSG_INIT_PID: return "init pid";
  case MSG_ERROR: return "error";
  case MSG_EXEC_FAILED: return "exec failure";
  case MSG_JOB_EXIT: return "job exit";
  case MSG_JOB_START: return "job start";
  case MSG_JOB_GO: return "job go-ahead";
  default: return "unknown message";
  }
}

static size_t msg_size(const channel_msg *msg) {
  return offsetof(channel_msg, text) + strnlen(msg->text, CHANNEL_TEXT_MAX - 1) + 1;
}

static int send_raw(int fd, const channel_msg *msg) {
  size_t n = msg_size(msg);
  for (;;) {
    ssize_t r = send(fd, msg, n, MSG_NOSIGNAL);
    if (r >= 0) return (size_t)r == n ? 0 : (errno = EMSGSIZE, -1);
    if (errno != EINTR) return -1;
  }
}

int channel_send(int fd, const channel_msg *msg, sbx_error **err) {
  if (send_raw(fd, msg) < 0)
    return sbx_set_errno(err, "send the %s message", channel_msg_name(msg->type));
  return 0;
}

int channel_send_simple(int fd, channel_msg_type type, int32_t pid, sbx_error **err) {
  channel_msg msg;
  memset(&msg, 0, offsetof(channel_msg, text) + 1);
  msg.type = type;
  msg.pid = pid;
  return channel_send(fd, &msg, err);
}

int channel_send_text(int fd, channel_msg_type type, int code, const char *text) {
  channel_msg msg;
  memset(&msg, 0, offsetof(channel_msg, text));
  msg.type = type;
  msg.code = code;
  size_t n = text ? strnlen(text, CHANNEL_TEXT_MAX - 1) : 0;
  if (n) memcpy(msg.text, text, n);
  msg.text[n] = '\0';
  return send_raw(fd, &msg);
}

int channel_recv(int fd, channel_msg *msg, const char *what, sbx_error **err) {
  struct iovec iov = {.iov_base = msg, .iov_len = sizeof *msg};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
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
  if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
    return sbx_set_error(err, EPROTO, "garbled message on the %s channel: truncated", what);
  if ((size_t)n < offsetof(channel_msg, text) + 1)
    return sbx_set_error(err, EPROTO, "garbled message on the %s channel: %zd bytes", what, n);
  if (msg->type == 0 || msg->type >= MSG_TYPE_MAX)
    return sbx_set_error(err, EPROTO, "garbled message on the %s channel: type %u", what,
                         msg->type);
  size_t textlen = (size_t)n - offsetof(channel_msg, text);
  if (msg->text[textlen - 1] != '\0')
    return sbx_set_error(err, EPROTO, "garbled message on the %s channel: text not terminated",
                         what);
  return 1;
}
