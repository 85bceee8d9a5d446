library(testthat)
library(nembed)

test_check("nembed")
