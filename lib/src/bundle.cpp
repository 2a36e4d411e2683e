// Reading and checking image bundles (layout in bundle.hpp).
#include <mosaic/bundle.hpp>
#include <mosaic/fmt.hpp>

namespace mosaic::bundle {

u32 crc32(u32 crc, const u8* data, usize len) {
    crc = ~crc;
    for (usize i = 0; i < len; ++i) {
        crc ^= data[i];
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

u32 bundle_crc(const u8* data, usize len) {
    const usize field = kHeaderOffset + kHdrCrc;
    const u8 zero[4] = {};
    u32 c = crc32(0, data, field);
    c = crc32(c, zero, 4);
    return crc32(c, data + field + 4, len - field - 4);
}

u64 blob_xor(const u8* data, usize size) {
    u64 x = 0;
    for (usize i = 0; i + 8 <= size; i += 8) x ^= load_le64(data + i);
    return x;
}

u64 entry_xor(const BootEntry& b) { return b.blob_offset ^ b.blob_size ^ b.load_addr ^ b.entry ^ b.blob_check; }

Result<View> View::open_table(const u8* data, usize len) {
    if (!data || len < kDataOffset) return Error::Truncated;
    const u8* h = data + kHeaderOffset;
    if (!mem_eq(h + kHdrMagic, kMagic, 8)) return Error::BadMagic;
    if (load_le32(h + kHdrVersion) != kVersion) return Error::BadVersion;
    for (u32 i = kHdrReserved; i < kBootTable - kHeaderOffset; ++i)
        if (h[i]) return Error::Malformed;
    View v;
    v.base_ = data;
    v.total_ = load_le64(h + kHdrTotal);
    v.count_ = load_le32(h + kHdrEntries);
    if (v.total_ < kDataOffset) return Error::Truncated;
    if (v.count_ > kMaxEntries) return Error::Malformed;
    for (u32 i = 0; i < v.count_; ++i) TRY(v.entry(i));
    return v;
}

Result<View> View::open(const u8* data, usize len) {
    View v = TRY(open_table(data, len));
    if (v.total_ > len) return Error::Truncated;
    if (bundle_crc(data, usize(v.total_)) != load_le32(data + kHeaderOffset + kHdrCrc)) return Error::BadChecksum;
    for (u32 i = 0; i < kIsaCount; ++i) {
        BootEntry b = v.boot(Isa(i));
        if (b.blob_offset == 0) { // no driver for this ISA: the whole entry is zero
            for (u32 k = 0; k < kBootEntrySize; ++k)
                if (data[kBootTable + i * kBootEntrySize + k]) return Error::Malformed;
            continue;
        }
        if (b.blob_offset < kDataOffset || b.blob_offset > v.total_ || b.blob_size > v.total_ - b.blob_offset ||
            b.blob_size == 0 || b.blob_size % 8 || b.blob_size > b.mem_size || b.entry < b.load_addr ||
            b.entry >= b.load_addr + b.mem_size || b.load_addr + b.mem_size < b.load_addr)
            return Error::Malformed;
        if (entry_xor(b) != b.entry_check || blob_xor(data + b.blob_offset, usize(b.blob_size)) != b.blob_check)
            return Error::BadChecksum;
    }
    return v;
}

Result<Entry> View::entry(u32 index) const {
    if (index >= count_) return Error::OutOfRange;
    const u8* p = base_ + kEntryTable + index * kEntrySize;
    Entry e;
    for (u32 i = 0; i < sizeof e.name; ++i) e.name[i] = char(p[i]);
    if (e.name[sizeof e.name - 1] != 0 || e.name[0] == 0) return Error::Malformed;
    u32 kind = load_le32(p + 40), isa = load_le32(p + 44);
    e.offset = load_le64(p + 48);
    e.size = load_le64(p + 56);
    if (kind < u32(Kind::Manifest) || kind > u32(Kind::Facts) || isa >= kIsaCount) return Error::Malformed;
    e.kind = Kind(kind);
    e.isa = Isa(isa);
    if (e.offset < kDataOffset || e.offset > total_ || e.size > total_ - e.offset) return Error::Malformed;
    return e;
}

BootEntry View::boot(Isa isa) const {
    const u8* p = base_ + kBootTable + u32(isa) * kBootEntrySize;
    return BootEntry{load_le64(p + kBootBlobOffset), load_le64(p + kBootBlobSize), load_le64(p + kBootLoadAddr),
                     load_le64(p + kBootMemSize),    load_le64(p + kBootEntry),    load_le64(p + kBootBlobCheck),
                     load_le64(p + kBootEntryCheck)};
}

Result<Entry> View::find(Kind kind, Isa isa) const {
    for (u32 i = 0; i < count_; ++i) {
        Entry e = TRY(entry(i));
        bool per_isa = kind == Kind::CpuDriver || kind == Kind::Module;
        if (e.kind == kind && (!per_isa || e.isa == isa)) return e;
    }
    return Error::NotFound;
}

Result<Entry> View::find_module(Isa isa, const char* name) const {
    for (u32 i = 0; i < count_; ++i) {
        Entry e = TRY(entry(i));
        if (e.kind != Kind::Module || e.isa != isa) continue;
        usize k = 0;
        while (k < sizeof e.name && name[k] && e.name[k] == name[k]) ++k;
        if (k < sizeof e.name && !name[k] && !e.name[k]) return e;
    }
    return Error::NotFound;
}

} // namespace mosaic::bundle
