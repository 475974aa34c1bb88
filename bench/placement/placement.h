/*
 * placement.h — which PU each benchmark worker runs on.
 *
 * A policy is a pure function (topology, allowed PUs, thread count) -> list
 * of PUs (OS indices). Nothing here binds threads; pl_bind_self does
 * that for the calling thread. The topology is loaded once per process.
 *
 * Policies (the names users type in --place):
 *   none         no binding; every entry is -1
 *   compact      fill SMT siblings, then the cores of one L3 / NUMA node /
 *                package, then the next (logical order of allowed PUs)
 *   scatter      spread across packages, NUMA nodes, L3s, cores, then SMT
 *                siblings: the order of hwloc_distrib / hwloc-distrib --single
 *   cpus:LIST    explicit OS indices, e.g. cpus:0,2,4 or cpus:0-3
 * More threads than PUs wrap around (thread i gets entry i mod n).
 *
 * Prefix pl_ (PL_ for constants): contend-bench's own, not the library's ct_.
 */
#ifndef PL_PLACEMENT_H
#define PL_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <hwloc.h>

#ifdef __cplusplus
extern "C" {
#endif

enum pl_kind { PL_NONE, PL_COMPACT, PL_SCATTER, PL_CPUS };

struct pl_policy {
	enum pl_kind kind;
	char name[64];		/* as typed, e.g. "scatter", "cpus:0,2" (used in names) */
	int ncpus;		/* PL_CPUS: the list */
	int cpus[256];
};

/* Where one PU sits, for --plan and the results. -1 where unknown. */
struct pl_info {
	int pu;			/* OS index */
	int core;		/* logical index of the core */
	int l3;			/* logical index of the L3 cache */
	int numa;		/* OS index of the NUMA node */
	int package;		/* logical index of the package */
};

/*
 * Loads the topology: the machine's own (source == NULL), an XML file
 * ("FILE.xml") or a synthetic description ("synthetic:pack:2 core:4 pu:2").
 * On error returns NULL and writes a one-line reason into err.
 * A loaded file/synthetic topology is not "this system": nothing is bound.
 */
hwloc_topology_t pl_load(const char *source, char *err, size_t errlen);

/*
 * Parses one policy name. Returns false with a reason in err for unknown
 * names, malformed lists, or CPUs not in the topology's allowed set.
 * topo == NULL checks the syntax only. A list holds at most 256 entries.
 */
bool pl_parse(hwloc_topology_t topo, const char *text, struct pl_policy *out,
		    char *err, size_t errlen);

/*
 * Computes the PU (OS index) of each of nthreads workers into pus[];
 * -1 for PL_NONE. Only allowed PUs are used. Pure: same inputs, same
 * output. Returns 0, or -1 if there are no allowed PUs (or a cpus: list
 * names a PU this topology does not allow).
 * scatter with nthreads <= allowed PUs is exactly hwloc-distrib --single
 * nthreads (restricted to the allowed PUs); with more threads it wraps the
 * one-thread-per-PU list, like every policy.
 * The allowed PUs are the topology's allowed cpuset; for this machine,
 * pl_load narrows it to the process's CPU affinity (taskset).
 */
int pl_plan(hwloc_topology_t topo, const struct pl_policy *p, int nthreads, int *pus);

/* Fills *info for PU os_index. */
void pl_describe(hwloc_topology_t topo, int pu, struct pl_info *info);

/* Number of allowed PUs, and their OS indices as a list string ("0-3,8"). */
int pl_allowed_count(hwloc_topology_t topo);
void pl_allowed_string(hwloc_topology_t topo, char *buf, size_t len);

/*
 * Binds the calling thread to PU `pu` (HWLOC_CPUBIND_THREAD | STRICT) and
 * reads back where it runs. Returns 0 when bound (sets *misplaced if the
 * read-back PU differs), or a positive errno when binding was refused
 * (ENOSYS/EPERM/EXDEV typical of VMs and containers) — callers then run
 * unpinned and record it. pu < 0: no binding, returns 0.
 *   EXDEV   also: the topology is a file/synthetic one, not this machine
 *   EINVAL  pu is not a PU of the topology
 */
int pl_bind_self(hwloc_topology_t topo, int pu, bool *misplaced);

/*
 * Binds the calling thread to the union of n PUs (OS indices; none < 0),
 * so that threads it creates afterwards inherit that mask (a library's
 * own workers, which the harness cannot bind one by one). Returns 0, or a
 * positive errno as pl_bind_self (EINVAL: a PU that is not in topo).
 * n <= 0: no binding, returns 0.
 */
int pl_bind_self_set(hwloc_topology_t topo, const int *pus, int n);

/*
 * Allocates len bytes on the NUMA node of PU `pu` (hwloc_alloc_membind;
 * plain aligned allocation + first touch from the caller where binding
 * memory is unsupported). *node receives the node's OS index or -1.
 * Free with pl_free.
 * The block is page-aligned and zeroed (the zeroing is the first touch, so
 * call this from the thread bound to pu). *node is where the pages really
 * are when the OS can tell, else the bound node, else -1; always -1 for a
 * topology that is not this machine. NULL when out of memory.
 */
void *pl_alloc_near(hwloc_topology_t topo, int pu, size_t len, int *node);
void pl_free(hwloc_topology_t topo, void *p, size_t len);	/* same len */

/* Prints the --plan table for policies x thread counts to out. */
void pl_print_plan(FILE *out, hwloc_topology_t topo, const struct pl_policy *pol,
			 int npol, const int *threads, int nthreads);

#ifdef __cplusplus
}
#endif

#endif
