// Internal to sim/: ZeroedArray, an array that costs nothing to create on a large graph (the
// campaign's per-thread state, the RR greedy's per-node arrays).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

namespace guanxi {

// Blocks from this size on come straight from the kernel (mmap): pages that stay unmapped until
// written, and are never cleared by hand. calloc does that too, but only above glibc's mmap
// threshold, which grows (up to 32 MiB) each time a large block is freed: after one campaign
// run, the next run's per-thread arrays came from the heap and calloc cleared all of them, a
// memset of O(n + m) bytes per call (most of a one-replicate call's time on 10^5 people).
inline constexpr std::size_t kZeroedMapBytes = std::size_t{1} << 20;

// An array of zero bytes: allocating it costs O(1) and a run pays only for the pages it touches.
// T is never constructed or destroyed, so it must be trivially copyable, and its user must read
// zero bytes as a state of its own (Stamped: stamp 0 is stale).
template <class T>
class ZeroedArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  ZeroedArray() = default;
  explicit ZeroedArray(std::size_t size) : size_(size) {
    if (size == 0) return;
    if (size > ~std::size_t{0} / sizeof(T)) throw std::bad_alloc();
    const std::size_t bytes = size * sizeof(T);
#if defined(__SANITIZE_ADDRESS__)
    constexpr bool map = false;  // calloc under ASan, which then checks every access
#else
    const bool map = bytes >= kZeroedMapBytes;
#endif
    void* p = nullptr;
    if (map) {
      p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) throw std::bad_alloc();
    } else {
      p = std::calloc(size, sizeof(T));
      if (!p) throw std::bad_alloc();
    }
    data_ = std::unique_ptr<T, Free>(static_cast<T*>(p), Free{map ? bytes : 0});
  }
  T& operator[](std::size_t i) { return data_.get()[i]; }
  const T& operator[](std::size_t i) const { return data_.get()[i]; }
  std::size_t size() const { return size_; }
  T* data() { return data_.get(); }
  T* begin() { return data_.get(); }
  T* end() { return data_.get() + size_; }

 private:
  struct Free {
    std::size_t mapped = 0;  // bytes mapped with mmap; 0: from calloc
    void operator()(T* p) const {
      if (mapped)
        ::munmap(p, mapped);
      else
        std::free(p);
    }
  };
  std::unique_ptr<T, Free> data_;
  std::size_t size_ = 0;
};

}  // namespace guanxi
