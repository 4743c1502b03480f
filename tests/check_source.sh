#!/bin/sh
# House rules that a compiler does not check (house-style.md §3.5, §3.10):
#  - banned unsafe string functions anywhere in C sources;
#  - no printing below the CLI (analyzer/cli/ is the only printer);
#  - the fixture generator (fixtures/mkdump.py and fixtures/gen/) shares nothing with the
#    parsers, and meson regenerates the fixtures when any of its modules changes.
# The layering itself is checked by check_layers.py.
root=${1:-.}
rc=0
csrc=$(find "$root/common" "$root/parsers" "$root/rules" "$root/analyzer" "$root/tests" -name '*.c')
# shellcheck disable=SC2086
if grep -nE '\b(sprintf|strcpy|strcat|strncat|gets|atoi)\s*\(' $csrc; then
	echo "banned function used"; rc=1
fi
# shellcheck disable=SC2086
if grep -nE '\b(printf|fprintf|puts|fputs|perror)\s*\(' $(echo "$csrc" | grep -v -e '/tests/' -e '/analyzer/cli/'); then
	echo "printing outside the CLI"; rc=1
fi
# every file of the generator: mkdump.py and its package fixtures/gen/
gen_files=$(find "$root"/fixtures/gen -type f ! -path '*/__pycache__/*' 2>/dev/null | sort)
if [ -z "$gen_files" ]; then
	echo "fixtures/gen/ is missing"; rc=1
fi
if grep -nE 'parsers/|pm-reader|#include' "$root"/fixtures/mkdump.py $gen_files; then
	echo "the generator must not use the parsers"; rc=1
fi
# a module that meson does not list would not regenerate the fixtures when it changes
for f in $gen_files; do
	case $f in *.py) ;; *) continue ;; esac
	m=gen/${f##*/fixtures/gen/}
	if ! grep -q "'$m'" "$root"/fixtures/meson.build; then
		echo "fixtures/meson.build: depend_files lacks $m"; rc=1
	fi
done
[ $rc = 0 ] && echo ok
exit $rc
