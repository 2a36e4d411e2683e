// The monitor's hardware-neutral core: one per core, the same source on every ISA and on
// the host. It keeps this core's replica of the board's membership, runs the membership
// protocol and the measurements over the intermon channels (interfaces/intermon.hpp), and
// routes spawn requests to the core they name and their results back. It never blocks and
// never touches hardware: the caller binds the channels, drives step() from its event loop
// (monitor/main.cpp on the boards, a deterministic simulation or threads in the host
// tests), and supplies time, printing and the local spawn through Env.
#pragma once

#include <mosaic/board.hpp>
#include <mosaic/monitor/ping.hpp>
#include <mosaic/skb/facts.hpp>
#include <mosaic/transports/channel.hpp>
#include <mosaic/transports/interfaces/intermon.hpp>

namespace mosaic::monitor {

inline constexpr u32 kMaxCores = 64;                           // cores of a board
inline constexpr u32 kMaxNodes = BoardProfile::kMaxNodes;
inline constexpr u32 kMaxFacts = 128;                          // latency facts a monitor keeps
inline constexpr u32 kCorePings = 500, kNodePings = 200;       // timed round trips per measurement
inline constexpr u32 kMaxPending = 32;  // spawn messages and results waiting for room in a ring
// Of those, the entries only results and answers may take: requests that find the rest
// taken are refused (Busy, an answer that may use this share) instead of crowding out the
// answers a relay owes for requests it already passed on.
inline constexpr u32 kPendingForAnswers = 16;
inline constexpr u32 kMaxSpawned = 32;  // dispatchers this core started for someone, until they end
inline constexpr u32 kPollBudget = 64;  // messages taken from one channel in one step
inline constexpr u64 kQueryTimeout = 10 * 100; // ticks a query waits for its answer (10 s)
// Ticks a spawn sent to another core waits to hear that it started (or why not): 30 s, a
// load of the largest program on the slowest emulated core with room to spare. The end has
// no deadline (a program may run for as long as it likes).
inline constexpr u64 kSpawnStartTimeout = 30 * 100;

// What a member of the board is, as monitors agree on it.
enum class MemberState : u8 {
    Absent = 0, // no monitor ever heard of it (its node was silent)
    Up = 1,     // its monitor runs
    Down = 2,   // its node knows it, but it did not come up (start refused, or silent)
};
const char* member_state_name(MemberState s);

struct Member {
    u32 core = 0; // the board's number
    u32 node = 0;
    Isa isa = Isa::X86_64;
    u64 hw_id = 0;
    MemberState state = MemberState::Absent;
};

// A replica of the board's membership: one entry per core of the board, by core number.
struct Membership {
    Member members[kMaxCores];
    u32 count = 0;
    // FNV-1a 64 over every member's fields in a fixed little-endian layout, core by core.
    u64 digest() const;
};

// How a dispatcher ended.
enum class EndHow : u8 { Exited = 0, Faulted = 1, Stopped = 2 }; // as sys::kEnded*: Stopped by a monitor (kill, stop)

// A spawn's outcome as it travels back to whoever asked.
struct SpawnResult {
    u32 origin = 0;      // the core whose monitor asked
    u64 tag = 0;         // the origin's name for the request
    u32 core = 0;        // where it ran
    Error status = Error::Ok; // Ok: started; else why it was not
    u32 dispatcher = 0;  // its id on that core
    bool ended = false;  // false: the "started" report; true: how it ended
    EndHow how = EndHow::Exited;
    u64 code = 0;        // exit code, or the trap kind of a fault
    u64 address = 0;     // a fault's address
    u32 preemptions = 0; // times the timer took the core from it
};

// What a query asks of the monitor of the core it names (monitor/query.cpp). Answers carry
// a status and three words a, b, c.
enum class QueryOp : u32 {
    Echo = 1,        // -> a: the target's timer ticks (round trips: ping)
    Ps = 2,          // a: an index -> a: dispatcher, b and c: its program's name; NotFound past the end
    Kill = 3,        // a: a dispatcher of that core (never its monitor) -> it is stopped
    Mem = 4,         // -> a: free bytes of the monitor's RAM for programs, b: all of it
    Shutdown = 5,    // a: 1 = the board passed; the node of that (boot) core powers off after answering
    NameRegister = 6,// name -> registered to the asking program (its core and dispatcher)
    NameLookup = 7,  // name -> a: core, b: dispatcher; NotFound
    NameRemove = 8,  // name -> removed, only by the program that registered it
    NameList = 9,    // a: an index -> a: core, b and c: the name; NotFound past the end
    NamesOf = 10,    // a: a dispatcher of the asking core that ended -> its names removed
    Deliver = 11,    // a: a dispatcher of that core; name: 16 bytes of payload -> handed to it
    NameWait = 12,   // name -> as NameLookup, once the name is registered (Env::query answers
                     // WouldBlock for "later", then Monitor::answer_later); Timeout at the origin
    TransportBench = 13, // a: a peer core in its low 32 bits; name: four little-endian u32s.
                     // This monitor measures its benchmark channel to that core's monitor
                     // (a boot monitor: a core of its node, or another node, whose boot
                     // monitor answers; NotFound where it has no such channel), by a's
                     // high 32 bits (monitor/tbench.hpp):
                     //   kBenchPhases: name = round trips, streamed messages, raw rounds, a
                     //     streamed message's bytes (0: tbench.hpp's default) -> a, b, c the
                     //     nanoseconds of the round trips, the stream and the raw line;
                     //   kBenchBulk: name = buffers to move, their bytes -> a the bulk
                     //     phase's nanoseconds, b the same copies' on this core alone, c the
                     //     pool's buffers (Unsupported: the channel has no pool).
};
inline constexpr u64 kBenchPhases = 0, kBenchBulk = 1;
inline constexpr u32 kQueryOps = 13;
const char* query_op_name(QueryOp op);
struct Query {
    u32 core = 0;     // where it runs
    u32 origin = 0;   // the core whose monitor asked
    u32 sender = 0;   // the asking program's dispatcher there
    u64 tag = 0;      // the origin's name for it
    QueryOp op = QueryOp::Echo;
    u64 a = 0;
    u8 name[16] = {}; // a name (NUL-padded) or 16 bytes of payload
};
struct Answer {
    u32 origin = 0;
    u64 tag = 0;
    u32 core = 0;     // who answered
    Error status = Error::Ok;
    u64 a = 0, b = 0, c = 0;
};

// What the monitor asks of the world below it.
struct Env {
    void* ctx = nullptr;
    u64 (*now)(void* ctx) = nullptr;      // ticks of this core's timer (kTickHz)
    u64 (*counter)(void* ctx) = nullptr;  // a free-running counter for round trips
    u64 counter_hz = 0;                   //   and its rate (0: round trips are not timed)
    void (*print)(void* ctx, const char* text, usize len) = nullptr;
    // Starts module `name` (NUL-terminated) on this core with `arg` and the argument text
    // `args` (NUL-terminated, maybe empty); its dispatcher id, or why not.
    Result<u32> (*spawn)(void* ctx, const char* name, u64 arg, const char* args) = nullptr;
    // A result for a request this core's monitor made (spawn_remote), from wherever it ran.
    void (*result)(void* ctx, const SpawnResult& r) = nullptr;
    // A boot monitor: console output a program on core `core` gave its monitor (source: the
    // program's dispatcher id there), for the node's console service.
    void (*console)(void* ctx, u32 core, u32 source, const char* text, u32 len) = nullptr;
    // A query for this core (from here or elsewhere): its answer (status, a, b, c). Status
    // WouldBlock for a NameWait: no answer now, the caller gives it later (answer_later).
    Answer (*query)(void* ctx, const Query& q) = nullptr;
    // The answer to a query this core's monitor sent (query_remote), from wherever it ran.
    void (*answered)(void* ctx, const Answer& a) = nullptr;
};
inline constexpr u64 kTickHz = 100;

struct Config {
    const BoardProfile* board = nullptr;
    u32 node = 0;        // this node's index in the board
    u32 core = 0;        // this core's board number
    u64 hw_id = 0;
    bool boot = false;   // the boot monitor of its node (the others talk only to it)
    u32 boot_core = 0;   // a core monitor: its boot monitor's board number
    u64 core_timeout = 5 * kTickHz;   // a started core that has not said core_up by then is Down
    u64 node_timeout = 60 * kTickHz;  // the whole conversation between nodes
    u64 greet_timeout = 30 * kTickHz; // a node not greeting by then is given up (its cores Absent)
};

class Monitor {
  public:
    void init(const Config& c, const Env& e);

