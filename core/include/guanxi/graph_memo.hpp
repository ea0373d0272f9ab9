// A graph's memo: values derived from a graph's structure that several computations share and
// that cost O(n), O(m) or more to derive (the campaign's initial tie strengths, tie id per arc,
// in-arcs, seed rankings), computed once per graph object and kept with it, so that every design
// of a comparison or a sweep on the same graph pays its set-up once.
//
// Why on the graph, and why it cannot go stale: a Graph's structure (offsets, targets, tie_base,
// weights, labels) never changes after construction, so a value derived from it stays right for
// the graph's lifetime. The memo is created empty with the graph, moves with it, and dies with it;
// a copy (copy_graph, a snapshot load, an unpickled graph) is a new graph with an empty memo. The
// one mutable array, the tie strength, must never feed a memoized value unless it is part of the
// key (TieInit::Kind::graph reads it, so its strengths are not memoized; the campaign's imm seeds
// are keyed by a digest of the probabilities they are chosen on, which the strengths feed).
//
// Thread safety: lookups and insertions hold a mutex; values are computed outside it, so a
// parallel (TBB) computation never runs under the lock, where work stealing could deadlock.
// Two threads that miss the same key at once both compute it and the first value stored wins:
// values are pure functions of the graph, so both are equal. A value computed while the TBB work
// around the call is being cancelled may be incomplete and is not stored. Values are immutable
// and shared: a run holds its own reference, so evicting an entry never pulls data from under it.
//
// Memory: each family of values (what is stored, e.g. "ties.initial_strength") keeps at most the
// number of entries its user asks for; storing one more evicts the family's least recently used
// entry, so sweeping a parameter over many values cannot grow the memo without bound. clear()
// drops everything.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <typeindex>
#include <typeinfo>
#include <vector>

namespace guanxi {

class GraphMemo {
 public:
  struct Stats {
    std::uint64_t entries = 0;  // held now
    std::uint64_t hits = 0;     // lookups answered from the memo
    std::uint64_t misses = 0;   // lookups that computed their value
  };

  // The value stored under (family, key), or make()'s value (a T), stored there first. The family
  // keeps at most `keep` (>= 1) entries. An exception from make() stores nothing.
  template <class T, class Make>
  std::shared_ptr<const T> get(std::string_view family, std::string_view key, std::size_t keep, Make&& make) {
    if (auto found = find(family, key, typeid(T))) return std::static_pointer_cast<const T>(found);
    std::shared_ptr<const T> made = std::make_shared<const T>(make());
    return std::static_pointer_cast<const T>(insert(family, key, keep, typeid(T), std::move(made)));
  }

  Stats stats() const;
  std::uint64_t entries(std::string_view family) const;  // held now in one family
  void clear();

 private:
  struct Entry {
    std::string family, key;
    std::type_index type;
    std::shared_ptr<const void> value;
    std::uint64_t last_use;
  };
  std::shared_ptr<const void> find(std::string_view family, std::string_view key, const std::type_info& type);
  std::shared_ptr<const void> insert(std::string_view family, std::string_view key, std::size_t keep,
                                     const std::type_info& type, std::shared_ptr<const void> value);
  Entry* locate(std::string_view family, std::string_view key, const std::type_info& type);

  mutable std::mutex mutex_;
  std::vector<Entry> entries_;  // a handful: linear search is the fastest lookup
  std::uint64_t clock_ = 0;     // use counter, for least-recently-used eviction
  std::uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace guanxi
