#!/usr/bin/python3
# tests/kit.py - the deployment kit (examples/) read as a cluster and an
# image builder would read it; no cluster and no engine here, so the files
# are checked field by field and the image is assembled by hand.
#
#   kit.py pss MANIFEST...
#       Every pod in MANIFEST (Pod, or the pod template of a Deployment,
#       StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) meets the
#       "restricted" Pod Security Standard, with each field set on every
#       container (containers, initContainers, ephemeralContainers), and
#       what sb's kit adds: readOnlyRootFilesystem, an emptyDir at /tmp,
#       the sb policy from a ConfigMap, sb's events on stderr. Prints
#       "ok: KIND NAME: N containers" or one "FAIL: ..." line a problem;
#       exits 1 on any problem.
#   kit.py policies MANIFEST OUTDIR
#       Writes the data of each ConfigMap to OUTDIR/NAME/KEY; prints the
#       paths, one a line.
#   kit.py describe CONTAINERFILE
#       What it holds, one line each: "copy SRC DEST"..., "user U",
#       "entrypoint JSON", "cmd JSON" (the checks of kit.py rootfs).
#   kit.py rootfs CONTAINERFILE TOP BUILD DEST
#       Assembles DEST as the Containerfile's COPY lines would (sources
#       under TOP, "build/..." under BUILD; a directory source copies its
#       contents, symbolic links as links); refuses anything but FROM
#       scratch, COPY, USER, ENTRYPOINT, CMD, ENV, LABEL, WORKDIR.
#   kit.py oci (--image CONTAINERFILE [--entrypoint JSON|""] |
#               --pod MANIFEST) --rootfs DIR
#              --out FILE [--seccomp JSON] [--netns PATH] [--uid N]
#              [--configmaps DIR] [--bind HOST:CONTAINER]... [-- ARG...]
#       A runc config.json (tests/oci/config.py: read-only root, tmpfs
#       /tmp, noNewPrivileges, no capabilities) for the image's ENTRYPOINT
#       and CMD (ARG... replacing CMD), or for the manifest's container
#       (command, and args unless ARG... is given; its runAsUser, unless
#       --uid stands for an OpenShift-assigned one; its ConfigMap volumes
#       bound read-only from --configmaps DIR, as `policies` wrote them;
#       every securityContext field checked to be what config.py gives).
#       --netns joins a network namespace (a pod's own).
import importlib.util, json, os, shlex, shutil, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def die(msg):
    sys.stderr.write("kit.py: %s\n" % msg)
    sys.exit(2)


def yaml_docs(path):
    import yaml
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


# ---- the restricted Pod Security Standard -------------------------------
# https://kubernetes.io/docs/concepts/security/pod-security-standards/
# (baseline's controls are part of restricted).
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir",
                      "ephemeral", "persistentVolumeClaim", "projected",
                      "secret"}
BASELINE_SYSCTLS = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
                    "net.ipv4.ip_unprivileged_port_start",
                    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
                    "net.ipv4.ip_local_reserved_ports",
                    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                    "net.ipv4.tcp_keepalive_intvl",
                    "net.ipv4.tcp_keepalive_probes"}
SELINUX_TYPES = {None, "", "container_t", "container_init_t",
                 "container_kvm_t", "container_engine_t"}
KINDS_WITH_TEMPLATE = {"Deployment", "StatefulSet", "DaemonSet",
                       "ReplicaSet", "Job", "ReplicationController"}


def pod_specs(doc, with_meta=False):
    """(label, pod spec[, pod metadata]) of each pod a document makes."""
    kind = doc.get("kind")
    name = (doc.get("metadata") or {}).get("name", "?")
    spec = doc.get("spec") or {}
    tmpl = None
    if kind == "Pod":
        tmpl = doc
    elif kind in KINDS_WITH_TEMPLATE:
        tmpl = spec.get("template") or {}
    elif kind == "CronJob":
        tmpl = (((spec.get("jobTemplate") or {}).get("spec") or {})
                .get("template") or {})
    if tmpl is None:
        return []
    r = ("%s %s" % (kind, name), tmpl.get("spec") or {})
    return [r + (tmpl.get("metadata") or {},) if with_meta else r]


