#pragma once
// Output shared by concurrently running targets. Off a terminal: whole
// lines, prefixed with the target's name when several run. On a terminal
// (live mode): one status line per running target, redrawn in place below
// the permanent lines (results, errors), which scroll above it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace strata::runner {

/// Messages longer than this are shortened for printing.
constexpr size_t kMaxMessageBytes = 16 * 1024;

/// `text` if at most `max_bytes` long; otherwise its first half and last
/// quarter (cut at UTF-8 character boundaries) around
/// "... [N bytes omitted] ...". Linear, no recursion. Mask passwords first:
/// a cut could separate a password from the '@' that marks it.
std::string shorten(const std::string& text, size_t max_bytes = kMaxMessageBytes);

class Output {
 public:
  Output(std::ostream& out = std::cout, std::ostream& err = std::cerr) : out_(out), err_(err) {}
  ~Output();
  void set_quiet(bool q) { quiet_ = q; }
  void set_verbose(bool v) { verbose_ = v; }
  bool verbose() const { return verbose_; }
  /// Live status lines (call only when stdout is a terminal); `color` adds
  /// ANSI colours (off when NO_COLOR is set).
  void set_live(bool live, bool color);
  bool live() const { return live_; }
  bool color() const { return color_; }

  /// Progress and results (suppressed by -q; very long ones shortened).
  void info(const std::string& prefix, const std::string& text);
  /// One line per revision run: shown off a terminal; in live mode the
  /// target's status line shows it instead.
  void step(const std::string& prefix, const std::string& text);
  /// Details shown with -v only.
  void debug(const std::string& prefix, const std::string& text);
  /// Command results that are the point of the command (never suppressed).
  void result(const std::string& prefix, const std::string& text);
  /// Errors, on stderr (very long ones shortened, see shorten()).
  void error(const std::string& prefix, const std::string& text);
  /// Live mode: the status line of a running target (key = its name).
  void status(const std::string& key, const std::string& text);
  /// Live mode: the target finished; its status line goes away.
  void done(const std::string& key);
  /// Live mode: clears the status area (before a summary is printed).
  void finish();

 private:
  void write(std::ostream& os, const std::string& prefix, const std::string& text);
  void clear_board();  // with mutex_ held
  void draw_board();   // with mutex_ held
  void ticker();
  std::ostream& out_;
  std::ostream& err_;
  std::mutex mutex_;
  bool quiet_ = false;
  bool verbose_ = false;
  bool live_ = false;
  bool color_ = false;
  // Live mode: status lines in start order, and how many are on screen.
  struct Line {
    std::string key, text;
    std::chrono::steady_clock::time_point since;
  };
  std::vector<Line> board_;
  size_t drawn_ = 0;
  std::thread ticker_;
  std::condition_variable tick_cv_;
  bool stopping_ = false;
};

}  // namespace strata::runner
