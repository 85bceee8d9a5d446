# From bench/results/fft-lengths.csv (bench/fft-lengths.cpp): the transform lengths that are cheaper
# than every longer one (kFastLengths in inst/include/nembed/tsne_fft.hpp), and for each grid
# fit_grid() lays (50 to 700 boxes of 3 nodes, m = 3 boxes), the estimated FFT time of one t-SNE
# iteration (3 charges: 3 forward and 3 inverse transforms of m rows and L/2 + 1 columns) at the
# shortest length 2m and at the padded length fft_padded_length(2m).
#   Rscript bench/fft-lengths.R
d <- utils::read.csv("bench/results/fft-lengths.csv")
row_us <- (d$row_fwd_us + d$row_inv_us) / (d$L / 2)  # per row
col_us <- d$col_fwd_us + d$col_inv_us                # all L/2 + 1 columns
cost_ms <- function(L, m) { r <- match(L, d$L); 3 * (row_us[r] * m + col_us[r]) / 1e3 }
full <- cost_ms(d$L, d$L / 2)
fast <- d$L[vapply(seq_len(nrow(d)), function(i) all(full[i] < full[d$L > d$L[i]]), logical(1))]
cat("kFastLengths:", fast, "\n")
smooth <- function(n) { for (p in c(2, 3, 5, 7)) while (n %% p == 0) n <- n / p; n == 1 }
boxes <- Filter(smooth, 50:700)
tab <- do.call(rbind, lapply(boxes, function(nb) {
  m <- 3 * nb
  L <- min(fast[fast >= 2 * m])
  data.frame(boxes = nb, L_min = 2 * m, ms_at_L_min = round(cost_ms(2 * m, m), 2), L_padded = L,
             ms_padded = round(cost_ms(L, m), 2))
}))
tab$speedup <- round(tab$ms_at_L_min / tab$ms_padded, 2)
print(tab, row.names = FALSE)
cat(sprintf("mean speed-up of the FFT phase over these grids: %.3f (median %.3f)\n",
            mean(tab$speedup), stats::median(tab$speedup)))
