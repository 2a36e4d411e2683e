// The bulk buffer pool and its peer (see bulk.hpp): each end's ownership table, and the
// descriptors that move buffers between them, decoded and checked before anything changes.
#include <mosaic/transports/bulk.hpp>

namespace mosaic::transports {

namespace bulk = ifaces::bulk;

Status bulk_check_region(const void* base, u32 buffers, u32 buffer_bytes) {
    if (base == nullptr || buffers == 0 || buffers > kBulkMaxBuffers || !is_pow2(buffer_bytes) ||
        buffer_bytes < kBulkMinBufferBytes || buffer_bytes > kBulkMaxBufferBytes)
        return Error::InvalidArgument;
    if ((uptr(base) & (kSlotBytes - 1)) != 0) return Error::Misaligned;
    return {};
}

Status BulkRegion::attach(void* base, u32 buffers, u32 buffer_bytes) {
    TRY_STATUS(bulk_check_region(base, buffers, buffer_bytes));
    base_ = static_cast<u8*>(base);
    buffers_ = buffers;
    buffer_bytes_ = buffer_bytes;
    return {};
}

// The pool.

Status BulkPool::init(void* base, u32 buffers, u32 buffer_bytes) {
    TRY_STATUS(attach(base, buffers, buffer_bytes));
    free_top_ = 0;
    for (u32 i = buffers; i-- > 0;) { // index 0 on top: handed out first
        generation_[i] = 0;
        release(i);
    }
    return {};
}

Result<BulkBuffer> BulkPool::alloc() {
    if (free_top_ == 0) return Error::WouldBlock;
    u32 i = free_[--free_top_];
    state_[i] = Held;
    return BulkBuffer{.index = i, .generation = ++generation_[i], .offset = 0, .length = 0};
}

Result<u8*> BulkPool::data(const BulkBuffer& b) const {
    if (!held(b)) return Error::PermissionDenied;
    return bytes_of(b.index);
}

Status BulkPool::free(const BulkBuffer& b) {
    if (!held(b)) return Error::PermissionDenied;
    release(b.index);
    return {};
}

Status BulkPool::give(Channel& ch, BulkBuffer& b, u32 offset, u32 length) {
    if (!held(b)) return Error::PermissionDenied;
    if (!in_range(offset, length)) return Error::OutOfRange;
    TRY_STATUS(bulk::client::give(ch, {.buffer = b.index, .generation = b.generation, .offset = offset, .length = length}));
    state_[b.index] = Given;
    b.offset = offset;
    b.length = length;
    return {};
}

namespace {

// A batch's shape: 1 to kBulkMaxBatch buffers, each held by this end (`holds`), none named
// twice (InvalidArgument, PermissionDenied).
template <typename Holds> Status check_batch(const BulkBuffer* bs, u32 n, Holds holds) {
    if (n == 0 || n > kBulkMaxBatch) return Error::InvalidArgument;
    for (u32 i = 0; i < n; ++i) {
        if (!holds(bs[i])) return Error::PermissionDenied;
        for (u32 j = 0; j < i; ++j)
            if (bs[j].index == bs[i].index) return Error::PermissionDenied;
    }
    return {};
}

// Sends bs[0..n) kPer to a message (encode(first, count, bytes) builds one) with one
// send_batch; returns how many buffers the messages sent cover.
template <u32 kPer, typename Encode>
Result<u32> send_packed(Channel& ch, const BulkBuffer* bs, u32 n, Encode encode) {
    constexpr u32 kMessages = (kBulkMaxBatch + kPer - 1) / kPer;
    u8 bytes[kMessages][kFramePayload];
    Outgoing out[kMessages];
    u32 messages = 0;
    for (u32 i = 0; i < n; i += kPer, ++messages) out[messages] = encode(bs + i, n - i < kPer ? n - i : kPer, bytes[messages]);
    u32 sent = TRY(ch.send_batch(out, messages));
    return sent * kPer < n ? sent * kPer : n;
}

} // namespace

Result<u32> BulkPool::give_batch(Channel& ch, const BulkBuffer* bs, u32 n) {
    TRY_STATUS(check_batch(bs, n, [this](const BulkBuffer& b) { return held(b); }));
    for (u32 i = 0; i < n; ++i)
        if (!in_range(bs[i].offset, bs[i].length)) return Error::OutOfRange;
    u32 buffers = TRY(send_packed<kBulkGivesPerMessage>(ch, bs, n, [](const BulkBuffer* b, u32 count, u8* bytes) {
        if (count == 1)
            return encode_message(bulk::give_message{.buffer = b[0].index, .generation = b[0].generation,
                                                  .offset = b[0].offset, .length = b[0].length},
                               bytes);
        return encode_message(bulk::give_pair_message{.buffer0 = b[0].index, .generation0 = b[0].generation,
                                                   .offset0 = b[0].offset, .length0 = b[0].length,
                                                   .buffer1 = b[1].index, .generation1 = b[1].generation,
                                                   .offset1 = b[1].offset, .length1 = b[1].length},
                           bytes);
    }));
    for (u32 i = 0; i < buffers; ++i) state_[bs[i].index] = Given;
    return buffers;
}

Result<u32> BulkPool::decode_returns(const Message& m, u32 (&out)[kBulkReturnsPerMessage]) const {
    if (m.reply || m.interface != bulk::kInterfaceId) return Error::Malformed;
    u32 gens[kBulkReturnsPerMessage] = {};
    u32 n = 0;
    if (m.type == bulk::return_message::kType) {
        bulk::return_message r = TRY(decode_message<bulk::return_message>(m));
        out[0] = r.buffer;
        gens[0] = r.generation;
        n = 1;
    } else {
        bulk::return_set_message r = TRY(decode_message<bulk::return_set_message>(m));
        const u32 idx[] = {r.buffer0, r.buffer1, r.buffer2, r.buffer3};
        const u32 gen[] = {r.generation0, r.generation1, r.generation2, r.generation3};
        static_assert(sizeof(idx) / sizeof(idx[0]) == kBulkReturnsPerMessage);
        if (r.count == 0 || r.count > kBulkReturnsPerMessage) return Error::Malformed;
        for (u32 i = 0; i < kBulkReturnsPerMessage; ++i) {
            if (i >= r.count) {
                if (idx[i] != 0 || gen[i] != 0) return Error::Malformed; // unused entries are zero
                continue;
            }
            out[i] = idx[i];
            gens[i] = gen[i];
        }
        n = r.count;
    }
    for (u32 i = 0; i < n; ++i) {
        if (!given_as(out[i], gens[i])) return Error::Malformed;
        for (u32 j = 0; j < i; ++j)
            if (out[j] == out[i]) return Error::Malformed;
    }
    return n;
}

Result<u32> BulkPool::decode_return(const Message& m) const {
    bulk::return_message r = TRY(decode_message<bulk::return_message>(m));
    if (m.reply || !given_as(r.buffer, r.generation)) return Error::Malformed;
    return r.buffer;
}

Status BulkPool::take_back(const Message& m) {
    u32 idx[kBulkReturnsPerMessage];
    u32 n = TRY(decode_returns(m, idx));
    for (u32 k = 0; k < n; ++k) release(idx[k]);
    return {};
}

// The peer.

Status BulkPeer::init(void* base, u32 buffers, u32 buffer_bytes) {
    TRY_STATUS(attach(base, buffers, buffer_bytes));
    for (u32 i = 0; i < buffers; ++i) {
        generation_[i] = 0;
        held_[i] = false;
    }
    return {};
}

Result<BulkBuffer> BulkPeer::check_give(u32 buffer, u32 generation, u32 offset, u32 length) const {
    if (buffer >= buffers_ || held_[buffer] || !in_range(offset, length)) return Error::Malformed;
    // Newer than the last generation accepted (serial-number order, so it survives wrapping).
    if (i32(generation - generation_[buffer]) <= 0) return Error::Malformed;
    return BulkBuffer{.index = buffer, .generation = generation, .offset = offset, .length = length};
}

Result<BulkBuffer> BulkPeer::decode_give(const Message& m) const {
    bulk::give_message g = TRY(decode_message<bulk::give_message>(m));
    if (m.reply) return Error::Malformed;
    return check_give(g.buffer, g.generation, g.offset, g.length);
}

Result<u32> BulkPeer::decode_gives(const Message& m, BulkBuffer (&out)[kBulkGivesPerMessage]) const {
    if (m.interface == bulk::kInterfaceId && m.type == bulk::give_message::kType) {
        out[0] = TRY(decode_give(m));
        return 1;
    }
    bulk::give_pair_message g = TRY(decode_message<bulk::give_pair_message>(m));
    if (m.reply) return Error::Malformed;
    out[0] = TRY(check_give(g.buffer0, g.generation0, g.offset0, g.length0));
    out[1] = TRY(check_give(g.buffer1, g.generation1, g.offset1, g.length1));
    if (out[0].index == out[1].index) return Error::Malformed;
    return 2;
}

Result<u32> BulkPeer::accept_all(const Message& m, BulkBuffer (&out)[kBulkGivesPerMessage]) {
    u32 n = TRY(decode_gives(m, out));
    for (u32 i = 0; i < n; ++i) hold(out[i]);
    return n;
}

Result<BulkBuffer> BulkPeer::accept(const Message& m) {
    BulkBuffer b = TRY(decode_give(m));
    hold(b);
    return b;
}

Result<u8*> BulkPeer::data(const BulkBuffer& b) const {
    if (!held(b)) return Error::PermissionDenied;
    return bytes_of(b.index);
}

Status BulkPeer::give_back(Channel& ch, const BulkBuffer& b) {
    if (!held(b)) return Error::PermissionDenied;
    TRY_STATUS(bulk::client::give_back(ch, {.buffer = b.index, .generation = b.generation}));
    held_[b.index] = false;
    return {};
}

Result<u32> BulkPeer::give_back_batch(Channel& ch, const BulkBuffer* bs, u32 n) {
    TRY_STATUS(check_batch(bs, n, [this](const BulkBuffer& b) { return held(b); }));
    u32 buffers = TRY(send_packed<kBulkReturnsPerMessage>(ch, bs, n, [](const BulkBuffer* b, u32 count, u8* bytes) {
        bulk::return_set_message r{};
        r.count = count;
        u32* idx[] = {&r.buffer0, &r.buffer1, &r.buffer2, &r.buffer3};
        u32* gen[] = {&r.generation0, &r.generation1, &r.generation2, &r.generation3};
        for (u32 k = 0; k < count; ++k) {
            *idx[k] = b[k].index;
            *gen[k] = b[k].generation;
        }
        return encode_message(r, bytes);
    }));
    for (u32 i = 0; i < buffers; ++i) held_[bs[i].index] = false;
    return buffers;
}

} // namespace mosaic::transports
