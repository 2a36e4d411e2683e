// See names.hpp.
#include <mosaic/monitor/names.hpp>

namespace mosaic::monitor {

bool NameRegistry::valid(const u8* name) {
    if (!name || !name[0]) return false;
    u32 n = 0;
    for (; n < kNameBytes && name[n]; ++n) {
        const u8 c = name[n];
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-' || c == '/';
        if (!ok) return false;
    }
    if (n == kNameBytes) return false; // no NUL in 16 bytes
    for (u32 i = n; i < kNameBytes; ++i)
        if (name[i]) return false; // bytes after the NUL: not one name
    return true;
}

i32 NameRegistry::index_of(const u8* name) const {
    for (u32 i = 0; i < count_; ++i) {
        bool same = true;
        for (u32 k = 0; k < kNameBytes && same; ++k) same = u8(entries_[i].name[k]) == name[k];
        if (same) return i32(i);
    }
    return -1;
}

Status NameRegistry::add(const u8* name, u32 core, u32 dispatcher) {
    if (!valid(name)) return Error::InvalidArgument;
    if (index_of(name) >= 0) return Error::AlreadyExists;
    if (count_ == kMaxNames) return Error::CapacityExceeded;
    Entry& e = entries_[count_++];
    for (u32 k = 0; k < kNameBytes; ++k) e.name[k] = char(name[k]);
    e.core = core;
    e.dispatcher = dispatcher;
    return {};
}

Result<NameRegistry::Entry> NameRegistry::find(const u8* name) const {
    if (!valid(name)) return Error::InvalidArgument;
    const i32 i = index_of(name);
    if (i < 0) return Error::NotFound;
    return entries_[i];
}

Status NameRegistry::remove(const u8* name, u32 core, u32 dispatcher) {
    if (!valid(name)) return Error::InvalidArgument;
    const i32 i = index_of(name);
    if (i < 0) return Error::NotFound;
    if (entries_[i].core != core || entries_[i].dispatcher != dispatcher) return Error::PermissionDenied;
    for (u32 k = u32(i); k + 1 < count_; ++k) entries_[k] = entries_[k + 1];
    --count_;
    return {};
}

u32 NameRegistry::remove_owner(u32 core, u32 dispatcher) {
    u32 kept = 0, gone = 0;
    for (u32 i = 0; i < count_; ++i) {
        if (entries_[i].core == core && entries_[i].dispatcher == dispatcher) {
            ++gone;
            continue;
        }
        entries_[kept++] = entries_[i];
    }
    count_ = kept;
    return gone;
}

Status NameRegistry::add_waiter(const u8* name, u32 core, u32 dispatcher, u64 tag, u64 now) {
    if (!valid(name)) return Error::InvalidArgument;
    for (Waiter& w : waiters_) {
        if (w.used) continue;
        for (u32 k = 0; k < kNameBytes; ++k) w.name[k] = name[k];
        w.core = core, w.dispatcher = dispatcher, w.tag = tag, w.since = now, w.used = true;
        return {};
    }
    return Error::CapacityExceeded;
}

u32 NameRegistry::take_waiters(const u8* name, Waiter* out, u32 cap) {
    u32 n = 0;
    for (Waiter& w : waiters_) {
        if (!w.used || n == cap) continue;
        bool same = true;
        for (u32 k = 0; k < kNameBytes && same; ++k) same = w.name[k] == name[k];
        if (!same) continue;
        out[n++] = w;
        w.used = false;
    }
    return n;
}

u32 NameRegistry::drop_waiters_of(u32 core, u32 dispatcher) {
    u32 n = 0;
    for (Waiter& w : waiters_)
        if (w.used && w.core == core && w.dispatcher == dispatcher) w.used = false, ++n;
    return n;
}

u32 NameRegistry::expire(u64 now, u64 max_age) {
    u32 n = 0;
    for (Waiter& w : waiters_)
        if (w.used && now - w.since >= max_age) w.used = false, ++n;
    return n;
}

u32 NameRegistry::waiting() const {
    u32 n = 0;
    for (const Waiter& w : waiters_) n += w.used;
    return n;
}

Result<NameRegistry::Entry> NameRegistry::at(u32 index) const {
    if (index >= count_) return Error::NotFound;
    return entries_[index];
}

} // namespace mosaic::monitor
