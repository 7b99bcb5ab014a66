/* lib/sockaddr.c - address parsing and internal ranges. Pure code: every
 * input is treated as hostile, nothing here allocates or does I/O. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "buf.h"
#include "sockaddr.h"

static int dec_octet(const char *s, size_t n, uint8_t *out)
{
	unsigned v = 0;

	/* 1-3 digits, no leading zero ("010" is octal to inet_aton). */
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 255)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

static int ip4_parse(const char *s, size_t n, uint8_t *a)
{
	size_t start = 0;
	int part = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (part > 3 || dec_octet(s + start, i - start, a + part) < 0)
			return -1;
		part++;
		start = i + 1;
	}
	return part == 4 ? 0 : -1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int ip6_parse(const char *s, size_t n, uint8_t *a)
{
	uint16_t w[8];
	int nw = 0, gap = -1;
	size_t i = 0;

	if (n < 2 || n > 45)
		return -1;
	if (s[0] == ':') {
		if (s[1] != ':')
			return -1;
		gap = 0;
		i = 2;
		if (n == 2)
			goto done;
	}
	while (i < n) {
		size_t j = i;
		unsigned v = 0;

		while (j < n && j - i < 5 && hexval(s[j]) >= 0)
			v = v * 16 + (unsigned)hexval(s[j++]);
		if (j < n && s[j] == '.') {
			/* Trailing dotted quad: the last 32 bits. */
			uint8_t q[4];

			if (nw > 6 || ip4_parse(s + i, n - i, q) < 0)
				return -1;
			w[nw] = (uint16_t)(q[0] << 8 | q[1]);
			w[nw + 1] = (uint16_t)(q[2] << 8 | q[3]);
			nw += 2;
			i = n;
			break;
		}
		if (j == i || j - i > 4 || nw >= 8)
			return -1;
		w[nw++] = (uint16_t)v;
		i = j;
		if (i == n)
			break;
		if (s[i] != ':')
			return -1;
		i++;
		if (i < n && s[i] == ':') {
			if (gap >= 0)
				return -1;
			gap = nw;
			i++;
			if (i == n)
				break;
		} else if (i == n) {
			return -1;    /* trailing single ':' */
		}
	}
done:
	if (gap < 0 ? nw != 8 : nw > 7)
		return -1;
	memset(a, 0, 16);
	for (int k = 0; k < nw; k++) {
		int at = (gap >= 0 && k >= gap) ? 8 - (nw - k) : k;

		a[2 * at] = (uint8_t)(w[k] >> 8);
		a[2 * at + 1] = (uint8_t)w[k];
	}
	return 0;
}

int ip_parse(const char *s, size_t n, struct sb_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (memchr(s, ':', n)) {
		ip->family = 6;
		return ip6_parse(s, n, ip->a);
	}
	ip->family = 4;
	return ip4_parse(s, n, ip->a);
}

static const uint8_t mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
					   0, 0, 0xff, 0xff };

void ip_fold(struct sb_ip *ip)
{
	if (ip->family == 6 && !memcmp(ip->a, mapped_prefix, 12)) {
		memmove(ip->a, ip->a + 12, 4);
		memset(ip->a + 4, 0, 12);
		ip->family = 4;
	}
}

void ip_format(const struct sb_ip *ip, char *out, size_t cap)
{
	struct buf b;
	int best = -1, bestn = 0;

	buf_init(&b, out, cap);
	if (ip->family == 4) {
		for (int i = 0; i < 4; i++) {
			if (i)
				buf_putc(&b, '.');
			buf_putu(&b, ip->a[i]);
		}
		buf_str(&b);
		return;
	}
	/* RFC 5952: the longest run of >= 2 zero groups becomes "::". */
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && !ip->a[2 * j] && !ip->a[2 * j + 1])
			j++;
		if (j - i > bestn && j - i >= 2) {
			best = i;
			bestn = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		static const char hx[] = "0123456789abcdef";
		unsigned v = (unsigned)(ip->a[2 * i] << 8 | ip->a[2 * i + 1]);
		int started = 0;

		if (i == best) {
			buf_puts(&b, "::");
			i += bestn - 1;
			continue;
		}
		if (i && i != best + bestn)
			buf_putc(&b, ':');
		for (int sh = 12; sh >= 0; sh -= 4) {
			unsigned d = (v >> sh) & 15;

			if (d || started || sh == 0) {
				buf_putc(&b, hx[d]);
				started = 1;
			}
		}
	}
	buf_str(&b);
}