    // Boot monitor: core `core` of this node was started and will talk on `ch` (bound by
    // the caller on the SKB's route); or its start failed (it is Down from the start).
    Status add_core(u32 core, u64 hw_id, transports::Channel* ch);
    void core_failed(u32 core, u64 hw_id);
    // Boot monitor: the channel to node `node`'s boot monitor (bound by the caller).
    Status add_node(u32 node, transports::Channel* ch);
    // Boot monitor: every core of this node has been added (or failed): the node phase may
    // begin once they have all said core_up or timed out.
    void cores_added();
    // Core monitor: the channel to its boot monitor. Sends core_up at once.
    Status set_boot_channel(transports::Channel* ch, u64 doorbell);

    // One round: polls every channel, handles what came, sends what is due, checks the
    // deadlines. True if anything happened (the caller may sleep after a quiet round).
    bool step();

    // Starts `name` with `arg` on board core `core` (this one or any other) for `tag`; the
    // start and the end come back through Env::result, also when it fails. Answered at once
    // (before returning) when it cannot go anywhere: NotFound for a core that is not on the
    // board, not Up in the agreed membership or on a node given up; InvalidArgument for a
    // name of 16 bytes or more (it must fit ProgramName with its NUL). Timeout when no start
    // (or refusal) came back within kSpawnStartTimeout (a peer that went silent, or an answer
    // lost on the way); what comes for it later is refused.
    // args: argument text for the program (at most 23 bytes; nullptr: none; longer: InvalidArgument).
    void spawn_remote(u32 core, const char* name, u64 arg, u64 tag, const char* args = nullptr);
    // Sends q (its origin this core) to the monitor of q.core; the answer comes back through
    // Env::answered, also when it cannot go anywhere (NotFound), finds no room (Busy) or
    // finds no answer within kQueryTimeout (Timeout: a peer that went silent; an answer
    // that comes later is refused).
    void query_remote(const Query& q);
    // The answer to a query this core took earlier without answering (a NameWait).
    void answer_later(const Answer& a);
    // This core's dispatcher `dispatcher` ended; if it was spawned for someone, they hear.
    void dispatcher_ended(u32 dispatcher, EndHow how, u64 code, u64 address, u32 preemptions);
    // A core monitor: console output of its program `source` to the boot monitor of its node
    // (at most 24 bytes); WouldBlock while the channel is full.
    Status send_console(u32 source, const char* text, u32 len);
    // Who asked for this core's dispatcher `dispatcher` (origin core, tag); NotFound if it
    // was not started through spawn routing or has ended.
    Result<SpawnResult> spawned_for(u32 dispatcher) const;

