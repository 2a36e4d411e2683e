// Board profiles: the text format of boards/*.board, parsed and validated once, here.
// The same parser serves the host tools (./mosaic, the image bundler) and the guests,
// which read the profile back from the image's manifest.
//
// Format: '#' comments, "[board]" then "[node NAME]" sections, "key = value" lines.
//   [board]  name, description, default (yes|no), interconnect (size, e.g. 16M; needed
//            when there is more than one node), timeout (seconds the runner allows a boot),
//            services (optional: the programs init starts on every node's boot core, in this
//            order, each `name` or `name:RAM`, e.g. "memserv:256K", separated by spaces)
//   [node N] isa (x86_64|aarch64|riscv64), machine (QEMU machine), cpu (optional),
//            cores (1..64), memory (e.g. 256M), image_addr (where the image is loaded),
//            exit (isa-debug-exit | semihosting | sifive-test), boot (optional: direct, the
//            default, or u-boot: the runner puts the image on a disk that Debian's U-Boot
//            for QEMU loads to image_addr, 2 MiB aligned, and starts with booti),
//            driver_addr (optional, 4 KiB aligned: where the head stub puts the CPU driver,
//            which the bundler moves there; by default where it was linked), dtb (optional:
//            the board's own device tree, by name, from Debian's arm64 kernel package, e.g.
//            bcm2837-rpi-3-b: given to QEMU with -dtb and put on the board's SD card).
//            machine = none says that QEMU has no model of the board: its image and card are
//            built and checked, never booted here.
#pragma once

#include <mosaic/isa.hpp>

namespace mosaic {

enum class ExitMethod : u8 { IsaDebugExit, Semihosting, SifiveTest };
// How the node's image is started: loaded by QEMU itself (direct), or from a disk through
// Debian's U-Boot for QEMU, as a dev board's firmware would (u-boot: aarch64, riscv64).
enum class BootMethod : u8 { Direct, UBoot };

struct NodeProfile {
    char name[16] = {};
    Isa isa = Isa::X86_64;
    char machine[24] = {};
    char cpu[24] = {};
    u32 cores = 0;
    u64 memory = 0;
    u64 image_addr = 0;
    ExitMethod exit = ExitMethod::IsaDebugExit;
    BootMethod boot = BootMethod::Direct;
    u64 driver_addr = 0; // where the CPU driver runs (0: where it was linked)
    char dtb[40] = {};    // the board's device tree by name ("": the emulator's or firmware's)
};

// A service init starts: a module of the image, and the RAM it is given.
struct ServiceProfile {
    char name[16] = {};
    u64 ram = 0;
};

struct BoardProfile {
    static constexpr u32 kMaxNodes = 8, kMaxServices = 8;
    char name[32] = {};
    char description[96] = {};
    bool is_default = false;
    u64 interconnect = 0; // bytes; 0 = none
    u32 timeout = 60;     // seconds
    NodeProfile nodes[kMaxNodes];
    u32 node_count = 0;
    ServiceProfile services[kMaxServices];
    u32 service_count = 0;
    u32 total_cores() const;
    // The board-wide number of node `node`'s first core (cores are numbered node by node,
    // in manifest order, as the SKB's facts number them).
    u32 first_core(u32 node) const;
    // The index of the first node of this ISA; NotFound if none.
    Result<u32> node_of(Isa isa) const;
    // The node board core `core` belongs to; node_count for a core beyond the board's.
    u32 node_of_core(u32 core) const;
};

// Where and why parsing failed: line 0 means the file as a whole (a missing field).
struct BoardError {
    Error code = Error::Ok;
    u32 line = 0;
    char field[24] = {};
    char message[96] = {};
};

// Parses and validates a profile; on failure fills err and returns its code.
Result<BoardProfile> parse_board(const char* text, usize len, BoardError& err);

const char* exit_method_name(ExitMethod m);

} // namespace mosaic
