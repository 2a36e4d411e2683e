// The Mosaic image bundle: one file that every node of a board boots from.
//
// Layout (all fields little-endian, offsets in bytes from the start of the file):
//   0x000  riscv64 head stub   (QEMU/OpenSBI enter a raw kernel at its first byte)
//   0x080  aarch64 head stub   (entered at image_addr + 0x80 by the board runner)
//   0x100  Multiboot 1 header  (x86 entry through QEMU's multiboot loader, a.out kludge)
//   0x140  x86_64 head stub    (32-bit protected mode, the Multiboot entry address)
//   0x200  BundleHeader        (magic, version, sizes, CRC-32 of the whole file)
//   0x240  boot table          (one BootEntry per ISA, read by the head stubs)
//   0x2e8  refusal message     (what a head stub prints when its boot entry or driver is corrupt)
//   0x340  entry table         (Entry: name, kind, isa, offset, size; up to 115 entries)
//   0x2000 entry data, each entry 4 KiB aligned.
// A head stub copies its ISA's CPU driver from the bundle to the driver's load address and
// jumps to its entry with the bundle's address in a register (see arch/<isa>/head.S).
// Nothing has checked the bundle when a head stub runs, so each boot entry carries two
// checks a stub can afford: `entry_check` makes the XOR of the entry's first six 64-bit
// words zero, and `blob_check` is the XOR of the driver's 64-bit words (the stub folds
// it into its copy loop and compares before it jumps). A stub that finds either wrong
// prints the refusal message through its firmware's console and powers off (head.S).
#pragma once

#include <mosaic/isa.hpp>

namespace mosaic::bundle {

constexpr u32 kHeadRiscv64 = 0x000, kHeadAarch64 = 0x080, kMultiboot = 0x100, kHeadX86 = 0x140;
constexpr u32 kHeadSlot = 0x80;       // bytes the riscv64 and aarch64 head stubs may use
constexpr u32 kHeadX86Slot = 0xc0;    // the x86_64 one: to the header
constexpr u32 kMultibootSlot = 0x40;
constexpr u32 kHeaderOffset = 0x200;
constexpr u32 kBootTable = 0x240, kBootEntrySize = 56;
constexpr u32 kRefusal = 0x2e8, kRefusalSize = 0x58; // NUL-terminated message
constexpr u32 kEntryTable = 0x340, kEntrySize = 64;
constexpr u32 kDataOffset = 0x2000;
constexpr u32 kMaxEntries = (kDataOffset - kEntryTable) / kEntrySize;
// 2: the entry table grew to 116 entries (data from 0x2000); 3: checked boot entries and
// the refusal message (115 entries).
constexpr u32 kVersion = 3;
constexpr char kMagic[8] = {'M', 'O', 'S', 'A', 'I', 'C', 'B', '1'};

// Header field offsets (relative to kHeaderOffset).
constexpr u32 kHdrMagic = 0, kHdrVersion = 8, kHdrEntries = 12, kHdrTotal = 16, kHdrCrc = 24;
constexpr u32 kHdrReserved = 28; // to the boot table: zero (a reader refuses anything else)

// Boot-table field offsets (relative to the ISA's BootEntry); the head stubs use these.
// The six words a stub reads come first; mem_size (checked by the CRC and View::open, not
// by the stubs) last.
constexpr u32 kBootBlobOffset = 0, kBootBlobSize = 8, kBootLoadAddr = 16, kBootEntry = 24, kBootBlobCheck = 32,
              kBootEntryCheck = 40, kBootMemSize = 48;
constexpr u32 kBootChecked = 6; // words whose XOR is zero in a sound entry

enum class Kind : u32 { Manifest = 1, CpuDriver = 2, Module = 3, Facts = 4 };

// Where one ISA's CPU driver is and where it runs.
struct BootEntry {
    u64 blob_offset = 0; // 0 = this ISA has no CPU driver in the bundle
    u64 blob_size = 0;   // bytes copied (a multiple of 8)
    u64 load_addr = 0;   // physical address the driver is linked at
    u64 mem_size = 0;    // bytes including .bss, from load_addr
    u64 entry = 0;       // physical entry address
    u64 blob_check = 0;  // XOR of the blob's 64-bit words
    u64 entry_check = 0; // makes the XOR of the first six words zero
};

// The XOR of a blob's little-endian 64-bit words (size a multiple of 8).
u64 blob_xor(const u8* data, usize size);
// entry_check for an entry whose other words are set.
u64 entry_xor(const BootEntry& b);

struct Entry {
    char name[40] = {};
    Kind kind = Kind::Module;
    Isa isa = Isa::X86_64; // meaningful for CpuDriver and Module
    u64 offset = 0;
    u64 size = 0;
};

// A validated, read-only view of a bundle in memory.
class View {
  public:
    // Checks magic, version, sizes, every table entry's bounds, and the CRC-32.
    static Result<View> open(const u8* data, usize len);
    // Only the header and the entry table (the first kDataOffset bytes): magic, version and
    // every entry's bounds against the header's total size, without the CRC over the whole
    // file (for a reader that maps the table, then only the entry it wants: data() must not
    // be used on such a view).
    static Result<View> open_table(const u8* data, usize len);
    View() = default;
    u32 entry_count() const { return count_; }
    u64 total_size() const { return total_; }
    Result<Entry> entry(u32 index) const;
    BootEntry boot(Isa isa) const;
    // The first entry of a kind (and ISA, for drivers and modules).
    Result<Entry> find(Kind kind, Isa isa = Isa::X86_64) const;
    // The module of an ISA with this name.
    Result<Entry> find_module(Isa isa, const char* name) const;
    const u8* data(const Entry& e) const { return base_ + e.offset; }

  private:
    const u8* base_ = nullptr;
    u64 total_ = 0;
    u32 count_ = 0;
};

// CRC-32 (IEEE 802.3, reflected, as zlib): crc32(0, ...) for a fresh checksum.
u32 crc32(u32 crc, const u8* data, usize len);

// The CRC of a bundle: of all bytes with the header's CRC field read as zero.
u32 bundle_crc(const u8* data, usize len);

} // namespace mosaic::bundle
