// The SKB on the board: the boot core loads the board's facts and the rule files into
// the SKB engine and prints the digest of the standard answers, which the boot test
// compares with the answers the host computes from the same manifest.
#pragma once

#include "selftest.hpp"

#include <mosaic/board.hpp>

namespace mosaic::cpudriver {

void test_skb(SelfTest& t, const BoardProfile& board);

} // namespace mosaic::cpudriver
