#!/bin/sh
# check.sh — model-check the ct_mutex, ct_cond, ct_ring, ct_event and
# ct_pool (worker park / submit) protocols with spin.
#
# Runs every check in the table below: generates the verifier with
# `spin -a` (plus the -D defines of the check), compiles pan.c, runs it and
# prints one line per check: model, threads, variant (the -D defines after
# NT), check, states stored, pan's search time in seconds, result. For ring,
# thr counts the threads that may park (producers + consumers; NP=
# producers, the rest consumers) and CLOSE=1 adds a closer thread; see
# ring.pml. For event, thr counts all threads: NS= setters (default 1),
# the rest waiters; see event.pml. A correct model must show no error
# and a complete search; a variant with a known bug (BUG_...) must be
# caught: the line then names the property violated, the trail length and
# who is left parked on what at the end of the trail.
#
# Checks
#   safety  pan -DSAFETY: assertions (mutual exclusion; ring: no item lost
#           or duplicated, FIFO, EPIPE only after drain; event: a released
#           waiter never parks again, no spurious true, a timed wait returns
#           false only if no set came; the init monitor's
#           "no lost wakeup" at deadlock) and invalid end states. Breadth
#           first for bug variants, so the trail is short (a check
#           listing DFS searches depth first: its breadth-first frontier
#           does not fit). pan is compiled with -DCOLLAPSE (state
#           compression) for every check.
#   live    pan -a -f: the LTL claim `terminates` (<> every thread done)
#           under weak fairness, with assertions and end states off (-A -E)
#           so that the claim alone must find the bug.
#
# Usage: check.sh [-v] [-k]
#   -v  replay the trail of every error found (spin -t -p)
#   -k  keep the work directory (its path is printed)
# Environment: SPIN (default: spin), CC (default: gcc).
# Exit status: 0 all as expected; 1 a correct model failed, a bug variant
# was not caught, or a tool failed; 2 bad usage; 77 spin or the C compiler
# is missing (meson reports the test as skipped).

usage() {
	echo "usage: check.sh [-v] [-k]" >&2
	exit 2
}

verbose=0
keep=0
while getopts vk opt; do
	case $opt in
	v) verbose=1 ;;
	k) keep=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage

SPIN=${SPIN:-spin}
CC=${CC:-gcc}
if ! command -v "$SPIN" >/dev/null 2>&1; then
	echo "check.sh: spin not found (install the spin package); skipping"
	exit 77
fi
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "check.sh: C compiler '$CC' not found; skipping"
	exit 77
fi

here=$(cd "$(dirname "$0")" && pwd) || exit 1
work=$(mktemp -d "${TMPDIR:-/tmp}/contend-models.XXXXXX") || exit 1
if [ "$keep" -eq 1 ]; then
	echo "work directory: $work"
else
	trap 'rm -rf "$work"' EXIT
	trap 'exit 1' HUP INT TERM
fi

# Each pan run is bounded: at most LIMIT seconds, MEMLIM MiB, DEPTH steps.
LIMIT=180
MEMLIM=512
DEPTH=20000
if command -v timeout >/dev/null 2>&1; then
	run_limited() { timeout "$LIMIT" "$@"; }
else
	run_limited() { "$@"; }
fi

failures=0
n=0
start=$(date +%s)

printf '%-6s %-3s %-32s %-7s %9s %7s  %s\n' model thr variant check states pan_s result

