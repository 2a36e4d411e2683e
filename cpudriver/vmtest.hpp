// The boot core's MMU boot test (see vmtest.cpp).
#pragma once

#include "selftest.hpp"

#include <mosaic/cpudriver/core.hpp>

namespace mosaic::cpudriver {

void test_mmu(SelfTest& t, const BootInfo& bi, CoreState& me);
// The root of the boot core's kernel map once test_mmu built and activated it, else 0.
u64 kernel_root();

} // namespace mosaic::cpudriver
