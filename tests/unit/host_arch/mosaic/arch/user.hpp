// A user frame for host tests of the CPU driver's hardware-neutral parts: the seven ABI
// registers of lib/include/mosaic/syscall.hpp, a stack pointer and a pc.
#pragma once

#include <mosaic/syscall.hpp>

namespace mosaic::arch {

struct UserFrame {
    u64 r[7]; // number/error, then arg0..arg5 / value0..value4
    u64 sp, pc;
};

inline void user_frame_init(UserFrame& f, u64 pc, u64 sp, u64 arg) {
    f = UserFrame{};
    f.pc = pc;
    f.sp = sp;
    f.r[1] = arg;
}
inline sys::Args syscall_args(const UserFrame& f) {
    sys::Args a;
    a.number = f.r[0];
    for (u32 i = 0; i < 6; ++i) a.arg[i] = f.r[1 + i];
    return a;
}
inline void set_syscall_return(UserFrame& f, const sys::Return& r) {
    f.r[0] = r.error;
    for (u32 i = 0; i < 5; ++i) f.r[1 + i] = r.value[i];
}
inline u64 user_pc(const UserFrame& f) { return f.pc; }

} // namespace mosaic::arch
