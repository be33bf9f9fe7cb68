#include "strata/runner/output.hpp"

#include <chrono>
#include <cstdio>

namespace strata::runner {

namespace {
// A UTF-8 continuation byte (10xxxxxx): never cut before one.
bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
}  // namespace

std::string shorten(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes || max_bytes < 64) return text;
  size_t head = max_bytes / 2, tail = max_bytes / 4;
  while (head > 0 && continuation(text[head])) --head;
  size_t from = text.size() - tail;
  while (from < text.size() && continuation(text[from])) ++from;
  const size_t omitted = from - head;
  return text.substr(0, head) + "\n... [" + std::to_string(omitted) + " bytes omitted] ...\n" + text.substr(from);
}

Output::~Output() { finish(); }

void Output::set_live(bool live, bool color) {
  std::lock_guard<std::mutex> guard(mutex_);
  live_ = live;
  color_ = color;
  if (live_ && !ticker_.joinable()) ticker_ = std::thread([this] { ticker(); });
}

void Output::finish() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (live_) clear_board();
    board_.clear();
    stopping_ = true;
  }
  tick_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  std::lock_guard<std::mutex> guard(mutex_);
  stopping_ = false;
}

// Redraws now and then so elapsed times move even between revisions.
void Output::ticker() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    tick_cv_.wait_for(lock, std::chrono::milliseconds(250));
    if (!stopping_ && !board_.empty()) {
      clear_board();
      draw_board();
    }
  }
}

void Output::clear_board() {
  for (size_t i = 0; i < drawn_; ++i) out_ << "\x1b[1A\x1b[2K";
  drawn_ = 0;
  out_.flush();
}

void Output::draw_board() {
  auto now = std::chrono::steady_clock::now();
  for (auto& line : board_) {
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, "%.1fs", std::chrono::duration<double>(now - line.since).count());
    out_ << "\x1b[2K" << (color_ ? "\x1b[1m" + line.key + "\x1b[0m" : line.key) << "  " << line.text << "  "
         << (color_ ? std::string("\x1b[2m") + elapsed + "\x1b[0m" : std::string(elapsed)) << "\n";
  }
  drawn_ = board_.size();
  out_.flush();
}

void Output::write(std::ostream& os, const std::string& prefix, const std::string& text) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (live_) clear_board();
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    if (!prefix.empty()) os << prefix << ": ";
    os << text.substr(start, nl - start) << '\n';
    start = nl + 1;
  }
  os.flush();
  if (live_) draw_board();
}

void Output::info(const std::string& prefix, const std::string& text) {
  if (!quiet_) write(out_, prefix, shorten(text));
}

void Output::step(const std::string& prefix, const std::string& text) {
  if (!quiet_ && (!live_ || verbose_)) write(out_, prefix, text);
}

void Output::debug(const std::string& prefix, const std::string& text) {
  if (verbose_ && !quiet_) write(out_, prefix, shorten(text));
}

void Output::result(const std::string& prefix, const std::string& text) { write(out_, prefix, text); }

void Output::error(const std::string& prefix, const std::string& text) {
  const bool red = live_ && color_;
  const std::string shown = shorten(text);
  write(err_, prefix, red ? "\x1b[31m" + shown + "\x1b[0m" : shown);
}

void Output::status(const std::string& key, const std::string& text) {
  if (!live_ || quiet_) return;
  std::lock_guard<std::mutex> guard(mutex_);
  bool found = false;
  for (auto& line : board_)
    if (line.key == key) line.text = text, found = true;
  if (!found) board_.push_back({key, text, std::chrono::steady_clock::now()});
  clear_board();
  draw_board();
}

void Output::done(const std::string& key) {
  if (!live_) return;
  std::lock_guard<std::mutex> guard(mutex_);
  clear_board();
  for (auto it = board_.begin(); it != board_.end(); ++it)
    if (it->key == key) {
      board_.erase(it);
      break;
    }
  draw_board();
}

}  // namespace strata::runner
