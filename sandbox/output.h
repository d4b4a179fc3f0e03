/* output.h: the output limit. When the profile caps the job's output, the job's stdout and
 * stderr are pipes that main reads while it supervises: every byte up to the cap (stdout and
 * stderr together) goes on to the caller's fds unchanged and in order per stream, the bytes are
 * counted, and a byte past the cap stops the job (status output_limit). */
#ifndef SANDBOX_OUTPUT_H
#define SANDBOX_OUTPUT_H

#include "sandbox.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct output_capture {
  bool on;
  uint64_t cap;       /* bytes, stdout and stderr together */
  int rd[2];          /* main's read ends (non-blocking); -1 at EOF */
  int wr[2];          /* the job's write ends; closed in main once the sandbox is forked */
  int dst[2];         /* the caller's fds the output goes on to (not ours) */
  uint64_t bytes[2];  /* bytes delivered per stream */
  bool exceeded;      /* the job wrote past the cap */
  bool dst_failed[2]; /* the caller's fd failed (EPIPE...): later bytes are counted only */
} output_capture;

/* Sets every fd to -1 and `on` to false. */
void output_init(output_capture *oc);
/* Makes the pipes; the job writes to wr[0] and wr[1], the bytes go on to out_dst and
 * err_dst. */
int output_open(output_capture *oc, uint64_t cap, int out_dst, int err_dst, sbx_error **err);
/* In main, after the fork: only the sandbox holds the write ends now. */
void output_close_write_ends(output_capture *oc);
/* Moves what stream `i` (0 stdout, 1 stderr) has ready on to the caller, up to the cap.
 * Returns 0, or -1 on a read error (*err). Sets rd[i] to -1 at EOF. `exceeded` says whether
 * the job wrote past the cap. */
int output_pump(output_capture *oc, int i, sbx_error **err);
/* After the sandbox ended (no writer left): moves everything that is left, up to the cap. */
void output_drain(output_capture *oc);
/* Closes our fds. */
void output_close(output_capture *oc);

#endif
