# nembed's fuzzer by hand (issue 14): random cases from tests/testthat/helper-fuzz.R, run in child
# R processes against the installed nembed, with the counts by outcome.
#
# Usage:   Rscript tools/fuzz.R [n_cases] [first_id]
#          (default 2000 cases from a random first id; the ids are printed, so any case can be
#          replayed: source the helper and call fuzz_case(id)$label / fuzz_run_one(id))
# Env:     R_LIBS selects the library holding nembed.
# Writes:  fuzz-<first>-<n>.csv (id, outcome, label) in the working directory.
# Outcomes: ok, nembed_error (both fine); other_error (an unclassed error), invalid_result (NaN/Inf
# or an invalid object returned), modified_input, crash, hang, setup_error (all defects).
args <- commandArgs(TRUE)
n <- if (length(args) >= 1) as.integer(args[1]) else 2000L
first <- if (length(args) >= 2) as.integer(args[2]) else sample.int(1e8, 1)
# The helper next to this script's repository, wherever it is run from.
script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
root <- if (length(script)) file.path(dirname(normalizePath(script)), "..") else "."
helper <- normalizePath(file.path(root, "tests", "testthat", "helper-fuzz.R"))
suppressPackageStartupMessages(library(nembed))
source(helper)
ids <- seq(first, length.out = n)
t0 <- proc.time()[["elapsed"]]
# Batches of 250 so that progress shows and a crash costs little.
res <- do.call(rbind, lapply(split(ids, ceiling(seq_along(ids) / 250)), function(b) {
  r <- fuzz_run(b, helper = helper, timeout = 1800)
  cat(sprintf("ids %d-%d: %s\n", min(b), max(b),
              paste(names(table(r$outcome)), table(r$outcome), collapse = ", ")))
  r
}))
out <- sprintf("fuzz-%d-%d.csv", first, n)
utils::write.csv(res, out, row.names = FALSE)
cat(sprintf("\n%d cases (ids %d-%d) in %.0f s; written to %s\n", n, first, first + n - 1,
            proc.time()[["elapsed"]] - t0, out))
print(table(outcome = res$outcome))
bad <- res[!res$outcome %in% c("ok", "nembed_error"), ]
if (nrow(bad)) {
  cat("\nDefects:\n")
  print(utils::head(bad, 50), row.names = FALSE)
}
quit(status = if (nrow(bad)) 1 else 0)
