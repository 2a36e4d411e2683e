// A client of this core's SKB service (userland/programs/skb.cpp, interface skb in
// transports/interfaces/skb.hpp): blocking calls over an LMP channel to the server. Replies
// are received with lmp_receive_from(server), so messages from others that arrive
// meanwhile stay for the caller's own loop (a monitor's requests, interrupts).
#pragma once

#include <mosaic/transports/interfaces/skb.hpp>
#include <mosaic/transports/route.hpp>
#include <mosaic/user/lmp.hpp>

namespace mosaic::user {

class SkbClient {
  public:
    struct QueryResult {
        u32 lines = 0;  // answer lines
        u64 digest = 0; // FNV-1a 64 of the answers as canonical text, continued from the seed
    };

    // Binds the channel to the server, dispatcher `server` of this core.
    Status connect(u64 server);
    bool connected() const { return connected_; }

    // Asks a query (at most 200 bytes); an error is the server's (see error_line()).
    Result<QueryResult> query(const char* text, u64 seed);
    // Answer line `index` of query (NUL-terminated in out[0..cap)); returns its length and
    // puts the number of lines in *total (if given). OutOfRange past the last line;
    // CapacityExceeded when the line does not fit in out (it is cut).
    Result<u32> answer(const char* query, u32 index, char* out, usize cap, u32* total = nullptr);
    // Loads facts (complete facts, each ending in ".\n"), sent in pieces of at most 400
    // bytes cut at fact boundaries; each piece loads all or nothing. CapacityExceeded for a
    // single fact longer than a piece.
    Status add_facts(const char* text, usize len);
    // The multicast tree line from `root` over every other core of the board ("root R
    // edges P>C ..."), NUL-terminated in out[0..cap); returns its length.
    Result<usize> multicast(u32 root, char* out, usize cap);
    // The route the SKB decides between two of the board's cores (transport/3).
    Result<transports::Route> route(u32 from, u32 to);
    // Tells the server this client is done (ifaces::skb::kQuitCode: the server ends).
    Status done(u32 code = 0);

    // Where the last refused query or fact text went wrong (line and column from 1).
    u32 error_line() const { return line_; }
    u32 error_column() const { return column_; }

  private:
    template <typename Reply, typename Request, typename Stub> Result<Reply> call(Stub stub, const Request& r);

    transports::Channel ch_;
    transports::PendingCalls calls_;
    LmpPort port_;
    bool connected_ = false;
    u32 line_ = 0, column_ = 0;
};

} // namespace mosaic::user
