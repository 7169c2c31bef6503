#!/usr/bin/env python3
"""A crude mutation sweep: does a test fail when one operator of the code is changed?

For each source file given, it makes one-line mutants (== and !=, < and <=, > and >=, && and ||, a dropped !, a dropped
+ 1 or - 1, true and false, continue and break, Math.Min and Math.Max), takes a seeded random sample of those that
compile, runs tests/AiPersona.Tests (or the projects --tests names) for each, and prints whether a test failed
("killed"), the run outlived --timeout ("TIMEOUT": a hang, or many tests each failing only after their one-minute hang
guard), or every test still passed ("SURVIVED"). A survivor is a place to look, not a verdict: many are equivalent
mutants (a bound no input reaches, a check made twice, an early exit that only saves work, a log line).

It edits files in place and restores each one, so run it in a separate clone, never in a working tree with changes:

    git clone -q . /tmp/mutwork
    python3 tests/mutation-sweep.py --root /tmp/mutwork --per-file 8 src/AiPersona/Sessions/SessionManager.cs ...

Set AIPERSONA_POSTGRES to include the PostgreSQL tests (without it they are skipped, and PostgreSQL mutants survive).
Each mutant costs a build of the test project and a test run: about five minutes on two cores. The samples are run as
processes by both test projects: sweep them with --tests tests/AiPersona.Tests,tests/AiPersona.RealClients.Tests.
"""
import argparse
import os
import random
import re
import signal
import subprocess

OPERATORS = [
    (" == ", " != "), (" != ", " == "), (" <= ", " < "), (" >= ", " > "), (" < ", " <= "), (" > ", " >= "),
    (" && ", " || "), (" || ", " && "), ("(!", "("), (" + 1", ""), (" - 1", ""), ("true", "false"), ("false", "true"),
    ("continue;", "break;"), ("Math.Min(", "Math.Max("), ("Math.Max(", "Math.Min("),
]


def candidates(lines):
    for i, line in enumerate(lines):
        text = line.strip()
        if text.startswith("//") or text.startswith("[") or "ThrowIf" in text or "Log." in text or "nameof" in text:
            continue
        for old, new in OPERATORS:
            start = 0
            while (j := line.find(old, start)) >= 0:
                if "ConfigureAwait(" not in line[max(0, j - 15):j]:  # ConfigureAwait(true) changes no result
                    yield i, j, old, new
                start = j + 1


def run(command, cwd, timeout=None):
    """Runs a shell command; None when it outlived the timeout (it is killed with every process it started)."""
    process = subprocess.Popen(command, cwd=cwd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        stdout, _ = process.communicate(timeout=timeout)
        return subprocess.CompletedProcess(command, process.returncode, stdout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="a clone of the repository, edited in place")
    parser.add_argument("--per-file", type=int, default=8, help="mutants per file that compile")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=int, default=900,
                        help="seconds a test run may take before it counts as hung (a passing run of tests/AiPersona.Tests takes about five minutes)")
    parser.add_argument("--tests", default="tests/AiPersona.Tests",
                        help="comma-separated test projects to build and run, relative to the root (the samples are run as processes by tests/AiPersona.RealClients.Tests)")
    parser.add_argument("files", nargs="+", help="source files, relative to the root")
    args = parser.parse_args()
    projects = [p.strip() for p in args.tests.split(",") if p.strip()]
    build = " && ".join(f"dotnet build {p} -v q -nologo" for p in projects)
    random.seed(args.seed)
    for name in args.files:
        path = os.path.join(args.root, name)
        with open(path, encoding="utf-8") as f:
            original = f.read()
        lines = original.split("\n")
        pool = list(candidates(lines))
        random.shuffle(pool)
        tried = 0
        try:
            for i, j, old, new in pool:
                if tried >= args.per_file:
                    break
                mutated = lines[i][:j] + new + lines[i][j + len(old):]
                with open(path, "w", encoding="utf-8") as f:
                    f.write("\n".join(lines[:i] + [mutated] + lines[i + 1:]))
                if run(build, args.root).returncode != 0:
                    continue  # does not compile: not a mutant
                tried += 1
                status = "SURVIVED"
                for project in projects:
                    result = run("dotnet run --no-build", os.path.join(args.root, project), timeout=args.timeout)
                    if result is None:
                        status = "TIMEOUT"
                        break
                    summary = re.search(r"Total: \d+, Errors: (\d+), Failed: (\d+)", re.sub(r"\x1b\[[0-9;]*m", "", result.stdout))
                    if summary is None or int(summary.group(1)) + int(summary.group(2)) > 0:
                        status = "killed"
                        break
                print(f"{status:9} {name}:{i + 1}: '{old.strip()}' -> '{new.strip()}' | {lines[i].strip()[:120]}", flush=True)
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
    run(build, args.root)


if __name__ == "__main__":
    main()
