// The system-call ABI of the CPU driver, declared once for every ISA: the numbers, what
// each takes and returns, and the error codes (mosaic::Error values). Only the mapping of
// the seven ABI registers onto machine registers differs per ISA:
//
//   ABI register      x86-64 (int $0x80)   aarch64 (svc #0)   riscv64 (ecall)
//   number / error    rax                  x8  / x0           a7  / a0
//   arg0..arg5 in     rdi rsi rdx r10 r8 r9  x0..x5           a0..a5
//   value0..value4    rdi rsi rdx r10 r8   x1..x5             a1..a5
//
// A call takes a number and up to six arguments; it returns an error (0 = Ok) and up to
// five values. Every other user register is preserved. Each ISA's user-side trap
// instruction lives in arch/<isa>/user/; the CPU driver side is arch::syscall_args and
// arch::set_syscall_return in arch/<isa>/include/mosaic/arch/user.hpp.
#pragma once

#include <mosaic/error.hpp>

namespace mosaic::sys {

#define MOSAIC_SYSCALLS(X)                                                                         \
    /* does nothing: the round-trip cost of a system call */                                      \
    X(Null, 0)                                                                                     \
    /* print(ptr, len, uart): len <= kMaxPrint bytes of the caller's memory on the CPU driver's */ \
    /* console, for the holder of a capability to the console UART's registers (CPtr uart) */      \
    X(Print, 1)                                                                                    \
    /* yield(): to the next runnable dispatcher of this core, if any */                            \
    X(Yield, 2)                                                                                    \
    /* exit(code): ends the caller; never returns */                                               \
    X(Exit, 3)                                                                                     \
    /* lmp_send(ep, w0, w1, w2, w3, cap): through the Endpoint capability at CPtr ep (Write) */   \
    /* to the dispatcher of this core it names; cap 0, or the CPtr of a capability with Grant, */ \
    /* copied into the receiver's receive slot */                                                  \
    X(LmpSend, 4)                                                                                  \
    /* lmp_receive(timeout) -> (sender [| kLmpCapArrived], w0, w1, w2, w3): the sender is the */  \
    /* badge of the endpoint the message came through (or a k*Sender); blocks until a */           \
    /* message comes, or (timeout != 0) for at most `timeout` timer ticks: then Timeout; */       \
    /* with timeout kNoWait it does not block (WouldBlock) */                                     \
    X(LmpReceive, 5)                                                                               \
    /* core_info() -> (hardware core id, core index, dispatcher id, isa, timer hz) */              \
    X(CoreInfo, 6)                                                                                 \
    /* irq_attach(irq) -> (line): the interrupt of the Irq capability at CPtr irq (Read) goes */ \
    /* to the caller from now on, as LMP messages (sender kIrqSender); Busy while another live */ \
    /* dispatcher has it */                                                                        \
    X(IrqAttach, 7)                                                                                \
    /* irq_ack(irq): the handler of the Irq capability at CPtr irq is done; the line unmasked */  \
    X(IrqAck, 8)                                                                                   \
    /* cap_invoke(words, n): a capability invocation of n <= kMaxInvokeWords words in the */      \
    /* caller's memory (caps/include/mosaic/caps/invocation.hpp) against its capability space */  \
    /* -> Identify: (type wire id, rights, base, size); HasDescendants: (flag) */                  \
    X(CapInvoke, 9)                                                                               \
    /* lmp_receive_slot(cptr): the empty slot of the caller's space the next capability sent */   \
    /* to it goes to (0: refuse capabilities) */                                                   \
    X(LmpReceiveSlot, 10)                                                                          \
    /* kernel(cptr, op, a0, a1, a2, a3): an operation of the Kernel capability at cptr (only */   \
    /* the monitor holds one); op is a KernelOp, its arguments below */                           \
    X(Kernel, 11)                                                                                  \
    /* dispatcher(cptr, op, a0, a1): an operation of the Dispatcher capability at cptr (Write); */ \
    /* op is a DispatcherOp, below */                                                              \
    X(Dispatcher, 12)

// What needs no capability, and why: null, yield, exit and core_info act on the caller
// alone; lmp_receive and lmp_receive_slot on the caller's own mailbox and capability space;
// cap_invoke names its capabilities in its words. Programs write through their monitor to
// the console service (user::write); the console service drives the UART itself.
enum class Number : u64 {
#define X(name, value) name = value,
    MOSAIC_SYSCALLS(X)
#undef X
};
constexpr u64 kSyscallCount = 0
#define X(name, value) +1
    MOSAIC_SYSCALLS(X)
#undef X
    ;

// The ISA-neutral view of a call and of its return.
struct Args {
    u64 number = 0;
    u64 arg[6] = {};
};
struct Return {
    u64 error = 0; // a mosaic::Error value
    u64 value[5] = {};
};

// Limits and special values of the calls above.
constexpr u64 kMaxPrint = 256;
constexpr u32 kLmpWords = 4;
constexpr u64 kIrqSender = 1ull << 32;      // the sender of an interrupt message (badges are smaller)
constexpr u64 kMaxBadge = kIrqSender - 1;   // endpoint badges: 1..kMaxBadge
constexpr u64 kLmpCapArrived = 1ull << 63;  // or-ed into the sender: a capability came with the message
// Senders of messages from the CPU driver itself, to the monitor of its core (dispatcher
// kMonitorId): a dispatcher ended (kEndedWord*), and the core's doorbell rang (no words;
// several rings before the monitor looks arrive as one message).
constexpr u64 kKernelSender = 1ull << 33;
constexpr u64 kDoorbellSender = 1ull << 34;
constexpr u64 kMonitorId = 1; // the first dispatcher of every core, and the badge of its endpoints to programs
constexpr u64 kNoWait = ~0ull; // lmp_receive's timeout: only what is there now
// An ended message: w0 = dispatcher id | how << 32 (0 exit, 1 fault, 2 stopped by its
// monitor: DispatcherOp::Stop) | times it was preempted << 40 (at most kEndedMaxPreemptions);
// w1 = exit code or the trap kind (mosaic::TrapKind); w2 = the fault's address; w3 = the
// fault's pc.
constexpr u64 kEndedFault = 1, kEndedStopped = 2;
constexpr u64 kEndedMaxPreemptions = (1ull << 24) - 1;
constexpr u64 kIrqConsoleRx = 1;    // KernelOp::IrqCap kinds: the console UART's receive interrupt
constexpr u64 kMaxInvokeWords = 7;

// Start data: bytes a dispatcher is given when it starts (e.g. the SKB server's facts), on
// fresh pages mapped read-only at this offset from the user window's base by whoever
// loaded it; programs are loaded below it. The program's arg says what and how long.
constexpr u64 kStartDataOffset = 256ull << 20;
constexpr u64 kMaxStartData = 64 * 1024;

// The capability space every dispatcher starts with: slots of its root CNode.
constexpr u32 kSlotRootTable = 0; // its root page table (Read, Write); only the heap slot may be changed
constexpr u32 kSlotRam = 1;       // RAM given to it at start, if any (Read, Write, Grant)
// Its program's memory: the page tables of its user window, then the frames (naturally
// aligned powers of two) that hold its code, data and stack; unused slots stay empty.
constexpr u32 kSlotImage = 2, kImageSlots = 16;
// The monitor's (never on another dispatcher's, unless the monitor passes it on): the Kernel
// capability; the frame its CPU driver was given for the channel to its node's boot monitor
// (a core started by that monitor); the interconnect region between nodes (a device frame
// the node's boot monitor cuts from kSlotDeviceMemory once it found the region's BAR).
constexpr u32 kSlotKernel = kSlotImage + kImageSlots;
constexpr u32 kSlotChannel = kSlotKernel + 1;
constexpr u32 kSlotRegion = kSlotKernel + 2;
// ... and the console UART's registers (a device frame, or an I/O port range), every core's.
constexpr u32 kSlotConsole = kSlotKernel + 3;
// ... and the image bundle the node booted from (a Frame, Read only, no Grant): the
// programs the monitor loads (KernelOp::Dispatch), every core's.
constexpr u32 kSlotImageFile = kSlotKernel + 4;
// ... and, the node's boot core only, the hardware it finds the rest of the node with
// (monitor/hardware.cpp): QEMU's fw_cfg device (a device frame, or its I/O ports), PCI
// configuration space (ECAM's first bus, or the configuration ports) and the device memory
// that BARs are in (a device frame it cuts the BARs it uses from).
constexpr u32 kSlotFwCfg = kSlotKernel + 5;
constexpr u32 kSlotPciConfig = kSlotKernel + 6;
constexpr u32 kSlotDeviceMemory = kSlotKernel + 7;
// Every dispatcher's, from the CPU driver: a Dispatcher capability for itself (Read, Write:
// it may mint endpoints to itself, and stop itself), and, every one a monitor started, an
// Endpoint to that monitor (Write only) badged with the dispatcher's own id.
constexpr u32 kSlotSelf = kSlotKernel + 8;
constexpr u32 kSlotMonitorEp = kSlotKernel + 9;
// Slots the user runtime keeps the endpoints it was given in (user::lmp_send).
constexpr u32 kSlotEndpoints = kSlotKernel + 10, kEndpointSlots = 4;
constexpr u32 kSlotFirstFree = kSlotEndpoints + kEndpointSlots;

// The operations of the Kernel capability (sys::Number::Kernel), declared once:
// X(name, code). Arguments a0..a3:
//   StartCore  a0 core index (in BootFacts::core_ids), a0 never this core; a1 the CPtr of a
//              Frame of at least kChannelBytes for its channel; -> (hw id, its doorbell id)
//              once the core runs its CPU driver (its monitor starts on its own)
//   Dispatch   a0 the address of a DispatchRequest in the caller's memory -> (dispatcher id):
//              a new dispatcher from capabilities the caller built (the last step of
//              loading a program; the monitor's loader does the rest), with kSlotSelf and
//              kSlotMonitorEp filled; the caller gets its Dispatcher capability
//   Doorbell   a0 a doorbell id another core's CPU driver gave its monitor (BootFacts)
//   PowerOff   a0 1: the run passed, 0: failed; ends the machine
//   IrqCap     a0 an interrupt kind (kIrqConsoleRx), a1 the CPtr of an empty slot: an Irq
//              capability (Read, Write, Grant) for that device's interrupt on this core
//              -> (the controller's line)
#define MOSAIC_KERNEL_OPS(X) X(StartCore, 1) X(Dispatch, 2) X(Doorbell, 3) X(PowerOff, 5) X(IrqCap, 6)
enum class KernelOp : u64 {
#define X(name, value) name = value,
    MOSAIC_KERNEL_OPS(X)
#undef X
};
constexpr u64 kChannelBytes = 4096;

// The operations of a Dispatcher capability (sys::Number::Dispatcher): X(name, code).
//   Stop       ends the dispatcher (its monitor hears of it as kEndedStopped)
//   Endpoint   a0 the CPtr of an empty slot, a1 a badge (1..kMaxBadge): an Endpoint
//              capability (Write, Grant) to the dispatcher there; what comes through it
//              reaches the dispatcher with that badge as its sender
#define MOSAIC_DISPATCHER_OPS(X) X(Stop, 1) X(Endpoint, 2)
enum class DispatcherOp : u64 {
#define X(name, value) name = value,
    MOSAIC_DISPATCHER_OPS(X)
#undef X
};

// What Dispatch starts: the CPtr of a CNode capability (its capability space), the CPtr of
// a root page table capability (its address space: valid entries in the user window's root
// slot and the heap slot only, which the CPU driver checks before it adds the kernel's),
// its entry point (in the user window), the arg for its first argument register, the CPtr
// of an empty slot of the caller for its Dispatcher capability (Read, Write) and a name
// for reports. Its stack ends at the window's top.
struct DispatchRequest {
    u64 cnode;
    u64 root;
    u64 entry;
    u64 arg;
    u64 dispatcher;
    char name[16];
};

} // namespace mosaic::sys
