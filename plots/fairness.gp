# fairness.gp — Jain's fairness index of per-thread operation counts vs
# threads (1 = every thread got an equal share, 1/threads = one got all).
# The drawing is throughput.gp's; this sets the column and label (the
# caller passes ymins/ymaxs, 0 and 1.05 for every row).
col = 'fairness'; collo = col; colhi = col
errbars = 0; logy = 0; yscale = 1
ylabel = 'fairness (Jain index, 1 = equal shares)'
load plotdir.'/throughput.gp'
