#!/usr/bin/env python3
"""judge.py: a small online judge on `sandbox batch`.

    judge.py [--sandbox PATH] [--time SEC] [--memory SIZE] [-j N] [--cgroup-optional]
             SUBMISSION.c TESTDIR

Compiles SUBMISSION.c under the `compile` profile, runs it under `judge` on every TESTDIR/NAME.in
through one `sandbox batch` (the profile is read once, every test gets fresh namespaces, cgroup
and root), compares its output with TESTDIR/NAME.ans (whitespace-separated tokens) and prints
one line per test: NAME VERDICT CPU-SECONDS, the verdict one of AC, WA, TLE, MLE, OLE, RE
(a crash, a non-zero exit, a forbidden call or another limit) or SE (the sandbox could not run
it; the message follows). CE when the submission does not compile. Exits 0 when every test is
AC, 1 otherwise, 2 on bad usage.

--cgroup-optional runs `judge` without a cgroup where none is available (an unprivileged user
without a delegated cgroup): the memory and process limits are then not enforced.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

VERDICTS = {
    "wall_time_limit": "TLE",
    "cpu_time_limit": "TLE",
    "memory_limit": "MLE",
    "output_limit": "OLE",
}


def main():
    ap = argparse.ArgumentParser(description="judge a C submission with sandbox batch")
    ap.add_argument("--sandbox", default=shutil.which("sandbox") or "sandbox")
    ap.add_argument("--time", default="1", help="CPU seconds per test (default 1)")
    ap.add_argument("--memory", default="256M", help="memory per test (default 256M)")
    ap.add_argument("-j", type=int, default=1, help="tests at once (default 1)")
    ap.add_argument("--cgroup-optional", action="store_true")
    ap.add_argument("submission")
    ap.add_argument("tests")
    a = ap.parse_args()

    names = sorted(f[:-3] for f in os.listdir(a.tests) if f.endswith(".in"))
    if not names:
        print(f"judge: no NAME.in in {a.tests}", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="judge-")
    try:
        return judge(a, names, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def judge(a, names, work):
    # The submission's directory: only the source and the program. As root, jobs run as the
    # host's nobody (65534), which must be able to write the program here.
    src = os.path.join(work, "src")
    outs = os.path.join(work, "out")
    os.mkdir(src)
    os.mkdir(outs)
    os.chmod(work, 0o755)
    os.chmod(src, 0o755)
    shutil.copy(a.submission, os.path.join(src, "sol.c"))
    if os.geteuid() == 0:
        os.chown(src, 65534, 65534)
    cc = subprocess.run([a.sandbox, "run", "-q", "-p", "compile", "--", "cc", "-O2", "-o", "sol",
                         "sol.c"], cwd=src, capture_output=True, text=True)
    if cc.returncode != 0:
        print("CE")
        sys.stdout.write(cc.stderr)
        return 1

    # One request per test; the program's directory is mounted read-only, so that a test cannot
    # leave anything for the next; its input and output are files the judge opens.
    t = float(a.time)
    limits = {"limits.cpu_time": f"{t}s", "limits.wall_time": f"{2 * t + 1}s",
              "limits.memory": a.memory, "filesystem.workdir.mode": "ro"}
    if a.cgroup_optional:
        limits["cgroup"] = "optional"
    reqs = "".join(json.dumps({"id": n, "profile": "judge", "argv": ["/work/sol"], "cwd": src,
                               "set": limits, "stdin": os.path.abspath(os.path.join(a.tests, n + ".in")),
                               "stdout": os.path.join(outs, n + ".out")}) + "\n" for n in names)
    run = subprocess.run([a.sandbox, "batch", "-q", "-j", str(a.j)], input=reqs,
                         capture_output=True, text=True)
    if run.returncode != 0:
        print(f"judge: sandbox batch failed ({run.returncode}): {run.stderr}", file=sys.stderr)
        return 1
    reports = {}
    for line in run.stdout.splitlines():
        r = json.loads(line)
        reports[r["id"]] = r

    all_ac = True
    for n in names:
        r = reports.get(n)
        if r is None:
            verdict, cpu = "SE (no report)", 0.0
        else:
            cpu = r["cpu_time_s"]
            st = r["status"]
            if st == "ok":
                verdict = "AC" if same_output(os.path.join(outs, n + ".out"),
                                              os.path.join(a.tests, n + ".ans")) else "WA"
            elif st == "setup_error":
                verdict = f"SE ({r['message']})"
            else:
                verdict = VERDICTS.get(st, "RE")
        all_ac = all_ac and verdict == "AC"
        print(f"{n} {verdict} {cpu:.3f}")
    return 0 if all_ac else 1


def same_output(got, want):
    try:
        with open(got, "rb") as g, open(want, "rb") as w:
            return g.read().split() == w.read().split()
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
