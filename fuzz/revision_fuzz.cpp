// Fuzz target: the revision-file parser (strata::script::parse_revision).
// Properties: the parse succeeds, or throws strata::UserError whose message
// starts with the file's path and a line that exists ("path:N: ...", or
// "path: ..." for what concerns the whole file); any other exception is a
// failure. A successful parse has a valid id, an upgrade section, and every
// section's SQL is the text of the file from the start of its first_line,
// so line_in_file points at the right lines.
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <typeinfo>

#include "fuzz_support.hpp"
#include "strata/script/revision.hpp"
#include "strata/util/error.hpp"

namespace {

constexpr const char* kTarget = "revision";
const std::string kPath = "migrations/main/3f1a9c2b7d10_fuzz.sql";

// Byte offset where 1-based line `line` starts (text.size() past the end).
size_t line_start(std::string_view text, int line) {
  size_t pos = 0;
  for (int l = 1; l < line; ++l) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return text.size();
    pos = nl + 1;
  }
  return pos;
}

void check_section(std::string_view text, const strata::script::Revision& rev,
                   const strata::script::Section& s, const char* kind) {
  const std::string what = std::string(kind) + " section '" + s.dialect + "' at line " + std::to_string(s.first_line);
  FUZZ_CHECK(s.first_line >= 2, kTarget, what + ": first_line before any marker");
  const size_t start = line_start(text, s.first_line);
  FUZZ_CHECK(text.compare(start, s.sql.size(), s.sql) == 0 && start + s.sql.size() <= text.size(), kTarget,
             what + ": sql is not the file's text from that line: " + strata_fuzz::show(s.sql));
  // The last byte of the section is on the line line_in_file names.
  if (!s.sql.empty()) {
    size_t last = s.sql.size() - 1;
    int expect = s.first_line;
    for (size_t k = 0; k < last; ++k)
      if (s.sql[k] == '\n') ++expect;
    FUZZ_CHECK(rev.line_in_file(s, last) == expect, kTarget,
               what + ": line_in_file of its last byte is " + std::to_string(rev.line_in_file(s, last)) +
                   ", not " + std::to_string(expect));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  strata::script::Revision rev;
  try {
    rev = strata::script::parse_revision(text, kPath);
  } catch (const strata::UserError& e) {
    std::string problem = strata_fuzz::check_located(e.what(), kPath, strata_fuzz::line_count(text));
    FUZZ_CHECK(problem.empty(), kTarget, "UserError not located in the file: " + problem);
    return 0;
  } catch (const std::exception& e) {
    strata_fuzz::fail(kTarget, std::string("exception other than UserError: ") + typeid(e).name() + ": " + e.what());
  }
  FUZZ_CHECK(!rev.id.empty() && rev.id.size() <= 32, kTarget, "accepted revision id " + strata_fuzz::show(rev.id));
  for (unsigned char c : rev.id)
    FUZZ_CHECK(std::isalnum(c) || c == '_', kTarget, "accepted revision id " + strata_fuzz::show(rev.id));
  FUZZ_CHECK(rev.path == kPath, kTarget, "path not kept");
  FUZZ_CHECK(rev.id_line >= 1 && static_cast<size_t>(rev.id_line) <= strata_fuzz::line_count(text), kTarget,
             "id_line " + std::to_string(rev.id_line) + " outside the file");
  FUZZ_CHECK(!rev.upgrade.empty(), kTarget, "accepted a revision without an upgrade section");
  for (auto& s : rev.upgrade) check_section(text, rev, s, "upgrade");
  for (auto& s : rev.downgrade) check_section(text, rev, s, "downgrade");
  return 0;
}
