// The boot core's device-interrupt boot test: the console UART's receive interrupt, end to
// end (see irqtest.cpp).
#pragma once

#include "selftest.hpp"

namespace mosaic::cpudriver {

// Sets up this core's interrupt controller (the global part too), routes the console's
// receive interrupt here, prints "INPUT ready" (the board runner answers with "mosaic\n" on
// this node's serial input) and checks that the line arrives through interrupts within
// timeout_ticks of this core's timer. Needs the timer running and interrupts enabled.
void test_uart_rx_irq(SelfTest& t, u64 (*ticks)(), u64 timeout_ticks);

} // namespace mosaic::cpudriver
