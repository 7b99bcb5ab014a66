#!/bin/sh
# scripts/check-oci.sh BUILD_DIR - make check-oci: sb as the entrypoint of a
# scratch OCI bundle under runc (Debian's), once a real seccomp profile:
# Docker's default and containers-common's as uid 65534 without
# capabilities, and Docker's as root with Docker's default capabilities.
# The rootfs holds BUILD_DIR/sb, its applet links, the static tools of
# tests/static and examples/sb.policy (as /etc/sb.policy), nothing else;
# then tests/oci/image.test: the example image of examples/ (make image).
# Needs root (runc). Ends with "N passed, M failed[, K skipped]".
set -u
B=$(cd "${1:-build}" && pwd)
top=$(cd "${0%/*}/.." && pwd)
DOCKER_PROFILE=${DOCKER_PROFILE:-/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json}
CRIO_PROFILE=${CRIO_PROFILE:-/usr/share/containers/seccomp.json}
DOCKER_CAPS=chown,dac_override,fsetid,fowner,mknod,net_raw,setgid,setuid,setfcap,setpcap,net_bind_service,sys_chroot,kill,audit_write

t0=$(date +%s)
if [ "$(id -u)" != 0 ]; then
	echo "check-oci: needs root (runc)" >&2; exit 1
fi
for f in runc python3 setpriv; do
	command -v $f >/dev/null || { echo "check-oci: no $f (scripts/deps.sh test)" >&2; exit 1; }
done
for f in "$B/sb" "$B/static/t-net" "$B/static/t-profile" "$DOCKER_PROFILE" "$CRIO_PROFILE"; do
	[ -e "$f" ] || { echo "check-oci: no $f" >&2; exit 1; }
done

OCI_DIR=$B/oci
R=$OCI_DIR/rootfs
rm -rf "$R"
mkdir -p "$R/bin" "$R/etc" "$R/proc" "$R/dev" "$R/sys" "$R/tmp" "$R/out" "$OCI_DIR/state"
cp "$B/sb" "$R/sb"
for a in $("$B/sb" --list); do ln -s ../sb "$R/bin/$a"; done
cp "$B"/static/* "$R/bin/"
[ -r "$top/examples/sb.policy" ] && cp "$top/examples/sb.policy" "$R/etc/sb.policy"

RESULTS=$(mktemp /tmp/sbresults.XXXXXX)
export B RESULTS OCI_DIR
for m in docker crio docker-root; do
	case $m in
	docker) p=$DOCKER_PROFILE caps=none ;;
	crio) p=$CRIO_PROFILE caps=none ;;
	docker-root) p=$DOCKER_PROFILE caps=$DOCKER_CAPS ;;
	esac
	python3 "$top/tests/profile.py" "$p" --caps "$caps" --format oci --out "$OCI_DIR/$m.json" &&
	python3 "$top/tests/profile.py" "$p" --caps "$caps" --out "$OCI_DIR/$m.lines" || {
		echo "fail oci: profile $m [$m]" >>"$RESULTS"; continue; }
	MODE=$m OCI_SECCOMP=$OCI_DIR/$m.json OCI_LINES=$OCI_DIR/$m.lines \
		sh "$top/tests/oci/oci.test"
done
# The example image (examples/Containerfile, make image) as built, and as
# examples/k8s/pod.yaml runs it, under the profiles made above.
MODE=image sh "$top/tests/oci/image.test"

p=$(grep -c '^pass' "$RESULTS"); f=$(grep -c '^fail' "$RESULTS"); s=$(grep -c '^skip' "$RESULTS")
[ -n "${VERBOSE:-}" ] && cat "$RESULTS"
rm -f "$RESULTS"
echo "check-oci: $(( $(date +%s) - t0 ))s"
if [ "$s" -gt 0 ]; then echo "$p passed, $f failed, $s skipped"; else echo "$p passed, $f failed"; fi
[ "$f" -eq 0 ]
