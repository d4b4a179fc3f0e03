/* channel.h: typed messages between the engine's processes.
 *
 * A channel is one socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC) used in one direction:
 * the "up" channel carries messages from the intermediate, init and job processes to main, the
 * "down" channel from main to the intermediate. SOCK_SEQPACKET keeps message boundaries, so each
 * send is one whole message. A closed channel (EOF) or a message that is too short, truncated,
 * of an unknown type or not NUL-terminated is an error with a message, never a hang. */
#ifndef SANDBOX_CHANNEL_H
#define SANDBOX_CHANNEL_H

#include "sandbox.h"

#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

typedef enum channel_msg_type {
  MSG_MAP_REQUEST = 1, /* intermediate -> main: write my uid_map/gid_map */
  MSG_MAP_DONE,        /* main -> intermediate: the maps are written */
  MSG_INIT_PID,        /* intermediate -> main: `pid` is the init process (main's pid ns) */
  MSG_ERROR,           /* any stage -> main: setup failed, `code` errno, `text` message */
  MSG_EXEC_FAILED,     /* job -> main: execve failed, `code` errno, `text` message */
  MSG_JOB_EXIT,        /* init -> main: the job ended with wait status `wstatus`, rusage `ru` */
  MSG_JOB_START,       /* init -> main (with a cgroup): set-up done, about to fork the job */
  MSG_JOB_GO,          /* main -> init: the cgroup's CPU figure is noted, fork the job */
  MSG_TYPE_MAX,
} channel_msg_type;

#define CHANNEL_TEXT_MAX 2048

typedef struct channel_msg {
  uint32_t type;
  int32_t code;
  int32_t pid;
  int32_t wstatus;
  struct rusage ru;
  /* MSG_JOB_EXIT: a forbidden syscall ended the job (its audit arch and number). */
  int32_t forbidden;
  uint32_t sc_arch;
  int32_t sc_nr;
  char text[CHANNEL_TEXT_MAX]; /* NUL-terminated; only the used part is sent */
} channel_msg;

/* A channel: rd and wr ends, both close-on-exec. */
typedef struct channel {
  int rd, wr;
} channel;

int channel_open(channel *ch, sbx_error **err);
/* Closes both ends (ignores -1). */
void channel_close(channel *ch);
/* Closes one end: *fd becomes -1. */
void channel_close_end(int *fd);

/* Sends one message of `type`; the text (may be NULL) is truncated to CHANNEL_TEXT_MAX - 1. */
int channel_send(int fd, const channel_msg *msg, sbx_error **err);
int channel_send_simple(int fd, channel_msg_type type, int32_t pid, sbx_error **err);
/* Sends (code, message) as MSG_ERROR or MSG_EXEC_FAILED. Never allocates; for children. */
int channel_send_text(int fd, channel_msg_type type, int code, const char *text);

/* Receives one message (blocking unless the fd is non-blocking). Returns 1 on a message, 0 on
 * EOF (the peer closed; *err says which channel closed, from `what`), -1 on error or a garbled
 * message. With EAGAIN on a non-blocking fd returns -1 with errno EAGAIN and no *err. */
int channel_recv(int fd, channel_msg *msg, const char *what, sbx_error **err);

/* The name of a message type, for errors: "map request". */
const char *channel_msg_name(uint32_t type);

#endif
