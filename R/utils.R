# Helpers every layer of the R code shares (argument checks live in checks.R).

`%||%` <- function(a, b) if (is.null(a)) b else a

# Evaluates expr with R's RNG seeded, restoring the user's RNG state afterwards.
with_seed <- function(seed, expr) {
  old <- if (exists(".Random.seed", envir = globalenv(), inherits = FALSE))
    get(".Random.seed", envir = globalenv()) else NULL
  on.exit({
    if (is.null(old)) {
      if (exists(".Random.seed", envir = globalenv(), inherits = FALSE))
        rm(".Random.seed", envir = globalenv())
    } else assign(".Random.seed", old, envir = globalenv())
  })
  set.seed(seed)
  expr
}

# For the default methods of generics that take `...` only so that methods (SingleCellExperiment)
# can have their own arguments: a misspelled or misplaced argument must not vanish silently.
reject_dots <- function(fun, ...) {
  if (...length()) {
    nms <- names(as.list(substitute(list(...)))[-1L])  # without evaluating the arguments
    nms <- if (is.null(nms)) rep("", ...length()) else nms
    nms[!nzchar(nms)] <- "(unnamed)"
    # The names in backticks, and the first one as the condition's `arg`, like every other check.
    nembed_abort(sprintf("Unknown argument(s) to %s(): %s.%s", fun,
                         paste(sprintf("`%s`", nms), collapse = ", "),
                         if (any(nms %in% c("dimred", "n_dimred", "assay.type", "exprs_values",
                                            "ntop", "subset_row", "n_pca", "name")))
                           " Those are for a SingleCellExperiment `X` (see ?nembed_sce)." else ""),
                 "type", nms[1])
  }
  invisible(TRUE)
}

# Runs one call into the C++ core (`core_call(tsne_cpp(...))`) and gives its errors nembed's
# classes, so that this is the one place where core exceptions reach users:
# * a message `nembed[kind|arg] text` (how the core reports bad input) becomes
#   nembed_abort(text, kind, arg);
# * any other error becomes `nembed_error_internal` with the original message (a bug to report);
# * an interrupt (Ctrl-C, answered by Control::check() between batches) stays an interrupt: it is
#   a condition of class "interrupt", not an error, so the handler below never sees it.
core_call <- function(expr) {
  tryCatch(expr, error = function(e) {
    if (inherits(e, "nembed_error")) stop(e)
    msg <- conditionMessage(e)
    parts <- regmatches(msg, regexec("^nembed\\[(\\w+)\\|(\\w*)\\] (.*)$", msg, perl = TRUE))[[1]]
    if (length(parts) == 4L) {
      nembed_abort(parts[4], parts[2], if (nzchar(parts[3])) parts[3])
    }
    nembed_abort(msg, "internal")
  })
}

# The `n_threads` among a method's `...` (NULL when absent), for a step the method runs itself
# before it hands `...` on (the PCA of a single-cell assay), so that step honours it too.
dots_n_threads <- function(...) {
  if ("n_threads" %in% ...names()) ...elt(match("n_threads", ...names())) else NULL
}

# The value of an argument renamed for the family contract (see CONTRIBUTING.md), with a classed
# deprecation warning: users' scripts keep working and learn the new name.
renamed_arg <- function(value, old, new, fun) {
  nembed_warn(sprintf("`%s` of %s() is deprecated; use `%s` instead.", old, fun, new), "deprecated")
  value
}
