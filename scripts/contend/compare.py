"""compare: contend runs or platforms side by side, with statistics.

usage: scripts/compare A B [C ...] [--view threads|normalized] [--markdown | --csv]
                           [--out DIR [--figures N|all]] [--filter REGEX] [--alpha P]
                           [--top N]
       scripts/compare --headline A B [C ...] [--markdown | --csv]

A, B, ... are run folders (results/<platform>/<run-id>/) or platform folders
(results/<platform>/, whose newest run is used). A is the baseline: every
other run X is compared with it as the ratio X/A, for each benchmark present
in both and each metric (ops_per_s, p99_ns, fairness, cpu_per_op_ns).

Statistics. The ratio is of the means over repetitions. With at least three
repetitions on both sides the difference is tested with a two-sided
Mann-Whitney U test (scipy.stats.mannwhitneyu, as Google Benchmark's own
compare.py does) and the ratio gets a 95 % bootstrap confidence interval;
with fewer the row says "not enough repetitions".

Views. `threads` (default) matches benchmarks by exact name. `normalized`
matches thread counts relative to each platform's PUs: 1, PUs/2, PUs and
2xPUs threads (PUs from meta.json, the allowed PUs where it records them,
else Google Benchmark's num_cpus);
workloads whose team size is part of the workload (pingpong, PxC queues) and
c2c are still matched by name.

Physical floor. Each platform's core-to-core round trip (the median over the
PU pairs of its c2c benchmarks) is its floor: the "floor" column is the ratio
after dividing each platform's p99 latencies (multiplying its throughputs) by
its own floor, for benchmarks with two or more threads, so a slow
interconnect and a slow primitive can be told apart.

Headline. --headline puts each run's headline side by side instead (the
one report.md opens with: contend ÷ its hardest peer per family at 1, PUs
and 4xPUs threads, with p99 and cpu/op ÷ the same peer), with the band of
each cell over the runs and in how many runs it meets the bar: ops/s at
least 1x the peer's, p99 at most 1x, cpu/op at most 1.2x. Runs of one
machine one after the other show how far a cell moves between runs, so
whether one run decides it. Runs whose contend build options or Google
Benchmark versions differ are named in a warning, as in the comparison
(in the table; on stderr beside --csv).

Output: a table for the terminal (100 columns; each benchmark's name above
its metrics, benchmarks sorted by their biggest change), or --markdown, or
--csv, on stdout; --out DIR also writes
DIR/compare.md with overlay figures (one line per platform, same axes),
DIR/compare.csv, DIR/families.csv, DIR/figures/*.png and DIR/data/*.dat.

Exit status: 0 done, 2 bad usage or bad input, or an --out folder that
cannot be written (one line on stderr, nothing written), 1 a figure could
not be drawn (everything else is written), or the disk filled up while
writing --out (one line; DIR is left as it was).
"""

import argparse
import re
import sys
from pathlib import Path

from . import compare_headline as ch, io as cio
from .compare_load import (DEFAULT_ALPHA, DEFAULT_FIGURES, METRICS, InputError, PROG, load_run,
                           run_warnings)
from .compare_out import write_out_dir
from .compare_render import render_csv, render_markdown, render_terminal
from .compare_stats import Comparison


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise InputError(f'{message} (see --help)')


