#pragma once
// Scratch databases: throwaway databases Strata creates, uses and drops, for
// work that needs a live database of a dialect but must never touch the
// user's (`import alembic` records Alembic's SQL on one; the schema engine's
// desired state is loaded into one). Atlas calls this the "dev database".
#include <memory>
#include <string>

#include "strata/config/url.hpp"
#include "strata/dialect/dialect.hpp"

namespace strata::scratch {

/// One scratch database, dropped (with everything in it) when destroyed.
///
/// - sqlite: a new file in a private temporary folder; no server needed.
/// - postgresql, mysql: `CREATE DATABASE strata_scratch_<unix seconds>_<8
///   hex>` on the server of `dev_url` (which must be of the same dialect;
///   its own database is only used to connect). Dropped with `DROP
///   DATABASE` (PostgreSQL: `WITH (FORCE)` from server version 13, so a
///   connection left open by a child process cannot keep it). One left
///   behind by a killed run (SIGKILL: no destructor) is dropped by the
///   first scratch database made on that server more than 24 hours after
///   it.
///
/// Throws UserError when a server dialect has no dev_url or a dev_url of
/// another dialect, DatabaseError (password masked) when the server refuses.
class ScratchDatabase {
 public:
  ScratchDatabase(dialect::PluginRegistry& plugins, const std::string& dialect, const config::Url* dev_url);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& dialect() const { return dialect_; }
  /// The database as Strata connects to it (runner::connect_options).
  const config::Url& url() const { return url_; }
  /// The same as a SQLAlchemy URL with its driver named (postgresql+psycopg2,
  /// mysql+pymysql, sqlite), for the Python bridge. Holds the password:
  /// never print it.
  std::string sqlalchemy_url() const;
  /// For messages: url().masked().
  std::string masked() const { return url_.masked(); }

 private:
  dialect::PluginRegistry& plugins_;
  std::string dialect_;
  config::Url server_;  ///< dev_url (servers only)
  config::Url url_;
  std::string temp_dir_;  ///< sqlite only
};

/// Drops every scratch database and removes every scratch folder of this
/// process that is not dropped yet (PostgreSQL: `WITH (FORCE)`; MySQL: the
/// sessions using it are killed first, so a running statement does not
/// hold the drop), and makes constructing another one throw DatabaseError
/// from then on. For an interrupted command about to exit
/// (InterruptGuard); the ScratchDatabase objects stay valid, and their
/// destructors find nothing left to drop. Blocks while a server answers.
void drop_live();

/// Percent-encodes `text` for a URL's user-info or path (RFC 3986
/// unreserved characters kept).
std::string percent_encode(const std::string& text);

}  // namespace strata::scratch
