// Encoding and decoding of SKB requests and answers (see wire.hpp).
#include <mosaic/skb/wire.hpp>

namespace mosaic::skb::wire {

namespace {

// Writes an answer into a fixed buffer; the first overflow sticks.
struct Writer {
    u8* out;
    usize cap;
    usize len = 0;
    bool overflow = false;

    u8* room(usize n) {
        if (overflow || n > cap - len) {
            overflow = true;
            return nullptr;
        }
        u8* p = out + len;
        len += n;
        return p;
    }
    void u8_(u8 v) {
        if (u8* p = room(1)) *p = v;
    }
    void u16_(u16 v) {
        if (u8* p = room(2)) store_le16(p, v);
    }
    void u64_(u64 v) {
        if (u8* p = room(8)) store_le64(p, v);
    }
    void text(StrView s) {
        u16_(u16(s.len));
        if (u8* p = room(s.len))
            for (u32 i = 0; i < s.len; ++i) p[i] = u8(s.data[i]);
    }
};

void write_header(u8* out, Error status, u32 line, u32 column, u32 columns, u32 rows) {
    store_le32(out, kAnswerMagic);
    store_le16(out + 4, kVersion);
    store_le16(out + 6, u16(status));
    store_le32(out + 8, line);
    store_le32(out + 12, column);
    store_le32(out + 16, columns);
    store_le32(out + 20, rows);
}

// The query callback's state: names go out with the first answer, then every row.
struct QuerySink {
    Engine* engine;
    Writer w;
    u32 columns = 0;
    u32 rows = 0;
};

Status put_answer(void* ctx, const Answer& a) {
    QuerySink& s = *static_cast<QuerySink*>(ctx);
    if (s.rows == 0) {
        s.columns = a.arity;
        for (u32 i = 0; i < a.arity; ++i) s.w.text(a.names[i]);
    }
    for (u32 i = 0; i < a.arity; ++i) {
        Value v = a.values[i];
        s.w.u8_(v.is_symbol() ? 1 : 0);
        if (v.is_symbol()) s.w.text(s.engine->symbol_name(v));
        else s.w.u64_(u64(v.as_int()));
    }
    ++s.rows;
    return s.w.overflow ? Status(Error::CapacityExceeded) : Status();
}

} // namespace

Result<usize> encode_request(Kind kind, const char* text, u32 len, u8* out, usize cap) {
    if (!out || (len && !text)) return Error::InvalidArgument;
    if (cap < kRequestHeader || len > cap - kRequestHeader) return Error::CapacityExceeded;
    store_le32(out, kRequestMagic);
    store_le16(out + 4, kVersion);
    store_le16(out + 6, u16(kind));
    store_le32(out + 8, len);
    for (u32 i = 0; i < len; ++i) out[kRequestHeader + i] = u8(text[i]);
    return kRequestHeader + len;
}

Result<Request> decode_request(const u8* in, usize len) {
    if (!in || len < kRequestHeader) return Error::Truncated;
    if (load_le32(in) != kRequestMagic) return Error::BadMagic;
    if (load_le16(in + 4) != kVersion) return Error::BadVersion;
    u16 kind = load_le16(in + 6);
    if (kind != u16(Kind::Query) && kind != u16(Kind::Load)) return Error::Malformed;
    u32 n = load_le32(in + 8);
    if (n > len - kRequestHeader) return Error::Truncated;
    if (n < len - kRequestHeader) return Error::Malformed;
    return Request{Kind(kind), StrView{reinterpret_cast<const char*>(in + kRequestHeader), n}};
}

Result<usize> serve(Engine& engine, const u8* request, usize len, u8* out, usize cap) {
    if (!out || cap < kAnswerHeader) return Error::CapacityExceeded;
    auto req = decode_request(request, len);
    if (!req) {
        write_header(out, req.error(), 0, 0, 0, 0);
        return kAnswerHeader;
    }
    ParseError err;
    QuerySink sink{&engine, Writer{out, cap, kAnswerHeader}};
    Error status = Error::Ok;
    if (req->kind == Kind::Load) {
        status = engine.load(req->text, &err).error();
    } else {
        status = engine.query(req->text.data, req->text.len, put_answer, &sink, &err).error();
    }
    if (status != Error::Ok) {
        write_header(out, status, err.line, err.column, 0, 0);
        return kAnswerHeader;
    }
    write_header(out, Error::Ok, 0, 0, sink.columns, sink.rows);
    return sink.w.len;
}

Status AnswerReader::open(const u8* in, usize len) {
    *this = AnswerReader{};
    if (!in || len < kAnswerHeader) return Error::Truncated;
    if (load_le32(in) != kAnswerMagic) return Error::BadMagic;
    if (load_le16(in + 4) != kVersion) return Error::BadVersion;
    u16 status = load_le16(in + 6);
    in_ = in;
    len_ = len;
    status_ = Error(status);
    line_ = load_le32(in + 8);
    column_ = load_le32(in + 12);
    columns_ = load_le32(in + 16);
    rows_ = load_le32(in + 20);
    // No rows, no columns; rows without columns are the solutions of a query without variables.
    if ((rows_ == 0 && columns_ != 0) || columns_ > kMaxVars) return Error::Malformed;
    pos_ = names_at_ = kAnswerHeader;
    for (u32 i = 0; i < columns_; ++i) {
        if (len_ - pos_ < 2 || load_le16(in_ + pos_) > len_ - pos_ - 2) return Error::Truncated;
        pos_ += 2 + load_le16(in_ + pos_);
    }
    remaining_ = u64(rows_) * columns_;
    return {};
}

Result<StrView> AnswerReader::name(u32 index) const {
    if (index >= columns_) return Error::OutOfRange;
    usize at = names_at_;
    for (u32 i = 0; i < index; ++i) at += 2 + load_le16(in_ + at);
    return StrView{reinterpret_cast<const char*>(in_ + at + 2), load_le16(in_ + at)};
}

Result<WireValue> AnswerReader::next() {
    if (remaining_ == 0) return Error::NotFound;
    if (pos_ >= len_) return Error::Truncated;
    u8 tag = in_[pos_];
    WireValue v;
    if (tag == 0) {
        if (len_ - pos_ < 9) return Error::Truncated;
        v.integer = i64(load_le64(in_ + pos_ + 1));
        pos_ += 9;
    } else if (tag == 1) {
        if (len_ - pos_ < 3) return Error::Truncated;
        u16 n = load_le16(in_ + pos_ + 1);
        if (n > len_ - pos_ - 3) return Error::Truncated;
        v.is_symbol = true;
        v.symbol = StrView{reinterpret_cast<const char*>(in_ + pos_ + 3), n};
        pos_ += 3 + n;
    } else {
        return Error::Malformed;
    }
    --remaining_;
    return v;
}

} // namespace mosaic::skb::wire
