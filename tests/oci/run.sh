#!/bin/sh
# tests/oci/run.sh ARG... - run ARG... as the process of a fresh container
# under runc (make check-oci): a bundle whose config.json tests/oci/config.py
# writes from the environment, removed afterwards. Exits with the
# container's status (128+N when its init died of signal N).
#   OCI_DIR      rootfs/ (read-only, shared) and state/ (runc --root)
#   OCI_UID      the process's uid and gid
#   OCI_CAPS     its capabilities (none, docker, or a list)
#   OCI_SECCOMP  linux.seccomp JSON (tests/profile.py --format oci), or none
#   OCI_OUT      a host directory bound read-write at /out
#   OCI_ID       the container id (default: unique), for runc kill
set -u
id=${OCI_ID:-sb-oci-$$}
b=$(mktemp -d "$OCI_DIR/bundle.XXXXXX") || exit 125
python3 "${0%/*}/config.py" --out "$b/config.json" --rootfs "$OCI_DIR/rootfs" \
	--uid "$OCI_UID" --caps "$OCI_CAPS" --seccomp "$OCI_SECCOMP" \
	--bind "$OCI_OUT:/out" -- "$@" || { rm -rf "$b"; exit 125; }
timeout -k 5 60 runc --root "$OCI_DIR/state" run -b "$b" "$id"
rc=$?
runc --root "$OCI_DIR/state" delete -f "$id" >/dev/null 2>&1
rm -rf "$b"
exit $rc
