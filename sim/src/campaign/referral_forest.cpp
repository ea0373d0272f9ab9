// The referral forest (MODEL.md §1: referrer(v) links customers to who converted them) and its
// §5 cascade measures: each new customer joins its referrer's tree (a customer whose referrer
// never bought is a root); largest_cascade, max_depth and structural_virality, the mean
// pairwise distance in the largest tree (Goel, Anderson, Hofman & Watts 2016), computed from
// subtree sizes in O(size).
// Declares: no random purpose; metrics customers, largest_cascade, max_depth, structural_virality.
#include <algorithm>

#include "replicate.hpp"

namespace guanxi::campaign {

void Replicate::grow_forest(std::uint32_t step) {
  // The step's new customers (newly_active_) join; a referrer who bought in the same step
  // joins first.
  std::vector<node_t> waiting = newly_active_;
  while (!waiting.empty()) {
    std::vector<node_t> later;
    for (node_t v : waiting) {
      const node_t r = nodes()[v].referrer;
      const bool referrer_waits =
          r != max_nodes && std::find(waiting.begin(), waiting.end(), r) != waiting.end() && r != v;
      if (referrer_waits) later.push_back(v);
      else join_forest(v, step);
    }
    if (later.size() == waiting.size()) {  // cannot happen (referrals go back in time); be safe
      for (node_t v : later) join_forest(v, step);
      break;
    }
    waiting.swap(later);
  }
}

void Replicate::join_forest(node_t v, std::uint32_t t) {
  Node& n = nodes()[v];
  const node_t r = n.referrer;
  node_t parent = max_nodes;
  if (r != max_nodes && nodes()[r].ever_bought) {
    n.tree = nodes()[r].tree;
    n.depth = nodes()[r].depth + 1;
    parent = r;
  } else {
    n.tree = static_cast<std::uint32_t>(trees_.size());
    n.depth = 0;
    trees_.push_back({});
  }
  trees_[n.tree].members.push_back(v);
  tally_.largest_tree = std::max<std::uint32_t>(tally_.largest_tree, static_cast<std::uint32_t>(trees_[n.tree].members.size()));
  tally_.max_depth = std::max(tally_.max_depth, n.depth);
  if (forest_) forest_->push_back({v, parent, n.channel, t, n.depth});
}

// Mean distance between pairs of nodes of a tree given in an order where parents come first:
// the sum over edges of size(below) * (n - size(below)), divided by n (n - 1) / 2.
double structural_virality(const std::vector<node_t>& members, const std::vector<node_t>& parent_of_member) {
  const std::size_t n = members.size();
  if (n < 2) return 0.0;
  std::vector<double> below(n, 1.0);
  double sum = 0;
  for (std::size_t i = n; i-- > 1;) {
    sum += below[i] * (static_cast<double>(n) - below[i]);
    below[parent_of_member[i]] += below[i];
  }
  return sum / (static_cast<double>(n) * (static_cast<double>(n) - 1) / 2);
}

// Structural virality of the largest tree (the first of the largest, by creation).
double Replicate::largest_tree_virality() {
  if (tally_.largest_tree < 2) return 0.0;
  const Tree* largest = nullptr;
  for (const Tree& tree : trees_)
    if (tree.members.size() == tally_.largest_tree) {
      largest = &tree;
      break;
    }
  std::vector<node_t> parent_of_member(largest->members.size(), 0);
  for (std::size_t k = 0; k < largest->members.size(); ++k)
    nodes_position_[largest->members[k]] = static_cast<std::uint32_t>(k);
  for (std::size_t k = 1; k < largest->members.size(); ++k)
    parent_of_member[k] = nodes_position_[nodes()[largest->members[k]].referrer];
  return structural_virality(largest->members, parent_of_member);
}

}  // namespace guanxi::campaign
