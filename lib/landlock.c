/* lib/landlock.c - Landlock rulesets: build in the parent, apply in the
 * child. See Documentation/userspace-api/landlock.rst and
 * ../shared/KERNEL-NOTES.md section 1. */
#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "landlock.h"
#include "log.h"
#include "sys.h"

#define LL_FS_V1 ((1ULL << 13) - 1)   /* EXECUTE .. MAKE_SYM */
#define LL_NET_TCP (SB_LL_NET_BIND_TCP | SB_LL_NET_CONNECT_TCP)
#define LL_SCOPE_ALL (SB_LL_SCOPE_ABSTRACT_UNIX | SB_LL_SCOPE_SIGNAL)

/* What each Landlock ABI added; index = version. 7 adds audit flags and
 * 8 TSYNC, no access rights; 9 the pathname UNIX socket right. */
static const struct ll_rights ll_added[] = {
	[1] = { .fs = LL_FS_V1 },
	[2] = { .fs = LANDLOCK_ACCESS_FS_REFER },
	[3] = { .fs = LANDLOCK_ACCESS_FS_TRUNCATE },
	[4] = { .net = LL_NET_TCP },
	[5] = { .fs = LANDLOCK_ACCESS_FS_IOCTL_DEV },
	[6] = { .scope = LL_SCOPE_ALL },
	[9] = { .fs = SB_LL_FS_RESOLVE_UNIX },
};

/* Rights that make sense on a file (not a directory). */
#define LL_FILE_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | \
			LANDLOCK_ACCESS_FS_WRITE_FILE | \
			LANDLOCK_ACCESS_FS_READ_FILE | \
			LANDLOCK_ACCESS_FS_TRUNCATE | \
			LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define LL_RO (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | \
	       LANDLOCK_ACCESS_FS_READ_DIR)

void landlock_clip(struct ll_rights *want, int abi, struct ll_rights *lost)
{
	struct ll_rights can = { 0, 0, 0 };

	for (int v = 1; v <= abi && v < (int)(sizeof(ll_added) /
					      sizeof(ll_added[0])); v++) {
		can.fs |= ll_added[v].fs;
		can.net |= ll_added[v].net;
		can.scope |= ll_added[v].scope;
	}
	lost->fs = want->fs & ~can.fs;
	lost->net = want->net & ~can.net;
	lost->scope = want->scope & ~can.scope;
	want->fs &= can.fs;
	want->net &= can.net;
	want->scope &= can.scope;
}

static void degrade(int log_fd, const char *layer, const char *reason,
		    const char *path)
{
	struct log_ev e;

	log_begin(&e, "degrade");
	log_s(&e, "layer", layer);
	log_s(&e, "reason", reason);
	log_s(&e, "path", path);
	log_end(&e, log_fd);
}

static int add_path(struct ll_plan *pl, const char *path, uint64_t rights,
		    int quiet, int log_fd)
{
	struct sb_ll_path_beneath pb;
	struct stat st;
	int fd = sys_open(path, O_PATH | O_CLOEXEC, 0), r;

	if (fd < 0) {
		/* A missing path is skipped, never a reason to drop the
		 * rest of the ruleset. */
		/* A system directory of the embedded default that this
		 * image lacks is no news on stderr; the log still has it. */
		if (!(quiet && log_fd == LOG_STDERR_QUIET))
			degrade(log_fd, "landlock_fs", errno == ENOENT ?
			"path does not exist, skipped" :
			"path cannot be opened, skipped", path);
		pl->paths_skipped++;
		return 0;
	}
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		rights &= LL_FILE_RIGHTS;
	pb.allowed_access = rights & pl->handled.fs;
	pb.parent_fd = fd;
	r = sys_landlock_add_rule(pl->fd, SB_LL_RULE_PATH_BENEATH, &pb);
	close(fd);
	if (r < 0)
		return r;
	pl->paths_added++;
	return 0;
}

