// Misbehaves on purpose, in the way arg selects; the CPU driver must report it and go on
// running the core's other dispatchers. Modes 0-2 and 5 never reach their return; mode 6
// asks its monitor to power the node off and to stop other programs, which it must refuse.
#include <mosaic/caps/capability.hpp>
#include <mosaic/user/monitor.hpp>

using namespace mosaic;

extern "C" void _start(u64);

namespace {
constexpr u64 kUnmappedOffset = 512ull << 20; // inside the user window, never mapped
}

int main(u64 arg) {
    auto me = user::core_info();
    switch (arg) {
    case 0: { // read an unmapped address of the user window
        u64 window = u64(uptr(&_start)) & ~((1ull << 30) - 1);
        return int(*reinterpret_cast<volatile u64*>(uptr(window + kUnmappedOffset)));
    }
    case 1: // an undefined instruction
        mosaic_user_illegal();
        return 99;
    case 2: // a write to this program's own code, which is mapped read-only
        *reinterpret_cast<volatile u64*>(uptr(&_start)) = 0;
        return 99;
    case 3: { // a system call number that does not exist: refused with UnknownSyscall
        auto r = user::call(sys::Number(sys::kSyscallCount + 1000));
        user::print("user: dispatcher {}: unknown system call refused: {}\n", me.dispatcher, error_name(user::error_of(r)));
        return user::error_of(r) == Error::UnknownSyscall ? 0 : 1;
    }
    case 4: { // print from memory outside the user window and from unmapped memory: BadAddress;
              // and without a capability to the console UART (the monitor's): refused
        auto kernel = user::call(sys::Number::Print, 0x1000, 8);
        auto unmapped = user::call(sys::Number::Print, (u64(uptr(&_start)) & ~((1ull << 30) - 1)) + kUnmappedOffset, 8);
        auto big = user::call(sys::Number::Print, u64(uptr(&_start)), sys::kMaxPrint + 1);
        const char text[] = "not on the console\n";
        auto nocap = user::call(sys::Number::Print, u64(uptr(text)), sizeof text - 1, 0);
        auto other = user::call(sys::Number::Print, u64(uptr(text)), sizeof text - 1, caps::CPtr::at(sys::kSlotRootTable).raw);
        bool ok = user::error_of(kernel) == Error::BadAddress && user::error_of(unmapped) == Error::BadAddress &&
                  user::error_of(big) == Error::InvalidArgument && user::error_of(nocap) == Error::InvalidSlot &&
                  user::error_of(other) == Error::WrongType;
        user::print("user: dispatcher {}: bad print buffers refused: {}, {}, {}; without the UART's capability: {}, {}\n",
                    me.dispatcher, error_name(user::error_of(kernel)), error_name(user::error_of(unmapped)),
                    error_name(user::error_of(big)), error_name(user::error_of(nocap)), error_name(user::error_of(other)));
        return ok ? 0 : 1;
    }
    case 5: // a breakpoint instruction
        mosaic_user_breakpoint();
        return 99;
    case 6: { // asks its monitor for what only the system's own programs may: the monitor refuses
        user::mon::power_off_request(true);               // the node must go on
        (void)user::mon::stop(u32(sys::kMonitorId) + 1); // the SKB service: not this program's to stop
        (void)user::mon::stop(u32(sys::kMonitorId));     // the monitor itself
        auto still = user::mon::info();                  // the monitor still answers
        return still.ok() && still->agreed ? 0 : 1;
    }
    default:
        return 98;
    }
}
