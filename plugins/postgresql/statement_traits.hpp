#pragma once
// What a PostgreSQL statement allows the host to promise about it
// (STRATA_STMT_* in dialect_abi.h), decided from its text alone.
#include <cstdint>
#include <string_view>

namespace strata::postgresql {

/// STRATA_STMT_NO_TRANSACTION for statements PostgreSQL refuses inside a
/// transaction block ("cannot run inside a transaction block": the
/// CONCURRENTLY forms, VACUUM, CREATE/DROP DATABASE and TABLESPACE, ALTER
/// SYSTEM, subscriptions, CLUSTER without a table), for transaction control
/// written in a revision, and for CALL (a procedure may COMMIT, which it
/// cannot inside the host's transaction); STRATA_STMT_PARTIAL_ON_FAILURE
/// for the CONCURRENTLY forms, which leave an INVALID index (or a pending
/// detach) behind when they fail. 0 otherwise.
uint32_t statement_traits(std::string_view statement);

}  // namespace strata::postgresql
