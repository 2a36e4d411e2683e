// Image bundles: a minimal valid bundle, and truncation, corruption and hostile tables.
#include <doctest.h>
#include <mosaic/bundle.hpp>
#include <mosaic/elf.hpp>

#include <cstring>
#include <string>
#include <vector>

using namespace mosaic;
namespace bn = mosaic::bundle;

// Sets an ISA's blob and entry checks from its boot entry and driver bytes.
static void reseal_boot(std::vector<u8>& img, Isa isa) {
    u8* b = img.data() + bn::kBootTable + u32(isa) * bn::kBootEntrySize;
    bn::BootEntry e{load_le64(b + bn::kBootBlobOffset), load_le64(b + bn::kBootBlobSize), load_le64(b + bn::kBootLoadAddr),
                    load_le64(b + bn::kBootMemSize),    load_le64(b + bn::kBootEntry)};
    e.blob_check = bn::blob_xor(img.data() + e.blob_offset, usize(e.blob_size));
    store_le64(b + bn::kBootBlobCheck, e.blob_check);
    store_le64(b + bn::kBootEntryCheck, bn::entry_xor(e));
}

// Builds a bundle with a manifest entry and a riscv64 driver entry, checksummed.
static std::vector<u8> make_bundle() {
    std::vector<u8> img(bn::kDataOffset + 2 * 4096, 0);
    u8* h = img.data() + bn::kHeaderOffset;
    std::memcpy(h, bn::kMagic, 8);
    store_le32(h + bn::kHdrVersion, bn::kVersion);
    store_le32(h + bn::kHdrEntries, 2);
    store_le64(h + bn::kHdrTotal, img.size());
    auto entry = [&](u32 i, const char* name, bn::Kind kind, Isa isa, u64 off, u64 size) {
        u8* e = img.data() + bn::kEntryTable + i * bn::kEntrySize;
        std::strcpy(reinterpret_cast<char*>(e), name);
        store_le32(e + 40, u32(kind));
        store_le32(e + 44, u32(isa));
        store_le64(e + 48, off);
        store_le64(e + 56, size);
    };
    const char manifest[] = "[board]\nname = t\n";
    std::memcpy(img.data() + bn::kDataOffset, manifest, sizeof manifest - 1);
    entry(0, "manifest", bn::Kind::Manifest, Isa::X86_64, bn::kDataOffset, sizeof manifest - 1);
    entry(1, "cpudriver.riscv64", bn::Kind::CpuDriver, Isa::Riscv64, bn::kDataOffset + 0x1000, 64);
    u8* b = img.data() + bn::kBootTable + 2 * bn::kBootEntrySize;
    store_le64(b + bn::kBootBlobOffset, bn::kDataOffset + 0x1000);
    store_le64(b + bn::kBootBlobSize, 64);
    store_le64(b + bn::kBootLoadAddr, 0x84000000);
    store_le64(b + bn::kBootMemSize, 4096);
    store_le64(b + bn::kBootEntry, 0x84000000);
    for (u32 i = 0; i < 64; ++i) img[bn::kDataOffset + 0x1000 + i] = u8(i * 37 + 1); // the "driver"
    reseal_boot(img, Isa::Riscv64);
    store_le32(h + bn::kHdrCrc, bn::bundle_crc(img.data(), img.size()));
    return img;
}

static void reseal(std::vector<u8>& img) {
    store_le32(img.data() + bn::kHeaderOffset + bn::kHdrCrc, bn::bundle_crc(img.data(), img.size()));
}

TEST_CASE("CRC-32 matches the IEEE check value") {
    const char* s = "123456789";
    CHECK(bn::crc32(0, reinterpret_cast<const u8*>(s), 9) == 0xCBF43926u);
}

TEST_CASE("a valid bundle opens and its entries are found") {
    auto img = make_bundle();
    auto v = bn::View::open(img.data(), img.size());
    REQUIRE(v.ok());
    CHECK(v->entry_count() == 2);
    auto m = v->find(bn::Kind::Manifest);
    REQUIRE(m.ok());
    CHECK(std::string(reinterpret_cast<const char*>(v->data(*m)), m->size) == "[board]\nname = t\n");
    CHECK(v->find(bn::Kind::CpuDriver, Isa::Riscv64)->offset == bn::kDataOffset + 0x1000);
    CHECK(v->find(bn::Kind::CpuDriver, Isa::Aarch64).error() == Error::NotFound);
    CHECK(v->boot(Isa::Riscv64).load_addr == 0x84000000);
    CHECK(v->boot(Isa::X86_64).blob_offset == 0);
}

