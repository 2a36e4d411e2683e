// aarch64 user registers as the CPU driver keeps them, and the system-call register
// mapping of lib/include/mosaic/syscall.hpp: number in x8, arguments x0-x5, error in x0,
// values in x1-x5.
#pragma once

#include <mosaic/syscall.hpp>

namespace mosaic::arch {

// x0..x30, SP_EL0, the pc (ELR_EL1), PSTATE (SPSR_EL1: the user's condition flags) and
// the user's thread register TPIDR_EL0; offsets match user_entry.S.
struct UserFrame {
    u64 x[31];
    u64 sp;
    u64 pc;
    u64 pstate;
    u64 tpidr;
};
static_assert(sizeof(UserFrame) == 280 && __builtin_offsetof(UserFrame, sp) == 248 &&
              __builtin_offsetof(UserFrame, pc) == 256 && __builtin_offsetof(UserFrame, pstate) == 264 &&
              __builtin_offsetof(UserFrame, tpidr) == 272);

inline void user_frame_init(UserFrame& f, u64 pc, u64 sp, u64 arg) {
    f = UserFrame{};
    f.pc = pc;
    f.sp = sp;
    f.x[0] = arg;
}

inline sys::Args syscall_args(const UserFrame& f) {
    sys::Args a;
    a.number = f.x[8];
    for (u32 i = 0; i < 6; ++i) a.arg[i] = f.x[i];
    return a;
}

inline void set_syscall_return(UserFrame& f, const sys::Return& r) {
    f.x[0] = r.error;
    for (u32 i = 0; i < 5; ++i) f.x[1 + i] = r.value[i];
}

inline u64 user_pc(const UserFrame& f) { return f.pc; }

} // namespace mosaic::arch
