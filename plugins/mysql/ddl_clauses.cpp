// The SQL text of the pieces a MySQL/MariaDB change renders to: quoted
// names and literals, column definitions with their defaults and
// column-level checks, index and foreign key clauses; and the readers of
// the changes document's JSON they share with the renderer (render.cpp).
#include "ddl_clauses.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace strata::mysql::ddl {

std::string q(const std::string& id) {
  std::string out = "`";
  for (char c : id) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string lit(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "''";
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += c;
    }
  }
  return out + "'";
}

bool is_str(const json& j, const char* key) { return j.contains(key) && j[key].is_string(); }
std::string str(const json& j, const char* key) { return is_str(j, key) ? j[key].get<std::string>() : std::string(); }
std::optional<std::string> opt(const json& j, const char* key) {
  if (is_str(j, key)) return j[key].get<std::string>();
  return std::nullopt;
}
bool flag(const json& j, const char* key) { return j.contains(key) && j[key].is_boolean() && j[key].get<bool>(); }
const json& arr(const json& j, const char* key) {
  static const json empty = json::array();
  return j.contains(key) && j[key].is_array() ? j[key] : empty;
}
std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  for (auto& s : arr(j, key))
    if (s.is_string()) out.push_back(s.get<std::string>());
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string qualified(const std::optional<std::string>& schema, const std::string& name) {
  return schema ? q(*schema) + "." + q(name) : q(name);
}

std::string column_list(const std::vector<std::string>& columns) {
  std::string out;
  for (auto& c : columns) out += (out.empty() ? "" : ", ") + q(c);
  return "(" + out + ")";
}

// The position of the quote that closes the string literal opening at
// s[i] (' or "; a doubled quote or a backslash escapes), or s.size().
static size_t literal_end(const std::string& s, size_t i) {
  const char quote = s[i];
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == quote) {
      if (i + 1 < s.size() && s[i + 1] == quote) {
        ++i;
      } else {
        break;
      }
    }
  }
  return std::min(i, s.size());
}

// The backticked names in a CHECK_CLAUSE ("`a` > 0 and `b` < 3": a, b),
// skipping string literals.
static std::set<std::string> names_in(const std::string& e) {
  std::set<std::string> out;
  for (size_t i = 0; i < e.size(); ++i) {
    const char c = e[i];
    if (c == '\'' || c == '"') {
      i = literal_end(e, i);
    } else if (c == '`') {
      std::string name;
      for (++i; i < e.size(); ++i) {
        if (e[i] == '`') {
          if (i + 1 < e.size() && e[i + 1] == '`') {
            name += '`';
            ++i;
          } else {
            break;
          }
        } else {
          name += e[i];
        }
      }
      out.insert(name);
    }
  }
  return out;
}

bool has_column(const json& t, const std::string& name) {
  for (auto& c : arr(t, "columns"))
    if (str(c, "name") == name) return true;
  return false;
}

// The column an unnamed (column-level) check belongs to: the one column its
// expression names. nullopt for a named check or when it cannot be told.
std::optional<std::string> owner(const json& t, const json& check) {
  if (is_str(check, "name")) return std::nullopt;
  const auto names = names_in(str(check, "expression"));
  if (names.size() != 1 || !has_column(t, *names.begin())) return std::nullopt;
  return *names.begin();
}

// Splits "current_timestamp() on update current_timestamp()" into the
// default and the ON UPDATE clause, outside quoted literals.
static std::pair<std::string, std::string> split_on_update(const std::string& d) {
  const std::string l = lower(d);
  for (size_t i = 0; i < d.size(); ++i) {
    const char c = d[i];
    if (c == '\'' || c == '"') {
      i = literal_end(d, i);
      continue;
    }
    if ((i == 0 || d[i - 1] == ' ') && l.compare(i, 10, "on update ") == 0) {
      std::string head = d.substr(0, i);
      while (!head.empty() && head.back() == ' ') head.pop_back();
      return {head, d.substr(i)};
    }
  }
  return {d, ""};
}

static bool is_number(const std::string& s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  bool digits = false, dot = false;
  for (; i < s.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      digits = true;
    } else if (s[i] == '.' && !dot) {
      dot = true;
    } else if ((s[i] == 'e' || s[i] == 'E') && digits) {
      return i + 1 < s.size();
    } else {
      return false;
    }
  }
  return digits;
}

// DEFAULT as written back: literals and the timestamp functions as they are,
// any other expression in parentheses.
static std::string default_clause(const std::string& d) {
  auto [head, on_update] = split_on_update(d);
  std::string out;
  if (!head.empty()) {
    const std::string l = lower(head);
    const bool literal = head.front() == '\'' || is_number(head) || l == "null" || l == "true" ||
                         l == "false" || ((l[0] == 'b' || l[0] == 'x') && head.size() > 1 && head[1] == '\'') ||
                         l.rfind("0x", 0) == 0;
    const bool timestamp_function = l.rfind("current_timestamp", 0) == 0 || l.rfind("now(", 0) == 0 ||
                                    l.rfind("localtimestamp", 0) == 0 || l.rfind("localtime", 0) == 0;
    out += " DEFAULT " + (literal || timestamp_function ? head : "(" + head + ")");
  }
  if (!on_update.empty()) out += " " + on_update;
  return out;
}

std::string check_expr(const json& check) { return "(" + str(check, "expression") + ")"; }

