#!/bin/sh
# Generate every fixture the meson build makes (the fixtures/mkdump.py commands in
# BUILD/build.ninja, each into its own folder of OUTDIR) and write OUTDIR/SHA256SUMS over the
# outputs and each command's stdout, stderr and exit code. Run it before and after a change to
# the generator, then `diff A/SHA256SUMS B/SHA256SUMS`: no line may differ unless the change
# meant to change that fixture. Usage: scripts/fixture_hashes.sh OUTDIR [BUILD] (default build)
set -eu
out=$(realpath -m "$1")
build=$(realpath "${2:-build}")
rm -rf "$out"
mkdir -p "$out/files" "$out/log"
cd "$build"
ninja -t commands | grep 'mkdump\.py' | sed 's/^[^ ]* \([^ ]*mkdump\.py\) /\1 /' | sort > "$out/cmds"
i=0
while read -r mk spec _outdir rest; do
	i=$((i + 1))
	mkdir -p "$out/files/$i"
	rc=0
	# shellcheck disable=SC2086 # the generator's flags, split on purpose
	python3 "$mk" "$spec" "$out/files/$i" $rest >"$out/log/$i.out" 2>"$out/log/$i.err" || rc=$?
	echo "$rc" >"$out/log/$i.rc"
	sed -i "s#$out/##g" "$out/log/$i.out" "$out/log/$i.err"
done <"$out/cmds"
cd "$out"
find files log -type f | sort | xargs sha256sum >SHA256SUMS
echo "$i commands, $(find files -type f | wc -l) files; hashes in $out/SHA256SUMS"
