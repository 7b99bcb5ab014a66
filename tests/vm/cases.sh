#!/bin/sh
# tests/vm/cases.sh - what check-vm runs inside the VM, once as root and
# once as uid 65534 ($WHO), in the suite $SUITE (see tests/vm/init). Each
# escape first works unconfined (the control), then is tried under
# enforce and under --best-effort. Prints "VM: PASS|FAIL|INFO [WHO] ...".
E=/tmp/$WHO.err

pass() { echo "VM: PASS [$WHO] $1"; }
fail() {
	echo "VM: FAIL [$WHO] $1"
	sed 's/^/VM:   | /' "$E" 2>/dev/null | head -n 6
}
info() { echo "VM: INFO [$WHO] $*"; }

# t NAME WANT COMMAND: COMMAND's stdout, lines joined by blanks.
t() {
	got=$(sh -c "$3" 2>"$E" | tr '\n' ' ')
	got=${got% }
	if [ "$got" = "$2" ]; then pass "$1"; else fail "$1: want '$2', got '$got'"; fi
}

flag() { [ "$1" = enforce ] || echo --best-effort; }
modes="enforce best-effort"
[ "$SUITE" = nolandlock ] && modes=best-effort

# attack NAME WANT VMT-ARGS...: the control must print ok.
attack() {
	name=$1 want=$2; shift 2
	ctl=$(vmt "$@" 2>&1)
	if [ "$ctl" != ok ]; then
		fail "$name: the control failed unconfined: $ctl"
		return
	fi
	for m in $modes; do
		t "$name [$m]" "$want" "sb exec $(flag $m) -- vmt $*; echo \$?"
	done
}

# ---- sb-probe ----
sb probe | sed "s/^/VM: INFO [$WHO] probe: /"
sb probe --json >/tmp/$WHO.probe
info "probe json: $(cat /tmp/$WHO.probe)"
if [ "$SUITE" = main ]; then
	t "probe: Landlock ABI 2, user notification with ADDFD+SEND" "0" \
	  "sb probe --require landlock,landlock-refer,seccomp-notify,seccomp-addfd-send >/dev/null; echo \$?"
	t "probe: no Landlock TCP rules or scopes" "1" \
	  "sb probe --require landlock-net >/dev/null 2>&1 || sb probe --require landlock-scope >/dev/null 2>&1; echo \$?"
else
	t "probe: no Landlock" "1" "sb probe --require landlock >/dev/null 2>&1; echo \$?"
fi

# ---- the README's first command, and the report ----
if [ "$SUITE" = main ]; then
	t "enforce: default policy runs" "hi 0" "sb exec -- sh -c 'echo hi'; echo \$?"
	sb exec --report /tmp/$WHO.r.json -- true 2>/dev/null
	info "report: $(cat /tmp/$WHO.r.json 2>/dev/null)"
	t "report: landlock_fs names what ABI 2 lacks" \
	  '"landlock_fs":"partial: no truncate, ioctl_dev (ABI 2)"' \
	  "grep -o '\"landlock_fs\":\"[^\"]*\"' /tmp/$WHO.r.json"
	t "report: no layer says skipped" "0" \
	  "grep -c skipped /tmp/$WHO.r.json"
	t "report: refer is not named on ABI 2" "0" "grep -c refer /tmp/$WHO.r.json"
	t "enforce: truncate and ioctl_dev losses said on stderr" "1" \
	  "sb exec -- true 2>&1 | grep -c 'partial: no truncate, ioctl_dev (ABI 2)'"
else
	t "enforce refuses without Landlock" "125" "sb exec -- true 2>/dev/null; echo \$?"
	t "enforce says why" "1" \
	  "sb exec -- true 2>&1 | grep -c 'Landlock is built into this kernel but disabled at boot'"
	t "enforce names the layer" "1" \
	  "sb exec -- true 2>&1 | grep -c 'refusing to run (enforce): missing here: landlock_fs'"
fi
t "best-effort: default policy runs" "hi 0" "sb exec --best-effort -- sh -c 'echo hi'; echo \$?"

# ---- files ----
if [ "$SUITE" = main ]; then
	t "write outside the policy (control)" "ok" "echo x >/var/w/$WHO && echo ok"
	for m in $modes; do
		t "write outside the policy [$m]" "denied" \
		  "sb exec $(flag $m) -- sh -c 'echo x >/var/w/$WHO.2 2>/dev/null && echo ok || echo denied'"
	done
	for m in $modes; do
		echo keep >/var/w/$WHO.t
		t "truncate on ABI 2 is not enforced (reported lost) [$m]" "ok 0" \
		  "sb exec $(flag $m) --ro /var/w -- sh -c 'vmt truncate /var/w/$WHO.t; wc -c </var/w/$WHO.t'"
		echo keep >/var/w/$WHO.t
		t "but an ro file cannot be opened for writing [$m]" "denied 5" \
		  "sb exec $(flag $m) --ro /var/w -- sh -c 'echo x >>/var/w/$WHO.t 2>/dev/null && echo ok || echo denied; wc -c </var/w/$WHO.t'"
	done
else
	t "best-effort without Landlock: files are open (said)" "ok" \
	  "sb exec --best-effort -- sh -c 'echo x >/var/w/$WHO.3 && echo ok' 2>/dev/null"
fi

# ---- egress ----
attack "connect to another loopback address on the proxy's port" "EACCES 1" \
	connect 127.0.0.2 3128
attack "connect to a loopback port that is not the proxy's" "EACCES 1" \
	connect 127.0.0.1 8000
