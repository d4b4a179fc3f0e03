/* channel.h: the protocol between the engine's processes, one function per step.
 *
 * A channel is one socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC) used in one direction:
 * the "up" channel carries messages from the intermediate, init and job processes to main, the
 * "down" channel from main to the intermediate, init and the job. SOCK_SEQPACKET keeps message
 * boundaries, so each send is one whole message: a type and the payload of that type. A closed
 * channel (EOF) or a message that is too short, truncated, of an unknown type, of the wrong
 * size for its type, not NUL-terminated or not legal at that point is an error with a message,
 * never a hang.
 *
 * The steps, in order (who -> whom: message):
 *   intermediate -> main:  MAP_REQUEST  (chan_request_maps; only with a user namespace)
 *   main -> intermediate:  MAP_DONE     (chan_maps_done / chan_wait_maps_done)
 *   intermediate -> main:  INIT_PID     (chan_report_init_pid)
 *   job -> main:           JOB_READY    (chan_report_ready: set up, blocked before execve)
 *   main -> job:           JOB_GO       (chan_let_job_exec / chan_wait_go: go on to execve)
 *   job -> init:           SECCOMP_LISTENER, with the fd (chan_send_listener, own socketpair)
 *   init -> main:          JOB_EXIT     (chan_report_job_exit)
 *   main -> init:          MAY_EXIT     (chan_let_init_exit / chan_wait_may_exit)
 * and from any child, at any point, ERROR or (the job) EXEC_FAILED (chan_report_error).
 * main states which messages are legal at each point (chan_recv's `allowed` mask). */
#ifndef SANDBOX_CHANNEL_H
#define SANDBOX_CHANNEL_H

#include "sandbox.h"

#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

typedef enum chan_type {
  MSG_MAP_REQUEST = 1,  /* intermediate -> main: write my uid_map/gid_map; no payload */
  MSG_MAP_DONE,         /* main -> intermediate: the maps are written; no payload */
  MSG_INIT_PID,         /* intermediate -> main: `pid` is the init process (main's pid ns) */
  MSG_JOB_READY,        /* job -> main: set-up done, waiting for JOB_GO before execve */
  MSG_JOB_GO,           /* main -> job: go on to execve */
  MSG_JOB_EXIT,         /* init -> main: the job ended (chan_job_exit) */
  MSG_MAY_EXIT,         /* main -> init: the figures are taken, init may exit */
  MSG_ERROR,            /* any child -> main: setup failed (chan_text) */
  MSG_EXEC_FAILED,      /* job -> main: execve failed (chan_text) */
  MSG_SECCOMP_LISTENER, /* job -> init: the seccomp listener, as the one passed fd */
  MSG_TYPE_MAX,
} chan_type;

/* A set of message types, for chan_recv: CHAN_ALLOW(MSG_INIT_PID) | CHAN_ALLOW(MSG_ERROR). */
#define CHAN_ALLOW(type)  (1u << (type))
#define CHAN_ALLOW_ERRORS (CHAN_ALLOW(MSG_ERROR) | CHAN_ALLOW(MSG_EXEC_FAILED))

#define CHANNEL_TEXT_MAX 2048

/* MSG_JOB_EXIT's payload. */
typedef struct chan_job_exit {
  int32_t wstatus; /* the job's wait status */
  struct rusage ru;
  int32_t forbidden; /* a forbidden syscall ended the job: its audit arch and number */
  uint32_t sc_arch;
  int32_t sc_nr;
} chan_job_exit;

/* MSG_ERROR's and MSG_EXEC_FAILED's payload. */
typedef struct chan_text {
  int32_t code;                /* errno */
  char text[CHANNEL_TEXT_MAX]; /* NUL-terminated; only the used part is sent */
} chan_text;

typedef struct chan_msg {
  uint32_t type;
  union {
    int32_t pid;        /* MSG_INIT_PID */
    chan_job_exit exit; /* MSG_JOB_EXIT */
    chan_text error;    /* MSG_ERROR, MSG_EXEC_FAILED */
  } u;
} chan_msg;

/* A channel: rd and wr ends, both close-on-exec. */
typedef struct channel {
  int rd, wr;
} channel;

int channel_open(channel *ch, sbx_error **err);
/* Closes both ends (ignores -1). */
void channel_close(channel *ch);
/* Closes one end: *fd becomes -1. */
void channel_close_end(int *fd);

/* ---- the steps (each sends or waits for one message) ---------------------------------------- */

int chan_request_maps(int up, sbx_error **err);
int chan_wait_maps_done(int down, sbx_error **err);
int chan_maps_done(int down, sbx_error **err);
int chan_report_init_pid(int up, pid_t pid, sbx_error **err);
int chan_report_ready(int up, sbx_error **err);
/* In the job: waits for MSG_JOB_GO. EOF (main gone) is an error too: the job must not run. */
int chan_wait_go(int down, sbx_error **err);
int chan_let_job_exec(int down, sbx_error **err);
int chan_report_job_exit(int up, const chan_job_exit *exit, sbx_error **err);
int chan_let_init_exit(int down, sbx_error **err);
/* In init: waits for MSG_MAY_EXIT. A MSG_JOB_GO the job never took (it ended before) is
 * skipped. Returns 1 on MAY_EXIT, 0 on EOF (main gone: exit all the same), -1 on error. */
int chan_wait_may_exit(int down, sbx_error **err);
/* In a child: sends (code, message) as MSG_ERROR or MSG_EXEC_FAILED. Never allocates. */
int chan_report_error(int fd, chan_type type, int code, const char *text);
/* The seccomp listener, from the job to init over their own socketpair. The send uses the raw
 * sendmsg system call, the one call the notify filter lets through on that socket. */
int chan_send_listener(int sock, int listener, sbx_error **err);
int chan_recv_listener(int sock, int *listener, sbx_error **err);

/* Receives one message (blocking unless the fd is non-blocking) whose type must be in
 * `allowed` (CHAN_ALLOW bits); `what` names the channel in errors ("sandbox setup"). Returns 1
 * on a message, 0 on EOF (*err says which channel closed), -1 on error, on a garbled message
 * or on one not allowed here. With EAGAIN on a non-blocking fd returns -1 with errno EAGAIN and
 * no *err. */
int chan_recv(int fd, chan_msg *msg, unsigned allowed, const char *what, sbx_error **err);

/* The error a MSG_ERROR or MSG_EXEC_FAILED message carries. */
sbx_error *chan_msg_error(const chan_msg *msg);

/* The name of a message type, for errors: "id-map request". */
const char *chan_type_name(uint32_t type);

#endif
