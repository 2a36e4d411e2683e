// riscv64 user registers as the CPU driver keeps them, and the system-call register
// mapping of lib/include/mosaic/syscall.hpp: number in a7, arguments a0-a5, error in a0,
// values in a1-a5.
#pragma once

#include <mosaic/syscall.hpp>

namespace mosaic::arch {

// x1..x31 (x[i - 1] is register xi), then the pc; offsets match user_entry.S.
struct UserFrame {
    u64 x[31];
    u64 pc;
};
static_assert(sizeof(UserFrame) == 256);

namespace rv {
constexpr u32 kSp = 2 - 1, kA0 = 10 - 1, kA7 = 17 - 1;
}

inline void user_frame_init(UserFrame& f, u64 pc, u64 sp, u64 arg) {
    f = UserFrame{};
    f.pc = pc;
    f.x[rv::kSp] = sp;
    f.x[rv::kA0] = arg;
}

inline sys::Args syscall_args(const UserFrame& f) {
    sys::Args a;
    a.number = f.x[rv::kA7];
    for (u32 i = 0; i < 6; ++i) a.arg[i] = f.x[rv::kA0 + i];
    return a;
}

inline void set_syscall_return(UserFrame& f, const sys::Return& r) {
    f.x[rv::kA0] = r.error;
    for (u32 i = 0; i < 5; ++i) f.x[rv::kA0 + 1 + i] = r.value[i];
}

inline u64 user_pc(const UserFrame& f) { return f.pc; }

} // namespace mosaic::arch
