#!/bin/sh
# House rules that a compiler does not check (house-style.md §3.5, §3.10):
#  - banned unsafe string functions anywhere in C sources;
#  - no printing below the CLI (analyzer/cli/ is the only printer);
#  - the fixture generator shares nothing with the parsers.
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
if grep -nE 'parsers/|pm-reader|#include' "$root"/fixtures/mkdump.py; then
	echo "the generator must not use the parsers"; rc=1
fi
[ $rc = 0 ] && echo ok
exit $rc
