// Split-phase request/reply: send a request tagged with an id, keep working, and
// match the reply to its continuation when it arrives.
#pragma once

#include <mosaic/transports/channel.hpp>

namespace mosaic::transports {

inline constexpr u32 kMaxPendingCalls = 16;

// Called with the matching reply; decode it with the interface's decode_message<T>().
using ReplyFn = void (*)(void* ctx, const Message& reply);

class PendingCalls {
  public:
    // Sends a request with a fresh non-zero RPC id and remembers the continuation;
    // CapacityExceeded when kMaxPendingCalls requests are outstanding.
    Result<u32> call(Channel& ch, u16 interface, u16 type, const u8* payload, u16 length,
                     ReplyFn fn, void* ctx);

    // Runs and forgets the continuation of a reply; NotFound for an unknown id or a
    // message that is not a reply.
    Status complete(const Message& reply);

    u32 outstanding() const;

  private:
    struct Entry {
        u32 id; // 0: free.
        ReplyFn fn;
        void* ctx;
    };
    Entry* find(u32 id);

    Entry entries_[kMaxPendingCalls] = {};
    u32 next_id_ = 1;
};

} // namespace mosaic::transports
