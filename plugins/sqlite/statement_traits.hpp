#pragma once
// What a SQLite statement allows the host to promise about it
// (STRATA_STMT_* in dialect_abi.h), decided from its text alone.
#include <cstdint>
#include <string_view>

namespace strata::sqlite {

/// STRATA_STMT_NO_TRANSACTION for what SQLite refuses inside a transaction
/// (VACUUM, ATTACH, DETACH), for transaction control written in a revision,
/// and for PRAGMA (several are no-ops or errors inside one); 0 otherwise:
/// SQLite's DDL is transactional.
uint32_t statement_traits(std::string_view statement);

}  // namespace strata::sqlite
