#pragma once
// Helpers for tests that talk to real databases: the servers scripts/test.sh
// starts (STRATA_TEST_PG_URL, STRATA_TEST_MYSQL_URL) and the real plugins.
#include <memory>
#include <string>

#include "strata/dialect/dialect.hpp"

namespace strata::test {

/// The admin URL of the test server for "postgresql" or "mysql". Throws
/// (failing the test, never skipping it) when the server was not started.
std::string admin_url(const std::string& dialect);
/// The real plugins of the build tree.
dialect::PluginRegistry& plugins();
/// A connection to `url` through the real plugin for its scheme.
std::unique_ptr<dialect::Connection> connect(const std::string& url);
/// The URL of database `name` on the same server as `admin`.
std::string with_database(const std::string& admin, const std::string& name);
/// A loopback TCP port nothing listens on (bound, then released).
unsigned free_port();

}  // namespace strata::test
