// Capabilities from user mode: builds its own page tables and maps a frame from the RAM it
// was given, then tries to escalate in every way listed below; each attempt must be refused
// with the right error while it goes on running. arg 0: the tests (exit code: failures);
// arg 1: map a frame, revoke the RAM, and touch the frame again: the CPU driver must have
// removed the mapping, so this dispatcher ends with a page fault at the heap's first page.
// arg (server << 8) | 2: a client of the memory server: its heap is built from a RAM
// capability the server sends it. arg 3: a read-only alias of a mapped frame, written (a
// fault at heap + 4 KiB). arg 4: a mapping whose capability was deleted, read (a fault at
// the heap).
#include <mosaic/caps/invocation.hpp>
#include <mosaic/user/caps.hpp>
#include <mosaic/user/memserv.hpp>
#include <mosaic/user/monitor.hpp>
#include <mosaic/user/sys.hpp>

using namespace mosaic;
using namespace mosaic::caps;

namespace {

constexpr CPtr kRoot = CPtr::at(sys::kSlotRootTable), kRam = CPtr::at(sys::kSlotRam);
constexpr u64 kPattern = 0x6361'7073'7465'7374ull;

u32 g_failed = 0;
u32 g_next_slot = sys::kSlotFirstFree;

using user::cap::copy, user::cap::invoke, user::cap::map, user::cap::map_table, user::cap::mint, user::cap::retype,
    user::cap::slot_op;

struct Ident {
    Error error;
    CapType type;
    u64 rights, base, size;
};
Ident identify(CPtr p) {
    auto c = user::cap::identify(p);
    if (!c.ok()) return {c.error(), CapType::Null, 0, 0, 0};
    return {Error::Ok, c->type, c->rights, c->base, c->size};
}
CPtr fresh_slot() { return CPtr::at(g_next_slot++); }

void expect(const char* name, Error got, Error want);

// Names are backed by an endpoint to their own program, and deliveries go only through
// such an endpoint (or answer one the receiver delivered to).
void names() {
    namespace api = monitor::api;
    u8 name[16] = {'c', 'a', 'p', 's', '-', 't', 'e', 's', 't'};
    auto reg = [&](u64 cap) {
        auto r = user::mon::query(0, monitor::QueryOp::NameRegister, 0, name, 0, cap);
        return r.ok() ? Error::Ok : r.error();
    };
    expect("name-without-endpoint", reg(0), Error::PermissionDenied);
    auto server = user::mon::find("memserv");
    auto theirs = server.ok() ? user::endpoint_of(*server) : Result<u64>(server.error());
    expect("name-behind-anothers-endpoint", theirs.ok() ? reg(*theirs) : theirs.error(), Error::PermissionDenied);
    // Every node of a board runs these tests against the one registry at the same time: each
    // takes the first of caps-test-0..7 that is free.
    char mine[16] = "caps-test-0";
    Error registered = Error::AlreadyExists;
    for (char n = '0'; n <= '7' && registered == Error::AlreadyExists; ++n) {
        mine[10] = n;
        registered = user::mon::name_register(mine);
    }
    expect("name-register", registered, Error::Ok);
    auto me = user::mon::name_lookup(mine);
    expect("name-lookup", me.ok() && me->dispatcher == user::core_info().dispatcher ? Error::Ok : Error::NotFound, Error::Ok);
    if (!me.ok() || !server.ok()) return;
    const u8 hello[16] = {'h', 'i'};
    expect("deliver-to-a-nameless-program", user::mon::deliver(me->core, u32(*server), hello), Error::PermissionDenied);
    expect("deliver-through-a-name", user::mon::deliver(me->core, me->dispatcher, hello), Error::Ok);
    auto got = user::lmp_receive_if(
        [](const user::Message& m, const void*) {
            return m.sender == sys::kMonitorId && api::op_of(m.word[0]) == api::kDelivered;
        },
        nullptr, 500);
    expect("delivered", got.ok() && u8(got->word[1]) == 'h' ? Error::Ok : Error::NotFound, Error::Ok);
    expect("name-remove", user::mon::name_remove(mine), Error::Ok);
    // Gone: the name no longer leads here (another node's test may take the freed name at once).
    auto after = user::mon::name_lookup(mine);
    const bool ours = after.ok() && after->core == me->core && after->dispatcher == me->dispatcher;
    expect("name-gone", ours ? Error::Ok : Error::NotFound, Error::NotFound);
}

void expect(const char* name, Error got, Error want) {
    if (got == want) {
        user::print("TEST cap-{} PASS\n", name);
        return;
    }
    ++g_failed;
    user::print("TEST cap-{} FAIL expected '{}', got '{}'\n", name, error_name(want), error_name(got));
}
void expect_true(const char* name, bool ok, const char* what) {
    if (ok) {
        user::print("TEST cap-{} PASS\n", name);
        return;
    }
    ++g_failed;
    user::print("TEST cap-{} FAIL {}\n", name, what);
}

// The heap: the root-table slot after the user window, built from RAM at [0, 16 KiB): one
// table per level below the root, then a frame at 16 KiB. Returns the heap's address.
struct Heap {
    u64 va = 0;
    CPtr tables[kPtLevels];
    CPtr frame;
    int root_level = 0;
    Error error = Error::Ok;
};
Heap build_heap(CPtr ram = kRam) {
    Heap h;
    Ident root = identify(kRoot);
    if (root.error != Error::Ok || !is_page_table(root.type)) {
        h.error = root.error != Error::Ok ? root.error : Error::WrongType;
        return h;
    }
    h.root_level = pt_level(root.type);
    const u64 slot_bytes = entry_bytes(h.root_level);
    const u64 window = u64(uptr(&user::exit)) & ~(slot_bytes - 1); // the slot the program runs in
    h.va = window + slot_bytes;
    const u64 heap_index = (h.va / slot_bytes) % kPtEntries;
    CPtr parent = kRoot;
    u64 index = heap_index;
    for (int level = h.root_level + 1; level < int(kPtLevels); ++level) {
        CPtr t = fresh_slot();
        h.tables[level] = t;
        Error e = retype(ram, t, page_table_type(level), kPageTableBytes, 1, u64(level - h.root_level - 1) * kPageSize);
        if (e == Error::Ok) e = map_table(parent, index, t);
        if (e != Error::Ok) {
            h.error = e;
            return h;
        }
        parent = t;
        index = (h.va / entry_bytes(level)) % kPtEntries;
    }
    h.frame = fresh_slot();
    h.error = retype(ram, h.frame, CapType::Frame, kPageSize, 1, 4 * kPageSize);
    if (h.error == Error::Ok) h.error = map(parent, index, h.frame, kRead | kWrite);
    return h;
}

int tests() {
    Heap h = build_heap();
    expect("build-page-tables-and-map", h.error, Error::Ok);
    if (h.error != Error::Ok) return int(++g_failed);
    volatile u64* heap = reinterpret_cast<volatile u64*>(uptr(h.va));
    expect_true("frame-starts-zeroed", heap[0] == 0 && heap[511] == 0, "fresh frame not zero");
    heap[0] = kPattern;
    heap[511] = ~kPattern;
    expect_true("map-frame-read-write", heap[0] == kPattern && heap[511] == ~kPattern, "heap write not read back");
    CPtr last = h.tables[kPtLevels - 1];

    // Its own program's memory came with capabilities: tables it may not map, frames it may
    // not retype.
    CPtr image_table{}, image_frame{};
    for (u32 i = sys::kSlotImage; i < sys::kSlotImage + sys::kImageSlots; ++i) {
        Ident id = identify(CPtr::at(i));
        if (id.error == Error::Ok && is_page_table(id.type) && !image_table.raw) image_table = CPtr::at(i);
        if (id.error == Error::Ok && id.type == CapType::Frame && !image_frame.raw) image_frame = CPtr::at(i);
    }
    expect_true("image-tables-and-frames-held", image_table.raw && image_frame.raw, "no capability for its own memory");
    expect("map-own-image-table", map(last, 6, image_table, kRead), Error::PermissionDenied);
    expect("retype-image-frame", retype(image_frame, CPtr::at(kCNodeSlots - 2), CapType::Frame, kPageSize, 1, 0),
           Error::WrongType);
    // Naming capabilities that are not there.
    expect("forged-slot-address", identify(CPtr{u64(3) << 16}).error, Error::InvalidSlot);
    expect("slot-beyond-cnode", identify(CPtr::at(200)).error, Error::InvalidSlot);
    expect("empty-slot", identify(CPtr::at(kCNodeSlots - 1)).error, Error::SlotEmpty);
    CPtr c = fresh_slot();
    expect("copy", copy(h.frame, c), Error::Ok);
    expect("delete", slot_op(Op::Delete, c), Error::Ok);
    expect("use-after-delete", identify(c).error, Error::SlotEmpty);
    expect("copy-into-occupied-slot", copy(h.frame, kRam), Error::SlotOccupied);
    // Mapping what must never be mapped, or with more rights than held.
    expect("map-page-table-as-frame", map(last, 1, last, kRead), Error::PermissionDenied);
    CPtr cnode = fresh_slot();
    expect("retype-cnode", retype(kRam, cnode, CapType::CNode, kCNodeBytes, 1, 6 * kPageSize), Error::Ok);
    expect("map-cnode", map(last, 2, cnode, kRead), Error::PermissionDenied);
    expect("map-ram-unretyped", map(last, 3, kRam, kRead), Error::WrongType);
    expect("map-root-table-into-itself", map(last, 3, kRoot, kRead), Error::PermissionDenied);
    CPtr ro = fresh_slot(), rw = fresh_slot();
    expect("mint-read-only", mint(h.frame, ro, kRead), Error::Ok);
    expect("mint-more-rights", mint(ro, rw, kRead | kWrite), Error::PermissionDenied);
    expect("map-more-rights-than-held", map(last, 4, ro, kRead | kWrite), Error::PermissionDenied);
    expect("map-writable-and-executable", map(last, 5, h.frame, kRead | kWrite | kExecute), Error::PermissionDenied);
    expect("map-over-existing-entry", map(last, (h.va / kPageSize) % kPtEntries, h.frame, kRead), Error::AlreadyExists);
    expect("map-entry-out-of-range", map(last, kPtEntries, h.frame, kRead), Error::OutOfRange);
    expect("map-into-kernel-root-slot", map_table(kRoot, 0, h.tables[h.root_level + 1]), Error::PermissionDenied);
    // Retyping what may not be retyped.
    CPtr t = fresh_slot();
    expect("retype-with-live-descendants", retype(kRam, t, CapType::Frame, kPageSize, 1, 4 * kPageSize), Error::HasDescendants);
    expect("retype-oversized", retype(kRam, t, CapType::Frame, kPageSize, 64, 0), Error::OutOfRange);
    expect("retype-misaligned", retype(kRam, t, CapType::Frame, kPageSize, 1, kPageSize / 2), Error::Misaligned);
    expect("retype-into-kernel-cap", retype(kRam, t, CapType::Kernel, 0, 1, 8 * kPageSize), Error::WrongType);
    expect("retype-non-ram", retype(kRoot, t, CapType::Frame, kPageSize, 1, 0), Error::WrongType);
    // Malformed invocations.
    expect("invocation-from-kernel-memory", user::error_of(user::call(sys::Number::CapInvoke, 0x1000, 2)), Error::BadAddress);
    u64 bad[7] = {99, kRam.raw};
    expect("unknown-operation", invoke(bad, 2), Error::InvalidArgument);
    u64 shortw[7] = {u64(Op::Copy), kRam.raw};
    expect("truncated-invocation", invoke(shortw, 2), Error::Truncated);
    expect("oversized-invocation", invoke(shortw, sys::kMaxInvokeWords + 1), Error::Malformed);
    // I/O ports only through an I/O port capability, which this program was not given.
    u64 io[4];
    // The Kernel capability's operations are the monitor's alone.
    auto kernel = [](u64 slot, sys::KernelOp op) { return user::error_of(user::call(sys::Number::Kernel, slot, u64(op), 1)); };
    expect("kernel-op-without-capability", kernel(CPtr::at(sys::kSlotKernel).raw, sys::KernelOp::PowerOff),
           Error::SlotEmpty);
    expect("kernel-op-through-ram", kernel(kRam.raw, sys::KernelOp::StartCore), Error::PermissionDenied);
    // Interrupts only through an Irq capability, which the monitor gives the device's driver alone.
    expect("irq-by-kind", user::error_of(user::call(sys::Number::IrqAttach, sys::kIrqConsoleRx)), Error::InvalidSlot);
    expect("irq-through-ram", user::irq_attach(kRam.raw).error(), Error::WrongType);
    expect("irq-ack-without-capability", user::irq_ack(CPtr::at(kCNodeSlots - 2).raw), Error::SlotEmpty);
    expect("irq-capability-not-the-driver", user::mon::irq(sys::kIrqConsoleRx, CPtr::at(kCNodeSlots - 2).raw).error(),
           Error::PermissionDenied);
    // Messages only through endpoints: none through other capabilities or empty slots; the
    // monitor gives none to a program that is no service, kin or correspondent (init), nor
    // to itself (every program has one); its endpoint cannot be re-badged or passed on.
    const u64 none[4] = {};
    expect("send-through-empty-slot", user::lmp_send_ep(CPtr::at(kCNodeSlots - 2).raw, none), Error::SlotEmpty);
    expect("send-through-dispatcher-cap", user::lmp_send_ep(CPtr::at(sys::kSlotSelf).raw, none), Error::WrongType);
    auto init = user::mon::find("init");
    expect("endpoint-to-a-stranger", init.ok() ? user::endpoint_of(*init).error() : init.error(), Error::PermissionDenied);
    expect("endpoint-to-nobody", user::endpoint_of(1u << 30).error(), Error::PermissionDenied);
    u64 mw[7];
    expect("rebadge-monitor-endpoint", invoke(mw, encode_mint(mw, CPtr::at(sys::kSlotMonitorEp), CPtr::at(kCNodeSlots - 2), kWrite, 9)),
           Error::InvalidArgument);
    expect("endpoint-badge-zero", user::dispatcher_endpoint(CPtr::at(sys::kSlotSelf).raw, CPtr::at(kCNodeSlots - 2).raw, 0),
           Error::InvalidArgument);
    expect("stop-through-endpoint", user::dispatcher_stop(CPtr::at(sys::kSlotMonitorEp).raw), Error::WrongType);
    names();
    expect("io-port-through-ram", invoke(io, encode_io_write(io, kRam, 0, 0x41)), Error::WrongType);
    expect("io-port-through-empty-slot", invoke(io, encode_io_read(io, CPtr::at(kCNodeSlots - 2), 0)), Error::SlotEmpty);
    // Only the monitor builds dispatchers (KernelOp::Dispatch): a program that names its own
    // CNode and root table, through a slot without the Kernel capability or through RAM.
    sys::DispatchRequest req{CPtr::at(sys::kSlotImage).raw, kRoot.raw, u64(uptr(&user::exit)), 0, 0, {}};
    expect("dispatch-without-kernel-cap",
           user::error_of(user::call(sys::Number::Kernel, CPtr::at(sys::kSlotKernel).raw, u64(sys::KernelOp::Dispatch),
                                     u64(uptr(&req)))),
           Error::SlotEmpty);
    expect("dispatch-through-ram",
           user::error_of(user::call(sys::Number::Kernel, kRam.raw, u64(sys::KernelOp::Dispatch), u64(uptr(&req)))),
           Error::PermissionDenied);
    // Revoke: every descendant of the RAM goes, with its mappings; the memory can be
    // retyped again and comes back zeroed.
    expect("revoke", slot_op(Op::Revoke, kRam), Error::Ok);
    expect("use-after-revoke", identify(h.frame).error, Error::SlotEmpty);
    u64 w[2];
    auto d = user::call(sys::Number::CapInvoke, u64(uptr(w)), encode_slot_op(w, Op::HasDescendants, kRam));
    expect_true("revoke-leaves-no-descendant", d.error == 0 && d.value[0] == 0, "RAM still has descendants");
    g_next_slot = sys::kSlotFirstFree;
    Heap again = build_heap();
    expect("rebuild-after-revoke", again.error, Error::Ok);
    expect_true("retyped-memory-is-cleared", again.error == Error::Ok && heap[0] == 0 && heap[511] == 0,
                "old contents visible after revoke and retype");
    user::print("user: capability tests: {} failed\n", g_failed);
    return int(g_failed);
}

int touch_after_revoke() {
    Heap h = build_heap();
    if (h.error != Error::Ok) return 1;
    volatile u64* heap = reinterpret_cast<volatile u64*>(uptr(h.va));
    heap[0] = kPattern;
    if (slot_op(Op::Revoke, kRam) != Error::Ok) return 2;
    return int(heap[0] == kPattern ? 3 : 4); // must fault instead
}

// The MMU through capabilities: the heap's frame mapped a second time, read-only, one page
// further; a write through the first mapping is read through the second, and a write
// through the second must fault at heap + 4 KiB (the dispatcher ends there).
int readonly_alias() {
    Heap h = build_heap();
    if (h.error != Error::Ok) return 1;
    const CPtr again = fresh_slot();
    if (copy(h.frame, again) != Error::Ok) return 2;
    if (map(h.tables[kPtLevels - 1], (h.va / kPageSize) % kPtEntries + 1, again, kRead) != Error::Ok) return 3;
    volatile u64* heap = reinterpret_cast<volatile u64*>(uptr(h.va));
    volatile u64* alias = reinterpret_cast<volatile u64*>(uptr(h.va + kPageSize));
    heap[0] = kPattern;
    if (alias[0] != kPattern) return 4;
    alias[0] = 0; // must fault
    return 5;
}

// Unmap by deleting the capability a mapping was made from: the next read must fault at
// the heap's first page.
int touch_after_delete() {
    Heap h = build_heap();
    if (h.error != Error::Ok) return 1;
    volatile u64* heap = reinterpret_cast<volatile u64*>(uptr(h.va));
    heap[0] = kPattern;
    if (slot_op(Op::Delete, h.frame) != Error::Ok) return 2;
    return int(heap[0] == kPattern ? 3 : 4); // must fault instead
}

int memory_client(u64 server) {
    constexpr u64 kChunk = 32 * 1024;
    const CPtr got = fresh_slot();
    expect("set-receive-slot", user::lmp_receive_slot(got.raw), Error::Ok);
    const u64 ask[sys::kLmpWords] = {memserv::kAlloc, kChunk, 0, 0};
    expect("memserv-request", user::lmp_send(server, ask), Error::Ok);
    auto m = user::lmp_receive();
    bool arrived = m.ok() && m->sender == server && m->cap_arrived && m->word[0] == 0;
    Ident chunk = identify(got);
    expect_true("memserv-sends-ram", arrived && chunk.error == Error::Ok && chunk.type == CapType::Ram && chunk.size == kChunk,
                "no RAM capability of the size asked for came back");
    Heap h = build_heap(got);
    expect("memserv-ram-becomes-heap", h.error, Error::Ok);
    if (h.error == Error::Ok) {
        volatile u64* heap = reinterpret_cast<volatile u64*>(uptr(h.va));
        heap[7] = kPattern;
        expect_true("memserv-heap-read-write", heap[7] == kPattern, "heap write not read back");
    }
    // Capabilities travel only with Grant, and only to a receiver that named a slot.
    const u64 hello[sys::kLmpWords] = {0, 0, 0, 0};
    expect("lmp-cap-needs-grant", user::lmp_send(server, hello, kRoot.raw), Error::PermissionDenied);
    expect("lmp-cap-needs-receive-slot", user::lmp_send(server, hello, got.raw), Error::InvalidSlot);
    expect("lmp-cap-bad-slot", user::lmp_send(server, hello, CPtr::at(kCNodeSlots - 1).raw), Error::SlotEmpty);
    const u64 quit[sys::kLmpWords] = {memserv::kQuit, 0, 0, 0};
    expect("memserv-quit", user::lmp_send(server, quit), Error::Ok);
    return int(g_failed);
}

} // namespace

int main(u64 arg) {
    switch (arg & 0xff) {
    case 1: return touch_after_revoke();
    case 2: return memory_client(arg >> 8);
    case 3: return readonly_alias();
    case 4: return touch_after_delete();
    default: return tests();
    }
}
