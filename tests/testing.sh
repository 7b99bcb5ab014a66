# tests/testing.sh - the toybox/BusyBox 5-argument test harness.
#
#   testing NAME COMMAND EXPECTED_STDOUT INPUT_FILE_CONTENT STDIN
#
# COMMAND runs in sh -c with $SB (the binary), $B (the build dir), $H (test
# helpers) and the applet links on PATH; "input" holds INPUT_FILE_CONTENT.
# Counts go to $RESULTS (one line per test: pass/fail/skip NAME).
# need FEATURE... skips the rest of the file when sb-probe lacks one.

: "${B:?}" "${RESULTS:?}"
SB="$B/sb"
H=${H:-$B/helpers}
# Under /var/tmp: the embedded default policy makes /tmp writable, and
# the tests need places outside every rule.
T=$(mktemp -d "${SB_TEST_TMP:-/var/tmp}/sbtest.XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin"
ln -sf "$SB" "$T/bin/sb"
for a in $("$SB" --list); do ln -sf "$SB" "$T/bin/$a"; done
PATH="$T/bin:$H:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export SB B H T PATH
SKIPPING=""
TEST_FILE=${0##*/}

_record() { echo "$1 ${TEST_FILE%.test}: $2 [${MODE:-root}]" >>"$RESULTS"; }

testing() {
	name=$1 cmd=$2 want=$3 input=$4 stdin=$5
	if [ -n "$SKIPPING" ]; then
		_record skip "$name ($SKIPPING)"
		return 0
	fi
	printf '%b' "$input" >"$T/input"
	got=$(cd "$T" && printf '%b' "$stdin" | sh -c "$cmd" 2>"$T/stderr"; echo x)
	got=${got%x}
	exp=$(printf '%b' "$want"; echo x)
	exp=${exp%x}
	if [ "$got" = "$exp" ]; then
		_record pass "$name"
		[ -n "$VERBOSE" ] && echo "PASS: $name"
	else
		_record fail "$name"
		echo "FAIL: $TEST_FILE: $name [${MODE:-root}]"
		echo "  command:  $cmd"
		printf '  expected: %s\n' "$(printf '%s' "$exp" | head -c 600 | od -c | head -n 8)"
		printf '  got:      %s\n' "$(printf '%s' "$got" | head -c 600 | od -c | head -n 8)"
		echo "  stderr:"; head -c 1500 "$T/stderr" | sed 's/^/    /'
	fi
	return 0
}

# Skip the rest of this file unless every feature is there.
need() {
	for f in "$@"; do
		"$SB" probe --require "$f" >/dev/null 2>&1 || {
			SKIPPING="kernel lacks $f"
			return 1
		}
	done
}
need_applet() {
	"$SB" --list | grep -qx "sb-$1" || SKIPPING="sb-$1 not built"
}
skip_rest() { SKIPPING=$1; }
is_root() { [ "$(id -u)" = 0 ]; }
