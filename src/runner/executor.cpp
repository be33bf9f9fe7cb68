#include "strata/runner/executor.hpp"

#include <chrono>
#include <cstdio>

#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::runner {

std::string step_text(const planner::RevisionGraph& g, const planner::Step& s) {
  const auto& r = g.rev(s.rev);
  std::string downs = util::join(r.down_revisions, ", ");
  if (s.upgrade) return "Running upgrade " + downs + " -> " + r.id + ", " + r.message;
  return "Running downgrade " + r.id + " -> " + downs + ", " + r.message;
}

StepExecutor::StepExecutor(const planner::RevisionGraph& graph, const dialect::Plugin& plugin, const VersionTable& vt,
                           bool whole_run, SqlSink& sink)
    : graph_(graph),
      plugin_(plugin),
      vt_(vt),
      transactional_ddl_(plugin.has(STRATA_CAP_TRANSACTIONAL_DDL)),
      whole_run_(whole_run),
      sink_(sink) {}

void StepExecutor::begin() {
  sink_.begin();
  in_tx_ = true;
}

void StepExecutor::begin_if_needed() {
  if (!in_tx_) begin();
}

void StepExecutor::commit() {
  sink_.commit();
  in_tx_ = false;
}

void StepExecutor::commit_if_open() {
  if (in_tx_) commit();
}

bool StepExecutor::tracked(const script::Revision& rev) const { return !transactional_ddl_ || !rev.transactional; }

void StepExecutor::log_row(const std::string& revision, const std::string& direction, const std::string& checksum,
                           const std::string& outcome, const std::string& started_iso, int64_t duration_ms) {
  if (!log_) return;
  LogRow row;
  char seq[32];
  std::snprintf(seq, sizeof seq, "%06lld", static_cast<long long>(++log_->seq));
  row.id = log_->run_start + "-" + log_->nonce + "-" + seq;
  row.revision = revision;
  row.direction = direction;
  row.checksum = checksum;
  // Offline, the script cannot know when it will run: the time it was
  // written, and no duration.
  row.started_at = log_->offline ? log_->run_start : started_iso.empty() ? utc_now_iso() : started_iso;
  row.duration_ms = log_->offline || duration_ms < 0 ? std::string() : std::to_string(duration_ms);
  row.outcome = outcome;
  row.strata_version = log_->strata_version;
  row.host = log_->host;
  row.os_user = log_->os_user;
  row.tag = log_->tag;
  sink_.bookkeeping(vt_.log_insert_sql(row));
}

