// ISA names, the one table of them.
#include <mosaic/elf.hpp>
#include <mosaic/fmt.hpp>
#include <mosaic/isa.hpp>

namespace mosaic {

namespace {
constexpr const char* kNames[kIsaCount] = {"x86_64", "aarch64", "riscv64"};
constexpr u16 kMachines[kIsaCount] = {elf::kMachineX86_64, elf::kMachineAarch64, elf::kMachineRiscv};
} // namespace

u16 elf_machine(Isa isa) { return u32(isa) < kIsaCount ? kMachines[u32(isa)] : 0; }

const char* isa_name(Isa isa) { return u32(isa) < kIsaCount ? kNames[u32(isa)] : "unknown"; }

Result<Isa> isa_from_name(const char* name, usize len) {
    for (u32 i = 0; i < kIsaCount; ++i)
        if (str_len(kNames[i]) == len && mem_eq(kNames[i], name, len)) return Isa(i);
    return Error::NotFound;
}

} // namespace mosaic