    // The membership: agreed once every node heard agreed on it (boot monitor) or the boot
    // monitor's view arrived complete and checked (core monitor).
    bool agreed() const;
    // True when the protocol has nothing left to do: agreed, or given up (the views of the
    // nodes disagreed, or node_timeout passed since init() before they agreed).
    bool settled() const;
    const Membership& membership() const;
    // The latency facts this monitor holds (a boot monitor: its own round trips to the cores
    // of its node and to every other node's boot monitor, then every expected node's; a
    // core monitor: none). Only with a counter of known rate (Env::counter_hz).
    u32 fact_count() const;
    const skb::LatencyFact* facts() const;

    // Counts of refused input: malformed frames, unknown or out-of-place messages, lies.
    u32 refused() const;
    // Boot monitor: the doorbell core `core`'s monitor named in its core_up; NotFound until
    // it came up.
    Result<u64> doorbell_of(u32 core) const;
    // Boot monitor: agreed, and every Up core monitor of this node acknowledged the agreed
    // membership (view_ack with its digest).
    bool cores_acked() const;

  private:
    friend struct Inbox;
    using Channel = transports::Channel;
    using Message = transports::Message;

    // Where a message came from: the boot channel (a core monitor), core `index`'s channel
    // or node `index`'s channel (a boot monitor).
    struct From {
        enum Kind : u8 { Boot, Core, Node } kind;
        u32 index;
    };
    // A ping answered while the ring back was full: sent once there is room.
    struct Owed {
        bool owed = false;
        u64 seq = 0, payload = 0;
        u32 rpc_id = 0;
    };
    // A boot monitor's link to one core monitor of its node.
    struct CoreLink {
        Channel* ch = nullptr;
        bool added = false; // add_core or core_failed named it
        bool heard = false; // its core_up came (right or with a failure status)
        MemberState state = MemberState::Absent;
        u64 hw_id = 0, since = 0; // what started it (its own word once it is Up); added when
        u64 doorbell = 0;         // what rings it, from its core_up
        PingClient ping;
        Owed pong;
        u32 members_out = 0; // agreed member records sent to it
        bool view_out = false, acked = false;
    };
    // A boot monitor's link to another node's boot monitor.
    struct NodeLink {
        Channel* ch = nullptr;
        bool added = false;
        bool heard = false;    // its node_hello came and was right
        bool given_up = false; // it did not greet before the greeting deadline
        bool expelled = false; // it lied in a way that spoils its records (a wrong done)
        u32 boot_core = 0;
        bool hello_out = false, done_out = false, view_out = false;
        u32 members_out = 0, facts_out = 0;
        u64 member_mask = 0; // its member records, bit i for its core first_core + i
        u32 facts_heard = 0;
        bool done_heard = false, view_heard = false;
        u32 view_members = 0;
        u64 view_digest = 0;
        PingClient ping;
        Owed pong;
    };
    // A spawn message or result, a query or an answer waiting for room in its ring (kept in
    // order per channel).
    struct Pending {
        enum Kind : u8 { Spawn, Result, Query, Answer };
        Channel* ch = nullptr;
        Kind kind = Spawn;
        ifaces::intermon::spawn_message spawn = {};
        ifaces::intermon::spawn_result_message result = {};
        ifaces::intermon::query_message query = {};
        ifaces::intermon::answer_message answer = {};
    };
    // A dispatcher this core started for `origin`'s request `tag`; once it ended, its end
    // while no channel towards the origin has room for it (resent by resend_ends).
    struct Spawned {
        bool used = false, ended = false;
        u32 dispatcher = 0, origin = 0;
        u64 tag = 0;
        ifaces::intermon::spawn_result_message end = {};
    };
    // A spawn this monitor sent towards another core, awaiting its results: only those are
    // taken (a peer cannot invent a start or an end), each once.
    struct Outstanding {
        bool used = false, started = false;
        u32 core = 0;
        u64 tag = 0;
        u64 since = 0; // when it left: unstarted for kSpawnStartTimeout, it is answered Timeout here
    };
    // Where a message for a core goes from here.
    struct Hop {
        enum Kind : u8 { Here, Send, Nowhere } kind;
        Channel* ch;
    };

