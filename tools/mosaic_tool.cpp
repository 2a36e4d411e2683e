// mosaic-tool: the host side of board profiles and image bundles, built from the same
// parsers the guests use. Called by ./mosaic; usable by hand:
//   mosaic-tool board FILE                  validate a board profile, print it as JSON
//   mosaic-tool bundle --board FILE --out IMG --head ISA=ELF --cpudriver ISA=ELF
//                      [--module ISA=NAME=FILE] [--facts FILE]
//   mosaic-tool inspect IMG                 check an image bundle and list its entries
//   mosaic-tool dtb FILE                    what the CPU drivers' device-tree reader finds
//                                           in a tree (console, cores, interrupt
//                                           controllers, PSCI, memory), as JSON
//   mosaic-tool skb FILE                    the SKB's standard answers for a board, and
//                                           their digest as the guests print it
//   mosaic-tool skb FILE --facts F --multicast ROOT
//                                           the board's multicast tree from core ROOT over
//                                           all its cores, with the facts in F (SKB text,
//                                           e.g. the latencies a boot measured) added, as
//                                           the guests print it ("SKB multicast ...")
// Exit status: 0 success, 1 bad input (message names the file and field), 2 usage.
#include <mosaic/board.hpp>
#include <mosaic/bootinfo.hpp>
#include <mosaic/bundle.hpp>
#include <mosaic/uart.hpp>
#include <mosaic/dtb.hpp>
#include <mosaic/elf.hpp>
#include <mosaic/skb/board.hpp>
#include <mosaic/skb/decide.hpp>
#include <mosaic/transports/conformance.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

using namespace mosaic;
namespace bn = mosaic::bundle;

namespace {

using Bytes = std::vector<u8>;

struct Failure {
    std::string message;
};

[[noreturn]] void die(const std::string& msg) { throw Failure{msg}; }

Bytes read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) die(path + ": cannot open");
    return Bytes(std::istreambuf_iterator<char>(f), {});
}

std::string json_escape(const char* s) {
    std::string out;
    for (; *s; ++s) {
        if (*s == '"' || *s == '\\') out += '\\';
        out += *s;
    }
    return out;
}

BoardProfile load_board(const std::string& path) {
    Bytes text = read_file(path);
    BoardError err;
    auto b = parse_board(reinterpret_cast<const char*>(text.data()), text.size(), err);
    if (!b.ok()) {
        std::string where = path + (err.line ? ":" + std::to_string(err.line) : "");
        std::string field = err.field[0] ? " field '" + std::string(err.field) + "'" : "";
        die(where + ":" + field + " " + err.message + " (" + error_name(err.code) + ")");
    }
    return *b;
}

int cmd_board(const std::string& path) {
    BoardProfile b = load_board(path);
    std::printf("{\"name\": \"%s\", \"description\": \"%s\", \"default\": %s, \"interconnect\": %llu, "
                "\"timeout\": %u, \"nodes\": [",
                json_escape(b.name).c_str(), json_escape(b.description).c_str(), b.is_default ? "true" : "false",
                (unsigned long long)b.interconnect, b.timeout);
    for (u32 i = 0; i < b.node_count; ++i) {
        const NodeProfile& n = b.nodes[i];
        std::printf("%s{\"name\": \"%s\", \"isa\": \"%s\", \"machine\": \"%s\", \"cpu\": \"%s\", \"cores\": %u, "
                    "\"memory\": %llu, \"image_addr\": %llu, \"exit\": \"%s\", \"boot\": \"%s\", "
                    "\"driver_addr\": %llu, \"dtb\": \"%s\"}",
                    i ? ", " : "", json_escape(n.name).c_str(), isa_name(n.isa), json_escape(n.machine).c_str(),
                    json_escape(n.cpu).c_str(), n.cores, (unsigned long long)n.memory,
                    (unsigned long long)n.image_addr, exit_method_name(n.exit),
                    n.boot == BootMethod::UBoot ? "u-boot" : "direct", (unsigned long long)n.driver_addr,
                    json_escape(n.dtb).c_str());
    }
    std::printf("]}\n");
    return 0;
}

// A CPU driver or head stub flattened from its ELF loadable segments.
struct Flat {
    Bytes bytes;
    u64 load = 0, mem = 0, entry = 0;
};

