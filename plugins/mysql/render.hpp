#pragma once
// ABI 1.2 render_changes for MySQL/MariaDB: a changes document
// (strata/schema/diff.hpp changes_json) in, the DDL statements out, in
// order, each without its ';' (render.cpp explains the rules).
#include <string>
#include <vector>

namespace strata::mysql {

/// The statements that apply `changes_json` to a MySQL/MariaDB database.
/// MySQL DDL is not transactional: the statements are meant to run one by
/// one; a table's changes share one ALTER TABLE where the server allows,
/// so a failing upgrade leaves that table as it was. Throws std::invalid_argument for a malformed document or a change
/// MySQL cannot express (sequences, enum types, DEFERRABLE foreign keys,
/// unnamed foreign keys), naming the change.
std::vector<std::string> render_changes(const std::string& changes_json);

}  // namespace strata::mysql
