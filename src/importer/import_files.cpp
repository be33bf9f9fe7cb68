#include "import_files.hpp"

#include <openssl/evp.h>

#include <sstream>

#include "strata/script/revision.hpp"
#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::importer {

std::string relative_to(const std::filesystem::path& path, const std::filesystem::path& base) {
  auto rel = path.lexically_relative(base);
  if (rel.empty() || *rel.begin() == "..") return path.string();
  return rel.string();
}

namespace {

std::string without_terminator(std::string s) {
  while (!s.empty() && (s.back() == ';' || s.back() == ' ' || s.back() == '\n' || s.back() == '\t' ||
                        s.back() == '\r'))
    s.pop_back();
  return s;
}

// "DELIMITER x" needs a delimiter the statement does not contain.
std::string free_delimiter(const std::string& statement) {
  for (const char* d : {"$$", "//", ";;", "$$$$"})
    if (statement.find(d) == std::string::npos) return d;
  return "#~#";
}

void write_section(std::ostringstream& out, const char* kind, const std::string& dialect,
                   const std::vector<std::string>& statements, const dialect::Plugin* plugin) {
  out << "\n-- +" << kind << " " << dialect << "\n";
  for (auto& raw : statements) {
    std::string stmt = without_terminator(raw);
    if (stmt.empty()) continue;
    bool cut = false;
    if (plugin && dialect == "mysql") {
      try {
        cut = plugin->split(stmt + ";").size() > 1;
      } catch (const std::exception&) {
        cut = true;
      }
    }
    if (cut) {
      const std::string d = free_delimiter(stmt);
      out << "DELIMITER " << d << "\n" << stmt << d << "\nDELIMITER ;\n";
    } else {
      out << stmt << ";\n";
    }
  }
}

void quote_python(std::ostringstream& out, const std::string& source) {
  std::istringstream in(source);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    out << "--   " << line << "\n";
  }
}

constexpr const char* kMarker = "-- Imported by `strata import alembic`; SHA-256 of the text above: ";

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), digest, &n, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

// Where the marker line starts, or npos.
size_t marker_at(const std::string& text) {
  size_t end = text.size();
  if (end && text[end - 1] == '\n') --end;
  size_t start = text.rfind('\n', end ? end - 1 : 0);
  start = start == std::string::npos ? 0 : start + 1;
  return text.compare(start, std::char_traits<char>::length(kMarker), kMarker) == 0 ? start : std::string::npos;
}

}  // namespace

std::string import_marker(const std::string& text_above) { return kMarker + sha256_hex(text_above) + "\n"; }

bool untouched_since_import(const std::string& file_text) {
  size_t at = marker_at(file_text);
  if (at == std::string::npos) return false;
  return file_text.substr(at) == import_marker(file_text.substr(0, at));
}

std::string without_marker(const std::string& file_text) {
  size_t at = marker_at(file_text);
  return at == std::string::npos ? file_text : file_text.substr(0, at);
}

std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

std::string render_imported(const AlembicRevision& rev, const std::string& source_label,
                            const std::vector<std::pair<std::string, const RecordedSql*>>& recorded,
                            const std::string& review, const std::string& review_text,
                            dialect::PluginRegistry& plugins) {
  // The header is checked as `strata revision` checks it: an id or label
  // Alembic accepted that a revision file cannot hold is named, not written.
  auto refuse = [&](const std::string& what, const std::string& problem) {
    throw UserError(rev.path + ": cannot be imported: " + what + ": " + problem);
  };
  if (auto p = script::revision_id_problem(rev.id); !p.empty()) refuse("revision id '" + rev.id + "'", p);
  for (auto& d : rev.down_revisions)
    if (auto p = script::revision_id_problem(d); !p.empty()) refuse("down_revision '" + d + "'", p);
  for (auto& l : rev.branch_labels)
    if (auto p = script::branch_label_problem(l); !p.empty()) refuse("branch label '" + l + "'", p);
  std::ostringstream out;
  out << "-- Revision ID: " << rev.id << "\n";
  out << "-- Revises: " << util::join(rev.down_revisions, ", ") << "\n";
  if (!rev.create_date.empty()) out << "-- Create Date: " << rev.create_date << "\n";
  if (!rev.message.empty()) out << "-- Message: " << rev.message << "\n";
  if (!rev.branch_labels.empty()) out << "-- Branch Labels: " << util::join(rev.branch_labels, ", ") << "\n";
  if (!rev.depends_on.empty()) out << "-- Depends On: " << util::join(rev.depends_on, ", ") << "\n";
  bool autocommit = false;
  for (auto& [d, sql] : recorded) autocommit = autocommit || sql->autocommit;
  if (autocommit) out << "-- Transactional: false\n";
  if (!review.empty()) out << "-- Review: " << review << "\n";
  out << "\n-- Imported from Alembic's " << source_label << ": the SQL Alembic ran for it";
  std::vector<std::string> names;
  for (auto& [d, sql] : recorded) names.push_back(d);
  out << " (" << util::join(names, ", ") << ").\n";
  if (autocommit)
    out << "-- Its code used autocommit_block(): it runs outside a transaction, as under Alembic.\n";
  if (!review.empty()) {
    out << review_text;
    out << "-- Alembic's code:\n";
    quote_python(out, rev.source);
  }
  for (auto& [d, sql] : recorded) {
    const dialect::Plugin* plugin = nullptr;
    try {
      plugin = &plugins.get(d);
    } catch (const std::exception&) {
    }
    write_section(out, "upgrade", d, sql->upgrade, plugin);
  }
  for (auto& [d, sql] : recorded) {
    // No section where Alembic's downgrade did not run to its end: Strata
    // then refuses to downgrade through this revision, as Alembic would fail.
    if (!sql->downgraded) continue;
    const dialect::Plugin* plugin = nullptr;
    try {
      plugin = &plugins.get(d);
    } catch (const std::exception&) {
    }
    write_section(out, "downgrade", d, sql->downgrade, plugin);
  }
  return out.str();
}

}  // namespace strata::importer
