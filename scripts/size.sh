#!/bin/sh
# scripts/size.sh MAP BINARY - what each applet and lib module costs in the
# final (section-GCed) binary, from the linker map, like BusyBox's and
# toybox's bloatcheck. "file" is code + read-only data + data (what the
# binary carries); "bss" is zeroed memory (costs RAM, not bytes on disk).
set -eu
map=$1 bin=$2
echo "$(stat -c %s "$bin") bytes  $bin (stripped)"
printf '%9s %9s  %s\n' file bss module
gawk '
/^ \.(text|data|rodata|bss|tbss|tdata)/ {
	sec = $1
	if (NF == 4) { size = strtonum($3); f = $4 }
	else if (NF == 1) { getline; if (NF != 3) next; size = strtonum($2); f = $3 }
	else next
	if (size == 0) next
	if (f ~ /libseccomp\.a/) key = "libseccomp.a"
	else if (f ~ /\/obj\//) { sub(/.*\/obj\//, "", f); key = f }
	else if (f ~ /libc\.a|musl/) key = "musl libc"
	else key = "other (crt, libgcc)"
	if (sec ~ /bss/) bss[key] += size; else file[key] += size
	seen[key] = 1
}
END { for (k in seen) printf "%9d %9d  %s\n", file[k], bss[k], k }' "$map" | sort -k3
