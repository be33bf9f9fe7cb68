#pragma once
// Text helpers shared by the revision parser (revision.cpp) and writer
// (writer.cpp), so that both apply the same rules.
#include <cstddef>
#include <string>
#include <string_view>

namespace strata::script::detail {

/// ASCII case-insensitive equality; `b` is lower case.
bool iequals(std::string_view a, std::string_view b);
/// Length of the valid UTF-8 sequence starting at s[i] (a non-ASCII byte),
/// or 0 when it is not one.
size_t utf8_sequence(const unsigned char* s, size_t n, size_t i);
/// "0x1B": how a byte is named in a message.
std::string byte_name(unsigned char c);

}  // namespace strata::script::detail
