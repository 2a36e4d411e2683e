// Capability invocations from user mode: the cap_invoke system call in the shape the
// hardware-neutral caps/ code (RamAllocator) expects.
#pragma once

#include <mosaic/caps/invocation.hpp>
#include <mosaic/caps/ram_alloc.hpp>

namespace mosaic::user {

// Sends invocation words to the CPU driver; Identify and HasDescendants fill the reply.
Result<caps::Reply> cap_invoke(void* ctx, const u64* words, usize n);

} // namespace mosaic::user
