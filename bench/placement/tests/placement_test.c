/*
 * placement_test.c — checks the placement policies on synthetic topologies.
 *
 *   placement_test distrib [HWLOC_DISTRIB]
 *       scatter against `hwloc-distrib --single N` (and `--restrict` for
 *       partly allowed topologies); exits 77 (skip) without the tool.
 *   placement_test unit
 *       compact, wrap-around, none, cpus:LIST parsing, describe, load
 *       errors, allocation, and binding on this machine.
 *   placement_test golden FILE
 *       pl_print_plan on GOLDEN_SOURCE against FILE.
 *   placement_test print SOURCE THREADS POLICY...
 *       prints the plan ("-" = this machine; THREADS like 1,4,6); this is
 *       how the golden file is made.
 *
 * Every check prints what failed; the exit status is 1 if any did.
 */
#include "placement.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define GOLDEN_SOURCE "synthetic:pack:2 numa:2 l3:2 core:2 pu:2"
static const char *const golden_policies[] = { "none", "compact", "scatter", "cpus:0,9-10" };
static const int golden_threads[] = { 1, 4, 6 };

/* The three shapes, plus Intel-style SMT numbering (siblings i, i+8). */
static const char *const topologies[] = {
	"pack:1 core:4 pu:1",
	"pack:2 core:4 pu:2",
	"pack:2 numa:2 l3:2 core:2 pu:2",
	"pack:2 core:4 pu:2(indexes=0,8,1,9,2,10,3,11,4,12,5,13,6,14,7,15)",
};

static atomic_int failures;

#define CHECK(cond, ...)                                                               \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: FAIL: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                  \
			fputc('\n', stderr);                                           \
			atomic_fetch_add(&failures, 1);                                \
		}                                                                      \
	} while (0)

#define N_ELEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static hwloc_topology_t load_or_die(const char *source)
{
	char err[256];
	hwloc_topology_t topo = pl_load(source, err, sizeof(err));

	if (!topo) {
		fprintf(stderr, "cannot load %s: %s\n", source ? source : "this machine", err);
		exit(1);
	}
	return topo;
}

static hwloc_topology_t load_synthetic(const char *desc)
{
	char src[256];

	snprintf(src, sizeof(src), "synthetic:%s", desc);
	return load_or_die(src);
}

/* A synthetic topology where only the PUs of `allowed` may be used. */
static hwloc_topology_t load_partly_allowed(const char *desc, hwloc_const_bitmap_t allowed)
{
	hwloc_topology_t topo;

	if (hwloc_topology_init(&topo) < 0 ||
	    hwloc_topology_set_flags(topo, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED) < 0 ||
	    hwloc_topology_set_synthetic(topo, desc) < 0 || hwloc_topology_load(topo) < 0 ||
	    hwloc_topology_allow(topo, allowed, NULL, HWLOC_ALLOW_FLAG_CUSTOM) < 0) {
		fprintf(stderr, "cannot build partly allowed '%s': %s\n", desc, strerror(errno));
		exit(1);
	}
	return topo;
}

static struct pl_policy policy(hwloc_topology_t topo, const char *text)
{
	struct pl_policy p;
	char err[256];

	if (!pl_parse(topo, text, &p, err, sizeof(err))) {
		fprintf(stderr, "cannot parse policy %s: %s\n", text, err);
		exit(1);
	}
	return p;
}

static int *plan(hwloc_topology_t topo, const char *pol, int n)
{
	struct pl_policy p = policy(topo, pol);
	int *pus = malloc((size_t)n * sizeof(*pus));

	if (!pus)
		exit(1);
	if (pl_plan(topo, &p, n, pus) < 0) {
		fprintf(stderr, "pl_plan(%s, %d) failed\n", pol, n);
		exit(1);
	}
	return pus;
}

static void print_list(FILE *f, const int *v, int n)
{
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%d", i ? "," : "", v[i]);
}

/* -------------------------------------------------- against hwloc-distrib */

/*
 * Runs `TOOL --single --if synthetic --input DESC [--restrict MASK] N` and
 * returns the OS index of each output line (hwloc cpuset masks such as
 * 0x00000100 or 0x00000001,0x00000000, read with hwloc_bitmap_sscanf).
 */
