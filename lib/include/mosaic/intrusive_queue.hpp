// A fixed-footprint FIFO of objects that link themselves (T has a `T* next` member): no
// allocation, each T in at most one queue at a time. The CPU driver's run queue is one.
#pragma once

#include <mosaic/types.hpp>

namespace mosaic {

template <typename T> class IntrusiveQueue {
  public:
    bool empty() const { return head_ == nullptr; }
    u32 size() const { return size_; }
    void push(T* t) {
        t->next = nullptr;
        if (tail_) tail_->next = t;
        else head_ = t;
        tail_ = t;
        ++size_;
    }
    T* pop() {
        T* t = head_;
        if (!t) return nullptr;
        head_ = t->next;
        if (!head_) tail_ = nullptr;
        t->next = nullptr;
        --size_;
        return t;
    }
    // Takes t out wherever it is; false if it was not queued.
    bool remove(T* t) {
        T* prev = nullptr;
        for (T* c = head_; c; prev = c, c = c->next) {
            if (c != t) continue;
            (prev ? prev->next : head_) = c->next;
            if (tail_ == c) tail_ = prev;
            c->next = nullptr;
            --size_;
            return true;
        }
        return false;
    }

  private:
    T* head_ = nullptr;
    T* tail_ = nullptr;
    u32 size_ = 0;
};

} // namespace mosaic
