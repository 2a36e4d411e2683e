// The CPU driver's console: formatted output to the ISA's early UART.
#pragma once

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/fmt.hpp>

namespace mosaic::cpudriver {

// The console UART is the one device all CPU drivers of a node write to. Once other cores
// run (console_share()), a lock word keeps each kprint's text, and each user Print, in one
// piece; a core that already holds it (a panic while printing) goes on.
void console_share();
class ConsoleLock {
  public:
    ConsoleLock();
    ~ConsoleLock();
    ConsoleLock(const ConsoleLock&) = delete;
    ConsoleLock& operator=(const ConsoleLock&) = delete;

  private:
    bool taken_ = false;
};

inline Sink console_sink() {
    return Sink{[](void*, const char* s, usize n) { arch::console_write(s, n); }, nullptr};
}

template <typename... Args> void kprint(const char* fmt, Args... args) {
    ConsoleLock lock;
    format(console_sink(), fmt, args...);
}

// Stops the machine with a failure after saying why: for what the CPU driver cannot go on
// without (its kernel map, its monitor).
template <typename... Args> [[noreturn]] void panic(const char* fmt, Args... args) {
    {
        ConsoleLock lock;
        format(console_sink(), "\nPANIC: ");
        format(console_sink(), fmt, args...);
        format(console_sink(), "\n");
    }
    arch::power_off(false);
}

} // namespace mosaic::cpudriver