static int *run_distrib(const char *tool, const char *desc, const char *restrict_mask, int n)
{
	char nbuf[16], out[65536];
	const char *argv[12];
	int fds[2], argc = 0, status;
	size_t len = 0;
	ssize_t r;
	pid_t pid;
	int *pus = calloc((size_t)n, sizeof(*pus));

	snprintf(nbuf, sizeof(nbuf), "%d", n);
	argv[argc++] = tool;
	argv[argc++] = "--single";
	argv[argc++] = "--if";
	argv[argc++] = "synthetic";
	argv[argc++] = "--input";
	argv[argc++] = desc;
	if (restrict_mask) {
		argv[argc++] = "--restrict";
		argv[argc++] = restrict_mask;
	}
	argv[argc++] = nbuf;
	argv[argc] = NULL;

	if (!pus || pipe(fds) < 0)
		exit(1);
	pid = fork();
	if (pid < 0)
		exit(1);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(fds[1], 1);
		if (devnull >= 0)
			dup2(devnull, 2);	/* "Inserting a NUMA level ..." */
		close(fds[0]);
		close(fds[1]);
		execv(tool, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while ((r = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)r;
	close(fds[0]);
	out[len] = '\0';
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s failed on '%s' %d\n", tool, desc, n);
		exit(1);
	}

	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	char *save = NULL, *line = strtok_r(out, "\n", &save);
	int got = 0;

	for (; line; line = strtok_r(NULL, "\n", &save)) {
		if (got == n || hwloc_bitmap_sscanf(set, line) < 0 || hwloc_bitmap_weight(set) != 1) {
			fprintf(stderr, "unexpected hwloc-distrib line '%s' ('%s' %d)\n", line, desc,
				n);
			exit(1);
		}
		pus[got++] = hwloc_bitmap_first(set);
	}
	hwloc_bitmap_free(set);
	if (got != n) {
		fprintf(stderr, "hwloc-distrib gave %d lines for %d ('%s')\n", got, n, desc);
		exit(1);
	}
	return pus;
}

/*
 * scatter(N) for N <= allowed PUs must be hwloc-distrib's list in order;
 * for N > PUs it wraps the N = PUs list (thread i gets entry i mod PUs),
 * so each PU carries floor(N/PUs) or ceil(N/PUs) threads.
 */
static void compare_scatter(const char *tool, hwloc_topology_t topo, const char *desc,
			    const char *restrict_mask)
{
	const int npus = pl_allowed_count(topo);
	int *full = run_distrib(tool, desc, restrict_mask, npus);
	int checked = 0;

	for (int n = 1; n <= 2 * npus + 1; n++) {
		int *ours = plan(topo, "scatter", n);

		if (n <= npus) {
			int *ref = n == npus ? full : run_distrib(tool, desc, restrict_mask, n);
			bool same = memcmp(ours, ref, (size_t)n * sizeof(int)) == 0;

			if (!same) {
				fprintf(stderr, "  ours:          ");
				print_list(stderr, ours, n);
				fprintf(stderr, "\n  hwloc-distrib: ");
				print_list(stderr, ref, n);
				fputc('\n', stderr);
			}
			CHECK(same, "scatter '%s'%s%s N=%d differs from hwloc-distrib --single", desc,
			      restrict_mask ? " --restrict " : "", restrict_mask ? restrict_mask : "",
			      n);
			if (ref != full)
				free(ref);
		} else {
			int count[64] = { 0 };

			for (int i = 0; i < n; i++) {
				CHECK(ours[i] == full[i % npus], "scatter '%s' N=%d thread %d: PU %d, want %d (wrap)",
				      desc, n, i, ours[i], full[i % npus]);
				if (ours[i] >= 0 && ours[i] < 64)
					count[ours[i]]++;
			}
			for (int i = 0; i < npus; i++) {
				int c = count[full[i]];

				CHECK(c == n / npus || c == (n + npus - 1) / npus,
				      "scatter '%s' N=%d: PU %d carries %d threads", desc, n, full[i], c);
			}
		}
		checked++;
		free(ours);
	}
	printf("ok  scatter == hwloc-distrib --single%s%s for N=1..%d, wrap for N=%d..%d: %s\n",
	       restrict_mask ? " --restrict " : "", restrict_mask ? restrict_mask : "", npus,
	       npus + 1, 2 * npus + 1, desc);
	(void)checked;
	free(full);
}

static int test_distrib(const char *tool)
{
	if (!tool || !*tool) {
		printf("SKIP: hwloc-distrib not found\n");
		return 77;
	}
	for (int t = 0; t < N_ELEMS(topologies); t++) {
		hwloc_topology_t topo = load_synthetic(topologies[t]);

		compare_scatter(tool, topo, topologies[t], NULL);
		hwloc_topology_destroy(topo);
	}

	/* Only some PUs allowed: same as hwloc-distrib on the restricted topology. */
	static const char *const masks[] = {
		"0-2,5,8-12,17,30",	/* ragged: partial cores, L3s, NUMA nodes */
		"16-31",		/* package 1 only */
		"1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31", /* one PU per core */
	};
	const char *desc = "pack:2 numa:2 l3:2 core:2 pu:2";

	for (int m = 0; m < N_ELEMS(masks); m++) {
		hwloc_bitmap_t set = hwloc_bitmap_alloc();
		char *hex = NULL;

		if (!set || hwloc_bitmap_list_sscanf(set, masks[m]) < 0 ||
		    hwloc_bitmap_asprintf(&hex, set) < 0)
			exit(1);
		hwloc_topology_t topo = load_partly_allowed(desc, set);

		CHECK(pl_allowed_count(topo) == hwloc_bitmap_weight(set), "allowed count %d",
		      pl_allowed_count(topo));
		compare_scatter(tool, topo, desc, hex);
		hwloc_topology_destroy(topo);
		free(hex);
		hwloc_bitmap_free(set);
	}
	return 0;
}

/* ------------------------------------------------------------ unit checks */

/* Allowed PUs in logical order. */
static int logical_allowed(hwloc_topology_t topo, int *out)
{
	int n = 0;

	for (hwloc_obj_t pu = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PU, NULL); pu;
	     pu = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PU, pu))
		if (hwloc_bitmap_isset(hwloc_topology_get_allowed_cpuset(topo), pu->os_index))
			out[n++] = (int)pu->os_index;
	return n;
}