static int add_port(struct ll_plan *pl, uint64_t right, uint16_t port)
{
	struct sb_ll_net_port np = { right, port };

	return sys_landlock_add_rule(pl->fd, SB_LL_RULE_NET_PORT, &np);
}

static void push(uint16_t *tab, int *n, int max, uint16_t port)
{
	for (int i = 0; i < *n; i++)
		if (tab[i] == port)
			return;
	if (*n < max)
		tab[(*n)++] = port;
}

/* The path a rule names; NULL for "@cwd" when the working directory is
 * "/" (a container's default WORKDIR): that would make the whole tree
 * writable, so it is skipped, and said. */
static const char *real_path(const struct policy *p, int i, const char *cwd)
{
	if (strcmp(p->paths[i].path, "@cwd"))
		return p->paths[i].path;
	return strcmp(cwd, "/") ? cwd : NULL;
}

/* Landlock's rights add up: an ro path beneath an rw one stays writable.
 * Not an error (the default makes /tmp and the working directory rw), but
 * never silent. */
static void warn_nested(const struct policy *p, const char *cwd, int log_fd)
{
	for (int i = 0; i < p->npaths; i++) {
		const char *ro = real_path(p, i, cwd);

		if (p->paths[i].mode != PATH_RO || !ro)
			continue;
		for (int k = 0; k < p->npaths; k++) {
			const char *rw = real_path(p, k, cwd);
			size_t n = rw ? strlen(rw) : 0;

			if (!rw || p->paths[k].mode != PATH_RW ||
			    strncmp(ro, rw, n) ||
			    (ro[n] != '/' && ro[n] != 0 && strcmp(rw, "/")))
				continue;
			degrade(log_fd, "landlock_fs", "an ro path lies beneath "
				"an rw path and stays writable (Landlock "
				"rights add up)", ro);
			break;
		}
	}
}

static int build_rules(struct ll_plan *pl, const struct policy *p,
		       const char *cwd, int log_fd)
{
	int r;

	warn_nested(p, cwd, log_fd);
	for (int i = 0; i < p->npaths; i++) {
		const char *path = real_path(p, i, cwd);
		uint64_t rights = p->paths[i].mode == PATH_RW ? ~0ULL : LL_RO;

		if (!path) {
			degrade(log_fd, "landlock_fs", "the working directory "
				"is /: not made writable (it would open the "
				"whole tree); name the paths with rw", "/");
			continue;
		}
		r = add_path(pl, path, rights, p->paths[i].optional, log_fd);
		if (r < 0)
			return r;
	}
	if (!pl->handled.net)
		return 0;
	for (int i = 0; i < pl->nconnect; i++)
		if ((r = add_port(pl, SB_LL_NET_CONNECT_TCP, pl->connect[i])) < 0)
			return r;
	for (int i = 0; i < pl->nbind; i++)
		if ((r = add_port(pl, SB_LL_NET_BIND_TCP, pl->bind[i])) < 0)
			return r;
	return 0;
}

static void plan_ports(struct ll_plan *pl, const struct policy *p,
		       int supervised, int log_fd)
{
	int maxc = (int)(sizeof(pl->connect) / sizeof(pl->connect[0]));

	if (supervised) {
		/* The supervisor connects the proxy and the direct relays
		 * itself, outside the domain: the command needs no TCP
		 * connect port at all, so none is granted. A connect the
		 * kernel performs for the command (the AF_UNIX path, answered
		 * with CONTINUE) then finds every port closed. */
		if (p->ll_vars & 2)
			degrade(log_fd, "landlock_net", "LL_TCP_CONNECT is "
				"ignored: the supervisor decides every "
				"connect", 0);
	} else if (p->ll_vars & 2) {
		for (int i = 0; i < p->nll_connect; i++)
			push(pl->connect, &pl->nconnect, maxc,
			     p->ll_connect[i]);
	} else {
		push(pl->connect, &pl->nconnect, maxc, p->proxy_port);
		for (int i = 0; i < p->ndirect; i++) {
			if (p->direct[i].port)
				push(pl->connect, &pl->nconnect, maxc,
				     p->direct[i].port);
			else
				degrade(log_fd, "landlock_net",
					"a direct entry with port * cannot be "
					"a Landlock rule; only the supervisor "
					"checks it", p->direct[i].host);
		}
	}
	for (int i = 0; i < p->nbind; i++)
		push(pl->bind, &pl->nbind, POLICY_MAX_PORTS, p->bind[i]);
}

