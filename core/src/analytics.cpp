// Network analytics. Components run Boost.Graph on the CSR graph; k-cores follow Batagelj &
// Zaversnik (2003); triangles intersect sorted adjacency lists; common neighbours per tie mark the
// higher-degree end's neighbours and scan the other end's list; PageRank (Page et al. 1999) and
// eigenvector centrality are power iterations on Eigen sparse matrices; the spectral radius is
// Lanczos (undirected) or Arnoldi per strongly connected component (directed), via Spectra.
#include "guanxi/analytics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>

#include <Eigen/Eigenvalues>
#include <Eigen/SparseCore>
#include <Spectra/GenEigsSolver.h>
#include <Spectra/MatOp/SparseGenMatProd.h>
#include <Spectra/MatOp/SparseSymMatProd.h>
#include <Spectra/SymEigsSolver.h>
#include <boost/graph/connected_components.hpp>
#include <boost/graph/strong_components.hpp>
#include <tbb/enumerable_thread_specific.h>

#include "guanxi/bgl.hpp"
#include "guanxi/error.hpp"
#include "guanxi/builder.hpp"
#include "guanxi/parallel.hpp"

namespace guanxi {
namespace {

constexpr std::uint64_t kNodeGrain = 256;

// The graph itself when undirected, else an undirected copy held here.
class UndirectedOf {
 public:
  explicit UndirectedOf(const Graph& g) : g_(&g) {
    if (g.directed()) {
      copy_.emplace(to_undirected(g));
      g_ = &*copy_;
    }
  }
  const Graph& operator*() const { return *g_; }
  const Graph* operator->() const { return g_; }

 private:
  const Graph* g_;
  std::optional<Graph> copy_;
};

// Distinct common neighbours of u and v, other than u and v themselves.
std::uint32_t count_common(std::span<const node_t> a, std::span<const node_t> b, node_t u, node_t v) {
  std::uint32_t count = 0;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      const node_t w = a[i];
      count += (w != u && w != v);
      while (i < a.size() && a[i] == w) ++i;
      while (j < b.size() && b[j] == w) ++j;
    }
  }
  return count;
}

// Neighbours other than u itself, each counted once.
std::uint64_t distinct_degree(const Graph& g, node_t u) {
  std::uint64_t k = 0;
  const auto around = g.neighbors(u);
  for (std::size_t i = 0; i < around.size(); ++i) k += around[i] != u && (i == 0 || around[i] != around[i - 1]);
  return k;
}

// Calls emit(tie, u, v, common, k_u, k_v) for every tie u - v of an undirected graph h that is
// not a self-loop, with the number of distinct common neighbours other than u and v (as
// count_common) and both ends' distinct degrees (as distinct_degree). Each tie is counted once,
// by its end u ranked higher by (degree, id): u's neighbours are marked in a per-thread bitmap,
// once per node, and the other end's list, the shorter one, is scanned against it. A tie then
// costs the smaller degree, where merging the two lists costs the sum, which hubs make quadratic
// on social graphs. What remains is about two cache misses per tie (v's offsets and list),
// overlapped by prefetching ahead. Every tie is emitted once, from one thread, so the output does
// not depend on the thread count.
template <class Emit>
void for_each_tie_common(const Graph& h, Emit&& emit) {
  const node_t n = h.num_nodes();
  const node_t* target_of = h.targets().data();
  const arc_t* offset_of = h.offsets().data();
  const tie_t* tie_base = h.tie_base().data();
  constexpr arc_t kPrefetchOffsets = 32, kPrefetchList = 16;  // arcs ahead
  tbb::enumerable_thread_specific<std::vector<std::uint64_t>> bitmaps(
      [n] { return std::vector<std::uint64_t>((std::uint64_t{n} + 63) / 64, 0); });
  parallel_blocks(0, n, kNodeGrain, [&](std::uint64_t lo, std::uint64_t hi) {
    std::vector<std::uint64_t>& marked = bitmaps.local();
    const arc_t block_end = offset_of[hi];
    for (auto u = static_cast<node_t>(lo); u < hi; ++u) {
      const arc_t begin = offset_of[u], end = offset_of[u + 1];
      std::uint64_t k_u = 0;
      for (arc_t a = begin; a < end; ++a) {
        const node_t w = target_of[a];
        marked[w >> 6] |= std::uint64_t{1} << (w & 63);
        k_u += w != u && (a == begin || target_of[a - 1] != w);
      }
      std::uint32_t common = 0;
      std::uint64_t k_v = 0;
      arc_t twin = 0, copy = 0;  // v's arc back to u, and which copy of a repeated tie u - v
      for (arc_t a = begin; a < end; ++a) {
        if (a + kPrefetchOffsets < block_end) __builtin_prefetch(offset_of + target_of[a + kPrefetchOffsets]);
        if (a + kPrefetchList < block_end) __builtin_prefetch(target_of + offset_of[target_of[a + kPrefetchList]]);
        const node_t v = target_of[a];
        const arc_t v_begin = offset_of[v], v_end = offset_of[v + 1];
        if (v == u || v_end - v_begin > end - begin || (v_end - v_begin == end - begin && v > u)) continue;
        if (a == begin || target_of[a - 1] != v) {  // copies of a repeated tie share the counts
          common = 0;
          k_v = 0;
          copy = 0;
          for (arc_t b = v_begin; b < v_end; ++b) {
            const node_t w = target_of[b];
            if ((b > v_begin && target_of[b - 1] == w) || w == v) continue;
            ++k_v;
            twin = w == u ? b : twin;  // the first copy of u in v's list
            common += static_cast<std::uint32_t>(w != u && ((marked[w >> 6] >> (w & 63)) & 1));
          }
        } else {
          ++copy;
        }
        // Tie ids (graph.hpp): ties are numbered by their upper arcs, which close each list, so an
        // upper arc's id is a subtraction, and a lower arc u -> v takes the id of its twin v -> u
        // (the k-th copy of a repeated tie pairs with the k-th copy of its twin).
        const tie_t t = v > u ? tie_base[u + 1] - (end - a) : tie_base[v + 1] - (v_end - (twin + copy));
        emit(t, u, v, common, k_u, k_v);
      }
      for (arc_t a = begin; a < end; ++a) marked[target_of[a] >> 6] = 0;  // only u's neighbours were marked
    }
  });
}

