# cpu.gp — CPU time burnt per completed operation vs threads, log y.
# Spinning shows here: a waiter that spins costs CPU without progress.
# The drawing is throughput.gp's; this sets the column and label (the
# caller passes ymins/ymaxs from the data).
col = 'cpu_per_op_ns'; collo = col; colhi = col
errbars = 0; logy = 1; yscale = 1
ylabel = 'CPU time per operation (ns, log scale)'
yformat = '%.0s%c'
load plotdir.'/throughput.gp'
