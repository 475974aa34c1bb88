/*
 * placement.c — placement policies on an hwloc 2.x topology.
 *
 * The allowed PUs live in the topology itself: it is loaded with
 * HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED, so every PU keeps its object and
 * its logical indices (the same core/L3/package numbers lstopo shows), and
 * the allowed cpuset says which PUs a policy may use. For this machine that
 * set is hwloc's (cgroup cpusets) intersected with the process's CPU
 * affinity at load time (taskset), installed with hwloc_topology_allow().
 *
 * scatter is hwloc_distrib()'s recursion with every object weighted by its
 * allowed PUs instead of all of them. On a fully allowed topology that is
 * exactly hwloc_distrib() from the root; otherwise it is hwloc_distrib() on
 * the topology restricted to the allowed PUs (hwloc-distrib --restrict):
 * restricting only drops objects without allowed PUs, which weigh nothing
 * here, and shrinks the others' cpusets to their allowed part.
 */
#include "placement.h"

#include <errno.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PL_SYNTHETIC_PREFIX "synthetic:"
#define PL_CPUS_PREFIX "cpus:"
#define PL_MAX_CPUS ((int)(sizeof(((struct pl_policy *)0)->cpus) / sizeof(int)))
#define PL_MAX_OS_INDEX 1048575L	/* a CPU number beyond this is a typo */

/* ---------------------------------------------------------------- loading */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Narrows this machine's allowed PUs to the process's CPU affinity
 * (taskset). hwloc's own allowed set only reflects cgroup cpusets.
 */
static int restrict_to_affinity(hwloc_topology_t topo, char *err, size_t errlen)
{
	hwloc_bitmap_t allowed = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(topo));
	hwloc_bitmap_t bound = hwloc_bitmap_alloc();
	int rc = 0;

	if (!allowed || !bound) {
		set_err(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	/* The calling thread's affinity first: taskset sets it for every
	 * thread, and the process-wide set would also include helper threads
	 * that runtimes start with their own affinity (ThreadSanitizer's). */
	if (hwloc_get_cpubind(topo, bound, HWLOC_CPUBIND_THREAD) < 0 &&
	    hwloc_get_cpubind(topo, bound, HWLOC_CPUBIND_PROCESS) < 0)
		goto out;	/* affinity unknown: keep hwloc's set */
	hwloc_bitmap_and(allowed, allowed, bound);
	if (hwloc_bitmap_iszero(allowed)) {
		set_err(err, errlen, "no allowed PUs (CPU affinity and cgroup cpuset are disjoint)");
		rc = -1;
		goto out;
	}
	if (!hwloc_bitmap_isequal(allowed, hwloc_topology_get_allowed_cpuset(topo)) &&
	    hwloc_topology_allow(topo, allowed, NULL, HWLOC_ALLOW_FLAG_CUSTOM) < 0) {
		set_err(err, errlen, "cannot restrict the topology to the CPU affinity: %s",
			strerror(errno));
		rc = -1;
	}
out:
	hwloc_bitmap_free(allowed);
	hwloc_bitmap_free(bound);
	return rc;
}

hwloc_topology_t pl_load(const char *source, char *err, size_t errlen)
{
	hwloc_topology_t topo;
	unsigned long flags = HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED;
	const size_t plen = strlen(PL_SYNTHETIC_PREFIX);
	bool synthetic = source && strncmp(source, PL_SYNTHETIC_PREFIX, plen) == 0;

	if (source && !*source) {
		set_err(err, errlen, "empty topology source (expected FILE.xml or synthetic:DESC)");
		return NULL;
	}
	if (hwloc_topology_init(&topo) < 0) {
		set_err(err, errlen, "hwloc_topology_init: %s", strerror(errno));
		return NULL;
	}
	if (!source) {
		/* The native backend; binding and memory calls act on this machine. */
		flags |= HWLOC_TOPOLOGY_FLAG_IS_THISSYSTEM;
	} else if (synthetic) {
		/* Not this system: hwloc's binding hooks stay empty. */
		const char *desc = source + plen;

		if (!*desc || hwloc_topology_set_synthetic(topo, desc) < 0) {
			set_err(err, errlen,
				"invalid synthetic topology '%s' (HWLOC_SYNTHETIC_VERBOSE=1 says why)",
				desc);
			goto fail;
		}
	} else {
		FILE *f = fopen(source, "r");

		if (!f) {
			set_err(err, errlen, "cannot read topology file '%s': %s", source,
				strerror(errno));
			goto fail;
		}
		fclose(f);
		if (hwloc_topology_set_xml(topo, source) < 0) {
			set_err(err, errlen, "cannot read topology file '%s': %s", source,
				strerror(errno));
			goto fail;
		}
	}
	if (hwloc_topology_set_flags(topo, flags) < 0) {
		set_err(err, errlen, "hwloc_topology_set_flags: %s", strerror(errno));
		goto fail;
	}
	if (hwloc_topology_load(topo) < 0) {
		if (!source)
			set_err(err, errlen, "cannot load this machine's topology: %s",
				strerror(errno));
		else if (synthetic)
			set_err(err, errlen, "cannot build synthetic topology '%s': %s",
				source + plen, strerror(errno));
		else
			set_err(err, errlen,
				"'%s' is not a valid hwloc XML topology (HWLOC_XML_VERBOSE=1 says why)",
				source);
		goto fail;
	}
	if (!source && restrict_to_affinity(topo, err, errlen) < 0)
		goto fail;
	if (pl_allowed_count(topo) == 0) {
		set_err(err, errlen, "the topology has no allowed PUs");
		goto fail;
	}
	return topo;
fail:
	hwloc_topology_destroy(topo);
	return NULL;
}

/* ------------------------------------------------------- allowed PU sets */

/* Allowed PUs that exist as objects. Caller frees. NULL on ENOMEM. */
static hwloc_bitmap_t allowed_pus(hwloc_topology_t topo)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();

	if (set)
		hwloc_bitmap_and(set, hwloc_topology_get_allowed_cpuset(topo),
				 hwloc_topology_get_topology_cpuset(topo));
	return set;
}

