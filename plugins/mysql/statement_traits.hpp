#pragma once
// What a MySQL / MariaDB statement allows the host to promise about it
// (STRATA_STMT_* in dialect_abi.h), decided from its text alone.
#include <cstdint>
#include <string_view>

namespace strata::mysql {

/// 0 for data statements (INSERT, UPDATE, DELETE, REPLACE, SELECT, WITH,
/// LOAD DATA, SET, DO): on transactional tables (InnoDB) they roll back with
/// the transaction around them. STRATA_STMT_NO_TRANSACTION for everything
/// else: DDL and the other statements MySQL commits implicitly, CALL (a
/// procedure may run DDL), transaction control, executable /*! comments and
/// anything not recognised.
uint32_t statement_traits(std::string_view statement);

}  // namespace strata::mysql

#include <string>

namespace strata::mysql {

/// A syntax error's message (ER_PARSE_ERROR: "... near 'TEXT' at line N")
/// for `statement`, sent in a multi-statement packet after `separator`-
/// joined neighbours: the server quotes TEXT from the failing token to the
/// end of the packet (at most 80 characters), so the part past the
/// statement's end (the separator and the next statements) is cut off.
/// "at line N" is the server's count within the statement, as it began
/// after the whitespace the server skips between a packet's statements:
/// newlines `statement` starts with are added, so N is counted from the
/// statement's own first line. Any other message comes back unchanged.
std::string trim_parse_error(const std::string& message, std::string_view statement, std::string_view separator,
                             bool first_in_packet);

}  // namespace strata::mysql