Components renumber_by_smallest_node(std::vector<node_t> raw, std::uint64_t count) {
  Components out;
  std::vector<node_t> rename(count, max_nodes);
  out.label.resize(raw.size());
  for (std::size_t v = 0; v < raw.size(); ++v) {
    node_t& id = rename[raw[v]];
    if (id == max_nodes) {
      id = static_cast<node_t>(out.sizes.size());
      out.sizes.push_back(0);
    }
    out.label[v] = id;
    ++out.sizes[id];
  }
  return out;
}

using SparseMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor, std::int64_t>;

// Row v lists the arcs into v: entry (v, u) = w(u -> v) (or 1), divided by u's out-weight when
// `per_source` (the PageRank transition matrix).
SparseMatrix incoming_matrix(const Graph& g, bool weighted, bool per_source, std::vector<double>* out_weight) {
  std::optional<Graph> reversed;
  if (g.directed()) reversed.emplace(transpose(g));
  const Graph& in = reversed ? *reversed : g;  // undirected: in-arcs are the out-arcs
  const node_t n = g.num_nodes();
  weighted = weighted && g.has_weights();
  std::vector<double> out_w(n, 0.0);
  for (node_t u = 0; u < n; ++u)
    for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a) out_w[u] += weighted ? g.weights()[a] : 1.0;
  SparseMatrix m(n, n);
  m.resizeNonZeros(static_cast<Eigen::Index>(in.num_arcs()));
  std::copy(in.offsets().begin(), in.offsets().end(), m.outerIndexPtr());
  parallel_for(0, in.num_arcs(), 1u << 15, [&](std::uint64_t a) {
    const node_t u = in.target(a);
    const double w = weighted ? in.weights()[a] : 1.0;
    m.innerIndexPtr()[a] = u;
    m.valuePtr()[a] = per_source ? w / out_w[u] : w;
  });
  if (out_weight) *out_weight = std::move(out_w);
  return m;
}

// Below this size a dense eigensolver is exact and cheaper than Lanczos/Arnoldi.
constexpr Eigen::Index kDenseEigen = 64;

double symmetric_spectral_radius(const SparseMatrix& m, const IterativeOptions& options);
double general_spectral_radius(const SparseMatrix& m, const IterativeOptions& options);

[[noreturn]] void no_convergence(const char* what, const IterativeOptions& options) {
  throw std::runtime_error(std::string(what) + ": no convergence after " + std::to_string(options.max_iterations) +
                           " iterations (tolerance " + format_number(options.tolerance) + ")");
}

