// The user runtime: system calls as functions (lib/include/mosaic/syscall.hpp is the
// ABI), formatted printing, and the ISA helpers every program may need. Programs define
// `int main(u64 arg)`; the runtime's _start calls it and exits with its result.
#pragma once

#include <mosaic/fmt.hpp>
#include <mosaic/isa.hpp>
#include <mosaic/syscall.hpp>

// The ISA's system-call instruction (arch/<isa>/user/syscall.S): loads the ABI registers
// from *in, traps into the CPU driver, stores the ABI registers it returns in *out.
extern "C" void mosaic_syscall(const mosaic::sys::Args* in, mosaic::sys::Return* out);
// Executes an instruction that is undefined on this ISA (for the fault tests).
extern "C" void mosaic_user_illegal();
// Executes the ISA's breakpoint instruction (for the trap tests).
extern "C" void mosaic_user_breakpoint();
// The ISA's free-running counter, readable in user mode (TSC, CNTVCT_EL0, time).
extern "C" mosaic::u64 mosaic_user_counter();

namespace mosaic::user {

inline sys::Return call(sys::Number n, u64 a0 = 0, u64 a1 = 0, u64 a2 = 0, u64 a3 = 0, u64 a4 = 0, u64 a5 = 0) {
    sys::Args in{u64(n), {a0, a1, a2, a3, a4, a5}};
    sys::Return out;
    mosaic_syscall(&in, &out);
    return out;
}

inline Error error_of(const sys::Return& r) { return Error(u16(r.error)); }

[[noreturn]] void exit(u64 code);
inline Error yield() { return error_of(call(sys::Number::Yield)); }

struct CoreInfo {
    u64 hw_id = 0, index = 0, dispatcher = 0, isa = 0, counter_hz = 0;
};
CoreInfo core_info();

struct Message {
    u64 sender = 0;            // the badge of the endpoint it came through (the monitor badges
                               // the endpoints it gives with the sender's dispatcher id), or sys::k*Sender
    bool cap_arrived = false;  // a capability was put in the slot lmp_receive_slot named
    u64 word[sys::kLmpWords] = {};
};
// The start data the CPU driver copied for this dispatcher (sys::kStartDataOffset),
// read-only. Mapped only when it was given one: the program's arg says whether, and how long.
const u8* start_data();
// The argument text a program was spawned with ("" if none, or if its start data is the
// boot facts). Every program its monitor loads has start data; only the monitor has not.
const char* args();

// To dispatcher `dest` of this core, through the endpoint this program holds for it
// (endpoint_of); cap: 0, or the raw slot address (caps::CPtr) of a capability with Grant
// to send along.
Error lmp_send(u64 dest, const u64 (&w)[sys::kLmpWords], u64 cap = 0);
// Through the Endpoint capability at `ep` (a raw CPtr).
Error lmp_send_ep(u64 ep, const u64 (&w)[sys::kLmpWords], u64 cap = 0);
// The endpoint (a raw CPtr) this program holds for dispatcher `dest` of its core: its
// monitor's (sys::kSlotMonitorEp), one it was given before (kept in sys::kSlotEndpoints,
// the least recently used one goes when they are all taken), or one it asks its monitor
// for (monitor::api::kEndpoint; PermissionDenied when the monitor's rules say no).
Result<u64> endpoint_of(u64 dest);
// An empty slot of the endpoint slots (the least recently used endpoint goes), for an
// endpoint this program makes to hand over; the caller empties it again.
u64 spare_endpoint_slot();
// Gives up the endpoint held for `dest` (it ended).
void forget_endpoint(u64 dest);
// How endpoint_of finds endpoints, for a program that holds its own (the monitor).
void set_endpoint_resolver(Result<u64> (*resolve)(u64 dest));
// The next message for this dispatcher: the oldest one lmp_receive_from kept first, then
// one from the CPU driver. timeout 0 blocks until one comes; sys::kNoWait takes only what
// is there (WouldBlock otherwise); any other value waits at most that many timer ticks
// (Timeout).
Result<Message> lmp_receive(u64 timeout = 0);
// The next message from `sender` (a dispatcher id, a kernel sender such as
// sys::kKernelSender, or sys::kIrqSender for any interrupt): the oldest kept one from it
// first. Messages from other senders that arrive meanwhile are kept, oldest first, for
// later lmp_receive / lmp_receive_from calls (at most kLmpStash: when full, the oldest is
// dropped and counted). timeout as for lmp_receive, for each message received: one from
// another sender starts it again.
constexpr u32 kLmpStash = 64;
Result<Message> lmp_receive_from(u64 sender, u64 timeout = 0);
// The next message `wanted(m, ctx)` accepts: the oldest kept one first; every other message
// that arrives meanwhile is kept as lmp_receive_from keeps it, so that a caller waiting for
// one reply loses none of the other messages of the same sender (a console service waiting
// for its monitor's answer while the monitor also brings it text to write).
Result<Message> lmp_receive_if(bool (*wanted)(const Message& m, const void* ctx), const void* ctx, u64 timeout = 0);
// Waits `ticks` timer ticks; messages that come meanwhile stay for later receives.
void pause(u64 ticks);
// Messages dropped because the stash was full, since the program started.
u64 lmp_stash_dropped();
// The slot the next capability sent to this program goes to (0: none); endpoint_of puts
// it back after it used the receive slot itself.
Error lmp_receive_slot(u64 cptr);

// Dispatcher capabilities (sys::DispatcherOp): stop one (this one's own: sys::kSlotSelf),
// or make an endpoint to it with a badge in the empty slot `dest`.
inline Error dispatcher_stop(u64 cptr) { return error_of(call(sys::Number::Dispatcher, cptr, u64(sys::DispatcherOp::Stop))); }
inline Error dispatcher_endpoint(u64 cptr, u64 dest, u64 badge) {
    return error_of(call(sys::Number::Dispatcher, cptr, u64(sys::DispatcherOp::Endpoint), dest, badge));
}
// The interrupt of the Irq capability at `cptr`: its messages to this program (-> its
// line), and its acknowledgement once handled.
inline Result<u32> irq_attach(u64 cptr) {
    auto r = call(sys::Number::IrqAttach, cptr);
    if (r.error) return error_of(r);
    return u32(r.value[0]);
}
inline Error irq_ack(u64 cptr) { return error_of(call(sys::Number::IrqAck, cptr)); }

// Writes text to the console: through this core's monitor to the console service of the
// node (monitor::api::kPrint), a line at a time. A program that must write otherwise (the
// monitor itself) sets its own writer.
void write(const char* s, usize n);
void set_writer(void (*writer)(const char* s, usize n));
// Writes through the CPU driver's console (the Print call, with the UART's capability at
// sys::kSlotConsole: the monitor's): for early boot and for what must get out when nothing
// else can. Refused to every other program.
void write_early(const char* s, usize n);
template <typename... Args> void print(const char* fmt, Args... args) {
    // Formats into a buffer first so that one line leaves as one piece.
    char buf[sys::kMaxPrint];
    BufferSink b(buf, sizeof buf);
    format(b.sink(), fmt, args...);
    write(buf, b.size());
}

} // namespace mosaic::user
