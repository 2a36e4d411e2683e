// The SKB benchmark in the guest (./mosaic bench skb): the host benchmark's workloads
// (skb/workload.hpp) timed with the ISA's counter, run by the boot core at the end of the
// boot only when the runner asks for it (boot parameter skbbench=1), so that boot tests
// stay fast. Its engine's memory (about 33 MiB) is RAM that no one uses by then.
#pragma once

#include <mosaic/cpudriver/bootinfo.hpp>

namespace mosaic::cpudriver {

void bench_skb_if_asked(const BootInfo& bi);

} // namespace mosaic::cpudriver