def containers_of(spec):
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(key) or []:
            yield key, c


def sb_command(c):
    """The container's argv as far as the manifest says (command + args)."""
    return list(c.get("command") or []) + list(c.get("args") or [])


def check_pod(label, spec, configmaps, meta=None):
    bad = []

    def fail(where, what):
        bad.append("FAIL: %s: %s: %s" % (label, where, what))

    # baseline: AppArmor by annotation (before Kubernetes 1.30's field).
    for k, v in ((meta or {}).get("annotations") or {}).items():
        if (k.startswith("container.apparmor.security.beta.kubernetes.io/")
                and v != "runtime/default" and not v.startswith("localhost/")):
            fail("metadata.annotations", "%s: %s is not allowed" % (k, v))

    psc = spec.get("securityContext") or {}
    # baseline: host namespaces, host ports, hostPath, sysctls, procMount,
    # AppArmor, SELinux, Windows HostProcess.
    for k in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(k):
            fail("spec", "%s must not be true" % k)
    for sc in (psc.get("sysctls") or []):
        if sc.get("name") not in BASELINE_SYSCTLS:
            fail("spec.securityContext.sysctls", "%s is not in the safe set"
                 % sc.get("name"))
    if (psc.get("seLinuxOptions") or {}).get("type") not in SELINUX_TYPES:
        fail("spec.securityContext.seLinuxOptions.type", "not allowed")
    for k in ("user", "role"):
        if (psc.get("seLinuxOptions") or {}).get(k):
            fail("spec.securityContext.seLinuxOptions.%s" % k, "must be unset")
    if (psc.get("windowsOptions") or {}).get("hostProcess"):
        fail("spec.securityContext.windowsOptions.hostProcess", "must not be true")
    if (psc.get("appArmorProfile") or {}).get("type") == "Unconfined":
        fail("spec.securityContext.appArmorProfile", "must not be Unconfined")
    # restricted, pod level: what is set must not weaken a container.
    if psc.get("runAsNonRoot") is False:
        fail("spec.securityContext.runAsNonRoot", "must not be false")
    if psc.get("runAsUser") == 0:
        fail("spec.securityContext.runAsUser", "must not be 0")
    pst = (psc.get("seccompProfile") or {}).get("type")
    if pst is not None and pst not in ("RuntimeDefault", "Localhost"):
        fail("spec.securityContext.seccompProfile.type",
             "must be RuntimeDefault or Localhost, not %s" % pst)

    vols = {}
    for v in spec.get("volumes") or []:
        kinds = [k for k in v if k != "name"]
        vols[v.get("name")] = v
        for k in kinds:
            if k not in RESTRICTED_VOLUMES:
                fail("volume %s" % v.get("name"),
                     "type %s is not allowed (restricted: %s)"
                     % (k, ", ".join(sorted(RESTRICTED_VOLUMES))))

    n = 0
    for key, c in containers_of(spec):
        n += 1
        where = "%s %s" % (key, c.get("name", "?"))
        sc = c.get("securityContext")
        if not isinstance(sc, dict):
            fail(where, "no securityContext")
            sc = {}
        for p in c.get("ports") or []:
            if p.get("hostPort"):
                fail(where, "hostPort %s must not be set" % p.get("hostPort"))
        if sc.get("privileged") is not False and sc.get("privileged") is not None:
            fail(where, "privileged must be false")
        if sc.get("procMount") not in (None, "Default"):
            fail(where, "procMount must be Default")
        if (sc.get("seLinuxOptions") or {}).get("type") not in SELINUX_TYPES:
            fail(where, "seLinuxOptions.type not allowed")
        if (sc.get("windowsOptions") or {}).get("hostProcess"):
            fail(where, "windowsOptions.hostProcess must not be true")
        if (sc.get("appArmorProfile") or {}).get("type") == "Unconfined":
            fail(where, "appArmorProfile must not be Unconfined")
        # restricted, set on the container itself (the brief: every field
        # on every container, not only inherited from the pod).
        if sc.get("runAsNonRoot") is not True:
            fail(where, "securityContext.runAsNonRoot must be true")
        uid = sc.get("runAsUser")
        if not isinstance(uid, int) or isinstance(uid, bool) or uid <= 0:
            fail(where, "securityContext.runAsUser must be a uid > 0, not %r"
                 % (uid,))
        if sc.get("allowPrivilegeEscalation") is not False:
            fail(where, "securityContext.allowPrivilegeEscalation must be false")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            fail(where, "securityContext.capabilities.drop must hold ALL")
        extra = [a for a in caps.get("add") or [] if a != "NET_BIND_SERVICE"]
        if extra:
            fail(where, "securityContext.capabilities.add may hold only "
                 "NET_BIND_SERVICE, not %s" % ", ".join(extra))
        st = (sc.get("seccompProfile") or {}).get("type")
        if st not in ("RuntimeDefault", "Localhost"):
            fail(where, "securityContext.seccompProfile.type must be "
                 "RuntimeDefault (or Localhost), not %r" % (st,))
        if sc.get("readOnlyRootFilesystem") is not True:
            fail(where, "securityContext.readOnlyRootFilesystem must be true")
        # sb's part: /tmp writable on a read-only root, the policy from a
        # ConfigMap, events on stderr for the log collector.
        mounts = {m.get("mountPath"): m for m in c.get("volumeMounts") or []}
        tmp = mounts.get("/tmp")
        if not tmp or "emptyDir" not in vols.get(tmp.get("name"), {}):
            fail(where, "no emptyDir volume mounted at /tmp")
        argv = sb_command(c)
        if not argv or os.path.basename(argv[0]) not in ("sb", "sb-exec"):
            continue                    # not an sb container
        if "--" not in argv:
            fail(where, "sb exec without '--' before the command")
            continue
        opts = argv[:argv.index("--")]
        if "--policy" not in opts or opts.index("--policy") + 1 >= len(opts):
            fail(where, "sb exec without --policy")
        else:
            pol = opts[opts.index("--policy") + 1]
            d, k = os.path.dirname(pol), os.path.basename(pol)
            m = mounts.get(d)
            cm = (vols.get(m.get("name"), {}).get("configMap")
                  if m else None)
            if not cm:
                fail(where, "--policy %s is not in a ConfigMap volume" % pol)
            elif m.get("readOnly") is not True:
                fail(where, "the policy's ConfigMap volume is not readOnly")
            elif k not in (configmaps.get(cm.get("name")) or {}):
                fail(where, "ConfigMap %s has no key %s" % (cm.get("name"), k))
        if "--log" in opts:
            i = opts.index("--log") + 1
            if i >= len(opts) or opts[i] not in ("/dev/stderr",
                                                 "/proc/self/fd/2"):
                fail(where, "--log must be /dev/stderr for the log "
                     "collector, not %s" % (opts[i] if i < len(opts) else ""))
    if n == 0:
        fail("spec", "no containers")
    return n, bad


