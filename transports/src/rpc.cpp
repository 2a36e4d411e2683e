// Split-phase request/reply bookkeeping (see rpc.hpp).
#include <mosaic/transports/rpc.hpp>

namespace mosaic::transports {

PendingCalls::Entry* PendingCalls::find(u32 id) {
    for (Entry& e : entries_)
        if (e.id == id) return &e;
    return nullptr;
}

Result<u32> PendingCalls::call(Channel& ch, u16 interface, u16 type, const u8* payload,
                               u16 length, ReplyFn fn, void* ctx) {
    if (fn == nullptr) return Error::InvalidArgument;
    Entry* e = find(0);
    if (e == nullptr) return Error::CapacityExceeded;
    u32 id = next_id_;
    next_id_ = next_id_ == 0xFFFFFFFFu ? 1 : next_id_ + 1;
    TRY_STATUS(ch.send({.interface = interface, .type = type, .payload = payload,
                        .length = length, .rpc_id = id}));
    *e = {id, fn, ctx};
    return id;
}

Status PendingCalls::complete(const Message& reply) {
    if (!reply.reply || reply.rpc_id == 0) return Error::NotFound;
    Entry* e = find(reply.rpc_id);
    if (e == nullptr) return Error::NotFound;
    Entry done = *e;
    e->id = 0;
    done.fn(done.ctx, reply);
    return {};
}

u32 PendingCalls::outstanding() const {
    u32 n = 0;
    for (const Entry& e : entries_) n += e.id != 0;
    return n;
}

} // namespace mosaic::transports
