#!/bin/sh
# scripts/deps.sh - install what building and testing sb needs, idempotently.
#
#   scripts/deps.sh build   musl-tools, gperf, libseccomp built static for musl
#   scripts/deps.sh test    also the tools the tests and benchmarks drive
#
# Instant when already done: each step checks its own stamp first.
set -eu

top=$(cd "${0%/*}/.." && pwd)
b="$top/build/deps"
want=${1:-build}

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=""
need_pkg() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing="$missing $p"
	done
}

need_pkg musl-tools gperf dpkg-dev make gcc gawk file
if [ "$want" = test ]; then
	need_pkg clang libclang-rt-14-dev curl python3 openssl iproute2 \
		util-linux procps tinyproxy tini bubblewrap hyperfine file bc \
		runc golang-github-docker-docker-dev golang-github-containers-common \
		python3-yaml
fi
if [ -n "$missing" ]; then
	echo "deps: installing$missing" >&2
	sudo_ apt-get update -qq || true
	DEBIAN_FRONTEND=noninteractive sudo_ apt-get install -y -qq \
		--no-install-recommends $missing >&2
fi

# Kernel UAPI headers for musl-gcc: only linux/, asm/, asm-generic/, never
# the rest of glibc's /usr/include.
kh="$b/kernel-headers"
if [ ! -e "$kh/.stamp" ]; then
	rm -rf "$kh"; mkdir -p "$kh"
	cp -r /usr/include/linux /usr/include/asm-generic "$kh/"
	cp -r "/usr/include/$(gcc -dumpmachine)/asm" "$kh/asm"
	touch "$kh/.stamp"
fi

# libseccomp from Debian's source package, static, for musl.
sc="$b/libseccomp"
if [ ! -e "$sc/lib/libseccomp.a" ]; then
	src="$b/libseccomp-src"
	rm -rf "$src"; mkdir -p "$src"
	if ! (cd "$src" && apt-get source --download-only libseccomp >/dev/null 2>&1); then
		# No deb-src entry: add one mirroring the deb entries.
		echo "deps: adding a deb-src entry" >&2
		if [ -f /etc/apt/sources.list.d/debian.sources ]; then
			sed -n '/^Types:.*deb/,/^$/p' /etc/apt/sources.list.d/debian.sources |
				sed 's/^Types:.*/Types: deb-src/' |
				sudo_ tee /etc/apt/sources.list.d/sb-deb-src.sources >/dev/null
		else
			grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
				sudo_ tee /etc/apt/sources.list.d/sb-deb-src.list >/dev/null
		fi
		sudo_ apt-get update -qq
		(cd "$src" && apt-get source --download-only libseccomp >/dev/null)
	fi
	tar -C "$src" -xf "$(ls "$src"/libseccomp_*.orig.tar.* | head -n1)"
	d=$(ls -d "$src"/libseccomp-*/ | head -n1)
	(cd "$d" && CC="musl-gcc -isystem $kh" CFLAGS="-Os -ffunction-sections -fdata-sections" \
		./configure --quiet --prefix="$sc" --enable-static --disable-shared \
			--disable-python >/dev/null &&
		make -s -j2 -C src >/dev/null && make -s -C src install >/dev/null &&
		make -s -C include install >/dev/null)
	mkdir -p "$sc/lib/pkgconfig"
	cp "$d/src/.libs/libseccomp.a" "$sc/lib/" 2>/dev/null || true
fi
