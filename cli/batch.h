/* batch.h: what the parts of `sandbox batch` share. batch.c is the supervisor (the request
 * lines, the workers, the report lines, the signals); batch-worker.c is a worker process (a
 * request's spec from the cache, sbx_run, its report); batch-report.c is the framing between
 * them and the report lines. */
#ifndef SANDBOX_CLI_BATCH_H
#define SANDBOX_CLI_BATCH_H

#include "cli.h"

#include <stdint.h>
#include <sys/types.h>

/* The longest request line accepted; a longer one is answered with a setup_error report. */
#define BATCH_MAX_LINE (1u << 20)

/* ---- batch-report.c ----------------------------------------------------------------------- */

/* One message between the supervisor and a worker over their stream socket: a request (the
 * line's number and its bytes, without the newline) to the worker, a report line (ending in
 * '\n') back. Returns 0, or -1 with errno (EPIPE: the peer is gone). */
int batch_send(int fd, uint64_t line, const char *data, size_t len);
/* Receives one message: *data is malloc'd and NUL-terminated. Returns 1 for a message, 0 for
 * the end of the stream at a message's boundary, -1 with errno on an error or a cut message
 * (EPROTO). */
int batch_recv(int fd, uint64_t *line, char **data, size_t *len);

/* The report line of a run: sbx_result_to_json's object on one line, with "id" (when `id` is
 * not NULL: a jansson json_t *, passed as void * so that this header needs no jansson.h) and
 * "line" first. NULL when out of memory. */
char *batch_report_line(const sbx_result *r, const void *id, uint64_t line);
/* The report line of a request that did not run: status setup_error with `message`; the id is
 * taken from the request when it is a JSON object with an "id" (else none). */
char *batch_error_line(const char *request, size_t len, uint64_t line, const char *message);
/* Every message of an error chain, joined with "; " (malloc'd). */
char *batch_error_text(const sbx_error *err);

/* ---- batch-worker.c ----------------------------------------------------------------------- */

/* Loads the default profile (no --set, from the current directory) into this process's spec
 * cache, before the workers are forked: they inherit it. Returns -1 when it does not load,
 * with *err (NULL when the reason was printed: no working directory). */
int batch_cache_warm(const char *profile, sbx_error **err);
/* A worker's life: requests from `fd` until the end of the stream, a report line back for
 * each; never returns. `parent`: the supervisor's pid (the worker dies with it); `profile`:
 * the default profile. */
__attribute__((noreturn)) void batch_worker_main(int fd, pid_t parent, const char *profile);

#endif