def parse_args(argv):
    p = Parser(prog='scripts/compare', description=__doc__.split('\n\n')[0],
               formatter_class=argparse.RawDescriptionHelpFormatter,
               epilog='\n\n'.join(__doc__.split('\n\n')[2:]))
    p.add_argument('runs', nargs='*', metavar='RUN',
                   help='run or platform folders; the first is the baseline')
    p.add_argument('--view', choices=('threads', 'normalized'), default='threads',
                   help='match by exact thread count (default) or relative to each platform\'s PUs')
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument('--markdown', action='store_true', help='markdown on stdout')
    fmt.add_argument('--csv', action='store_true',
                     help='CSV on stdout, one row per benchmark, metric and run')
    p.add_argument('--out', metavar='DIR',
                   help='also write compare.md, CSV and overlay figures to DIR')
    p.add_argument('--filter', metavar='REGEX', help='only benchmarks whose name matches')
    p.add_argument('--alpha', type=float, default=DEFAULT_ALPHA,
                   help=f'significance level (default {DEFAULT_ALPHA})')
    p.add_argument('--headline', action='store_true',
                   help='each run\'s headline side by side, with the band and the bar met')
    p.add_argument('--top', type=int, metavar='N',
                   help='terminal table: only the N benchmarks that changed most')
    p.add_argument('--figures', metavar='N', default=str(DEFAULT_FIGURES),
                   help=f'--out: overlay figures for the N series that changed most, or "all" '
                        f'(default {DEFAULT_FIGURES})')
    args = p.parse_args(argv)
    if len(args.runs) < 2:
        raise InputError(f'need at least two runs to compare, got {len(args.runs)} (see --help)')
    if not 0 < args.alpha < 1:
        raise InputError(f'--alpha {args.alpha}: must be between 0 and 1')
    if args.figures == 'all':
        args.figures = None
    elif re.fullmatch(r'\d+', args.figures):
        args.figures = int(args.figures)
    else:
        raise InputError(f'--figures {args.figures}: a number or "all"')
    if args.headline and (args.out or args.top is not None or args.filter is not None
                          or args.view != 'threads'):
        raise InputError('--headline takes runs and --markdown or --csv only')
    if args.top is not None and args.top < 1:
        raise InputError(f'--top {args.top}: must be at least 1')
    if args.filter is not None:
        try:
            args.pattern = re.compile(args.filter)
        except re.error as e:
            raise InputError(f'--filter {args.filter!r}: bad regular expression ({e})')
    else:
        args.pattern = None
    return args


def print_warnings(warnings):
    """Beside --csv (whose stdout is the table alone), warnings go to stderr."""
    for w in warnings:
        print(f'{PROG}: warning: {w}', file=sys.stderr)


def main(argv):
    cio.safe_stdio()
    args = None
    try:
        args = parse_args(argv)
        runs = [load_run(arg, chr(ord('A') + i) if i < 26 else f'R{i}', args.headline)
                for i, arg in enumerate(args.runs)]
        if args.headline:
            render = (ch.render_csv if args.csv else ch.render_markdown if args.markdown
                      else ch.render_terminal)
            sys.stdout.write(render(runs))
            if args.csv:
                print_warnings(run_warnings(runs))
            return 0
        if args.view == 'normalized':
            for run in runs:
                if not run.pus:
                    raise InputError(f'{run.path}: PU count unknown (no meta.json PUs, no '
                                     'num_cpus): use --view threads')
        cmp = Comparison(runs, args.view, args.alpha, args.pattern)
        if not cmp.rows:
            raise InputError('benchmarks in common, but no metric in common '
                             f'({", ".join(m.key for m in METRICS)})')
        failures = write_out_dir(cmp, args.out, args.figures) if args.out else []
    except InputError as e:
        print(f'{PROG}: {e}', file=sys.stderr)
        return 2
    except OSError as e:
        print(f'{PROG}: {cio.os_error_text(e, args.out if args else "")}', file=sys.stderr)
        return cio.os_error_status(e)
    if args.csv:
        sys.stdout.write(render_csv(cmp))
        print_warnings(cmp.warnings())
    elif args.markdown:
        sys.stdout.write(render_markdown(cmp))
    else:
        sys.stdout.write(render_terminal(cmp, args.top))
    if args.out:
        print(f'{PROG}: wrote {Path(args.out) / "compare.md"}', file=sys.stderr)
    for f in failures:
        print(f'{PROG}: figure failed: {f}', file=sys.stderr)
    return 1 if failures else 0


def cli(argv):
    cio.run_main(main, argv)


if __name__ == '__main__':
    cli(sys.argv[1:])
