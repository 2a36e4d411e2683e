// The contract between the generic CPU driver and each ISA in arch/<isa>/: every
// function here is defined once per ISA, and nothing else of an ISA is visible to
// generic code. A missing definition is a link error of that ISA's build.
#pragma once

#include <mosaic/arch/user.hpp> // the ISA's UserFrame and its system-call registers
#include <mosaic/cpudriver/core.hpp>
#include <mosaic/trapkind.hpp>

namespace mosaic::arch {

// Points this core's per-core register at its CoreState; core_state() reads it back.
void set_core_state(cpudriver::CoreState* s);
cpudriver::CoreState* core_state();
// Starts core hw_id at the CPU driver's secondary entry, on the stack and state in s
// (INIT-SIPI-SIPI, PSCI CPU_ON, SBI HSM hart_start); fails if the firmware refuses.
Status start_core(u64 hw_id, cpudriver::CoreState* s);
// The first byte after the CPU driver's image in memory (where per-core memory is carved).
u64 image_end();
// Writes bytes to the early console (a polled UART).
void console_write(const char* s, usize n);
// The console UART as a user-level driver must drive it (kind and registers), for the
// capability the monitor hands the console service.
ConsoleDevice console_device();
// 1, 2 or 4 bytes from or to an I/O port (x86; elsewhere reads all ones and writes
// nothing: no capability for I/O ports exists there).
u32 io_port_read(u16 port, u32 width);
void io_port_write(u16 port, u32 value, u32 width);
// Installs this core's exception/trap vectors.
void traps_init();
// Starts the periodic timer interrupt at about hz; each tick calls cpudriver::on_tick.
void timer_start(u32 hz);
// Stops this core's timer interrupt until the next timer_start (a core with nothing to
// run sleeps until a device interrupt instead of waking every tick).
void timer_stop();
// The ISA's free-running counter (TSC, CNTVCT_EL0, time) and its frequency in Hz
// (0 until known: x86 measures the TSC against the PIT in timer_start).
u64 counter();
u64 counter_hz();
// Enables and disables interrupts on this core.
void interrupts_enable();
void interrupts_disable();
// Waits for the next interrupt with the core halted (hlt, wfi): costs no host CPU.
void wait_for_interrupt();
// Called with interrupts disabled: halts until an interrupt is pending, lets it be taken,
// and returns with interrupts disabled again. An interrupt that became pending before the
// call (say a doorbell rung after the caller's last look at its channel) ends the wait at
// once: nothing is lost between deciding to sleep and sleeping.
void wait_for_interrupt_masked();
// Writes this core's cached copies of [p, p + n) back to memory, for a core that starts
// with its caches off (a no-op where such accesses are coherent with the caches).
void clean_dcache(const void* p, usize n);
// Makes instructions just written to [p, p + n) (through the kernel's map) visible to
// instruction fetch on this core, for code loaded into a user program.
void sync_icache(const void* p, usize n);
// Orders all earlier memory accesses before all later ones, for other observers too.
void full_barrier();
// User mode. The user window is one slot of the root page table, at least
// cpudriver::kUserWindowSize bytes, that the kernel map leaves empty; dispatchers' programs
// are linked into it (userland/meson.build takes the base from arch/<isa>/meson.build).
u64 user_window_base();
// Leaves the CPU driver for user mode with the registers in f, in the address space
// active on this core, interrupts enabled there. The next entry from user mode (system
// call, fault, interrupt) saves the user registers into *core_state()->user_frame, moves
// to a fresh kernel stack at core_state()->stack_top and calls one of the
// cpudriver::on_user_* functions below.
[[noreturn]] void user_enter(UserFrame& f);

// Ends the machine with a verdict the board runner reads (see boards/*.board "exit").
[[noreturn]] void power_off(bool pass);

// Device interrupts (the interrupt controller is in arch/<isa>/irq.cpp).
// Sets up the interrupt controller for this core (boot core: also the global part: IOAPIC / GIC distributor / PLIC).
Status irq_init(bool boot_core);
// Routes the console UART's receive interrupt to this core and enables it at the UART; returns its interrupt number
// (the ISA's own numbering: IOAPIC pin/GSI, GIC INTID, PLIC source), used only for logs and mask/unmask.
Result<u32> console_rx_irq_enable();
// Masks/unmasks one device interrupt line at the controller.
void irq_mask(u32 irq);
void irq_unmask(u32 irq);
// Reads one byte the console UART has received, if any.
bool console_read(u8& out);

// Doorbells: an inter-processor interrupt whose only effect is to wake the core it is sent
// to (from wait_for_interrupt, or between two instructions of a dispatcher; the CPU driver
// takes it and goes on). irq_init() makes this core's doorbell ring.
// What another core of the node passes to doorbell_ring() to reach this core (APIC id, GIC
// CPU-interface mask, hart id).
u64 doorbell_id();
// Rings the doorbell of the core whose doorbell_id() is id.
void doorbell_ring(u64 id);

} // namespace mosaic::arch

