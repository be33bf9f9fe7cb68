#include "strata/runner/output.hpp"

namespace strata::runner {

void Output::write(std::ostream& os, const std::string& prefix, const std::string& text) {
  std::lock_guard<std::mutex> guard(mutex_);
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    if (!prefix.empty()) os << prefix << ": ";
    os << text.substr(start, nl - start) << '\n';
    start = nl + 1;
  }
  os.flush();
}

void Output::info(const std::string& prefix, const std::string& text) {
  if (!quiet_) write(out_, prefix, text);
}

void Output::debug(const std::string& prefix, const std::string& text) {
  if (verbose_ && !quiet_) write(out_, prefix, text);
}

void Output::result(const std::string& prefix, const std::string& text) { write(out_, prefix, text); }

void Output::error(const std::string& prefix, const std::string& text) { write(err_, prefix, text); }

}  // namespace strata::runner
