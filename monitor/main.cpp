// The monitor program: the first dispatcher on every core of every ISA, the same source
// for all of them. It reads what its CPU driver found (BootFacts), and then:
//   boot core of a node: starts the SKB service and tells it what boot discovered, asks it
//     which cores the node has and how to reach them, starts each through the Kernel
//     capability with a channel frame, binds the channels to the other nodes in the
//     interconnect region on the SKB's routes, runs the membership protocol (monitor.hpp),
//     gives the SKB the measured round trips, and starts init;
//   any other core: binds the channel its boot monitor gave it and joins the protocol;
//   every core: serves its programs' requests (api.hpp): spawn on any core, membership,
//   power off; routes spawns and their results between cores; sleeps when idle.
// It loads every program it starts itself (user/loader.hpp), from the RAM its CPU driver
// gave it and the image bundle's Frame capability; the CPU driver only checks and
// dispatches what it built (KernelOp::Dispatch).
#include "hardware.hpp"

#include <mosaic/board.hpp>
#include <mosaic/bootfacts.hpp>
#include <mosaic/monitor/api.hpp>
#include <mosaic/monitor/monitor.hpp>
#include <mosaic/monitor/names.hpp>
#include <mosaic/monitor/tbench.hpp>
#include <mosaic/skb/facts.hpp>
#include <mosaic/transports/route.hpp>
#include <mosaic/trapkind.hpp>
#include <mosaic/user/console.hpp>
#include <mosaic/user/caps.hpp>
#include <mosaic/user/kernel.hpp>
#include <mosaic/user/loader.hpp>
#include <mosaic/user/skb.hpp>
#include <mosaic/user/sys.hpp>
#include <mosaic/user/vspace.hpp>

using namespace mosaic;
namespace api = monitor::api;

