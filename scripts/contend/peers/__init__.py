"""python-peers — CPython's threading and queue primitives under contend-bench's workloads.

Runs the workloads of contend-bench (DESIGN.md "Workload families";
bench/wl_*.c) on CPython's own primitives and writes Google Benchmark 1.7.1
JSON with the same names, counters and context keys, so plots and
comparisons treat CPython as one more implementation:

  counter/cpython_lock/threads:N/place:P        counter += 1 under threading.Lock
  counter/cpython_rlock/threads:N/place:P       the same under threading.RLock
  mutex/cpython_lock/cs_ns:C/threads:N/place:P  acquire; about C ns of work; release;
                                                with C > 0, --outside-ns of work after
  rmutex/cpython_rlock/depth:D/threads:N/place:P  RLock acquired D times, released D times
  event/cpython_event/pingpong/threads:2/place:P  set -> wake round trip between two threads
  event/cpython_event/broadcast/threads:N/place:P one set() waking N-1 waiters; latency is
                                                until the last one wakes (N >= 2)
  event/cpython_event/timed_wait/threads:N/place:P  wait(timeout=--timed-wait-ns) on an
                                                event nobody sets; latency is the overshoot
  queue/cpython_queue/pc:PxC/cap:K/mode:M/threads:P+C/place:P
                                                queue.Queue(maxsize=K), P producers and C
                                                consumers; M = block (put/get), try
                                                (put_nowait/get_nowait, retried at once on
                                                Full/Empty) or timed (timeout 1 ms, retried).
                                                Shapes: 1x1 for 2 threads; (t-1)x1, 1x(t-1)
                                                and, for even t, (t/2)x(t/2) for t > 2
  queue/cpython_queue/pairs/cap:K/threads:N/place:P     every thread puts, then gets
  queue/cpython_queue/pingpong/cap:K/threads:2/place:P  round trip through two queues
  pool/cpython_pool/{empty,roundtrip/gap_us:G,forkjoin,as_completed/tasks:64,fib:18,
      work_ns:N}/threads:W/place:P
                                                concurrent.futures.ThreadPoolExecutor
                                                (max_workers=W) under bench/wl_pool.c's
                                                workloads; fib is an "unsupported:" error
                                                row (nested waits deadlock)
  Capacities 1, 16, 1024; cs_ns 0, 50, 1000; depths 1, 4, 16 (as contend-bench).

Standard library plus numpy; run it with /usr/bin/python3 (CPython 3.11 on Debian 12).
The code: scripts/contend/peers/ (common, team, placement, one module per
family of workloads: locks, events, queues; benches, output, cli).

How a measurement works
-----------------------
Each benchmark creates its team of worker threads once; each worker pins
itself with os.sched_setaffinity (see Placement), and the team is reused
for every repetition. A repetition ("trial") builds fresh primitives,
releases the team through a start barrier, lets it run for --duration
seconds and then sets a shared stop flag (a threading.Event). Workers check
the flag between short chunks of operations, so every one of them contends
until the end of the window. Queue consumers do not stop on the flag: the
last producer to stop puts one sentinel per consumer (Python 3.11's Queue
has no shutdown()), so every item put is got, checked and counted.

One trial gives one Google Benchmark run row:
  iterations    operations done by the team (an op is one lock hold, one
                nested lock/unlock, one item through the queue, one put+get
                pair, one round trip, one broadcast round, one timed wait)
  real_time     wall ns per operation over all threads: the window (first
                worker's start to last worker's end) / iterations
  cpu_time      the workers' CPU time per operation, the same figure as
                cpu_per_op_ns (contend-bench's cpu_time is that of its
                driving thread, which mostly waits: compare cpu_per_op_ns)
  threads       1: one driver runs the team; the team size is in the name
  ops_per_s     iterations per wall second
  p50_ns p90_ns p99_ns p999_ns max_ns
                latencies of sampled operations, nearest-rank over all
                workers' samples; time.perf_counter_ns before and after,
                less the timer correction (the fastest back-to-back timer
                pair, context timer_correction_ns) as contend-bench does.
                Chunked workloads time the first operation of chunks whose
                lengths are random around 64 (locks) or 32 (queues) or
                --sample=N, so sampling cannot lock step with a queue's
                capacity; ping-pong, broadcast and timed_wait time every
                operation (the timer is <1 % of them). --sample=0 reports 0.
  fairness      Jain's index over per-worker operation counts, each count
                divided by the mean of its role (producers, consumers), as
                contend-bench does; 1 = fair
  cpu_per_op_ns, ctx_switches_per_op
                the workers' CPU time (time.thread_time_ns) and voluntary +
                involuntary context switches (getrusage RUSAGE_THREAD) per op
  misplaced     pinned workers found off their CPU: right after binding
                (sched_getaffinity and /proc/thread-self/stat) or at the
                end of a trial
  tail_frac     share of the window in which not every worker was running:
                (last start - first start + last end - first end) / window
  lost_updates  counter family only: increments missing from the counter

A broken check (a queue item lost, duplicated or with a wrong checksum, a
lost counter update, a lock left held, a waiter woken the wrong number of
times, a timed wait that returned early or reported "set", a worker
exception, a trial that does not end within duration + 30 s, a worker
whose binding failed) marks that run error_occurred with an error_message,
like Google Benchmark's SkipWithError, and no aggregates are computed from
it; the program then exits 1.

Mutex critical section and outside work
---------------------------------------
cs_ns:C is busy work inside the lock: `for _ in range(k): pass` with k
calibrated at start-up so the loop takes about C ns. The loop's cost model
a + b*k ns is in the context (busy_loop, work_loop_ns_per_iter); its fixed
part a (~15 ns) is the shortest section Python can do, so cs_ns:50 is
approximate. With C > 0 each worker then does --outside-ns (default 100,
as contend-bench) of the same work outside the lock; cs_ns:0 is the bare
acquire/release pair, and threads:1 the uncontended case.

Placement
---------
The allowed CPUs are os.sched_getaffinity(0) (cgroups and taskset both
show there). compact and scatter place the workers where contend-bench
places its own: python-peers asks contend-bench --plan (hwloc's topology,
bench/placement) for the PU of every thread ($CONTEND_BENCH, else
build/bench/contend-bench; without it those policies fail with one line,
exit status 2). compact fills SMT siblings, then the cores of one L3 and
package; scatter spreads over packages, NUMA nodes, L3s and cores as
hwloc_distrib() does; cpus:LIST = explicit list. More threads than CPUs wrap around. none = no binding. At
start-up one scratch thread tries to bind: if the system refuses, workers
run unpinned, the context says binding refused and every pinned
benchmark's label says unpinned(REASON).

CPython specifics when reading the numbers
------------------------------------------
Only one thread runs Python code at a time (the GIL). A thread that does
not block keeps it for the switch interval (sys.getswitchinterval(),
5 ms by default; recorded as gil_switch_interval_s), so the workers of a
team take turns in slices of that length: a worker can start up to
(threads - 1) slices after the first, and tail_frac shows that (for
throughput it matters little, since one thread at a time runs anyway).
Use a longer --duration to shrink it. "try" mode spinners keep the GIL
while they spin, which is what CPython users of put_nowait/get_nowait get.

Exit status: 0 when every benchmark ran cleanly, 1 when one reported an
error or the --benchmark_out file could not be written at the end (disk
full: one line, no partial file), 2 for bad usage (one line on stderr
naming the flag and its value; nothing runs and no output file is
written), 130 when interrupted (nothing written).

Test hook: CONTEND_PEERS_INJECT=queue-drop makes queue consumers miscount
one item's checksum, so the unit test can prove the check fires.
"""
