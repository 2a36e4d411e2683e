// In-guest test reporting: one "TEST <name> PASS" or "TEST <name> FAIL <reason>" line
// per test and a final "VERDICT PASS|FAIL" line that the board runner reads.
#pragma once

#include "console.hpp"

namespace mosaic::cpudriver {

class SelfTest {
  public:
    template <typename... Args> bool check(bool ok, const char* name, const char* why_fmt, Args... args) {
        ConsoleLock lock; // one line, even with other cores printing
        if (ok) {
            kprint("TEST {} PASS\n", name);
            ++passed_;
        } else {
            kprint("TEST {} FAIL ", name);
            kprint(why_fmt, args...);
            kprint("\n");
            ++failed_;
        }
        return ok;
    }
    [[noreturn]] void finish() {
        kprint("VERDICT {} ({} passed, {} failed)\n", failed_ ? "FAIL" : "PASS", passed_, failed_);
        arch::power_off(failed_ == 0);
    }

  private:
    u32 passed_ = 0, failed_ = 0;
};

} // namespace mosaic::cpudriver
