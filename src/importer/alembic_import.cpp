#include "strata/importer/alembic_import.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>

#include "import_files.hpp"
#include "strata/bridge/bridge.hpp"
#include "strata/config/config.hpp"
#include "strata/config/url.hpp"
#include "strata/planner/graph.hpp"
#include "strata/scratch/scratch.hpp"
#include "strata/script/revision.hpp"
#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::importer {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kDialects[] = {"sqlite", "postgresql", "mysql"};

std::string checked_dialect(const std::string& given) {
  std::string d = script::canonical_dialect(util::to_lower(util::trim(given)));
  for (auto* k : kDialects)
    if (d == k) return d;
  std::string hint;
  for (auto* k : kDialects)
    if (d.rfind(k, 0) == 0 || std::string(k).rfind(d, 0) == 0 || (d.size() > 2 && std::string(k).find(d) != std::string::npos))
      hint = std::string("; did you mean '") + k + "'?";
  throw UserError("--dialect " + given + ": unknown dialect (sqlite, postgresql, mysql)" + hint);
}

bool is_strata_id(const std::string& id) {
  if (id.empty() || id.size() > 32) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

std::vector<std::string> strings_of(const json& j) {
  std::vector<std::string> out;
  if (j.is_array())
    for (auto& v : j) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

/// One database of the Alembic project, and what Strata makes of it.
struct Database {
  std::string name;        ///< Strata database name (multidb: the engine's section)
  std::string engine_key;  ///< key in the bridge's engines map
  std::string ini_url;     ///< sqlalchemy.url from the ini ("" when unreadable)
  std::vector<std::string> dialects;
  fs::path folder;
  bool in_config = false;  ///< the config already has [databases.NAME]
  const config::Url* dev_url = nullptr;
  /// dialect -> revision id -> recorded SQL
  std::map<std::string, std::map<std::string, RecordedSql>> recorded;
  json context;  ///< version_table, version_table_schema, transaction_per_migration
};

/// Why Alembic stopped on one dialect: the revision and its error.
struct Failure {
  std::string stage, revision, message, where;
};

std::string failure_text(const Failure& f) {
  return f.message + (f.where.empty() ? "" : " (at " + f.where + ")");
}

void take(const json& answer, std::vector<Database>& dbs, const std::map<std::string, std::string>& dialect_of,
          bool upgrades, bool downgrades) {
  const json& revs = answer.at("revisions");
  for (auto& db : dbs) {
    auto& slot = db.recorded[dialect_of.at(db.name)];
    for (auto it = revs.begin(); it != revs.end(); ++it) {
      const json& r = it.value();
      auto& sql = slot[it.key()];
      if (upgrades) {
        sql.upgraded = r.value("upgraded", false);
        if (r.contains("upgrade") && r["upgrade"].contains(db.engine_key))
          sql.upgrade = strings_of(r["upgrade"][db.engine_key]);
        sql.reads = strings_of(r.value("reads", json::array()));
        sql.inspects = strings_of(r.value("inspects", json::array()));
        sql.autocommit = r.value("autocommit", false);
      }
      if (downgrades) {
        sql.downgraded = r.value("downgraded", false);
        if (r.contains("downgrade") && r["downgrade"].contains(db.engine_key))
          sql.downgrade = strings_of(r["downgrade"][db.engine_key]);
      }
    }
    if (auto c = answer.find("contexts"); c != answer.end() && c->contains(db.engine_key))
      db.context = (*c)[db.engine_key];
  }
}

std::optional<Failure> failure_of(const json& answer) {
  const json& f = answer.value("failure", json());
  if (!f.is_object()) return std::nullopt;
  Failure out;
  out.stage = f.value("stage", "");
  out.revision = f["revision"].is_string() ? f["revision"].get<std::string>() : "";
  out.message = f.value("message", "");
  out.where = f["where"].is_string() ? f["where"].get<std::string>() : "";
  return out;
}

class Importer {
 public:
  Importer(const ImportOptions& o, dialect::PluginRegistry& plugins, std::ostream& err)
      : o_(o), plugins_(plugins), err_(err) {}

  ImportReport run() {
    ini_ = fs::absolute(o_.ini).lexically_normal();
    if (!fs::is_regular_file(ini_)) throw UserError(ini_.string() + ": no such file (give --ini PATH to alembic.ini)");
    config_path_ = fs::absolute(o_.config).lexically_normal();
    config_dir_ = config_path_.parent_path();
    report_.ini = ini_.string();
    report_.config = config_path_.string();

    describe();
    load_existing_config();
    plan_databases();
    record();
    write_files();
    write_config();
    for (auto& db : report_.databases) db.config_notes = config_notes_[db.name];
    check_result();
    return std::move(report_);
  }

 private:
  void describe() {
    err_ << "strata: reading " << ini_.string() << " with Alembic\n";
    try {
      desc_ = bridge::call("alembic-describe", json{{"ini", ini_.string()}}, &tail_);
    } catch (const bridge::Interrupted&) {
      throw;
    } catch (const bridge::BridgeError& e) {
      throw_bridge("Alembic could not read " + ini_.string(), e);
    }
    for (auto& r : desc_.at("revisions")) {
      AlembicRevision a;
      a.id = r.value("id", "");
      a.down_revisions = strings_of(r["down_revisions"]);
      a.branch_labels = strings_of(r["branch_labels"]);
      a.depends_on = strings_of(r["depends_on"]);
      a.message = r.value("message", "");
      a.create_date = r.value("create_date", "");
      a.path = r.value("path", "");
      a.source = r.value("source", "");
      for (auto& l : r.value("dialect_lines", json::array())) a.dialect_lines.push_back(l.get<int>());
      a.runtime_uses = strings_of(r.value("runtime_uses", json::array()));
      revisions_.push_back(std::move(a));
    }
    if (revisions_.empty())
      throw UserError(ini_.string() + ": the Alembic project has no revisions (script_location " +
                      desc_["options"].value("script_location", "?") + ")");
  }

  [[noreturn]] void throw_bridge(const std::string& what, const bridge::BridgeError& e) {
    std::string msg = what + ": " + config::mask_passwords(e.what());
    if (e.error.is_object() && e.error.contains("where") && e.error["where"].is_string())
      msg += " (at " + e.error["where"].get<std::string>() + ")";
    if (e.error.is_object() && e.error.value("kind", "") != "missing-module" && !tail_.empty())
      msg += "\nlast output:\n" + config::mask_passwords(tail_);
    throw UserError(msg);
  }

  void load_existing_config() {
    if (!fs::exists(config_path_)) return;
    existing_ = std::make_unique<config::Config>(config::load_config(config_path_.string()));
  }

  void plan_databases() {
    const json& dbs = desc_.at("databases");
    multidb_ = dbs.is_array() && !dbs.empty();
    if (multidb_ && !o_.name.empty())
      throw UserError("--name: " + ini_.string() + " is a multidb project (databases = ...); each engine becomes "
                      "a Strata database named like its section");
    if (multidb_ && !o_.to.empty())
      throw UserError("--to: a multidb project writes one folder per engine (migrations/<name>); "
                      "give the folders as location in alembic.toml afterwards if you want others");
    if (multidb_) {
      for (auto& d : dbs) {
        Database db;
        db.name = db.engine_key = d.value("name", "");
        db.ini_url = d["url"].is_string() ? d["url"].get<std::string>() : "";
        dbs_.push_back(std::move(db));
      }
    } else {
      Database db;
      db.name = o_.name.empty() ? "main" : o_.name;
      db.engine_key = db.name;
      if (!desc_.value("template_url", false))
        db.ini_url = desc_["options"].value("sqlalchemy.url", "");
      dbs_.push_back(std::move(db));
    }
    for (auto& db : dbs_)
      if (db.name.empty() || db.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                                 std::string::npos)
        throw UserError("database name '" + db.name + "' may only contain letters, digits, '_' and '-'");

    // Dialects: NAME=D for one database, D for all; else the ini URL's.
    std::map<std::string, std::vector<std::string>> given;
    std::vector<std::string> for_all;
    for (auto& item : o_.dialects)
      for (auto& part : util::split_list(item)) {
        if (auto eq = part.find('='); eq != std::string::npos) {
          std::string name(util::trim(part.substr(0, eq)));
          if (std::none_of(dbs_.begin(), dbs_.end(), [&](auto& d) { return d.name == name; }))
            throw UserError("--dialect " + part + ": the project has no database '" + name + "'");
          given[name].push_back(checked_dialect(part.substr(eq + 1)));
        } else {
          for_all.push_back(checked_dialect(part));
        }
      }
    for (auto& db : dbs_) {
      db.dialects = given.count(db.name) ? given[db.name] : for_all;
      if (db.dialects.empty() && !db.ini_url.empty()) {
        try {
          db.dialects.push_back(config::parse_url(db.ini_url, ini_.parent_path().string()).dialect);
        } catch (const UserError&) {
        }
      }
      if (db.dialects.empty())
        throw UserError("cannot tell which dialect database '" + db.name + "' uses (its sqlalchemy.url in " +
                        ini_.filename().string() + " is not readable): give --dialect, e.g. --dialect postgresql " +
                        "or --dialect postgresql,sqlite");
      std::vector<std::string> unique;
      for (auto& d : db.dialects)
        if (std::find(unique.begin(), unique.end(), d) == unique.end()) unique.push_back(d);
      db.dialects = unique;

      const config::DatabaseConfig* existing = existing_ ? existing_->find_database(db.name) : nullptr;
      db.in_config = existing != nullptr;
      if (!multidb_ && !o_.to.empty()) {
        db.folder = fs::absolute(o_.to).lexically_normal();
        if (existing && fs::path(existing->location).lexically_normal() != db.folder)
          throw UserError("--to " + o_.to + ": " + config_path_.filename().string() + " already has [databases." +
                          db.name + "] with location " + relative_to(existing->location, config_dir_) +
                          "; import there (leave out --to), or give another --name");
      } else if (existing) db.folder = existing->location;
      else db.folder = config_dir_ / "migrations" / db.name;
      if (existing && existing->dev_url) existing_dev_[db.name] = &*existing->dev_url;
    }

    // Scratch servers, by dialect.
    // --dev-url '${VAR}' (quoted, so the shell leaves it) reads VAR from the
    // environment or the .env beside the config, as the config's dev_url
    // would, and is written into the config as given.
    config::EnvLookup dotenv;
    if (fs::exists(config_dir_ / ".env"))
      dotenv = config::parse_dotenv(config::read_config_file((config_dir_ / ".env").string()),
                                    (config_dir_ / ".env").string());
    auto lookup = [&dotenv](const std::string& var) -> std::optional<std::string> {
      if (const char* v = std::getenv(var.c_str())) return std::string(v);
      if (auto it = dotenv.find(var); it != dotenv.end()) return it->second;
      return std::nullopt;
    };
    for (auto& text : o_.dev_urls) {
      config::Url u;
      try {
        u = config::parse_url(config::interpolate(text, lookup, "--dev-url", 0), fs::current_path().string());
      } catch (const UserError& e) {
        throw UserError(config::mask_passwords(e.what()));
      }
      if (u.dialect == "sqlite") throw UserError("--dev-url " + u.masked() + ": SQLite needs no dev_url (a temporary file is used)");
      dev_urls_[u.dialect] = std::make_unique<config::Url>(u);
      dev_url_texts_[u.dialect] = text;
    }
  }

  const config::Url* dev_url_for(const Database& db, const std::string& dialect) {
    if (auto it = dev_urls_.find(dialect); it != dev_urls_.end()) return it->second.get();
    if (auto it = existing_dev_.find(db.name); it != existing_dev_.end() && it->second->dialect == dialect)
      return it->second;
    for (auto& [name, url] : existing_dev_)
      if (url->dialect == dialect) return url;
    return nullptr;
  }

  // One Alembic run on fresh scratch databases (one per engine).
  json run_bridge(const std::map<std::string, std::string>& dialect_of, const json& upgrade_to) {
    std::vector<std::unique_ptr<scratch::ScratchDatabase>> scratches;
    json engines = json::object();
    for (auto& db : dbs_) {
      const std::string& d = dialect_of.at(db.name);
      scratches.push_back(std::make_unique<scratch::ScratchDatabase>(plugins_, d, dev_url_for(db, d)));
      engines[db.engine_key] = {{"url", scratches.back()->sqlalchemy_url()}, {"dialect", d}};
    }
    json request = {{"ini", ini_.string()},
                    {"engines", engines},
                    {"multidb", multidb_},
                    {"env_vars", desc_.value("env_vars", json::array())},
                    {"upgrade_to", upgrade_to},
                    {"downgrade", true}};
    try {
      return bridge::call("alembic-record", request, &tail_);
    } catch (const bridge::Interrupted&) {
      throw;
    } catch (const bridge::BridgeError& e) {
      std::vector<std::string> names;
      for (auto& [n, d] : dialect_of) names.push_back(n + ": " + d);
      throw_bridge("Alembic could not run " + ini_.string() + " on scratch databases (" + util::join(names, ", ") + ")", e);
    }
  }

  void record() {
    size_t passes = 0;
    for (auto& db : dbs_) passes = std::max(passes, db.dialects.size());
    for (size_t p = 0; p < passes; ++p) {
      std::map<std::string, std::string> dialect_of;
      std::vector<std::string> label;
      for (auto& db : dbs_) {
        dialect_of[db.name] = db.dialects[std::min(p, db.dialects.size() - 1)];
        label.push_back(dialect_of[db.name]);
      }
      err_ << "strata: running the chain with Alembic on a scratch " << util::join(label, " + ")
           << " database, recording its SQL\n";
      json answer = run_bridge(dialect_of, json::array({"heads"}));
      auto failure = failure_of(answer);
      take(answer, dbs_, dialect_of, true, !failure || failure->stage == "downgrade");
      if (failure && failure->stage == "upgrade") {
        if (failure->revision.empty())
          throw UserError("Alembic failed on a scratch " + util::join(label, " + ") + " database before any revision ran: " +
                          config::mask_passwords(failure_text(*failure)) +
                          (tail_.empty() ? "" : "\nlast output:\n" + config::mask_passwords(tail_)));
        for (auto& [name, d] : dialect_of) failures_[name][d] = *failure;
        // The downgrades of what did upgrade, on fresh databases.
        json heads = json::array();
        for (auto& id : upgraded_heads(dbs_.front().recorded[dialect_of[dbs_.front().name]])) heads.push_back(id);
        if (!heads.empty()) {
          answer = run_bridge(dialect_of, heads);
          auto second = failure_of(answer);
          take(answer, dbs_, dialect_of, false, true);
          if (second && second->stage == "downgrade")
            for (auto& [name, d] : dialect_of) down_failures_[name][d] = *second;
        }
      } else if (failure) {
        for (auto& [name, d] : dialect_of) down_failures_[name][d] = *failure;
      }
    }
  }

  // Of the revisions whose upgrade ran, those no other one builds on.
  std::vector<std::string> upgraded_heads(const std::map<std::string, RecordedSql>& rec) {
    std::set<std::string> done, below;
    for (auto& [id, sql] : rec)
      if (sql.upgraded) done.insert(id);
    for (auto& r : revisions_)
      if (done.count(r.id)) {
        for (auto& d : r.down_revisions) below.insert(d);
        for (auto& d : r.depends_on) below.insert(d);
      }
    std::vector<std::string> out;
    for (auto& r : revisions_)
      if (done.count(r.id) && !below.count(r.id)) out.push_back(r.id);
    return out;
  }

  std::map<std::string, std::string> existing_files(const fs::path& folder) {
    std::map<std::string, std::string> out;  // id -> path
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) return out;
    for (auto& entry : fs::directory_iterator(folder, ec)) {
      if (entry.path().extension() != ".sql") continue;
      std::ifstream in(entry.path());
      std::string line;
      for (int n = 0; n < 40 && std::getline(in, line); ++n) {
        const std::string key = "-- Revision ID:";
        if (line.compare(0, key.size(), key) == 0) {
          out[std::string(util::trim(line.substr(key.size())))] = entry.path().string();
          break;
        }
      }
    }
    return out;
  }

  // Why a person must confirm a revision's recorded SQL ("" when none), and
  // the comment block that explains it in the file.
  std::pair<std::string, std::string> review_of(const AlembicRevision& rev, const Database& db) {
    std::vector<std::string> reads, inspects;
    for (auto& d : db.dialects) {
      auto it = db.recorded.at(d).find(rev.id);
      if (it == db.recorded.at(d).end()) continue;
      for (auto& q : it->second.reads)
        if (std::find(reads.begin(), reads.end(), q) == reads.end()) reads.push_back(q);
      for (auto& q : it->second.inspects)
        if (std::find(inspects.begin(), inspects.end(), q) == inspects.end()) inspects.push_back(q);
    }
    auto one_line = [](std::string q) {
      for (auto& c : q)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
      return q.size() > 80 ? q.substr(0, 77) + "..." : q;
    };
    const std::string py = fs::path(rev.path).filename().string();
    std::vector<std::string> why;
    std::string text;
    if (!reads.empty()) {
      why.push_back("its code reads rows (" + one_line(reads.front()) + ")");
      text += "-- REVIEW: this revision's code reads rows from the database (" + std::to_string(reads.size()) +
              " quer" + (reads.size() == 1 ? "y" : "ies") + ", e.g. " + one_line(reads.front()) +
              ").\n-- The SQL below is what it did on a scratch database built by the chain, whose rows\n"
              "-- may differ from yours: the statements it wrote may be incomplete or wrong for your data.\n";
    }
    if (!inspects.empty()) {
      why.push_back("its code inspects the schema (" + one_line(inspects.front()) + ")");
      text += "-- REVIEW: this revision's code asks the database what exists (inspect(), has_table(),\n"
              "-- ...): the SQL below is what it decided for a database built by the chain; a database\n"
              "-- that differs (changed by hand) would have taken the other branch.\n";
    }
    if (!rev.dialect_lines.empty()) {
      std::string where = py + " line " + std::to_string(rev.dialect_lines.front());
      why.push_back("its code consults the dialect (" + where + ")");
      text += "-- REVIEW: this revision's code consults the connection's dialect (" + where +
              "): the\n-- SQL below is what it did for " + util::join(db.dialects, ", ") +
              " only; check it does what the code means.\n";
    }
    if (!rev.runtime_uses.empty()) {
      why.push_back("its code uses values of the moment it runs (" + util::join(rev.runtime_uses, ", ") + " of " + py + ")");
      text += "-- REVIEW: this revision's code computes values when it runs (" + util::join(rev.runtime_uses, ", ") +
              "):\n-- the clock, random values, environment variables or Alembic's configuration. The SQL below\n"
              "-- holds the values of the import, frozen: a time, an id, or what the environment said then.\n";
    }
    if (why.empty()) return {"", ""};
    text += "-- Check the SQL against the code quoted below, edit it if needed, then delete the\n"
            "-- '-- Review:' header line: Strata refuses to run this revision until then.\n";
    return {util::join(why, "; "), text};
  }

  void write_files() {
    using S = ImportedRevision::Status;
    for (auto& db : dbs_) {
      DatabaseImport out;
      out.name = db.name;
      out.folder = db.folder.string();
      out.dialects = db.dialects;
      fs::create_directories(db.folder);
      auto existing = existing_files(db.folder);
      std::set<std::string> stopped;  // revisions not imported
      std::map<std::string, std::string> label_owner;
      for (auto& rev : revisions_)
        for (auto& l : rev.branch_labels) label_owner[l] = rev.id;
      for (auto& rev : revisions_) {
        ImportedRevision ir;
        ir.id = rev.id;
        ir.source = relative_to(rev.path, ini_.parent_path());
        std::vector<std::string> failed, missing;
        for (auto& d : db.dialects) {
          auto& rec = db.recorded[d];
          auto f = failures_[db.name].find(d);
          if (f != failures_[db.name].end() && f->second.revision == rev.id)
            failed.push_back(d + ": " + config::mask_passwords(failure_text(f->second)));
          else if (!rec.count(rev.id) || !rec[rev.id].upgraded)
            missing.push_back(d);
        }
        // What it builds on must be in the chain too.
        std::vector<std::string> after;
        for (auto& d : rev.down_revisions)
          if (stopped.count(d)) after.push_back(d);
        for (auto& d : rev.depends_on) {
          auto owner = label_owner.count(d) ? label_owner[d] : d;
          if (stopped.count(owner)) after.push_back(owner);
        }
        if (!is_strata_id(rev.id)) {
          ir.status = S::Failed;
          ir.reason = "revision id '" + rev.id + "' cannot be a Strata revision id (1-32 letters, digits or '_')";
        } else if (!failed.empty()) {
          ir.status = S::Failed;
          ir.reason = "fails under Alembic itself: " + util::join(failed, "; ");
        } else if (!after.empty()) {
          ir.status = S::NotReached;
          ir.reason = "builds on " + util::join(after, ", ") + ", which could not be imported";
        } else if (!missing.empty()) {
          ir.status = S::NotReached;
          std::vector<std::string> why;
          for (auto& [d, f] : failures_[db.name]) why.push_back(f.revision);
          ir.reason = "Alembic stopped before it (" + util::join(missing, ", ") + "), at " + util::join(why, ", ");
        }
        if (ir.status != S::Written) {
          stopped.insert(rev.id);
          out.revisions.push_back(std::move(ir));
          continue;
        }
        std::vector<std::pair<std::string, const RecordedSql*>> sql;
        for (auto& d : db.dialects) sql.emplace_back(d, &db.recorded[d][rev.id]);
        auto [review, text] = review_of(rev, db);
        const std::string content = render_imported(rev, ir.source, sql, review, text, plugins_);
        auto have = existing.find(rev.id);
        std::string file = have != existing.end()
                               ? have->second
                               : (db.folder / script::revision_file_name({rev.id, {}, {}, {}, rev.message, "", ""})).string();
        if (have != existing.end()) {
          std::ifstream in(file, std::ios::binary);
          std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
          const bool untouched = untouched_since_import(old);
          ir.file = file;
          if (untouched && without_marker(old) == content) {
            ir.status = S::Kept;
            out.revisions.push_back(std::move(ir));
            continue;
          }
          if (!o_.force) {
            ir.status = untouched ? S::Changed : S::Kept;
            ir.reason = untouched ? "the import gives other SQL for it now (its .py, or --dialect, changed)"
                                  : "edited since it was imported";
            out.revisions.push_back(std::move(ir));
            continue;
          }
          if (!untouched) {
            // --force over a person's edits: keep them beside the new file.
            std::error_code ec;
            fs::copy_file(file, file + ".orig", fs::copy_options::overwrite_existing, ec);
            if (ec) throw UserError("cannot keep " + file + " as " + file + ".orig: " + ec.message());
            ir.reason = "rewritten; the edited version is in " + relative_to(file + ".orig", config_dir_);
          }
        }
        std::ofstream f(file, std::ios::binary | std::ios::trunc);
        f << content << import_marker(content);
        f.close();
        if (!f) throw UserError("cannot write " + file);
        ir.file = file;
        if (!review.empty()) {
          ir.status = S::Review;
          ir.reason = review;
        }
        out.revisions.push_back(std::move(ir));
      }
      for (auto& d : db.dialects) {
        auto f = down_failures_[db.name].find(d);
        if (f == down_failures_[db.name].end()) continue;
        std::vector<std::string> without;
        for (auto& rev : revisions_)
          if (!stopped.count(rev.id) && (!db.recorded[d].count(rev.id) || !db.recorded[d][rev.id].downgraded))
            without.push_back(rev.id);
        out.notes.push_back(d + ": Alembic's downgrade of " + (f->second.revision.empty() ? "?" : f->second.revision) +
                            " failed (" + config::mask_passwords(failure_text(f->second)) +
                            "); without a " + d + " downgrade section (Strata refuses to downgrade through them): " +
                            util::join(without, ", "));
      }
      report_.databases.push_back(std::move(out));
    }
  }

  /// The url written for `db`: env.py's variable as env.py reads it (no
  /// default when Alembic fails with it unset, or when the import cannot
  /// tell), else the ini's URL. `note` says what the import decided when
  /// the reader should know.
  std::string url_value(const Database& db, std::string* note = nullptr) {
    auto vars = strings_of(desc_.value("env_vars", json::array()));
    std::string var;
    if (!multidb_) {
      for (auto& v : vars)
        if (v.find("URL") != std::string::npos || v.find("DSN") != std::string::npos) {
          var = v;
          break;
        }
      if (var.empty() && !vars.empty()) var = vars.front();
    }
    json read = var.empty() ? json() : desc_.value("env_reads", json::object()).value(var, json());
    std::string kind = read.is_object() ? read.value("kind", "unknown") : "unknown";
    std::string where = read.is_object() && read["line"].is_number()
                            ? " (" + relative_to(desc_.value("env_py", ""), config_dir_) + ":" +
                                  std::to_string(read["line"].get<int>()) + ")"
                            : "";
    std::string url = db.ini_url;
    if (kind == "fallback" && read.contains("default") && read["default"].is_string())
      url = read["default"].get<std::string>();  // env.py's own literal default
    if (!url.empty()) {
      try {
        config::Url u = config::parse_url(url, ini_.parent_path().string());
        // SQLite paths are relative to alembic.ini's folder (where Alembic
        // runs); Strata resolves them against alembic.toml's.
        if (u.dialect == "sqlite" && u.database != ":memory:" && ini_.parent_path() != config_dir_) {
          std::string rest = url.substr(url.find(":///") + 4);
          if (!rest.empty() && rest[0] != '/') url = url.substr(0, url.find(":///") + 4) + u.database;
        }
      } catch (const UserError&) {
        url.clear();
      }
    }
    if (url.find("${") != std::string::npos) url.clear();
    if (!var.empty() && kind == "fallback" && !url.empty()) return "${" + var + ":-" + url + "}";
    if (!var.empty()) {
      if (note && kind == "required")
        *note = "url = \"${" + var + "}\": env.py reads " + var + " without a default" + where +
                ", so with it unset Alembic fails and so does Strata (the ini's URL is no fallback)";
      else if (note && kind == "unknown")
        *note = "url = \"${" + var + "}\": the import cannot tell whether env.py falls back when " + var +
                " is unset" + where + ", so Strata requires it; write ${" + var +
                ":-URL} in the config if Alembic uses another URL then";
      return "${" + var + "}";
    }
    if (!url.empty()) return url;
    std::string upper = util::to_lower(db.name);
    for (auto& c : upper) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return multidb_ ? "${" + upper + "_DATABASE_URL}" : "${DATABASE_URL}";
  }

  std::string database_section(const Database& db, bool with_location) {
    std::ostringstream out;
    std::string note;
    std::string url = url_value(db, &note);
    if (!note.empty()) config_notes_[db.name].push_back(note);
    out << "\n[databases." << db.name << "]\n";
    if (!note.empty() && url.rfind("${", 0) == 0)
      out << "# env.py reads " << url.substr(2, url.size() - 3) << " with no default (or in a way the import\n"
          << "# cannot follow): unset, it is an error here too. Set it (or a .env file beside this one).\n";
    else if (url.rfind("${", 0) == 0 && url.find(":-") == std::string::npos)
      out << "# The Alembic project's URL comes from the environment (env.py) or is not\n"
          << "# readable in " << ini_.filename().string() << ": set " << url.substr(2, url.size() - 3)
          << " (or a .env file beside this one).\n";
    out << "url = " << toml_string(url) << "\n";
    if (with_location) out << "location = " << toml_string(relative_to(db.folder, config_dir_)) << "\n";
    if (db.context.is_object()) {
      std::string vt = db.context.value("version_table", "alembic_version");
      if (vt != "alembic_version") out << "version_table = " << toml_string(vt) << "\n";
      if (db.context.contains("version_table_schema") && db.context["version_table_schema"].is_string())
        out << "version_table_schema = " << toml_string(db.context["version_table_schema"].get<std::string>()) << "\n";
    }
    bool dev_written = false;
    for (auto& d : db.dialects) {
      if (d == "sqlite") continue;
      auto given = dev_url_texts_.find(d);
      if (given == dev_url_texts_.end()) {
        out << "# dev_url = \"" << (d == "postgresql" ? "postgresql://user@localhost/postgres" : "mysql://user@localhost/mysql")
            << "\"   # a " << d << " server for scratch databases (import again)\n";
      } else if (given->second.find("${") == std::string::npos && !dev_urls_.at(d)->password.empty()) {
        // A password on the command line may have come from the shell's
        // environment: it is not written into a file meant for the repository.
        out << "# dev_url = " << toml_string(dev_urls_.at(d)->masked())
            << "   # --dev-url's password is not written here: use ${VAR} (and a .env file)\n";
        config_notes_[db.name].push_back("dev_url: --dev-url " + dev_urls_.at(d)->masked() +
                                         " has a password, so it is only a comment in the config; give --dev-url "
                                         "'${VAR}' (quoted) to have the variable written");
      } else if (dev_written) {
        out << "# dev_url = " << toml_string(given->second) << "   # the " << d
            << " server (one dev_url per database: give it with --dev-url)\n";
      } else {
        out << "dev_url = " << toml_string(given->second) << "   # the " << d << " server for scratch databases\n";
        dev_written = true;
      }
    }
    return out.str();
  }

  void write_config() {
    bool per_migration = false;
    for (auto& db : dbs_)
      if (db.context.is_object() && db.context.value("transaction_per_migration", false)) per_migration = true;
    if (!existing_) {
      std::ostringstream out;
      out << "# Written by `strata import alembic` from " << relative_to(ini_, config_dir_) << ".\n"
          << "# Each database's revisions came from the Alembic project with the same ids, so\n"
          << "# its alembic_version table is valid for both tools.\n"
          << "[alembic]\n";
      std::vector<std::string> locs;
      for (auto& db : dbs_) locs.push_back(toml_string(relative_to(db.folder, config_dir_)));
      out << "version_locations = [" << util::join(locs, ", ") << "]\n";
      if (per_migration) out << "transaction_per_migration = true\n";
      for (auto& db : dbs_) out << database_section(db, db.folder.filename() != db.name);
      std::ofstream f(config_path_, std::ios::binary);
      f << out.str();
      f.close();
      if (!f) throw UserError("cannot write " + config_path_.string());
      report_.config_action = "wrote";
      return;
    }
    std::string added;
    for (auto& db : dbs_)
      if (!db.in_config) added += database_section(db, true);
    if (added.empty()) {
      report_.config_action = "kept";
      return;
    }
    std::ofstream f(config_path_, std::ios::binary | std::ios::app);
    f << "\n# Added by `strata import alembic` from " << relative_to(ini_, config_dir_) << "." << added;
    f.close();
    if (!f) throw UserError("cannot write " + config_path_.string());
    report_.config_action = "extended";
    if (per_migration && !existing_->transaction_per_migration)
      report_.databases.front().notes.push_back(
          "env.py sets transaction_per_migration=True; [alembic] transaction_per_migration in " +
          config_path_.filename().string() + " is false (left as is)");
  }

  // The result must load as Strata loads it: config, files, graph.
  void check_result() {
    config::Config cfg = config::load_config(config_path_.string());
    for (auto& db : dbs_) {
      auto* d = cfg.find_database(db.name);
      if (!d) throw UserError(config_path_.string() + ": no [databases." + db.name + "] after the import");
      script::LoadOptions lo;
      lo.use_cache = false;
      auto dir = script::load_script_directory(d->location, lo);
      planner::RevisionGraph graph(dir);
      (void)graph;
    }
  }

  const ImportOptions& o_;
  dialect::PluginRegistry& plugins_;
  std::ostream& err_;
  fs::path ini_, config_path_, config_dir_;
  json desc_;
  std::string tail_;
  bool multidb_ = false;
  std::vector<AlembicRevision> revisions_;
  std::vector<Database> dbs_;
  std::unique_ptr<config::Config> existing_;
  std::map<std::string, const config::Url*> existing_dev_;
  std::map<std::string, std::unique_ptr<config::Url>> dev_urls_;
  std::map<std::string, std::string> dev_url_texts_;              // dialect -> --dev-url as given
  std::map<std::string, std::vector<std::string>> config_notes_;  // db -> what the config says and why
  std::map<std::string, std::map<std::string, Failure>> failures_, down_failures_;  // db -> dialect ->
  ImportReport report_;
};

}  // namespace

ImportReport import_alembic(const ImportOptions& options, dialect::PluginRegistry& plugins, std::ostream& err) {
  return Importer(options, plugins, err).run();
}

}  // namespace strata::importer