namespace {

constexpr u64 kVspaceBytes = 1024 * 1024; // of its RAM for its own page tables and channel frames
// Slots of its root CNode beyond what its Vspace takes: a CNode holding the chunks of its
// RAM (caps::RamAllocator), and the loader's.
constexpr u32 kSlotChunks = caps::kCNodeSlots - 1;
constexpr user::Loader::Slots kLoaderSlots{caps::kCNodeSlots - 2, caps::kCNodeSlots - 3, caps::kCNodeSlots - 4,
                                           caps::kCNodeSlots - 5};
// ... two CNodes with a slot per program it loaded (g_loaded's index i): its Dispatcher
// capability, and the endpoint the monitor reaches it through (badge sys::kMonitorId); a
// CNode for the endpoints behind its programs' names (g_name_caps' index); and one for
// the rest: an endpoint it is about to give, the console's Irq capability, and the slot a
// capability a program sends it arrives in.
constexpr u32 kSlotPrograms = caps::kCNodeSlots - 6, kSlotProgramEps = caps::kCNodeSlots - 7;
constexpr u32 kSlotNameEps = caps::kCNodeSlots - 8, kSlotMisc = caps::kCNodeSlots - 9;
constexpr caps::CPtr kGive = caps::CPtr::at(kSlotMisc, 0), kIrqCap = caps::CPtr::at(kSlotMisc, 1),
                     kIncoming = caps::CPtr::at(kSlotMisc, 2);
constexpr u32 kChannelSlots = 16;        // slots per ring of a core's channel
constexpr u64 kRingBytes = transports::urpc_region_bytes(kChannelSlots);
static_assert(2 * kRingBytes <= sys::kChannelBytes, "a core's two rings fit in its channel frame");
// The interconnect region's rings: one 4 KiB page per ordered (writer, reader) pair of nodes.
constexpr u64 kNodeRingStride = 0x1000;
constexpr u32 kNodeRingSlots = 32;
constexpr u64 kNodeRingsBytes = u64(BoardProfile::kMaxNodes) * BoardProfile::kMaxNodes * kNodeRingStride;
constexpr u32 kIdleRounds = 2000;        // quiet rounds before the monitor sleeps
constexpr u64 kSleepTicks = 2;           // the longest sleep: nodes have no doorbell between them
constexpr u32 kBusyRounds = 64;          // busy rounds between looks at the programs' requests

// What a core's monitor learns from its boot monitor before anything else, at the end of
// the channel frame, written before the core starts: its node and the runner's parameters.
struct CoreNote {
    static constexpr u64 kMagic = 0x45544f4e45524f43; // "CORENOTE"
    u64 magic;
    u32 node, params_given;
    u64 params[kParamCount];
    u32 registry_core; // where the board's names are (place_registry)
    u32 boot_core;     // the boot monitor's board core
};
constexpr u64 kNoteOffset = sys::kChannelBytes - 256;
static_assert(2 * kRingBytes <= kNoteOffset && kNoteOffset + sizeof(CoreNote) <= sys::kChannelBytes,
              "the note fits in the channel frame after the rings");
// The transport benchmark's channels (monitor/tbench.hpp), bound on the same routes as the
// monitors' own channels, in memory of the same kind: within a node in the channel frame
// after the two rings (a ring each way and the raw line), between nodes in each ordered
// pair's interconnect page after its ring (the raw line in the page of the lower node to
// the higher).
constexpr u32 kBenchSlots = 8;
constexpr u64 kBenchRingBytes = transports::urpc_region_bytes(kBenchSlots);
constexpr u64 kBenchOffset = 2 * kRingBytes;
constexpr u64 kBenchLineOffset = kBenchOffset + 2 * kBenchRingBytes;
static_assert(kBenchLineOffset % 64 == 0 && kBenchLineOffset + sizeof(monitor::tbench::RawLine) <= kNoteOffset,
              "the benchmark's rings and line fit between the channel's rings and the note");
// The bulk pools (tbench.hpp's bulk phase; transports/bulk.hpp), in memory both monitors hold
// a capability for: within a node the rest of a core's channel frame (kCoreFrameBytes when
// the boot monitor's RAM has it: the CPU driver gives the core's monitor the whole frame),
// the boot monitor's to give from; between nodes one pool per ordered pair of nodes in the
// interconnect region after the rings, for the first node of the pair to give from.
// Every page mapped takes one of the CPU driver's mapping records, which all programs of the
// core share (CapSpace::kMaxMappings, 2048), so the pools stay small: a boot monitor of a
// four-core node maps 3 x 127 pool pages, one of a three-node board 4 x 128 more (its node
// pools take kNodePoolsBytes at most, however many nodes), a core monitor 127.
constexpr u64 kCoreFrameBytes = 512 * 1024;        // buffers up to 256 KiB within a node
constexpr u64 kMaxNodePoolBytes = 512 * 1024;      // and between nodes
constexpr u64 kNodePoolsBytes = 2 * 1024 * 1024;   // all of a boot monitor's node pools
constexpr u32 kNodeBenchSlots = 16;
constexpr u64 kNodeBenchOffset = 0x900, kNodeLineOffset = 0xf00;
static_assert(transports::urpc_region_bytes(kNodeRingSlots) <= kNodeBenchOffset &&
                  kNodeBenchOffset + transports::urpc_region_bytes(kNodeBenchSlots) <= kNodeLineOffset &&
                  kNodeLineOffset + sizeof(monitor::tbench::RawLine) <= kNodeRingStride,
              "the benchmark's ring and line fit in a node pair's page after its ring");

// Its own copy of the boot facts and the manifest after them, completed by what it finds
// (hardware.hpp) or hears from its boot monitor (CoreNote); programs started with the boot
// facts get this copy.
alignas(8) u8 g_facts_copy[sys::kMaxStartData];
BootFacts* g_facts = nullptr;
u64 g_channel_va = 0;                     // a core monitor: its channel frame, mapped
u64 g_channel_bytes = 0;
BoardProfile g_board;
u32 g_core = 0;                           // this core's board number
monitor::Monitor g_mon;
user::Vspace g_vs;
caps::RamAllocator g_ram(user::cap_invoke, nullptr, caps::CPtr::at(sys::kSlotRam), caps::CPtr::at(kSlotChunks, 0),
                         caps::kCNodeSlots);
user::SkbClient g_skb;
u32 g_skb_id = 0;
bool g_skb_up = false;

// Channels: a boot monitor's to each core of its node (by core index), a core monitor's to
// its boot monitor, and a boot monitor's to every other node's.
struct CoreLink {
    transports::Channel ch;
    u64 doorbell = 0;
    bool has_doorbell = false;
    u32 board_core = 0;
    bool bound = false;
};
CoreLink g_links[BootFacts::kMaxCores];
transports::Channel g_boot_ch;
u64 g_boot_doorbell = 0;
transports::Channel g_node_ch[BoardProfile::kMaxNodes];
bool g_node_bound[BoardProfile::kMaxNodes] = {};
// The benchmark's channels: a boot monitor's to each core of its node (it measures them) and
// to every other node (it measures those or serves them), a core monitor's to its boot
// monitor (it serves it).
struct BenchLink {
    transports::Channel ch;
    monitor::tbench::RawLine* line = nullptr;
    monitor::tbench::Pools pools; // empty: no bulk phase on this channel
    bool bound = false;
    u64 refused = 0;     // phases refused or cut short (said on the console: the first, then every 1000th)
    u64 deaf_until = 0;  // after one of those, what comes is dropped unread until this tick
};
constexpr u64 kBenchDeafTicks = monitor::kTickHz; // a second: a peer that keeps failing cannot keep a monitor busy
BenchLink g_bench_core[BootFacts::kMaxCores];
BenchLink g_bench_node[BoardProfile::kMaxNodes];
BenchLink g_bench_boot;
BenchLink* bench_link_to(u32 core);
monitor::tbench::Counter bench_counter();

// Spawns this monitor did for its programs directly (with RAM or boot facts), by dispatcher.
struct Local {
    u32 dispatcher = 0;
    u64 requester = 0;
    u32 tag = 0;
    bool system = false; // started with the boot facts
};
constexpr u32 kMaxLocal = 64;
Local g_local[kMaxLocal];

// Every program this monitor loaded, until it ended: its memory then goes back.
user::Loader g_loader;
user::Loaded g_loaded[kMaxLocal];
char g_names[kMaxLocal][16]; // the module each was loaded from

bool g_reported = false; // the membership was printed and the SKB told
u64 g_console_id = 0;     // the console service on this core, once it runs
u64 g_init_id = 0;        // init's dispatcher id, once started
constexpr u64 kMaxProgramRam = 1024 * 1024; // RAM a program may be given at its start

// A program this monitor started with the boot facts (init's job): a system program.
bool is_system_program(u64 dispatcher) {
    for (const auto& l : g_local)
        if (l.dispatcher == dispatcher && l.system) return true;
    return false;
}


// Time and output for the protocol.
u64 counter(void*) { return mosaic_user_counter(); }
u64 now(void*) {
    const u64 hz = g_facts->counter_hz;
    return hz ? mosaic_user_counter() / (hz / monitor::kTickHz) : 0;
}
void print(void*, const char* s, usize n) { user::write(s, n); }

// Messages to programs of this core that found their mailbox full: kept in order and sent
// again from the event loop, so that a program that does not read its mailbox costs the
// monitor nothing and loses no reply of its own to another's.
struct Outgoing {
    u64 to;
    u64 w[4];
    u64 ep; // the endpoint to send through (0: the monitor's own to `to`)
};
constexpr u32 kMaxOutgoing = 64;
Outgoing g_out[kMaxOutgoing];
u32 g_out_count = 0;
u64 g_out_dropped = 0;

// Sends what waits, oldest first; a program that is gone loses what waited for it.
void send_waiting() {
    u32 kept = 0;
    u64 blocked[kMaxOutgoing];
    u32 nblocked = 0;
    for (u32 i = 0; i < g_out_count; ++i) {
        Outgoing& o = g_out[i];
        bool behind = false;
        for (u32 b = 0; b < nblocked; ++b) behind |= blocked[b] == o.to;
        Error e = behind ? Error::WouldBlock : o.ep ? user::lmp_send_ep(o.ep, o.w) : user::lmp_send(o.to, o.w);
        if (e == Error::WouldBlock) {
            if (!behind) blocked[nblocked++] = o.to;
            g_out[kept++] = o;
        }
    }
    g_out_count = kept;
}

Error send_to(u64 dispatcher, const u64 (&w)[4], u64 ep = 0) {
    bool waiting = false;
    for (u32 i = 0; i < g_out_count; ++i) waiting |= g_out[i].to == dispatcher;
    Error e = waiting ? Error::WouldBlock : ep ? user::lmp_send_ep(ep, w) : user::lmp_send(dispatcher, w);
    if (e != Error::WouldBlock) return e;
    if (g_out_count == kMaxOutgoing) {
        ++g_out_dropped;
        return Error::CapacityExceeded;
    }
    g_out[g_out_count++] = {dispatcher, {w[0], w[1], w[2], w[3]}, ep};
    return Error::Ok; // on its way
}

// Loads a module of the image on this core (user/loader.hpp).
// Every program gets start data: what it is given, or an empty api::ProgramArgs (so that
// user::args() always has a page to read).
Result<u32> load(const char* name, u64 arg, u64 ram_bytes, const void* data, u64 data_len) {
    static const api::ProgramArgs kNoArgs;
    if (!data) data = &kNoArgs, data_len = sizeof kNoArgs;
    u32 slot = kMaxLocal;
    for (u32 i = 0; i < kMaxLocal && slot == kMaxLocal; ++i)
        if (!g_loaded[i].id) slot = i;
    if (slot == kMaxLocal) return Error::CapacityExceeded;
    user::Loaded l = TRY(g_loader.load(name, arg, ram_bytes, data, data_len, caps::CPtr::at(kSlotPrograms, slot)));
    const caps::CPtr ep = caps::CPtr::at(kSlotProgramEps, slot);
    (void)user::cap::slot_op(caps::Op::Delete, ep);
    if (Error e = user::dispatcher_endpoint(l.dispatcher.raw, ep.raw, sys::kMonitorId); e != Error::Ok)
        user::print("monitor: core {}: no endpoint to '{}': {}\n", g_core, name, error_name(e));
    g_loaded[slot] = l;
    str_copy(g_names[slot], sizeof g_names[slot], name);
    return l.id;
}

// The running program `id` this monitor loaded, or nullptr.
user::Loaded* loaded(u64 id) {
    for (auto& l : g_loaded)
        if (id && l.id == id) return &l;
    return nullptr;
}

bool is_loaded(u64 id) { return loaded(id) != nullptr; }

// The endpoint to a program this monitor loaded (user::lmp_send goes through it).
Result<u64> endpoint_to(u64 id) {
    const user::Loaded* l = loaded(id);
    if (!l) return Error::NotFound;
    return caps::CPtr::at(kSlotProgramEps, u32(l - g_loaded)).raw;
}

// Endpoints this monitor gave (api::kEndpoint): to whom, for whom, so that the one it
// reaches may answer. The oldest goes when all are taken; a program's go when it ends.
struct Grant {
    u64 holder = 0, target = 0;
};
constexpr u32 kMaxGrants = 128;
Grant g_grants[kMaxGrants];
u32 g_grant_next = 0;

void note_grant(u64 holder, u64 target) {
    for (const Grant& g : g_grants)
        if (g.holder == holder && g.target == target) return;
    g_grants[g_grant_next++ % kMaxGrants] = {holder, target};
}

void forget_grants(u64 id) {
    for (Grant& g : g_grants)
        if (g.holder == id || g.target == id) g = Grant{};
}

// The program of this core that asked for program `id` of this core (0: none, or another
// core's), directly or through spawn routing.
u64 spawner_of(u64 id) {
    for (const auto& l : g_local)
        if (l.dispatcher == id) return l.requester;
    auto routed = g_mon.spawned_for(u32(id));
    return routed.ok() && routed->origin == g_core ? routed->tag >> 32 : 0;
}

// Who may talk to whom on this core (api.hpp, kEndpoint): the core's services and what
// init started, a program's spawner and what it spawned, its siblings (started for the same
// program, of this core or, through spawn routing, of another), and whoever holds an
// endpoint to it.
bool may_connect(u64 from, u64 to) {
    if (from == to || !is_loaded(from) || !is_loaded(to)) return false;
    if (to == g_console_id || to == g_skb_id) return true;
    const u64 theirs = spawner_of(to), mine = spawner_of(from);
    if ((g_init_id && theirs == g_init_id) || theirs == from || mine == to || (mine && mine == theirs)) return true;
    auto for_to = g_mon.spawned_for(u32(to)), for_from = g_mon.spawned_for(u32(from));
    if (for_to.ok() && for_from.ok() && for_to->origin != g_core && for_to->origin == for_from->origin &&
        for_to->tag >> 32 != 0 && for_to->tag >> 32 == for_from->tag >> 32)
        return true;
    for (const Grant& g : g_grants)
        if (g.holder == to && g.target == from) return true;
    return false;
}

// A reply to a program of this core with a capability (status Ok) or, failing that, why not.
void give(u64 to, api::Op op, u32 tag, Error e, u64 cap) {
    u64 w[4] = {api::reply(op, u64(e), 0, tag), 0, 0, 0};
    if (e == Error::Ok) {
        e = Error::WouldBlock;
        for (u32 tries = 0; tries < 1000 && e == Error::WouldBlock; ++tries)
            if ((e = user::lmp_send(to, w, cap)) == Error::WouldBlock) user::yield();
        if (e == Error::Ok) return;
        w[0] = api::reply(op, u64(e), 0, tag);
    }
    (void)send_to(to, w);
}

// The endpoints behind the names of this core's programs (user::mon::name_register), in
// slot i of the kSlotNameEps CNode: taken when the name is asked for, kept once the
// registry said yes, gone with the name or the program.
struct NameCap {
    u32 id = 0, tag = 0; // the program, and its request's tag
    u8 name[16] = {};
    bool confirmed = false;
};
NameCap g_name_caps[caps::kCNodeSlots];

void drop_name_cap(NameCap& n) {
    (void)user::cap::slot_op(caps::Op::Delete, caps::CPtr::at(kSlotNameEps, u32(&n - g_name_caps)));
    n = NameCap{};
}

// The capability that came with a NameRegister: an endpoint to the asker itself, or no name.
Error take_name_cap(const user::Message& msg, const u8 (&name)[16], u32 tag) {
    auto c = msg.cap_arrived ? user::cap::identify(kIncoming) : Result<caps::Capability>(Error::SlotEmpty);
    if (!c.ok() || c->type != caps::CapType::Endpoint || c->base != msg.sender || !(c->rights & caps::kWrite))
        return Error::PermissionDenied;
    for (NameCap& n : g_name_caps) {
        if (n.id) continue;
        const Error e = user::cap::copy(kIncoming, caps::CPtr::at(kSlotNameEps, u32(&n - g_name_caps)));
        if (e != Error::Ok) return e;
        n = NameCap{u32(msg.sender), tag, {}, false};
        for (u32 i = 0; i < 16; ++i) n.name[i] = name[i];
        return Error::Ok;
    }
    return Error::CapacityExceeded;
}

// Whom this core's programs delivered to (core, dispatcher): those may deliver back (an
// answer) without a name. The oldest goes when all are taken; a program's go when it ends.
struct Correspondent {
    u32 local = 0, core = 0, remote = 0;
};
constexpr u32 kMaxCorrespondents = 64;
Correspondent g_corr[kMaxCorrespondents];
u32 g_corr_next = 0;

void note_correspondent(u64 local, u32 core, u64 remote) {
    for (const Correspondent& c : g_corr)
        if (c.local == local && c.core == core && c.remote == remote) return;
    g_corr[g_corr_next++ % kMaxCorrespondents] = {u32(local), core, u32(remote)};
}

// The endpoint behind a name of program `id` (raw CPtr), or 0 if it has none.
u64 name_endpoint(u64 id) {
    for (NameCap& n : g_name_caps)
        if (n.id && n.id == id && n.confirmed) return caps::CPtr::at(kSlotNameEps, u32(&n - g_name_caps)).raw;
    return 0;
}

// Ends a program this monitor loaded, through its Dispatcher capability.
Error stop_program(u64 id) {
    const user::Loaded* l = loaded(id);
    return l ? user::dispatcher_stop(l->dispatcher.raw) : Error::NotFound;
}

// The running program of this core this monitor loaded under `name` (the first one); NotFound.
Result<u32> find_program(const char* name) {
    for (u32 i = 0; i < kMaxLocal; ++i)
        if (g_loaded[i].id && str_len(name) == str_len(g_names[i]) && mem_eq(name, g_names[i], str_len(name)))
            return g_loaded[i].id;
    return Error::NotFound;
}


// A program this monitor loaded ended: its memory goes back.
void unload(u32 id) {
    for (u32 i = 0; i < kMaxLocal; ++i)
        if (g_loaded[i].id == id) {
            g_loader.release(g_loaded[i]);
            for (NameCap& n : g_name_caps)
                if (n.id == id) drop_name_cap(n);
            for (Correspondent& c : g_corr)
                if (c.local == id) c = Correspondent{};
            (void)user::cap::slot_op(caps::Op::Delete, caps::CPtr::at(kSlotProgramEps, i));
            g_loaded[i] = user::Loaded{};
            g_names[i][0] = 0;
        }
}

Result<u32> spawn_here(void*, const char* name, u64 arg, const char* args) {
    api::ProgramArgs a;
    str_copy(a.text, sizeof a.text, args);
    a.len = u32(str_len(a.text));
    return load(name, arg, 0, &a, sizeof a);
}

// Argument text a program sent for its next kSpawn with the same tag (kSpawnArgs).
struct PendingArgs {
    u64 sender = 0;
    u32 tag = 0;
    char text[24] = {};
};
PendingArgs g_pending_args[8];
u32 g_pending_next = 0;

// The board's names (monitor/names.hpp), on the monitor of the core the SKB places the
// registry on (place_registry/1, skb/rules/placement.dl): every node's SKB answers the same
// from the board's facts; a core monitor hears it from its boot monitor (CoreNote).
monitor::NameRegistry g_names_registry;
u32 g_registry_core = 0;
u32 g_boot_core = 0; // a core monitor: its boot monitor's board core
u64 g_shutdown_at = 0;   // a tick by which this node powers off (a board shutdown), 0: none
bool g_shutdown_pass = false;
u32 g_shutdown_origin = 0;
u64 g_ram_total = 0;     // the RAM it had for programs at start

// A query for this core, from a program of any core (monitor.hpp's QueryOp).
monitor::Answer query_here(void*, const monitor::Query& q) {
    using monitor::QueryOp;
    monitor::Answer a{q.origin, q.tag, g_core, Error::Ok, 0, 0, 0};
    auto fail = [&](Error e) {
        a.status = e;
        return a;
    };
    switch (q.op) {
    case QueryOp::Echo: a.a = now(nullptr); return a;
    case QueryOp::Ps: {
        // Entry 0 is the monitor itself, then what it loaded, in its table's order.
        if (q.a == 0) {
            api::pack_name("monitor", a.b, a.c);
            a.a = sys::kMonitorId;
            return a;
        }
        u32 seen = 0;
        for (u32 i = 0; i < kMaxLocal; ++i) {
            if (!g_loaded[i].id || ++seen != q.a) continue;
            a.a = g_loaded[i].id;
            api::pack_name(g_names[i], a.b, a.c);
            return a;
        }
        return fail(Error::NotFound);
    }
    case QueryOp::Kill: {
        // Never the monitor or the node's own services (the console, the SKB).
        if (q.a == sys::kMonitorId || q.a == g_console_id || q.a == g_skb_id) return fail(Error::PermissionDenied);
        const bool loaded = is_loaded(q.a);
        if (!loaded) return fail(Error::NotFound);
        return fail(stop_program(u32(q.a)));
    }
    case QueryOp::Mem:
        a.a = g_ram.bytes_free();
        a.b = g_ram_total;
        return a;
    case QueryOp::Shutdown:
        if (!g_facts->boot) { // the node's boot monitor powers it off: passed on to it
            monitor::Query on = q;
            on.core = g_boot_core;
            on.sender = sys::kMonitorId;
            on.tag = u64(sys::kMonitorId) << 32;
            g_mon.query_remote(on);
            return a;
        }
        g_shutdown_pass = q.a == 1;
        g_shutdown_origin = q.origin;
        g_shutdown_at = now(nullptr) + 20; // after this answer is on its way
        user::print("monitor: core {}: the board shuts down (asked by core {})\n", g_core, q.origin);
        return a;
    case QueryOp::NameRegister:
    case QueryOp::NameLookup:
    case QueryOp::NameWait:
    case QueryOp::NameRemove:
    case QueryOp::NameList:
    case QueryOp::NamesOf: {
        if (g_core != g_registry_core) return fail(Error::NotFound); // the registry is elsewhere
        if (q.op == QueryOp::NameRegister) {
            Status st = g_names_registry.add(q.name, q.origin, q.sender);
            monitor::NameRegistry::Waiter w[monitor::NameRegistry::kMaxWaiters];
            const u32 n = st.ok() ? g_names_registry.take_waiters(q.name, w, monitor::NameRegistry::kMaxWaiters) : 0;
            for (u32 i = 0; i < n; ++i) g_mon.answer_later({w[i].core, w[i].tag, g_core, Error::Ok, q.origin, q.sender, 0});
            return fail(st.error());
        }
        if (q.op == QueryOp::NameRemove) return fail(g_names_registry.remove(q.name, q.origin, q.sender).error());
        if (q.op == QueryOp::NamesOf) {
            a.a = g_names_registry.remove_owner(q.origin, u32(q.a));
            (void)g_names_registry.drop_waiters_of(q.origin, u32(q.a)); // it waits no more
            return a;
        }
        auto e = q.op == QueryOp::NameList ? g_names_registry.at(u32(q.a)) : g_names_registry.find(q.name);
        if (!e.ok() && e.error() == Error::NotFound && q.op == QueryOp::NameWait) {
            g_names_registry.expire(now(nullptr), monitor::kQueryTimeout); // their askers heard Timeout
            Status st = g_names_registry.add_waiter(q.name, q.origin, q.sender, q.tag, now(nullptr));
            return fail(st.ok() ? Error::WouldBlock : st.error());
        }
        if (!e.ok()) return fail(e.error());
        a.a = e->core;
        a.b = e->dispatcher;
        if (q.op == QueryOp::NameList) api::pack_name(e->name, a.b, a.c);
        return a;
    }
    case QueryOp::TransportBench: {
        BenchLink* b = bench_link_to(u32(q.a));
        if (!b) return fail(Error::NotFound);
        u32 asked[4];
        for (u32 i = 0; i < 4; ++i) asked[i] = load_le32(q.name + 4 * i);
        if (q.a >> 32 == monitor::kBenchBulk) { // a bulk phase: asked[0] buffers of asked[1] bytes
            const monitor::tbench::BulkFigures f = monitor::tbench::run_bulk(b->ch, b->pools, bench_counter(), asked[0], asked[1]);
            a.a = f.bulk_ns, a.b = f.copy_ns, a.c = f.buffers;
            return fail(f.status != Error::Ok ? f.status : f.errors ? Error::Malformed : Error::Ok);
        }
        if (q.a >> 32) return fail(Error::InvalidArgument);
        monitor::tbench::Counts n;
        if (asked[0]) n.round_trips = min(asked[0], monitor::tbench::kMaxCount - monitor::tbench::kWarmup);
        if (asked[1]) n.streamed = min(asked[1], monitor::tbench::kMaxCount);
        if (asked[2]) n.raw_rounds = min(asked[2], monitor::tbench::kMaxCount);
        if (asked[3]) n.stream_bytes = asked[3]; // run() refuses a size no message has
        const monitor::tbench::Figures f = monitor::tbench::run(b->ch, b->line, bench_counter(), n);
        a.a = f.round_trip_ns, a.b = f.stream_ns, a.c = f.raw_ns;
        return fail(f.status != Error::Ok ? f.status : f.errors ? Error::Malformed : Error::Ok);
    }
    case QueryOp::Deliver: {
        // Through the endpoint behind one of its names: a program that registered none takes
        // no deliveries.
        const bool loaded = is_loaded(q.a);
        if (!loaded || q.a == sys::kMonitorId) return fail(Error::NotFound);
        u64 ep = name_endpoint(q.a);
        for (const Correspondent& c : g_corr) // or an answer to one it delivered to
            if (!ep && c.local && c.local == q.a && c.core == q.origin && c.remote == q.sender) ep = endpoint_to(q.a).value();
        if (!ep) return fail(Error::PermissionDenied);
        u64 w[4] = {u64(api::kDelivered) | u64(q.origin & 0xffff) << 16 | u64(q.sender) << 32, 0, 0, 0};
        for (u32 i = 0; i < 16; ++i) w[1 + i / 8] |= u64(q.name[i]) << (8 * (i % 8));
        return fail(send_to(q.a, w, ep));
    }
    }
    return fail(Error::InvalidArgument);
}

// The answer to a query a program of this core made: the tag carries who (requester << 32 | their tag).
void answered(void*, const monitor::Answer& r) {
    const u64 requester = r.tag >> 32;
    if (requester == sys::kMonitorId) return; // the monitor's own (names of an ended program)
    for (NameCap& n : g_name_caps) // a name's endpoint is kept once the registry took the name
        if (n.id && !n.confirmed && n.id == requester && n.tag == u32(r.tag)) {
            if (r.status == Error::Ok) n.confirmed = true;
            else drop_name_cap(n);
        }
    const u64 w[4] = {api::reply(api::kAnswer, u64(r.status), 0, u32(r.tag)), r.a, r.b, r.c};
    (void)send_to(requester, w);
}

// A spawn result for one of this core's programs: the tag carries who asked (requester << 32 | their tag).
void result(void*, const monitor::SpawnResult& r) {
    const u64 requester = r.tag >> 32;
    const u32 tag = u32(r.tag);
    if (!r.ended) {
        const u64 w[4] = {api::reply(api::kStarted, u64(r.status), 0, tag), r.core, r.dispatcher, 0};
        (void)send_to(requester, w);
    } else {
        const u64 w[4] = {api::reply(api::kEnded, 0, u64(r.how), tag), r.code, r.address, r.preemptions};
        (void)send_to(requester, w);
    }
}

// Console output of program `source` on core `core` (this one, or a core of this node whose
// monitor brought it): to the console service in pieces, through the boot monitor when the
// service is on another core, or through the CPU driver's early console while there is no
// service yet.
void console_out(u32 core, u64 source, const char* s, usize n) {
    for (usize at = 0; at < n; at += console::kWriteBytes) {
        const u32 k = u32(min<usize>(n - at, console::kWriteBytes));
        if (g_console_id) {
            u64 w[4];
            console::pack(s + at, k, w);
            w[0] = console::word0(console::kWrite, k, u64(core) << 16 | (source & 0xffff));
            if (send_to(g_console_id, w) == Error::Ok) continue;
        } else if (!g_facts->boot) {
            Status st;
            for (u32 tries = 0; (st = g_mon.send_console(u32(source), s + at, k)).error() == Error::WouldBlock && tries < 100000;
                 ++tries)
                (void)g_mon.step(); // the boot monitor takes what we sent; our channels keep moving
            if (st.ok()) continue;
        }
        user::write_early(s + at, n - at);
        return;
    }
}
void monitor_write(const char* s, usize n) { console_out(g_core, sys::kMonitorId, s, n); }
void console_from_core(void*, u32 core, u32 source, const char* s, u32 n) { console_out(core, source, s, n); }

// Channel hooks: ring the doorbell of the core at the other end, once it said what rings it.
void ring_link(void* ctx) {
    auto* l = static_cast<CoreLink*>(ctx);
    if (l->has_doorbell) (void)user::kernel::doorbell(l->doorbell);
}
void ring_boot(void*) { (void)user::kernel::doorbell(g_boot_doorbell); }

transports::RingPair rings(u64 va, bool boot_side) {
    u8* to_core = reinterpret_cast<u8*>(uptr(va));
    u8* to_boot = to_core + kRingBytes;
    return boot_side ? transports::RingPair{to_core, to_boot, kChannelSlots}
                     : transports::RingPair{to_boot, to_core, kChannelSlots};
}

// The benchmark's rings and line in a core's channel frame (see kBenchOffset).
transports::RingPair bench_rings(u64 va, bool boot_side) {
    u8* to_core = reinterpret_cast<u8*>(uptr(va + kBenchOffset));
    u8* to_boot = to_core + kBenchRingBytes;
    return boot_side ? transports::RingPair{to_core, to_boot, kBenchSlots}
                     : transports::RingPair{to_boot, to_core, kBenchSlots};
}
monitor::tbench::RawLine* bench_line(u64 va) { return reinterpret_cast<monitor::tbench::RawLine*>(uptr(va + kBenchLineOffset)); }
// The bulk pool in a core's channel frame of `bytes` at `va` (none in a one-page frame).
monitor::tbench::Pools core_pools(u64 va, u64 bytes, bool boot_side) {
    if (bytes <= sys::kChannelBytes) return {};
    u8* pool = reinterpret_cast<u8*>(uptr(va + sys::kChannelBytes));
    return {.mine = boot_side ? pool : nullptr, .theirs = boot_side ? nullptr : pool, .bytes = bytes - sys::kChannelBytes};
}
monitor::tbench::Counter bench_counter() { return {counter, nullptr, g_facts->counter_hz}; }

// Binds a benchmark channel on `route`; a failure costs only the benchmark (said once).
void bind_bench(BenchLink& b, transports::Route route, transports::RingMemory memory, transports::RingPair rings,
                monitor::tbench::RawLine* line, transports::Hooks hooks, monitor::tbench::Pools pools) {
    Status st = transports::bind_route(b.ch, route, memory, rings, hooks);
    if (!st.ok()) {
        user::print("monitor: core {}: no benchmark channel: {}\n", g_core, error_name(st.error()));
        return;
    }
    b.line = line;
    b.pools = pools;
    b.bound = true;
}

// The monitor's benchmark channel to board core `core`'s monitor: a boot monitor's to a core
// of its node or to another node (its boot monitor); nullptr where there is none.
BenchLink* bench_link_to(u32 core) {
    if (!g_facts->boot || core >= g_board.total_cores() || core == g_core) return nullptr;
    const u32 node = g_board.node_of_core(core);
    BenchLink* b = node == g_facts->node ? &g_bench_core[core - g_board.first_core(node)] : &g_bench_node[node];
    return b->bound ? b : nullptr;
}

// Serves the benchmark phases a peer starts on the channels this monitor answers on (a core
// monitor: its boot monitor's; a boot monitor: the other nodes'); true if one came.
bool bench_serve() {
    bool any = false;
    auto serve = [&](BenchLink& b) {
        if (!b.bound) return;
        transports::Message m;
        Status got = b.ch.poll(m);
        if (!got.ok() && got.error() == Error::WouldBlock) return;
        any = true;
        if (now(nullptr) < b.deaf_until) return; // dropped: the peer failed a phase a moment ago
        Status st = got.ok() ? monitor::tbench::serve(b.ch, m, b.line, bench_counter(), b.pools) : got;
        if (st.ok()) return;
        b.deaf_until = now(nullptr) + kBenchDeafTicks;
        if (b.refused++ % 1000 == 0)
            user::print("monitor: core {}: a benchmark phase refused or cut short: {} ({} so far)\n", g_core,
                        error_name(st.error()), b.refused);
    };
    if (g_facts->boot)
        for (BenchLink& b : g_bench_node) serve(b);
    else
        serve(g_bench_boot);
    return any;
}

// The discovered facts of this node, for its SKB.
Status tell_skb_discoveries() {
    const BootFacts& f = *g_facts;
    const u32 first = g_board.first_core(f.node);
    skb::CoreHwFact hw[BootFacts::kMaxCores];
    for (u32 i = 0; i < f.core_count; ++i) hw[i] = {first + i, f.core_ids[i]};
    skb::MemoryFact memory[BootFacts::kMaxRanges];
    for (u32 i = 0; i < f.memory_count; ++i) memory[i] = {f.node, f.memory[i].base, f.memory[i].size};
    static char names[BootFacts::kMaxPci][16];
    static char region_name[16];
    skb::DeviceFact devices[BootFacts::kMaxPci + 1];
    u32 ndev = 0;
    for (u32 i = 0; i < f.pci_count; ++i) {
        const BootPciFunction& p = f.pci[i];
        if (p.vendor == 0x1af4 && p.device == 0x1110) continue; // the interconnect: named below
        BufferSink b(names[ndev], sizeof names[ndev]);
        format(b.sink(), "pci0_{}_{}", u32(p.dev), u32(p.fn));
        static const char* kinds[] = {"other", "block", "net", "display", "multimedia", "memory", "bridge", "serial"};
        const char* kind = p.base_class < 8 ? kinds[p.base_class] : p.base_class == 0x0c ? "bus" : "other";
        devices[ndev] = {names[ndev], f.node, kind};
        ++ndev;
    }
    skb::DeviceMemFact region;
    skb::MachineFacts m;
    if (f.region_size) {
        BufferSink b(region_name, sizeof region_name);
        format(b.sink(), "ivshmem{}", f.node);
        devices[ndev++] = {region_name, f.node, "ivshmem"};
        region = {region_name, f.region_phys, f.region_size};
        m.device_memory = {&region, 1};
    }
    m.core_hw = {hw, f.core_count};
    m.memory = {memory, f.memory_count};
    m.devices = {devices, ndev};
    static char text[8 * 1024];
    usize n = TRY(skb::render_facts(m, text, sizeof text));
    return g_skb.add_facts(text, n);
}

// Boot monitor: the core a placement query's one answer names ("C=<core>"); NotFound for
// no answer or several.
Result<u32> skb_core(const char* query) {
    u32 total = 0;
    char answer[64];
    const u32 n = TRY(g_skb.answer(query, 0, answer, sizeof answer, &total));
    if (total != 1) return Error::NotFound;
    u32 core = 0;
    for (u32 i = 2; i < n && answer[i] >= '0' && answer[i] <= '9'; ++i) core = core * 10 + u32(answer[i] - '0');
    return core;
}

// Boot monitor: the SKB service on this core, told what boot found.
void start_skb() {
    const BootFacts& f = *g_facts;
    auto id = load("skb", f.manifest_len, 0, f.manifest(), f.manifest_len);
    Status st = id.ok() ? g_skb.connect(*id) : Status(id.error());
    if (st.ok()) st = tell_skb_discoveries();
    if (!st.ok()) {
        user::print("monitor: core {}: the SKB service is not up: {}\n", g_core, error_name(st.error()));
        return;
    }
    g_skb_id = *id;
    g_skb_up = true;
    // Where the board's names are: the SKB's word, the same on every node (the board's facts).
    auto placed = skb_core("?- place_registry(C).");
    if (!placed.ok() || *placed >= g_board.total_cores())
        user::print("monitor: core {}: the SKB places no name registry; it is on core 0\n", g_core);
    else g_registry_core = *placed;
}

// Boot monitor: the route the SKB gives between this core and `to`.
Result<transports::Route> route_to(u32 to) {
    if (!g_skb_up) return Error::NotFound;
    return g_skb.route(g_core, to);
}

// A core's channel frame, mapped: kCoreFrameBytes, its bulk pool after the first page, or
// (this monitor's RAM short of that, said once) the one page without a pool.
struct ChannelFrame {
    caps::CPtr cap;
    u64 va = 0, bytes = 0;
};
Result<ChannelFrame> channel_frame() {
    static bool said = false;
    auto chunk = g_ram.alloc(kCoreFrameBytes);
    Error e = chunk.ok() ? Error::Ok : chunk.error();
    if (e == Error::Ok) {
        const caps::CPtr f = g_vs.fresh_slot();
        e = user::cap::retype(*chunk, f, caps::CapType::Frame, kCoreFrameBytes, 1, 0);
        auto va = e == Error::Ok ? g_vs.map(f, 0, kCoreFrameBytes) : Result<u64>(e);
        if (va.ok()) return ChannelFrame{f, *va, kCoreFrameBytes};
        e = va.error(); // FIXME: the chunk stays taken (RamAllocator cannot give back a chunk retyped)
    }
    if (!said) user::print("monitor: core {}: channels without bulk pools: {}\n", g_core, error_name(e));
    said = true;
    const caps::CPtr f = TRY(g_vs.alloc_frame(sys::kChannelBytes));
    return ChannelFrame{f, TRY(g_vs.map(f, 0, sys::kChannelBytes)), sys::kChannelBytes};
}

// Boot monitor: the cores of this node the SKB knows by hardware id, each started with a
// channel frame on the route the SKB gives.
void start_cores() {
    const BootFacts& f = *g_facts;
    const u32 first = g_board.first_core(f.node);
    for (u32 i = 0; i < f.core_count; ++i) {
        if (i == f.core_index) continue;
        const u32 core = first + i;
        CoreLink& l = g_links[i];
        l.board_core = core;
        // The SKB decides: the core must be one it knows this node has, and reachable.
        char q[96];
        BufferSink b(q, sizeof q);
        format(b.sink(), "?- core_hw({}, H), core({}, _, node{}).", core, core, f.node);
        u32 total = 0;
        char answer[64];
        auto known = g_skb_up ? g_skb.answer(q, 0, answer, sizeof answer, &total) : Result<u32>(Error::NotFound);
        auto rt = route_to(core);
        auto frame = channel_frame();
        auto va = frame.ok() ? Result<u64>(frame->va) : Result<u64>(frame.error());
        Status st = !known.ok() || total == 0 ? Status(Error::NotFound) : !rt.ok() ? Status(rt.error())
                  : !va.ok() ? Status(va.error()) : Status();
        if (st.ok())
            st = transports::bind_route(l.ch, *rt, transports::RingMemory::NodeRam, rings(*va, true),
                                        {.notify = ring_link, .wait = nullptr, .ctx = &l});
        if (st.ok())
            bind_bench(g_bench_core[i], *rt, transports::RingMemory::NodeRam, bench_rings(*va, true), bench_line(*va),
                       {.notify = ring_link, .wait = nullptr, .ctx = &l}, core_pools(*va, frame->bytes, true));
        if (st.ok()) {
            auto* note = reinterpret_cast<volatile CoreNote*>(uptr(*va + kNoteOffset));
            note->node = f.node;
            note->params_given = f.params_given;
            for (u32 p = 0; p < kParamCount; ++p) note->params[p] = f.params[p];
            note->registry_core = g_registry_core;
            note->boot_core = g_core;
            note->magic = CoreNote::kMagic;
        }
        auto hw = st.ok() ? user::kernel::start_core(i, frame->cap.raw) : Result<u64>(st.error());
        if (!hw.ok()) {
            user::print("monitor: core {}: core {} (hw {:x}) not started: {}\n", g_core, core, f.core_ids[i],
                        error_name(hw.error()));
            g_mon.core_failed(core, f.core_ids[i]);
            continue;
        }
        l.bound = true;
        (void)g_mon.add_core(core, *hw, &l.ch);
    }
    g_mon.cores_added();
}

// Boot monitor of a board with several nodes: a channel to every other node's boot monitor
// in the interconnect region, on the SKB's route to that node's first core.
void bind_nodes() {
    const BootFacts& f = *g_facts;
    if (g_board.node_count < 2) return;
    if (f.region_size < kNodeRingsBytes) {
        user::print("monitor: core {}: no interconnect region: the other nodes are out of reach\n", g_core);
        return;
    }
    auto va = g_vs.map(caps::CPtr::at(sys::kSlotRegion), 0, kNodeRingsBytes);
    if (!va.ok()) {
        user::print("monitor: core {}: the interconnect region does not map: {}\n", g_core, error_name(va.error()));
        return;
    }
    u8* region = reinterpret_cast<u8*>(uptr(*va));
    auto ring = [&](u32 writer, u32 reader) {
        return region + (u64(writer) * BoardProfile::kMaxNodes + reader) * kNodeRingStride;
    };
    // The pools: the region after the rings shared out among the ordered pairs of nodes, each
    // a power of two of pages up to kMaxNodePoolBytes, at pair (giver, taker)'s place.
    const u64 n = g_board.node_count, pairs = n * (n - 1);
    u64 pool_bytes = min<u64>(min<u64>(kMaxNodePoolBytes, kNodePoolsBytes / (2 * (n - 1))),
                              (f.region_size - kNodeRingsBytes) / pairs);
    while (pool_bytes & (pool_bytes - 1)) pool_bytes &= pool_bytes - 1; // down to a power of two
    if (pool_bytes < sys::kChannelBytes) pool_bytes = 0;
    auto pool = [&](u32 giver, u32 taker) -> u8* {
        const u64 pair = u64(giver) * (n - 1) + (taker < giver ? taker : taker - 1);
        auto va = g_vs.map(caps::CPtr::at(sys::kSlotRegion), kNodeRingsBytes + pair * pool_bytes, pool_bytes);
        if (!va.ok()) user::print("monitor: core {}: no bulk pool from node {} to node {}: {}\n", g_core, giver, taker,
                                  error_name(va.error()));
        return va.ok() ? reinterpret_cast<u8*>(uptr(*va)) : nullptr;
    };
    for (u32 j = 0; j < g_board.node_count; ++j) {
        if (j == f.node) continue;
        auto rt = route_to(g_board.first_core(j));
        Status st = rt.ok() ? transports::bind_route(g_node_ch[j], *rt, transports::RingMemory::Interconnect,
                                                     {ring(f.node, j), ring(j, f.node), kNodeRingSlots})
                            : Status(rt.error());
        if (st.ok()) st = g_mon.add_node(j, &g_node_ch[j]);
        if (st.ok()) {
            const u32 lo = min(f.node, j), hi = max(f.node, j);
            monitor::tbench::Pools pools;
            if (pool_bytes) pools = {.mine = pool(f.node, j), .theirs = pool(j, f.node), .bytes = pool_bytes};
            bind_bench(g_bench_node[j], *rt, transports::RingMemory::Interconnect,
                       {ring(f.node, j) + kNodeBenchOffset, ring(j, f.node) + kNodeBenchOffset, kNodeBenchSlots},
                       reinterpret_cast<monitor::tbench::RawLine*>(ring(lo, hi) + kNodeLineOffset), {}, pools);
        }
        if (!st.ok()) user::print("monitor: core {}: no channel to node {}: {}\n", g_core, j, error_name(st.error()));
        else g_node_bound[j] = true;
    }
}

// A core monitor: the channel its boot monitor's frame holds.
void join_boot() {
    const BootFacts& f = *g_facts;
    g_boot_doorbell = f.boot_doorbell;
    Status st = transports::bind_route(g_boot_ch, transports::Route::Urpc, transports::RingMemory::NodeRam,
                                       rings(g_channel_va, false), {.notify = ring_boot, .wait = nullptr, .ctx = nullptr});
    if (st.ok()) st = g_mon.set_boot_channel(&g_boot_ch, f.doorbell);
    if (st.ok())
        bind_bench(g_bench_boot, transports::Route::Urpc, transports::RingMemory::NodeRam, bench_rings(g_channel_va, false),
                   bench_line(g_channel_va), {.notify = ring_boot, .wait = nullptr, .ctx = nullptr},
                   core_pools(g_channel_va, g_channel_bytes, false));
    if (!st.ok()) user::print("monitor: core {}: no channel to its boot monitor: {}\n", g_core, error_name(st.error()));
}

const char* state_name(monitor::MemberState s) { return monitor::member_state_name(s); }

// Boot monitor: the console service, on the core the SKB places it near the node's UART,
// with the UART's registers (the capability this monitor's CPU driver gave it).
void start_console() {
    const BootFacts& f = *g_facts;
    if (f.console_kind == kConsoleNone || !g_skb_up) return;
    char facts[96];
    BufferSink b(facts, sizeof facts);
    format(b.sink(), "device(uart{}, node{}, serial).\nserves(console, uart{}).\n", f.node, f.node, f.node);
    Status st = g_skb.add_facts(facts, b.size());
    auto placed = st.ok() ? skb_core("?- place_service(console, C).") : Result<u32>(st.error());
    if (!placed.ok()) {
        user::print("monitor: core {}: the SKB places no console service: {}\n", g_core, error_name(placed.error()));
        return;
    }
    // FIXME: a service placed on another core needs that core's monitor to hand it the UART;
    // until then it runs here, and says so.
    const u32 where = *placed;
    if (where != g_core) user::print("monitor: core {}: the SKB places the console on core {}; it runs here\n", g_core, where);
    auto id = load("console", u64(f.console_kind) | (f.console_base & 0xfff) << 8, 64 * 1024, nullptr, 0);
    if (!id.ok()) {
        user::print("monitor: core {}: the console service does not start: {}\n", g_core, error_name(id.error()));
        return;
    }
    // Its registers, once it named the slot they go to (it does so first thing).
    const u64 w[4] = {0, 0, 0, 0};
    Error e = Error::InvalidSlot;
    for (u32 tries = 0; tries < 10000 && (e == Error::InvalidSlot || e == Error::WouldBlock); ++tries) {
        e = user::lmp_send(*id, w, caps::CPtr::at(sys::kSlotConsole).raw);
        if (e != Error::Ok) user::yield();
    }
    if (e != Error::Ok) {
        user::print("monitor: core {}: the console service got no UART: {}\n", g_core, error_name(e));
        (void)stop_program(*id);
        return;
    }
    g_console_id = *id;
}

// Output before a power off: everything the console service was given is written.
void flush_console() {
    if (!g_console_id) return;
    const u64 w[4] = {console::word0(console::kFlush), 0, 0, 0};
    if (send_to(g_console_id, w) != Error::Ok) return;
    for (u32 ticks = 0; ticks < 200; ++ticks) { // at most 2 s
        send_waiting(); // the text before the flush, and the flush
        auto m = user::lmp_receive_from(g_console_id, 1);
        if (m.ok() && console::op_of(m->word[0]) == console::kFlushed) return;
    }
}

// Once the protocol settled: the boot monitor prints the membership (the runner compares
// the line between nodes), gives the SKB the measured round trips, and starts init.
void on_settled() {
    const monitor::Membership& m = g_mon.membership();
    if (g_facts->boot) {
        char line[2048];
        BufferSink b(line, sizeof line);
        format(b.sink(), "MEMBERSHIP {} digest {:x} cores {}:", g_mon.agreed() ? "agreed" : "NOT-agreed", m.digest(),
               m.count);
        for (u32 i = 0; i < m.count; ++i)
            format(b.sink(), " {}/{}/node{}/{}", m.members[i].core, isa_name(m.members[i].isa), m.members[i].node,
                   state_name(m.members[i].state));
        format(b.sink(), "\n");
        user::write(line, b.size());
        if (g_skb_up && g_mon.fact_count()) {
            skb::MachineFacts mf;
            mf.latencies = {g_mon.facts(), g_mon.fact_count()};
            static char text[8 * 1024];
            auto n = skb::render_facts(mf, text, sizeof text);
            Status st = n.ok() ? g_skb.add_facts(text, *n) : Status(n.error());
            if (!st.ok()) user::print("monitor: core {}: latency facts not added: {}\n", g_core, error_name(st.error()));
        }
        start_console();
        // init: the system's services and the job the runner asked for.
        const BootFacts& f = *g_facts;
        auto id = load("init", u64(g_skb_id), 0, f.manifest() - f.size, f.size + f.manifest_len);
        if (!id.ok()) user::print("monitor: core {}: init does not start: {}\n", g_core, error_name(id.error()));
        g_init_id = id.ok() ? *id : 0;
    } else {
        user::print("monitor: core {} holds the membership, digest {:x} ({})\n", g_core, m.digest(),
                    g_mon.agreed() ? "agreed" : "NOT agreed");
    }
}

// A request from a program of this core.
void serve(const user::Message& msg) {
    const u64 w0 = msg.word[0];
    const u32 tag = api::tag_of(w0);
    switch (api::op_of(w0)) {
    case api::kSpawn: {
        char name[17];
        api::unpack_name(msg.word[1], msg.word[2], name);
        const u32 core = api::core_of(w0);
        const u64 flags = api::flags_of(w0);
        if (str_len(name) > 15 || api::ram_of(flags) > kMaxProgramRam) {
            const u64 w[4] = {api::reply(api::kStarted, u64(Error::InvalidArgument), 0, tag), core, 0, 0};
            (void)send_to(msg.sender, w);
            return;
        }
        char args[24] = {};
        for (auto& p : g_pending_args)
            if (p.sender == msg.sender && p.tag == tag) {
                str_copy(args, sizeof args, p.text);
                p = PendingArgs{};
            }
        if (core != g_core || flags == 0) {
            g_mon.spawn_remote(core, name, msg.word[3], (msg.sender << 32) | tag, args);
            return;
        }
        // Here, with RAM or the boot facts as start data (only this monitor has them).
        const BootFacts& f = *g_facts;
        const bool facts = flags & api::kWithBootFacts;
        auto id = load(name, msg.word[3], api::ram_of(flags), facts ? f.manifest() - f.size : nullptr,
                                      facts ? f.size + f.manifest_len : 0);
        u32 slot = kMaxLocal;
        for (u32 i = 0; i < kMaxLocal && slot == kMaxLocal; ++i)
            if (!g_local[i].dispatcher) slot = i;
        if (id.ok() && slot < kMaxLocal) g_local[slot] = {*id, msg.sender, tag, facts};
        const u64 w[4] = {api::reply(api::kStarted, u64(id.ok() ? Error::Ok : id.error()), 0, tag), g_core,
                          id.ok() ? *id : 0, 0};
        (void)send_to(msg.sender, w);
        return;
    }
    case api::kMember: {
        const monitor::Membership& m = g_mon.membership();
        const u64 i = msg.word[1];
        Error st = !g_mon.settled() ? Error::WouldBlock : i >= m.count ? Error::OutOfRange : Error::Ok;
        u64 packed = 0, hw = 0;
        if (st == Error::Ok) {
            const monitor::Member& x = m.members[i];
            packed = u64(x.core) | u64(x.node) << 16 | u64(x.isa) << 32 | u64(x.state) << 40;
            hw = x.hw_id;
        }
        const u64 w[4] = {api::reply(api::kMember, u64(st), 0, tag), packed, hw, m.count};
        (void)send_to(msg.sender, w);
        return;
    }
    case api::kInfo: {
        const u64 w[4] = {api::reply(api::kInfo, 0, 0, tag),
                          u64(g_mon.agreed()) | u64(g_mon.settled()) << 1 | u64(g_console_id != 0) << 2,
                          g_mon.refused(), g_mon.fact_count()};
        (void)send_to(msg.sender, w);
        return;
    }
    case api::kStop: {
        // Only whoever asked for a program may stop it.
        const u32 victim = u32(msg.word[1]);
        bool theirs = false;
        for (const auto& l : g_local) theirs |= l.dispatcher == victim && l.requester == msg.sender;
        auto routed = g_mon.spawned_for(victim);
        theirs |= routed.ok() && routed->origin == g_core && (routed->tag >> 32) == msg.sender;
        if (theirs) (void)stop_program(victim);
        else user::print("monitor: core {}: dispatcher {} may not stop dispatcher {}\n", g_core, msg.sender, victim);
        return;
    }
    case api::kIrq: {
        // The device's driver only: the console service this monitor started where the SKB
        // placed it. Its Irq capability is made once and copied to it.
        static bool made = false;
        Error e = msg.sender != g_console_id || msg.word[1] != sys::kIrqConsoleRx ? Error::PermissionDenied : Error::Ok;
        if (e == Error::Ok && !made) {
            auto line = user::kernel::irq_cap(sys::kIrqConsoleRx, kIrqCap.raw);
            e = line.ok() ? Error::Ok : line.error();
            made = line.ok();
        }
        give(msg.sender, api::kIrq, tag, e, kIrqCap.raw);
        return;
    }
    case api::kEndpoint: {
        const u64 to = msg.word[1];
        const caps::CPtr give_slot = kGive;
        (void)user::cap::slot_op(caps::Op::Delete, give_slot);
        // may_connect holds only for programs this monitor loaded
        Error e = may_connect(msg.sender, to) ? user::dispatcher_endpoint(loaded(to)->dispatcher.raw, give_slot.raw, msg.sender)
                                              : Error::PermissionDenied;
        if (e == Error::Ok) note_grant(msg.sender, to);
        give(msg.sender, api::kEndpoint, tag, e, give_slot.raw);
        (void)user::cap::slot_op(caps::Op::Delete, give_slot);
        return;
    }
    case api::kFind: { // (an endpoint to what it finds: kEndpoint, if the rules allow)
        char name[17];
        api::unpack_name(msg.word[1], msg.word[2], name);
        auto id = find_program(name);
        const u64 w[4] = {api::reply(api::kFind, u64(id.ok() ? Error::Ok : id.error()), 0, tag), id.ok() ? *id : 0, 0, 0};
        (void)send_to(msg.sender, w);
        return;
    }
    case api::kSpawnArgs: {
        PendingArgs& p = g_pending_args[g_pending_next++ % 8]; // the oldest goes when all are taken
        p.sender = msg.sender;
        p.tag = tag;
        for (u32 i = 0; i < 23; ++i) p.text[i] = char(msg.word[1 + i / 8] >> (8 * (i % 8)));
        p.text[23] = 0;
        return;
    }
    case api::kQuery: {
        const auto op = monitor::QueryOp(api::flags_of(w0));
        const bool system = msg.sender == g_init_id || is_system_program(msg.sender);
        const bool allowed = u32(op) >= 1 && u32(op) <= monitor::kQueryOps && op != monitor::QueryOp::NamesOf &&
                             (system || (op != monitor::QueryOp::Kill && op != monitor::QueryOp::Shutdown &&
                                         op != monitor::QueryOp::TransportBench)); // it holds the monitor for a while
        if (!allowed) {
            const u64 w[4] = {api::reply(api::kAnswer, u64(Error::PermissionDenied), 0, tag), 0, 0, 0};
            (void)send_to(msg.sender, w);
            return;
        }
        monitor::Query q;
        for (u32 i = 0; i < 16; ++i) q.name[i] = u8(msg.word[2 + i / 8] >> (8 * (i % 8)));
        if (op == monitor::QueryOp::NameRegister) {
            if (Error e = take_name_cap(msg, q.name, tag); e != Error::Ok) {
                const u64 w[4] = {api::reply(api::kAnswer, u64(e), 0, tag), 0, 0, 0};
                (void)send_to(msg.sender, w);
                return;
            }
        }
        if (op == monitor::QueryOp::Deliver) note_correspondent(msg.sender, api::core_of(w0), msg.word[1]);
        if (op == monitor::QueryOp::NameRemove)
            for (NameCap& n : g_name_caps)
                if (n.id && n.id == msg.sender && mem_eq(n.name, q.name, 16)) drop_name_cap(n);
        const bool names = op == monitor::QueryOp::NameRegister || op == monitor::QueryOp::NameLookup ||
                           op == monitor::QueryOp::NameWait || op == monitor::QueryOp::NameRemove ||
                           op == monitor::QueryOp::NameList;
        q.core = names ? g_registry_core : api::core_of(w0); // names go where the registry is
        q.sender = u32(msg.sender);
        q.tag = msg.sender << 32 | tag;
        q.op = op;
        q.a = msg.word[1];
        g_mon.query_remote(q);
        return;
    }
    case api::kConsole: {
        const u64 w[4] = {api::reply(api::kConsole, u64(g_console_id ? Error::Ok : Error::NotFound), 0, tag),
                          g_console_id, 0, 0};
        (void)send_to(msg.sender, w);
        return;
    }
    case api::kPrint: {
        char text[console::kWriteBytes];
        const u32 n = min<u32>(u32(api::flags_of(w0)), console::kWriteBytes);
        console::unpack(&msg.word[1], n, text);
        console_out(g_core, msg.sender, text, n);
        return;
    }
    case api::kPowerOff:
        // The system's own programs only: init and the jobs it started with the boot facts.
        if (msg.sender == g_init_id || is_system_program(msg.sender)) {
            flush_console();
            user::kernel::power_off(msg.word[1] == 1);
        }
        user::print("monitor: core {}: dispatcher {} may not power the node off\n", g_core, msg.sender);
        return;
    default:
        user::print("monitor: core {}: request {} from dispatcher {} refused\n", g_core, api::op_of(w0), msg.sender);
    }
}

// The CPU driver says a dispatcher of this core ended.
void ended(const user::Message& msg) {
    const u32 id = u32(msg.word[0]);
    // How: 0 exit, 1 fault, 2 stopped, as monitor::EndHow and api::kEnded say it too.
    const u64 how = min<u64>((msg.word[0] >> 32) & 0xff, u64(monitor::EndHow::Stopped));
    const bool fault = how == sys::kEndedFault;
    const u32 preemptions = u32(msg.word[0] >> 40);
    if (fault)
        user::print("user fault: dispatcher {} on core {}: {} at pc {:x}, address {:x}; dispatcher ended\n", id, g_core,
                    trap_kind_name(TrapKind(msg.word[1])), msg.word[3], msg.word[2]);
    if (id == g_console_id) g_console_id = 0; // back to the early console
    if (id == g_skb_id) g_skb_up = false;
    unload(id);
    forget_grants(id);
    for (auto& l : g_local) {
        if (l.dispatcher != id) continue;
        const u64 w[4] = {api::reply(api::kEnded, 0, how, l.tag), msg.word[1], msg.word[2], preemptions};
        (void)send_to(l.requester, w);
        l = Local{};
    }
    g_mon.dispatcher_ended(id, monitor::EndHow(how), msg.word[1], msg.word[2], preemptions);
    // Its names go with it, and its waits for names (wherever the registry is).
    monitor::Query q;
    q.sender = sys::kMonitorId;
    q.tag = u64(sys::kMonitorId) << 32 | id;
    q.op = monitor::QueryOp::NamesOf;
    q.a = id;
    q.core = g_registry_core;
    g_mon.query_remote(q);
}

void handle(const user::Message& m) {
    if (m.sender == sys::kDoorbellSender) return; // a channel has something: the next step sees it
    if (m.sender == sys::kKernelSender) return ended(m);
    serve(m);
    // A capability that came along was taken (a name's endpoint) or goes now. The slot takes
    // the next one once it is empty: a message still waiting may have brought one already
    // (the CPU driver moves a capability when the message is sent).
    if (m.cap_arrived) (void)user::cap::slot_op(caps::Op::Delete, kIncoming);
    if (!user::cap::identify(kIncoming).ok()) (void)user::lmp_receive_slot(kIncoming.raw);
}

bool has_node_channels() {
    for (bool b : g_node_bound)
        if (b) return true;
    return false;
}

void announce_sleep(bool on) {
    for (auto& l : g_links)
        if (l.bound) l.ch.announce_sleep(on);
    if (!g_facts->boot) g_boot_ch.announce_sleep(on);
    if (g_bench_boot.bound) g_bench_boot.ch.announce_sleep(on);
}

// Learns what rings each core's doorbell from the protocol (core_up).
void learn_doorbells() {
    for (auto& l : g_links)
        if (l.bound && !l.has_doorbell) {
            auto d = g_mon.doorbell_of(l.board_core);
            if (d.ok()) l.doorbell = *d, l.has_doorbell = true;
        }
}

[[noreturn]] void event_loop() {
    u32 quiet = 0, busy_rounds = 0;
    for (;;) {
        if (g_out_count) send_waiting();
        if (g_shutdown_at && now(nullptr) >= g_shutdown_at) {
            // This node did its part; whoever asked for the shutdown reports the board's outcome.
            user::print("VERDICT PASS (the board shut down from core {}{})\n", g_shutdown_origin,
                        g_shutdown_pass ? "" : ", which reports failures");
            flush_console();
            user::kernel::power_off(true);
        }
        bool busy = g_mon.step();
        busy |= bench_serve();
        if (g_facts->boot) learn_doorbells();
        if (!g_reported && g_mon.settled()) {
            g_reported = true;
            on_settled();
        }
        if (busy) {
            quiet = 0;
            // Programs and the CPU driver are heard while the channels are busy too.
            if (++busy_rounds % kBusyRounds == 0)
                for (auto m = user::lmp_receive(sys::kNoWait); m.ok(); m = user::lmp_receive(sys::kNoWait)) handle(*m);
            continue;
        }
        if (++quiet < kIdleRounds) continue;
        // Sleep: say so on every channel with a doorbell, look once more, then block until a
        // message, a doorbell, or the next look at the channels without one.
        announce_sleep(true);
        busy = g_mon.step();
        busy |= bench_serve();
        if (!busy) {
            // Deadlines only while the protocol runs, or while channels without a doorbell
            // (to other nodes) need a look now and then; otherwise a message or a doorbell.
            const bool watch = !g_mon.settled() || has_node_channels() || g_out_count || g_shutdown_at;
            auto m = user::lmp_receive(watch ? kSleepTicks : 0);
            announce_sleep(false);
            if (m.ok()) handle(*m);
            // Whatever else came meanwhile, without blocking again.
            for (;;) {
                auto more = user::lmp_receive(sys::kNoWait);
                if (!more.ok()) break;
                handle(*more);
            }
            if (m.ok()) quiet = 0;
            continue; // quiet still: sleep again at once
        }
        announce_sleep(false);
        quiet = 0;
    }
}

// The monitor cannot go on: it says why, on the CPU driver's console (nothing else may be
// up), and the node powers off with a failure.
template <typename... Args> [[noreturn]] void fatal(const char* fmt, Args... args) {
    char line[256];
    BufferSink b(line, sizeof line);
    format(b.sink(), "PANIC: monitor on {} core {:x}: ", isa_name(Isa(g_facts->isa)), g_facts->core_ids[g_facts->core_index]);
    format(b.sink(), fmt, args...);
    format(b.sink(), "\n");
    user::write_early(line, b.size());
    user::kernel::power_off(false);
}

} // namespace