int landlock_build(struct ll_plan *pl, const struct policy *p,
		   const char *cwd, int supervised, int log_fd)
{
	struct ll_rights want = { ~0ULL, LL_NET_TCP, LL_SCOPE_ALL };
	struct sb_ll_ruleset_attr attr;
	int r;

	memset(pl, 0, sizeof(*pl));
	pl->fd = -1;
	pl->abi = sys_landlock_abi();
	if (pl->abi < 0)
		pl->abi = 0;
	/* Every right the newest ABI knows: clipping keeps what this
	 * kernel has, and reports the rest. */
	want.fs = 0;
	for (size_t v = 1; v < sizeof(ll_added) / sizeof(ll_added[0]); v++)
		want.fs |= ll_added[v].fs;
	landlock_clip(&want, pl->abi, &pl->lost);
	pl->handled = want;
	if (pl->abi == 0)
		return 0;
	plan_ports(pl, p, supervised, log_fd);
	attr.handled_access_fs = want.fs;
	attr.handled_access_net = want.net;
	attr.scoped = want.scope;
	pl->fd = sys_landlock_create_ruleset(&attr, pl->abi >= 6 ? 24 :
					     pl->abi >= 4 ? 16 : 8, 0);
	if (pl->fd < 0)
		return pl->fd;
	r = build_rules(pl, p, cwd, log_fd);
	if (r < 0) {
		close(pl->fd);
		pl->fd = -1;
	}
	return r;
}

int landlock_apply(const struct ll_plan *pl)
{
	if (pl->fd < 0)
		return 0;
	return sys_landlock_restrict_self(pl->fd, 0);
}

/* "a:b:c" from the variable var into ro/rw paths or ports; an error
 * names the variable. */
static int split(struct policy *p, const char *var, const char *v,
		 const char *dir, struct policy_err *e)
{
	char word[POLICY_PATH_MAX];

	while (*v) {
		size_t n = strcspn(v, ":");

		if (n >= sizeof(word)) {
			struct buf b = BUF_ON(e->what);

			buf_puts(&b, "entry too long");
			buf_str(&b);
			e->file = var;
			e->line = 0;
			return -1;
		}
		memcpy(word, v, n);
		word[n] = 0;
		if (n && policy_directive(p, dir, word, e) < 0) {
			e->file = var;   /* not "command line" */
			return -1;
		}
		v += n + (v[n] == ':');
	}
	return 0;
}

/* LL_SCOPED as the kernel's sandboxer reads it: colon-separated "a"
 * (abstract UNIX sockets) and "s" (signals), each at most once, no empty
 * entry ("a:", "s:s", "::" refused); empty means none named. */
static int scoped_parse(const char *v, struct policy_err *e)
{
	int seen_a = 0, seen_s = 0;

	if (!*v)
		return 0;
	for (;;) {
		size_t n = strcspn(v, ":");
		int *seen = n == 1 && v[0] == 'a' ? &seen_a :
			    n == 1 && v[0] == 's' ? &seen_s : NULL;

		if (!seen || (*seen)++) {
			struct buf b = BUF_ON(e->what);

			buf_puts(&b, "unknown or repeated scope '");
			buf_putn(&b, v, n);
			buf_puts(&b, "' (takes a and s, colon-separated)");
			buf_str(&b);
			e->file = "LL_SCOPED";
			e->line = 0;
			return -1;
		}
		if (!v[n])
			return 0;
		v += n + 1;
	}
}

static const char *env_get(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return *envp + n + 1;
	return 0;
}

