#include "strata/importer/alembic_import.hpp"

#include <filesystem>
#include <ostream>

#include <nlohmann/json.hpp>

#include "import_files.hpp"
#include "strata/util/strings.hpp"

// The import's report: its exit status, as the command prints it, and as
// one JSON document.
namespace strata::importer {
namespace fs = std::filesystem;
using nlohmann::json;

int ImportReport::exit_code() const {
  for (auto& db : databases) {
    if (!db.notes.empty()) return 3;
    for (auto& r : db.revisions)
      if (r.status == ImportedRevision::Status::Review || r.status == ImportedRevision::Status::Failed ||
          r.status == ImportedRevision::Status::NotReached || r.status == ImportedRevision::Status::Changed)
        return 3;
  }
  return 0;
}

namespace {
const char* status_name(ImportedRevision::Status s) {
  using S = ImportedRevision::Status;
  switch (s) {
    case S::Written: return "written";
    case S::Kept: return "kept";
    case S::Changed: return "changed";
    case S::Review: return "review";
    case S::Failed: return "failed";
    case S::NotReached: return "not_reached";
  }
  return "?";
}
}  // namespace

void print_report(const ImportReport& report, std::ostream& out) {
  using S = ImportedRevision::Status;
  const fs::path base = fs::path(report.config).parent_path();
  for (auto& db : report.databases) {
    size_t written = 0, kept = 0;
    std::vector<const ImportedRevision*> review, failed, unreached, changed, notes;
    for (auto& r : db.revisions) {
      if (r.status == S::Written) ++written;
      if (r.status == S::Kept) ++kept;
      if (r.status == S::Review) review.push_back(&r), ++written;
      if (r.status == S::Failed) failed.push_back(&r);
      if (r.status == S::NotReached) unreached.push_back(&r);
      if (r.status == S::Changed) changed.push_back(&r);
      if ((r.status == S::Written || r.status == S::Kept) && !r.reason.empty()) notes.push_back(&r);
    }
    out << db.name << ": " << written << " revision" << (written == 1 ? "" : "s") << " imported into "
        << relative_to(db.folder, base) << " (" << util::join(db.dialects, ", ") << ")";
    if (kept) out << ", " << kept << " already imported and left as they are";
    out << "\n";
    for (auto* r : notes) out << "  " << relative_to(r->file, base) << ": " << r->reason << "\n";
    if (!changed.empty()) {
      out << "  " << changed.size() << " imported before, not edited, but the import now gives other SQL "
          << "(left as they are; --force rewrites them):\n";
      for (auto* r : changed) out << "    " << relative_to(r->file, base) << "\n";
    }
    if (!review.empty()) {
      out << "  " << review.size() << " need review (Strata refuses to run them until the '-- Review:' line is deleted):\n";
      for (auto* r : review) out << "    " << relative_to(r->file, base) << ": " << r->reason << "\n";
    }
    if (!failed.empty()) {
      out << "  " << failed.size() << " not imported:\n";
      for (auto* r : failed) out << "    " << r->id << " (" << r->source << "): " << r->reason << "\n";
    }
    if (!unreached.empty()) {
      out << "  " << unreached.size() << " not imported because of those:\n";
      for (auto* r : unreached) out << "    " << r->id << " (" << r->source << "): " << r->reason << "\n";
    }
    for (auto& n : db.notes) out << "  note: " << n << "\n";
    for (auto& n : db.config_notes) out << "  config: " << n << "\n";
  }
  const std::string cfg = relative_to(report.config, fs::current_path());
  if (report.config_action == "wrote") out << "wrote " << cfg << "\n";
  else if (report.config_action == "extended") out << "added the imported databases to " << cfg << "\n";
  else out << cfg << " already configures these databases: left as it is\n";
}

std::string report_json(const ImportReport& report) {
  json j;
  j["ini"] = report.ini;
  j["config"] = report.config;
  j["config_action"] = report.config_action;
  j["exit_code"] = report.exit_code();
  j["databases"] = json::array();
  for (auto& db : report.databases) {
    json d;
    d["name"] = db.name;
    d["folder"] = db.folder;
    d["dialects"] = db.dialects;
    d["notes"] = db.notes;
    d["config_notes"] = db.config_notes;
    d["revisions"] = json::array();
    for (auto& r : db.revisions)
      d["revisions"].push_back({{"id", r.id},
                                {"file", r.file.empty() ? json(nullptr) : json(r.file)},
                                {"source", r.source},
                                {"status", status_name(r.status)},
                                {"reason", r.reason}});
    j["databases"].push_back(std::move(d));
  }
  return j.dump(2);
}

}  // namespace strata::importer