int ip_equal(const struct sb_ip *x, const struct sb_ip *y)
{
	return x->family == y->family &&
	       !memcmp(x->a, y->a, x->family == 4 ? 4 : 16);
}

int ip_unspecified(const struct sb_ip *ip)
{
	uint8_t any = 0;

	for (int i = 0; i < (ip->family == 4 ? 4 : 16); i++)
		any |= ip->a[i];
	return !any;
}

int ip_in_cidr(const struct sb_ip *ip, const struct sb_ip *net, int prefix)
{
	int full = prefix / 8, rest = prefix % 8;

	if (ip->family != net->family)
		return 0;
	if (memcmp(ip->a, net->a, (size_t)full))
		return 0;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		if ((ip->a[full] & m) != (net->a[full] & m))
			return 0;
	}
	return 1;
}

struct range {
	uint8_t family, prefix;
	uint8_t a[16];
};

/* IANA special-purpose registries (RFC 6890 and successors): everything a
 * sandbox must not reach by default. */
static const struct range internal[] = {
	{ 4, 8, { 0 } },                          /* 0/8 "this network" */
	{ 4, 8, { 10 } },                         /* RFC 1918 */
	{ 4, 10, { 100, 64 } },                   /* CGNAT */
	{ 4, 8, { 127 } },                        /* loopback */
	{ 4, 16, { 169, 254 } },                  /* link-local, metadata */
	{ 4, 12, { 172, 16 } },                   /* RFC 1918 */
	{ 4, 24, { 192, 0, 0 } },                 /* IETF protocol */
	{ 4, 24, { 192, 0, 2 } },                 /* TEST-NET-1 */
	{ 4, 24, { 192, 88, 99 } },               /* 6to4 relay */
	{ 4, 16, { 192, 168 } },                  /* RFC 1918 */
	{ 4, 15, { 198, 18 } },                   /* benchmarking */
	{ 4, 24, { 198, 51, 100 } },              /* TEST-NET-2 */
	{ 4, 24, { 203, 0, 113 } },               /* TEST-NET-3 */
	{ 4, 4, { 224 } },                        /* multicast */
	{ 4, 4, { 240 } },                        /* reserved, broadcast */
	{ 6, 128, { 0 } },                        /* :: */
	{ 6, 128, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
	{ 6, 96, { 0 } },                         /* IPv4-compatible ::/96 */
	{ 6, 96, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff } }, /* mapped */
	{ 6, 96, { 0x00, 0x64, 0xff, 0x9b } },    /* NAT64 64:ff9b::/96 */
	{ 6, 48, { 0x00, 0x64, 0xff, 0x9b, 0, 1 } }, /* local NAT64 */
	{ 6, 32, { 0x20, 0x01, 0x0d, 0xb8 } },    /* documentation */
	{ 6, 16, { 0x20, 0x02 } },                /* 6to4 */
	{ 6, 32, { 0x20, 0x01, 0, 0 } },          /* Teredo */
	{ 6, 7, { 0xfc } },                       /* ULA */
	{ 6, 10, { 0xfe, 0x80 } },                /* link-local */
	{ 6, 10, { 0xfe, 0xc0 } },                /* site-local (deprecated) */
	{ 6, 8, { 0xff } },                       /* multicast */
	{ 6, 8, { 0 } },                          /* ::/8 reserved */
};

/* Does ip/prefix lie wholly inside one of the n ranges? */
static int in_ranges(const struct range *r, size_t n, const struct sb_ip *ip,
		     int prefix)
{
	for (size_t i = 0; i < n; i++) {
		struct sb_ip net = { r[i].family, { 0 } };

		memcpy(net.a, r[i].a, 16);
		if (prefix >= r[i].prefix && ip_in_cidr(ip, &net, r[i].prefix))
			return 1;
	}
	return 0;
}

int cidr_is_internal(const struct sb_ip *ip, int prefix)
{
	return in_ranges(internal, sizeof(internal) / sizeof(internal[0]), ip,
			 prefix);
}

