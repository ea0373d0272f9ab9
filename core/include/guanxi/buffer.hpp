// A typed array whose memory is owned either by the process heap or by a memory-mapped
// snapshot file; graphs hold their arrays in Buffers so both load paths share one type.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace guanxi {

template <class T>
class Buffer {
 public:
  Buffer() = default;

  // Uninitialised heap storage for `size` elements (callers fill every element).
  static Buffer allocate(std::size_t size) {
    std::shared_ptr<T[]> storage(new T[size]);
    T* data = storage.get();
    return Buffer(std::move(storage), data, size);
  }

  static Buffer from_vector(std::vector<T> values) {
    auto storage = std::make_shared<std::vector<T>>(std::move(values));
    T* data = storage->data();
    std::size_t size = storage->size();
    return Buffer(std::move(storage), data, size);
  }

  // A view into memory kept alive by `owner` (a mapping, another buffer, ...).
  Buffer(std::shared_ptr<void> owner, T* data, std::size_t size)
      : owner_(std::move(owner)), data_(data), size_(size) {}

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  std::span<T> span() noexcept { return {data_, size_}; }
  std::span<const T> span() const noexcept { return {data_, size_}; }
  const std::shared_ptr<void>& owner() const noexcept { return owner_; }

 private:
  std::shared_ptr<void> owner_;
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace guanxi
