# Ctrl-C during a long computation (issue 8): a child R process runs a long multi-threaded call, we
# send it SIGINT once it is inside the loop, and it must hand control back within 2 s with an
# interrupt condition, with no worker thread left busy.

# Runs in the child. Prepares its input (the warm-up also starts TBB's thread pool, so the thread
# count before the call already includes the pool), writes `flag` just before the long call, and
# returns how the call ended, when, and the process's threads and CPU time afterwards.
interrupt_child <- function(what, flag, n_threads) {
  suppressPackageStartupMessages(library(nembed))
  threads <- function() {
    st <- readLines("/proc/self/status")
    as.integer(sub("^Threads:\\s*", "", grep("^Threads:", st, value = TRUE)))
  }
  # CPU seconds used by the threads other than the main one (the workers), from /proc.
  worker_cpu <- function() {
    tasks <- setdiff(list.files("/proc/self/task"), as.character(Sys.getpid()))
    sum(vapply(tasks, function(t) {
      st <- tryCatch(readLines(file.path("/proc/self/task", t, "stat")), error = function(e) "")
      f <- strsplit(sub("^.*\\) ", "", st), " ")[[1]]
      if (length(f) < 13) 0 else sum(as.numeric(f[12:13])) / 100
    }, numeric(1)))
  }
  set.seed(1)
  call <- switch(what,
    tsne = {
      X <- matrix(stats::rnorm(20000 * 10), 20000)
      P <- affinities(X, perplexity = 30, n_threads = n_threads)
      function() embed_tsne(P, init = "random", n_iter = 100000, early_iter = 100,
                            n_threads = n_threads, seed = 1)
    },
    umap = {
      X <- matrix(stats::rnorm(20000 * 10), 20000)
      P <- affinities(X, method = "umap", n_threads = n_threads)
      function() embed_umap(P, init = "random", n_epochs = 100000, n_threads = n_threads, seed = 1)
    },
    contrastive = {
      X <- matrix(stats::rnorm(20000 * 10), 20000)
      invisible(embed_contrastive(X[1:500, ], n_epochs = 2, n_threads = n_threads, seed = 1))
      function() embed_contrastive(X, loss = "infonce", init = "random", n_epochs = 100000,
                                   n_threads = n_threads, seed = 1)
    },
    knn = {
      X <- matrix(stats::rnorm(60000 * 50), 60000)
      invisible(knn_graph(X[1:2000, ], k = 5, method = "exact", n_threads = n_threads))
      function() knn_graph(X, k = 15, method = "exact", n_threads = n_threads)
    },
    ripser = {
      # H2 of 400 noisy points: about 8 s in the Ripser program.
      d <- stats::dist(noisy_circle(n = 400, dim = 10, sigma = 0.3, seed = 1))
      function() persistent_homology(d, max_dim = 2, engine = "ripser")
    }
  )
  before <- threads()
  file.create(flag)
  started <- Sys.time()
  outcome <- tryCatch({
    call()
    "finished"
  }, interrupt = function(e) "interrupted")
  caught <- Sys.time()
  # TBB workers spin briefly before they sleep: let them settle, then they must use no CPU.
  Sys.sleep(0.3)
  cpu0 <- worker_cpu()
  Sys.sleep(1)
  list(outcome = outcome, started = started, caught = caught, threads_before = before,
       threads_after = threads(), worker_cpu_second = worker_cpu() - cpu0,
       temp_dir = tempdir(), temp_files = list.files(tempdir()))
}

run_interrupt_case <- function(what, n_threads = 2, settle = 2) {
  flag <- tempfile("nembed-interrupt-")
  p <- callr::r_bg(interrupt_child, args = list(what, flag, n_threads), libpath = .libPaths(),
                   supervise = TRUE)
  on.exit(if (p$is_alive()) p$kill(), add = TRUE)
  deadline <- Sys.time() + 120
  while (!file.exists(flag) && p$is_alive() && Sys.time() < deadline) Sys.sleep(0.05)
  expect_true(file.exists(flag), label = paste(what, "child reached the long call"))
  Sys.sleep(settle)
  expect_true(p$is_alive(), label = paste(what, "still running when interrupted"))
  sent <- Sys.time()
  p$interrupt()
  p$wait(10000)
  waited <- as.numeric(difftime(Sys.time(), sent, units = "secs"))
  expect_false(p$is_alive())
  res <- p$get_result()
  list(res = res, sent = sent, waited = waited,
       latency = as.numeric(difftime(res$caught, sent, units = "secs")))
}

# Each case must be really inside its long loop when interrupted (not before it), stop within
# 2 s, and leave TBB's pool threads asleep: the same count as before the call, using (almost) no
# CPU in a second shortly after the interrupt (a spinning one would use ~1 s). The child then
# exits normally: its result comes back (after 1.3 s of idle measurement). The Ripser program
# (persistent_homology(engine = "ripser")) must be killed and its temporary files removed.
for (what in c("tsne", "umap", "contrastive", "knn", "ripser")) {
  test_that(sprintf("SIGINT stops a long %s within 2 s and leaves no thread or process running", what), {
    skip_on_os("windows")
    skip_if_not_installed("callr")
    if (what == "ripser") skip_if_not(nzchar(nembed:::ripser_program()), "no Ripser program")
    # contrastive builds its kNN graph inside the call: allow for it before the SGD starts
    r <- run_interrupt_case(what, settle = if (what == "contrastive") 4 else 2)
    expect_identical(r$res$outcome, "interrupted")
    expect_gt(as.numeric(difftime(r$sent, r$res$started, units = "secs")), 1)
    expect_lt(r$latency, 2)
    # No thread beyond TBB's pool for n_threads = 2 (main + its workers, which TBB may start
    # lazily during the call), and those asleep (worker_cpu_second below).
    expect_lte(r$res$threads_after, max(r$res$threads_before, 3L))
    expect_lt(r$res$worker_cpu_second, 0.1)
    expect_lt(r$waited, 6)
    expect_identical(r$res$temp_files, character(0))
    # No process still works on the child's temporary files.
    on_child_files <- vapply(list.files("/proc", "^[0-9]+$", full.names = TRUE), function(p) {
      cmd <- tryCatch(readBin(file.path(p, "cmdline"), "raw", 65536), error = function(e) raw(0))
      grepl(r$res$temp_dir, rawToChar(cmd[cmd != as.raw(0)]), fixed = TRUE)
    }, logical(1))
    expect_false(any(on_child_files))
  })
}