Flat flatten(const std::string& path, u16 machine) {
    Bytes data = read_file(path);
    auto f = elf::File::open(data.data(), data.size());
    if (!f.ok()) die(path + ": not a usable ELF64 executable (" + error_name(f.error()) + ")");
    if (f->machine() != machine) die(path + ": ELF machine " + std::to_string(f->machine()) + ", expected " + std::to_string(machine));
    std::vector<elf::Segment> segs;
    for (u32 i = 0; i < f->segment_count(); ++i) {
        auto s = f->load_segment(i);
        if (s.ok() && s->memsz) segs.push_back(*s);
        else if (!s.ok() && s.error() != Error::NotFound) die(path + ": bad program header " + std::to_string(i));
    }
    if (segs.empty()) die(path + ": no loadable segments");
    Flat out;
    out.load = UINT64_MAX;
    u64 file_end = 0, mem_end = 0;
    for (auto& s : segs) {
        out.load = std::min(out.load, s.paddr);
        file_end = std::max(file_end, s.paddr + s.filesz);
        mem_end = std::max(mem_end, s.paddr + s.memsz);
    }
    if (file_end - out.load > (64u << 20)) die(path + ": segments span more than 64 MiB");
    out.bytes.assign(align_up(file_end - out.load, 8), 0);
    for (auto& s : segs)
        std::copy_n(data.begin() + s.offset, s.filesz, out.bytes.begin() + (s.paddr - out.load));
    out.mem = align_up(std::max<u64>(mem_end - out.load, out.bytes.size()), 8);
    out.entry = f->entry();
    return out;
}

// Moves a flattened CPU driver to run at `to` instead of where it was linked: the driver is
// linked with --emit-relocs, so its ELF keeps every relocation the linker applied; a move
// by a multiple of 4 KiB leaves PC-relative ones (and page offsets) right, and the absolute
// ones (64- and 32-bit pointers) get the difference added. Any other absolute kind cannot
// be moved this way and stops the bundle with its name.
void relocate(Flat& f, const std::string& path, u64 to) {
    const i64 delta = i64(to - f.load);
    if (delta == 0) return;
    if (to & 0xfff) die(path + ": a CPU driver moves by whole 4 KiB pages");
    Bytes data = read_file(path);
    auto need = [&](u64 off, u64 len) {
        if (off > data.size() || len > data.size() - off) die(path + ": section table out of bounds");
    };
    need(0, 64);
    const u16 machine = load_le16(data.data() + 18);
    const u64 shoff = load_le64(data.data() + 0x28);
    const u16 shentsize = load_le16(data.data() + 0x3a), shnum = load_le16(data.data() + 0x3c);
    if (shentsize != 64) die(path + ": unexpected section header size");
    need(shoff, u64(shnum) * 64);
    auto sh = [&](u32 i) { return data.data() + shoff + u64(i) * 64; };
    u32 applied = 0;
    bool any_rela = false;
    for (u32 i = 0; i < shnum; ++i) {
        const u8* h = sh(i);
        if (load_le32(h + 4) != 4) continue; // SHT_RELA
        const u32 target = load_le32(h + 44), symtab = load_le32(h + 40);
        if (target >= shnum || symtab >= shnum) die(path + ": bad relocation section");
        if (!(load_le64(sh(target) + 8) & 2)) continue; // not loaded (debug information)
        any_rela = true;
        const u64 off = load_le64(h + 24), size = load_le64(h + 32);
        const u64 sym_off = load_le64(sh(symtab) + 24), sym_size = load_le64(sh(symtab) + 32);
        need(off, size);
        need(sym_off, sym_size);
        for (u64 r = off; r + 24 <= off + size; r += 24) {
            const u64 where = load_le64(data.data() + r), info = load_le64(data.data() + r + 8);
            const u32 type = u32(info), sym = u32(info >> 32);
            if (u64(sym) * 24 + 24 > sym_size) die(path + ": relocation names a symbol past the table");
            const u16 shndx = load_le16(data.data() + sym_off + u64(sym) * 24 + 6);
            if (shndx == 0xfff1) continue; // an absolute value: it does not move
            unsigned width = 0;
            if (machine == elf::kMachineAarch64) {
                if (type == 257) width = 8;                                   // R_AARCH64_ABS64
                else if (type == 258) width = 4;                              // R_AARCH64_ABS32
                else if (type == 259 || (type >= 263 && type <= 270)) width = 1; // ABS16, MOVW_UABS: refused
            } else if (machine == elf::kMachineRiscv) {
                if (type == 2) width = 8;                                     // R_RISCV_64
                else if (type == 1) width = 4;                                // R_RISCV_32
                else if (type >= 26 && type <= 28) width = 1;                 // HI20, LO12_I/S: refused
            }
            if (width == 0) continue; // PC-relative, or a difference: the same after the move
            if (width == 1) {
                char at[32];
                std::snprintf(at, sizeof at, "0x%llx", (unsigned long long)where);
                die(path + ": relocation type " + std::to_string(type) + " at " + at +
                    " is absolute in a way that cannot be moved; link at the board's address instead");
            }
            if (where < f.load || where + width > f.load + f.bytes.size())
                die(path + ": a relocated word lies outside the loaded bytes");
            u8* p = f.bytes.data() + (where - f.load);
            if (width == 8) {
                store_le64(p, load_le64(p) + u64(delta));
            } else {
                const u64 v = u64(load_le32(p)) + u64(delta);
                if (v >> 32) die(path + ": a 32-bit pointer does not reach the new address");
                store_le32(p, u32(v));
            }
            ++applied;
        }
    }
    if (!any_rela) die(path + ": no relocations kept (link with --emit-relocs) to move the driver by");
    f.load += u64(delta);
    f.entry += u64(delta);
    std::fprintf(stderr, "mosaic-tool: %s moved to 0x%llx (%u pointers adjusted)\n", path.c_str(),
                 (unsigned long long)to, applied);
}

