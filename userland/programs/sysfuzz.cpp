// The system-call fuzzer: a user program that throws kFuzzCalls system calls with random
// numbers, capability slots, rights, sizes and addresses (its own, the kernel's, unmapped,
// misaligned, past the end) at its CPU driver, invocations on every capability it holds
// among them, and checks between them that legal work still gives the right results and
// that what it holds no capability for stays out of reach. The CPU driver must refuse each
// bad call with an error and go on; the programs beside it must not notice.
//
// It avoids only what would end or silence itself (exit, stopping itself, blocking forever,
// deleting the capabilities its own program runs on) and what would flood the console
// (printing valid text) or disturb other programs (messages go through endpoints to itself
// or through slots that hold none, never through its monitor's endpoint). arg: bits 0-47 the seed (0: the default), bits 48-63 rounds of kFuzzCalls (0: ten, 10^5 calls);
// it prints the seed, so that a failing run can be replayed (the same seed, the same calls;
// the boot tests pass 0 and the rounds, a program that gives it RAM may pass any). Needs 64
// KiB of RAM (monitor::api::with_ram). Exit 0: every check held; 1: a legal result was
// wrong; 2: an escalation was not refused; 3: no RAM.
#include <mosaic/caps/invocation.hpp>
#include <mosaic/user/caps.hpp>
#include <mosaic/user/sys.hpp>
#include <mosaic/user/vspace.hpp>

using namespace mosaic;
using namespace mosaic::caps;

