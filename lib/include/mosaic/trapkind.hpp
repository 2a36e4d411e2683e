// What a trap was, in ISA-neutral terms: the CPU driver's trap entries classify every
// synchronous exception as one of these, and a dispatcher's fault reaches its monitor (and
// so the program that started it) as one of them.
#pragma once

#include <mosaic/types.hpp>

namespace mosaic {

enum class TrapKind : u8 { Breakpoint, IllegalInstruction, PageFault, Alignment, Syscall, Other };
// Its name, for panics and fault reports.
inline const char* trap_kind_name(TrapKind k) {
    constexpr const char* names[] = {"Breakpoint", "IllegalInstruction", "PageFault", "Alignment", "Syscall", "Other"};
    return u32(k) < sizeof names / sizeof names[0] ? names[u32(k)] : "Unknown";
}

} // namespace mosaic
