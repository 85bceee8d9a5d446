# Runs tests/testthat against the installed nembed and prints "N passed, N failed, N skipped".
suppressPackageStartupMessages({ library(testthat); library(nembed) })
filter <- Sys.getenv("NEMBED_TEST_FILTER", "")
res <- testthat::test_dir("tests/testthat", package = "nembed", load_package = "installed",
                          reporter = testthat::ProgressReporter$new(show_praise = FALSE),
                          stop_on_failure = FALSE, filter = if (nzchar(filter)) filter else NULL)
df <- as.data.frame(res)
failed <- sum(df$failed) + sum(df$error)
skipped <- sum(df$skipped)
passed <- sum(df$nb) - sum(df$failed) - sum(df$skipped) - sum(df$warning)
cat(sprintf("\n%d passed, %d failed%s\n", as.integer(passed), as.integer(failed),
            if (skipped > 0) sprintf(", %d skipped", as.integer(skipped)) else ""))
quit(status = if (failed > 0) 1 else 0)
