// The board's name service: names of up to 15 characters ([A-Za-z0-9._/-]), each bound to
// the program that registered it (its board core and dispatcher id: where messages for it
// go, monitor::QueryOp::Deliver). One registry for the whole board, held by the monitor of
// the core the SKB places it on (place_registry/1; every monitor reaches it by queries, so a
// name registered on any node is found from every node); a name goes when its program
// removes it or ends. A program may
// wait for a name that is not there yet. Hardware-neutral, host-tested with hostile requests.
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/types.hpp>

namespace mosaic::monitor {

class NameRegistry {
  public:
    static constexpr u32 kMaxNames = 64;
    static constexpr u32 kNameBytes = 16; // with its NUL
    struct Entry {
        char name[kNameBytes] = {};
        u32 core = 0, dispatcher = 0;
    };

    // InvalidArgument: not a name (empty, too long, no NUL in 16 bytes, a character outside
    // the set); AlreadyExists: registered (by anyone); CapacityExceeded: the registry is full.
    Status add(const u8* name, u32 core, u32 dispatcher);
    Result<Entry> find(const u8* name) const;
    // Only its owner removes a name: PermissionDenied for anyone else, NotFound if none.
    Status remove(const u8* name, u32 core, u32 dispatcher);
    // Every name of a program that ended; how many there were.
    u32 remove_owner(u32 core, u32 dispatcher);
    // The index-th name in registration order; NotFound past the last.
    Result<Entry> at(u32 index) const;
    u32 count() const { return count_; }

    // Whether 16 bytes hold a valid name (see above).
    static bool valid(const u8* name);

    // Programs waiting for a name to be registered, each answered once: when it is
    // (take_waiters), or never if it ended first (drop_waiters_of) or waited too long (expire).
    static constexpr u32 kMaxWaiters = 32;
    struct Waiter {
        u8 name[kNameBytes] = {};
        u32 core = 0, dispatcher = 0;
        u64 tag = 0, since = 0;
        bool used = false;
    };
    // InvalidArgument: not a name; CapacityExceeded: too many wait already.
    Status add_waiter(const u8* name, u32 core, u32 dispatcher, u64 tag, u64 now);
    // The waiters for `name` (taken out), at most cap of them into out; how many.
    u32 take_waiters(const u8* name, Waiter* out, u32 cap);
    u32 drop_waiters_of(u32 core, u32 dispatcher);
    u32 expire(u64 now, u64 max_age);
    u32 waiting() const;

  private:
    Entry entries_[kMaxNames];
    u32 count_ = 0;
    Waiter waiters_[kMaxWaiters];
    i32 index_of(const u8* name) const;
};

} // namespace mosaic::monitor
