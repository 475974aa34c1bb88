# c2c.gp — core-to-core round-trip heatmap with the value in each cell.
#
# Variables besides common.gp's: datafile (CSV columns ia, ib = row/column
# positions, a, b = PU OS indexes, ns = round trip), n (PUs on each axis),
# tics (gnuplot tic list "('0' 0, '1' 1)"), labels (1 = print values),
# vmax (largest value: light text on dark cells), cblabel (colour bar label).
load plotdir.'/common.gp'

unset grid
set border 15
set title figtitle font ',13'
set size ratio -1
set xrange [-0.5:n - 0.5]
set yrange [n - 0.5:-0.5]
eval 'set xtics '.tics
eval 'set ytics '.tics
set xtics scale 0
set ytics scale 0
set xlabel 'PU (OS index): second thread'
set ylabel 'PU (OS index): first thread'
set cblabel cblabel offset 1.5,0
set palette defined (0 '#fff5eb', 1 '#fdae6b', 2 '#e6550d', 3 '#7f2704')
set cbrange [0:*]
unset key
if (labels) {
    plot datafile using 'ia':'ib':(0.5):(0.5):'ns' with boxxyerror fs solid 1.0 noborder fc palette, \
         datafile using 'ia':'ib':(sprintf('%.0f', column('ns'))):(column('ns') > 0.6 * vmax ? 0xffffff : 0x000000) with labels font ',9' tc rgb variable
} else {
    plot datafile using 'ia':'ib':(0.5):(0.5):'ns' with boxxyerror fs solid 1.0 noborder fc palette
}
