// The memory server's protocol (userland/programs/memserv.cpp), in LMP messages of four
// words: a request {op, size}, and a reply {error, size} that carries the RAM capability.
#pragma once

#include <mosaic/types.hpp>

namespace mosaic::memserv {

enum Op : u64 { kAlloc = 1, kQuit = 2 };

} // namespace mosaic::memserv
