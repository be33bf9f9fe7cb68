#include "half_applied.hpp"

#include <exception>

namespace strata::runner {

std::string HalfApplied::describe(const Progress& p) {
  return p.revision + " " + (p.upgrade ? "upgrade" : "downgrade") + " " + std::to_string(p.done) + "/" +
         std::to_string(p.total) + (p.in_doubt() ? " in-doubt " + std::to_string(p.started) : "");
}

std::string HalfApplied::location(const Progress& p) const {
  auto idx = graph_.find(p.revision);
  if (!idx) return "revision " + p.revision + " (no file defines it any more)";
  const auto& rev = graph_.rev(*idx);
  try {
    scripts_.load_bodies({*idx});
    const auto* section = p.upgrade ? rev.upgrade_for(plugin_.name) : rev.downgrade_for(plugin_.name);
    if (!section) return rev.path;
    auto ranges = plugin_.split(section->sql);
    if (p.done < static_cast<int64_t>(ranges.size()))
      return rev.path + ":" +
             std::to_string(rev.line_in_file(*section, static_cast<size_t>(ranges[static_cast<size_t>(p.done)].offset)));
  } catch (const std::exception&) {
  }
  return rev.path;
}

std::string HalfApplied::statement_head(const Progress& p, int64_t index) const {
  std::string text = statement_text(p, index);
  if (auto nl = text.find('\n'); nl != std::string::npos) text = text.substr(0, nl) + " ...";
  if (text.size() > 160) text = text.substr(0, 157) + "...";
  return text;
}

std::string HalfApplied::statement_text(const Progress& p, int64_t index) const {
  auto idx = graph_.find(p.revision);
  if (!idx) return "";
  const auto& rev = graph_.rev(*idx);
  try {
    scripts_.load_bodies({*idx});
    const auto* section = p.upgrade ? rev.upgrade_for(plugin_.name) : rev.downgrade_for(plugin_.name);
    if (!section) return "";
    auto ranges = plugin_.split(section->sql);
    if (index >= static_cast<int64_t>(ranges.size())) return "";
    const auto& r = ranges[static_cast<size_t>(index)];
    return section->sql.substr(static_cast<size_t>(r.offset), static_cast<size_t>(r.length));
  } catch (const std::exception&) {
    return "";
  }
}

std::string HalfApplied::text(const Progress& p, const std::string& target, bool just_failed,
                              const std::function<std::string(const std::string&)>& leftovers) const {
  const std::string dir = p.upgrade ? "upgrade" : "downgrade";
  const std::string to = " " + target + " ";
  const std::string k = std::to_string(p.done + 1);
  const std::string db = "strata --db " + db_ + " ";
  std::string text = "database was left in the middle of the " + dir + " of revision " + p.revision + ": " +
                     std::to_string(p.done) + " of " + std::to_string(p.total) + " statements completed; ";
  if (p.in_doubt()) {
    const std::string head = statement_head(p, p.done);
    const std::string full = statement_text(p, p.done);
    const std::string left =
        !full.empty() && (plugin_.statement_traits(full) & STRATA_STMT_PARTIAL_ON_FAILURE) ? leftovers(full) : "";
    return text + "statement " + k + " (" + location(p) +
           ") is in doubt: it was sent to the server, but the run ended (killed, or the connection was lost) "
           "before its outcome was known, and it commits on its own, so it may have taken effect. Nothing more "
           "runs on this database until you say which:\n"
           "  check the database for the effect of statement " + k + (head.empty() ? "" : ": " + head) + left +
           "\n"
           "  if it took effect:       " + db + dir + to + "--resume-after " + k + "\n"
           "  if it did not:           " + db + dir + to + "--resume-from " + k + "\n"
           "  if you completed the " + dir + " by hand: " + db + "resolve applied\n"
           "  if you undid what it had done:     " + db + "resolve reverted   (the revision stays " +
           (p.upgrade ? "unapplied" : "applied") + ")\n"
           "  (strata stamp also clears this record)";
  }
  // Every statement ran, and the run ended before the revision's version
  // write committed (a data statement last commits with it instead).
  if (p.done >= p.total)
    return text + "the run ended before its version write committed. Nothing more runs on this database "
                  "until that is settled:\n"
                  "  to record it as done:   " + db + dir + to + "--resume   "
                  "(runs no statement of it, then the rest of the plan)\n"
                  "  if you undid what it had done:     " + db + "resolve reverted   (the revision stays " +
                  (p.upgrade ? "unapplied" : "applied") + ")\n"
                  "  (strata stamp also clears this record)";
  return text + "statement " + k + " (" + location(p) +
         ") did not. Nothing more runs on this database until that is settled:\n" +
         (just_failed ? "  after fixing the cause: " : "  to go on from there:   ") + db + dir + to + "--resume   "
         "(runs statement " + k + " onwards, then the rest of the plan)\n"
         "  if you completed the " + dir + " by hand: " + db + "resolve applied\n"
         "  if you undid what it had done:     " + db + "resolve reverted   (the revision stays " +
         (p.upgrade ? "unapplied" : "applied") + ")\n"
         "  (strata stamp also clears this record)";
}

}  // namespace strata::runner