// Memory-management unit: the page-table format of the ISA, used by the generic
// AddressSpace in cpudriver/vm.hpp. Level 0 is the root; the last level maps 4 KiB pages
// and the one above it 2 MiB blocks.
namespace mosaic::arch::mmu {

struct MapFlags {
    bool write = false;
    bool exec = false;
    bool user = false;
    bool device = false; // uncached device memory (MMIO)
};

// Number of levels and the VA bit at which the root's index starts.
u32 levels();
u32 root_shift();
// Encodes an entry pointing at the next-level table at physical address table.
u64 table_entry(u64 table);
// Encodes a leaf mapping pa at `level` (the last level: a page; the one above: a block).
u64 leaf_entry(u64 pa, const MapFlags& f, u32 level);
// Decodes entries.
bool is_valid(u64 e);
MapFlags leaf_flags(u64 e); // the MapFlags a valid leaf entry was made with
bool is_table(u64 e, u32 level);
u64 entry_address(u64 e);
// Drops this core's cached translation of va.
void invalidate(u64 va);
// Makes root the translation of this core and turns translation on if it was off.
void activate(u64 root);

} // namespace mosaic::arch::mmu

namespace mosaic::cpudriver {

// What a trap was (mosaic::TrapKind, lib/include/mosaic/trapkind.hpp), filled by the ISA's trap entry.
using mosaic::TrapKind;
using mosaic::trap_kind_name;
struct TrapInfo {
    TrapKind kind;
    u64 cause;     // the ISA's raw cause (vector, ESR, scause)
    u64 pc;
    u64 address;   // faulting address where the ISA reports one
    bool from_user;
};

// Called by the ISA's trap entry for a synchronous exception in the CPU driver itself: a
// bug; it says what happened and stops the machine.
[[noreturn]] void on_trap(const TrapInfo& info);
// Called by the ISA's timer interrupt handler.
void on_tick();
// Called by the ISA's interrupt handler for a device interrupt, after it acknowledged it at the controller and
// MASKED the line (level-triggered sources stay asserted until the device is serviced; whoever handles the
// interrupt unmasks it when done).
void on_irq(u32 irq);
// Called by the ISA's interrupt handler when this core's doorbell rang (after it
// acknowledged it): the CPU driver tells this core's monitor.
void on_doorbell();
// Entries from user mode, on a fresh kernel stack, with the user's registers saved in
// the current dispatcher's frame; none of them returns (they end in arch::user_enter or
// idle). A system call arrives with the pc already past the trapping instruction; an
// interrupt after the ISA has acknowledged it and called on_tick (or on_irq).
[[noreturn]] void on_user_syscall();
[[noreturn]] void on_user_fault(const TrapInfo& info);
[[noreturn]] void on_user_interrupt();
// Called by the ISA's boot code once BootInfo is filled: the generic boot sequence.
[[noreturn]] void main(BootInfo& bi);
// For ISAs whose firmware hands over a device tree: records it in bi, lets `platform`
// read the ISA's devices from it (console first), then fills memory, cores and PCI.
// A missing or corrupt tree stops the core with a panic.
void boot_from_dtb(BootInfo& bi, const u8* blob, void (*platform)(const Dtb&));

} // namespace mosaic::cpudriver

// The entry of every secondary core once its ISA code has set up its stack.
extern "C" [[noreturn]] void cpudriver_secondary_entry(mosaic::cpudriver::CoreState* s);