std::string column_def(const json& c, const std::vector<std::string>& checks, bool autoincrement) {
  std::string out = q(str(c, "name")) + " " + str(c, "type");
  if (auto coll = opt(c, "collation")) out += " COLLATE " + *coll;
  out += flag(c, "nullable") ? " NULL" : " NOT NULL";
  if (auto d = opt(c, "default")) out += default_clause(*d);
  if (autoincrement) out += " AUTO_INCREMENT";
  if (auto comment = opt(c, "comment")) out += " COMMENT " + lit(*comment);
  for (auto& e : checks) out += " CHECK " + e;
  return out;
}

// The column's definition in table state `t`, with its column-level checks.
std::string column_def_in(const json& t, const json& c) {
  std::vector<std::string> checks;
  for (auto& k : arr(t, "checks"))
    if (owner(t, k) == str(c, "name")) checks.push_back(check_expr(k));
  return column_def(c, checks, flag(c, "autoincrement"));
}

// SPATIAL keys report a SUB_PART (32) that cannot be written back; FULLTEXT
// keys take neither prefixes nor DESC.
static std::string index_parts(const json& index) {
  const bool plain = method_of(index) != "spatial" && method_of(index) != "fulltext";
  std::string out;
  for (auto& p : arr(index, "columns")) {
    if (!out.empty()) out += ", ";
    if (is_str(p, "column")) {
      out += q(str(p, "column"));
      if (plain && p.contains("prefix") && p["prefix"].is_number_integer())
        out += "(" + std::to_string(p["prefix"].get<long long>()) + ")";
    } else {
      out += "(" + str(p, "expression") + ")";
    }
    if (plain && flag(p, "descending")) out += " DESC";
  }
  return "(" + out + ")";
}

std::string method_of(const json& index) { return lower(str(index, "method")); }

std::string index_clause(const json& index, const char* word) {
  const std::string m = method_of(index);
  std::string kind;
  if (m == "fulltext") {
    kind = "FULLTEXT ";
  } else if (m == "spatial") {
    kind = "SPATIAL ";
  } else if (flag(index, "unique")) {
    kind = "UNIQUE ";
  }
  std::string out = kind + word + " " + q(str(index, "name")) + " " + index_parts(index);
  if (m == "hash") out += " USING HASH";
  return out;
}

std::string key_name(const json& key) { return is_str(key, "name") ? " " + q(str(key, "name")) : ""; }

std::string fk_clause(const json& fk) {
  std::string out = "CONSTRAINT " + q(str(fk, "name")) + " FOREIGN KEY " + column_list(strings(fk, "columns")) +
                    " REFERENCES " + qualified(opt(fk, "ref_schema"), str(fk, "ref_table")) + " " +
                    column_list(strings(fk, "ref_columns"));
  out += " ON DELETE " + opt(fk, "on_delete").value_or("NO ACTION");
  out += " ON UPDATE " + opt(fk, "on_update").value_or("NO ACTION");
  return out;
}

// ---- clauses of an ALTER TABLE

Clause add_column(const json& column, const std::vector<std::string>& checks, const std::string& position) {
  return {"ADD COLUMN " + column_def(column, checks, flag(column, "autoincrement")) + position,
          {{"column:" + str(column, "name"), Touch::Add}}};
}

Clause modify_column(const json& t, const json& column) {
  return {"MODIFY COLUMN " + column_def_in(t, column), {{"column:" + str(column, "name"), Touch::Change}}};
}

Clause drop_column(const std::string& name) { return {"DROP COLUMN " + q(name), {{"column:" + name, Touch::Drop}}}; }

Clause add_primary_key(const std::vector<std::string>& columns) {
  return {"ADD PRIMARY KEY " + column_list(columns), {{"pk", Touch::Add}}};
}

Clause drop_primary_key() { return {"DROP PRIMARY KEY", {{"pk", Touch::Drop}}}; }

Clause add_unique(const json& key) {
  const auto columns = strings(key, "columns");
  // An unnamed key is named after its first column.
  const std::string name = is_str(key, "name") ? str(key, "name") : columns.empty() ? "" : columns.front();
  return {"ADD UNIQUE KEY" + key_name(key) + " " + column_list(columns), {{"key:" + name, Touch::Add}}};
}

Clause add_index(const json& index) {
  Clause out{"ADD " + index_clause(index, "INDEX"), {{"key:" + str(index, "name"), Touch::Add}}};
  if (method_of(index) == "fulltext") out.touches.push_back({"fulltext", Touch::Add});
  return out;
}

Clause drop_index(const std::string& name) { return {"DROP INDEX " + q(name), {{"key:" + name, Touch::Drop}}}; }

Clause add_check(const json& check) {
  const bool named = is_str(check, "name");
  return {"ADD" + (named ? " CONSTRAINT " + q(str(check, "name")) : std::string()) + " CHECK " + check_expr(check),
          {{"check:" + (named ? str(check, "name") : str(check, "expression")), Touch::Add}}};
}

Clause drop_check(const std::string& name) {
  return {"DROP CONSTRAINT " + q(name), {{"check:" + name, Touch::Drop}}};
}

// Without a key to use, InnoDB makes an index named like the constraint.
Clause add_foreign_key(const json& fk) {
  const std::string name = str(fk, "name");
  return {"ADD " + fk_clause(fk), {{"fk:" + name, Touch::Add}, {"key:" + name, Touch::Add}}};
}

Clause drop_foreign_key(const std::string& name) {
  return {"DROP FOREIGN KEY " + q(name), {{"fk:" + name, Touch::Drop}}};
}

Clause table_comment(const std::string& comment) { return {"COMMENT = " + lit(comment), {{"comment", Touch::Change}}}; }

}  // namespace strata::mysql::ddl