# run_check MODEL THREADS CHECK EXPECT [DEFINE...]
run_check() {
	model=$1 threads=$2 check=$3 expect=$4
	shift 4
	n=$((n + 1))
	dir=$work/$n-$model-$threads-$check
	mkdir "$dir" && cp "$here"/*.pml "$dir"/ || exit 1
	defs="-DNT=$threads"
	variant=
	dfs=0
	for d in "$@"; do
		# DFS: search a bug variant depth first (its breadth-first
		# frontier does not fit in MEMLIM; the trail is then longer)
		if [ "$d" = DFS ]; then
			dfs=1
			variant="${variant:+$variant,}DFS"
			continue
		fi
		defs="$defs -D$d"
		variant="${variant:+$variant,}$d"
	done
	[ -n "$variant" ] || variant=-
	# Bug variants run without spurious wakeups: the bug needs none, and
	# the trail then shows the bug alone, not a detour through an EINTR.
	[ "$expect" = fail ] && defs="$defs -DSPURIOUS=0"
	case $check in
	safety)
		ccflags="-DSAFETY -DNOCLAIM -DCOLLAPSE"
		[ "$expect" = fail ] && [ "$dfs" -eq 0 ] && ccflags="$ccflags -DBFS"
		panflags="-n"
		;;
	live)
		ccflags="-DNFAIR=4 -DCOLLAPSE"
		panflags="-n -a -f -A -E"
		;;
	esac

	result=
	# shellcheck disable=SC2086 # defs and flags are word lists
	if ! (cd "$dir" && "$SPIN" $defs -a "$model.pml") >"$dir/spin.out" 2>&1; then
		result="TOOL FAILURE: spin -a (see $dir/spin.out)"
	elif ! (cd "$dir" && "$CC" -O0 -w -DMEMLIM=$MEMLIM $ccflags -o pan pan.c) \
		>"$dir/cc.out" 2>&1; then
		result="TOOL FAILURE: $CC pan.c (see $dir/cc.out)"
	else
		(cd "$dir" && run_limited ./pan -m$DEPTH -w22 $panflags) >"$dir/pan.out" 2>&1
		rc=$?
		[ $rc -eq 124 ] && result="TOOL FAILURE: pan ran past ${LIMIT}s"
	fi

	states=$(sed -n 's/^ *\([0-9][0-9e+.]*\) states, stored.*/\1/p' "$dir/pan.out" 2>/dev/null)
	errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$dir/pan.out" 2>/dev/null)
	secs=$(sed -n 's/^pan: elapsed time \([0-9.e+-]*\) seconds.*/\1/p' "$dir/pan.out" 2>/dev/null)
	[ -n "$states" ] || states='?'
	[ -n "$secs" ] || secs='?'
	if [ -z "$result" ] && [ -z "$errors" ]; then
		result="TOOL FAILURE: no verdict from pan (see $dir/pan.out)"
	fi

	if [ -n "$result" ]; then
		failures=$((failures + 1))
	elif [ "$expect" = pass ]; then
		if [ "$errors" -ne 0 ]; then
			what=$(sed -n 's/^pan:1: //p' "$dir/pan.out" | head -n 1)
			result="FAIL: $what"
			failures=$((failures + 1))
		elif grep -q -e 'max search depth too small' -e 'Search not completed' \
			-e 'out of memory' "$dir/pan.out"; then
			result="FAIL: search incomplete (depth or memory bound)"
			failures=$((failures + 1))
		else
			result="ok, no errors"
		fi
	else
		if [ "$errors" -eq 0 ]; then
			result="FAIL: bug not found"
			failures=$((failures + 1))
		else
			what=$(sed -n 's/^pan:1: \(.*\) (at depth.*/\1/p' "$dir/pan.out" | head -n 1)
			# shellcheck disable=SC2086
			(cd "$dir" && "$SPIN" $defs -t -p "$model.pml") >"$dir/trail.out" 2>&1
			steps=$(sed -n 's/^spin: trail ends after \([0-9]*\) steps.*/\1/p' "$dir/trail.out")
			# the globals spin prints at the end of the replay, with
			# parked[t] (futex.pml: 1 = &m->state, 2 = &c->seq,
			# 3 = &r->not_empty.seq, 4 = &r->not_full.seq,
			# 5 = &e->state) and the ring's ecwait[] spelled out
			at_end=$(grep -E '^[[:space:]]*(parked\[[0-9]\]|state|holders|waiters|mwaiters|mfenced|ecwait\[[01]\]|head|tail|closed|nsets|done|pending|sleepers|taken) = [0-9]+$' \
				"$dir/trail.out" | tr -d ' \t' | sed -E \
				-e '/^parked\[[0-9]\]=0$/d' \
				-e 's/^parked\[([0-9])\]=1$/thread \1 parked on m.state/' \
				-e 's/^parked\[([0-9])\]=2$/thread \1 parked on c.seq/' \
				-e 's/^parked\[([0-9])\]=3$/thread \1 parked on not_empty.seq/' \
				-e 's/^parked\[([0-9])\]=4$/thread \1 parked on not_full.seq/' \
				-e 's/^parked\[([0-9])\]=5$/thread \1 parked on e.state/' \
				-e 's/^parked\[([0-9])\]=6$/thread \1 parked on p.wake_seq/' \
				-e 's/^ecwait\[0\]=/not_empty.waiters=/' \
				-e 's/^ecwait\[1\]=/not_full.waiters=/' |
				tr '\n' ',' | sed -e 's/,$//' -e 's/,/, /g')
			case $what in
			*'(holders==1)'*) property="mutual exclusion" ;;
			*'(holders>0)'* | *'(done=='*) property="no lost wakeup" ;;
			*'got[t]'* | *'got[item]'*) property="no item lost or duplicated" ;;
			*'lastc['*) property="FIFO" ;;
			*'(head==tail)'*) property="EPIPE only after drain" ;;
			*'(nsets==st)'*) property="no lost wakeup (a released waiter parks again)" ;;
			*'(nsets!=st)'*) property="no spurious true" ;;
			*'(st==nsets)'* | *'(tst==st)'*) property="timed false only if no set released it" ;;
			*'acceptance cycle'*) property="terminates (LTL)" ;;
			*) property="$what" ;;
			esac
			result="bug found: $property violated ($what), trail ${steps:-?} steps; at end: $at_end"
			if [ "$verbose" -eq 1 ]; then
				sed 's/^/    | /' "$dir/trail.out"
			fi
		fi
	fi
	printf '%-6s %-3s %-32s %-7s %9s %7s  %s\n' "$model" "$threads" "$variant" "$check" \
		"$states" "$secs" "$result"
}

