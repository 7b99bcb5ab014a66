#!/bin/sh
# scripts/runtests.sh BUILD_DIR [TEST...] - every test sb has:
#   unit tests (glibc, ASan/UBSan), a short run of each fuzz target over its
#   seeds, and the applet tests in these modes (when run as root):
#     root         as invoked
#     unpriv       uid 65534, no capabilities
#     docker       uid 65534, no capabilities (bounding set empty), under
#                  Docker's real default seccomp profile (containerd's is the
#                  same in what matters: Kubernetes RuntimeDefault)
#     crio         the same under containers-common's profile (CRI-O, podman)
#     docker-root  uid 0 with Docker's default capabilities (no
#                  CAP_SYS_PTRACE) under Docker's profile evaluated for them:
#                  a container's root, where tests use --user 65534
#   The profiles are read from Debian's packages, evaluated by
#   tests/profile.py and installed by build/static/t-profile as runc would.
#   SB_MODES="root unpriv ..." picks modes; the profile modes run only the
#   tests in SB_PROFILE_TESTS (default: those that run sb-exec's chain or
#   the supervisor, or probe the kernel: exec notifyd stack probe outside
#   oldkernel confine upstream dns binary transparent; not the standalone
#   pin, proxy, sb and kit tests)
#   unless it is "all".
# Ends with per-mode times and "N passed, M failed[, K skipped]"; exits 1
# on any failure.
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

DOCKER_PROFILE=${DOCKER_PROFILE:-/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json}
CRIO_PROFILE=${CRIO_PROFILE:-/usr/share/containers/seccomp.json}
DOCKER_CAPS=chown,dac_override,fsetid,fowner,mknod,net_raw,setgid,setuid,setfcap,setpcap,net_bind_service,sys_chroot,kill,audit_write
MODES=${SB_MODES:-root unpriv docker crio docker-root}
PROFILE_TESTS=${SB_PROFILE_TESTS:-exec notifyd stack probe outside oldkernel confine upstream dns binary transparent}
unpriv="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
pod="$unpriv --bounding-set=-all"
dcaps=$(echo "$DOCKER_CAPS" | sed 's/\([a-z_]*\)/+\1/g')
dockroot="setpriv --inh-caps=-all --bounding-set=-all,$dcaps"
PD="$B/profiles"

# profile MODE JSON CAPS: the line file t-profile reads, or "" (and a skip
# recorded) when this mode cannot run here.
profile() {
	if [ "$(id -u)" != 0 ]; then
		echo "skip mode $1: needs root [$1]" >>"$RESULTS"; return 1
	fi
	if [ ! -r "$2" ]; then
		echo "skip mode $1: no $2 [$1]" >>"$RESULTS"; return 1
	fi
	if [ ! -x "$B/static/t-profile" ]; then
		echo "skip mode $1: no $B/static/t-profile [$1]" >>"$RESULTS"; return 1
	fi
	mkdir -p "$PD"
	if ! python3 "$top/tests/profile.py" "$2" --caps "$3" --out "$PD/$1" ||
		! "$B/static/t-profile" --dump "$PD/$1" >/dev/null; then
		echo "fail mode $1: cannot build the filter from $2 [$1]" >>"$RESULTS"
		echo "FAIL: mode $1: cannot build the filter from $2"; return 1
	fi
}
ran=""
for m in $MODES; do
	case $m in
	root) run="" ;;
	unpriv) [ "$(id -u)" = 0 ] || continue; run="$unpriv" ;;
	docker) profile docker "$DOCKER_PROFILE" none || continue
		run="$pod $B/static/t-profile $PD/docker" ;;
	crio) profile crio "$CRIO_PROFILE" none || continue
		run="$pod $B/static/t-profile $PD/crio" ;;
	docker-root) profile docker-root "$DOCKER_PROFILE" "$DOCKER_CAPS" || continue
		run="$dockroot $B/static/t-profile $PD/docker-root" ;;
	*) echo "runtests: unknown mode $m" >&2; exit 2 ;;
	esac
	t0=$(date +%s)
	for t in "$top"/tests/*.test; do
		n=${t##*/}; n=${n%.test}
		want "$n" || continue
		case $m in root|unpriv) ;; *)
			case " $PROFILE_TESTS " in *" all "*|*" $n "*) ;; *) continue ;; esac ;;
		esac
		if [ -z "$run" ]; then
			MODE=$m sh "$t"
		else
			$run env MODE=$m B="$B" RESULTS="$RESULTS" HOME=/tmp sh "$t"
		fi
	done
	ran="$ran $m $(( $(date +%s) - t0 ))s"
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
[ -n "$ran" ] && echo "modes:$ran"
rm -f "$RESULTS"
if [ "$s" -gt 0 ]; then echo "$p passed, $f failed, $s skipped"; else echo "$p passed, $f failed"; fi
[ "$f" -eq 0 ]