int pl_allowed_count(hwloc_topology_t topo)
{
	hwloc_bitmap_t set = allowed_pus(topo);
	int n = set ? hwloc_bitmap_weight(set) : 0;

	hwloc_bitmap_free(set);
	return n < 0 ? 0 : n;
}

void pl_allowed_string(hwloc_topology_t topo, char *buf, size_t len)
{
	hwloc_bitmap_t set = allowed_pus(topo);

	if (!len)
		return;
	buf[0] = '\0';
	if (set && hwloc_bitmap_list_snprintf(buf, len, set) < 0)
		buf[0] = '\0';
	hwloc_bitmap_free(set);
}

/* ---------------------------------------------------------------- parsing */

/* Parses a non-negative decimal CPU number at *s (digits only). */
static bool parse_cpu(const char **s, long *out)
{
	const char *p = *s;
	long v = 0;

	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		if (v > PL_MAX_OS_INDEX)
			return false;
		p++;
	}
	*s = p;
	*out = v;
	return true;
}

static bool parse_cpus(hwloc_topology_t topo, const char *list, struct pl_policy *out,
		       char *err, size_t errlen)
{
	hwloc_bitmap_t allowed = topo ? allowed_pus(topo) : NULL;
	const char *p = list;
	bool ok = false;

	if (topo && !allowed) {
		set_err(err, errlen, "out of memory");
		return false;
	}
	out->ncpus = 0;
	if (!*p) {
		set_err(err, errlen, "empty CPU list (expected e.g. cpus:0,2,4 or cpus:0-3)");
		goto out;
	}
	for (;;) {
		const char *item = p;
		long lo, hi;

		if (!parse_cpu(&p, &lo)) {
			set_err(err, errlen, "bad CPU number at '%s' (expected e.g. cpus:0,2,4 or cpus:0-3)",
				item);
			goto out;
		}
		hi = lo;
		if (*p == '-') {
			p++;
			if (!parse_cpu(&p, &hi)) {
				set_err(err, errlen, "bad range end at '%s' (expected e.g. cpus:0-3)",
					item);
				goto out;
			}
			if (hi < lo) {
				set_err(err, errlen, "descending range %ld-%ld", lo, hi);
				goto out;
			}
		}
		if (*p != ',' && *p != '\0') {
			set_err(err, errlen, "unexpected '%c' at '%s' (expected e.g. cpus:0,2,4)", *p,
				item);
			goto out;
		}
		for (long c = lo; c <= hi; c++) {
			if (out->ncpus == PL_MAX_CPUS) {
				set_err(err, errlen, "more than %d CPUs in the list", PL_MAX_CPUS);
				goto out;
			}
			if (allowed && !hwloc_bitmap_isset(allowed, (unsigned)c)) {
				char set[128];

				if (hwloc_bitmap_list_snprintf(set, sizeof(set), allowed) < 0)
					set[0] = '\0';
				set_err(err, errlen, "CPU %ld is not an allowed PU (allowed: %s)", c,
					set);
				goto out;
			}
			out->cpus[out->ncpus++] = (int)c;
		}
		if (*p == '\0')
			break;
		p++;
		if (!*p) {
			set_err(err, errlen, "trailing ',' in CPU list");
			goto out;
		}
	}
	ok = true;
out:
	hwloc_bitmap_free(allowed);
	return ok;
}