Isa parse_isa(const std::string& s) {
    auto r = isa_from_name(s.c_str(), s.size());
    if (!r.ok()) die("unknown ISA '" + s + "' (x86_64, aarch64, riscv64)");
    return *r;
}

struct BundleArgs {
    std::string board, out, facts;
    std::map<Isa, std::string> heads, drivers;
    std::vector<std::tuple<Isa, std::string, std::string>> modules;
};

void put_entry(Bytes& img, u32 index, const std::string& name, bn::Kind kind, Isa isa, const Bytes& data) {
    if (index >= bn::kMaxEntries) die("too many bundle entries");
    if (name.empty() || name.size() >= 40) die("bad entry name '" + name + "'");
    u64 off = align_up(img.size(), 4096);
    img.resize(off);
    img.insert(img.end(), data.begin(), data.end());
    u8* e = img.data() + bn::kEntryTable + index * bn::kEntrySize;
    std::memcpy(e, name.c_str(), name.size());
    store_le32(e + 40, u32(kind));
    store_le32(e + 44, u32(isa));
    store_le64(e + 48, off);
    store_le64(e + 56, data.size());
}

void put_head(Bytes& img, Isa isa, const std::string& path) {
    static const u32 slot[] = {bn::kHeadX86, bn::kHeadAarch64, bn::kHeadRiscv64};
    Flat h = flatten(path, elf_machine(isa));
    u32 at = slot[u32(isa)];
    const u32 room = isa == Isa::X86_64 ? bn::kHeadX86Slot : bn::kHeadSlot;
    if (h.load != at || h.bytes.size() > room)
        die(path + ": head stub must be linked at " + std::to_string(at) + " and fit " + std::to_string(room) + " bytes");
    std::copy(h.bytes.begin(), h.bytes.end(), img.begin() + at);
}