static void check_compact_none_wrap(hwloc_topology_t topo, const char *desc)
{
	int order[256];
	const int npus = logical_allowed(topo, order);

	CHECK(npus == pl_allowed_count(topo), "%s: %d logical vs %d allowed", desc, npus,
	      pl_allowed_count(topo));
	for (int n = 1; n <= 2 * npus + 1; n++) {
		int *c = plan(topo, "compact", n);
		int *c2 = plan(topo, "compact", n);
		int *none = plan(topo, "none", n);

		for (int i = 0; i < n; i++) {
			CHECK(c[i] == order[i % npus], "%s: compact N=%d thread %d: PU %d, want %d",
			      desc, n, i, c[i], order[i % npus]);
			CHECK(none[i] == -1, "%s: none N=%d thread %d: %d", desc, n, i, none[i]);
		}
		CHECK(memcmp(c, c2, (size_t)n * sizeof(int)) == 0, "%s: compact not pure", desc);
		free(c);
		free(c2);
		free(none);
	}
	/* scatter with one thread per PU visits every allowed PU once. */
	int *s = plan(topo, "scatter", npus);

	CHECK(memcmp(s, order, (size_t)npus * sizeof(int)) == 0,
	      "%s: scatter N=PUs is not the logical order", desc);
	free(s);

	/* cpus:LIST wraps too. */
	char list[64];

	snprintf(list, sizeof(list), "cpus:%d,%d", order[npus - 1], order[0]);
	int *l = plan(topo, list, 5);

	CHECK(l[0] == order[npus - 1] && l[1] == order[0] && l[2] == order[npus - 1] &&
	      l[3] == order[0] && l[4] == order[npus - 1], "%s: %s does not wrap", desc, list);
	free(l);
	printf("ok  compact = logical order, none = -1, wrap-around: %s\n", desc);
}