bool pl_parse(hwloc_topology_t topo, const char *text, struct pl_policy *out,
		    char *err, size_t errlen)
{
	const size_t clen = strlen(PL_CPUS_PREFIX);

	memset(out, 0, sizeof(*out));
	if (!text || !*text) {
		set_err(err, errlen, "empty placement policy (expected none, compact, scatter or cpus:LIST)");
		return false;
	}
	if (strlen(text) >= sizeof(out->name)) {
		set_err(err, errlen, "placement policy longer than %zu characters",
			sizeof(out->name) - 1);
		return false;
	}
	strcpy(out->name, text);
	if (strcmp(text, "none") == 0) {
		out->kind = PL_NONE;
	} else if (strcmp(text, "compact") == 0) {
		out->kind = PL_COMPACT;
	} else if (strcmp(text, "scatter") == 0) {
		out->kind = PL_SCATTER;
	} else if (strncmp(text, PL_CPUS_PREFIX, clen) == 0) {
		out->kind = PL_CPUS;
		if (!parse_cpus(topo, text + clen, out, err, errlen))
			return false;
	} else {
		set_err(err, errlen,
			"unknown placement policy '%s' (expected none, compact, scatter or cpus:LIST)",
			text);
		return false;
	}
	return true;
}

/* --------------------------------------------------------------- policies */

/*
 * hwloc_distrib() (hwloc/helper.h) with each object weighted by its allowed
 * PUs: gives n cpusets, each a subset of `allowed`. Root i gets a chunk of n
 * proportional to its weight, rounded so the chunks add up to n; a chunk of
 * 0 or 1, or a leaf, takes the root's whole (allowed) cpuset, a chunk of 0
 * merging into the previous set; larger chunks recurse into the children.
 */
static int distrib(hwloc_obj_t *roots, unsigned nroots, hwloc_const_bitmap_t allowed,
		   hwloc_bitmap_t scratch, hwloc_bitmap_t *sets, unsigned n)
{
	unsigned long tot = 0, given = 0;

	for (unsigned i = 0; i < nroots; i++) {
		hwloc_bitmap_and(scratch, roots[i]->cpuset, allowed);
		tot += (unsigned)hwloc_bitmap_weight(scratch);
	}
	if (!tot)
		return 0;
	for (unsigned i = 0; i < nroots; i++) {
		hwloc_obj_t root = roots[i];
		unsigned long w, chunk;

		hwloc_bitmap_and(scratch, root->cpuset, allowed);
		w = (unsigned)hwloc_bitmap_weight(scratch);
		if (!w)
			continue;
		chunk = ((given + w) * n + tot - 1) / tot - (given * n + tot - 1) / tot;
		if (!root->arity || chunk <= 1) {
			if (chunk == 0) {
				/* The first weighted root always gets a chunk. */
				hwloc_bitmap_or(sets[-1], sets[-1], scratch);
			}
			for (unsigned long j = 0; j < chunk; j++) {
				sets[j] = hwloc_bitmap_dup(scratch);
				if (!sets[j])
					return -1;
			}
		} else if (distrib(root->children, root->arity, allowed, scratch, sets,
				   (unsigned)chunk) < 0) {
			return -1;
		}
		sets += chunk;
		given += w;
	}
	return 0;
}

