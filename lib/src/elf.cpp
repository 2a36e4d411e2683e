// ELF64 header and program-header parsing (System V gABI, ELF-64 object file format).
#include <mosaic/elf.hpp>
#include <mosaic/fmt.hpp>

namespace mosaic::elf {

Result<File> File::open(const u8* data, usize len) {
    if (!data || len < 64) return Error::Truncated;
    if (!mem_eq(data, "\x7f" "ELF", 4)) return Error::BadMagic;
    if (data[4] != 2 || data[5] != 1) return Error::Unsupported; // ELFCLASS64, little-endian
    if (data[6] != 1) return Error::BadVersion;
    File f;
    f.data_ = data;
    f.len_ = len;
    f.machine_ = load_le16(data + 18);
    f.entry_ = load_le64(data + 24);
    f.phoff_ = load_le64(data + 32);
    u16 phentsize = load_le16(data + 54);
    f.phnum_ = load_le16(data + 56);
    if (load_le16(data + 16) != 2) return Error::Unsupported; // ET_EXEC only
    if (f.phnum_ && phentsize != 56) return Error::Malformed;
    if (f.phoff_ > len || u64(f.phnum_) * 56 > len - f.phoff_) return Error::Truncated;
    return f;
}

Result<Segment> File::load_segment(u32 index) const {
    if (index >= phnum_) return Error::OutOfRange;
    const u8* p = data_ + phoff_ + u64(index) * 56;
    if (load_le32(p) != 1) return Error::NotFound; // PT_LOAD
    Segment s;
    s.flags = load_le32(p + 4);
    s.offset = load_le64(p + 8);
    s.vaddr = load_le64(p + 16);
    s.paddr = load_le64(p + 24);
    s.filesz = load_le64(p + 32);
    s.memsz = load_le64(p + 40);
    if (s.offset > len_ || s.filesz > len_ - s.offset) return Error::Truncated;
    if (s.filesz > s.memsz || s.paddr + s.memsz < s.paddr || s.vaddr + s.memsz < s.vaddr) return Error::Malformed;
    return s;
}

} // namespace mosaic::elf