static void check_parse(void)
{
	hwloc_topology_t topo = load_synthetic("pack:2 core:4 pu:2");
	struct pl_policy p;
	char err[256];

	static const struct {
		const char *text;
		enum pl_kind kind;
		int n;
		int cpus[8];
	} good[] = {
		{ "none", PL_NONE, 0, { 0 } },
		{ "compact", PL_COMPACT, 0, { 0 } },
		{ "scatter", PL_SCATTER, 0, { 0 } },
		{ "cpus:0", PL_CPUS, 1, { 0 } },
		{ "cpus:0,2,4", PL_CPUS, 3, { 0, 2, 4 } },
		{ "cpus:0-3", PL_CPUS, 4, { 0, 1, 2, 3 } },
		{ "cpus:15,1-2,1", PL_CPUS, 4, { 15, 1, 2, 1 } },
		{ "cpus:7-7", PL_CPUS, 1, { 7 } },
	};
	for (int i = 0; i < N_ELEMS(good); i++) {
		bool ok = pl_parse(topo, good[i].text, &p, err, sizeof(err));

		CHECK(ok, "'%s' rejected: %s", good[i].text, err);
		if (!ok)
			continue;
		CHECK(p.kind == good[i].kind && strcmp(p.name, good[i].text) == 0,
		      "'%s': kind %d name '%s'", good[i].text, (int)p.kind, p.name);
		if (p.kind == PL_CPUS)
			CHECK(p.ncpus == good[i].n &&
			      memcmp(p.cpus, good[i].cpus, (size_t)p.ncpus * sizeof(int)) == 0,
			      "'%s': %d cpus", good[i].text, p.ncpus);
	}

	static const struct {
		const char *text, *reason;	/* reason: a word the message must contain */
	} bad[] = {
		{ "", "empty" },
		{ "bogus", "unknown" },
		{ "Scatter", "unknown" },
		{ "scatter ", "unknown" },
		{ "cpus", "unknown" },
		{ "cpus:", "empty" },
		{ "cpus:99", "not an allowed PU" },
		{ "cpus:16", "not an allowed PU" },
		{ "cpus:0-16", "not an allowed PU" },
		{ "cpus:a", "bad CPU number" },
		{ "cpus:3-1", "descending" },
		{ "cpus:1,", "trailing" },
		{ "cpus:,1", "bad CPU number" },
		{ "cpus:-1", "bad CPU number" },
		{ "cpus:1-", "bad range end" },
		{ "cpus:1--2", "bad range end" },
		{ "cpus: 1", "bad CPU number" },
		{ "cpus:1 ", "unexpected" },
		{ "cpus:1;2", "unexpected" },
		{ "cpus:+1", "bad CPU number" },
		{ "cpus:99999999999999999999", "bad CPU number" },
		{ "cpus:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,0,1,2,3,4,5,6,7,8,9,10,11", "longer" },
	};
	for (int i = 0; i < N_ELEMS(bad); i++) {
		err[0] = '\0';
		bool ok = pl_parse(topo, bad[i].text, &p, err, sizeof(err));

		CHECK(!ok, "'%s' accepted", bad[i].text);
		CHECK(strstr(err, bad[i].reason) && !strchr(err, '\n'),
		      "'%s': reason '%s' lacks '%s'", bad[i].text, err, bad[i].reason);
	}
	/* 257 entries: over the 256-entry list (short enough text via ranges). */
	CHECK(!pl_parse(NULL, "cpus:0-200,0-56", &p, err, sizeof(err)) &&
	      strstr(err, "more than 256"), "257 CPUs: '%s'", err);
	CHECK(pl_parse(NULL, "cpus:0-200,0-54", &p, err, sizeof(err)) && p.ncpus == 256,
	      "256 CPUs: '%s'", err);
	hwloc_topology_destroy(topo);
	printf("ok  parse: %d good and %d bad policies\n", N_ELEMS(good), N_ELEMS(bad) + 1);
}