int main(u64) {
    const auto* given = reinterpret_cast<const BootFacts*>(user::start_data());
    if (given->magic != BootFacts::kMagic || given->size != sizeof(BootFacts) ||
        given->manifest_len > sizeof g_facts_copy - sizeof(BootFacts) || given->core_index >= given->core_count) {
        const char* why = "monitor: the boot facts are not this monitor's\n";
        user::write_early(why, str_len(why));
        return 1;
    }
    __builtin_memcpy(g_facts_copy, given, sizeof(BootFacts) + given->manifest_len);
    g_facts = reinterpret_cast<BootFacts*>(g_facts_copy);
    BootFacts& f = *g_facts;
    user::set_writer(monitor_write); // the CPU driver's console until there is a console service
    BoardError err;
    auto board = parse_board(f.manifest(), f.manifest_len, err);
    if (!board.ok()) fatal("the board manifest is unusable: line {} field '{}': {}", err.line, err.field, err.message);
    g_board = *board;
    // Its RAM: a CNode for the chunks it is cut into, a chunk for its own mappings, the rest
    // for the programs it loads.
    u64 w[7];
    const Error made = user::error_of(user::call(
        sys::Number::CapInvoke, u64(uptr(w)),
        caps::encode_retype(w, caps::CPtr::at(sys::kSlotRam), caps::CPtr::at(kSlotChunks), caps::CapType::CNode,
                            caps::kCNodeBytes, 1, 0)));
    Status st = made == Error::Ok ? g_ram.init() : Status(made);
    g_ram_total = g_ram.bytes_free();
    auto mine = st.ok() ? g_ram.alloc(kVspaceBytes) : Result<caps::CPtr>(st.error());
    if (mine.ok()) st = g_vs.init(kVspaceBytes, sys::kSlotFirstFree, *mine, 2);
    if (!mine.ok() || !st.ok()) fatal("no page tables of its own: {}", error_name(mine.ok() ? st.error() : mine.error()));
    // Where it stands: the boot monitor finds its node and devices; a core monitor hears
    // them from its boot monitor, in the channel frame.
    if (f.boot) {
        monitor::read_boot_params(f, g_vs);
        auto node = monitor::choose_node(g_board, f);
        if (!node.ok()) fatal("board '{}' has no {} node", g_board.name, isa_name(Isa(f.isa)));
        f.node = *node;
        monitor::find_devices(f, g_board, g_vs);
    } else {
        // The whole frame (its bulk pool after the first page), or the first 2 MiB of a
        // larger one.
        g_channel_bytes = min<u64>(f.channel_size, kCoreFrameBytes);
        auto va = g_vs.map(caps::CPtr::at(sys::kSlotChannel), 0, g_channel_bytes);
        if (!va.ok()) fatal("its channel frame does not map: {}", error_name(va.error()));
        g_channel_va = *va;
        const auto* note = reinterpret_cast<const volatile CoreNote*>(uptr(*va + kNoteOffset));
        if (note->magic != CoreNote::kMagic || note->node >= g_board.node_count) fatal("no word from its boot monitor");
        f.node = note->node;
        g_registry_core = note->registry_core < g_board.total_cores() ? note->registry_core : 0;
        g_boot_core = note->boot_core < g_board.total_cores() ? note->boot_core : 0;
        f.params_given = note->params_given;
        for (u32 p = 0; p < kParamCount; ++p) f.params[p] = note->params[p];
    }
    if (g_board.nodes[f.node].isa != Isa(f.isa)) fatal("node {} of the board is not a {} node", f.node, isa_name(Isa(f.isa)));
    g_core = g_board.first_core(f.node) + f.core_index;
    user::print("monitor: core {} ({}, node {} '{}', hw {:x}) up\n", g_core, isa_name(Isa(f.isa)), f.node,
                g_board.nodes[f.node].name, f.core_ids[f.core_index]);
    g_loader.init(g_ram, g_vs, Isa(f.isa), kLoaderSlots);
    user::set_endpoint_resolver(endpoint_to);
    const u32 cnodes[] = {kSlotPrograms, kSlotProgramEps, kSlotNameEps, kSlotMisc};
    for (u32 slot : cnodes) {
        auto chunk = g_ram.alloc(caps::kCNodeBytes);
        const Error cn = chunk.ok() ? user::cap::retype(*chunk, caps::CPtr::at(slot), caps::CapType::CNode, caps::kCNodeBytes, 1, 0)
                                    : chunk.error();
        if (cn != Error::Ok) fatal("no CNode for its programs' capabilities: {}", error_name(cn));
    }
    static_assert(kMaxLocal <= caps::kCNodeSlots);
    monitor::Config c;
    c.board = &g_board;
    c.node = f.node;
    c.core = g_core;
    c.hw_id = f.core_ids[f.core_index];
    c.boot = f.boot != 0;
    monitor::Env e;
    e.now = now;
    e.counter = counter;
    e.counter_hz = f.counter_hz;
    e.print = print;
    e.spawn = spawn_here;
    e.result = result;
    e.console = console_from_core;
    e.query = query_here;
    e.answered = answered;
    g_mon.init(c, e);
    if (f.boot) {
        start_skb();
        start_cores();
        bind_nodes();
    } else {
        join_boot();
    }
    (void)user::lmp_receive_slot(kIncoming.raw); // where the capabilities programs send it go
    event_loop();
}