int ip_nameable(const struct sb_ip *ip)
{
	/* Where cluster services and air-gapped registries live, and the
	 * NAT64 form of any address (an IPv6-only network's DNS64). Not
	 * link-local (metadata), unspecified, multicast, broadcast, nor the
	 * documentation, benchmarking and reserved ranges. */
	static const struct range names[] = {
		{ 4, 8, { 10 } },                         /* RFC 1918 */
		{ 4, 10, { 100, 64 } },                   /* CGNAT */
		{ 4, 8, { 127 } },                        /* loopback */
		{ 4, 12, { 172, 16 } },                   /* RFC 1918 */
		{ 4, 16, { 192, 168 } },                  /* RFC 1918 */
		{ 6, 128, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
		{ 6, 7, { 0xfc } },                       /* ULA */
		{ 6, 96, { 0x00, 0x64, 0xff, 0x9b } },    /* NAT64 */
		{ 6, 48, { 0x00, 0x64, 0xff, 0x9b, 0, 1 } }, /* local NAT64 */
	};

	return in_ranges(names, sizeof(names) / sizeof(names[0]), ip,
			 ip->family == 4 ? 32 : 128);
}

int ip_is_internal(const struct sb_ip *ip)
{
	return cidr_is_internal(ip, ip->family == 4 ? 32 : 128);
}

int ip_is_embedding(const struct sb_ip *ip)
{
	static const struct range emb[] = {
		{ 6, 96, { 0 } },
		{ 6, 96, { 0x00, 0x64, 0xff, 0x9b } },
		{ 6, 48, { 0x00, 0x64, 0xff, 0x9b, 0, 1 } },
		{ 6, 16, { 0x20, 0x02 } },
		{ 6, 32, { 0x20, 0x01, 0, 0 } },
	};

	for (size_t i = 0; i < sizeof(emb) / sizeof(emb[0]); i++) {
		struct sb_ip net = { 6, { 0 } };

		memcpy(net.a, emb[i].a, 16);
		if (ip_in_cidr(ip, &net, emb[i].prefix))
			return 1;
	}
	return 0;
}

int host_parse(const char *s, size_t n, char *out)
{
	size_t label = 0;

	if (n == 0 || n > SB_HOST_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return -1;  /* empty label, trailing dot */
			label = 0;
			out[i] = c;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			c = (char)(c | 0x20);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return -1;
		if (c == '-' && label == 0)
			return -1;
		if (++label > 63)
			return -1;
		out[i] = c;
	}
	if (label == 0 || s[n - 1] == '-')
		return -1;
	out[n] = 0;
	return 0;
}

int port_parse(const char *s, size_t n, uint16_t *port)
{
	unsigned v = 0;

	/* 1-65535 in decimal: no sign, no leading zero ("0443" is 400 to
	 * the proxy, an error in a policy). */
	if (n == 0 || n > 5 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* "IP" or "IP/len" into a CIDR dest. */
static int cidr_parse(const char *s, size_t n, struct dest *d)
{
	const char *sl = memchr(s, '/', n);
	size_t iplen = sl ? (size_t)(sl - s) : n;
	int max, len;

	if (ip_parse(s, iplen, &d->ip) < 0)
		return -1;
	ip_fold(&d->ip);
	max = d->ip.family == 4 ? 32 : 128;
	len = max;
	if (sl) {
		size_t k = n - iplen - 1;

		if (k == 0 || k > 3 || (k > 1 && sl[1] == '0'))
			return -1;
		len = 0;
		for (size_t i = 1; i <= k; i++) {
			if (sl[i] < '0' || sl[i] > '9')
				return -1;
			len = len * 10 + (sl[i] - '0');
		}
		if (len > max)
			return -1;
	}
	d->kind = DEST_CIDR;
	d->prefix = (uint8_t)len;
	/* Host bits must be zero: 10.0.0.1/8 is a typo, not a network. */
	for (int b = len; b < max; b++)
		if (d->ip.a[b / 8] & (0x80 >> (b % 8)))
			return -1;
	return 0;
}

int dest_parse(const char *s, struct dest *d, const char **why)
{
	size_t n = strlen(s);
	const char *colon;
	size_t hl;

	memset(d, 0, sizeof(*d));
	*why = "expected HOST:PORT";
	if (n == 0)
		return -1;
	if (s[0] == '[') {
		const char *end = memchr(s, ']', n);

		if (!end || end[1] != ':') {
			*why = "expected [IPv6]:PORT";
			return -1;
		}
		if (cidr_parse(s + 1, (size_t)(end - s - 1), d) < 0 ||
		    d->ip.family != 6) {
			*why = "bad IPv6 address or prefix";
			return -1;
		}
		colon = end + 1;
	} else {
		colon = memrchr(s, ':', n);
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
		if (memchr(s, ':', hl)) {
			*why = "IPv6 addresses go in brackets";
			return -1;
		}
		if (hl > 2 && s[0] == '*' && s[1] == '.') {
			if (host_parse(s + 2, hl - 2, d->host) < 0 ||
			    !strchr(d->host, '.')) {
				*why = "bad wildcard (want *.domain.tld)";
				return -1;
			}
			d->kind = DEST_WILD;
		} else if (memchr(s, '*', hl)) {
			*why = "'*' only as a whole first label";
			return -1;
		} else if (hl && s[hl - 1] >= '0' && s[hl - 1] <= '9' &&
			   cidr_parse(s, hl, d) == 0) {
			/* an IPv4 address or network */
		} else if (memchr(s, '/', hl) ||
			   host_parse(s, hl, d->host) < 0) {
			*why = "bad host name or address";
			return -1;
		} else {
			/* All-numeric labels that failed as an IP ("127.1",
			 * "2130706433") are refused, not taken as names. */
			size_t k = strlen(d->host);
			const char *last = memrchr(d->host, '.', k);

			last = last ? last + 1 : d->host;
			if (strspn(last, "0123456789x") == strlen(last)) {
				*why = "not a canonical IPv4 address";
				return -1;
			}
			d->kind = DEST_HOST;
		}
	}
	if (strcmp(colon + 1, "*") &&
	    port_parse(colon + 1, strlen(colon + 1), &d->port) < 0) {
		*why = "port must be 1-65535 or *";
		return -1;
	}
	*why = 0;
	return 0;
}

int dest_match_host(const struct dest *d, const char *host, uint16_t port)
{
	size_t hl, dl;

	if (d->port && d->port != port)
		return 0;
	if (d->kind == DEST_HOST)
		return !strcmp(d->host, host);
	if (d->kind != DEST_WILD)
		return 0;
	hl = strlen(host);
	dl = strlen(d->host);
	return hl > dl + 1 && host[hl - dl - 1] == '.' &&
	       !strcmp(host + hl - dl, d->host);
}

int dest_match_ip(const struct dest *d, const struct sb_ip *ip, uint16_t port)
{
	if (d->port && d->port != port)
		return 0;
	return d->kind == DEST_CIDR && ip_in_cidr(ip, &d->ip, d->prefix);
}

int dest_names_ip(const struct dest *d, const char *host,
		  const struct sb_ip *ip, uint16_t port)
{
	if (port && d->port && d->port != port)
		return 0;
	if (d->kind == DEST_CIDR)
		return cidr_is_internal(&d->ip, d->prefix) &&
		       ip_in_cidr(ip, &d->ip, d->prefix);
	if (d->kind == DEST_HOST)
		return host && !strcmp(d->host, host) && ip_nameable(ip);
	return 0;   /* a wildcard names no internal address */
}

void dest_format(const struct dest *d, char *out, size_t cap)
{
	struct buf b;
	char ip[48];

	buf_init(&b, out, cap);
	if (d->kind == DEST_CIDR) {
		ip_format(&d->ip, ip, sizeof(ip));
		buf_puts(&b, d->ip.family == 6 ? "[" : "");
		buf_puts(&b, ip);
		if (d->prefix != (d->ip.family == 4 ? 32 : 128)) {
			buf_putc(&b, '/');
			buf_putu(&b, d->prefix);
		}
		buf_puts(&b, d->ip.family == 6 ? "]" : "");
	} else {
		buf_puts(&b, d->kind == DEST_WILD ? "*." : "");
		buf_puts(&b, d->host);
	}
	buf_putc(&b, ':');
	if (d->port)
		buf_putu(&b, d->port);
	else
		buf_putc(&b, '*');
	buf_str(&b);
}

int sockaddr_parse(const void *sa, size_t len, struct sb_ip *ip,
		   uint16_t *port)
{
	sa_family_t fam;

	memset(ip, 0, sizeof(*ip));
	if (len < sizeof(sa_family_t))
		return -EINVAL;
	memcpy(&fam, sa, sizeof(fam));
	if (fam == AF_INET) {
		struct sockaddr_in in;

		if (len < sizeof(in))
			return -EINVAL;
		memcpy(&in, sa, sizeof(in));
		ip->family = 4;
		memcpy(ip->a, &in.sin_addr, 4);
		*port = ntohs(in.sin_port);
		return 0;
	}
	if (fam == AF_INET6) {
		struct sockaddr_in6 in6;

		if (len < sizeof(in6))
			return -EINVAL;
		memcpy(&in6, sa, sizeof(in6));
		ip->family = 6;
		memcpy(ip->a, &in6.sin6_addr, 16);
		*port = ntohs(in6.sin6_port);
		ip_fold(ip);
		return 0;
	}
	return -EAFNOSUPPORT;
}

socklen_t sockaddr_make(const struct sb_ip *ip, uint16_t port,
			struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		memcpy(&in->sin_addr, ip->a, 4);
		return sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		memcpy(&in6->sin6_addr, ip->a, 16);
		return sizeof(*in6);
	}
}
