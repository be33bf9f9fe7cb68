#pragma once
// IndexList: a list of revision indexes that holds up to two in place. Almost
// every revision has at most two parents, children and dependencies, so the
// graph's edge lists need no allocation of their own; at 100k revisions six
// such lists per node were most of the graph's build time (one allocation
// and one page of fresh memory touched for every few of them).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

namespace strata::planner {

using Index = uint32_t;

class IndexList {
 public:
  IndexList() = default;
  IndexList(const IndexList& o) { assign(o.begin(), o.size_); }
  IndexList& operator=(const IndexList& o) {
    if (this != &o) {
      size_ = 0;
      assign(o.begin(), o.size_);
    }
    return *this;
  }
  IndexList(IndexList&& o) noexcept : size_(o.size_), cap_(o.cap_) {
    std::memcpy(&u_, &o.u_, sizeof u_);
    o.size_ = 0;
    o.cap_ = kInline;
  }
  IndexList& operator=(IndexList&& o) noexcept {
    if (this != &o) {
      release();
      size_ = o.size_;
      cap_ = o.cap_;
      std::memcpy(&u_, &o.u_, sizeof u_);
      o.size_ = 0;
      o.cap_ = kInline;
    }
    return *this;
  }
  ~IndexList() { release(); }

  uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Index* begin() const { return data(); }
  const Index* end() const { return data() + size_; }
  Index operator[](uint32_t i) const { return data()[i]; }

  void push_back(Index v) {
    if (size_ == cap_) grow();
    data()[size_++] = v;
  }
  operator std::vector<Index>() const { return std::vector<Index>(begin(), end()); }

 private:
  static constexpr uint32_t kInline = 2;
  Index* data() { return cap_ == kInline ? u_.inline_ : u_.heap; }
  const Index* data() const { return cap_ == kInline ? u_.inline_ : u_.heap; }
  void grow() {
    uint32_t cap = cap_ * 2;
    auto* heap = static_cast<Index*>(std::malloc(sizeof(Index) * cap));
    if (!heap) throw std::bad_alloc();
    std::memcpy(heap, data(), sizeof(Index) * size_);
    release();
    u_.heap = heap;
    cap_ = cap;
  }
  void assign(const Index* from, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) push_back(from[i]);
  }
  void release() {
    if (cap_ != kInline) std::free(u_.heap);
    cap_ = kInline;
  }
  uint32_t size_ = 0;
  uint32_t cap_ = kInline;
  union {
    Index inline_[kInline];
    Index* heap;
  } u_{};
};

}  // namespace strata::planner