def cmd_pss(paths):
    problems = 0
    for path in paths:
        docs = yaml_docs(path)
        configmaps = {(d.get("metadata") or {}).get("name"): d.get("data") or {}
                      for d in docs if d.get("kind") == "ConfigMap"}
        pods = [p for d in docs for p in pod_specs(d, True)]
        if not pods:
            print("FAIL: %s: no pod in it" % path)
            problems += 1
        for label, spec, meta in pods:
            n, bad = check_pod(label, spec, configmaps, meta)
            for b in bad:
                print(b)
            problems += len(bad)
            if not bad:
                print("ok: %s: %d container%s" % (label, n, "" if n == 1 else "s"))
    sys.exit(1 if problems else 0)


def cmd_policies(path, outdir):
    for d in yaml_docs(path):
        if d.get("kind") != "ConfigMap":
            continue
        name = d["metadata"]["name"]
        os.makedirs(os.path.join(outdir, name), exist_ok=True)
        for k, v in (d.get("data") or {}).items():
            p = os.path.join(outdir, name, k)
            with open(p, "w") as f:
                f.write(v)
            os.chmod(p, 0o644)
            print(p)


# ---- the Containerfile --------------------------------------------------
def containerfile(path):
    """{"copy": [(src, dest)], "user", "entrypoint", "cmd", "env"}"""
    img = {"copy": [], "user": None, "entrypoint": [], "cmd": [], "env": [],
           "workdir": "/"}
    lines, cont = [], ""
    with open(path) as f:
        for raw in f:
            s = raw.rstrip("\n")
            if not cont and (not s.strip() or s.lstrip().startswith("#")):
                continue
            if s.endswith("\\"):
                cont += s[:-1] + " "
                continue
            lines.append(cont + s)
            cont = ""
    if not lines or lines[0].split() != ["FROM", "scratch"]:
        die("%s: the first instruction must be FROM scratch" % path)

    def argv(rest, what):
        rest = rest.strip()
        if not rest.startswith("["):
            die("%s: %s must be an exec-form JSON array: %s" % (path, what, rest))
        v = json.loads(rest)
        if not all(isinstance(a, str) for a in v):
            die("%s: %s: strings only" % (path, what))
        return v

    for line in lines[1:]:
        ins, _, rest = line.strip().partition(" ")
        ins = ins.upper()
        if ins == "COPY":
            w = shlex.split(rest)
            if any(a.startswith("--") for a in w) or len(w) != 2:
                die("%s: COPY SRC DEST only (no flags, one source): %s"
                    % (path, line))
            img["copy"].append((w[0], w[1]))
        elif ins == "USER":
            img["user"] = rest.strip()
        elif ins == "ENTRYPOINT":
            img["entrypoint"] = argv(rest, "ENTRYPOINT")
        elif ins == "CMD":
            img["cmd"] = argv(rest, "CMD")
        elif ins == "ENV":
            img["env"].append(rest.strip())
        elif ins == "WORKDIR":
            img["workdir"] = rest.strip()
        elif ins == "LABEL":
            pass
        else:
            die("%s: %s is not for this image (COPY lines only)" % (path, ins))
    return img