static void check_describe(void)
{
	static const struct {
		const char *desc;
		struct pl_info want;
	} cases[] = {
		{ "pack:2 numa:2 l3:2 core:2 pu:2", { 0, 0, 0, 0, 0 } },
		{ "pack:2 numa:2 l3:2 core:2 pu:2", { 9, 4, 2, 1, 0 } },
		{ "pack:2 numa:2 l3:2 core:2 pu:2", { 22, 11, 5, 2, 1 } },
		{ "pack:2 numa:2 l3:2 core:2 pu:2", { 31, 15, 7, 3, 1 } },
		{ "pack:1 core:4 pu:1", { 3, 3, -1, 0, 0 } },
		{ "pack:2 core:4 pu:2(indexes=0,8,1,9,2,10,3,11,4,12,5,13,6,14,7,15)", { 8, 0, -1, 0, 0 } },
		{ "pack:2 core:4 pu:2(indexes=0,8,1,9,2,10,3,11,4,12,5,13,6,14,7,15)", { 5, 5, -1, 0, 1 } },
		{ "pack:2 core:4 pu:2", { -1, -1, -1, -1, -1 } },
		{ "pack:2 core:4 pu:2", { 99, -1, -1, -1, -1 } },
	};
	for (int i = 0; i < N_ELEMS(cases); i++) {
		hwloc_topology_t topo = load_synthetic(cases[i].desc);
		struct pl_info got;
		const struct pl_info *w = &cases[i].want;

		pl_describe(topo, w->pu, &got);
		CHECK(got.pu == w->pu && got.core == w->core && got.l3 == w->l3 &&
		      got.numa == w->numa && got.package == w->package,
		      "'%s' PU %d: core %d L3 %d NUMA %d package %d", cases[i].desc, w->pu, got.core,
		      got.l3, got.numa, got.package);
		hwloc_topology_destroy(topo);
	}
	printf("ok  describe: %d PUs\n", N_ELEMS(cases));
}

static void check_load_errors(void)
{
	char err[256], path[] = "/tmp/pl_XXXXXX";
	hwloc_topology_t topo;
	int fd;

	static const struct {
		const char *source, *reason;
	} bad[] = {
		{ "", "empty" },
		{ "/nonexistent/missing.xml", "cannot read" },
		{ "synthetic:", "invalid synthetic" },
		{ "synthetic:pack:2 bogus:3", "invalid synthetic" },
		{ "synthetic:pack:0", "invalid synthetic" },
	};
	for (int i = 0; i < N_ELEMS(bad); i++) {
		err[0] = '\0';
		topo = pl_load(bad[i].source, err, sizeof(err));
		CHECK(!topo, "'%s' loaded", bad[i].source);
		CHECK(strstr(err, bad[i].reason) && !strchr(err, '\n'), "'%s': '%s'", bad[i].source,
		      err);
		if (topo)
			hwloc_topology_destroy(topo);
	}

	/* A corrupt XML file. */
	fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	if (fd < 0)
		return;
	CHECK(write(fd, "<topology><object type=", 23) == 23, "write");
	close(fd);
	err[0] = '\0';
	topo = pl_load(path, err, sizeof(err));
	CHECK(!topo && strstr(err, "not a valid hwloc XML") && !strchr(err, '\n'),
	      "corrupt XML: '%s'", err);
	if (topo)
		hwloc_topology_destroy(topo);

	/* A good XML file (exported from a synthetic one) plans like its source. */
	hwloc_topology_t syn = load_synthetic("pack:2 numa:2 l3:2 core:2 pu:2");

	CHECK(hwloc_topology_export_xml(syn, path, 0) == 0, "export_xml: %s", strerror(errno));
	topo = pl_load(path, err, sizeof(err));
	CHECK(topo, "exported XML: %s", err);
	if (topo) {
		int *a = plan(syn, "scatter", 5), *b = plan(topo, "scatter", 5);

		CHECK(memcmp(a, b, 5 * sizeof(int)) == 0, "XML and synthetic scatter differ");
		CHECK(!hwloc_topology_is_thissystem(topo), "XML topology claims to be this system");
		free(a);
		free(b);
		hwloc_topology_destroy(topo);
	}
	CHECK(!hwloc_topology_is_thissystem(syn), "synthetic topology claims to be this system");
	hwloc_topology_destroy(syn);
	unlink(path);
	printf("ok  load: %d bad sources rejected in one line, XML round trip\n", N_ELEMS(bad) + 1);
}

