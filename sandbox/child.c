/* child.c: what the engine's child processes (intermediate, init, job) share: reporting a
 * failure to main and the clean signal state they start from. */
#include "engine.h"

#include "util.h"

#include <signal.h>

void child_fail(int fd, sbx_error *err, int code) {
  chan_report_error(fd, MSG_ERROR, err ? err->code : EIO,
                    err && err->message ? err->message : "setup failed");
  _exit(code);
}

void child_reset_signals(void) {
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
}
