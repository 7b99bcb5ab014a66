#!/usr/bin/python3
# tests/profile.py - evaluate a real container seccomp profile (Docker's
# default.json, containers-common's seccomp.json) the way the engine does
# before it hands the result to the runtime, for one capability set:
#
#   profile.py PROFILE [--caps LIST|self|none] [--arch amd64] [--kernel R]
#              [--format lines|oci] [--out FILE]
#
# --caps: the bounding set the container gets (comma-separated names, with
# or without CAP_; "self" reads CapBnd of this process; default "none").
# Entries are kept or dropped by includes/excludes: caps (all of includes
# must be held; any of excludes drops it), arches (the engine's arch name,
# amd64 here), minKernel (against --kernel, default `uname -r`).
#
# --format oci: the OCI runtime spec's linux.seccomp object, what runc gets.
# --format lines: for tests/static/t-profile (libseccomp, as runc does):
#   default ACTION ERRNO
#   arch NAME                      (libseccomp arch names: x86_64 x86 x32)
#   rule ACTION ERRNO SYSCALL [INDEX OP VALUE VALUETWO]...
# where ACTION is ALLOW ERRNO KILL KILL_PROCESS TRAP LOG and conditions on
# the same argument index are split into one rule each, as runc does.
import json, os, sys

CAPS = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID",
        "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE",
        "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
        "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT",
        "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
        "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE",
        "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
        "PERFMON", "BPF", "CHECKPOINT_RESTORE"]
# Docker's (and containerd's) default capability set.
DOCKER_CAPS = ["CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD",
               "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
               "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"]
ERRNO = {"EPERM": 1, "ENOENT": 2, "EACCES": 13, "EINVAL": 22, "ENOSYS": 38}
ARCH_LIBSECCOMP = {"SCMP_ARCH_X86_64": "x86_64", "SCMP_ARCH_X86": "x86",
                   "SCMP_ARCH_X32": "x32"}
NATIVE = {"amd64": "SCMP_ARCH_X86_64"}


def die(msg):
    sys.stderr.write("profile.py: %s\n" % msg)
    sys.exit(2)


def caps_of(spec):
    if spec == "none" or spec == "":
        return set()
    if spec == "self":
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("CapBnd:"):
                    v = int(line.split()[1], 16)
        return {"CAP_" + n for i, n in enumerate(CAPS) if v >> i & 1}
    if spec == "docker":
        return {"CAP_" + n for n in DOCKER_CAPS}
    out = set()
    for c in spec.split(","):
        c = c.strip().upper()
        c = c if c.startswith("CAP_") else "CAP_" + c
        if c[4:] not in CAPS:
            die("unknown capability %s" % c)
        out.add(c)
    return out


def kver(s):
    v = []
    for part in s.split("-")[0].split(".")[:3]:
        digits = "".join(ch for ch in part if ch.isdigit()) or "0"
        v.append(int(digits))
    return tuple(v + [0] * (3 - len(v)))


def keep(entry, caps, arch, kernel):
    exc = entry.get("excludes") or {}
    inc = entry.get("includes") or {}
    if arch in (exc.get("arches") or []):
        return False
    if any(c in caps for c in exc.get("caps") or []):
        return False
    if exc.get("minKernel") and kernel >= kver(exc["minKernel"]):
        return False
    if inc.get("arches") and arch not in inc["arches"]:
        return False
    if any(c not in caps for c in inc.get("caps") or []):
        return False
    if inc.get("minKernel") and kernel < kver(inc["minKernel"]):
        return False
    return True


def errno_of(obj, key_ret, key_name):
    if obj.get(key_ret) is not None:
        return int(obj[key_ret])
    if obj.get(key_name):
        if obj[key_name] not in ERRNO:
            die("unknown errno %s" % obj[key_name])
        return ERRNO[obj[key_name]]
    return None


def evaluate(prof, caps, arch, kernel):
    native = NATIVE.get(arch) or die("unsupported arch %s" % arch)
    arches = []
    if prof.get("archMap"):
        for m in prof["archMap"]:
            if m["architecture"] == native:
                arches = [native] + list(m.get("subArchitectures") or [])
    elif prof.get("architectures"):
        arches = list(prof["architectures"])
    out = {"defaultAction": prof["defaultAction"]}
    e = errno_of(prof, "defaultErrnoRet", "defaultErrno")
    if e is not None:
        out["defaultErrnoRet"] = e
    out["architectures"] = arches
    calls = []
    for s in prof.get("syscalls") or []:
        if not keep(s, caps, arch, kernel):
            continue
        names = list(s.get("names") or [])
        if s.get("name"):
            names.append(s["name"])
        c = {"names": names, "action": s["action"]}
        e = errno_of(s, "errnoRet", "errno")
        if e is not None:
            c["errnoRet"] = e
        if s.get("args"):
            c["args"] = [{"index": a["index"], "value": a.get("value", 0),
                          "valueTwo": a.get("valueTwo", 0), "op": a["op"]}
                         for a in s["args"]]
        calls.append(c)
    out["syscalls"] = calls
    return out


def action(a, e):
    a = a[len("SCMP_ACT_"):] if a.startswith("SCMP_ACT_") else a
    if a not in ("ALLOW", "ERRNO", "KILL", "KILL_PROCESS", "KILL_THREAD",
                 "TRAP", "LOG"):
        die("unsupported action %s" % a)
    if a == "KILL_THREAD":
        a = "KILL"
    return "%s %d" % (a, (1 if e is None else e) if a == "ERRNO" else 0)


def lines(oci):
    out = ["default " + action(oci["defaultAction"],
                               oci.get("defaultErrnoRet"))]
    for a in oci["architectures"]:
        if a not in ARCH_LIBSECCOMP:
            die("unsupported architecture %s" % a)
        out.append("arch " + ARCH_LIBSECCOMP[a])
    for c in oci["syscalls"]:
        act = action(c["action"], c.get("errnoRet"))
        args = c.get("args") or []
        idx = [a["index"] for a in args]
        # runc: conditions on one argument twice are ORed, one rule each.
        groups = [[a] for a in args] if len(set(idx)) < len(idx) else [args]
        for n in c["names"]:
            for g in groups:
                conds = "".join(" %d %s %d %d" % (
                    a["index"], a["op"][len("SCMP_CMP_"):], a["value"],
                    a["valueTwo"]) for a in g)
                out.append("rule %s %s%s" % (act, n, conds))
    return "\n".join(out) + "\n"


def main(argv):
    opts = {"--caps": "none", "--arch": "amd64",
            "--kernel": os.uname().release, "--format": "lines",
            "--out": "-"}
    pos = []
    i = 0
    while i < len(argv):
        if argv[i] in opts and i + 1 < len(argv):
            opts[argv[i]] = argv[i + 1]
            i += 2
        elif argv[i].startswith("-"):
            die("unknown option %s" % argv[i])
        else:
            pos.append(argv[i])
            i += 1
    if len(pos) != 1:
        die("usage: profile.py PROFILE [--caps LIST|self|docker|none] "
            "[--arch amd64] [--kernel R] [--format lines|oci] [--out FILE]")
    with open(pos[0]) as f:
        prof = json.load(f)
    oci = evaluate(prof, caps_of(opts["--caps"]), opts["--arch"],
                   kver(opts["--kernel"]))
    if opts["--format"] == "oci":
        text = json.dumps(oci, indent=1) + "\n"
    elif opts["--format"] == "lines":
        text = lines(oci)
    else:
        die("unknown format %s" % opts["--format"])
    if opts["--out"] == "-":
        sys.stdout.write(text)
    else:
        with open(opts["--out"], "w") as f:
            f.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