static void check_alloc(hwloc_topology_t self)
{
	static const size_t sizes[] = { 0, 1, 64, 4095, 4096, 4097, 1 << 20 };
	const long ps = sysconf(_SC_PAGESIZE);
	int order[256], pu;
	hwloc_topology_t syn = load_synthetic("pack:2 numa:2 l3:2 core:2 pu:2");

	logical_allowed(self, order);
	pu = order[0];
	for (int s = 0; s < N_ELEMS(sizes); s++) {
		for (int k = 0; k < 3; k++) {
			hwloc_topology_t topo = k == 2 ? syn : self;
			int where = k == 1 ? -1 : pu, node = -7;
			unsigned char *p = pl_alloc_near(topo, where, sizes[s], &node);

			CHECK(p, "alloc %zu", sizes[s]);
			if (!p)
				continue;
			CHECK((uintptr_t)p % (uintptr_t)ps == 0, "alloc %zu not page-aligned", sizes[s]);
			for (size_t i = 0; i < sizes[s]; i++)
				if (p[i]) {
					CHECK(!p[i], "alloc %zu: byte %zu not zero", sizes[s], i);
					break;
				}
			memset(p, 0xa5, sizes[s]);
			if (k == 0) {
				struct pl_info info;

				pl_describe(self, pu, &info);
				CHECK(node == -1 || node == info.numa,
				      "alloc near PU %d: node %d, PU's node %d", pu, node, info.numa);
			} else {
				CHECK(k == 1 ? node >= -1 : node == -1, "alloc (case %d): node %d", k,
				      node);
			}
			pl_free(topo, p, sizes[s]);
		}
	}
	pl_free(self, NULL, 10);
	hwloc_topology_destroy(syn);
	printf("ok  alloc_near/free: %d sizes, this machine and synthetic\n", N_ELEMS(sizes));
}

struct bind_args {
	hwloc_topology_t topo, foreign;
	int bound, refused, last_errno;
	hwloc_bitmap_t child_set;	/* the binding a child thread started with */
};

static void *cpubind_of(void *arg)
{
	struct bind_args *a = arg;
	hwloc_get_cpubind(a->topo, a->child_set, HWLOC_CPUBIND_THREAD);
	return NULL;
}

static void *bind_thread(void *arg)
{
	struct bind_args *a = arg;
	int order[256];
	const int npus = logical_allowed(a->topo, order);
	hwloc_bitmap_t before = hwloc_bitmap_alloc(), after = hwloc_bitmap_alloc();
	bool mis = true;
	int rc;

	/* A synthetic topology binds nothing. */
	hwloc_get_cpubind(a->topo, before, HWLOC_CPUBIND_THREAD);
	rc = pl_bind_self(a->foreign, 0, &mis);
	hwloc_get_cpubind(a->topo, after, HWLOC_CPUBIND_THREAD);
	CHECK(rc == EXDEV && !mis, "bind on a synthetic topology: %d", rc);
	CHECK(hwloc_bitmap_isequal(before, after), "bind on a synthetic topology moved us");

	CHECK(pl_bind_self(a->topo, -1, &mis) == 0 && !mis, "pu -1");
	CHECK(pl_bind_self(a->topo, 1 << 20, &mis) == EINVAL, "pu 2^20");

	for (int i = 0; i < npus; i++) {
		mis = true;
		rc = pl_bind_self(a->topo, order[i], &mis);
		CHECK(rc >= 0 && rc < 4096, "bind PU %d: %d", order[i], rc);
		if (rc == 0) {
			a->bound++;
			CHECK(!mis, "bound to PU %d but misplaced", order[i]);
			CHECK(sched_getcpu() == order[i], "bound to PU %d, running on %d", order[i],
			      sched_getcpu());
			CHECK(hwloc_get_cpubind(a->topo, after, HWLOC_CPUBIND_THREAD) == 0 &&
			      hwloc_bitmap_weight(after) == 1 &&
			      hwloc_bitmap_first(after) == order[i],
			      "binding of PU %d reads back wrong", order[i]);
		} else if (rc > 0) {
			a->refused++;
			a->last_errno = rc;
		}
	}

	/* A set: the union of the PUs, inherited by threads started now. */
	CHECK(pl_bind_self_set(a->topo, order, 0) == 0, "empty set");
	CHECK(pl_bind_self_set(a->foreign, order, 1) == EXDEV, "set on a synthetic topology");
	int bad[2] = { order[0], 1 << 20 };
	CHECK(pl_bind_self_set(a->topo, bad, 2) == EINVAL, "set with PU 2^20");
	rc = pl_bind_self_set(a->topo, order, npus);
	if (rc == 0) {
		hwloc_bitmap_t want = hwloc_bitmap_alloc();
		for (int i = 0; i < npus; i++)
			hwloc_bitmap_set(want, (unsigned)order[i]);
		CHECK(hwloc_get_cpubind(a->topo, after, HWLOC_CPUBIND_THREAD) == 0 &&
		      hwloc_bitmap_isequal(after, want), "set of %d PUs reads back wrong", npus);
		pthread_t child;
		hwloc_bitmap_zero(after);
		if (pthread_create(&child, NULL, cpubind_of, a) == 0) {
			pthread_join(child, NULL);
			CHECK(hwloc_bitmap_isequal(a->child_set, want),
			      "a thread started after binding a set did not inherit it");
		}
		hwloc_bitmap_free(want);
	} else {
		CHECK(rc > 0 && rc < 4096, "bind set: %d", rc);
	}
	hwloc_bitmap_free(before);
	hwloc_bitmap_free(after);
	return NULL;
}