/* scatter for n <= allowed PUs: hwloc_distrib, then the first PU of each set. */
static int plan_scatter(hwloc_topology_t topo, hwloc_const_bitmap_t allowed, int n, int *out)
{
	hwloc_obj_t root = hwloc_get_root_obj(topo);
	hwloc_bitmap_t scratch = hwloc_bitmap_alloc();
	hwloc_bitmap_t *sets = calloc((size_t)n, sizeof(*sets));
	int rc = -1;

	if (!scratch || !sets)
		goto out;
	if (distrib(&root, 1, allowed, scratch, sets, (unsigned)n) < 0)
		goto out;
	for (int i = 0; i < n; i++) {
		if (!sets[i])
			goto out;
		hwloc_bitmap_singlify(sets[i]);
		out[i] = hwloc_bitmap_first(sets[i]);
	}
	rc = 0;
out:
	if (sets)
		for (int i = 0; i < n; i++)
			hwloc_bitmap_free(sets[i]);
	free(sets);
	hwloc_bitmap_free(scratch);
	return rc;
}

int pl_plan(hwloc_topology_t topo, const struct pl_policy *p, int nthreads, int *pus)
{
	hwloc_bitmap_t allowed;
	int *list = NULL, n = 0, npus, rc = -1;

	if (nthreads <= 0)
		return 0;
	if (p->kind == PL_NONE) {
		for (int i = 0; i < nthreads; i++)
			pus[i] = -1;
		return 0;
	}
	allowed = allowed_pus(topo);
	if (!allowed)
		return -1;
	npus = hwloc_bitmap_weight(allowed);
	if (npus <= 0)
		goto out;

	switch (p->kind) {
	case PL_COMPACT:
		/* Logical (tree) order: SMT siblings, then cores of an L3, ... */
		list = malloc((size_t)npus * sizeof(*list));
		if (!list)
			goto out;
		for (hwloc_obj_t pu = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PU, NULL); pu;
		     pu = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PU, pu))
			if (hwloc_bitmap_isset(allowed, pu->os_index) && n < npus)
				list[n++] = (int)pu->os_index;
		break;
	case PL_SCATTER:
		/* Up to one thread per PU: hwloc_distrib's order. Beyond: wrap. */
		n = nthreads < npus ? nthreads : npus;
		list = malloc((size_t)n * sizeof(*list));
		if (!list || plan_scatter(topo, allowed, n, list) < 0)
			goto out;
		break;
	case PL_CPUS:
		for (int i = 0; i < p->ncpus; i++)
			if (p->cpus[i] < 0 || !hwloc_bitmap_isset(allowed, (unsigned)p->cpus[i]))
				goto out;
		if (p->ncpus <= 0 || p->ncpus > PL_MAX_CPUS)
			goto out;
		for (int i = 0; i < nthreads; i++)
			pus[i] = p->cpus[i % p->ncpus];
		rc = 0;
		goto out;
	default:
		goto out;
	}
	if (n <= 0)
		goto out;
	for (int i = 0; i < nthreads; i++)
		pus[i] = list[i % n];
	rc = 0;
out:
	free(list);
	hwloc_bitmap_free(allowed);
	return rc;
}

/* ------------------------------------------------------------ describing */

/* The first NUMA node local to obj (in hwloc 2, nodes hang off ancestors). */
static hwloc_obj_t local_numa(hwloc_topology_t topo, hwloc_obj_t obj)
{
	return hwloc_get_next_obj_covering_cpuset_by_type(topo, obj->cpuset, HWLOC_OBJ_NUMANODE,
							  NULL);
}

void pl_describe(hwloc_topology_t topo, int pu, struct pl_info *info)
{
	hwloc_obj_t obj, o;

	info->pu = pu;
	info->core = info->l3 = info->numa = info->package = -1;
	if (pu < 0 || !(obj = hwloc_get_pu_obj_by_os_index(topo, (unsigned)pu)))
		return;
	if ((o = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, obj)))
		info->core = (int)o->logical_index;
	if ((o = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_L3CACHE, obj)))
		info->l3 = (int)o->logical_index;
	if ((o = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_PACKAGE, obj)))
		info->package = (int)o->logical_index;
	if ((o = local_numa(topo, obj)))
		info->numa = (int)o->os_index;
}

/* ---------------------------------------------------------------- binding */

