#!/bin/sh
# House rules that a compiler does not check (house-style.md §3.5, §3.10):
#  - banned unsafe string functions anywhere in C sources;
#  - no printing below the CLI (main.c, cli_*.c and batch.c are the CLI layer, L9);
#  - the fixture generator shares nothing with the parsers.
root=${1:-.}
rc=0
if grep -nE '\b(sprintf|strcpy|strcat|strncat|gets|atoi)\s*\(' "$root"/parsers/*.c "$root"/analyzer/*.c "$root"/tests/*/*.c; then
	echo "banned function used"; rc=1
fi
if grep -nE '\b(printf|fprintf|puts|fputs|perror)\s*\(' "$root"/parsers/*.c "$root"/analyzer/*.c | grep -v -e 'analyzer/main.c' -e 'analyzer/cli_' -e 'analyzer/batch.c'; then
	echo "printing outside the CLI"; rc=1
fi
if grep -nE 'parsers/|pm-reader|#include' "$root"/fixtures/mkdump.py; then
	echo "the generator must not use the parsers"; rc=1
fi
[ $rc = 0 ] && echo ok
exit $rc
