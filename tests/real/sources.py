#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The real corpus: which public files, from where, and whether a directory holds them.

  sources.py list                 every file: name, role, repository@commit:path, size, SHA-256
  sources.py check DIR            which files DIR holds (by name, verified by SHA-256)
  sources.py assemble DIR [GIT...]  copy the files into DIR out of local git mirrors of the
                                  repositories (default: every */repo under /work/.mirror),
                                  found by their blob at the recorded commit or HEAD, kept
                                  only if the SHA-256 matches

The files are public but not ours to redistribute: they are never committed. Run the suite
with PM_REAL_CORPUS=DIR (meson test --suite real).
"""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load():
    with open(os.path.join(HERE, 'sources.json')) as f:
        return json.load(f)['files']


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def status(d, e):
    """'present', 'absent' or 'wrong' (a file of that name with another SHA-256)."""
    p = os.path.join(d, e['name'])
    if not os.path.isfile(p):
        return 'absent'
    return 'present' if sha256_file(p) == e['sha256'] else 'wrong'


def cmd_list(files):
    for e in files:
        print(f"{e['name']:26} {e['role']:18} {e['repo']}@{e['commit'][:12]}:{e['path']}")
        print(f"{'':26} {e['size']} bytes  sha256 {e['sha256']}")
    return 0


def cmd_check(files, d):
    n = {'present': 0, 'absent': 0, 'wrong': 0}
    for e in files:
        s = status(d, e)
        n[s] += 1
        print(f"{s:8} {e['name']}")
    print(f"{n['present']} present, {n['absent']} absent, {n['wrong']} with another SHA-256")
    return 0 if not n['wrong'] else 1


def git_blob(gitdir, rev, path):
    r = subprocess.run(['git', '-C', gitdir, 'show', f'{rev}:{path}'], capture_output=True)
    return r.stdout if r.returncode == 0 else None


def cmd_assemble(files, d, mirrors):
    os.makedirs(d, exist_ok=True)
    if not mirrors:
        mirrors = sorted(glob.glob('/work/.mirror/*/repo'))
    by_repo = {}
    for g in mirrors:
        # /work/.mirror/owner+name/repo -> owner/name
        by_repo[os.path.basename(os.path.dirname(g.rstrip('/'))).replace('+', '/', 1).lower()] = g
    missing = 0
    for e in files:
        if status(d, e) == 'present':
            print(f"present  {e['name']}")
            continue
        g = by_repo.get(e['repo'].lower())
        data = None
        if g:
            for rev in (e['commit'], 'HEAD'):
                data = git_blob(g, rev, e['path'])
                if data is not None and hashlib.sha256(data).hexdigest() == e['sha256']:
                    break
                data = None
        if data is None:
            missing += 1
            print(f"missing  {e['name']}  (needs {e['repo']} {e['path']} with that SHA-256)")
            continue
        tmp = os.path.join(d, e['name'] + '.part')
        with open(tmp, 'wb') as f:
            f.write(data)
        shutil.move(tmp, os.path.join(d, e['name']))
        print(f"copied   {e['name']}")
    print(f"{len(files) - missing} of {len(files)} files in {d}")
    return 0 if not missing else 1


def main(argv):
    files = load()
    if len(argv) >= 2 and argv[1] == 'list':
        return cmd_list(files)
    if len(argv) == 3 and argv[1] == 'check':
        return cmd_check(files, argv[2])
    if len(argv) >= 3 and argv[1] == 'assemble':
        return cmd_assemble(files, argv[2], argv[3:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
