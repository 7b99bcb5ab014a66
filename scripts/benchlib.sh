# scripts/benchlib.sh - sourced by the bench scripts that serve from a
# scratch directory: T (removed at exit, the servers whose pids are in
# $T/*.pid killed), AS (run as uid 65534 without capabilities when
# root), med FILE (the median of the numbers in $T/FILE).
T=$(mktemp -d "${TMPDIR:-/tmp}/sbbench.XXXXXX")
chmod 755 "$T"
trap 'for f in "$T"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done; rm -rf "$T"' EXIT
AS=""
[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
med() { sort -n "$T/$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
