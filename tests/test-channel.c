/* test-channel.c: the protocol between the engine's processes (sandbox/channel.c): every step's
 * message round-trips with its payload, and whatever is garbled, of the wrong size for its
 * type, or not legal at that point is an error with a message, never a hang. */
#define TEST_FILE "test-channel"
#include "harness.h"

#include "channel.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static channel open_channel(void) {
  channel ch;
  sbx_error *err = NULL;
  if (channel_open(&ch, &err) < 0) TEST_FAIL("channel_open: %s", err->message);
  return ch;
}

/* Receives one message that must be allowed, of `type`. */
static chan_msg recv_one(int fd, unsigned allowed, uint32_t type) {
  chan_msg m;
  sbx_error *err = NULL;
  int r = chan_recv(fd, &m, allowed, "test", &err);
  if (r != 1) TEST_FAIL("chan_recv: %d (%s)", r, err ? err->message : "no error");
  if (m.type != type)
    TEST_FAIL("got a %s, expected a %s", chan_type_name(m.type), chan_type_name(type));
  return m;
}

/* chan_recv must refuse what is in the channel, with a message containing `want`. */
static void expect_refused(int fd, unsigned allowed, const char *want) {
  chan_msg m;
  sbx_error *err = NULL;
  int r = chan_recv(fd, &m, allowed, "test", &err);
  if (r != -1 || !err) TEST_FAIL("chan_recv returned %d, expected a refusal (%s)", r, want);
  if (!strstr(err->message, want))
    TEST_FAIL("error '%s' does not contain '%s'", err->message, want);
  sbx_error_free(err);
}

TEST(every_step_round_trips) {
  channel ch = open_channel();
  sbx_error *err = NULL;
  unsigned all = ~0u;
  CHECK_EQ_INT(chan_request_maps(ch.wr, &err), 0);
  recv_one(ch.rd, all, MSG_MAP_REQUEST);
  CHECK_EQ_INT(chan_maps_done(ch.wr, &err), 0);
  CHECK_EQ_INT(chan_wait_maps_done(ch.rd, &err), 0);
  CHECK_EQ_INT(chan_report_init_pid(ch.wr, 4242, &err), 0);
  CHECK_EQ_INT(recv_one(ch.rd, all, MSG_INIT_PID).u.pid, 4242);
  CHECK_EQ_INT(chan_report_ready(ch.wr, &err), 0);
  recv_one(ch.rd, all, MSG_JOB_READY);
  CHECK_EQ_INT(chan_let_job_exec(ch.wr, &err), 0);
  CHECK_EQ_INT(chan_wait_go(ch.rd, &err), 0);
  chan_job_exit ex = {.wstatus = 3 << 8, .forbidden = 1, .sc_arch = 0xc000003e, .sc_nr = 165};
  ex.ru.ru_maxrss = 1234;
  CHECK_EQ_INT(chan_report_job_exit(ch.wr, &ex, &err), 0);
  chan_msg m = recv_one(ch.rd, all, MSG_JOB_EXIT);
  CHECK_EQ_INT(m.u.exit.wstatus, 3 << 8);
  CHECK_EQ_INT(m.u.exit.ru.ru_maxrss, 1234);
  CHECK_EQ_INT(m.u.exit.forbidden, 1);
  CHECK_EQ_INT(m.u.exit.sc_arch, 0xc000003e);
  CHECK_EQ_INT(m.u.exit.sc_nr, 165);
  CHECK_EQ_INT(chan_let_init_exit(ch.wr, &err), 0);
  CHECK_EQ_INT(chan_wait_may_exit(ch.rd, &err), 1);
  CHECK_EQ_INT(chan_report_error(ch.wr, MSG_ERROR, ENOENT, "bind mount /x on /y: nope"), 0);
  m = recv_one(ch.rd, CHAN_ALLOW_ERRORS, MSG_ERROR);
  CHECK_EQ_INT(m.u.error.code, ENOENT);
  CHECK_EQ_STR(m.u.error.text, "bind mount /x on /y: nope");
  sbx_error *e = chan_msg_error(&m);
  CHECK_EQ_INT(e->code, ENOENT);
  CHECK_EQ_STR(e->message, "bind mount /x on /y: nope");
  sbx_error_free(e);
  CHECK_EQ_INT(chan_report_error(ch.wr, MSG_EXEC_FAILED, EACCES, NULL), 0);
  m = recv_one(ch.rd, CHAN_ALLOW_ERRORS, MSG_EXEC_FAILED);
  e = chan_msg_error(&m);
  CHECK_EQ_STR(e->message, "setup failed");
  sbx_error_free(e);
  channel_close(&ch);
}

