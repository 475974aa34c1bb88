# compare_families.gp: per benchmark family, the geometric mean of the ratio
# of each run to the baseline (B/A, C/A ...), one panel per metric. Bars start
# at 1 (no change) on a logarithmic axis, so 2x and 0.5x look the same size.
#
# Driven by scripts/compare, which sets these variables and loads this file:
#   datafile    one block per compared run (index i-1 = run i); columns:
#               1 family index, 2 family name, 3.. the ratio per metric
#   outfile     the PNG to write; figtitle: the figure's title
#   nothers     number of compared runs; othertitle1 .. their legend entries
#   nfamilies   number of families (x positions 0 .. nfamilies-1)
#   familytics  their x tics, a gnuplot list such as "('mutex' 0, 'queue' 1)"
#   npanels     number of panels; for each panel k: panelcolk (data column),
#               paneltitlek, panelmink and panelmaxk (y range), panelticsk
#               (the y tics, a gnuplot list such as "(0.5, 1, 2)")
# Missing values are '?'.

reset
set terminal pngcairo size 1400,950 font ',10' noenhanced
set output outfile
set datafile missing '?'
set grid ytics
set logscale y
set format y '%g'
set ylabel 'ratio (log scale)'
set style fill solid 0.75 border -1
set xrange [-0.6 : nfamilies - 0.4]
eval 'set xtics rotate by -30 ' . familytics
bw = 0.8 / nothers
barx(i) = $1 - 0.4 + bw * (i - 0.5)        # centre of run i's bar in a family
beyond(r) = r >= 1 ? r * 1.06 : r / 1.06   # a label just past the bar's end

cols = (npanels > 1) ? 2 : 1
rows = (npanels + cols - 1) / cols
set multiplot layout rows, cols title figtitle font ',13' \
    margins 0.07, 0.98, 0.10, 0.86 spacing 0.08, 0.16

do for [k = 1:npanels] {
    col = value(sprintf('panelcol%d', k))
    set title value(sprintf('paneltitle%d', k))
    set yrange [value(sprintf('panelmin%d', k)) : value(sprintf('panelmax%d', k))]
    eval 'set ytics ' . value(sprintf('paneltics%d', k))
    if (k == 1) {
        set key at screen 0.5, 0.935 center top horizontal box opaque
    } else {
        unset key
    }
    # boxxyerror: x y xlow xhigh ylow yhigh, a bar from 1 to the ratio; the
    # ratio written just beyond the bar's end.
    plot for [i = 1:nothers] datafile index (i - 1) \
        using (barx(i)):(column(col)):(barx(i) - bw / 2):(barx(i) + bw / 2):(1):(column(col)) \
        with boxxyerror title value(sprintf('othertitle%d', i)), \
    for [i = 1:nothers] datafile index (i - 1) \
        using (barx(i)):(beyond(column(col))):(sprintf('%.3g', column(col))) \
        with labels center notitle, \
        1 with lines dt 2 lw 1.5 lc 'black' notitle
}
unset multiplot
set output