// The boot protocol header of an image whose nodes are all of one ISA, at byte 0, so that
// firmware that starts Linux kernels starts it: U-Boot `booti`, the Raspberry Pi firmware
// (kernel8.img), OpenSBI payloads, QEMU -kernel. The two headers put their magic at the
// same byte (56), so a mixed-ISA image has neither (its riscv64 stub then sits at byte 0,
// as QEMU enters it there).
//  - ARM64 Image (Linux Documentation/arch/arm64/booting.rst): code0 branches to the
//    aarch64 stub at 0x80; text_offset 0; image_size; flags: little-endian, 4 KiB pages,
//    placeable anywhere in RAM (bit 3); magic "ARM\x64".
//  - RISC-V Image (Documentation/arch/riscv/boot-image-header.rst): the riscv64 stub moves
//    to 0x80 (the aarch64 slot, unused here); code0 is the stub's own first instruction
//    (auipc s0, 0: s0 = the image's base) and code1 jumps to the stub's second, so the stub
//    runs as it does from byte 0; text_offset 2 MiB (where OpenSBI ends, and where QEMU
//    loads a kernel); version 0.2; magic "RISCV" and magic2 "RSC\x05".
void put_image_header(Bytes& img, Isa isa) {
    u8* h = img.data();
    if (isa == Isa::Aarch64) {
        store_le32(h + 0, 0x14000000u | (bn::kHeadAarch64 / 4)); // b kHeadAarch64
        store_le32(h + 4, 0);
        store_le64(h + 8, 0);           // text_offset
        store_le64(h + 16, img.size()); // image_size
        store_le64(h + 24, 0xa);        // flags: LE, 4 KiB pages, anywhere
        std::memcpy(h + 56, "ARM\x64", 4);
    } else if (isa == Isa::Riscv64) {
        constexpr u32 kAuipcS0 = 0x00000417; // auipc s0, 0
        if (load_le32(h) != kAuipcS0) die("internal error: the riscv64 head stub must begin with auipc s0, 0");
        std::memmove(h + bn::kHeadAarch64, h, bn::kHeadSlot);
        std::memset(h, 0, bn::kHeadSlot);
        store_le32(h + 0, kAuipcS0);
        const u32 off = bn::kHeadAarch64; // jal x0 from byte 4 to the stub's second instruction
        store_le32(h + 4, ((off & 0x7fe) << 20) | ((off >> 11 & 1) << 20) | 0x6f);
        store_le64(h + 8, 0x200000);    // text_offset: U-Boot moves the image to RAM + this,
        store_le64(h + 16, img.size()); // past the firmware at the base (as Linux does)
        store_le64(h + 24, 0);          // flags: little-endian
        store_le32(h + 32, 2);          // version 0.2
        std::memcpy(h + 48, "RISCV\0\0\0", 8);
        std::memcpy(h + 56, "RSC\x05", 4);
    }
}

void put_multiboot(Bytes& img, u64 load) {
    if (load < (1u << 20) || load + img.size() >= (u64(1) << 32)) die("x86_64 image_addr must put the image between 1 MiB and 4 GiB");
    u8* m = img.data() + bn::kMultiboot;
    const u32 magic = 0x1BADB002, flags = 0x00010002; // memory map wanted; a.out-kludge addresses valid
    store_le32(m + 0, magic);
    store_le32(m + 4, flags);
    store_le32(m + 8, u32(0) - (magic + flags));
    store_le32(m + 12, u32(load + bn::kMultiboot)); // header_addr
    store_le32(m + 16, u32(load));                  // load_addr
    store_le32(m + 20, 0);                          // load_end_addr: the whole file
    store_le32(m + 24, 0);                          // bss_end_addr: none
    store_le32(m + 28, u32(load + bn::kHeadX86));   // entry_addr
}

