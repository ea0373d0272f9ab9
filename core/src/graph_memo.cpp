// The graph memo's store: lookup, insertion with per-family least-recently-used eviction.
#include "guanxi/graph_memo.hpp"

#include <algorithm>
#include <stdexcept>

#include <tbb/task_group.h>

namespace guanxi {

GraphMemo::Entry* GraphMemo::locate(std::string_view family, std::string_view key, const std::type_info& type) {
  for (Entry& e : entries_)
    if (e.family == family && e.key == key) {
      if (e.type != std::type_index(type))  // a programming error: one name used for two types
        throw std::logic_error("graph memo: '" + e.family + "' '" + e.key + "' holds another type");
      return &e;
    }
  return nullptr;
}

std::shared_ptr<const void> GraphMemo::find(std::string_view family, std::string_view key, const std::type_info& type) {
  const std::lock_guard<std::mutex> lock(mutex_);
  Entry* e = locate(family, key, type);
  if (!e) return nullptr;
  ++hits_;
  e->last_use = ++clock_;
  return e->value;
}

std::shared_ptr<const void> GraphMemo::insert(std::string_view family, std::string_view key, std::size_t keep,
                                              const std::type_info& type, std::shared_ptr<const void> value) {
  // A value computed while the TBB work around this call is being cancelled (a sibling task
  // threw) may be incomplete: the parallel loops inside make() can stop early without an
  // exception. It is returned to the caller, whose result is discarded, and never stored.
  if (tbb::is_current_task_group_canceling()) return value;
  const std::lock_guard<std::mutex> lock(mutex_);
  ++misses_;
  if (Entry* e = locate(family, key, type)) {  // another thread stored it meanwhile: keep one copy
    e->last_use = ++clock_;
    return e->value;
  }
  keep = std::max<std::size_t>(keep, 1);
  for (;;) {
    std::size_t held = 0;
    Entry* oldest = nullptr;
    for (Entry& e : entries_)
      if (e.family == family) {
        ++held;
        if (!oldest || e.last_use < oldest->last_use) oldest = &e;
      }
    if (held < keep) break;
    entries_.erase(entries_.begin() + (oldest - entries_.data()));
  }
  entries_.push_back({std::string(family), std::string(key), std::type_index(type), value, ++clock_});
  return value;
}

GraphMemo::Stats GraphMemo::stats() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return {entries_.size(), hits_, misses_};
}

std::uint64_t GraphMemo::entries(std::string_view family) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<std::uint64_t>(
      std::count_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.family == family; }));
}

void GraphMemo::clear() {
  std::vector<Entry> dropped;  // values are freed after the lock is released
  const std::lock_guard<std::mutex> lock(mutex_);
  dropped.swap(entries_);
}

}  // namespace guanxi
