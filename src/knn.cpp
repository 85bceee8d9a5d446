// Glue: kNN graphs (exact, HNSW, sparse input, queries against a reference).
#include <RcppEigen.h>

#include "nembed/hnsw.hpp"
#include "nembed/graph_search.hpp"
#include "nembed/knn.hpp"
#include "params.h"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

namespace {

Rcpp::List knn_to_r(const KnnResult& r) {
  Rcpp::IntegerMatrix idx(r.n, r.k);
  Rcpp::NumericMatrix dist(r.n, r.k);
  for (std::size_t i = 0; i < r.n; ++i)
    for (std::size_t j = 0; j < r.k; ++j) {
      idx(i, j) = r.idx[i * r.k + j] + 1;
      dist(i, j) = r.dist[i * r.k + j];
    }
  return Rcpp::List::create(Rcpp::Named("idx") = idx, Rcpp::Named("dist") = dist);
}

KnnParams read_knn(OptionReader& opt) {
  KnnParams par;
  opt.read("k", par.k);
  opt.read_enum("metric", par.metric, metric_names);
  return par;
}

}  // namespace

// options: k, metric, method ("exact" or "hnsw"), M, ef_construction, ef, seed, n_threads, verbose.
// [[Rcpp::export]]
Rcpp::List knn_dense_cpp(const Eigen::Map<Eigen::MatrixXd> X, Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  KnnParams par = read_knn(opt);
  opt.read_enum("method", par.method, knn_method_names);
  HnswParams hnsw;
  opt.read("M", hnsw.M, "ef_construction", hnsw.ef_construction, "ef", hnsw.ef, "seed", hnsw.seed);
  opt.read_enum("simd", hnsw.simd, simd_names);  // tests: every vector path gives the same graph
  GlueRun run(opt);
  Eigen::MatrixXd pts = X.transpose();
  prepare_for_metric(pts, par.metric);
  const KnnResult r = par.method == KnnMethod::hnsw
                          ? hnsw_knn(pts, par.k, par.metric, hnsw, run.exec, run.control)
                          : exact_knn(pts, par.k, par.metric, run.exec, run.control);
  return knn_to_r(r);
  NEMBED_GLUE_END
}

// options: k, metric, n_threads, verbose.
// [[Rcpp::export]]
Rcpp::List knn_sparse_cpp(const Eigen::MappedSparseMatrix<double> X, Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  const KnnParams par = read_knn(opt);
  GlueRun run(opt);
  Eigen::SparseMatrix<double> pts = X.transpose();
  if (par.metric == Metric::cosine) {
    for (Eigen::Index j = 0; j < pts.outerSize(); ++j) {
      const double nrm = pts.col(j).norm();
      if (nrm > 0)
        for (Eigen::SparseMatrix<double>::InnerIterator it(pts, j); it; ++it) it.valueRef() /= nrm;
    }
  }
  return knn_to_r(exact_knn_sparse(pts, par.k, par.metric, run.exec, run.control));
  NEMBED_GLUE_END
}

// Approximate query by best-first search on the reference points' kNN graph (graph_search.hpp):
// graph is a dgCMatrix over the reference points. options: k, metric, ef, n_threads, verbose.
// [[Rcpp::export]]
Rcpp::List knn_query_graph_cpp(const Eigen::Map<Eigen::MatrixXd> ref,
                               const Eigen::Map<Eigen::MatrixXd> query, SEXP graph,
                               Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  const KnnParams par = read_knn(opt);
  GraphSearchParams gs;
  opt.read("ef", gs.ef);
  GlueRun run(opt);
  const CsrGraph g = csr_from_r(graph);
  if (g.n != static_cast<std::size_t>(ref.rows()))
    throw Error("size", "graph", "the search graph must have one row per reference point");
  Eigen::MatrixXd r = ref.transpose(), q = query.transpose();
  prepare_for_metric(r, par.metric);
  prepare_for_metric(q, par.metric);
  return knn_to_r(graph_knn_query(r, q, g, par.k, gs, par.metric, run.exec, run.control));
  NEMBED_GLUE_END
}

// options: k, metric, n_threads, verbose.
// [[Rcpp::export]]
Rcpp::List knn_query_cpp(const Eigen::Map<Eigen::MatrixXd> ref, const Eigen::Map<Eigen::MatrixXd> query,
                         Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  const KnnParams par = read_knn(opt);
  GlueRun run(opt);
  Eigen::MatrixXd r = ref.transpose(), q = query.transpose();
  prepare_for_metric(r, par.metric);
  prepare_for_metric(q, par.metric);
  return knn_to_r(exact_knn_query(r, q, par.k, par.metric, run.exec, run.control));
  NEMBED_GLUE_END
}
