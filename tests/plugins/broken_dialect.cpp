// Deliberately broken dialect plugins: each build variant breaks one rule
// the loader must enforce. The functions work, so only the check can refuse.
#include <cstring>
#include <string>

#include "strata/dialect_abi.h"

namespace {
void error_free(strata_error*) {}
void string_list_free(strata_string_list*) {}
strata_status connect(const strata_connect_params*, strata_conn** out, strata_error**) {
  *out = nullptr;
  return STRATA_UNSUPPORTED;
}
void disconnect(strata_conn*) {}
strata_status execute(strata_conn*, const char*, size_t, const strata_exec_options*, strata_exec_info*,
                      strata_error**) {
  return STRATA_OK;
}
strata_status split(const char*, size_t, strata_statement_list** out, strata_error**) {
  *out = nullptr;
  return STRATA_UNSUPPORTED;
}
void statement_list_free(strata_statement_list*) {}
strata_status query_column(strata_conn*, const char*, strata_string_list**, strata_error**) { return STRATA_OK; }
strata_status table_exists(strata_conn*, const char*, const char*, int*, strata_error**) { return STRATA_OK; }
strata_status simple(strata_conn*, strata_error**) { return STRATA_OK; }
strata_status lock(strata_conn*, const char*, double, strata_error**) { return STRATA_OK; }
strata_status unlock(strata_conn*, const char*, strata_error**) { return STRATA_OK; }
size_t quote(const char*, char* out, size_t cap) {
  if (cap) out[0] = 0;
  return 0;
}

// For offline scripts: the statement and its terminator.
size_t script_statement(const char* statement, size_t length, char* out, size_t capacity) {
  std::string q(statement, length);
  q += ";";
  if (q.size() < capacity) std::memcpy(out, q.c_str(), q.size() + 1);
  return q.size();
}

// Offline scripts need no session setup for this dialect.
size_t script_preamble(const strata_connect_params*, char* out, size_t capacity) {
  if (capacity) out[0] = 0;
  return 0;
}

const strata_dialect_api* table() {
  static strata_dialect_api a = [] {
    strata_dialect_api t{};
    t.struct_size = sizeof(strata_dialect_api);
    t.abi_major = STRATA_DIALECT_ABI_MAJOR;
    t.abi_minor = STRATA_DIALECT_ABI_MINOR;
    t.name = "broken";
    t.description = "deliberately broken test plugin";
    t.error_free = error_free;
    t.string_list_free = string_list_free;
    t.connect = connect;
    t.disconnect = disconnect;
    t.execute = execute;
    t.query_column = query_column;
    t.table_exists = table_exists;
    t.begin = simple;
    t.commit = simple;
    t.rollback = simple;
    t.lock = lock;
    t.unlock = unlock;
    t.quote_identifier = quote;
    t.split_statements = split;
    t.statement_list_free = statement_list_free;
    t.script_statement = script_statement;
    t.script_preamble = script_preamble;
#if defined(BROKEN_MAJOR)
    t.abi_major = STRATA_DIALECT_ABI_MAJOR + 1;
#elif defined(BROKEN_MINOR)
    t.abi_minor = STRATA_DIALECT_ABI_MINOR + 1;
#elif defined(BROKEN_NAME)
    t.name = "somethingelse";
#elif defined(BROKEN_SIZE)
    t.struct_size = 16;
#elif defined(BROKEN_NULL)
    t.execute = nullptr;
#elif defined(OLD_ABI_1_0)
    // Not broken: a plugin built against ABI 1.0, before statement_traits.
    t.abi_minor = 0;
    t.struct_size = STRATA_DIALECT_API_SIZE_1_0;
#elif defined(OLD_ABI_1_1)
    // Not broken: a plugin built against ABI 1.1, before execute_batch.
    t.abi_minor = 1;
    t.struct_size = STRATA_DIALECT_API_SIZE_1_1;
    t.statement_traits = [](const char*, size_t) -> uint32_t { return 0; };
#endif
    return t;
  }();
  return &a;
}
}  // namespace

#if defined(BROKEN_NOSYMBOL)
// Exports the entry under another ABI major's name only.
extern "C" STRATA_DIALECT_EXPORT const strata_dialect_api* strata_dialect_v0(void) { return table(); }
#else
extern "C" STRATA_DIALECT_EXPORT const strata_dialect_api* STRATA_DIALECT_ENTRY(void) { return table(); }
#endif
