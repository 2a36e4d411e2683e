// Asking this core's monitor (monitor/include/mosaic/monitor/api.hpp): start programs on
// any core of the board and hear how they end, read the agreed membership, power off.
// Replies are matched by tag; replies for other tags that arrive meanwhile are kept.
#pragma once

#include <mosaic/monitor/api.hpp>
#include <mosaic/monitor/monitor.hpp>
#include <mosaic/user/sys.hpp>

namespace mosaic::user::mon {

struct Started {
    u32 core = 0;
    u32 dispatcher = 0;
};
struct Ended {
    bool faulted = false;
    u64 code = 0;        // exit code, or the trap kind of the fault
    u64 address = 0;     // a fault's address
    u32 preemptions = 0;
    bool stopped = false; // a monitor stopped it (kill, stop): neither an exit nor a fault
};
struct MemberInfo {
    u32 core = 0, node = 0;
    Isa isa = Isa::X86_64;
    u8 state = 0; // monitor::MemberState
    u64 hw_id = 0;
    u32 count = 0;
};
struct Info {
    bool agreed = false, settled = false, console = false;
    u64 refused = 0, facts = 0;
};

// Starts `name` with `arg` on board core `core` and waits for the monitor's answer (the
// program runs on: its end comes later, see wait_end). flags: api::kWithBootFacts.
// args: argument text for it (user::args() there; at most 23 bytes, not with flags).
Result<Started> spawn(u32 core, const char* name, u64 arg, u32 tag, u64 flags = 0, const char* args = nullptr);
// Waits for the end of the program started with `tag`; Timeout after timeout_ticks
// (0: forever) of this core's timer.
Result<Ended> wait_end(u32 tag, u64 timeout_ticks = 0);
Result<MemberInfo> member(u32 index);
Result<Info> info();
Error stop(u32 dispatcher);
// Asks for the Irq capability of `kind` (sys::kIrqConsoleRx) into the empty slot `slot`
// (the monitor gives it to the device's driver only) and attaches to it; returns the line.
Result<u32> irq(u64 kind, u64 slot);
// A running program of this core the monitor loaded from module `name` (a service init
// started): its dispatcher id.
Result<u64> find(const char* name);
// The node's console service, when it runs on this core: its dispatcher id.
Result<u64> console();
// Reads a line from the console service (at most cap bytes, the '\n' included): its length.
// Timeout after timeout_ticks (0: none); Busy while another program reads.
Result<usize> read_line(char* out, usize cap, u64 timeout_ticks = 0);
// A query to the monitor of board core `core` (monitor::QueryOp; monitor.hpp says what a,
// the 16 bytes and the answer's words mean): answered by that monitor, wherever it runs.
struct Answer {
    u64 a = 0, b = 0, c = 0;
};
// cap: a capability (raw CPtr, with Grant) that goes along (NameRegister's endpoint).
Result<Answer> query(u32 core, monitor::QueryOp op, u64 a = 0, const void* bytes16 = nullptr, u64 timeout_ticks = 0,
                     u64 cap = 0);
// The board's names (monitor/include/mosaic/monitor/names.hpp), wherever the SKB placed the registry.
// A name is backed by an endpoint to its program, which its monitor keeps: deliveries
// (QueryOp::Deliver) reach a program only through an endpoint behind one of its names.
Error name_register(const char* name);
Error name_remove(const char* name);
struct NameEntry {
    u32 core = 0, dispatcher = 0;
};
Result<NameEntry> name_lookup(const char* name);
// Waits until the name is registered (the registry answers then) or timeout_ticks passed: Timeout.
Result<NameEntry> name_wait(const char* name, u64 timeout_ticks);
// 16 bytes to program `dispatcher` on board core `core` (monitor::QueryOp::Deliver): it gets
// them as an api::kDelivered message from its monitor, through the endpoint behind a name it
// registered. NotFound: no such program there; PermissionDenied: it registered no name.
Error deliver(u32 core, u32 dispatcher, const u8 (&bytes)[16]);
[[noreturn]] void power_off(bool pass);
// Asks once, and returns: the monitor powers off only for the system's own programs.
void power_off_request(bool pass);

} // namespace mosaic::user::mon
