// Device interrupts reaching the CPU driver from the ISA's interrupt handler, the line
// already masked at the controller.
#include <mosaic/cpudriver/arch.hpp>

namespace mosaic::cpudriver {

// FIXME: deliver to the user-space driver of the device as a message; for now the core
// that took the interrupt records it for the boot test (irqtest.cpp), which unmasks it.
void on_irq(u32 irq) {
    CoreState& me = *arch::core_state();
    me.last_irq = irq;
    me.irqs = me.irqs + 1;
}

} // namespace mosaic::cpudriver