static void check_bind(hwloc_topology_t self)
{
	struct bind_args a = { .topo = self, .foreign = load_synthetic("pack:2 core:4 pu:2"),
			       .child_set = hwloc_bitmap_alloc() };
	pthread_t t;

	CHECK(hwloc_topology_is_thissystem(self), "own topology is not this system");
	if (pthread_create(&t, NULL, bind_thread, &a) != 0) {
		CHECK(0, "pthread_create");
		return;
	}
	pthread_join(t, NULL);
	hwloc_topology_destroy(a.foreign);
	hwloc_bitmap_free(a.child_set);
	if (a.refused)
		printf("ok  bind_self: %d PUs bound, %d refused (%s: fine on VMs/containers)\n",
		       a.bound, a.refused, strerror(a.last_errno));
	else
		printf("ok  bind_self: %d PUs bound and read back\n", a.bound);
}

/* The process's CPU affinity (taskset) narrows the allowed PUs. */
static void check_affinity(void)
{
#ifdef __linux__
	cpu_set_t saved, one;
	int last = -1, others = 0;
	char err[256], want[16], got[64];

	if (sched_getaffinity(0, sizeof(saved), &saved) < 0) {
		printf("--  affinity: sched_getaffinity failed, not checked\n");
		return;
	}
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &saved)) {
			if (last >= 0)
				others++;
			last = c;
		}
	if (others == 0) {
		printf("--  affinity: only one CPU, not checked\n");
		return;
	}
	CPU_ZERO(&one);
	CPU_SET(last, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0) {
		printf("--  affinity: sched_setaffinity refused, not checked\n");
		return;
	}
	hwloc_topology_t topo = pl_load(NULL, err, sizeof(err));

	sched_setaffinity(0, sizeof(saved), &saved);
	CHECK(topo, "load under affinity %d: %s", last, err);
	if (!topo)
		return;
	snprintf(want, sizeof(want), "%d", last);
	pl_allowed_string(topo, got, sizeof(got));
	CHECK(pl_allowed_count(topo) == 1 && strcmp(got, want) == 0,
	      "affinity %s: allowed '%s' (%d)", want, got, pl_allowed_count(topo));
	int *s = plan(topo, "scatter", 3), *c = plan(topo, "compact", 3);

	for (int i = 0; i < 3; i++)
		CHECK(s[i] == last && c[i] == last, "affinity %d: thread %d on %d/%d", last, i, s[i],
		      c[i]);
	free(s);
	free(c);

	struct pl_policy p;
	char other[32];

	snprintf(other, sizeof(other), "cpus:%d", last == 0 ? 1 : 0);
	CHECK(!pl_parse(topo, other, &p, err, sizeof(err)), "%s accepted under affinity",
	      other);
	hwloc_topology_destroy(topo);
	printf("ok  affinity: taskset-style CPU %d leaves exactly that PU allowed\n", last);
#endif
}

