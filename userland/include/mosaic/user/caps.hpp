// Capability invocations from user mode: the cap_invoke system call in the shape the
// hardware-neutral caps/ code (RamAllocator) expects.
#pragma once

#include <mosaic/caps/invocation.hpp>
#include <mosaic/caps/ram_alloc.hpp>

namespace mosaic::user {

// Sends invocation words to the CPU driver; Identify and HasDescendants fill the reply.
Result<caps::Reply> cap_invoke(void* ctx, const u64* words, usize n);

// One call per capability operation (caps/include/mosaic/caps/invocation.hpp says what each
// does), for programs that build and map their own memory (the monitor's loader, Vspace,
// the capability tests).
namespace cap {
Error invoke(const u64* words, usize n);
Error copy(caps::CPtr from, caps::CPtr to);
Error mint(caps::CPtr from, caps::CPtr to, u64 rights);
Error retype(caps::CPtr from, caps::CPtr to, caps::CapType type, u64 size, u64 count, u64 offset);
Error slot_op(caps::Op op, caps::CPtr slot); // Delete, Revoke
Error map(caps::CPtr table, u64 index, caps::CPtr frame, u64 rights, u64 offset = 0);
Error map_table(caps::CPtr table, u64 index, caps::CPtr child);
Result<caps::Capability> identify(caps::CPtr slot);
// An I/O port of the range `ports` names: width 1, 2 or 4 bytes.
Result<u32> io_read(caps::CPtr ports, u64 offset, u32 width = 1);
Error io_write(caps::CPtr ports, u64 offset, u32 value, u32 width = 1);
} // namespace cap

} // namespace mosaic::user
