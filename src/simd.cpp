// Glue: which vector paths (simd.hpp) this build and CPU can run.
#include <Rcpp.h>

#include <string>
#include <vector>

#include "nembed/simd.hpp"

using namespace nembed;

// The vector paths of the 2-D loops (t-SNE's attraction and near field, UMAP's lanes, the HNSW
// distances) available here, from "portable" up to the widest ("sse2", "avx"): for tests, which
// compare every available path, and bench records.
// [[Rcpp::export]]
std::vector<std::string> simd_paths_cpp() {
  std::vector<std::string> out;
  for (const auto& [name, value] : simd_names)
    if (static_cast<int>(value) <= static_cast<int>(best_simd())) out.push_back(name);
  return out;
}
