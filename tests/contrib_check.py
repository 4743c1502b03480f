#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""contrib/ recipes: contrib_check.py CONTRIB_DIR

- the Kubernetes manifest passes `yamllint` (Debian package yamllint) and, read with
  python3-yaml, is an Indexed Job whose shard count in `--shard $JOB_COMPLETION_INDEX/N` equals
  its completions, mounting the dumps read-only and the output folder, each backed by a claim
  the file also defines;
- the SLURM script passes `sh -n` and asks for an array task's shard and --resume.
Exit 77 when yamllint or python3-yaml is not installed.
"""
import os
import re
import shutil
import subprocess
import sys

fails = []


def main():
    d = sys.argv[1]
    man, slurm = os.path.join(d, "k8s-batch-job.yaml"), os.path.join(d, "slurm-batch.sh")
    try:
        import yaml
    except ImportError:
        print("python3-yaml is not installed: skipped")
        return 77
    if not shutil.which("yamllint"):
        print("yamllint is not installed (scripts/deps.sh --test installs it): skipped")
        return 77
    conf = "{extends: default, rules: {line-length: {max: 100}, document-start: disable}}"
    p = subprocess.run(["yamllint", "-f", "parsable", "-d", conf, man], capture_output=True,
                       text=True)
    if p.returncode:
        fails.append("yamllint: " + p.stdout.strip())
    docs = [x for x in yaml.safe_load_all(open(man)) if x]
    jobs = [x for x in docs if x.get("kind") == "Job"]
    claims = {x["metadata"]["name"] for x in docs if x.get("kind") == "PersistentVolumeClaim"}
    if len(jobs) != 1:
        fails.append("%d Jobs in the manifest" % len(jobs))
    else:
        spec = jobs[0]["spec"]
        if spec.get("completionMode") != "Indexed":
            fails.append("the Job is not Indexed")
        c = spec["template"]["spec"]["containers"][0]
        cmd = " ".join(c.get("command", []) + c.get("args", []))
        m = re.search(r"--shard \"?\$JOB_COMPLETION_INDEX/(\d+)", cmd)
        if not m or int(m.group(1)) != spec.get("completions"):
            fails.append("--shard I/N does not match completions %r: %r" % (
                spec.get("completions"), cmd))
        for want in ("--resume", "--output", "poolmortem batch"):
            if want not in cmd:
                fails.append("the container's command lacks %s" % want)
        mounts = {v["name"]: v for v in c.get("volumeMounts", [])}
        vols = {v["name"]: v for v in spec["template"]["spec"].get("volumes", [])}
        if not mounts.get("dumps", {}).get("readOnly"):
            fails.append("the dumps are not mounted read-only")
        for n, v in vols.items():
            cl = v.get("persistentVolumeClaim", {}).get("claimName")
            if cl not in claims:
                fails.append("volume %s: claim %r not defined in the manifest" % (n, cl))
        if set(mounts) != set(vols):
            fails.append("mounts %s, volumes %s" % (sorted(mounts), sorted(vols)))
    p = subprocess.run(["sh", "-n", slurm], capture_output=True, text=True)
    if p.returncode:
        fails.append("sh -n: " + p.stderr.strip())
    s = open(slurm).read()
    for want in ("SLURM_ARRAY_TASK_ID", "--shard", "--resume", "#SBATCH"):
        if want not in s:
            fails.append("the SLURM script lacks %s" % want)
    for f in fails:
        print("FAIL:", f)
    print("contrib: %d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
