#!/bin/sh
# scripts/runtests.sh BUILD_DIR [TEST...] - every test sb has:
#   unit tests (glibc, ASan/UBSan), a short run of each fuzz target over its
#   seeds, and the applet tests in three modes: as root; as uid 65534 with no
#   capabilities; and that again under the Kubernetes RuntimeDefault mimic.
# Ends with "N passed, M failed[, K skipped]"; exits 1 on any failure.
set -u
B=$(cd "${1:-build}" && pwd); shift 2>/dev/null || true
top=$(cd "${0%/*}/.." && pwd)
RESULTS=$(mktemp /tmp/sbresults.XXXXXX)
chmod 666 "$RESULTS"
export B RESULTS

only="$*"
want() { [ -z "$only" ] && return 0; for w in $only; do [ "$w" = "$1" ] && return 0; done; return 1; }

if want unit; then
	for u in "$B"/unit/*_test; do
		[ -x "$u" ] || continue
		n=${u##*/}
		if out=$("$u" 2>&1); then
			echo "pass unit: $n [host]" >>"$RESULTS"
		else
			echo "fail unit: $n [host]" >>"$RESULTS"
			echo "FAIL: unit $n"; echo "$out" | tail -n 20 | sed 's/^/    /'
		fi
	done
fi

if want fuzz; then
	for f in "$B"/fuzz/*_fuzz; do
		[ -x "$f" ] || continue
		n=${f##*/}
		seeds="$top/tests/fuzz/seeds/${n%_fuzz}"
		mkdir -p "$B/fuzz/corpus-${n%_fuzz}"
		if out=$("$f" -runs=20000 -max_total_time=20 -max_len=4096 \
			"$B/fuzz/corpus-${n%_fuzz}" $( [ -d "$seeds" ] && echo "$seeds") 2>&1); then
			echo "pass fuzz: $n [host]" >>"$RESULTS"
		else
			echo "fail fuzz: $n [host]" >>"$RESULTS"
			echo "FAIL: fuzz $n"; echo "$out" | tail -n 30 | sed 's/^/    /'
		fi
	done
fi

# A setuid-root copy of the attack helper: under no_new_privs it must keep
# the caller's euid (tests/exec.test, unprivileged modes).
if [ "$(id -u)" = 0 ] && [ -x "$B/helpers/t-attack" ]; then
	cp "$B/helpers/t-attack" "$B/helpers/t-suid" && chmod 4755 "$B/helpers/t-suid"
fi

unpriv="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
for t in "$top"/tests/*.test; do
	n=${t##*/}; n=${n%.test}
	want "$n" || continue
	MODE=root sh "$t"
	if [ "$(id -u)" = 0 ]; then
		MODE=unpriv $unpriv env MODE=unpriv B="$B" RESULTS="$RESULTS" \
			HOME=/tmp sh "$t"
		MODE=rtdefault $unpriv env MODE=rtdefault B="$B" \
			RESULTS="$RESULTS" HOME=/tmp "$B/helpers/rtdefault" sh "$t"
	fi
done

# The minimal configuration (sb-exec + sb-probe) passes its own tests,
# with the full build's helpers.
M=${SB_MINIMAL:-}
[ -n "$M" ] && M=$(cd "$M" && pwd)
if [ -n "$M" ] && [ -x "$M/sb" ]; then
	for n in sb probe exec; do
		want "$n" || continue
		full=$B; MODE=minimal B="$M" H="$full/helpers" sh "$top/tests/$n.test"
	done
fi

p=$(grep -c '^pass' "$RESULTS"); f=$(grep -c '^fail' "$RESULTS"); s=$(grep -c '^skip' "$RESULTS")
[ -n "${VERBOSE:-}" ] && cat "$RESULTS"
rm -f "$RESULTS"
if [ "$s" -gt 0 ]; then echo "$p passed, $f failed, $s skipped"; else echo "$p passed, $f failed"; fi
[ "$f" -eq 0 ]