namespace {

constexpr u64 kFuzzCalls = 10'000; // calls per round
constexpr u64 kDefaultSeed = 0xcafe'f00d'0001ull; // 48 bits, as the arg carries it
constexpr u64 kRam = 64 * 1024;
constexpr u32 kProtectedBelow = sys::kSlotFirstFree + 14; // its program's and its Vspace's slots
static_assert(kProtectedBelow + 8 <= kCNodeSlots, "room for the fuzzing's own slots");
constexpr u64 kLegalEvery = 997;                           // calls between two legal checks
constexpr u32 kSelfEp = kProtectedBelow - 2;               // an endpoint to itself (badge kSelfBadge)
constexpr u64 kSelfBadge = 0x5e1f;

// Slots whose endpoints lead elsewhere (its monitor, and whom the runtime holds endpoints
// to): random sends and copies go through its own endpoint instead.
u64 tame(u64 raw) {
    const CPtr p{raw};
    const bool elsewhere = p.depth() == 1 && (p.first() == sys::kSlotMonitorEp ||
                                              (p.first() >= sys::kSlotEndpoints && p.first() < sys::kSlotEndpoints + sys::kEndpointSlots));
    return elsewhere ? CPtr::at(kSelfEp).raw : raw;
}

u64 g_state = kDefaultSeed;
u64 next() { // xorshift64*
    g_state ^= g_state >> 12;
    g_state ^= g_state << 25;
    g_state ^= g_state >> 27;
    return g_state * 0x2545f4914f6cdd1dull;
}
u64 below(u64 n) { return n ? next() % n : 0; }

alignas(64) u64 g_buf[16]; // its own memory: invocation words, message text
volatile u64* g_frame = nullptr; // a frame it mapped for legal work
u64 g_refused = 0, g_succeeded = 0, g_legal = 0, g_wrong = 0, g_escalations = 0, g_breaches = 0;

// An address from the palette: its own memory, the kernel's, nothing, misaligned, huge.
enum Kind : u32 { kOwn, kOwnOdd, kKernel, kUnmapped, kZero, kHuge, kRandom, kKinds };
u64 address(Kind& kind) {
    kind = Kind(below(kKinds));
    switch (kind) {
    case kOwn: return u64(uptr(g_buf));
    case kOwnOdd: return u64(uptr(g_buf)) + 1 + below(7);
    case kKernel: {
        static const u64 kernel[] = {0x1000, 0x100000, 0x40080000, 0x80200000, 0xffffffff80000000ull,
                                     0xffff000000000000ull, 0xfee00000};
        return kernel[below(sizeof kernel / sizeof kernel[0])];
    }
    case kUnmapped: return u64(uptr(g_buf)) + (u64(1) << 28) + below(1 << 20);
    case kZero: return 0;
    case kHuge: return ~0ull - below(64);
    default: return next();
    }
}

u64 value() {
    switch (below(8)) {
    case 0: return 0;
    case 1: return 1 + below(4);
    case 2: return below(256);
    case 3: return ~0ull;
    case 4: return u64(1) << below(64);
    case 5: return CPtr::at(u32(below(kCNodeSlots))).raw;
    case 6: return CPtr::at(u32(below(kCNodeSlots)), u32(below(kCNodeSlots))).raw;
    default: return next();
    }
}

// A slot address for an operation that destroys what it names: never one of its own.
bool may_destroy(u64 raw) {
    const CPtr p{raw};
    if (!p.well_formed()) return true; // refused anyway
    return p.first() >= kProtectedBelow;
}

// Random invocation words in g_buf: an operation (or none), then slots and arguments.
usize invocation() {
    const usize n = below(kMaxInvocationWords + 2);
    for (usize i = 0; i < n; ++i) g_buf[i] = value();
    if (n) g_buf[0] = below(14); // the operations and a few past them
    const u64 op = n ? g_buf[0] : 0;
    if ((op == u64(Op::Delete) || op == u64(Op::Revoke)) && n > 1 && !may_destroy(g_buf[1])) g_buf[1] = CPtr::at(kCNodeSlots - 1).raw;
    if ((op == u64(Op::Copy) || op == u64(Op::Mint)) && n > 1) g_buf[1] = tame(g_buf[1]);
    return n;
}

void count(const sys::Return& r) { r.error ? ++g_refused : ++g_succeeded; }

// One random call.
void fuzz_one() {
    const u64 number = below(sys::kSyscallCount + 4);
    Kind kind;
    u64 a[6] = {value(), value(), value(), value(), value(), value()};
    switch (sys::Number(number)) {
    case sys::Number::Exit: return count(user::call(sys::Number::Null)); // it would end here
    case sys::Number::Print: {
        // Only what prints nothing: bad addresses, or no bytes.
        const u64 p = address(kind);
        const bool bad = kind == kKernel || kind == kUnmapped || kind == kZero || kind == kHuge;
        const u64 len = bad || kind == kRandom ? below(2 * sys::kMaxPrint) : 0;
        const sys::Return r = user::call(sys::Number::Print, p, len);
        if (bad && len) { // memory it cannot read: refused, never printed
            ++g_escalations;
            if (!r.error) ++g_breaches;
        }
        return count(r);
    }
    case sys::Number::LmpSend: {
        // Through its endpoint to itself, or through any other slot (which holds none that
        // leads elsewhere); words and a capability at random.
        const u64 ep = below(2) ? CPtr::at(kSelfEp).raw : tame(a[0]);
        count(user::call(sys::Number::LmpSend, ep, a[1], a[2], a[3], a[4], below(2) ? a[5] : 0));
        return;
    }
    case sys::Number::Dispatcher: {
        // Any operation on any slot, but never a stop through its own Dispatcher capability.
        const u64 op = below(4);
        const bool self = CPtr{a[0]}.depth() == 1 && CPtr{a[0]}.first() == sys::kSlotSelf;
        return count(user::call(sys::Number::Dispatcher, op == u64(sys::DispatcherOp::Stop) && self ? CPtr::at(kSelfEp).raw : a[0],
                                op, a[2], below(2) ? a[3] : 1 + below(1000)));
    }
    case sys::Number::IrqAttach:
    case sys::Number::IrqAck: {
        // It holds no Irq capability: refused, whatever it names.
        const sys::Return r = user::call(sys::Number(number), a[0]);
        ++g_escalations;
        if (!r.error) ++g_breaches;
        return count(r);
    }
    case sys::Number::LmpReceive: return count(user::call(sys::Number::LmpReceive, below(2) ? sys::kNoWait : 1));
    case sys::Number::CapInvoke: {
        const u64 p = below(4) ? u64(uptr(g_buf)) : address(kind);
        const usize n = p == u64(uptr(g_buf)) ? invocation() : below(16);
        return count(user::call(sys::Number::CapInvoke, p, n));
    }
    case sys::Number::Kernel: {
        // It holds no Kernel capability: every operation must be refused.
        const sys::Return r = user::call(sys::Number::Kernel, a[0], below(10), a[2], a[3], a[4], a[5]);
        ++g_escalations;
        if (!r.error) ++g_breaches;
        return count(r);
    }
    default:
        return count(user::call(sys::Number(number < sys::kSyscallCount + 3 ? number : next()), a[0], a[1], a[2], a[3],
                                a[4], a[5]));
    }
}

// Legal work: its frame holds what it wrote; a copy of the frame's capability is made,
// named right and deleted again; a null call and core_info answer as they should.
CPtr g_frame_cap;
void legal(u64 round) {
    ++g_legal;
    for (u32 i = 0; i < 512; ++i) g_frame[i] = round * 0x9e3779b97f4a7c15ull + i;
    for (u32 i = 0; i < 512; ++i)
        if (g_frame[i] != round * 0x9e3779b97f4a7c15ull + i) return void(++g_wrong);
    const CPtr spare = CPtr::at(kProtectedBelow - 1); // its own: the fuzzing never touches it
    const Error copied = user::cap::copy(g_frame_cap, spare);
    auto named = user::cap::identify(spare);
    const Error deleted = user::cap::slot_op(Op::Delete, spare);
    auto gone = user::cap::identify(spare);
    const bool caps_right = copied == Error::Ok && named.ok() && named->type == CapType::Frame && named->size == 4096 &&
                            deleted == Error::Ok && !gone.ok();
    const bool calls_right = user::call(sys::Number::Null).error == 0 && user::core_info().dispatcher != 0;
    if (!caps_right || !calls_right) {
        if (!g_wrong)
            user::print("sysfuzz: round {}: copy {}, identify {}, delete {}, after delete {}; calls {}\n", round,
                        error_name(copied), named.ok() ? "ok" : error_name(named.error()), error_name(deleted),
                        gone.ok() ? "still there" : error_name(gone.error()), calls_right ? "right" : "wrong");
        ++g_wrong;
    }
}

// What it holds no capability for stays out of reach; each attempt named.
void escalations(CPtr frame) {
    auto attempt = [](bool refused, const char* what) {
        ++g_escalations;
        if (refused) return;
        ++g_breaches;
        user::print("sysfuzz: NOT refused: {}\n", what);
    };
    // Map its frame into a root-table slot that is the kernel's.
    attempt(user::cap::map(CPtr::at(sys::kSlotRootTable), 0, frame, kRead | kWrite) != Error::Ok,
            "mapping a frame into the kernel's part of the root table");
    // A page table as a frame: writable page-table entries.
    attempt(user::cap::map(CPtr::at(sys::kSlotImage), 300, CPtr::at(sys::kSlotImage), kRead | kWrite) != Error::Ok,
            "mapping a page table as a frame");
    // Invocation words in kernel memory; printing kernel memory.
    attempt(user::call(sys::Number::CapInvoke, 0xffffffff80000000ull, 2).error != 0, "invocation words from kernel memory");
    attempt(user::call(sys::Number::Print, 0x100000, 16).error != 0, "printing kernel memory");
    attempt(user::call(sys::Number::Print, u64(uptr(g_buf)), 0, CPtr::at(sys::kSlotConsole).raw).error != 0,
            "the CPU driver's console without the UART's capability");
    // Another program's capabilities: slots of a CNode it does not hold.
    attempt(user::cap::copy(CPtr::at(kCNodeSlots - 2, 1), CPtr::at(kCNodeSlots - 3)) != Error::Ok, "copying from a CNode it does not hold");
    // The console's interrupt, whose capability its monitor gave the console service.
    attempt(user::call(sys::Number::IrqAttach, sys::kIrqConsoleRx).error != 0, "taking the console's interrupt");
    // Its monitor: stopped through the endpoint it holds, that endpoint badged anew (to pass
    // for another program) or passed on (it has no Grant).
    attempt(user::dispatcher_stop(CPtr::at(sys::kSlotMonitorEp).raw) != Error::Ok, "stopping its monitor");
    u64 m[7];
    attempt(user::cap::invoke(m, encode_mint(m, CPtr::at(sys::kSlotMonitorEp), CPtr::at(kCNodeSlots - 4), kWrite, 7)) != Error::Ok,
            "badging its monitor endpoint as another program's");
    const u64 w[4] = {};
    Error passed;
    while ((passed = user::lmp_send_ep(CPtr::at(sys::kSlotMonitorEp).raw, w, CPtr::at(sys::kSlotMonitorEp).raw)) ==
           Error::WouldBlock)
        user::yield();
    attempt(passed == Error::PermissionDenied, "passing its monitor endpoint on");
    // Messages without an endpoint: through its Dispatcher capability, through RAM.
    attempt(user::lmp_send_ep(CPtr::at(sys::kSlotSelf).raw, w) != Error::Ok, "sending through a Dispatcher capability");
    attempt(user::lmp_send_ep(CPtr::at(sys::kSlotRam).raw, w) != Error::Ok, "sending through RAM");
    // The Kernel capability it does not hold.
    attempt(user::call(sys::Number::Kernel, CPtr::at(sys::kSlotKernel).raw, 5, 0).error != 0, "powering off the node");
    // Retype RAM into a frame that covers memory it does not own (past its RAM).
    attempt(user::cap::retype(CPtr::at(sys::kSlotRam), CPtr::at(kCNodeSlots - 4), CapType::Frame, kRam * 4, 1, 0) != Error::Ok,
            "a frame larger than its RAM");
}

} // namespace

