# The C++ core (inst/include/nembed/) must build and run without R: tools/core-check compiles every
# core header into a plain C++17 program with no R header on the include path and runs a tiny
# t-SNE, a UMAP graph, symmetrisation, components and a Laplacian spectrum against brute-force or
# closed-form references.
test_that("the core headers compile and run without R", {
  skip_if(Sys.which("g++") == "" || Sys.which("bash") == "", "g++ or bash not available")
  # tools/ is in .Rbuildignore: a built package (CRAN, R CMD check) has no script and skips here,
  # a source checkout runs it.
  script <- test_path("..", "..", "tools", "core-check", "core-check.sh")
  skip_if_not(file.exists(script), "tools/core-check is only in a source checkout")
  out <- suppressWarnings(system2("bash", script, stdout = TRUE, stderr = TRUE))
  status <- attr(out, "status") %||% 0L
  expect_identical(status, 0L, info = paste(out, collapse = "\n"))
  expect_true(any(grepl("^passed: 0 check", out)), info = paste(out, collapse = "\n"))
})
