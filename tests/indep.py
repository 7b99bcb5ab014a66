#!/usr/bin/python3
# tests/indep.py FEATURE - an independent check of one sb-probe answer,
# made with Python's own syscalls: prints true or false.
import ctypes, os, socket, sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
f = sys.argv[1]

def landlock_abi():
    r = libc.syscall(444, None, 0, 1)
    return r if r > 0 else 0

def pidfd_getfd():
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w); os.read(r, 1); os._exit(0)
    ok = False
    pfd = libc.syscall(434, pid, 0)
    if pfd >= 0:
        fd = libc.syscall(438, pfd, r, 0)
        ok = fd >= 0
    os.close(w); os.waitpid(pid, 0)
    return ok

def io_uring():
    params = ctypes.create_string_buffer(120)
    fd = libc.syscall(425, 1, params)
    return fd >= 0

def mptcp():
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262).close()
        return True
    except OSError:
        return False

def user_ns():
    pid = os.fork()
    if pid == 0:
        os._exit(0 if libc.syscall(272, 0x10000000) == 0 else 1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return line.split()[1]

def seccomp_notify():
    return "user_notif" in open("/proc/sys/kernel/seccomp/actions_avail").read()

checks = {
    "landlock_abi": lambda: landlock_abi(),
    "pidfd-getfd": pidfd_getfd,
    "io-uring": io_uring,
    "mptcp": mptcp,
    "user-ns": user_ns,
    "seccomp-notify": seccomp_notify,
    "no_new_privs": lambda: status("NoNewPrivs") == "1",
    "cap_eff": lambda: "0x" + format(int(status("CapEff"), 16), "x"),
}
v = checks[f]()
print(str(v).lower() if isinstance(v, bool) else v)
