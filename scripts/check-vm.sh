#!/bin/sh
# scripts/check-vm.sh [BUILD_DIR] - sb on Debian 12's own kernel (6.1:
# Landlock ABI 2, user notification with ADDFD+SEND), booted under QEMU
# with software emulation (TCG; no KVM needed), twice: as it boots, and
# with lsm=lockdown,yama (no Landlock). The initramfs holds only BUILD_DIR/sb
# and its applet links, busybox-static and its links, and the static (musl)
# helpers of tests/vm/ and tests/helpers/t-oldkernel.c; tests/vm/init runs
# tests/vm/cases.sh as root and as uid 65534 and prints "VM: ..." lines on
# the serial console. Exits 1 when a case fails or a boot does not finish.
#
# The kernel package (linux-image-6.1.0-N-amd64, the one linux-image-amd64
# depends on) is fetched with apt-get download and unpacked with dpkg -x
# under build/vm/ once; nothing is installed. SB_VM_KERNEL=PATH uses
# another vmlinuz. SB_VM_TIMEOUT (seconds, default 900) bounds each boot.
set -eu
top=$(cd "${0%/*}/.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
V=$top/build/vm
TIMEOUT=${SB_VM_TIMEOUT:-900}
mkdir -p "$V"
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=""
for p in qemu-system-x86 busybox-static musl-tools; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "check-vm: installing$missing" >&2
	sudo_ apt-get update -qq || true
	DEBIAN_FRONTEND=noninteractive sudo_ apt-get install -y -qq \
		--no-install-recommends $missing >&2
fi
[ -x "$B/sb" ] || { echo "check-vm: $B/sb is missing (make O=$B)" >&2; exit 2; }

# ---- the kernel ----
kernel=${SB_VM_KERNEL:-}
if [ -z "$kernel" ]; then
	kernel=$(ls "$V"/kernel/boot/vmlinuz-* 2>/dev/null | head -n 1 || true)
fi
if [ -z "$kernel" ]; then
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	      awk '/Depends: linux-image-6\.1/ { print $2; exit }')
	[ -n "$pkg" ] || pkg=$(apt-cache search --names-only \
		'^linux-image-6\.1\.0-[0-9]+-amd64(-unsigned)?$' |
		awk '{ print $1 }' | sort -V | tail -n 1)
	[ -n "$pkg" ] || { echo "check-vm: no linux-image-6.1 package in apt's lists (apt-get update?)" >&2; exit 2; }
	echo "check-vm: fetching $pkg"
	rm -rf "$V/dl" && mkdir -p "$V/dl"
	(cd "$V/dl" && apt-get download "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
	deb=$(ls "$V"/dl/*.deb | head -n 1)
	rm -rf "$V/kernel" && dpkg -x "$deb" "$V/kernel"
	# Only the image is booted: no module is needed (all built in).
	rm -rf "$V/dl" "$V/kernel/lib" "$V/kernel/usr"
	kernel=$(ls "$V"/kernel/boot/vmlinuz-* | head -n 1)
fi
echo "check-vm: kernel $kernel"

# ---- the initramfs ----
R=$V/root
rm -rf "$R" && mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/etc" "$R/var"
hcflags="-D_GNU_SOURCE -static -O2 -Wall -Wextra -isystem $top/build/deps/kernel-headers"
musl-gcc $hcflags -o "$R/bin/vmt" "$top/tests/vm/vmt.c" -lpthread
musl-gcc $hcflags -o "$R/bin/t-oldkernel" "$top/tests/helpers/t-oldkernel.c"
cp "$(command -v busybox)" "$R/bin/busybox"
for a in $(busybox --list); do
	[ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"
done
cp "$B/sb" "$R/bin/sb"
for a in $("$B/sb" --list); do ln -sf sb "$R/bin/$a"; done
# The real container profiles (Docker's, which containerd's matches in what
# matters here, and CRI-O/podman's), evaluated for this kernel and no
# capabilities, installed in the VM by t-profile as runc would.
make -s -C "$top" O="$B" "$B/static/t-profile"
cp "$B/static/t-profile" "$R/bin/t-profile"
kver=$(basename "$kernel" | sed 's/^vmlinuz-//')
for p in docker:/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json \
	 crio:/usr/share/containers/seccomp.json; do
	if [ -r "${p#*:}" ]; then
		python3 "$top/tests/profile.py" "${p#*:}" --caps none \
			--kernel "${kver%%-*}" --out "$R/etc/${p%%:*}.profile"
	else
		echo "check-vm: no ${p#*:} (golang-github-docker-docker-dev, golang-github-containers-common): that profile is not run" >&2
	fi
done
cp "$top/tests/vm/init" "$R/init"
cp "$top/tests/vm/cases.sh" "$R/cases.sh"
chmod 755 "$R/init" "$R/bin/sb" "$R/bin/vmt" "$R/bin/t-oldkernel"
echo "root:x:0:0::/:/bin/sh" >"$R/etc/passwd"
echo "nobody:x:65534:65534::/tmp:/bin/sh" >>"$R/etc/passwd"
(cd "$R" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$V/initrd.gz"

# ---- boot, twice ----
status=0
boot() {
	name=$1; shift
	log=$V/$name.log
	s=$(date +%s)
	timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -nographic -no-reboot \
		-m 512 -kernel "$kernel" -initrd "$V/initrd.gz" \
		-append "console=ttyS0 panic=-1 quiet sbvm=$name $*" \
		</dev/null >"$log" 2>&1 || true
	e=$(date +%s)
	tr -d '\r' <"$log" | grep '^VM: ' | grep -v '^VM: INFO \[.*\] probe' || true
	p=$(tr -d '\r' <"$log" | grep -c '^VM: PASS' || true)
	f=$(tr -d '\r' <"$log" | grep -c '^VM: FAIL' || true)
	if ! tr -d '\r' <"$log" | grep -q '^VM: DONE'; then
		echo "check-vm: $name: the boot did not finish (see $log)"
		f=$((f + 1))
	fi
	echo "check-vm: $name: $p passed, $f failed, $((e - s))s"
	[ "$f" -eq 0 ] || status=1
}
boot main
boot nolandlock lsm=lockdown,yama
exit $status