int pl_bind_self(hwloc_topology_t topo, int pu, bool *misplaced)
{
	hwloc_obj_t obj;
	hwloc_bitmap_t where;

	if (misplaced)
		*misplaced = false;
	if (pu < 0)
		return 0;
	if (!hwloc_topology_is_thissystem(topo))
		return EXDEV;
	obj = hwloc_get_pu_obj_by_os_index(topo, (unsigned)pu);
	if (!obj)
		return EINVAL;
	if (hwloc_set_cpubind(topo, obj->cpuset, HWLOC_CPUBIND_THREAD | HWLOC_CPUBIND_STRICT) < 0)
		return errno > 0 ? errno : EINVAL;

	/* Read back where we run (the kernel migrates us before returning). */
	where = hwloc_bitmap_alloc();
	if (!where)
		return 0;	/* bound; only the check is lost */
	if (hwloc_get_last_cpu_location(topo, where, HWLOC_CPUBIND_THREAD) == 0) {
		if (misplaced)
			*misplaced = !hwloc_bitmap_isincluded(where, obj->cpuset);
	} else if (hwloc_get_cpubind(topo, where, HWLOC_CPUBIND_THREAD) == 0) {
		if (misplaced)
			*misplaced = !hwloc_bitmap_isequal(where, obj->cpuset);
	}
	hwloc_bitmap_free(where);
	return 0;
}

int pl_bind_self_set(hwloc_topology_t topo, const int *pus, int n)
{
	if (n <= 0)
		return 0;
	if (!hwloc_topology_is_thissystem(topo))
		return EXDEV;
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	if (!set)
		return ENOMEM;
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		hwloc_obj_t obj = pus[i] < 0 ? NULL : hwloc_get_pu_obj_by_os_index(topo, (unsigned)pus[i]);
		if (!obj)
			rc = EINVAL;
		else
			hwloc_bitmap_or(set, set, obj->cpuset);
	}
	if (rc == 0 && hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_THREAD | HWLOC_CPUBIND_STRICT) < 0)
		rc = errno > 0 ? errno : EINVAL;
	hwloc_bitmap_free(set);
	return rc;
}

/* ------------------------------------------------------------- allocation */

/*
 * Each block ends with a tag saying how it was allocated, so pl_free
 * frees it the same way. It sits after the caller's len bytes (rounded up),
 * which keeps the block itself page-aligned.
 */
enum pl_mem { PL_MEM_HWLOC = 1, PL_MEM_HEAP = 2 };
#define PL_MEM_MAGIC UINT64_C(0x6374706c616365)	/* "ctplace" */

struct pl_tag {
	uint64_t magic;		/* PL_MEM_MAGIC ^ kind */
	uint32_t kind;		/* enum pl_mem */
	uint32_t pad;
};

static size_t tag_offset(size_t len)
{
	const size_t a = alignof(struct pl_tag);

	return (len + a - 1) / a * a;
}

static size_t page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (size_t)ps : 4096;
}

void *pl_alloc_near(hwloc_topology_t topo, int pu, size_t len, int *node)
{
	size_t off, total;
	hwloc_obj_t obj = NULL, numa = NULL;
	enum pl_mem kind = PL_MEM_HEAP;
	struct pl_tag tag;
	void *p = NULL;

	if (node)
		*node = -1;
	if (len == 0)
		len = 1;
	off = tag_offset(len);
	if (off < len || off + sizeof(tag) < off)
		return NULL;
	total = off + sizeof(tag);

	if (pu >= 0 && hwloc_topology_is_thissystem(topo) &&
	    (obj = hwloc_get_pu_obj_by_os_index(topo, (unsigned)pu)))
		numa = local_numa(topo, obj);
	if (numa) {
		/* STRICT: no silent unbound fallback inside hwloc; we do our own. */
		p = hwloc_alloc_membind(topo, total, numa->nodeset, HWLOC_MEMBIND_BIND,
					HWLOC_MEMBIND_STRICT | HWLOC_MEMBIND_BYNODESET);
		if (p)
			kind = PL_MEM_HWLOC;
	}
	if (!p) {
		size_t ps = page_size();
		size_t rounded = (total + ps - 1) / ps * ps;

		if (rounded < total)
			return NULL;
		p = aligned_alloc(ps, rounded);
		if (!p)
			return NULL;
	}
	/* Touch every page from the calling thread: placed now, zeroed. */
	memset(p, 0, len);
	tag.magic = PL_MEM_MAGIC ^ (uint64_t)kind;
	tag.kind = (uint32_t)kind;
	tag.pad = 0;
	memcpy((char *)p + off, &tag, sizeof(tag));

	if (node && hwloc_topology_is_thissystem(topo)) {
		hwloc_bitmap_t where = hwloc_bitmap_alloc();

		/* Where the pages really are, where the OS can tell us. */
		if (where && hwloc_get_area_memlocation(topo, p, len, where,
							HWLOC_MEMBIND_BYNODESET) == 0 &&
		    hwloc_bitmap_weight(where) == 1)
			*node = hwloc_bitmap_first(where);
		else if (kind == PL_MEM_HWLOC)
			*node = (int)numa->os_index;
		hwloc_bitmap_free(where);
	}
	return p;
}