static int test_unit(void)
{
	for (int t = 0; t < N_ELEMS(topologies); t++) {
		hwloc_topology_t topo = load_synthetic(topologies[t]);

		check_compact_none_wrap(topo, topologies[t]);
		hwloc_topology_destroy(topo);
	}
	{
		hwloc_bitmap_t set = hwloc_bitmap_alloc();

		hwloc_bitmap_list_sscanf(set, "0-2,5,8-12,17,30");
		hwloc_topology_t topo = load_partly_allowed("pack:2 numa:2 l3:2 core:2 pu:2", set);

		check_compact_none_wrap(topo, "pack:2 numa:2 l3:2 core:2 pu:2, allowed 0-2,5,8-12,17,30");
		hwloc_topology_destroy(topo);
		hwloc_bitmap_free(set);
	}
	check_parse();
	check_describe();
	check_load_errors();

	hwloc_topology_t self = load_or_die(NULL);
	char allowed[256];

	pl_allowed_string(self, allowed, sizeof(allowed));
	printf("--  this machine: allowed PUs %s (%d)\n", allowed, pl_allowed_count(self));
	check_compact_none_wrap(self, "this machine");
	check_alloc(self);
	check_bind(self);
	hwloc_topology_destroy(self);
	check_affinity();
	return 0;
}

/* ----------------------------------------------------------- plan tables */

static int print_plan(FILE *out, const char *source, const char *threads_list,
		      const char *const *policies, int npol)
{
	hwloc_topology_t topo = load_or_die(strcmp(source, "-") == 0 ? NULL : source);
	struct pl_policy pol[16];
	int threads[64], nthreads = 0;
	char *copy = strdup(threads_list), *save = NULL;

	if (npol > N_ELEMS(pol) || !copy)
		exit(2);
	for (char *tok = strtok_r(copy, ",", &save); tok && nthreads < N_ELEMS(threads);
	     tok = strtok_r(NULL, ",", &save))
		threads[nthreads++] = atoi(tok);
	free(copy);
	for (int i = 0; i < npol; i++)
		pol[i] = policy(topo, policies[i]);
	fprintf(out, "source: %s\n", source);
	pl_print_plan(out, topo, pol, npol, threads, nthreads);
	hwloc_topology_destroy(topo);
	return 0;
}

static int test_golden(const char *path)
{
	char *got = NULL, *want = NULL, threads[64] = "";
	size_t got_len = 0, want_len = 0;
	FILE *mem = open_memstream(&got, &got_len), *f = fopen(path, "r");

	if (!mem || !f) {
		fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	FILE *wmem = open_memstream(&want, &want_len);
	char buf[4096];
	size_t r;

	while ((r = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, r, wmem);
	fclose(f);
	fclose(wmem);
	for (int i = 0; i < N_ELEMS(golden_threads); i++)
		snprintf(threads + strlen(threads), sizeof(threads) - strlen(threads), "%s%d",
			 i ? "," : "", golden_threads[i]);
	print_plan(mem, GOLDEN_SOURCE, threads, golden_policies, N_ELEMS(golden_policies));
	fclose(mem);

	int line = 1;
	size_t i = 0;
	char pols[256] = "";

	while (i < got_len && i < want_len && got[i] == want[i])
		line += got[i++] == '\n';
	for (int k = 0; k < N_ELEMS(golden_policies); k++)
		snprintf(pols + strlen(pols), sizeof(pols) - strlen(pols), " %s", golden_policies[k]);
	CHECK(got_len == want_len && i == got_len,
	      "%s: plan differs from line %d; after checking the new plan by hand, regenerate "
	      "with: placement_test print '%s' %s%s > %s", path, line, GOLDEN_SOURCE, threads, pols,
	      path);
	if (got_len != want_len || i != got_len)
		fprintf(stderr, "--- got:\n%s", got);
	else
		printf("ok  golden plan: %s\n", path);
	free(got);
	free(want);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "distrib") == 0)
		rc = test_distrib(argc >= 3 ? argv[2] : NULL);
	else if (argc == 2 && strcmp(argv[1], "unit") == 0)
		rc = test_unit();
	else if (argc == 3 && strcmp(argv[1], "golden") == 0)
		rc = test_golden(argv[2]);
	else if (argc >= 5 && strcmp(argv[1], "print") == 0)
		return print_plan(stdout, argv[2], argv[3], (const char *const *)argv + 4, argc - 4);
	else
		fprintf(stderr, "usage: %s distrib [HWLOC_DISTRIB] | unit | golden FILE | "
			"print SOURCE THREADS POLICY...\n", argv[0]);
	if (rc == 0 && atomic_load(&failures)) {
		fprintf(stderr, "%d check(s) failed\n", atomic_load(&failures));
		return 1;
	}
	return rc;
}