void StepExecutor::run_step(const planner::Step& step, int64_t resume_at) {
  const auto& rev = graph_.rev(step.rev);
  const script::Section* section = step.upgrade ? rev.upgrade_for(plugin_.name) : rev.downgrade_for(plugin_.name);
  const std::string checksum = sql_checksum(section ? section->sql : std::string());
  const std::string started_iso = log_ ? utc_now_iso() : std::string();
  const auto started = std::chrono::steady_clock::now();
  auto log_ok = [&] {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    log_row(rev.id, step.upgrade ? "upgrade" : "downgrade", checksum, "ok", started_iso, ms.count());
  };
  // Offline scripts carry the checksum, so a reviewed script can be matched
  // with the log rows of what later ran.
  const std::string header = step_text(graph_, step) + "\n" + rev.path + "\nsha256 " + checksum;
  if (!tracked(rev)) {
    sink_.note(header);
    begin_if_needed();
    if (section) {
      try {
        sink_.script(section->sql);
      } catch (const dialect::DialectError& e) {
        throw StepError(statement_error(e, rev, section, e.statement_offset, -1, -1), e.status);
      }
    }
    apply_ops(step.ops);
    log_ok();
    if (!whole_run_) commit();
    return;
  }
  // Run statement by statement with progress recorded, so a failure leaves
  // a precise record instead of a silent half-applied state.
  commit_if_open();  // what came before stays, whatever happens next
  sink_.note(header);
  std::vector<strata_statement_range> ranges;
  if (section) ranges = plugin_.split(section->sql);
  const int64_t total = static_cast<int64_t>(ranges.size());
  auto text = [&](int64_t i) {
    const auto& r = ranges[static_cast<size_t>(i)];
    return section->sql.substr(static_cast<size_t>(r.offset), static_cast<size_t>(r.length));
  };
  std::vector<uint32_t> traits(static_cast<size_t>(total));
  for (int64_t i = 0; i < total; ++i) traits[static_cast<size_t>(i)] = plugin_.statement_traits(text(i));
  auto atomic = [&](int64_t i) { return (traits[static_cast<size_t>(i)] & STRATA_STMT_NO_TRANSACTION) == 0; };
  // The statement a progress write announces as sent next (1-based; 0 for
  // none): set ahead of a statement that cannot share a transaction with
  // its progress update, so that a crash while it runs leaves it "in doubt"
  // rather than "not run". Folded into the previous write: no extra trip.
  auto announce = [&](int64_t i) { return i < total && !atomic(i) ? i + 1 : 0; };
  if (resume_at < 0) {
    sink_.note(std::string(transactional_ddl_ ? "Transactional: false" : plugin_.name + " commits DDL implicitly") +
               ": statements run one by one; " + vt_.progress_table() + " records how far it got");
    sink_.bookkeeping(vt_.progress_create_sql());
    sink_.bookkeeping(vt_.progress_insert_sql(rev.id, step.upgrade, total, announce(0)));
    resume_at = 0;
  } else {
    // Resuming: the record now says what the user settled (--resume-after
    // counts the in-doubt statement as done).
    sink_.bookkeeping(vt_.progress_update_sql(rev.id, resume_at, announce(resume_at)));
  }
  for (int64_t i = resume_at; i < total; ++i) {
    const auto& r = ranges[static_cast<size_t>(i)];
    const uint32_t t = traits[static_cast<size_t>(i)];
    auto failed = [&](const dialect::DialectError& e, bool in_doubt) {
      StepError err(statement_error(e, rev, section, r.offset, i, total), e.status, i, total, in_doubt,
                    (t & STRATA_STMT_PARTIAL_ON_FAILURE) != 0);
      err.statement = text(i);
      return err;
    };
    if (atomic(i)) {
      // The statement and its progress update commit together (or not at
      // all), so nothing is ever in doubt; a lost connection rolls both back.
      begin();
      try {
        sink_.statement(text(i));
      } catch (const dialect::DialectError& e) {
        throw failed(e, false);
      }
      sink_.bookkeeping(vt_.progress_update_sql(rev.id, i + 1, announce(i + 1)));
      commit();
      continue;
    }
    try {
      sink_.statement(text(i));
    } catch (const dialect::DialectError& e) {
      // The server answered with an error: the statement did not complete,
      // so it is no longer in doubt. Anything else (the connection broke
      // while it ran) leaves the record announcing it: in doubt.
      if (e.status != STRATA_ERROR) throw failed(e, true);
      try {
        sink_.bookkeeping(vt_.progress_update_sql(rev.id, i, 0));
      } catch (const dialect::DialectError&) {
        throw failed(e, true);
      }
      throw failed(e, false);
    }
    sink_.bookkeeping(vt_.progress_update_sql(rev.id, i + 1, announce(i + 1)));
  }
  // The version write, the log row and the end of the record commit together.
  begin();
  apply_ops(step.ops);
  log_ok();
  sink_.bookkeeping(vt_.progress_delete_sql());
  commit();
  if (whole_run_) begin();
}