int cmd_bundle(const BundleArgs& a) {
    if (a.board.empty() || a.out.empty()) die("bundle needs --board and --out");
    BoardProfile board = load_board(a.board);
    Bytes img(bn::kDataOffset, 0);
    static const char refusal[] = "PANIC: head stub: the boot entry or CPU driver of this image is corrupt\n";
    static_assert(sizeof refusal <= bn::kRefusalSize);
    std::memcpy(img.data() + bn::kRefusal, refusal, sizeof refusal);
    u32 index = 0;
    put_entry(img, index++, "manifest", bn::Kind::Manifest, Isa::X86_64, read_file(a.board));
    if (!a.facts.empty()) put_entry(img, index++, "facts", bn::Kind::Facts, Isa::X86_64, read_file(a.facts));
    for (u32 n = 0; n < board.node_count; ++n) {
        Isa isa = board.nodes[n].isa;
        if (!a.drivers.count(isa) || !a.heads.count(isa))
            die(std::string("board needs a CPU driver and head stub for ") + isa_name(isa));
    }
    for (auto& [isa, path] : a.drivers) {
        put_head(img, isa, a.heads.at(isa));
        Flat d = flatten(path, elf_machine(isa));
        u64 driver_addr = 0; // the nodes of this ISA must agree where its driver runs
        for (u32 n = 0; n < board.node_count; ++n) {
            if (board.nodes[n].isa != isa || !board.nodes[n].driver_addr) continue;
            if (driver_addr && driver_addr != board.nodes[n].driver_addr)
                die(a.board + ": the " + isa_name(isa) + " nodes name different driver_addr values");
            driver_addr = board.nodes[n].driver_addr;
        }
        if (driver_addr) relocate(d, path, driver_addr);
        put_entry(img, index, std::string("cpudriver.") + isa_name(isa), bn::Kind::CpuDriver, isa, d.bytes);
        u8* b = img.data() + bn::kBootTable + u32(isa) * bn::kBootEntrySize;
        if (d.bytes.size() % 8) die(path + ": CPU driver image is not a multiple of 8 bytes");
        bn::BootEntry e;
        e.blob_offset = load_le64(img.data() + bn::kEntryTable + index * bn::kEntrySize + 48);
        e.blob_size = d.bytes.size();
        e.load_addr = d.load;
        e.mem_size = d.mem;
        e.entry = d.entry;
        e.blob_check = bn::blob_xor(d.bytes.data(), d.bytes.size());
        e.entry_check = bn::entry_xor(e);
        store_le64(b + bn::kBootBlobOffset, e.blob_offset);
        store_le64(b + bn::kBootBlobSize, e.blob_size);
        store_le64(b + bn::kBootLoadAddr, e.load_addr);
        store_le64(b + bn::kBootMemSize, e.mem_size);
        store_le64(b + bn::kBootEntry, e.entry);
        store_le64(b + bn::kBootBlobCheck, e.blob_check);
        store_le64(b + bn::kBootEntryCheck, e.entry_check);
        ++index;
    }
    for (auto& [isa, name, path] : a.modules) put_entry(img, index++, name, bn::Kind::Module, isa, read_file(path));
    img.resize(align_up(img.size(), 4096));
    auto x86 = board.node_of(Isa::X86_64);
    if (x86.ok()) put_multiboot(img, board.nodes[*x86].image_addr);
    bool one_isa = true;
    for (u32 n = 1; n < board.node_count; ++n) one_isa &= board.nodes[n].isa == board.nodes[0].isa;
    if (one_isa) put_image_header(img, board.nodes[0].isa);
    u8* h = img.data() + bn::kHeaderOffset;
    std::memcpy(h + bn::kHdrMagic, bn::kMagic, 8);
    store_le32(h + bn::kHdrVersion, bn::kVersion);
    store_le32(h + bn::kHdrEntries, index);
    store_le64(h + bn::kHdrTotal, img.size());
    store_le32(h + bn::kHdrCrc, bn::bundle_crc(img.data(), img.size()));
    auto check = bn::View::open(img.data(), img.size());
    if (!check.ok()) die(std::string("internal error: bundle does not verify: ") + error_name(check.error()));
    std::ofstream f(a.out, std::ios::binary);
    f.write(reinterpret_cast<const char*>(img.data()), std::streamsize(img.size()));
    if (!f) die(a.out + ": cannot write");
    std::printf("%s: %zu bytes, %u entries\n", a.out.c_str(), img.size(), index);
    return 0;
}

