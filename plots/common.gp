# common.gp — setup shared by every contend figure (loaded, never run alone).
#
# Expects (set with gnuplot -e by scripts/plot):
#   term      'png' or 'svg'          outfile   path of the figure
#   width, height   size in pixels    figtitle  title over all panels
if (term eq 'svg') {
    set terminal svg size width,height dynamic font 'Sans,12' background rgb 'white'
} else {
    set terminal pngcairo size width,height font 'Sans,10' background rgb 'white'
}
# Names contain '_' and ':' — never subscripts.
set termoption noenhanced
set output outfile
set datafile separator ','
set datafile columnheaders
set grid xtics ytics lc rgb '#dddddd' lw 1 dt 1
set border 3 lc rgb '#444444'
set tics nomirror out
set style line 100 lc rgb '#888888' dt 2 lw 1

# select(r, s, p, i, col): the value of column col on rows of panel row r
# (a workload parameter such as cap:16, or '-'), producer/consumer shape s
# ('-' if none), placement p and implementation i; NaN elsewhere (one CSV
# holds every series).
select(r, s, p, i, col) = (strcol('row') eq r && strcol('shape') eq s && \
    strcol('place') eq p && strcol('impl') eq i) ? column(col) : NaN
# Nothing but a key entry: a series with no points.
keyonly(x) = NaN
# Line style of the k-th shape or percentile: solid, dashed, dotted, dash-dot.
dash(k) = k == 1 ? 1 : k == 2 ? 2 : k == 3 ? 3 : 4
# Panel title: the row's parameter (if any) and the placement.
paneltitle(r, p) = (r eq '-' ? '' : r.' — ').'place: '.p