TEST(a_long_error_is_cut_not_garbled) {
  channel ch = open_channel();
  char big[CHANNEL_TEXT_MAX * 2];
  memset(big, 'e', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  CHECK_EQ_INT(chan_report_error(ch.wr, MSG_ERROR, EIO, big), 0);
  chan_msg m = recv_one(ch.rd, CHAN_ALLOW_ERRORS, MSG_ERROR);
  CHECK_EQ_INT(strlen(m.u.error.text), CHANNEL_TEXT_MAX - 1);
  channel_close(&ch);
}

TEST(one_direction_only) {
  channel ch = open_channel();
  sbx_error *err = NULL;
  CHECK(chan_report_ready(ch.rd, &err) < 0);
  CHECK_CONTAINS(err->message, "send the job ready message");
  sbx_error_free(err);
  channel_close(&ch);
}

TEST(a_message_out_of_place_is_refused) {
  channel ch = open_channel();
  sbx_error *err = NULL;
  /* During the start, a job exit is not legal; nor is init's pid twice, and so on. */
  chan_job_exit ex = {0};
  CHECK_EQ_INT(chan_report_job_exit(ch.wr, &ex, &err), 0);
  expect_refused(ch.rd, CHAN_ALLOW(MSG_JOB_READY) | CHAN_ALLOW_ERRORS,
                 "unexpected job exit message on the test channel");
  /* A step that waits for one message refuses another. */
  CHECK_EQ_INT(chan_report_ready(ch.wr, &err), 0);
  CHECK_EQ_INT(chan_wait_maps_done(ch.rd, &err), -1);
  CHECK_CONTAINS(err->message, "unexpected job ready message on the supervisor channel");
  sbx_error_free(err);
  channel_close(&ch);
}

TEST(may_exit_skips_a_go_the_job_never_took) {
  channel ch = open_channel();
  sbx_error *err = NULL;
  CHECK_EQ_INT(chan_let_job_exec(ch.wr, &err), 0);
  CHECK_EQ_INT(chan_let_init_exit(ch.wr, &err), 0);
  CHECK_EQ_INT(chan_wait_may_exit(ch.rd, &err), 1);
  /* And EOF (main gone) is 0, not a hang. */
  channel_close_end(&ch.wr);
  CHECK_EQ_INT(chan_wait_may_exit(ch.rd, &err), 0);
  sbx_error_free(err);
  channel_close(&ch);
}

TEST(garbled_messages_are_errors) {
  channel ch = open_channel();
  /* Too short for a header. */
  uint16_t tiny = 1;
  CHECK(send(ch.wr, &tiny, sizeof tiny, 0) == sizeof tiny);
  expect_refused(ch.rd, ~0u, "garbled message on the test channel: 2 bytes");
  /* An unknown type. */
  chan_msg bad;
  memset(&bad, 0, sizeof bad);
  bad.type = 999;
  CHECK(send(ch.wr, &bad, offsetof(chan_msg, u), 0) > 0);
  expect_refused(ch.rd, ~0u, "type 999");
  /* The wrong size for the type: a job exit cut short, an init pid with a tail. */
  bad.type = MSG_JOB_EXIT;
  CHECK(send(ch.wr, &bad, offsetof(chan_msg, u) + 4, 0) > 0);
  expect_refused(ch.rd, ~0u, "bytes for a job exit");
  bad.type = MSG_INIT_PID;
  CHECK(send(ch.wr, &bad, offsetof(chan_msg, u) + 8, 0) > 0);
  expect_refused(ch.rd, ~0u, "bytes for a init pid");
  /* Text without its NUL. */
  memset(&bad, 'x', sizeof bad);
  bad.type = MSG_ERROR;
  CHECK(send(ch.wr, &bad, sizeof bad, 0) > 0);
  expect_refused(ch.rd, ~0u, "not terminated");
  /* Closed: EOF is an error with a message, not a hang. */
  channel_close_end(&ch.wr);
  chan_msg m;
  sbx_error *err = NULL;
  CHECK_EQ_INT(chan_recv(ch.rd, &m, ~0u, "test", &err), 0);
  CHECK_EQ_STR(err->message, "the test channel closed unexpectedly: Broken pipe");
  sbx_error_free(err);
  channel_close(&ch);
  CHECK_EQ_INT(ch.rd, -1);
}

TEST(the_seccomp_listener_passes_as_an_fd) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  CHECK(fd >= 0);
  sbx_error *err = NULL;
  CHECK_EQ_INT(chan_send_listener(sv[1], fd, &err), 0);
  int got = -1;
  CHECK_EQ_INT(chan_recv_listener(sv[0], &got, &err), 0);
  CHECK(got >= 0 && got != fd);
  struct stat a, b;
  CHECK(fstat(fd, &a) == 0 && fstat(got, &b) == 0);
  CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
  CHECK((fcntl(got, F_GETFD) & FD_CLOEXEC) != 0);
  close(got);
  /* Another message in its place, or no fd with it, is an error; so is EOF. */
  CHECK_EQ_INT(chan_report_ready(sv[1], &err), 0);
  CHECK_EQ_INT(chan_recv_listener(sv[0], &got, &err), -1);
  CHECK_CONTAINS(err->message, "receive the seccomp listener: job ready");
  sbx_error_free(err);
  err = NULL;
  close(sv[1]);
  CHECK_EQ_INT(chan_recv_listener(sv[0], &got, &err), -1);
  CHECK_CONTAINS(err->message, "closed unexpectedly");
  sbx_error_free(err);
  close(sv[0]);
  close(fd);
}

RUN_TESTS()
