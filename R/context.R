# The run context: threads, seed, verbosity and the start time of one embed_* call, resolved once
# (default_threads(), resolve_seed(), check_flag()) and handed down to every stage, so that no
# stage resolves them again (a stage that did would take all cores where the user asked for one).
# The seed is a whole number in [0, 2^31 - 1] (resolve_seed()): R's set.seed() and every seed the
# C++ core takes (32-bit for HNSW) accept it as it is, so no stage needs to reduce it.

nembed_context <- function(n_threads = NULL, seed = NULL, verbose = FALSE) {
  n_threads <- default_threads(n_threads)
  seed <- resolve_seed(seed)
  structure(list(n_threads = n_threads, seed = seed, verbose = check_flag(verbose, "verbose"),
                 t_start = proc.time()[["elapsed"]], clock = new.env(parent = emptyenv())),
            class = "nembed_context")
}

# Runs `expr` as the stage `name` of the run and adds its elapsed seconds to the context's clock
# (the timings of the record, see record_timings()).
stage <- function(ctx, name, expr) {
  t0 <- proc.time()[["elapsed"]]
  on.exit(assign(name, (ctx$clock[[name]] %||% 0) + proc.time()[["elapsed"]] - t0,
                 envir = ctx$clock))
  expr
}

# stage() for work done inside an enclosing stage `outer` that belongs to stage `name`: booked to
# `name` and taken out of `outer` (whose own stage() adds the whole enclosing time when it ends).
stage_within <- function(ctx, name, outer, expr) {
  t0 <- proc.time()[["elapsed"]]
  on.exit(assign(outer, (ctx$clock[[outer]] %||% 0) - (proc.time()[["elapsed"]] - t0),
                 envir = ctx$clock))
  stage(ctx, name, expr)
}

# The stages every record's `timings` names, in this order; a stage a run did not have is NA.
timing_stages <- c("pca", "knn", "affinities", "init", "optimisation", "total")

record_timings <- function(ctx) fixed_timings(as.list(ctx$clock), ctx$t_start)

# `stages` (a named list of seconds) under the fixed names, with the total since `t_start`.
fixed_timings <- function(stages, t_start) {
  t <- stats::setNames(as.list(rep(NA_real_, length(timing_stages))), timing_stages)
  for (nm in intersect(names(stages), timing_stages)) t[[nm]] <- stages[[nm]]
  t$total <- proc.time()[["elapsed"]] - t_start
  t
}