int main(u64 arg) {
    const u64 rounds = (arg >> 48) ? (arg >> 48) : 10;
    const u64 calls = rounds * kFuzzCalls;
    u64 seed = arg & ((u64(1) << 48) - 1);
    if (!seed) seed = kDefaultSeed;
    g_state = seed;
    user::Vspace vs;
    auto st = vs.init(kRam / 2, sys::kSlotFirstFree);
    auto frame = st.ok() ? vs.alloc_frame(4096) : Result<CPtr>(st.error());
    auto va = frame.ok() ? vs.map(*frame, 0, 4096) : Result<u64>(frame.error());
    if (!va.ok()) {
        user::print("sysfuzz: no frame of its own: {}\n", error_name(va.error()));
        return 3;
    }
    if (Error e = user::dispatcher_endpoint(CPtr::at(sys::kSlotSelf).raw, CPtr::at(kSelfEp).raw, kSelfBadge); e != Error::Ok) {
        user::print("sysfuzz: no endpoint to itself: {}\n", error_name(e));
        return 3;
    }
    g_frame = reinterpret_cast<volatile u64*>(uptr(*va));
    g_frame_cap = *frame;
    user::print("sysfuzz: seed {:x}, {} calls (the same seed makes the same calls)\n", seed, calls);
    escalations(*frame);
    for (u64 i = 0; i < calls; ++i) {
        fuzz_one();
        if (i % kLegalEvery == 0) legal(i);
    }
    escalations(*frame);
    legal(calls);
    auto still = user::cap::identify(*frame);
    if (!still.ok() || still->type != CapType::Frame || still->size != 4096) ++g_wrong;
    user::print("sysfuzz: {} calls: {} refused, {} succeeded; {} legal checks, {} wrong; {} escalations, {} not refused\n",
                calls, g_refused, g_succeeded, g_legal, g_wrong, g_escalations, g_breaches);
    return g_wrong ? 1 : g_breaches ? 2 : 0;
}
