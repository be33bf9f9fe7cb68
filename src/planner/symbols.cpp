#include "strata/planner/symbols.hpp"

#include <cctype>

namespace strata::planner {

namespace {

bool symbolic(const std::string& s) {
  if (s.empty() || s == "head" || s == "heads" || s == "base") return true;
  // +N / -N (relative steps)
  if ((s[0] == '+' || s[0] == '-') && s.size() > 1) {
    for (size_t i = 1; i < s.size(); ++i)
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    return true;
  }
  return false;
}

// "REV+N" / "REV-N" -> "REV"; anything else unchanged.
std::string without_step(const std::string& s) {
  size_t i = s.size();
  while (i > 0 && std::isdigit(static_cast<unsigned char>(s[i - 1]))) --i;
  if (i > 1 && i < s.size() && (s[i - 1] == '+' || s[i - 1] == '-')) return s.substr(0, i - 1);
  return s;
}

void add_names(const std::string& target, std::vector<std::string>& out) {
  if (symbolic(target)) return;
  const auto at = target.find('@');
  if (at == std::string::npos) {
    const std::string name = without_step(target);
    if (!symbolic(name)) out.push_back(name);
    return;
  }
  const std::string left = target.substr(0, at), right = target.substr(at + 1);
  if (!left.empty() && !symbolic(left)) out.push_back(without_step(left));
  if (!symbolic(right)) {
    const std::string name = without_step(right);
    if (!symbolic(name)) out.push_back(name);
  }
}

}  // namespace

std::vector<std::string> named_symbols(const std::string& target) {
  std::vector<std::string> out;
  const auto colon = target.find(':');
  if (colon == std::string::npos) {
    add_names(target, out);
  } else {
    add_names(target.substr(0, colon), out);
    add_names(target.substr(colon + 1), out);
  }
  return out;
}

std::vector<Index> symbol_candidates(const RevisionGraph& graph, const std::string& name) {
  if (name.empty()) return {};
  if (auto labelled = graph.labelled(name)) return {*labelled};
  std::vector<Index> out;
  for (Index i = 0; i < graph.size(); ++i)
    if (graph.id(i).compare(0, name.size(), name) == 0) out.push_back(i);
  return out;
}

}  // namespace strata::planner
