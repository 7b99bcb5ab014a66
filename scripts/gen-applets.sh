#!/bin/sh
# scripts/gen-applets.sh CONFIG OUT - the applet table from a build config:
# one sorted X(name) a line. OUT is rewritten only when it changes, so an
# unchanged config rebuilds nothing.
set -eu
conf=$1 out=$2
list=$(sed -n 's/^[[:space:]]*APPLETS[[:space:]]*=//p' "$conf" | tr ' \t' '\n\n' | grep . | sort -u)
tmp="$out.tmp"
{
	echo "/* generated from $conf by scripts/gen-applets.sh */"
	for a in $list; do echo "X($a)"; done
} >"$tmp"
if cmp -s "$tmp" "$out" 2>/dev/null; then rm -f "$tmp"; else mv "$tmp" "$out"; fi
