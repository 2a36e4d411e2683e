// What a program asks of its core's monitor (dispatcher sys::kMonitorId), in LMP messages
// of four words, and what the monitor answers. Declared once; userland/lib/monitor.cpp
// wraps it for programs and monitor/main.cpp serves it.
//
// Request word 0: op (bits 0-7) | flags (8-15) | core (16-31) | tag (32-63, the caller's).
// Reply word 0:   op (bits 0-7) | status (8-23, a mosaic::Error) | how (24-31) | tag (32-63).
#pragma once

#include <mosaic/types.hpp>

namespace mosaic::monitor::api {

enum Op : u64 {
    // spawn: words 1-2 the module's name (16 bytes, NUL-padded, little-endian), word 3 its
    // arg; on board core `core`. Replies kStarted (word 1 core, word 2 dispatcher id), then
    // kEnded when it ends (how: 0 exit, 1 fault, 2 stopped by a monitor; word 1 exit code or trap kind, word 2 a
    // fault's address, word 3 times it was preempted).
    kSpawn = 1,
    // member: word 1 an index of the membership (0..count) -> kMember: word 1 core |
    // node << 16 | isa << 32 | state << 40, word 2 hardware id, word 3 count.
    kMember = 2,
    // info: -> kInfo: word 1 agreed (bit 0) | settled (bit 1) | the node's console service
    // runs on this core (bit 2), word 2 refused messages,
    // word 3 latency facts held.
    kInfo = 3,
    // power_off: word 1 1 = passed; every core of the node stops.
    kPowerOff = 4,
    // stop: word 1 a dispatcher id on the monitor's own core.
    kStop = 5,
    // print: flags = the length (at most console::kWriteBytes), words 1-3 the bytes; to the
    // console service of the node (userland/include/mosaic/user/console.hpp). No reply.
    kPrint = 6,
    // irq: word 1 an interrupt kind (sys::kIrqConsoleRx) -> kIrq, with the Irq capability
    // in the caller's receive slot: for the driver the monitor started for that device (the
    // console service, where the SKB placed it); PermissionDenied for anyone else.
    kIrq = 7,
    // console: -> kConsole: word 1 the dispatcher id of the node's console service when it
    // runs on this core (NotFound otherwise), for reading input from it.
    kConsole = 8,
    // find: words 1-2 a module name -> kFind: word 1 the dispatcher id of a running program
    // of this core that the monitor loaded from it (NotFound if none): how a program finds a
    // service init started (FIXME: the name service replaces this).
    kFind = 9,
    // query: flags a monitor::QueryOp, core the board core whose monitor answers; word 1
    // its argument a, words 2-3 16 bytes (a name, NUL-padded, or a payload) -> kAnswer
    // (status; words 1-3 a, b, c as monitor.hpp's QueryOp says). Kill and Shutdown only for
    // the system's own programs (init and what it started with the boot facts).
    kQuery = 10,
    // spawn_args: words 1-3 up to 24 bytes of argument text (NUL-padded; at most 23 and a
    // NUL) for the caller's next kSpawn with the same tag; no reply (the kSpawn's answers).
    kSpawnArgs = 11,
    // endpoint: word 1 a dispatcher id of this core -> kEndpoint, with an Endpoint capability
    // to it (Write, Grant; badged with the caller's id) in the caller's receive slot. Given
    // to reach the core's services (the console, the SKB, what init started), the program
    // that spawned the caller, what the caller spawned or its spawner spawned, and any
    // program that was given an endpoint to the caller (to answer it); PermissionDenied
    // otherwise (the monitor itself: every program holds sys::kSlotMonitorEp).
    kEndpoint = 12,
    // replies only
    kStarted = 16,
    kEnded = 17,
    kAnswer = 18,
    // not a reply: 16 bytes another program sent this one (QueryOp::Deliver); word 0 op |
    // the sender's board core << 16 | its dispatcher id << 32, words 1-2 the bytes.
    // FIXME: any program may deliver to any program whose core and id it knows (a name
    // gives both); an Endpoint capability behind each name, checked by the receiving core,
    // needs capabilities that cross cores (the distributed capability protocol).
    kDelivered = 19,
};

// flags of kSpawn, for a program on the monitor's own core: bit 0, it gets the monitor's
// boot facts and the board manifest as its start data (init and the test runner read the
// board from them); bits 1-7, RAM given to it (sys::kSlotRam) in units of kRamUnit.
inline constexpr u64 kWithBootFacts = 1;
inline constexpr u64 kRamUnit = 64 * 1024;
constexpr u64 with_ram(u64 bytes) { return ((bytes + kRamUnit - 1) / kRamUnit & 0x7f) << 1; }
constexpr u64 ram_of(u64 flags) { return ((flags >> 1) & 0x7f) * kRamUnit; }

// What a program started by a monitor finds at the start of its start data when it was not
// given the boot facts: its argument text (userland: user::args()).
struct ProgramArgs {
    static constexpr u32 kMagic = 0x53475241; // "ARGS"
    u32 magic = kMagic;
    u32 len = 0;
    char text[24] = {};
};

constexpr u64 request(Op op, u64 flags, u64 core, u64 tag) {
    return u64(op) | (flags & 0xff) << 8 | (core & 0xffff) << 16 | tag << 32;
}
constexpr Op op_of(u64 w0) { return Op(w0 & 0xff); }
constexpr u64 flags_of(u64 w0) { return (w0 >> 8) & 0xff; }
constexpr u32 core_of(u64 w0) { return u32((w0 >> 16) & 0xffff); }
constexpr u32 tag_of(u64 w0) { return u32(w0 >> 32); }

constexpr u64 reply(Op op, u64 status, u64 how, u64 tag) {
    return u64(op) | (status & 0xffff) << 8 | (how & 0xff) << 24 | tag << 32;
}
constexpr u16 status_of(u64 w0) { return u16((w0 >> 8) & 0xffff); }
constexpr u8 how_of(u64 w0) { return u8((w0 >> 24) & 0xff); }

// A name in two words and back (NUL-padded; at most 15 characters and a NUL).
inline void pack_name(const char* name, u64& w1, u64& w2) {
    u8 b[16] = {};
    for (u32 i = 0; i < 15 && name[i]; ++i) b[i] = u8(name[i]);
    w1 = w2 = 0;
    for (u32 i = 0; i < 8; ++i) w1 |= u64(b[i]) << (8 * i), w2 |= u64(b[8 + i]) << (8 * i);
}
inline void unpack_name(u64 w1, u64 w2, char (&out)[17]) {
    for (u32 i = 0; i < 8; ++i) out[i] = char(w1 >> (8 * i)), out[8 + i] = char(w2 >> (8 * i));
    out[16] = 0;
}

} // namespace mosaic::monitor::api
