// Internal to sim/: ZeroedArray, an array that costs nothing to create on a large graph (the
// campaign's per-thread state, the RR greedy's per-node arrays).
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

namespace guanxi {

// An array of zero bytes from calloc, which takes large blocks straight from the kernel as pages
// that stay unmapped until written (and does not clear them): allocating it costs O(1) and a run
// pays only for the pages it touches. T is never constructed or destroyed, so it must be trivially
// copyable, and its user must read zero bytes as a state of its own (Stamped: stamp 0 is stale).
template <class T>
class ZeroedArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  ZeroedArray() = default;
  explicit ZeroedArray(std::size_t size)
      : data_(size ? static_cast<T*>(std::calloc(size, sizeof(T))) : nullptr), size_(size) {
    if (size && !data_) throw std::bad_alloc();
  }
  T& operator[](std::size_t i) { return data_.get()[i]; }
  const T& operator[](std::size_t i) const { return data_.get()[i]; }
  std::size_t size() const { return size_; }
  T* data() { return data_.get(); }
  T* begin() { return data_.get(); }
  T* end() { return data_.get() + size_; }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> data_;
  std::size_t size_ = 0;
};

}  // namespace guanxi
