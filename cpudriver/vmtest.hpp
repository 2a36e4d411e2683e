// The boot core's MMU boot test (see vmtest.cpp).
#pragma once

#include "selftest.hpp"

#include <mosaic/cpudriver/core.hpp>

namespace mosaic::cpudriver {

void test_mmu(SelfTest& t, const BootInfo& bi, CoreState& me);

} // namespace mosaic::cpudriver