attack "UDP datagram" "EACCES 1" udp 127.0.0.1 5353
attack "abstract UNIX connect to an outside listener" "EACCES 1" \
	abstract sbvm-outside
t "listen() without bind ports (control)" "ok" "vmt listen"
for m in $modes; do
	t "listen() without bind ports [$m]" "EPERM 1" "sb exec $(flag $m) -- vmt listen; echo \$?"
	t "AF_UNIX/TCP fd-swap race, 300 tries [$m]" "0" \
	  "sb exec $(flag $m) -- vmt unixrace 127.0.0.1 8000 300"
done
n=$(vmt unixrace 127.0.0.1 8000 300)
if [ "${n:-0}" -gt 0 ]; then pass "AF_UNIX/TCP fd-swap race (control: $n of 300)"
else fail "AF_UNIX/TCP fd-swap race (control: $n of 300)"; fi
info "bind to a non-bind port: $(sb exec --best-effort -- vmt bind 8001 2>/dev/null) (no Landlock TCP rules on ABI 2; listen() stays refused)"

# ---- sb's helpers killed from inside ----
for m in $modes; do
	# sb-exec kills the command once a helper dies: the connects after
	# the kill may not run at all; none may succeed, and sb-exec says 125.
	before=$(grep -c conn /tmp/l-tcp.log)
	out=$(sb exec $(flag $m) -- sh -c 'vmt killsb; vmt connect 127.0.0.1 8000; vmt connect 127.0.0.1 3128' 2>"$E"; echo "rc=$?")
	out=$(echo $out)
	after=$(grep -c conn /tmp/l-tcp.log)
	# (sb-exec may kill the command before it prints "killed 2": the
	# helpers' deaths are in sb-exec's own message then.)
	case "$out" in
	*rc=125) ok=1 ;;
	*) ok=0 ;;
	esac
	grep -q 'died' "$E" || ok=0
	case "$out" in *" ok "*) ok=0 ;; esac
	[ "$before" = "$after" ] || ok=0
	if [ $ok = 1 ]; then pass "kill the supervisor and proxy from inside: fails closed [$m] ($out)"
	else fail "kill the supervisor and proxy from inside: fails closed [$m]: got '$out', listener $before -> $after"; fi
	rm -f /tmp/$WHO.k2
	t "kill sb-exec from inside: the command is cut off [$m]" "137 ENOSYS" \
	  "sb exec $(flag $m) -- sh -c 'kill -9 \$PPID; sleep 0.5; vmt connect 127.0.0.1 8000 >/tmp/$WHO.k2'; echo \$?; sleep 1; cat /tmp/$WHO.k2"
done

# ---- without user notification (section 4; simulated) ----
if [ "$SUITE" = main ]; then
	t "no user notification: enforce refuses" "125" \
	  "t-oldkernel nolistener sb exec -- true 2>/dev/null; echo \$?"
	t "no user notification: best-effort runs" "hi" \
	  "t-oldkernel nolistener sb exec --best-effort -- echo hi 2>/dev/null"
	t "no user notification on ABI 2: best-effort says TCP reaches anywhere" "1" \
	  "t-oldkernel nolistener sb exec --best-effort -- true 2>&1 | grep -c 'TCP connect reaches any address and port'"
	t "no seccomp: enforce refuses" "125" \
	  "t-oldkernel noseccomp sb exec -- true 2>/dev/null; echo \$?"
	t "no seccomp: best-effort runs" "hi" \
	  "t-oldkernel noseccomp sb exec --best-effort -- echo hi 2>/dev/null"
fi

# ---- sb-exec as PID 1 (a new PID namespace: root only) ----
if [ "$WHO" = root ]; then
	for m in $modes; do
		t "PID 1: runs, exit status [$m]" "sb 7" \
		  "unshare -p -f --mount-proc sb exec $(flag $m) -- sh -c 'cat /proc/1/comm; exit 7'; echo \$?"
		t "PID 1: SIGTERM forwarded [$m]" "42" \
		  "unshare -p -f --mount-proc sb exec $(flag $m) -- sh -c 'trap \"exit 42\" TERM; while :; do sleep 0.1; done' & u=\$!; sleep 3; kill -TERM \$(cat /proc/\$u/task/\$u/children); wait \$u; echo \$?"
		t "PID 1: orphans reaped [$m]" "0" \
		  "unshare -p -f --mount-proc sb exec $(flag $m) -- sh -c '(sleep 0.2 &); (sleep 0.2 &); sleep 1; grep -l zombie /proc/[0-9]*/status 2>/dev/null | wc -l'"
	done
fi

# ---- Yama ptrace_scope 1 (Ubuntu's default): the supervisor is a thread
# of sb-exec, an ancestor of the command (root only: the sysctl) ----
Y=/proc/sys/kernel/yama/ptrace_scope
if [ "$WHO" = root ] && [ -w "$Y" ]; then
	old=$(cat "$Y")
	echo 1 >"$Y"
	t "ptrace_scope 1: control, the loopback port answers" "ok" "vmt connect 127.0.0.1 8000"
	for m in $modes; do
		t "ptrace_scope 1: connect decided by a supervisor thread [$m]" "EACCES 1 2" \
		  "sb exec $(flag $m) --allow 192.0.2.1:443 -- sh -c 'vmt connect 127.0.0.1 8000; echo \$?; ls /proc/\$PPID/task | wc -l'"
	done
	echo "$old" >"$Y"
fi
