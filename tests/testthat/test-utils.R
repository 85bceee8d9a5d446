# core_call(): the one place where errors from the C++ core become nembed's classed errors.

test_that("core_call turns the core's tagged errors into classed nembed errors", {
  err <- tryCatch(nembed:::core_call(stop("nembed[size|k] `k` = 20 exceeds the 9 other points.")),
                  error = function(e) e)
  expect_s3_class(err, "nembed_error_size")
  expect_s3_class(err, "nembed_error")
  expect_identical(err$arg, "k")
  expect_identical(conditionMessage(err), "`k` = 20 exceeds the 9 other points.")
  # an empty argument slot: no argument to name
  err <- tryCatch(nembed:::core_call(stop("nembed[value|] no finite value")), error = function(e) e)
  expect_s3_class(err, "nembed_error_value")
  expect_null(err$arg)
})

test_that("core_call reports any other core error as internal, with its message", {
  err <- tryCatch(nembed:::core_call(stop("std::bad_alloc")), error = function(e) e)
  expect_s3_class(err, "nembed_error_internal")
  expect_identical(conditionMessage(err), "std::bad_alloc")
  # a classed error raised on the R side passes unchanged
  err <- tryCatch(nembed:::core_call(nembed:::nembed_abort("bad", "type", "X")),
                  error = function(e) e)
  expect_s3_class(err, "nembed_error_type")
  expect_identical(err$arg, "X")
})

test_that("core_call lets an interrupt through as an interrupt", {
  got <- tryCatch(nembed:::core_call(signalCondition(structure(class = c("interrupt", "condition"),
                                                              list(message = "", call = NULL)))),
                  interrupt = function(e) "interrupt", error = function(e) "error")
  expect_identical(got, "interrupt")
  expect_identical(nembed:::core_call(41 + 1), 42)
})
