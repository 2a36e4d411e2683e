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
        state_[i] = Free;
        free_[free_top_++] = u16(i);
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
    state_[b.index] = Free;
    free_[free_top_++] = u16(b.index);
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

// Whether some buffer is named twice in bs[0..n).
bool named_twice(const BulkBuffer* bs, u32 n) {
    for (u32 i = 0; i < n; ++i)
        for (u32 j = i + 1; j < n; ++j)
            if (bs[i].index == bs[j].index) return true;
    return false;
}

template <typename M> Outgoing encode_into(const M& msg, u8* bytes) {
    encode_fields(msg, bytes);
    return {.interface = M::kInterface, .type = M::kType, .payload = bytes, .length = wire_size_of<M>()};
}

} // namespace

Result<u32> BulkPool::give_batch(Channel& ch, const BulkBuffer* bs, u32 n) {
    if (n == 0 || n > kBulkMaxBatch) return Error::InvalidArgument;
    for (u32 i = 0; i < n; ++i) {
        if (!held(bs[i])) return Error::PermissionDenied;
        if (!in_range(bs[i].offset, bs[i].length)) return Error::OutOfRange;
    }
    if (named_twice(bs, n)) return Error::PermissionDenied;
    constexpr u32 kMessages = (kBulkMaxBatch + kBulkGivesPerMessage - 1) / kBulkGivesPerMessage;
    u8 bytes[kMessages][kFramePayload];
    Outgoing out[kMessages];
    u32 messages = 0;
    for (u32 i = 0; i < n; i += kBulkGivesPerMessage, ++messages) {
        const BulkBuffer& a = bs[i];
        if (i + 1 < n) {
            const BulkBuffer& b = bs[i + 1];
            out[messages] = encode_into(bulk::give_pair_message{.buffer0 = a.index, .generation0 = a.generation,
                                                                .offset0 = a.offset, .length0 = a.length,
                                                                .buffer1 = b.index, .generation1 = b.generation,
                                                                .offset1 = b.offset, .length1 = b.length},
                                        bytes[messages]);
        } else {
            out[messages] = encode_into(
                bulk::give_message{.buffer = a.index, .generation = a.generation, .offset = a.offset, .length = a.length},
                bytes[messages]);
        }
    }
    u32 sent = TRY(ch.send_batch(out, messages));
    u32 buffers = sent * kBulkGivesPerMessage < n ? sent * kBulkGivesPerMessage : n;
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
    if (m.reply || r.buffer >= buffers_ || state_[r.buffer] != Given || generation_[r.buffer] != r.generation)
        return Error::Malformed;
    return r.buffer;
}

Status BulkPool::take_back(const Message& m) {
    u32 idx[kBulkReturnsPerMessage];
    u32 n = TRY(decode_returns(m, idx));
    for (u32 k = 0; k < n; ++k) {
        state_[idx[k]] = Free;
        free_[free_top_++] = u16(idx[k]);
    }
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
    for (u32 i = 0; i < n; ++i) {
        held_[out[i].index] = true;
        generation_[out[i].index] = out[i].generation;
    }
    return n;
}

Result<BulkBuffer> BulkPeer::accept(const Message& m) {
    BulkBuffer b = TRY(decode_give(m));
    held_[b.index] = true;
    generation_[b.index] = b.generation;
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
    if (n == 0 || n > kBulkMaxBatch) return Error::InvalidArgument;
    for (u32 i = 0; i < n; ++i)
        if (!held(bs[i])) return Error::PermissionDenied;
    if (named_twice(bs, n)) return Error::PermissionDenied;
    constexpr u32 kMessages = (kBulkMaxBatch + kBulkReturnsPerMessage - 1) / kBulkReturnsPerMessage;
    u8 bytes[kMessages][kFramePayload];
    Outgoing out[kMessages];
    u32 messages = 0;
    for (u32 i = 0; i < n; i += kBulkReturnsPerMessage, ++messages) {
        bulk::return_set_message r{};
        r.count = n - i < kBulkReturnsPerMessage ? n - i : kBulkReturnsPerMessage;
        u32* idx[] = {&r.buffer0, &r.buffer1, &r.buffer2, &r.buffer3};
        u32* gen[] = {&r.generation0, &r.generation1, &r.generation2, &r.generation3};
        for (u32 k = 0; k < r.count; ++k) {
            *idx[k] = bs[i + k].index;
            *gen[k] = bs[i + k].generation;
        }
        out[messages] = encode_into(r, bytes[messages]);
    }
    u32 sent = TRY(ch.send_batch(out, messages));
    u32 buffers = sent * kBulkReturnsPerMessage < n ? sent * kBulkReturnsPerMessage : n;
    for (u32 i = 0; i < buffers; ++i) held_[bs[i].index] = false;
    return buffers;
}

} // namespace mosaic::transports
