/* output.h: the output limit. When the profile caps the job's output, the job's stdout and
 * stderr are pipes that main reads while it supervises: every byte up to the cap (stdout and
 * stderr together) goes on to the caller's fds unchanged and in order per stream, the bytes are
 * counted, and a byte past the cap stops the job (status output_limit). When stdout and stderr
 * go to one open file or terminal (`2>&1`, streams.c decides), one pipe (stream 0) carries
 * both, so that they arrive in the order the job wrote them; its bytes count as stdout's.
 *
 * main never blocks on the caller's fds: what the caller's fd does not take at once waits in a
 * buffer, main stops reading that stream (the job's writes then block on its full pipe) and
 * polls the caller's fd until it takes more, so a caller that reads slowly or not at all cannot
 * hold the supervisor past the job's deadlines. */
#ifndef SANDBOX_OUTPUT_H
#define SANDBOX_OUTPUT_H

#include "sandbox.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct output_capture {
  bool on;
  bool merged;      /* one pipe, stream 0, for both: rd[1], wr[1] and dst[1] are -1 */
  uint64_t cap;     /* bytes, stdout and stderr together */
  int rd[2];        /* main's read ends (non-blocking); -1 at EOF */
  int wr[2];        /* the job's write ends; closed in main once the sandbox is forked */
  int dst[2];       /* the caller's fds the output goes on to (not ours) */
  size_t chunk[2];  /* the most written to dst at once: PIPE_BUF unless dst is a file */
  bool dst_sock[2]; /* dst is a socket: send() with MSG_DONTWAIT */
  char *pend[2];    /* read from the job, not yet taken by the caller's fd */
  size_t pend_off[2], pend_len[2];
  uint64_t bytes[2];   /* bytes of the job's output taken per stream (up to the cap) */
  uint64_t dropped[2]; /* of those, bytes the caller's fd did not take (failed, or too slow at
                          the end) */
  bool exceeded;       /* the job wrote past the cap */
  bool dst_failed[2];  /* the caller's fd failed (EPIPE...): later bytes are counted only */
} output_capture;

/* Sets every fd to -1 and `on` to false. */
void output_init(output_capture *oc);
/* Makes the pipes; the job writes to wr[0] and wr[1], the bytes go on to out_dst and
 * err_dst. With `merged` (out_dst and err_dst are one sink), a single pipe: the job's stdout
 * and stderr are both wr[0], and everything goes on to out_dst. */
int output_open(output_capture *oc, uint64_t cap, int out_dst, int err_dst, bool merged,
                sbx_error **err);
/* In main, after the fork: only the sandbox holds the write ends now. */
void output_close_write_ends(output_capture *oc);
/* Whether main should poll rd[i] for input (nothing waits for the caller, stream open, cap not
 * reached), and whether it should poll dst[i] for room (bytes wait for the caller). */
bool output_wants_read(const output_capture *oc, int i);
bool output_wants_write(const output_capture *oc, int i);
/* Moves what stream `i` (0 stdout, 1 stderr) has ready on to the caller as far as the
 * caller's fd takes it without blocking, up to the cap. Returns 0, or -1 on a read error
 * (*err). Sets rd[i] to -1 at EOF. `exceeded` says whether the job wrote past the cap. */
int output_pump(output_capture *oc, int i, sbx_error **err);
/* After the sandbox's init was reaped. With `pidns` every process of the job is gone, and all
 * it wrote is queued in the pipes: only that is read (a write end passed out of the sandbox
 * may still be open, so EOF is never waited for). Without a pid namespace, the pipes are read
 * until EOF but for at most OUTPUT_DRAIN_MS. Then what is read goes on to the caller, up to
 * the cap, while the caller's fd keeps taking it: after OUTPUT_IDLE_MS without progress the
 * rest is dropped (counted in `dropped`). */
#define OUTPUT_DRAIN_MS 500
#define OUTPUT_IDLE_MS  2000
void output_finish(output_capture *oc, bool pidns);
/* Closes our fds. */
void output_close(output_capture *oc);

#endif