double symmetric_spectral_radius(const SparseMatrix& m, const IterativeOptions& options) {
  const Eigen::Index n = m.rows();
  if (n <= kDenseEigen) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> dense(Eigen::MatrixXd(m), Eigen::EigenvaluesOnly);
    return dense.eigenvalues().cwiseAbs().maxCoeff();
  }
  // Perron–Frobenius: for a non-negative symmetric matrix the largest algebraic eigenvalue is
  // the spectral radius.
  Spectra::SparseSymMatProd<double, Eigen::Lower, Eigen::RowMajor, std::int64_t> op(m);
  Spectra::SymEigsSolver<decltype(op)> eigs(op, 1, std::min<Eigen::Index>(n, 24));
  eigs.init();
  eigs.compute(Spectra::SortRule::LargestAlge, options.max_iterations, options.tolerance);
  if (eigs.info() != Spectra::CompInfo::Successful) no_convergence("spectral_radius", options);
  return eigs.eigenvalues()[0];
}

double general_spectral_radius(const SparseMatrix& m, const IterativeOptions& options) {
  const Eigen::Index n = m.rows();
  if (n <= kDenseEigen) {
    const Eigen::EigenSolver<Eigen::MatrixXd> dense(Eigen::MatrixXd(m), false);
    return dense.eigenvalues().cwiseAbs().maxCoeff();
  }
  Spectra::SparseGenMatProd<double, Eigen::RowMajor, std::int64_t> op(m);
  Spectra::GenEigsSolver<decltype(op)> eigs(op, 1, std::min<Eigen::Index>(n, 24));
  eigs.init();
  eigs.compute(Spectra::SortRule::LargestMagn, options.max_iterations, options.tolerance);
  if (eigs.info() != Spectra::CompInfo::Successful) no_convergence("spectral_radius", options);
  return std::abs(eigs.eigenvalues()[0]);
}

void check_options(const IterativeOptions& options) {
  if (!(options.tolerance > 0)) throw InputError("tolerance: must be > 0");
  if (options.max_iterations < 1) throw InputError("max_iterations: must be >= 1");
}

}  // namespace

DegreeStats degree_stats(const Graph& g) {
  DegreeStats s;
  const node_t n = g.num_nodes();
  if (n == 0) return s;
  s.min = std::numeric_limits<std::uint64_t>::max();
  double sum = 0, sum2 = 0;
  for (node_t u = 0; u < n; ++u) {
    const std::uint64_t k = g.degree(u);
    s.min = std::min(s.min, k);
    s.max = std::max(s.max, k);
    s.isolated += k == 0;
    sum += static_cast<double>(k);
    sum2 += static_cast<double>(k) * static_cast<double>(k);
  }
  s.mean = sum / n;
  s.second_moment = sum2 / n;
  s.std = std::sqrt(std::max(0.0, s.second_moment - s.mean * s.mean));
  return s;
}

std::vector<std::uint64_t> in_degrees(const Graph& g) {
  std::vector<std::uint64_t> in(g.num_nodes(), 0);
  if (!g.directed()) {
    for (node_t u = 0; u < g.num_nodes(); ++u) in[u] = g.degree(u);
    return in;
  }
  for (node_t v : g.targets()) ++in[v];
  return in;
}

std::uint64_t Components::largest() const {
  return sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
}

Components connected_components(const Graph& g) {
  const UndirectedOf und(g);
  std::vector<node_t> raw(g.num_nodes());
  const auto count = boost::connected_components(UndirectedView{*und}, raw.data());
  return renumber_by_smallest_node(std::move(raw), count);
}

Components strongly_connected_components(const Graph& g) {
  if (!g.directed()) return connected_components(g);
  std::vector<node_t> raw(g.num_nodes());
  const auto count = boost::strong_components(g, raw.data());
  return renumber_by_smallest_node(std::move(raw), count);
}

std::vector<std::uint32_t> core_numbers(const Graph& g) {
  const UndirectedOf und(g);
  const Graph& h = *und;
  const node_t n = h.num_nodes();
  std::vector<std::uint32_t> degree(n), position(n);
  std::vector<node_t> order(n);
  std::uint32_t max_degree = 0;
  for (node_t u = 0; u < n; ++u) {
    std::uint32_t k = 0;
    for (node_t v : h.neighbors(u)) k += v != u;
    degree[u] = k;
    max_degree = std::max(max_degree, k);
  }
  // Bucket sort by degree, then peel in increasing degree order.
  std::vector<std::uint32_t> bin(max_degree + 2, 0);
  for (node_t u = 0; u < n; ++u) ++bin[degree[u]];
  std::uint32_t start = 0;
  for (auto& b : bin) {
    const std::uint32_t count = b;
    b = start;
    start += count;
  }
  for (node_t u = 0; u < n; ++u) {
    position[u] = bin[degree[u]]++;
    order[position[u]] = u;
  }
  for (std::uint32_t d = max_degree + 1; d > 0; --d) bin[d] = bin[d - 1];
  bin[0] = 0;
  for (node_t i = 0; i < n; ++i) {
    const node_t v = order[i];
    for (node_t u : h.neighbors(v)) {
      if (u == v || degree[u] <= degree[v]) continue;
      const std::uint32_t du = degree[u], pu = position[u], pw = bin[du];
      const node_t w = order[pw];
      if (u != w) {
        std::swap(order[pu], order[pw]);
        position[u] = pw;
        position[w] = pu;
      }
      ++bin[du];
      --degree[u];
    }
  }
  return degree;
}

