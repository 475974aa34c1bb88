# throughput.gp — a metric (throughput by default) vs threads.
#
# A grid of panels: one column per placement policy, one row per value of
# the figure's row parameter (e.g. cap:1, cap:16, cap:1024; '-' = none);
# one colour per implementation and, for producer/consumer workloads, one
# dash pattern and point type per shape (PxP, 1xC, Px1); log2 x axis; error
# bars (95 % confidence interval over repetitions) when errbars = 1.
# Variables (gnuplot -e), besides those of common.gp:
#   plotdir   folder of these programs
#   datafile  CSV with columns row, place, impl, threads and the metrics
#   rows, shapes, shapelabels, places, impls, colors, widths   word lists
#   col, collo, colhi   metric column and its interval columns
#   yscale    divide values by this;  ylabel  y axis label (with unit)
#   logy      1 = log y axis;  ymins, ymaxs  y range of each row (scaled)
#   xmin, xmax, xtics   x range and tic list ('1,2,4');  pus  PUs (0 = no mark)
#   errbars   1 = draw intervals
#   left, right, bottom, top   panel area (screen fractions); the key goes
#             right of it, its top left corner at (keyx, top)
#   yformat   optional y tic format (default '%g')
load plotdir.'/common.gp'

np = words(places)
nr = words(rows)
ni = words(impls)
ns = words(shapes)
# Point type: per implementation, or per shape when there are shapes.
ptype(i, s) = ns > 1 ? 4 + 2 * s : (i % 13) + 1
set multiplot layout nr,np margins left,right,bottom,top spacing 0.05,0.09 \
    title figtitle font ',13'
set logscale x 2
set xrange [xmin:xmax]
eval sprintf('set xtics (%s)', xtics)
if (logy) { set logscale y } else { unset logscale y }
if (!exists('yformat')) { yformat = '%g' }
set format y yformat
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
        if (errbars) {
            plot for [i = 1:ni] keyonly(x) with linespoints lc rgb word(colors, i) \
                    lw word(widths, i) pt ptype(i, 1) title word(impls, i), \
                 for [s = 1:(ns > 1 ? ns : 0)] keyonly(x) with linespoints lc rgb '#555555' \
                    dt dash(s) pt ptype(0, s) title word(shapelabels, s), \
                 for [s = 1:ns] for [i = 1:ni] datafile \
                    using 'threads':(select(R, word(shapes, s), P, word(impls, i), col) / yscale):\
                    (select(R, word(shapes, s), P, word(impls, i), collo) / yscale):\
                    (select(R, word(shapes, s), P, word(impls, i), colhi) / yscale) \
                    with yerrorlines lc rgb word(colors, i) lw word(widths, i) dt dash(s) \
                    pt ptype(i, s) notitle
        } else {
            plot for [i = 1:ni] keyonly(x) with linespoints lc rgb word(colors, i) \
                    lw word(widths, i) pt ptype(i, 1) title word(impls, i), \
                 for [s = 1:(ns > 1 ? ns : 0)] keyonly(x) with linespoints lc rgb '#555555' \
                    dt dash(s) pt ptype(0, s) title word(shapelabels, s), \
                 for [s = 1:ns] for [i = 1:ni] datafile \
                    using 'threads':(select(R, word(shapes, s), P, word(impls, i), col) / yscale) \
                    with linespoints lc rgb word(colors, i) lw word(widths, i) dt dash(s) \
                    pt ptype(i, s) notitle
        }
    }
}
unset multiplot