# model threads check expect [defines]
run_check mutex 2 safety pass
run_check mutex 2 live   pass
run_check mutex 3 safety pass
run_check mutex 3 live   pass
run_check mutex 2 safety fail BUG_NOWAKE
run_check mutex 3 safety fail BUG_NOWAKE
run_check mutex 2 live   fail BUG_NOWAKE
run_check mutex 2 safety fail BUG_NO_MEMBARRIER
run_check mutex 2 safety fail BUG_EARLY_WAITERS
run_check mutex 3 safety fail BUG_NO_RECHECK
run_check mutex 3 safety fail BUG_WOKEN_CAS
run_check mutex 3 live   fail BUG_WOKEN_CAS
run_check mutex 3 safety fail BUG_SWALLOW
run_check mutex 2 safety fail BUG_ACQ_ON_LOCKED
run_check mutex 2 safety pass HANDOVER
run_check mutex 2 live   pass HANDOVER
run_check mutex 3 safety pass HANDOVER
run_check mutex 2 safety fail HANDOVER BUG_GRANT_RELEASES
run_check mutex 2 safety fail HANDOVER BUG_RETRACT_BLIND
run_check mutex 2 live   fail HANDOVER BUG_RETRACT_BLIND
run_check mutex 2 safety pass DIRECT
run_check mutex 3 safety pass DIRECT
run_check mutex 3 live   pass DIRECT
run_check mutex 2 safety fail DIRECT BUG_DIRECT_WAIT_HELD
run_check mutex 2 safety fail DIRECT BUG_NOWAKE
run_check cond  2 safety pass
run_check cond  2 live   pass
run_check cond  3 safety pass
run_check cond  3 live   pass
run_check cond  3 safety fail BUG_BROADCAST_ONE
run_check cond  3 live   fail BUG_BROADCAST_ONE
run_check cond  2 safety fail BUG_SEQ_AFTER_UNLOCK
# ring: NT producers + consumers (NP producers, default 1), capacity CAP
# (default 1), 2 items in all unless IPP= (items per producer) says more;
# CLOSE=1: a closer thread; TIMED_GET/TIMED_PUT: the first consumer /
# producer uses the _for call. See ring.pml.
run_check ring  3 safety pass NP=2
run_check ring  3 live   pass NP=2
run_check ring  3 safety pass NP=2 CAP=2
run_check ring  3 safety pass NP=2 TIMED_PUT=1 TIMED_GET=1
run_check ring  3 safety pass
run_check ring  3 live   pass
run_check ring  3 safety pass CAP=2
run_check ring  3 safety pass TIMED_GET=1
run_check ring  4 safety pass NP=2 CAP=2 SPURIOUS=0
run_check ring  2 safety pass CLOSE=1
run_check ring  2 live   pass CLOSE=1
run_check ring  2 safety pass CLOSE=1 TIMED_PUT=1 TIMED_GET=1
run_check ring  3 safety pass CLOSE=1 IPP=1
run_check ring  3 safety pass NP=2 CLOSE=1 SPURIOUS=0
run_check ring  3 safety fail BUG_EARLY_WAITERS
run_check ring  3 live   fail BUG_EARLY_WAITERS
run_check ring  3 safety fail TIMED_GET=1 BUG_NO_RETRY
run_check ring  4 safety fail NP=2 CAP=2 BUG_NO_BATON DFS
run_check ring  3 safety fail BUG_NO_MEMBARRIER
run_check ring  3 live   fail BUG_NO_MEMBARRIER
run_check ring  3 safety fail BUG_SIG_NOCLEAR
run_check ring  3 live   fail BUG_SIG_NOCLEAR
run_check ring  3 safety fail CLOSE=1 IPP=1 BUG_CLOSE_NOWAKE
run_check ring  3 safety fail CLOSE=1 IPP=1 BUG_NO_DRAIN_WAKE
run_check ring  3 safety fail CLOSE=1 IPP=1 BUG_FLAG_LATE
# event: NS setters (default 1) doing ROUNDS (default 2) of set, clear,
# the last set staying; the other threads wait WAITS times (default 1);
# TIMED=1: the first waiter uses ct_event_wait_for. See event.pml.
run_check event 2 safety pass
run_check event 2 live   pass
run_check event 3 safety pass
run_check event 3 live   pass
run_check event 3 safety pass ROUNDS=3 WAITS=2
run_check event 3 safety pass NS=2 ROUNDS=3
run_check event 3 live   pass NS=2 TIMED=1
run_check event 4 safety pass TIMED=1
run_check event 2 safety fail BUG_NOWAKE
run_check event 2 live   fail BUG_NOWAKE
run_check event 3 safety fail BUG_SET_STORE
run_check event 3 safety fail BUG_NO_GEN
run_check event 2 safety fail BUG_NO_ANNOUNCE
run_check event 2 safety fail TIMED=1 BUG_NO_RECHECK
run_check event 2 safety fail ROUNDS=3 BUG_GEN_WRAP
# pool: NSUB submitters (default 1) submitting ITEMS tasks each (default
# 2), the other threads workers; submitter 0 waits until every task is
# taken, then shuts the pool down. See pool.pml.
run_check pool  3 safety pass
run_check pool  3 live   pass
run_check pool  4 safety pass NSUB=2 ITEMS=1
run_check pool  3 safety fail BUG_CHECK_FIRST
run_check pool  3 safety fail BUG_SEQ_LATE
run_check pool  3 safety fail BUG_SPIN_TRUST
run_check pool  3 safety fail BUG_SUB_EARLY
run_check pool  4 safety fail BUG_NO_PASS
run_check pool  3 safety fail BUG_STALE_TOKEN
run_check pool  3 safety fail BUG_RECHECK_INBOX

elapsed=$(($(date +%s) - start))
if [ "$failures" -ne 0 ]; then
	echo "check.sh: $failures of $n checks failed (${elapsed}s)"
	exit 1
fi
echo "check.sh: all $n checks as expected (${elapsed}s)"
exit 0
