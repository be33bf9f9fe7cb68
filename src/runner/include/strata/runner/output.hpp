#pragma once
// Line-oriented output shared by concurrently running databases: each line
// is written whole, prefixed with its database name when several run.
#include <iostream>
#include <mutex>
#include <string>

namespace strata::runner {

class Output {
 public:
  Output(std::ostream& out = std::cout, std::ostream& err = std::cerr) : out_(out), err_(err) {}
  void set_quiet(bool q) { quiet_ = q; }
  void set_verbose(bool v) { verbose_ = v; }
  bool verbose() const { return verbose_; }
  /// Progress and results (suppressed by -q).
  void info(const std::string& prefix, const std::string& text);
  /// Details shown with -v only.
  void debug(const std::string& prefix, const std::string& text);
  /// Command results that are the point of the command (never suppressed).
  void result(const std::string& prefix, const std::string& text);
  /// Errors, on stderr.
  void error(const std::string& prefix, const std::string& text);

 private:
  void write(std::ostream& os, const std::string& prefix, const std::string& text);
  std::ostream& out_;
  std::ostream& err_;
  std::mutex mutex_;
  bool quiet_ = false;
  bool verbose_ = false;
};

}  // namespace strata::runner
