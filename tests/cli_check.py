#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The command line explains itself: cli_check.py POOLMORTEM README.md

- every command of `poolmortem --help` answers `poolmortem CMD --help` (and -h) on stdout with
  exit 0 and its own usage line;
- every option a command's help lists is accepted by that command (given before --help, with
  a valid value), and so is every option the README's usage lines give it;
- an option a command does not take, and a wrong number of arguments, are usage errors (exit 2)
  with a message on stderr and nothing on stdout;
- a mistyped command or option is answered with "did you mean" (an option of other commands
  with their names), a folder given to a one-dump command
  with the batch command to run instead, and a program (an ELF that is no core) is named as
  such, not as a damaged dump.
"""
import os
import re
import subprocess
import sys

fails = []


def run(pm, *args):
    p = subprocess.run([pm] + list(args), capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def value(arg):
    """A valid value for an option's argument placeholder."""
    if "|" in arg:
        return arg.split("|")[0]
    return {"N": "1", "S": "1", "MiB": "1", "I/N": "0/2"}.get(arg, "x")


def commands(pm):
    rc, out, _ = run(pm, "--help")
    if rc != 0:
        fails.append("--help: exit %d" % rc)
    block = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [m.group(1) for m in re.finditer(r"^  (\w+) ", block, re.M)]


def options_of_help(text):
    opts = []
    block = text.split("\noptions:\n", 1)[1] if "\noptions:\n" in text else ""
    for line in block.splitlines():
        m = re.match(r"^  (?:-\w, )?(--[\w-]+)(?: (\S+))?", line)
        if m and m.group(1) not in ("--help", "--symbols"):
            opts.append((m.group(1), m.group(2)))
    return opts


def readme_options(readme):
    """{command: [(option, arg)]} from the README's `poolmortem CMD [--opt ARG] ...` lines."""
    got = {}
    for line in open(readme):
        m = re.match(r"^poolmortem (\w+) (.*)", line)
        if not m:
            continue
        for o in re.finditer(r"\[(--[\w-]+)(?: ([^\]\s]+))?\]", m.group(2)):
            got.setdefault(m.group(1), []).append((o.group(1), o.group(2)))
    return got


def main():
    pm, readme = sys.argv[1], sys.argv[2]
    cmds = commands(pm)
    if len(cmds) < 13:
        fails.append("only %d commands in --help: %s" % (len(cmds), cmds))
    for cmd in cmds:
        for h in ("--help", "-h"):
            rc, out, err = run(pm, cmd, h)
            if rc != 0 or not out.startswith("usage: poolmortem %s" % cmd) or err:
                fails.append("%s %s: exit %d, %r" % (cmd, h, rc, out[:60]))
        rc, out, _ = run(pm, cmd, "--help")
        for opt, arg in options_of_help(out):
            args = [opt] + ([value(arg)] if arg else [])
            rc2, out2, err2 = run(pm, cmd, *args, "--help")
            if rc2 != 0 or not out2.startswith("usage:"):
                fails.append("%s: its help lists %s, which it refuses: %s" % (
                    cmd, " ".join(args), err2.strip()))
        rc, out, err = run(pm, cmd, "--no-such-option", "x")
        if rc != 2 or out or not err:
            fails.append("%s --no-such-option: exit %d, stdout %r" % (cmd, rc, out[:60]))
        rc, out, err = run(pm, cmd)
        if rc != 2 or out or not err:
            fails.append("%s without arguments: exit %d, stdout %r" % (cmd, rc, out[:60]))
    for cmd, opts in readme_options(readme).items():
        for opt, arg in opts:
            args = [opt] + ([value(arg)] if arg else [])
            rc, out, err = run(pm, cmd, *args, "--help")
            if rc != 0:
                fails.append("README: %s %s is refused: %s" % (cmd, " ".join(args), err.strip()))
    for typo, want in (("anlyze", "analyze"), ("pooluesd", "poolused"), ("bigpol", "bigpool"),
                       ("inf", "info")):
        rc, out, err = run(pm, typo, "x")
        if rc != 2 or out or "did you mean '%s'?" % want not in err:
            fails.append("%s: exit %d, no 'did you mean %s': %r" % (typo, rc, want, err))
    for args, want in ((["poolused", "--tpo", "3", "x"], "did you mean '--top'?"),
                       (["analyze", "--fromat=md", "x"], "did you mean '--format'?"),
                       (["info", "--csv", "x"], "--csv is an option of poolused, bigpool")):
        rc, out, err = run(pm, *args)
        if rc != 2 or out or want not in err:
            fails.append("%s: exit %d, no %r: %r" % (" ".join(args), rc, want, err))
    rc, out, err = run(pm, "poolused", "x", "--top")
    if rc != 2 or "did you mean" in err:
        fails.append("poolused --top without its value: exit %d, %r" % (rc, err))
    rc, out, err = run(pm, "zzzzzz")
    if rc != 2 or "did you mean" in err or "unknown command 'zzzzzz'" not in err:
        fails.append("zzzzzz: exit %d, %r" % (rc, err))
    here = os.path.dirname(os.path.abspath(readme))
    for cmd in ("analyze", "info", "poolused"):
        rc, out, err = run(pm, cmd, here)
        if rc != 2 or out or "poolmortem batch %s" % here not in err:
            fails.append("%s on a folder: exit %d, no batch suggestion: %r" % (cmd, rc, err))
    rc, out, err = run(pm, "info", pm)
    if rc != 3 or "ELF program" not in err or "truncated or damaged" in err:
        fails.append("info on a program: exit %d, %r" % (rc, err))
    for f in fails:
        print("FAIL:", f)
    print("%d commands checked, %d failures" % (len(cmds), len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
