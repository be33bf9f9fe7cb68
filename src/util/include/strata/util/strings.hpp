#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace strata::util {

std::string_view trim(std::string_view s);
/// Splits on `sep`, trims each part and drops empty parts.
std::vector<std::string> split_list(std::string_view s, char sep = ',');
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::string to_lower(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
/// Reads a whole file; throws UserError naming the file when it cannot.
std::string read_file(const std::string& path);
/// 1-based line number of byte `offset` in `text`.
int line_of_offset(std::string_view text, size_t offset);
/// Lower-case slug of a message, as Alembic makes for file names (max 40 chars).
std::string slugify(std::string_view message);
/// 12 random hex digits, as Alembic's revision ids.
std::string random_revision_id();

}  // namespace strata::util