std::vector<std::uint64_t> triangles(const Graph& g) {
  const UndirectedOf und(g);
  const Graph& h = *und;
  std::vector<std::uint64_t> out(h.num_nodes(), 0);
  parallel_for(0, h.num_nodes(), kNodeGrain, [&](std::uint64_t uu) {
    const auto u = static_cast<node_t>(uu);
    const auto around = h.neighbors(u);
    std::uint64_t twice = 0;
    for (std::size_t i = 0; i < around.size(); ++i) {
      const node_t v = around[i];
      if (v == u || (i > 0 && around[i - 1] == v)) continue;
      twice += count_common(around, h.neighbors(v), u, v);
    }
    out[u] = twice / 2;
  });
  return out;
}

std::vector<double> local_clustering(const Graph& g) {
  const UndirectedOf und(g);
  const auto t = triangles(*und);
  std::vector<double> c(und->num_nodes(), 0.0);
  parallel_for(0, c.size(), kNodeGrain, [&](std::uint64_t u) {
    const double k = static_cast<double>(distinct_degree(*und, static_cast<node_t>(u)));
    c[u] = k < 2 ? 0.0 : 2.0 * static_cast<double>(t[u]) / (k * (k - 1));
  });
  return c;
}

double average_clustering(const Graph& g) {
  const auto c = local_clustering(g);
  if (c.empty()) return 0.0;
  return std::accumulate(c.begin(), c.end(), 0.0) / static_cast<double>(c.size());
}

double transitivity(const Graph& g) {
  const UndirectedOf und(g);
  const auto t = triangles(*und);
  double closed = 0, triples = 0;
  for (node_t u = 0; u < und->num_nodes(); ++u) {
    const double k = static_cast<double>(distinct_degree(*und, u));
    closed += static_cast<double>(t[u]);
    triples += k * (k - 1) / 2;
  }
  return triples == 0 ? 0.0 : closed / triples;
}

std::vector<std::uint32_t> common_neighbors(const Graph& g) {
  const UndirectedOf und(g);
  const Graph& h = *und;
  std::vector<std::uint32_t> common(h.num_ties(), 0);
  for_each_tie_common(h, [&](tie_t t, node_t, node_t, std::uint32_t count, std::uint64_t, std::uint64_t) {
    common[t] = count;
  });
  if (!g.directed()) return common;
  // A directed graph: tie u->v takes the count of the undirected pair {u, v}, one tie of the
  // undirected copy (which merges u->v and v->u and drops self-loops).
  std::vector<std::uint32_t> out(g.num_ties(), 0);
  parallel_for(0, g.num_nodes(), kNodeGrain, [&](std::uint64_t uu) {
    const auto u = static_cast<node_t>(uu);
    for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a) {
      const node_t v = g.target(a);
      if (v == u) continue;
      const node_t low = std::min(u, v), high = std::max(u, v);
      const auto around = h.neighbors(low);
      const auto at = static_cast<arc_t>(std::lower_bound(around.begin(), around.end(), high) - around.begin());
      out[a] = common[h.tie_of_arc(low, h.arc_begin(low) + at)];
    }
  });
  return out;
}

