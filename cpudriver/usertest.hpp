// User mode on the boot core: the test dispatchers and their checks (see usertest.cpp).
#pragma once

#include "sched.hpp"
#include "selftest.hpp"

#include <mosaic/bundle.hpp>

namespace mosaic::cpudriver {

// Runs the user-mode tests on this core's scheduler, its dispatchers' address spaces
// sharing the kernel map under kernel_root and their programs taken from the image's
// modules; when they are done (or time out), calls done on the kernel stack.
[[noreturn]] void run_user_tests(SelfTest& t, const BootInfo& bi, u64 kernel_root, const bundle::View& view,
                                 void (*done)());

} // namespace mosaic::cpudriver
