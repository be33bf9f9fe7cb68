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