int landlock_env(struct policy *p, char **envp, struct policy_err *e)
{
	const char *ro = env_get(envp, "LL_FS_RO");
	const char *rw = env_get(envp, "LL_FS_RW");
	const char *bind = env_get(envp, "LL_TCP_BIND");
	const char *conn = env_get(envp, "LL_TCP_CONNECT");
	const char *scoped = env_get(envp, "LL_SCOPED");
	int any = 0;

	/* As in the kernel's sandboxer: set (even empty) replaces sb's own
	 * rules for that kind; unset leaves them. An empty LL_FS_RO with
	 * LL_FS_RW means "nothing readable but the rw paths". */
	if (ro || rw) {
		p->npaths = 0;
		if ((ro && split(p, "LL_FS_RO", ro, "ro", e) < 0) ||
		    (rw && split(p, "LL_FS_RW", rw, "rw", e) < 0))
			return -1;
		p->ll_vars |= 1;
		any = 1;
	}
	if (bind) {
		p->nbind = 0;
		if (split(p, "LL_TCP_BIND", bind, "bind", e) < 0)
			return -1;
		any = 1;
	}
	if (conn) {
		struct policy tmp;

		policy_init(&tmp);
		if (split(&tmp, "LL_TCP_CONNECT", conn, "bind", e) < 0)
			return -1;
		memcpy(p->ll_connect, tmp.bind, sizeof(p->ll_connect));
		p->nll_connect = tmp.nbind;
		p->ll_vars |= 2;
		any = 1;
	}
	if (scoped) {
		/* sb always scopes abstract UNIX sockets and signals; the
		 * variable may name them ("a", "s") but never lift them. */
		if (scoped_parse(scoped, e) < 0)
			return -1;
		any = 1;
	}
	return any;
}

int landlock_helper(const uint16_t *ports, int nports, int any_port,
		    const char *read_file, const char **what)
{
	struct ll_rights want = { ~0ULL, LL_NET_TCP, LL_SCOPE_ALL }, lost;
	struct sb_ll_ruleset_attr a;
	int abi = sys_landlock_abi(), fd, r = 0;

	*what = "none";
	if (abi < 1)
		return 1;
	/* Without CAP_SYS_ADMIN, restrict_self wants no_new_privs first. */
	if (sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0) < 0)
		return -errno;
	landlock_clip(&want, abi, &lost);
	if (any_port)
		want.net &= ~SB_LL_NET_CONNECT_TCP;
	memset(&a, 0, sizeof(a));
	a.handled_access_fs = want.fs;
	a.handled_access_net = want.net;
	a.scoped = want.scope;
	fd = sys_landlock_create_ruleset(&a, abi >= 6 ? sizeof(a) : abi >= 4 ?
					 16 : 8, 0);
	if (fd < 0)
		return fd;
	if (read_file) {
		struct sb_ll_path_beneath pb;

		pb.parent_fd = sys_open(read_file, O_PATH | O_CLOEXEC, 0);
		pb.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE;
		if (pb.parent_fd >= 0) {
			r = sys_landlock_add_rule(fd, SB_LL_RULE_PATH_BENEATH,
						  &pb);
			close(pb.parent_fd);
		}
	}
	for (int i = 0; r == 0 && (want.net & SB_LL_NET_CONNECT_TCP) &&
	     i < nports; i++) {
		struct sb_ll_net_port np = { SB_LL_NET_CONNECT_TCP, ports[i] };

		r = sys_landlock_add_rule(fd, SB_LL_RULE_NET_PORT, &np);
	}
	if (r == 0)
		r = sys_landlock_restrict_self(fd, 0);
	close(fd);
	*what = want.scope ? (want.net & SB_LL_NET_CONNECT_TCP ?
			      "fs net scopes" : "fs bind scopes") :
		want.net ? (want.net & SB_LL_NET_CONNECT_TCP ? "fs net" :
			    "fs bind") : "fs";
	return r < 0 ? r : 0;
}
