// init: the first program the boot monitor of every node starts once the monitors agreed
// on the membership. It starts the services the board profile names (`services`), in that
// order, then the job the runner asked for (boot parameter `job`) through
// the monitor: 1 (the default) the boot test suite (tests/boot/testrunner.cpp), 2 the
// guest SKB benchmark (also boot parameter skbbench=1), 3 staying idle for the seconds of
// boot parameter idle (./mosaic bench idle), 4 the shell (userland/programs/shell.cpp) on
// the board's first node, the other nodes serving until it shuts the board down, 5 the
// guest transport benchmark (userland/programs/tbench.cpp) the same way; then
// waits for it and powers the node off with its outcome (the test suite and the shell
// power off themselves, with their verdicts). Its start data: the monitor's boot facts
// and the board manifest; arg: the SKB service's dispatcher id on this core (0: none).
#include <mosaic/board.hpp>
#include <mosaic/bootfacts.hpp>
#include <mosaic/user/monitor.hpp>

using namespace mosaic;
namespace mon = mosaic::user::mon;

namespace {
enum Job : u64 { kTests = 1, kSkbBench = 2, kIdle = 3, kShell = 4, kTransportBench = 5 };

// Halted between timer ticks for the seconds the runner asked, so that the host can
// measure what an idle node costs.
[[noreturn]] void idle(u64 seconds) {
    user::print("IDLE {} s\n", seconds);
    (void)user::call(sys::Number::LmpReceive, seconds * 100);
    user::print("IDLE done\nVERDICT PASS (the idle job)\n");
    mon::power_off(true);
}
} // namespace

int main(u64 skb) {
    const auto* facts = reinterpret_cast<const BootFacts*>(user::start_data());
    BoardError err;
    auto board = facts->magic == BootFacts::kMagic ? parse_board(facts->manifest(), facts->manifest_len, err)
                                                   : Result<BoardProfile>(Error::BadMagic);
    if (!board.ok() || facts->node >= board->node_count) {
        user::print("init: no boot facts or board: {}\n", error_name(board.ok() ? Error::OutOfRange : board.error()));
        mon::power_off(false);
    }
    const u32 core = board->first_core(facts->node) + facts->core_index;
    const u64 job = facts->has(kParamJob)                                      ? facts->params[kParamJob]
                    : facts->has(kParamSkbBench) && facts->params[kParamSkbBench] ? kSkbBench
                    : facts->has(kParamIdle) && facts->params[kParamIdle]         ? kIdle
                                                                                  : kTests;
    if (job == kIdle) idle(facts->params[kParamIdle]);
    // The shell and the transport benchmark run on the board's first node; the other nodes
    // serve them until they shut the board down (their monitors power them off then).
    const bool serve_only = (job == kShell || job == kTransportBench) && facts->node != 0;
    const char* program = job == kSkbBench ? "skbbench" : job == kTests ? "testrunner" : job == kShell ? "shell"
                          : job == kTransportBench                                                   ? "tbench"
                                                                                                     : nullptr;
    if (!program) {
        user::print("init: unknown job {}\n", job);
        mon::power_off(false);
    }
    // The services the board profile names, in its order (each told it is a service: arg 1).
    for (u32 i = 0; i < board->service_count; ++i) {
        const ServiceProfile& sv = board->services[i];
        auto id = mon::spawn(core, sv.name, 1, 100 + i, monitor::api::with_ram(sv.ram));
        if (id.ok()) user::print("init: service {} started (dispatcher {}, {} KiB)\n", sv.name, id->dispatcher, sv.ram >> 10);
        else user::print("init: service {} does not start: {}\n", sv.name, error_name(id.error()));
    }
    if (serve_only) {
        user::print("init: node {} serves the board; the shell runs on node 0\n", facts->node);
        for (;;) (void)user::lmp_receive(); // what comes is not init's; the board's shutdown ends the node
    }
    user::print("init: core {} starts the job '{}'\n", core, program);
    auto started = mon::spawn(core, program, skb, 1, monitor::api::kWithBootFacts);
    if (!started.ok()) {
        user::print("init: '{}' does not start: {}\n", program, error_name(started.error()));
        mon::power_off(false);
    }
    auto ended = mon::wait_end(1);
    const bool ok = ended.ok() && !ended->faulted && ended->code == 0;
    user::print("init: the job '{}' ended: {}\nVERDICT {} (the job '{}')\n", program, ok ? "ok" : "failed",
                ok ? "PASS" : "FAIL", program);
    mon::power_off(ok);
}
