// ISA names, the one table of them.
#include <mosaic/fmt.hpp>
#include <mosaic/isa.hpp>

namespace mosaic {

namespace {
constexpr const char* kNames[kIsaCount] = {"x86_64", "aarch64", "riscv64"};
}

const char* isa_name(Isa isa) { return u32(isa) < kIsaCount ? kNames[u32(isa)] : "unknown"; }

Result<Isa> isa_from_name(const char* name, usize len) {
    for (u32 i = 0; i < kIsaCount; ++i)
        if (str_len(kNames[i]) == len && mem_eq(kNames[i], name, len)) return Isa(i);
    return Error::NotFound;
}

} // namespace mosaic
