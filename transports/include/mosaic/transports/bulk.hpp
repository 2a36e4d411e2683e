// Bulk transfer: a pool of equal buffers in memory both ends map, whose ownership moves
// with small descriptors over a channel (interfaces/bulk.hpp: one URPC frame each), so a
// page or a megabyte changes cores without being copied through 64-byte slots.
//
// Layout: `buffers` buffers of `buffer_bytes` bytes (a power of two, at least 64) one after
// another from a 64-byte aligned base; nothing else lives in the region, and no pointer is
// ever sent: a descriptor names a buffer by index, with a generation, an offset and a length.
//
// Ownership. One end owns the pool (BulkPool): it takes free buffers, fills them and gives
// them away; the other end (BulkPeer) accepts them, uses them and gives them back. Each end
// keeps a private table (never in shared memory) of what it holds, and hands out a
// buffer's bytes only while it holds it:
//   pool:  Free --alloc--> Held --give--> Given --(return accepted)--> Free
//   peer:  Away --(give accepted)--> Held --give_back--> Away
// A buffer leaves its holder when the descriptor is sent, before the other end accepts it,
// so at no moment do both ends hold it; the old holder's calls with its handle are refused
// (PermissionDenied). Every buffer carries a generation the pool advances on each alloc;
// the peer accepts a buffer only with a generation newer than the last it accepted for
// that buffer, and the pool takes a buffer back only with the generation it gave, so a
// stale or replayed descriptor is refused. A descriptor with a bad index, a range beyond
// the buffer, a buffer the receiver already holds (or has not given away) or a wrong
// generation is refused as Malformed, and the receiver's table is left as it was.
//
// Trust. The tables keep each end's own code honest; they do not stop a peer that ignores
// the protocol from writing a mapping it still has. A receiver that does not trust its
// peer treats a buffer's bytes as input that may change under it (copy what it validates).
//
// Backing. On the host (tests, bench-transports) the region is ordinary memory given to
// both ends. In the guests (monitor/main.cpp, for tbench's bulk phase) it is the part of a
// core's channel frame after its rings' page, a Frame capability retyped from RAM that the
// boot monitor and the core's monitor both map, or a pool per ordered pair of nodes in the
// interconnect region after the rings; the pool code is ISA-neutral and freestanding.
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/transports/channel.hpp>
#include <mosaic/transports/interfaces/bulk.hpp>

namespace mosaic::transports {

inline constexpr u32 kBulkMaxBuffers = 256;       // The tables' fixed capacity.
inline constexpr u32 kBulkMinBufferBytes = 64;    // One cache line.
inline constexpr u32 kBulkMaxBufferBytes = 1u << 30;
inline constexpr u32 kBulkMaxBatch = 16;          // Buffers per give_batch/give_back_batch.
inline constexpr u32 kBulkGivesPerMessage = 2;    // Buffers one give_pair message moves.
inline constexpr u32 kBulkReturnsPerMessage = 4;  // Buffers one give_back_set message returns.

// Checks a caller-provided region: non-null, 64-byte aligned, 1..kBulkMaxBuffers buffers
// of a power-of-two size within the bounds above.
Status bulk_check_region(const void* base, u32 buffers, u32 buffer_bytes);

// Bytes of memory a pool of `buffers` buffers of `buffer_bytes` bytes needs.
constexpr u64 bulk_region_bytes(u32 buffers, u32 buffer_bytes) { return u64(buffers) * buffer_bytes; }

// A handle to a buffer one end holds: which buffer, which generation of it, and (once
// given or accepted) the range of its bytes that the message covers.
struct BulkBuffer {
    u32 index = 0;
    u32 generation = 0;
    u32 offset = 0;
    u32 length = 0;
};

// The region both ends attach to; each end's class below adds its own table.
class BulkRegion {
  public:
    u32 buffers() const { return buffers_; }
    u32 buffer_bytes() const { return buffer_bytes_; }

  protected:
    Status attach(void* base, u32 buffers, u32 buffer_bytes);
    u8* bytes_of(u32 index) const { return base_ + u64(index) * buffer_bytes_; }
    bool in_range(u32 offset, u32 length) const {
        return offset <= buffer_bytes_ && length <= buffer_bytes_ - offset;
    }

    u8* base_ = nullptr;
    u32 buffers_ = 0;
    u32 buffer_bytes_ = 0;
};

// The owning end: takes free buffers, gives them to the peer, takes them back.
class BulkPool : public BulkRegion {
  public:
    // Every buffer starts free, at generation 0 (the first alloc makes it 1).
    Status init(void* base, u32 buffers, u32 buffer_bytes);

    // A free buffer, now held here with a new generation; WouldBlock if all are away.
    Result<BulkBuffer> alloc();
    // The bytes of a buffer held here (buffer_bytes() of them); PermissionDenied otherwise.
    Result<u8*> data(const BulkBuffer& b) const;
    // Frees a held buffer without giving it away.
    Status free(const BulkBuffer& b);