    // monitor.cpp: polling and dispatch.
    u64 now() const;
    u64 counter() const;
    bool timing() const;
    u32 node_of(u32 core) const;
    Member blank_member(u32 core) const;
    bool drain(From f, Channel* ch, Owed& pong, PingClient* client);
    void receive(From f, Channel& ch, Owed& pong, PingClient* client, const Message& m);
    bool repay(Channel& ch, Owed& pong);
    bool step_core_monitor();
    bool step_boot_monitor();
    // membership.cpp: the protocol.
    bool core_phase();
    bool core_pings();
    bool node_phase();
    bool views();
    bool distribute();
    bool node_live(u32 j) const;
    void expel(u32 j);
    bool add_fact(const skb::LatencyFact& f, u32 source);
    Status on_core_up(From f, const ifaces::intermon::core_up_message& m);
    Status on_node_hello(From f, const ifaces::intermon::node_hello_message& m);
    Status on_member(From f, const ifaces::intermon::member_message& m);
    Status on_latency(From f, const ifaces::intermon::latency_message& m);
    Status on_done(From f, const ifaces::intermon::done_message& m);
    Status on_view(From f, const ifaces::intermon::view_message& m);
    Status on_view_ack(From f, const ifaces::intermon::view_ack_message& m);
    // spawn.cpp: spawn routing.
    Hop route(u32 core) const;
    bool may_send_request(From f, u32 origin, u32 core) const;
    bool may_send_result(From f, u32 origin, u32 core) const;
    void forward_spawn(const ifaces::intermon::spawn_message& s);
    void run_here(const ifaces::intermon::spawn_message& s);
    // here: made by this monitor for its own request (not checked against what it awaits).
    void deliver(const ifaces::intermon::spawn_result_message& r, bool here = false);
    enum class Sent : u8 { Yes, NoRoom, Nowhere };
    Sent send_result(const ifaces::intermon::spawn_result_message& r);
    bool send_end(Spawned& e);
    bool resend_ends();
    void refuse_spawn(const ifaces::intermon::spawn_message& s, Error why);
    bool queue(Channel* ch, const Pending& p);
    static Status send_pending(Channel& ch, const Pending& p);
    // query.cpp: queries and their answers.
    void forward_query(const ifaces::intermon::query_message& q);
    void answer_query(const ifaces::intermon::answer_message& a, bool here = false);
    Status on_query(From f, const ifaces::intermon::query_message& m);
    Status on_answer(From f, const ifaces::intermon::answer_message& m);
    bool flush();
    Status on_spawn(From f, const ifaces::intermon::spawn_message& m);
    Status on_spawn_result(From f, const ifaces::intermon::spawn_result_message& m);
    Status on_console(From f, const ifaces::intermon::console_message& m);

