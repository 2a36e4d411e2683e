// Well-formedness of a single capability, shared by boot installation and the wire decoder.
#include <mosaic/caps/capability.hpp>
#include <mosaic/error.hpp>

namespace mosaic::caps {

// Memory types: non-empty, not wrapping, aligned to a page or to their own fixed size.
static Status validate_memory(const Capability& c) {
    u64 fixed = info(c.type).fixed_size;
    u64 align = fixed ? min(fixed, kPageSize) : kPageSize;
    if (c.size == 0) return Error::InvalidArgument;
    if (fixed && c.size != fixed) return Error::InvalidArgument;
    if (c.base + c.size < c.base) return Error::Overflow;
    if ((c.base | c.size) & (align - 1)) return Error::Misaligned;
    return {};
}

Status validate(const Capability& c) {
    if (c.is_null() || u32(c.type) >= kTypeCount) return Error::WrongType;
    if (!rights_within(c.rights, kAllRights)) return Error::InvalidArgument;
    if (c.badge && c.type != CapType::Endpoint) return Error::InvalidArgument;
    if (c.owner >= kMaxCores) return Error::OutOfRange;
    if (is_memory(c.type)) return validate_memory(c);
    // An I/O port range: [base, base + size) within the 64 Ki ports of x86.
    if (c.type == CapType::IoPort)
        return c.size == 0 || c.base > 0xffff || c.size > 0x10000 - c.base ? Error::InvalidArgument : Status();
    if (c.size != 0 || (c.type == CapType::Kernel && c.base != 0)) return Error::InvalidArgument;
    return {};
}

} // namespace mosaic::caps
