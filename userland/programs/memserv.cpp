// The memory server: cuts the RAM capability it was given into naturally aligned chunks
// (caps::RamAllocator, by retype) and sends one with each reply. Protocol:
// mosaic/user/memserv.hpp. arg 1: a service of the node (init starts it from the board
// profile): it runs for good, and a quit request only makes it report what it served; arg 0:
// it ends when told to quit.
#include <mosaic/user/caps.hpp>
#include <mosaic/user/memserv.hpp>
#include <mosaic/user/sys.hpp>

using namespace mosaic;

namespace {
constexpr u32 kChunkSlots = 32, kFirstChunkSlot = sys::kSlotFirstFree; // slots it may fill

void reply(u64 to, u64 error, u64 size, u64 cap) {
    const u64 w[sys::kLmpWords] = {error, size, 0, 0};
    while (user::lmp_send(to, w, cap) == Error::WouldBlock) user::yield();
}
} // namespace

int main(u64 arg) {
    const bool service = arg == 1;
    caps::RamAllocator ram(user::cap_invoke, nullptr, caps::CPtr::at(sys::kSlotRam), caps::CPtr::at(kFirstChunkSlot),
                           kChunkSlots);
    if (!ram.init().ok()) return 1;
    auto me = user::core_info();
    user::print("user: memory server (dispatcher {}) has {} KiB to hand out\n", me.dispatcher, ram.bytes_free() >> 10);
    for (u32 served = 0;;) {
        auto m = user::lmp_receive();
        if (!m.ok()) return 2;
        switch (m->word[0]) {
        case memserv::kAlloc: {
            auto chunk = ram.alloc(m->word[1]);
            if (chunk.ok()) ++served;
            reply(m->sender, chunk.ok() ? 0 : u64(chunk.error()), m->word[1], chunk.ok() ? chunk->raw : 0);
            break;
        }
        case memserv::kQuit:
            user::print("user: memory server: {} allocations served, {} KiB left\n", served, ram.bytes_free() >> 10);
            if (!service) return 0;
            break;
        default:
            reply(m->sender, u64(Error::InvalidArgument), 0, 0);
        }
    }
}