    Config cfg_{};
    Env env_{};
    u64 start_ = 0;
    u32 total_ = 0, first_ = 0, own_cores_ = 0; // board cores; this node's first core and count
    u32 refused_ = 0;
    Membership mem_;
    bool agreed_ = false;
    bool failed_ = false; // views disagreed, or node_timeout passed first
    // A core monitor.
    Channel* boot_ch_ = nullptr;
    u64 doorbell_ = 0;
    bool core_up_out_ = false;
    Owed boot_pong_;
    Membership incoming_; // the boot monitor's member records, until its view checks them
    u64 incoming_mask_ = 0;
    bool ack_owed_ = false;
    // A boot monitor.
    CoreLink cores_[kMaxCores];
    NodeLink nodes_[kMaxNodes];
    bool cores_added_ = false, cores_settled_ = false, core_pings_done_ = false;
    bool own_facts_final_ = false, view_ready_ = false;
    u64 view_digest_ = 0;
    skb::LatencyFact own_[kMaxCores + kMaxNodes] = {}; // what this monitor measured itself
    u32 own_count_ = 0;
    skb::LatencyFact facts_[kMaxFacts] = {}; // own and heard, in arrival order
    u8 fact_source_[kMaxFacts] = {};     // the node each fact came from
    u32 fact_count_ = 0;
    // Spawning.
    Pending outbox_[kMaxPending];
    u32 outbox_count_ = 0;
    Spawned spawned_[kMaxSpawned];
    Outstanding outstanding_[kMaxPending];
    // Queries this monitor sent out, awaiting their one answer each.
    struct AwaitedAnswer {
        bool used = false;
        u32 core = 0;
        u64 tag = 0;
        u64 since = 0; // when it left: a query unanswered for kQueryTimeout is answered Timeout here
    };
    bool expire_queries();
    bool expire_spawns();
    AwaitedAnswer awaited_[kMaxPending];
    bool expect_result(const ifaces::intermon::spawn_result_message& r);
};

} // namespace mosaic::monitor
