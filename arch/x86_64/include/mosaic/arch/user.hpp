// x86_64 user registers as the CPU driver keeps them, and the system-call register
// mapping of lib/include/mosaic/syscall.hpp: number in rax, arguments rdi rsi rdx r10 r8
// r9, error in rax, values in rdi rsi rdx r10 r8.
#pragma once

#include <mosaic/syscall.hpp>

namespace mosaic::arch {

// The general registers, rip, rsp, rflags and the data segment selectors the user may
// have loaded; offsets match user_entry.S. CS and SS are always the user selectors.
struct UserFrame {
    u64 rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
    u64 rip, rsp, rflags;
    u16 ds, es, fs, gs;
};
static_assert(sizeof(UserFrame) == 152);

// _start is entered as if called: rsp is 8 mod 16 (a return address's room under the
// 16-byte-aligned stack top), arg in rdi; null data selectors, interrupts on.
inline void user_frame_init(UserFrame& f, u64 pc, u64 sp, u64 arg) {
    f = UserFrame{};
    f.rip = pc;
    f.rsp = sp - 8;
    f.rdi = arg;
    f.rflags = 0x202; // IF, and bit 1 (always set)
}

inline sys::Args syscall_args(const UserFrame& f) {
    sys::Args a;
    a.number = f.rax;
    a.arg[0] = f.rdi;
    a.arg[1] = f.rsi;
    a.arg[2] = f.rdx;
    a.arg[3] = f.r10;
    a.arg[4] = f.r8;
    a.arg[5] = f.r9;
    return a;
}

inline void set_syscall_return(UserFrame& f, const sys::Return& r) {
    f.rax = r.error;
    f.rdi = r.value[0];
    f.rsi = r.value[1];
    f.rdx = r.value[2];
    f.r10 = r.value[3];
    f.r8 = r.value[4];
}

inline u64 user_pc(const UserFrame& f) { return f.rip; }

} // namespace mosaic::arch