void StepExecutor::check_runnable(const planner::Plan& plan) const {
  // Every revision awaiting review is named at once, in plan order.
  std::vector<std::string> awaiting;
  for (auto& s : plan.steps) {
    const auto& rev = graph_.rev(s.rev);
    if (!rev.review.empty())
      awaiting.push_back(located(rev.path, rev.review_line, "revision " + rev.id + " awaits review (" + rev.review + ")"));
  }
  if (!awaiting.empty())
    throw UserError(util::join(awaiting, "\n") + "\ncheck " + (awaiting.size() == 1 ? "its" : "their") +
                    " SQL, then delete the '-- Review:' line" + (awaiting.size() == 1 ? "" : "s") +
                    "; nothing was changed");
  for (auto& s : plan.steps) {
    const auto& rev = graph_.rev(s.rev);
    const script::Section* section = s.upgrade ? rev.upgrade_for(plugin_.name) : rev.downgrade_for(plugin_.name);
    const char* kind = s.upgrade ? "upgrade" : "downgrade";
    if (!section) {
      // Sections for other dialects only: this dialect's SQL is missing, not
      // empty (running nothing and recording the revision would be wrong).
      std::vector<std::string> others;
      for (auto& sec : s.upgrade ? rev.upgrade : rev.downgrade) others.push_back(sec.dialect);
      if (!others.empty())
        throw UserError(located(rev.path, rev.id_line,
                                "revision " + rev.id + " has no '-- +" + kind + "' section for " + plugin_.name +
                                    " (only for " + util::join(others, ", ") + ") and no plain one; nothing was changed"));
      if (!s.upgrade)
        throw UserError(located(rev.path, rev.id_line,
                                "revision " + rev.id + " has no '-- +downgrade' section: cannot downgrade through it; "
                                "nothing was changed"));
      continue;
    }
    // The dialect's own split finds what would make the server see other
    // statements than the file shows (an unterminated comment or quote
    // swallowing the rest of the section).
    try {
      plugin_.split(section->sql);
    } catch (const dialect::DialectError& e) {
      const size_t at = e.statement_offset >= 0 ? static_cast<size_t>(e.statement_offset) : 0;
      throw UserError(located(rev.path, rev.line_in_file(*section, at),
                              std::string(e.what()) + " (revision " + rev.id + ", " + plugin_.name + " " +
                                  (s.upgrade ? "upgrade" : "downgrade") + " section); nothing was changed"));
    }
  }
}

void StepExecutor::apply_ops(const std::vector<planner::VersionOp>& ops) {
  for (auto& op : ops) {
    int64_t rows = sink_.bookkeeping(vt_.op_sql(op));
    if (op.kind != planner::VersionOp::Insert && rows >= 0 && rows != 1)
      throw std::runtime_error("version table " + vt_.qualified() + ": expected to match one row when " +
                               planner::describe(op) + "; " + std::to_string(rows) +
                               " found (was it changed by hand while this run went on?)");
  }
}

std::string StepExecutor::statement_error(const dialect::DialectError& e, const script::Revision& rev,
                                          const script::Section* section, int64_t offset, int64_t index,
                                          int64_t total) const {
  std::string where = rev.path;
  if (section) where += ":" + std::to_string(rev.line_in_file(*section, offset >= 0 ? static_cast<size_t>(offset) : 0));
  std::string detail = e.what();
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  std::vector<std::string> codes;
  if (!e.sqlstate.empty()) codes.push_back("SQLSTATE " + e.sqlstate);
  if (e.native_code) codes.push_back(plugin_.name + " error " + std::to_string(e.native_code));
  if (!codes.empty()) detail += " (" + util::join(codes, ", ") + ")";
  // PostgreSQL refuses CREATE INDEX CONCURRENTLY and friends inside a
  // transaction block (SQLSTATE 25001, active_sql_transaction).
  if (e.sqlstate == "25001" && rev.transactional)
    detail += "; this statement cannot run inside a transaction: add '-- Transactional: false' to the revision's "
              "header";
  std::string context = "revision " + rev.id;
  if (index >= 0) context += ", statement " + std::to_string(index + 1) + " of " + std::to_string(total);
  return where + ": " + detail + " [" + context + "]";
}

}  // namespace strata::runner
