#include "strata/runner/executor.hpp"

#include <chrono>
#include <cstdio>

#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::runner {

std::string step_text(const planner::RevisionGraph& g, const planner::Step& s) {
  const auto& r = g.rev(s.rev);
  std::string downs = util::join(r.down_revisions, ", ");
  const std::string message(r.summary());
  if (s.upgrade) return "Running upgrade " + downs + " -> " + r.id + ", " + message;
  return "Running downgrade " + r.id + " -> " + downs + ", " + message;
}

StepExecutor::StepExecutor(const planner::RevisionGraph& graph, const dialect::Plugin& plugin, const VersionTable& vt,
                           bool whole_run, SqlSink& sink)
    : graph_(graph),
      plugin_(plugin),
      vt_(vt),
      transactional_ddl_(plugin.has(STRATA_CAP_TRANSACTIONAL_DDL)),
      whole_run_(whole_run),
      sink_(sink),
      batching_(sink.batches()) {}

std::vector<int64_t> SqlSink::batch(const std::vector<std::string>&, const std::vector<bool>&) {
  throw std::logic_error("this SQL sink does not batch");
}

void StepExecutor::begin() {
  flush();
  sink_.begin();
  in_tx_ = true;
}

void StepExecutor::begin_if_needed() {
  if (!in_tx_) begin();
}

void StepExecutor::commit() {
  // The steps a flush finishes are reported once they are committed.
  send_all();
  if (in_tx_) sink_.commit();  // (a queued COMMIT may have just been sent)
  in_tx_ = false;
  report();
}

void StepExecutor::commit_if_open() {
  if (in_tx_) commit();
  else flush();
}

bool StepExecutor::tracked(const script::Revision& rev) const { return !transactional_ddl_ || !rev.transactional; }

void StepExecutor::log_row(const std::string& revision, const std::string& direction, const std::string& checksum,
                           const std::string& outcome, const std::string& started_iso, int64_t duration_ms) {
  if (!log_) return;
  sink_.bookkeeping(log_row_sql(revision, direction, checksum, outcome, started_iso, duration_ms));
}

std::string StepExecutor::log_row_sql(const std::string& revision, const std::string& direction,
                                      const std::string& checksum, const std::string& outcome,
                                      const std::string& started_iso, int64_t duration_ms) {
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
  return vt_.log_insert_sql(row);
}

void StepExecutor::run_step(const planner::Step& step, int64_t resume_at) {
  const auto& rev = graph_.rev(step.rev);
  if (tracked(rev)) return run_tracked(step, resume_at);
  if (batching_) return queue_transactional(step);
  const script::Section* section = step.upgrade ? rev.upgrade_for(plugin_.name) : rev.downgrade_for(plugin_.name);
  const std::string checksum = sql_checksum(section ? section->sql : std::string());
  const std::string started_iso = log_ ? utc_now_iso() : std::string();
  const auto started = std::chrono::steady_clock::now();
  // Offline scripts carry the checksum, so a reviewed script can be matched
  // with the log rows of what later ran.
  sink_.note(step_text(graph_, step) + "\n" + rev.path + "\nsha256 " + checksum);
  begin_if_needed();
  if (section) {
    try {
      sink_.script(section->sql);
    } catch (const dialect::DialectError& e) {
      StepError err(statement_error(e, rev, section, e.statement_offset, -1, -1), e.status);
      err.step = step;
      throw err;
    }
  }
  apply_ops(step.ops);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (log_)
    log_row(rev.id, step.upgrade ? "upgrade" : "downgrade", checksum, "ok", started_iso,
            static_cast<int64_t>(seconds * 1000));
  if (!whole_run_) commit();
  if (step_done_) step_done_(step, started, seconds);
}

void StepExecutor::check_runnable(const planner::Plan& plan, bool run_held) const {
  // Every revision awaiting review is named at once, in plan order.
  std::vector<std::string> awaiting;
  for (auto& s : plan.steps) {
    if (run_held) break;
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
  // A server's further lines (PostgreSQL's DETAIL, HINT, LINE and caret)
  // follow the line that names the file, the codes and the revision.
  std::string more;
  if (const size_t nl = detail.find('\n'); nl != std::string::npos) {
    more = detail.substr(nl);
    detail.erase(nl);
  }
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
  return where + ": " + detail + " [" + context + "]" + more;
}

}  // namespace strata::runner