def cmd_rootfs(cf, top, build, dest):
    img = containerfile(cf)
    if os.path.lexists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    for src, to in img["copy"]:
        if os.path.isabs(src) or ".." in src.split("/"):
            die("COPY source outside the context: %s" % src)
        first, _, rest = src.partition("/")
        sp = os.path.join(build, rest) if first == "build" else \
            os.path.join(top, src)
        if not to.startswith("/"):
            die("COPY destination must be absolute: %s" % to)
        dp = os.path.join(dest, to.lstrip("/"))
        if os.path.isdir(sp):
            os.makedirs(dp, exist_ok=True)
            for e in sorted(os.listdir(sp)):
                s, d = os.path.join(sp, e), os.path.join(dp, e)
                if os.path.islink(s):
                    os.symlink(os.readlink(s), d)
                elif os.path.isdir(s):
                    shutil.copytree(s, d, symlinks=True)
                else:
                    shutil.copy2(s, d)
        elif os.path.isfile(sp):
            if to.endswith("/"):
                dp = os.path.join(dp, os.path.basename(sp))
            os.makedirs(os.path.dirname(dp), exist_ok=True)
            shutil.copy2(sp, dp)
        else:
            die("COPY %s: no such file (make image?)" % sp)
    # As the builder leaves them: owned by root, readable by any uid.
    for d, dirs, files in os.walk(dest):
        for e in dirs + files:
            os.lchown(os.path.join(d, e), 0, 0)


