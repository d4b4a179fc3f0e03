/* phase.h: the start-up's steps timed (sandbox run -v, the run's log). When the run has a log,
 * main maps one shared page before the first fork; main, the intermediate, init and the job
 * each write the CLOCK_MONOTONIC time at which each of their steps ended into it, and main logs
 * every step's length ("phase NAME N us") once the job has ended. Without a log nothing is
 * mapped and a mark costs one test of a pointer.
 *
 * The page holds timestamps only: main reads them as numbers to print, nothing is trusted from
 * it. The job loses its mapping at execve; init drops its own as soon as the job is forked. */
#ifndef SANDBOX_PHASE_H
#define SANDBOX_PHASE_H

#include <stdint.h>

/* Each mark is the end of the step that bears its name; a step's length is the time since the
 * previous mark that was set (a step that did not happen, such as id-maps without a user
 * namespace, is folded into the next). In the order of a run. */
typedef enum phase_mark {
  PH_BEGIN,        /* main: sbx_run entered */
  PH_VALIDATE,     /* main: the spec checked */
  PH_IDMAP,        /* main: the id-map plan and the idmapped binds (open_tree, a userns) */
  PH_SECCOMP,      /* main: the filter compiled or loaded from the cache */
  PH_PREPARE,      /* main: /etc, stdio, channels */
  PH_CGROUP,       /* main: the run's cgroup made, its limits written */
  PH_FORK,         /* intermediate: running (main's fork) */
  PH_CGROUP_JOIN,  /* intermediate: in the run's cgroup */
  PH_USERNS,       /* intermediate: in its user namespace */
  PH_ID_MAPS,      /* intermediate: main wrote the maps */
  PH_CLONE_INIT,   /* init: running, in its namespaces (pid namespace + clone) */
  PH_INIT_START,   /* init: parent death signal, signal dispositions, not dumpable, hostname */
  PH_NETWORK,      /* init: loopback configured */
  PH_MOUNTS,       /* init: the root assembled and entered */
  PH_FORK_JOB,     /* job: running (init's fork) */
  PH_JOB_SETUP,    /* job: rlimits, ids, working directory, stdio, fds, the program found */
  PH_READY,        /* main: the job's "ready" received */
  PH_GO,           /* main: the set-up's CPU time noted, the go-ahead sent */
  PH_HARDEN,       /* job: capabilities dropped, no_new_privs set */
  PH_SECCOMP_LOAD, /* job: the filter installed; execve follows */
  PH_JOB_END,      /* main: init's report of the job's end received (its exec and its run) */
  PH_RUN,          /* main: init ended (its exit takes the namespaces and mounts down) */
  PH_TEARDOWN,     /* main: the cgroup's figures read, the sandbox removed */
  PH_COUNT
} phase_mark;

typedef struct phase_page {
  uint64_t ns[PH_COUNT];
} phase_page;

/* Maps the shared page (main, before the first fork). NULL when it cannot: the log then lacks
 * the phase lines, and the run goes on. */
phase_page *phase_map(void);
void phase_unmap(phase_page **p);

/* Notes the end of step `m` now, when timing is on. Async-signal-safe. */
void phase_mark_now(phase_page *p, phase_mark m);

/* The steps' lengths for the log: calls `line` with "phase NAME N us" for each step reached,
 * and a final "phase total N us" (from PH_BEGIN to the last mark). */
void phase_report(const phase_page *p, void (*line)(void *ctx, const char *text), void *ctx);

#endif
