#!/usr/bin/python3
# tests/oci/config.py - an OCI runtime config.json for make check-oci, as a
# restricted Kubernetes pod gets it: read-only root, tmpfs /tmp, the host's
# network namespace (no "network" entry: loopback listeners of the test are
# reachable), its own pid, mount, ipc and uts namespaces, noNewPrivileges,
# the given capabilities (none by default) and user, and the given
# linux.seccomp (tests/profile.py --format oci) or none.
#
#   config.py --out FILE [--rootfs DIR] [--uid N] [--caps LIST|docker|none]
#             [--seccomp FILE] [--bind HOST:CONTAINER]... -- ARG...
import importlib.util, json, os, resource, sys

# tests/profile.py: capability names and sets (not the stdlib's "profile").
_spec = importlib.util.spec_from_file_location("sbprofile", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "profile.py"))
prof = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(prof)

MASKED = ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
          "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
          "/proc/sched_debug", "/proc/scsi", "/sys/firmware"]
READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger"]


def main(argv):
    out, uid, caps, seccomp, binds, args = None, 65534, "none", None, [], []
    rootfs = "rootfs"
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            args = argv[i + 1:]
            break
        if i + 1 >= len(argv):
            prof.die("missing value for %s" % a)
        v = argv[i + 1]
        if a == "--out":
            out = v
        elif a == "--rootfs":
            rootfs = v
        elif a == "--uid":
            uid = int(v)
        elif a == "--caps":
            caps = v
        elif a == "--seccomp":
            seccomp = v
        elif a == "--bind":
            binds.append(v.split(":", 1))
        else:
            prof.die("unknown option %s" % a)
        i += 2
    if not out or not args:
        prof.die("usage: config.py --out FILE [--uid N] [--caps LIST] "
                 "[--seccomp FILE] [--bind HOST:CONTAINER]... -- ARG...")
    capset = sorted(prof.caps_of(caps))
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    mounts = [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666",
                     "mode=0620"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777",
                     "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "nodev", "mode=1777", "size=16m"]},
    ]
    for host, dest in binds:
        mounts.append({"destination": dest, "type": "bind", "source": host,
                       "options": ["rbind", "rw"]})
    cfg = {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": uid, "gid": uid},
            "args": args,
            "env": ["PATH=/bin", "HOME=/tmp"],
            "cwd": "/",
            "capabilities": {k: capset for k in
                             ("bounding", "effective", "permitted")},
            # The runtime's own limit (raising it needs a capability).
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": nofile,
                         "soft": nofile}],
            "noNewPrivileges": True,
        },
        "root": {"path": rootfs, "readonly": True},
        "hostname": "sb-oci",
        "mounts": mounts,
        "linux": {
            "namespaces": [{"type": t} for t in
                           ("pid", "ipc", "uts", "mount")],
            "maskedPaths": MASKED,
            "readonlyPaths": READONLY,
        },
    }
    if seccomp and seccomp != "none":
        with open(seccomp) as f:
            cfg["linux"]["seccomp"] = json.load(f)
    with open(out, "w") as f:
        json.dump(cfg, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