// What the CPU drivers' device-tree reader finds in a tree, as JSON: the console the
// firmware names (its node, compatible, CPU address), the cores with their enable method,
// the interrupt controllers, the PSCI conduit, memory, and whether the boot facts hold (or
// why not). Checks the reader against the trees real boards ship with.
int cmd_dtb(const std::string& path) {
    Bytes blob = read_file(path);
    auto dtb = Dtb::parse(blob.data(), blob.size());
    if (!dtb.ok()) die(path + ": not a usable device tree (" + error_name(dtb.error()) + ")");
    auto first_string = [&](const DtbNode& n, const char* prop) -> std::string {
        auto p = dtb->prop(n, prop);
        if (!p.ok() || !p->len || p->data[p->len - 1] != 0) return "";
        return json_escape(reinterpret_cast<const char*>(p->data));
    };
    std::printf("{\"console\": ");
    if (auto con = dtb->stdout_node(); con.ok()) {
        auto a = dtb->address(*con, 0);
        // The UART kind the CPU drivers and the console service would drive it as (uart.hpp).
        static const char* const kinds[] = {"none", "16550-port", "16550", "pl011", "sifive", "16550-32bit"};
        u32 kind = uart::kind_of(*dtb, *con);
        std::printf("{\"node\": \"%s\", \"compatible\": \"%s\", \"address\": %s, \"kind\": \"%s\"}",
                    json_escape(con->name).c_str(), first_string(*con, "compatible").c_str(),
                    a.ok() ? std::to_string(a->base).c_str() : "null", kind < 6 ? kinds[kind] : "none");
    } else {
        std::printf("null");
    }
    std::printf(", \"cores\": [");
    auto cpus = dtb->find_path("/cpus");
    bool first = true;
    if (cpus.ok())
        (void)dtb->walk([&](const DtbNode& n) {
            if (n.props <= cpus->props) return true;
            if (n.depth <= cpus->depth) return false;
            auto type = dtb->prop(n, "device_type");
            auto reg = dtb->prop(n, "reg");
            if (n.depth != cpus->depth + 1 || !type.ok() || !type->has_string("cpu") || !reg.ok()) return true;
            auto release = dtb->prop(n, "cpu-release-addr");
            std::printf("%s{\"id\": %llu, \"enable_method\": \"%s\", \"release\": %s, \"status\": \"%s\"}",
                        first ? "" : ", ", (unsigned long long)reg->cells(0, n.addr_cells == 2 ? 2 : 1),
                        first_string(n, "enable-method").c_str(),
                        release.ok() ? std::to_string(release->cells(0, release->len == 8 ? 2 : 1)).c_str() : "null",
                        first_string(n, "status").c_str());
            first = false;
            return true;
        });
    std::printf("], \"interrupt_controllers\": [");
    first = true;
    (void)dtb->walk([&](const DtbNode& n) {
        if (!dtb->prop(n, "interrupt-controller").ok()) return true;
        std::string c = first_string(n, "compatible");
        auto a = dtb->address(n, 0);
        std::printf("%s{\"compatible\": \"%s\", \"address\": %s}", first ? "" : ", ", c.c_str(),
                    a.ok() ? std::to_string(a->base).c_str() : "null");
        first = false;
        return true;
    });
    std::printf("], \"psci\": ");
    auto psci = dtb->find_path("/psci");
    if (psci.ok()) std::printf("\"%s\"", first_string(*psci, "method").c_str());
    else std::printf("null");
    BootInfo bi;
    bi.boot_core = ~0ull;
    const char* why = "";
    auto facts = bootinfo_from_dtb(bi, *dtb, &why);
    std::printf(", \"memory\": [");
    for (u32 i = 0; i < bi.memory_count; ++i)
        std::printf("%s[%llu, %llu]", i ? ", " : "", (unsigned long long)bi.memory[i].base,
                    (unsigned long long)bi.memory[i].size);
    // The boot core is the firmware's to say: the facts are checked as if it were listed.
    std::printf("], \"facts\": \"%s\"}\n",
                facts.ok() || std::strcmp(why, "the core it booted on is not among its cores") == 0
                    ? "usable"
                    : json_escape((std::string(why) + ": " + error_name(facts.error())).c_str()).c_str());
    return 0;
}

int cmd_inspect(const std::string& path) {
    Bytes img = read_file(path);
    auto v = bn::View::open(img.data(), img.size());
    if (!v.ok()) die(path + ": not a valid Mosaic image (" + error_name(v.error()) + ")");
    std::printf("%s: %llu bytes, %u entries\n", path.c_str(), (unsigned long long)v->total_size(), v->entry_count());
    for (u32 i = 0; i < v->entry_count(); ++i) {
        bn::Entry e = *v->entry(i);
        std::printf("  %-24s kind %u isa %-8s offset 0x%llx size %llu\n", e.name, unsigned(e.kind), isa_name(e.isa),
                    (unsigned long long)e.offset, (unsigned long long)e.size);
    }
    for (u32 i = 0; i < kIsaCount; ++i) {
        bn::BootEntry b = v->boot(Isa(i));
        if (b.blob_offset)
            std::printf("  boot %-8s load 0x%llx entry 0x%llx size %llu mem %llu\n", isa_name(Isa(i)),
                        (unsigned long long)b.load_addr, (unsigned long long)b.entry, (unsigned long long)b.blob_size,
                        (unsigned long long)b.mem_size);
    }
    return 0;
}

