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

// Whether bs[i]'s buffer is named again after i (a batch may not give one buffer twice).
bool named_twice(const BulkBuffer* bs, u32 n) {
    for (u32 i = 0; i < n; ++i)
        for (u32 j = i + 1; j < n; ++j)
            if (bs[i].index == bs[j].index) return true;
    return false;
}

// Encodes one M per buffer (make(b) builds its fields) and sends them as one batch.
template <typename M, typename Make>
Result<u32> send_descriptors(Channel& ch, const BulkBuffer* bs, u32 n, Make make) {
    u8 bytes[kBulkMaxBatch][wire_size_of<M>() + 1];
    Outgoing out[kBulkMaxBatch];
    for (u32 i = 0; i < n; ++i) {
        encode_fields(make(bs[i]), bytes[i]);
        out[i] = {.interface = M::kInterface, .type = M::kType, .payload = bytes[i], .length = wire_size_of<M>()};
    }
    return ch.send_batch(out, n);
}

} // namespace

Result<u32> BulkPool::give_batch(Channel& ch, const BulkBuffer* bs, u32 n) {
    if (n == 0 || n > kBulkMaxBatch) return Error::InvalidArgument;
    for (u32 i = 0; i < n; ++i) {
        if (!held(bs[i])) return Error::PermissionDenied;
        if (!in_range(bs[i].offset, bs[i].length)) return Error::OutOfRange;
    }
    if (named_twice(bs, n)) return Error::PermissionDenied;
    u32 sent = TRY(send_descriptors<bulk::give_message>(ch, bs, n, [](const BulkBuffer& b) {
        return bulk::give_message{.buffer = b.index, .generation = b.generation, .offset = b.offset, .length = b.length};
    }));
    for (u32 i = 0; i < sent; ++i) state_[bs[i].index] = Given;
    return sent;
}

Result<u32> BulkPool::decode_return(const Message& m) const {
    bulk::return_message r = TRY(decode_message<bulk::return_message>(m));
    if (m.reply || r.buffer >= buffers_ || state_[r.buffer] != Given || generation_[r.buffer] != r.generation)
        return Error::Malformed;
    return r.buffer;
}

Status BulkPool::take_back(const Message& m) {
    u32 i = TRY(decode_return(m));
    state_[i] = Free;
    free_[free_top_++] = u16(i);
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

Result<BulkBuffer> BulkPeer::decode_give(const Message& m) const {
    bulk::give_message g = TRY(decode_message<bulk::give_message>(m));
    if (m.reply || g.buffer >= buffers_ || held_[g.buffer] || !in_range(g.offset, g.length))
        return Error::Malformed;
    // Newer than the last generation accepted (serial-number order, so it survives wrapping).
    if (i32(g.generation - generation_[g.buffer]) <= 0) return Error::Malformed;
    return BulkBuffer{.index = g.buffer, .generation = g.generation, .offset = g.offset, .length = g.length};
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
    u32 sent = TRY(send_descriptors<bulk::return_message>(
        ch, bs, n, [](const BulkBuffer& b) { return bulk::return_message{.buffer = b.index, .generation = b.generation}; }));
    for (u32 i = 0; i < sent; ++i) held_[bs[i].index] = false;
    return sent;
}

} // namespace mosaic::transports
