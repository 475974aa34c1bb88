# latency.gp — latency percentiles vs threads, log y.
#
# The grid of throughput.gp (rows x placements); in each panel one colour
# per implementation and one dash pattern per percentile: p50 solid, p99
# dashed, p99.9 dotted; producer/consumer shapes differ by point type. Variables as throughput.gp, except col/collo/colhi/
# errbars/yscale/logy; pcols and plabels name the percentile columns and
# their key labels; ymins/ymaxs are in ns.
load plotdir.'/common.gp'

np = words(places)
nr = words(rows)
ni = words(impls)
nc = words(pcols)
ns = words(shapes)
ptype(i, s) = ns > 1 ? 4 + 2 * s : (i % 13) + 1
set multiplot layout nr,np margins left,right,bottom,top spacing 0.05,0.09 \
    title figtitle font ',13'
set logscale x 2
set xrange [xmin:xmax]
eval sprintf('set xtics (%s)', xtics)
set logscale y
# Engineering notation: 1k, 10k, 1M (ns).
set format y '%.0s%c'
if (pus > 0) {
    set arrow 1 from pus, graph 0 to pus, graph 1 nohead ls 100
    set label 2 'PUs' at pus, graph 0.96 offset 0.5,0 left tc rgb '#666666' font ',8'
}

do for [r = 1:nr] {
    do for [p = 1:np] {
        set title paneltitle(word(rows, r), word(places, p))
        set yrange [word(ymins, r) + 0:word(ymaxs, r) + 0]
        if (p == 1) { set ylabel ylabel } else { unset ylabel }
        if (r == nr) { set xlabel 'threads' } else { unset xlabel }
        if (r == 1 && p == 1) {
            set key at screen keyx, screen top left top vertical Left reverse \
                samplen 3 spacing 1.1 box lc rgb '#cccccc'
        } else {
            unset key
        }
        R = word(rows, r); P = word(places, p)
        plot for [i = 1:ni] keyonly(x) with linespoints lc rgb word(colors, i) \
                lw word(widths, i) pt ptype(i, 1) title word(impls, i), \
             for [c = 1:nc] keyonly(x) with lines lc rgb '#555555' dt dash(c) lw 1.5 \
                title word(plabels, c), \
             for [s = 1:(ns > 1 ? ns : 0)] keyonly(x) with points lc rgb '#555555' \
                pt ptype(0, s) title word(shapelabels, s), \
             for [c = 1:nc] for [s = 1:ns] for [i = 1:ni] datafile \
                using 'threads':(select(R, word(shapes, s), P, word(impls, i), word(pcols, c))) \
                with linespoints lc rgb word(colors, i) dt dash(c) lw word(widths, i) \
                pt ptype(i, s) ps 0.7 notitle
    }
}
unset multiplot