int cmd_skb(const std::string& path, const std::string& facts_path = "", long root = -1) {
    BoardProfile b = load_board(path);
    std::vector<u8> arena(skb::Engine::arena_bytes(skb::kBoardLimits));
    skb::Engine e;
    if (!e.init(arena.data(), arena.size(), skb::kBoardLimits).ok()) die("SKB engine init failed");
    std::vector<char> buf(16 * 1024);
    auto n = skb::board_answers(e, b, buf.data(), buf.size());
    if (!n.ok()) die(path + ": the SKB could not answer: " + error_name(n.error()));
    if (root < 0) {
        std::fwrite(buf.data(), 1, *n, stdout);
        unsigned lines = unsigned(std::count(buf.begin(), buf.begin() + long(*n), '\n'));
        std::printf("SKB answers %u lines digest 0x%llx\n", lines,
                    (unsigned long long)transports::fnv1a64(reinterpret_cast<const u8*>(buf.data()), u32(*n)));
        return 0;
    }
    Bytes text = read_file(facts_path);
    skb::ParseError err;
    if (!e.load(reinterpret_cast<const char*>(text.data()), text.size(), &err).ok())
        die(facts_path + ":" + std::to_string(err.line) + ":" + std::to_string(err.column) + ": " + err.message);
    u32 total = b.total_cores();
    if (u64(root) >= total) die("core " + std::to_string(root) + " is not a core of board " + b.name);
    std::vector<u32> members;
    for (u32 c = 0; c < total; ++c)
        if (c != u32(root)) members.push_back(c);
    std::vector<skb::McEdge> edges(total + 1);
    auto m = skb::multicast_tree(e, u32(root), members.data(), u32(members.size()), edges.data(), u32(edges.size()));
    if (!m.ok()) die(std::string("no multicast tree: ") + error_name(m.error()));
    if (!skb::check_tree(u32(root), members.data(), u32(members.size()), edges.data(), *m).ok())
        die("the multicast answers are not a tree over the board's cores");
    std::vector<char> line(64 + 24 * total);
    auto len = skb::render_tree(u32(root), edges.data(), *m, line.data(), line.size());
    if (!len.ok()) die("multicast tree does not fit its line");
    std::printf("SKB multicast %s\n", line.data());
    return 0;
}

int usage() {
    std::fprintf(stderr, "usage: mosaic-tool board FILE | bundle --board F --out IMG --head ISA=ELF --cpudriver ISA=ELF "
                         "[--module ISA=NAME=FILE] [--facts FILE] | inspect IMG | dtb FILE | skb FILE [--facts F --multicast ROOT]\n");
    return 2;
}

int run(int argc, char** argv) {
    if (argc < 3) return usage();
    std::string cmd = argv[1];
    if (cmd == "board" && argc == 3) return cmd_board(argv[2]);
    if (cmd == "dtb" && argc == 3) return cmd_dtb(argv[2]);
    if (cmd == "inspect" && argc == 3) return cmd_inspect(argv[2]);
    if (cmd == "skb" && argc == 3) return cmd_skb(argv[2]);
    if (cmd == "skb" && argc == 7 && std::string(argv[3]) == "--facts" && std::string(argv[5]) == "--multicast") {
        char* end = nullptr;
        long root = std::strtol(argv[6], &end, 10);
        if (end == argv[6] || *end || root < 0) return usage();
        return cmd_skb(argv[2], argv[4], root);
    }
    if (cmd != "bundle") return usage();
    BundleArgs a;
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        auto eq = v.find('=');
        if (k == "--board") a.board = v;
        else if (k == "--out") a.out = v;
        else if (k == "--facts") a.facts = v;
        else if ((k == "--head" || k == "--cpudriver") && eq != std::string::npos)
            (k == "--head" ? a.heads : a.drivers)[parse_isa(v.substr(0, eq))] = v.substr(eq + 1);
        else if (k == "--module" && eq != std::string::npos && v.find('=', eq + 1) != std::string::npos) {
            auto eq2 = v.find('=', eq + 1);
            a.modules.emplace_back(parse_isa(v.substr(0, eq)), v.substr(eq + 1, eq2 - eq - 1), v.substr(eq2 + 1));
        } else return usage();
    }
    if (argc % 2) return usage();
    return cmd_bundle(a);
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const Failure& f) {
        std::fprintf(stderr, "mosaic-tool: %s\n", f.message.c_str());
        return 1;
    }
}