# ---- runc config ---------------------------------------------------------
def cmd_oci(argv):
    o = {"bind": []}
    args = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            args = argv[i + 1:]
            break
        if i + 1 >= len(argv):
            die("missing value for %s" % a)
        if a == "--bind":
            o["bind"].append(argv[i + 1])
        else:
            o[a.lstrip("-")] = argv[i + 1]
        i += 2
    for k in ("rootfs", "out"):
        if k not in o:
            die("oci: --%s is required" % k)
    binds = list(o["bind"])
    env = []
    if "image" in o:
        img = containerfile(o["image"])
        ep = img["entrypoint"]
        if "entrypoint" in o:           # docker run --entrypoint
            ep = json.loads(o["entrypoint"]) if o["entrypoint"] else []
        cmd = ep + (args if args is not None else img["cmd"])
        user = img["user"] or "0"
        uid = int(o.get("uid", user.split(":")[0]))
        env = img["env"]
    elif "pod" in o:
        docs = yaml_docs(o["pod"])
        pods = [p for d in docs for p in pod_specs(d)]
        if len(pods) != 1:
            die("oci: want exactly one pod in %s" % o["pod"])
        label, spec = pods[0]
        cs = spec.get("containers") or []
        c = [x for x in cs if x.get("name") == o.get("container", cs[0]["name"])][0]
        sc, psc = c.get("securityContext") or {}, spec.get("securityContext") or {}
        # What config.py always gives must be what the manifest asks for.
        want = {"allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True}
        for k, v in want.items():
            if sc.get(k) is not v:
                die("oci: %s: %s is not %s" % (label, k, v))
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            die("oci: %s: capabilities are not all dropped" % label)
        cmd = list(c.get("command") or [])
        cmd += args if args is not None else list(c.get("args") or [])
        uid = o.get("uid", sc.get("runAsUser", psc.get("runAsUser")))
        if uid is None:
            die("oci: %s: no runAsUser (give --uid, as OpenShift would)" % label)
        uid = int(uid)
        vols = {v["name"]: v for v in spec.get("volumes") or []}
        for m in c.get("volumeMounts") or []:
            v = vols[m["name"]]
            if "configMap" in v:
                if "configmaps" not in o:
                    die("oci: --configmaps DIR is needed for %s" % m["mountPath"])
                src = os.path.join(o["configmaps"], v["configMap"]["name"])
                binds.append("%s:%s:ro" % (src, m["mountPath"]))
            elif "emptyDir" in v and m["mountPath"] != "/tmp":
                die("oci: only the emptyDir at /tmp is modelled (config.py)")
        for e in c.get("env") or []:
            env.append("%s=%s" % (e["name"], e.get("value", "")))
    else:
        die("oci: --image or --pod")
    cfg_py = load("sboci", os.path.join(HERE, "oci", "config.py"))
    ro = []
    cargs = ["--out", o["out"], "--rootfs", o["rootfs"], "--uid", str(uid),
             "--caps", "none", "--seccomp", o.get("seccomp", "none")]
    for b in binds:
        host, dest = b.split(":")[:2]
        cargs += ["--bind", "%s:%s" % (host, dest)]
        if b.endswith(":ro"):
            ro.append(dest)
    cfg_py.main(cargs + ["--"] + cmd)
    with open(o["out"]) as f:
        cfg = json.load(f)
    for m in cfg["mounts"]:
        if m["destination"] in ro:
            m["options"] = ["rbind", "ro"]
    if "netns" in o:
        cfg["linux"]["namespaces"].append({"type": "network",
                                           "path": o["netns"]})
    cfg["process"]["env"] += env
    with open(o["out"], "w") as f:
        json.dump(cfg, f, indent=1)
        f.write("\n")


def main(argv):
    if not argv:
        die("usage: kit.py pss|policies|rootfs|oci ...")
    c, rest = argv[0], argv[1:]
    if c == "pss" and rest:
        cmd_pss(rest)
    elif c == "policies" and len(rest) == 2:
        cmd_policies(*rest)
    elif c == "describe" and len(rest) == 1:
        img = containerfile(rest[0])
        for src, to in img["copy"]:
            print("copy", src, to)
        print("user", img["user"])
        print("entrypoint", json.dumps(img["entrypoint"]))
        print("cmd", json.dumps(img["cmd"]))
    elif c == "rootfs" and len(rest) == 4:
        cmd_rootfs(*rest)
    elif c == "oci":
        cmd_oci(rest)
    else:
        die("bad usage: %s" % " ".join(argv))


if __name__ == "__main__":
    main(sys.argv[1:])
