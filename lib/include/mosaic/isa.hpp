// The instruction sets Mosaic runs on, as data (names and wire ids), for manifests,
// board profiles and the interconnect; not for conditional compilation.
#pragma once

#include <mosaic/error.hpp>

namespace mosaic {

enum class Isa : u8 { X86_64 = 0, Aarch64 = 1, Riscv64 = 2 };
constexpr u32 kIsaCount = 3;

// "x86_64", "aarch64", "riscv64".
const char* isa_name(Isa isa);
// The inverse of isa_name; NotFound for anything else.
Result<Isa> isa_from_name(const char* name, usize len);
// The ELF e_machine of the ISA's programs.
u16 elf_machine(Isa isa);

} // namespace mosaic
