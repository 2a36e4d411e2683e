// The register frame trap_entry.S saves; offsets must match that file.
#pragma once

#include <mosaic/types.hpp>

namespace mosaic::riscv {

struct TrapFrame {
    u64 x[31]; // x1..x31 (x[1] is the interrupted sp)
    u64 sepc;
    u64 sstatus;
    u64 pad;
};
static_assert(sizeof(TrapFrame) == 272 && __builtin_offsetof(TrapFrame, sepc) == 248);

} // namespace mosaic::riscv
