# counter.gp — the lost-update race: throughput of the counter under each
# protection (left) next to the share of increments the unsynchronized
# counter lost (right). One row per placement policy.
#
# Variables as throughput.gp (col/yscale/ylabel/ymin/ymax/logy/yformat for the left
# column, the data's row column is '-')
# plus: lossimpls, losscolors (word lists of series with lost
# updates), lmax (right y range, percent).
load plotdir.'/common.gp'

np = words(places)
ni = words(impls)
nl = words(lossimpls)
set multiplot layout np,2 margins left,right,bottom,top spacing 0.08,0.09 \
    title figtitle font ',13'
set logscale x 2
set xrange [xmin:xmax]
eval sprintf('set xtics (%s)', xtics)
if (pus > 0) {
    set arrow 1 from pus, graph 0 to pus, graph 1 nohead ls 100
    set label 2 'PUs' at pus, graph 0.96 offset 0.5,0 left tc rgb '#666666' font ',8'
}

do for [p = 1:np] {
    if (p == np) { set xlabel 'threads' } else { unset xlabel }
    set title 'increments per second — place: '.word(places, p)
    set ylabel ylabel
    set yrange [ymin:ymax]
    if (logy) { set logscale y } else { unset logscale y }
    set format y yformat
    if (p == 1) {
        set key at screen keyx, screen top left top vertical Left reverse \
                samplen 3 spacing 1.1 box lc rgb '#cccccc'
    } else {
        unset key
    }
    plot for [i = 1:ni] keyonly(x) with linespoints lc rgb word(colors, i) \
            lw word(widths, i) pt (i % 13) + 1 title word(impls, i), \
         for [i = 1:ni] datafile using 'threads':(select('-', '-', word(places, p), word(impls, i), col) / yscale) \
            with linespoints lc rgb word(colors, i) lw word(widths, i) pt (i % 13) + 1 notitle
    unset key
    set title 'lost updates — place: '.word(places, p)
    set ylabel 'increments lost (%)'
    set format y '%g'
    unset logscale y
    set yrange [0:lmax]
    if (nl > 0) {
        plot for [i = 1:nl] datafile using 'threads':(select('-', '-', word(places, p), word(lossimpls, i), 'lost_pct')) \
            with linespoints lc rgb word(losscolors, i) lw 2 pt 7 notitle
    } else {
        set label 1 'no lost-update counter in this run' at graph 0.5, graph 0.5 center
        plot keyonly(x) notitle
        unset label 1
    }
}
unset multiplot
