/* jobs.c: specs and runs for the engine tests (see jobs.h). */
#include "jobs.h"

#include "host.h"
#include "procs.h"

#include <fcntl.h>
#include <sys/mman.h>

static void free_spec(void *s) { sbx_spec_free(s); }
static void free_error(void *e) { sbx_error_free(e); }

sbx_spec *own_spec(sbx_spec *s) {
  test_defer(free_spec, s);
  return s;
}

sbx_error *own_error(sbx_error *e) {
  if (e) test_defer(free_error, e);
  return e;
}

/* ---- specs ----------------------------------------------------------------------------------- */

sbx_spec *job_host_root_spec(void) {
  sbx_spec *s = own_spec(spec_new());
  spec_add_mount(s, SBX_MOUNT_BIND, "/usr", "/usr",
                 SBX_MNT_RO | SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_RECURSIVE);
  static const char *const links[] = {"/bin", "/lib", "/lib64", "/sbin"};
  for (size_t i = 0; i < ARRAY_SIZE(links); i++)
    spec_add_mount(s, SBX_MOUNT_BIND, links[i], links[i], SBX_MNT_RO | SBX_MNT_OPTIONAL);
  spec_add_mount(s, SBX_MOUNT_PROC, NULL, "/proc", 0);
  spec_add_mount(s, SBX_MOUNT_DEV, NULL, "/dev", 0);
  sbx_mount *t = spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/tmp", SBX_MNT_NOSUID | SBX_MNT_NODEV);
  t->mode = 01777;
  t->size = 16 << 20;
  spec_env_set(s, "PATH", "/usr/bin:/bin");
  return s;
}

void job_set_args(sbx_spec *s, const char *const *args) {
  size_t n = 0;
  while (args[n]) n++;
  sbx_error *err = NULL;
  if (sbx_spec_set_args(s, args, n, &err) < 0)
    TEST_FAIL("sbx_spec_set_args: %s", own_error(err)->message);
}

sbx_spec *job_shell_spec(const char *script) {
  sbx_spec *s = job_host_root_spec();
  job_set_args(s, (const char *const[]){"/bin/sh", "-c", script, NULL});
  return s;
}

/* ---- runs ------------------------------------------------------------------------------------ */

/* The whole contents of a memfd (NUL-terminated, malloc'd); *len gets its size. */
static char *read_memfd(int fd, size_t *len) {
  off_t n = lseek(fd, 0, SEEK_END);
  if (n < 0) n = 0;
  char *buf = xcalloc(1, (size_t)n + 1);
  if (n > 0 && pread(fd, buf, (size_t)n, 0) != n) {
    buf[0] = '\0';
    n = 0;
  }
  *len = (size_t)n;
  return buf;
}

/* A capture file for the job's output: a memfd opened again through /proc/self/fd. The memfd's
 * own description is not one the kernel serializes the offset of (memfd_create's file lacks
 * FMODE_ATOMIC_POS), so two processes of the job writing to it at once can both write at one
 * offset and one write is lost; an open by path gives a description whose writes take turns, as
 * the file of a shell's `>FILE` does. -1 with errno on failure. */
static int capture_file(const char *name) {
  int m = memfd_create(name, MFD_CLOEXEC);
  if (m < 0) return -1;
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", m);
  int fd = open(path, O_RDWR | O_CLOEXEC);
  int saved = errno;
  close(m);
  errno = saved;
  return fd;
}

void job_run_capture(job_run *r, const sbx_spec *s, const sbx_run_options *o, job_stderr how) {
  memset(r, 0, sizeof *r);
  sbx_run_options opts;
  if (o)
    opts = *o;
  else
    sbx_run_options_init(&opts);
  int out = opts.stdout_fd < 0 ? capture_file("job-stdout") : -1;
  int errs = how == JOB_STDERR_APART && opts.stderr_fd < 0 ? capture_file("job-stderr") : -1;
  if ((opts.stdout_fd < 0 && out < 0) ||
      (how == JOB_STDERR_APART && opts.stderr_fd < 0 && errs < 0)) {
    r->rc = sbx_set_errno(&r->err, "memfd_create and open /proc/self/fd for the job's output");
    r->res.status = SBX_STATUS_SETUP_ERROR;
  } else {
    if (out >= 0) opts.stdout_fd = out;
    if (how == JOB_STDERR_MERGED && opts.stderr_fd < 0) opts.stderr_fd = opts.stdout_fd;
    if (errs >= 0) opts.stderr_fd = errs;
    double t0 = now_s();
    r->rc = sbx_run(s, &opts, &r->res, &r->err);
    r->took = now_s() - t0;
  }
  r->out = out >= 0 ? read_memfd(out, &r->n_out) : xstrdup("");
  r->errs = errs >= 0 ? read_memfd(errs, &r->n_errs) : xstrdup("");
  if (out >= 0) close(out);
  if (errs >= 0) close(errs);
}

void job_run_clear(job_run *r) {
  sbx_result_clear(&r->res);
  sbx_error_free(r->err);
  free(r->out);
  free(r->errs);
  memset(r, 0, sizeof *r);
}

static void free_run(void *arg) {
  job_run_clear(arg);
  free(arg);
}

job_run *job_run_spec(const sbx_spec *s, const sbx_run_options *o, job_stderr how) {
  job_run *r = xcalloc(1, sizeof *r);
  test_defer(free_run, r);
  job_run_capture(r, s, o, how);
  return r;
}

const char *job_error(const job_run *r) {
  return r->err && r->err->message ? r->err->message : "(no error)";
}

job_run *job_ran(const sbx_spec *s, const sbx_run_options *o, job_stderr how) {
  job_run *r = job_run_spec(s, o, how);
  if (r->rc != 0) TEST_FAIL("sbx_run failed: %s", job_error(r));
  return r;
}

const char *job_ok(const sbx_spec *s) {
  job_run *r = job_ran(s, NULL, JOB_STDERR_OWN);
  if (r->res.status != SBX_STATUS_OK)
    TEST_FAIL("status %s exit %d signal %d; output: %s", sbx_status_name(r->res.status),
              r->res.exit_code, r->res.signal, r->out);
  return r->out;
}

void job_check_setup_error(const sbx_spec *s, const char *message, int exec_errno) {
  job_run *r = job_run_spec(s, NULL, JOB_STDERR_OWN);
  if (r->rc != -1)
    TEST_FAIL("sbx_run returned %d, status %s", r->rc, sbx_status_name(r->res.status));
  CHECK(r->err != NULL);
  CHECK_EQ_STR(r->err->message, message);
  CHECK_EQ_INT(r->res.status, SBX_STATUS_SETUP_ERROR);
  CHECK_EQ_STR(r->res.message, message);
  CHECK_EQ_INT(r->res.exec_failed, exec_errno != 0);
  CHECK_EQ_INT(r->res.exec_errno, exec_errno);
  CHECK(no_children());
}
