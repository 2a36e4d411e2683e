// Device interrupts reaching the CPU driver from the ISA's interrupt handler, the line
// already masked at the controller.
#include "console.hpp"
#include "sched.hpp"

namespace mosaic::cpudriver {

// An interrupt goes as a message to the dispatcher of this core attached to its line; the
// line stays masked until that dispatcher acknowledges it (irq_ack). With no driver
// attached, it stays masked: nobody could service the device.
void on_irq(u32 irq) {
    CoreState& me = *arch::core_state();
    if (!me.sched || !me.sched->deliver_irq(irq)) kprint("  irq: interrupt {} on core {:x} not delivered (no driver, or its mailbox is full): left masked\n", irq, me.hw_id);
}

} // namespace mosaic::cpudriver