std::vector<double> neighborhood_overlap(const Graph& g) {
  // The denominator is a sum of integers below 2^53, exact in any order, so which end of a tie
  // comes first cannot change a bit of the result.
  const auto overlap = [](std::uint64_t k_u, std::uint64_t k_v, double c) {
    const double denominator = static_cast<double>(k_u) - 1 + static_cast<double>(k_v) - 1 - c;
    return denominator <= 0 ? 0.0 : c / denominator;
  };
  std::vector<double> out(g.num_ties(), 0.0);  // self-loops: 0
  if (!g.directed()) {  // counts, degrees and overlap in one pass over the ties
    for_each_tie_common(g, [&](tie_t t, node_t, node_t, std::uint32_t common, std::uint64_t k_u, std::uint64_t k_v) {
      out[t] = overlap(k_u, k_v, common);
    });
    return out;
  }
  const UndirectedOf und(g);
  std::vector<std::uint64_t> k(und->num_nodes());
  parallel_for(0, k.size(), kNodeGrain, [&](std::uint64_t u) { k[u] = distinct_degree(*und, static_cast<node_t>(u)); });
  const auto common = common_neighbors(g);
  parallel_for(0, g.num_nodes(), kNodeGrain, [&](std::uint64_t uu) {
    const auto u = static_cast<node_t>(uu);
    for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a)
      if (g.target(a) != u) out[a] = overlap(k[u], k[g.target(a)], common[a]);
  });
  return out;
}

std::vector<double> pagerank(const Graph& g, double damping, const IterativeOptions& options) {
  check_options(options);
  if (!(damping >= 0.0 && damping <= 1.0)) throw InputError("damping: must be in [0, 1]");
  const node_t n = g.num_nodes();
  if (n == 0) return {};
  std::vector<double> out_weight;
  const SparseMatrix m = incoming_matrix(g, options.weighted, true, &out_weight);
  Eigen::VectorXd x = Eigen::VectorXd::Constant(n, 1.0 / n), next(n);
  for (int it = 0; it < options.max_iterations; ++it) {
    double dangling = 0;
    for (node_t u = 0; u < n; ++u)
      if (out_weight[u] == 0) dangling += x[u];
    next.noalias() = damping * (m * x);
    next.array() += (damping * dangling + (1.0 - damping)) / n;
    const double change = (next - x).lpNorm<1>();
    x.swap(next);
    if (change < options.tolerance) return {x.data(), x.data() + n};
  }
  no_convergence("pagerank", options);
}

std::vector<double> eigenvector_centrality(const Graph& g, const IterativeOptions& options) {
  check_options(options);
  const node_t n = g.num_nodes();
  if (n == 0) return {};
  const SparseMatrix m = incoming_matrix(g, options.weighted, false, nullptr);
  Eigen::VectorXd x = Eigen::VectorXd::Constant(n, 1.0 / n), next(n);
  for (int it = 0; it < options.max_iterations; ++it) {
    next.noalias() = m * x;
    next += x;  // (A + I) x: the shift keeps bipartite graphs from oscillating
    const double norm = next.norm();
    if (norm > 0) next /= norm;
    const double change = (next - x).lpNorm<1>();
    x.swap(next);
    if (change < options.tolerance) return {x.data(), x.data() + n};
  }
  no_convergence("eigenvector_centrality", options);
}

double spectral_radius(const Graph& g, const IterativeOptions& options) {
  check_options(options);
  if (g.num_arcs() == 0) return 0.0;
  const bool weighted = options.weighted && g.has_weights();
  if (!g.directed()) return symmetric_spectral_radius(incoming_matrix(g, weighted, false, nullptr), options);
  // A directed graph's spectral radius is the largest over its strongly connected components
  // (a block-triangular decomposition); each component is irreducible, so Arnoldi converges.
  const Components scc = strongly_connected_components(g);
  std::vector<node_t> local(g.num_nodes());
  std::vector<std::uint64_t> filled(scc.count(), 0);
  for (node_t v = 0; v < g.num_nodes(); ++v) local[v] = static_cast<node_t>(filled[scc.label[v]]++);
  std::vector<std::vector<Eigen::Triplet<double, std::int64_t>>> entries(scc.count());
  for (node_t u = 0; u < g.num_nodes(); ++u)
    for (arc_t a = g.arc_begin(u); a < g.arc_end(u); ++a) {
      const node_t v = g.target(a);
      if (scc.label[u] == scc.label[v])
        entries[scc.label[u]].emplace_back(local[u], local[v], weighted ? g.weights()[a] : 1.0);
    }
  double radius = 0.0;
  for (std::size_t c = 0; c < scc.count(); ++c) {
    if (entries[c].empty()) continue;  // a single node without a self-loop: eigenvalue 0
    const auto size = static_cast<Eigen::Index>(scc.sizes[c]);
    SparseMatrix block(size, size);
    block.setFromTriplets(entries[c].begin(), entries[c].end());
    radius = std::max(radius, general_spectral_radius(block, options));
  }
  return radius;
}

double percolation_threshold(const Graph& g) {
  const DegreeStats s = degree_stats(g);
  const double denominator = s.second_moment - s.mean;
  return denominator > 0 ? s.mean / denominator : std::numeric_limits<double>::infinity();
}

}  // namespace guanxi
