// The rule files of skb/rules/, built into every image as text (see skb/meson.build).
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/skb/value.hpp>

namespace mosaic::skb {

struct RuleFile {
    const char* name; // "transport", "multicast", "placement", "memory"
    StrView text;
};

// All rule files, and the number of them.
const RuleFile* rule_files(u32& count);
// The text of one rule file by name (without ".dl"), or NotFound.
Result<StrView> rule_file(const char* name);

} // namespace mosaic::skb
