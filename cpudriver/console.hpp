// The CPU driver's console: formatted output to the ISA's early UART.
#pragma once

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/fmt.hpp>

namespace mosaic::cpudriver {

inline Sink console_sink() {
    return Sink{[](void*, const char* s, usize n) { arch::console_write(s, n); }, nullptr};
}

template <typename... Args> void kprint(const char* fmt, Args... args) { format(console_sink(), fmt, args...); }

} // namespace mosaic::cpudriver