void pl_free(hwloc_topology_t topo, void *p, size_t len)
{
	struct pl_tag tag;
	size_t off;

	if (!p)
		return;
	if (len == 0)
		len = 1;
	off = tag_offset(len);
	memcpy(&tag, (char *)p + off, sizeof(tag));
	if (tag.magic != (PL_MEM_MAGIC ^ (uint64_t)tag.kind) ||
	    (tag.kind != PL_MEM_HWLOC && tag.kind != PL_MEM_HEAP)) {
		fprintf(stderr, "pl_free: %p was not allocated by pl_alloc_near "
			"with len %zu, or its end was overwritten\n", p, len);
		abort();
	}
	if (tag.kind == PL_MEM_HWLOC)
		hwloc_free(topo, p, off + sizeof(tag));
	else
		free(p);
}

/* ------------------------------------------------------------- the table */

static void print_cell(FILE *out, int width, int v)
{
	if (v < 0)
		fprintf(out, " %*s", width, "-");
	else
		fprintf(out, " %*d", width, v);
}

void pl_print_plan(FILE *out, hwloc_topology_t topo, const struct pl_policy *pol,
			 int npol, const int *threads, int nthreads)
{
	char allowed[256];
	int maxthreads = 0;
	int *pus;

	pl_allowed_string(topo, allowed, sizeof(allowed));
	fprintf(out, "topology: %d package(s), %d NUMA node(s), %d L3, %d core(s), %d PU(s)\n",
		hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE),
		hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE),
		hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_L3CACHE),
		hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE),
		hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU));
	fprintf(out, "allowed PUs: %s (%d)%s\n", allowed, pl_allowed_count(topo),
		hwloc_topology_is_thissystem(topo) ? "" : "; not this machine, nothing is bound");
	fprintf(out, "PU and NUMA are OS indices; core, L3 and package are logical indices\n");

	for (int t = 0; t < nthreads; t++)
		if (threads[t] > maxthreads)
			maxthreads = threads[t];
	pus = malloc((size_t)(maxthreads > 0 ? maxthreads : 1) * sizeof(*pus));
	if (!pus) {
		fprintf(out, "(out of memory)\n");
		return;
	}
	for (int k = 0; k < npol; k++) {
		for (int t = 0; t < nthreads; t++) {
			int n = threads[t];

			fprintf(out, "\nplace:%s threads:%d\n", pol[k].name, n);
			if (pol[k].kind == PL_NONE) {
				fprintf(out, "  not bound: threads run where the OS schedules them\n");
				continue;
			}
			if (n <= 0)
				continue;
			if (pl_plan(topo, &pol[k], n, pus) < 0) {
				fprintf(out, "  no plan: no allowed PUs for this policy\n");
				continue;
			}
			fprintf(out, "  thread    PU  core    L3  NUMA  package\n");
			for (int i = 0; i < n; i++) {
				struct pl_info info;

				pl_describe(topo, pus[i], &info);
				fprintf(out, "  %6d", i);
				print_cell(out, 5, info.pu);
				print_cell(out, 5, info.core);
				print_cell(out, 5, info.l3);
				print_cell(out, 5, info.numa);
				print_cell(out, 8, info.package);
				fputc('\n', out);
			}
		}
	}
	free(pus);
}
