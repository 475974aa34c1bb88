# compare.gp: one benchmark series on several runs or platforms, one line per
# run on the same axes, one panel per metric (throughput, p99 latency,
# fairness, CPU per operation) against the thread count.
#
# Driven by scripts/compare, which sets these variables and then loads this
# file (several figures may share one gnuplot process):
#   datafile    one block per run (gnuplot index i-1 = run i); columns:
#               1 x (threads, or threads/PUs in the normalized view), then
#               for each metric its mean, minimum and maximum over repetitions
#   outfile     the PNG to write
#   figtitle    the figure's title; xlabel: the x axis label
#   nruns       number of runs; runtitle1 .. runtitleN their legend entries
#   npanels     number of panels; for each panel k: panelcolk (the column of
#               the mean), paneltitlek, panellogk (1 = logarithmic y axis)
# Missing values are '?'. Error bars span the repetitions (min to max).

reset
set terminal pngcairo size 1400,950 font ',10' noenhanced
set output outfile
set datafile missing '?'
set grid xtics ytics
set logscale x 2
set xlabel xlabel
set pointsize 1.2
set offsets graph 0.04, graph 0.04, 0, 0   # keep end points off the frame

cols = (npanels > 1) ? 2 : 1
rows = (npanels + cols - 1) / cols
# Leave a strip under the title for the one legend, outside every panel.
set multiplot layout rows, cols title figtitle font ',13' \
    margins 0.07, 0.98, 0.07, 0.86 spacing 0.08, 0.12

do for [k = 1:npanels] {
    col = value(sprintf('panelcol%d', k))
    set title value(sprintf('paneltitle%d', k))
    if (value(sprintf('panellog%d', k))) {
        set logscale y
        set format y '%.0s%c'
    } else {
        unset logscale y
        set format y '%g'
    }
    if (k == 1) {
        set key at screen 0.5, 0.935 center top horizontal box opaque samplen 3 width 2
    } else {
        unset key
    }
    plot for [i = 1:nruns] datafile index (i - 1) \
        using 1:col:(column(col + 1)):(column(col + 2)) \
        with yerrorlines lw 2 pt (4 + 2 * i) ps 1.2 \
        title value(sprintf('runtitle%d', i))
}
unset multiplot
set output