TEST_CASE("truncated, corrupted and hostile bundles are refused with the right error") {
    auto good = make_bundle();
    CHECK(bn::View::open(good.data(), 100).error() == Error::Truncated);
    CHECK(bn::View::open(good.data(), good.size() - 1).error() == Error::Truncated);
    auto img = good;
    img[bn::kDataOffset + 3] ^= 0x20; // one flipped bit in the manifest
    CHECK(bn::View::open(img.data(), img.size()).error() == Error::BadChecksum);
    img = good;
    img[bn::kHeaderOffset] = 'X';
    CHECK(bn::View::open(img.data(), img.size()).error() == Error::BadMagic);
    img = good;
    store_le32(img.data() + bn::kHeaderOffset + bn::kHdrVersion, bn::kVersion + 1);
    CHECK(bn::View::open(img.data(), img.size()).error() == Error::BadVersion);
    img = good;
    store_le64(img.data() + bn::kEntryTable + bn::kEntrySize + 56, ~u64(0)); // size past the end
    reseal(img);
    CHECK(bn::View::open(img.data(), img.size()).error() == Error::Malformed);
    img = good;
    store_le32(img.data() + bn::kHeaderOffset + bn::kHdrEntries, 1000);
    reseal(img);
    CHECK(bn::View::open(img.data(), img.size()).error() == Error::Malformed);
    img = good;
    store_le32(img.data() + bn::kEntryTable + 40, 99); // unknown kind
    reseal(img);
    CHECK(bn::View::open(img.data(), img.size()).error() == Error::Malformed);
    img = good;
    store_le64(img.data() + bn::kBootTable + 2 * bn::kBootEntrySize + bn::kBootEntry, 0x10); // entry outside driver
    reseal_boot(img, Isa::Riscv64);
    reseal(img);
    CHECK(bn::View::open(img.data(), img.size()).error() == Error::Malformed);
    // The head stubs' checks, which hold before anything else has looked at the bundle: a
    // flipped byte anywhere in the six checked words of a boot entry, or in the driver,
    // fails them even with the file's CRC made right again.
    for (u32 i = 0; i < bn::kBootChecked * 8; ++i) {
        img = good;
        img[bn::kBootTable + 2 * bn::kBootEntrySize + i] ^= 0x10;
        reseal(img);
        const u8* b = img.data() + bn::kBootTable + 2 * bn::kBootEntrySize;
        u64 x = 0;
        for (u32 w = 0; w < bn::kBootChecked; ++w) x ^= load_le64(b + 8 * w);
        CHECK(x != 0);
        CHECK(!bn::View::open(img.data(), img.size()).ok());
    }
    img = good;
    img[bn::kDataOffset + 0x1000 + 17] ^= 0x01; // one bit of the driver
    reseal(img);
    CHECK(bn::View::open(img.data(), img.size()).error() == Error::BadChecksum);
    img = good;
    img[bn::kBootTable + bn::kBootMemSize] = 1; // a byte in the entry of an ISA without a driver
    reseal(img);
    CHECK(bn::View::open(img.data(), img.size()).error() == Error::Malformed);
    // Every reserved header byte must be zero, whatever the checksum says.
    for (u32 i = bn::kHdrReserved; i < bn::kBootTable - bn::kHeaderOffset; ++i) {
        img = good;
        img[bn::kHeaderOffset + i] = 0x40;
        reseal(img);
        CHECK(bn::View::open(img.data(), img.size()).error() == Error::Malformed);
        CHECK(bn::View::open_table(img.data(), img.size()).error() == Error::Malformed);
    }
}

TEST_CASE("ELF reader refuses what it cannot load") {
    std::vector<u8> e(64 + 56, 0);
    std::memcpy(e.data(), "\x7f" "ELF", 4);
    e[4] = 2, e[5] = 1, e[6] = 1;
    store_le16(e.data() + 16, 2);
    store_le16(e.data() + 18, elf::kMachineRiscv);
    store_le64(e.data() + 24, 0x84000000);
    store_le64(e.data() + 32, 64);
    store_le16(e.data() + 54, 56);
    store_le16(e.data() + 56, 1);
    u8* ph = e.data() + 64;
    store_le32(ph, 1);
    store_le64(ph + 8, 0);
    store_le64(ph + 24, 0x84000000);
    store_le64(ph + 32, 64);
    store_le64(ph + 40, 128);
    auto f = elf::File::open(e.data(), e.size());
    REQUIRE(f.ok());
    CHECK(f->machine() == elf::kMachineRiscv);
    auto s = f->load_segment(0);
    REQUIRE(s.ok());
    CHECK(s->memsz == 128);
    CHECK(f->load_segment(1).error() == Error::OutOfRange);
    auto bad = e;
    store_le64(bad.data() + 64 + 32, 1000); // filesz past the end of the file
    CHECK(elf::File::open(bad.data(), bad.size())->load_segment(0).error() == Error::Truncated);
    bad = e;
    store_le16(bad.data() + 56, 500); // program headers past the end
    CHECK(elf::File::open(bad.data(), bad.size()).error() == Error::Truncated);
    bad = e;
    bad[4] = 1; // ELFCLASS32
    CHECK(elf::File::open(bad.data(), bad.size()).error() == Error::Unsupported);
    CHECK(elf::File::open(e.data(), 10).error() == Error::Truncated);
}
