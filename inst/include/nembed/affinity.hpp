// Compatibility name kept for the t-SNE headers (tsne.hpp) until they include "nembed/affinities.hpp"
// (or "nembed/graph.hpp") directly; remove then.
#ifndef NEMBED_AFFINITY_HPP
#define NEMBED_AFFINITY_HPP
#include "nembed/affinities.hpp"
#endif