    // Gives bytes offset..offset+length of a held buffer to the peer over `ch`: checked
    // (PermissionDenied if not held here, OutOfRange beyond the buffer), then sent; if the
    // send fails (WouldBlock: the ring is full) the buffer stays held here and nothing is lost.
    Status give(Channel& ch, BulkBuffer& b, u32 offset, u32 length);
    // Gives bs[0..n) (each its range bs[i].offset..+length) in order, two to a message
    // (give_pair; an odd last one alone), with one Channel::send_batch: over URPC one
    // release publishes them all and the peer is notified once. Everything is checked
    // before anything is sent (InvalidArgument for n of 0 or above kBulkMaxBatch,
    // PermissionDenied for a buffer not held here or named twice, OutOfRange for a range
    // beyond its buffer); then the first k buffers (whole messages) are sent and become
    // Given, k returned, the rest stay held (WouldBlock if the ring took none). The peer
    // takes them with accept_all.
    Result<u32> give_batch(Channel& ch, const BulkBuffer* bs, u32 n);

    // A message from the peer: decode_returns checks it (Malformed unless a well-formed
    // give_back or give_back_set, every buffer in it given away with that generation and
    // none named twice), writes the buffers' indices to `out` and changes nothing;
    // decode_return is the same for a message of one buffer. take_back does the check and
    // frees every buffer the message returns (all or none).
    Result<u32> decode_returns(const Message& m, u32 (&out)[kBulkReturnsPerMessage]) const;
    Result<u32> decode_return(const Message& m) const;
    Status take_back(const Message& m);

    // What this end's table says (tests and statistics).
    bool holds(u32 index) const { return index < buffers_ && state_[index] == Held; }
    bool given(u32 index) const { return index < buffers_ && state_[index] == Given; }
    u32 free_count() const { return free_top_; }

  private:
    enum State : u8 { Free, Held, Given };
    bool held(const BulkBuffer& b) const {
        return b.index < buffers_ && state_[b.index] == Held && generation_[b.index] == b.generation;
    }
    bool given_as(u32 index, u32 generation) const {
        return index < buffers_ && state_[index] == Given && generation_[index] == generation;
    }
    void release(u32 index) { // free again, on top of the stack
        state_[index] = Free;
        free_[free_top_++] = u16(index);
    }

    u32 generation_[kBulkMaxBuffers] = {};
    State state_[kBulkMaxBuffers] = {};
    u16 free_[kBulkMaxBuffers] = {}; // A stack of free indices: the last returned is reused first.
    u32 free_top_ = 0;
};

// The receiving end: accepts buffers the pool gives and gives them back.
class BulkPeer : public BulkRegion {
  public:
    Status init(void* base, u32 buffers, u32 buffer_bytes);

    // A message from the pool: decode_give checks it (Malformed unless a well-formed give
    // of a buffer not held here, with a newer generation, a range inside the buffer) and
    // changes nothing; accept does both and holds the buffer. decode_gives and accept_all
    // are the same for a give or a give_pair (give_batch's messages): every buffer in it
    // checked so, two distinct ones, all accepted or none; they return how many.
    Result<BulkBuffer> decode_give(const Message& m) const;
    Result<BulkBuffer> accept(const Message& m);
    Result<u32> decode_gives(const Message& m, BulkBuffer (&out)[kBulkGivesPerMessage]) const;
    Result<u32> accept_all(const Message& m, BulkBuffer (&out)[kBulkGivesPerMessage]);

    // The bytes of a buffer held here (its whole buffer_bytes(); the handle says which
    // range the message covers); PermissionDenied otherwise.
    Result<u8*> data(const BulkBuffer& b) const;
    // Gives a held buffer back over `ch`; if the send fails it stays held here.
    Status give_back(Channel& ch, const BulkBuffer& b);
    // Gives bs[0..n) back, up to four to a message (give_back_set), with one
    // Channel::send_batch, checked first as give_batch is (InvalidArgument,
    // PermissionDenied); returns how many went back (whole messages), the rest stay held.
    Result<u32> give_back_batch(Channel& ch, const BulkBuffer* bs, u32 n);

    bool holds(u32 index) const { return index < buffers_ && held_[index]; }

  private:
    bool held(const BulkBuffer& b) const {
        return b.index < buffers_ && held_[b.index] && generation_[b.index] == b.generation;
    }
    // One descriptor of a give, checked against this end's table.
    Result<BulkBuffer> check_give(u32 buffer, u32 generation, u32 offset, u32 length) const;
    void hold(const BulkBuffer& b) {
        held_[b.index] = true;
        generation_[b.index] = b.generation;
    }

    u32 generation_[kBulkMaxBuffers] = {}; // The last generation accepted per buffer.
    bool held_[kBulkMaxBuffers] = {};
};

} // namespace mosaic::transports
