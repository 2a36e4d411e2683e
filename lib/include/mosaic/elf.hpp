// A bounds-checked ELF64 reader: the loadable segments of a little-endian ELF64
// executable, for the image bundler (CPU drivers) and later the loader of user modules.
#pragma once

#include <mosaic/error.hpp>

namespace mosaic::elf {

constexpr u16 kMachineX86_64 = 62, kMachineAarch64 = 183, kMachineRiscv = 243;

struct Segment {
    u64 offset = 0;   // in the file
    u64 filesz = 0;
    u64 vaddr = 0;
    u64 paddr = 0;
    u64 memsz = 0;
    u32 flags = 0;    // PF_X = 1, PF_W = 2, PF_R = 4
};

class File {
  public:
    // Checks the identification, header and program-header table bounds.
    static Result<File> open(const u8* data, usize len);
    File() = default;
    u16 machine() const { return machine_; }
    u64 entry() const { return entry_; }
    u32 segment_count() const { return phnum_; }
    // The index-th program header if it is PT_LOAD (NotFound otherwise), with bounds checked.
    Result<Segment> load_segment(u32 index) const;

  private:
    const u8* data_ = nullptr;
    usize len_ = 0;
    u16 machine_ = 0;
    u64 entry_ = 0;
    u64 phoff_ = 0;
    u32 phnum_ = 0;
};

} // namespace mosaic::elf
